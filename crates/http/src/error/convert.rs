//! From each use case's error enum to [`ApiError`]: accounts and messaging here, groups,
//! blocks and presence in [`groups`].
//!
//! Matches are exhaustive on purpose: a new variant in the app crate fails the build here
//! until someone decides what clients see for it. Every `Unavailable` goes through
//! [`ApiError::unavailable`], which logs the whole app error (its source chain included).
//! A `Forbidden` keeps the use case's own sentence (which role the action needs) as its
//! message; its code is always `forbidden`.

mod groups;

use chat_app::admin::AdminError;
use chat_app::auth::{
    AuthError, LoginError, LogoutError, RefreshError, RegisterError, SessionError,
};
use chat_app::messaging::{
    DeleteError, EditError, EditHistoryError, HistoryError, ReceiptError, ReplyPreviewError,
    ResumeError, RoomError, SendError, TypingError,
};
use chat_app::users::UserLookupError;
use chat_app::worker::DeadLetterError;

use super::ApiError;

impl From<RegisterError> for ApiError {
    fn from(error: RegisterError) -> Self {
        match error {
            RegisterError::InvalidUsername(reason) => Self::InvalidUsername(reason),
            RegisterError::InvalidPassword(reason) => Self::InvalidPassword(reason),
            RegisterError::UsernameTaken => Self::UsernameTaken,
            RegisterError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::InvalidCredentials => Self::InvalidCredentials,
            LoginError::AccountLocked => Self::AccountLocked,
            LoginError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<RefreshError> for ApiError {
    fn from(error: RefreshError) -> Self {
        match error {
            RefreshError::InvalidToken => Self::InvalidToken,
            RefreshError::AccountLocked => Self::AccountLocked,
            RefreshError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<LogoutError> for ApiError {
    fn from(error: LogoutError) -> Self {
        match error {
            LogoutError::InvalidToken => Self::InvalidToken,
            LogoutError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Unauthenticated => Self::Unauthorized,
            AuthError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::NotFound => Self::SessionNotFound,
            SessionError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::UserNotFound => Self::UserNotFound,
            AdminError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<DeadLetterError> for ApiError {
    fn from(error: DeadLetterError) -> Self {
        match error {
            DeadLetterError::NotFound => Self::DeadLetterNotFound,
            DeadLetterError::Store(_) | DeadLetterError::Queue(_) => Self::unavailable(&error),
        }
    }
}

impl From<UserLookupError> for ApiError {
    fn from(error: UserLookupError) -> Self {
        match error {
            UserLookupError::NotFound => Self::UserNotFound,
            UserLookupError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<SendError> for ApiError {
    fn from(error: SendError) -> Self {
        match error {
            SendError::InvalidBody(reason) => Self::InvalidBody(reason),
            SendError::InvalidClientMsgId => Self::InvalidClientMsgId,
            SendError::SelfMessage => Self::CannotMessageSelf,
            SendError::UserNotFound => Self::UserNotFound,
            SendError::Blocked => Self::Blocked,
            SendError::RoomNotFound => Self::RoomNotFound,
            SendError::ReplyNotFound => Self::InvalidReplyTo,
            SendError::RoomLimitReached { max } => Self::room_limit(max),
            SendError::RecipientRoomLimitReached { max } => Self::RoomLimitReached {
                max,
                recipient: true,
            },
            SendError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<RoomError> for ApiError {
    fn from(error: RoomError) -> Self {
        match error {
            RoomError::RoomNotFound => Self::RoomNotFound,
            RoomError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<HistoryError> for ApiError {
    fn from(error: HistoryError) -> Self {
        match error {
            HistoryError::InvalidLimit => Self::InvalidLimit(error.to_string()),
            HistoryError::RoomNotFound => Self::RoomNotFound,
            HistoryError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<EditError> for ApiError {
    fn from(error: EditError) -> Self {
        match error {
            EditError::InvalidBody(reason) => Self::InvalidBody(reason),
            EditError::RoomNotFound => Self::RoomNotFound,
            EditError::MessageNotFound => Self::MessageNotFound,
            EditError::Forbidden => Self::forbidden(&error),
            EditError::EditWindowClosed => Self::EditWindowClosed,
            EditError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<DeleteError> for ApiError {
    fn from(error: DeleteError) -> Self {
        match error {
            DeleteError::RoomNotFound => Self::RoomNotFound,
            DeleteError::MessageNotFound => Self::MessageNotFound,
            DeleteError::Forbidden => Self::forbidden(&error),
            DeleteError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<EditHistoryError> for ApiError {
    fn from(error: EditHistoryError) -> Self {
        match error {
            EditHistoryError::RoomNotFound => Self::RoomNotFound,
            EditHistoryError::MessageNotFound => Self::MessageNotFound,
            EditHistoryError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<ReplyPreviewError> for ApiError {
    fn from(error: ReplyPreviewError) -> Self {
        match error {
            ReplyPreviewError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<ReceiptError> for ApiError {
    fn from(error: ReceiptError) -> Self {
        match error {
            ReceiptError::RoomNotFound => Self::RoomNotFound,
            ReceiptError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<TypingError> for ApiError {
    fn from(error: TypingError) -> Self {
        match error {
            TypingError::RoomNotFound => Self::RoomNotFound,
            TypingError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<ResumeError> for ApiError {
    fn from(error: ResumeError) -> Self {
        match error {
            ResumeError::InvalidLimit => Self::InvalidLimit(error.to_string()),
            ResumeError::RoomNotFound => Self::RoomNotFound,
            ResumeError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}
