//! From the group, block and presence use cases' error enums to [`ApiError`].
//!
//! The order of the checks in the use cases decides what a caller may learn, and these maps
//! keep it: a room the caller is not in is `room_not_found` (404) whatever else is wrong; a
//! private room they are in is `not_a_group` (403); a missing role is `forbidden` (403).
//! `RevokeLinkError::LinkNotFound` shares `link_unavailable` with a join through a dead link:
//! to a client both mean "this link admits nobody".

use chat_app::blocks::BlockError;
use chat_app::groups::{
    AcceptInviteError, CancelInviteError, ChangeRoleError, CreateGroupError, CreateLinkError,
    DeclineInviteError, DeleteGroupError, InviteError, JoinByLinkError, LeaveError,
    ListInvitesError, MembersPageError, RemoveMemberError, RevokeLinkError, TransferError,
    UpdateGroupError,
};
use chat_app::presence::PresenceError;

use crate::ApiError;

impl From<CreateGroupError> for ApiError {
    fn from(error: CreateGroupError) -> Self {
        match error {
            CreateGroupError::InvalidName(reason) => Self::InvalidName(reason),
            CreateGroupError::InvalidDescription(reason) => Self::InvalidDescription(reason),
            CreateGroupError::UserNotFound => Self::UserNotFound,
            CreateGroupError::Blocked => Self::Blocked,
            CreateGroupError::RoomFull => Self::RoomFull,
            CreateGroupError::RoomLimitReached { max } => Self::room_limit(max),
            CreateGroupError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<UpdateGroupError> for ApiError {
    fn from(error: UpdateGroupError) -> Self {
        match error {
            UpdateGroupError::InvalidName(reason) => Self::InvalidName(reason),
            UpdateGroupError::InvalidDescription(reason) => Self::InvalidDescription(reason),
            UpdateGroupError::RoomNotFound => Self::RoomNotFound,
            UpdateGroupError::NotAGroup => Self::NotAGroup,
            UpdateGroupError::Forbidden => Self::forbidden(&error),
            UpdateGroupError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<DeleteGroupError> for ApiError {
    fn from(error: DeleteGroupError) -> Self {
        match error {
            DeleteGroupError::RoomNotFound => Self::RoomNotFound,
            DeleteGroupError::NotAGroup => Self::NotAGroup,
            DeleteGroupError::Forbidden => Self::forbidden(&error),
            DeleteGroupError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<InviteError> for ApiError {
    fn from(error: InviteError) -> Self {
        match error {
            InviteError::RoomNotFound => Self::RoomNotFound,
            InviteError::NotAGroup => Self::NotAGroup,
            InviteError::Forbidden => Self::forbidden(&error),
            InviteError::UserNotFound => Self::UserNotFound,
            InviteError::AlreadyMember => Self::AlreadyMember,
            InviteError::AlreadyInvited => Self::AlreadyInvited,
            InviteError::Blocked => Self::Blocked,
            InviteError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<ListInvitesError> for ApiError {
    fn from(error: ListInvitesError) -> Self {
        match error {
            ListInvitesError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<AcceptInviteError> for ApiError {
    fn from(error: AcceptInviteError) -> Self {
        match error {
            AcceptInviteError::InviteNotFound => Self::InviteNotFound,
            AcceptInviteError::InviteExpired => Self::InviteExpired,
            AcceptInviteError::RoomFull => Self::RoomFull,
            AcceptInviteError::RoomLimitReached { max } => Self::room_limit(max),
            AcceptInviteError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<DeclineInviteError> for ApiError {
    fn from(error: DeclineInviteError) -> Self {
        match error {
            DeclineInviteError::InviteNotFound => Self::InviteNotFound,
            DeclineInviteError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<CancelInviteError> for ApiError {
    fn from(error: CancelInviteError) -> Self {
        match error {
            CancelInviteError::InviteNotFound => Self::InviteNotFound,
            CancelInviteError::Forbidden => Self::forbidden(&error),
            CancelInviteError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<CreateLinkError> for ApiError {
    fn from(error: CreateLinkError) -> Self {
        match error {
            CreateLinkError::RoomNotFound => Self::RoomNotFound,
            CreateLinkError::NotAGroup => Self::NotAGroup,
            CreateLinkError::Forbidden => Self::forbidden(&error),
            CreateLinkError::InvalidLink => Self::InvalidLink(error.to_string()),
            CreateLinkError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<JoinByLinkError> for ApiError {
    fn from(error: JoinByLinkError) -> Self {
        match error {
            JoinByLinkError::LinkUnavailable => Self::LinkUnavailable,
            JoinByLinkError::RoomFull => Self::RoomFull,
            JoinByLinkError::RoomLimitReached { max } => Self::room_limit(max),
            JoinByLinkError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<RevokeLinkError> for ApiError {
    fn from(error: RevokeLinkError) -> Self {
        match error {
            RevokeLinkError::RoomNotFound => Self::RoomNotFound,
            RevokeLinkError::NotAGroup => Self::NotAGroup,
            RevokeLinkError::Forbidden => Self::forbidden(&error),
            RevokeLinkError::LinkNotFound => Self::LinkUnavailable,
            RevokeLinkError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<MembersPageError> for ApiError {
    fn from(error: MembersPageError) -> Self {
        match error {
            MembersPageError::InvalidLimit => Self::InvalidLimit(error.to_string()),
            MembersPageError::RoomNotFound => Self::RoomNotFound,
            MembersPageError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<RemoveMemberError> for ApiError {
    fn from(error: RemoveMemberError) -> Self {
        match error {
            RemoveMemberError::RoomNotFound => Self::RoomNotFound,
            RemoveMemberError::NotAGroup => Self::NotAGroup,
            RemoveMemberError::Forbidden => Self::forbidden(&error),
            RemoveMemberError::MemberNotFound => Self::MemberNotFound,
            RemoveMemberError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<LeaveError> for ApiError {
    fn from(error: LeaveError) -> Self {
        match error {
            LeaveError::RoomNotFound => Self::RoomNotFound,
            LeaveError::NotAGroup => Self::NotAGroup,
            LeaveError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<ChangeRoleError> for ApiError {
    fn from(error: ChangeRoleError) -> Self {
        match error {
            ChangeRoleError::RoomNotFound => Self::RoomNotFound,
            ChangeRoleError::NotAGroup => Self::NotAGroup,
            ChangeRoleError::Forbidden => Self::forbidden(&error),
            ChangeRoleError::MemberNotFound => Self::MemberNotFound,
            ChangeRoleError::InvalidRole => Self::InvalidRole(error.to_string()),
            ChangeRoleError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<TransferError> for ApiError {
    fn from(error: TransferError) -> Self {
        match error {
            TransferError::RoomNotFound => Self::RoomNotFound,
            TransferError::NotAGroup => Self::NotAGroup,
            TransferError::Forbidden => Self::forbidden(&error),
            TransferError::MemberNotFound => Self::MemberNotFound,
            TransferError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<BlockError> for ApiError {
    fn from(error: BlockError) -> Self {
        match error {
            BlockError::SelfBlock => Self::CannotBlockSelf,
            BlockError::UserNotFound => Self::UserNotFound,
            BlockError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<PresenceError> for ApiError {
    fn from(error: PresenceError) -> Self {
        match error {
            PresenceError::TooManyUsers => Self::invalid_request(error.to_string()),
            PresenceError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}
