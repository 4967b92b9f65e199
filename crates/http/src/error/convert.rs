//! From each use case's error enum to [`ApiError`].
//!
//! Matches are exhaustive on purpose: a new variant in the app crate fails the build here
//! until someone decides what clients see for it. Every `Unavailable` goes through
//! [`ApiError::unavailable`], which logs the whole app error (its source chain included).

use chat_app::auth::{AuthError, LoginError, LogoutError, RefreshError, RegisterError};
use chat_app::messaging::{HistoryError, RoomError, SendError};
use chat_app::users::UserLookupError;

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
            LoginError::Unavailable(_) => Self::unavailable(&error),
        }
    }
}

impl From<RefreshError> for ApiError {
    fn from(error: RefreshError) -> Self {
        match error {
            RefreshError::InvalidToken => Self::InvalidToken,
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
            SendError::RoomNotFound => Self::RoomNotFound,
            SendError::ReplyNotFound => Self::InvalidReplyTo,
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
