//! The use-case errors of issue 4 (groups, invites, links, members, blocks, presence, edits,
//! deletes, receipts) become the statuses and codes `docs/protocol.md` promises.

use actix_web::ResponseError;
use chat_app::blocks::BlockError;
use chat_app::groups::{
    AcceptInviteError, CancelInviteError, ChangeRoleError, CreateGroupError, CreateLinkError,
    DeclineInviteError, DeleteGroupError, InviteError, JoinByLinkError, LeaveError,
    ListInvitesError, MembersPageError, RemoveMemberError, RevokeLinkError, TransferError,
    UpdateGroupError,
};
use chat_app::messaging::{
    DeleteError, EditError, EditHistoryError, ReceiptError, ReplyPreviewError, ResumeError,
    SendError, TypingError,
};
use chat_app::presence::PresenceError;
use chat_domain::{BodyError, GroupTextError};

use super::{status_and_code, store_down};
use crate::ApiError;

#[test]
fn blocks_answer_403_blocked_wherever_they_stop_someone() {
    assert_eq!(status_and_code(SendError::Blocked), (403, "blocked"));
    assert_eq!(status_and_code(InviteError::Blocked), (403, "blocked"));
    assert_eq!(status_and_code(CreateGroupError::Blocked), (403, "blocked"));
    assert_eq!(
        status_and_code(BlockError::SelfBlock),
        (400, "cannot_block_self")
    );
    assert_eq!(
        status_and_code(BlockError::UserNotFound),
        (404, "user_not_found")
    );
}

#[test]
fn group_texts_and_limits_are_400s() {
    let too_long = GroupTextError::TooLong {
        field: "description",
        max: 1000,
    };
    assert_eq!(
        status_and_code(CreateGroupError::InvalidName(GroupTextError::EmptyName)),
        (400, "invalid_name")
    );
    assert_eq!(
        status_and_code(UpdateGroupError::InvalidDescription(too_long)),
        (400, "invalid_description")
    );
    assert_eq!(
        status_and_code(ChangeRoleError::InvalidRole),
        (400, "invalid_role")
    );
    assert_eq!(
        status_and_code(CreateLinkError::InvalidLink),
        (400, "invalid_link")
    );
    assert_eq!(
        status_and_code(MembersPageError::InvalidLimit),
        (400, "invalid_limit")
    );
    assert_eq!(
        status_and_code(ResumeError::InvalidLimit),
        (400, "invalid_limit")
    );
    assert_eq!(
        status_and_code(PresenceError::TooManyUsers),
        (400, "invalid_request")
    );
}

#[test]
fn rooms_the_caller_cannot_see_are_404_and_roles_they_lack_403() {
    let not_found: Vec<ApiError> = vec![
        UpdateGroupError::RoomNotFound.into(),
        DeleteGroupError::RoomNotFound.into(),
        InviteError::RoomNotFound.into(),
        CreateLinkError::RoomNotFound.into(),
        RevokeLinkError::RoomNotFound.into(),
        MembersPageError::RoomNotFound.into(),
        RemoveMemberError::RoomNotFound.into(),
        LeaveError::RoomNotFound.into(),
        ChangeRoleError::RoomNotFound.into(),
        TransferError::RoomNotFound.into(),
        EditError::RoomNotFound.into(),
        DeleteError::RoomNotFound.into(),
        EditHistoryError::RoomNotFound.into(),
        ReceiptError::RoomNotFound.into(),
        TypingError::RoomNotFound.into(),
        ResumeError::RoomNotFound.into(),
    ];
    for error in not_found {
        assert_eq!(status_and_code(error), (404, "room_not_found"));
    }
    let forbidden: Vec<ApiError> = vec![
        UpdateGroupError::Forbidden.into(),
        DeleteGroupError::Forbidden.into(),
        InviteError::Forbidden.into(),
        CancelInviteError::Forbidden.into(),
        CreateLinkError::Forbidden.into(),
        RevokeLinkError::Forbidden.into(),
        RemoveMemberError::Forbidden.into(),
        ChangeRoleError::Forbidden.into(),
        TransferError::Forbidden.into(),
        EditError::Forbidden.into(),
        DeleteError::Forbidden.into(),
    ];
    for error in forbidden {
        assert_eq!(status_and_code(error), (403, "forbidden"));
    }
    let not_a_group: Vec<ApiError> = vec![
        UpdateGroupError::NotAGroup.into(),
        DeleteGroupError::NotAGroup.into(),
        InviteError::NotAGroup.into(),
        CreateLinkError::NotAGroup.into(),
        RevokeLinkError::NotAGroup.into(),
        RemoveMemberError::NotAGroup.into(),
        LeaveError::NotAGroup.into(),
        ChangeRoleError::NotAGroup.into(),
        TransferError::NotAGroup.into(),
    ];
    for error in not_a_group {
        assert_eq!(status_and_code(error), (403, "not_a_group"));
    }
}

#[test]
fn a_forbidden_answer_says_which_role_is_needed() {
    let error = ApiError::from(ChangeRoleError::Forbidden);
    assert_eq!(error.to_string(), "only the owner may change roles");
}

#[test]
fn invites_links_and_members_map_to_their_codes() {
    let cases: Vec<(ApiError, (u16, &str))> = vec![
        (InviteError::UserNotFound.into(), (404, "user_not_found")),
        (InviteError::AlreadyMember.into(), (409, "already_member")),
        (InviteError::AlreadyInvited.into(), (409, "already_invited")),
        (
            CreateGroupError::UserNotFound.into(),
            (404, "user_not_found"),
        ),
        (CreateGroupError::RoomFull.into(), (409, "room_full")),
        (
            AcceptInviteError::InviteNotFound.into(),
            (404, "invite_not_found"),
        ),
        (
            AcceptInviteError::InviteExpired.into(),
            (410, "invite_expired"),
        ),
        (AcceptInviteError::RoomFull.into(), (409, "room_full")),
        (
            DeclineInviteError::InviteNotFound.into(),
            (404, "invite_not_found"),
        ),
        (
            CancelInviteError::InviteNotFound.into(),
            (404, "invite_not_found"),
        ),
        (
            JoinByLinkError::LinkUnavailable.into(),
            (404, "link_unavailable"),
        ),
        (JoinByLinkError::RoomFull.into(), (409, "room_full")),
        (
            RevokeLinkError::LinkNotFound.into(),
            (404, "link_unavailable"),
        ),
        (
            RemoveMemberError::MemberNotFound.into(),
            (404, "member_not_found"),
        ),
        (
            ChangeRoleError::MemberNotFound.into(),
            (404, "member_not_found"),
        ),
        (
            TransferError::MemberNotFound.into(),
            (404, "member_not_found"),
        ),
    ];
    for (error, expected) in cases {
        assert_eq!(status_and_code(error), expected);
    }
}

#[test]
fn message_changes_map_to_their_codes() {
    assert_eq!(
        status_and_code(EditError::InvalidBody(BodyError::Empty)),
        (400, "invalid_body")
    );
    assert_eq!(
        status_and_code(EditError::EditWindowClosed),
        (403, "edit_window_closed")
    );
    for error in [
        ApiError::from(EditError::MessageNotFound),
        DeleteError::MessageNotFound.into(),
        EditHistoryError::MessageNotFound.into(),
    ] {
        assert_eq!(status_and_code(error), (404, "message_not_found"));
    }
}

#[test]
fn every_new_unavailable_variant_is_a_503() {
    let down = store_down;
    let all: Vec<ApiError> = vec![
        CreateGroupError::Unavailable(down()).into(),
        UpdateGroupError::Unavailable(down()).into(),
        DeleteGroupError::Unavailable(down()).into(),
        InviteError::Unavailable(down()).into(),
        ListInvitesError::Unavailable(down()).into(),
        AcceptInviteError::Unavailable(down()).into(),
        DeclineInviteError::Unavailable(down()).into(),
        CancelInviteError::Unavailable(down()).into(),
        CreateLinkError::Unavailable(down()).into(),
        JoinByLinkError::Unavailable(down()).into(),
        RevokeLinkError::Unavailable(down()).into(),
        MembersPageError::Unavailable(down()).into(),
        RemoveMemberError::Unavailable(down()).into(),
        LeaveError::Unavailable(down()).into(),
        ChangeRoleError::Unavailable(down()).into(),
        TransferError::Unavailable(down()).into(),
        BlockError::Unavailable(down()).into(),
        PresenceError::Unavailable(down()).into(),
        EditError::Unavailable(down()).into(),
        DeleteError::Unavailable(down()).into(),
        EditHistoryError::Unavailable(down()).into(),
        ReplyPreviewError::Unavailable(down()).into(),
        ReceiptError::Unavailable(down()).into(),
        TypingError::Unavailable(down()).into(),
        ResumeError::Unavailable(down()).into(),
    ];
    for error in all {
        assert_eq!(
            (error.status_code().as_u16(), error.code()),
            (503, "store_unavailable")
        );
        assert!(!error.to_string().contains("db.internal"));
    }
}

#[actix_web::test]
async fn the_rooms_per_user_limit_is_a_409_naming_whose_limit_it_is() {
    let max = 1000;
    for caller in [
        ApiError::from(CreateGroupError::RoomLimitReached { max }),
        AcceptInviteError::RoomLimitReached { max }.into(),
        JoinByLinkError::RoomLimitReached { max }.into(),
        SendError::RoomLimitReached { max }.into(),
    ] {
        assert_eq!(
            (caller.status_code().as_u16(), caller.code()),
            (409, "room_limit_reached")
        );
    }
    assert_eq!(
        status_and_code(SendError::RecipientRoomLimitReached { max }),
        (409, "recipient_room_limit_reached")
    );
    let (_, body) = super::body_of(ApiError::room_limit(max)).await;
    assert_eq!(
        body["error"]["message"],
        "you are in the maximum of 1000 rooms; leave one first"
    );
}
