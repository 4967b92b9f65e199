//! [`ApiError`]: the one error every handler returns, and how each use-case error becomes a
//! status and a stable `code`.
//!
//! The body is always `{"error": {"code": "<snake_case>", "message": "<text>"}}`. Codes are a
//! contract with clients, so each variant has exactly one and they never change. Failures of
//! the machinery (a store, the queue, the signer) become `503 store_unavailable`: the source
//! chain is logged where the error is converted and never reaches the client.
//!
//! The `From` impls for the app crate's error enums live in [`convert`](self::convert) so
//! this file stays about the wire shape.

mod convert;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use chat_domain::{BodyError, DeviceNameError, GroupTextError, PasswordError, UsernameError};
use serde::Serialize;
use thiserror::Error;
use utoipa::ToSchema;

/// An error as a client sees it: a status, a stable snake_case code and a message.
#[derive(Debug, Error)]
pub enum ApiError {
    /// Too many requests of one kind (see [`crate::limits`]); answered with `Retry-After`.
    #[error("too many requests ({limit}); retry after {retry_after_secs} s")]
    RateLimited {
        /// The limit that refused.
        limit: &'static str,
        /// Whole seconds until one more is allowed.
        retry_after_secs: u64,
    },
    /// The user already holds as many WebSocket connections as allowed.
    #[error("too many open connections for this user (limit {limit})")]
    TooManyConnections {
        /// The limit in force.
        limit: usize,
    },
    /// A browser page from an origin that is not on the allow-list opened a WebSocket.
    #[error("this origin may not open a WebSocket here")]
    OriginNotAllowed,
    /// Malformed JSON, a missing field, a wrong type, a bad query or path.
    #[error("{0}")]
    InvalidRequest(String),
    /// The request body is over the configured limit.
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in force, in bytes.
        limit: usize,
    },
    /// The username breaks the rules.
    #[error(transparent)]
    InvalidUsername(UsernameError),
    /// The password breaks the rules.
    #[error(transparent)]
    InvalidPassword(PasswordError),
    /// Someone already has this username.
    #[error("username is taken")]
    UsernameTaken,
    /// Unknown user or wrong password (deliberately indistinguishable).
    #[error("invalid username or password")]
    InvalidCredentials,
    /// A login's `device` name that is empty, too long or has control characters.
    #[error(transparent)]
    InvalidDevice(DeviceNameError),
    /// An administrator locked the account (said whatever the password was).
    #[error("this account is locked")]
    AccountLocked,
    /// No active session of the caller has this id.
    #[error("session not found")]
    SessionNotFound,
    /// No dead letter has this id.
    #[error("dead letter not found")]
    DeadLetterNotFound,
    /// An unknown, spent or revoked refresh token.
    #[error("invalid refresh token")]
    InvalidToken,
    /// A missing, malformed or expired access token.
    #[error("missing or invalid access token")]
    Unauthorized,
    /// An empty or too long message body.
    #[error(transparent)]
    InvalidBody(BodyError),
    /// A `client_msg_id` that is empty, too long or has control characters.
    #[error("invalid client_msg_id")]
    InvalidClientMsgId,
    /// A private message to oneself.
    #[error("you cannot message yourself")]
    CannotMessageSelf,
    /// No such user.
    #[error("user not found")]
    UserNotFound,
    /// No such room, or one the caller is not a member of.
    #[error("room not found")]
    RoomNotFound,
    /// `reply_to` is not a message of this room.
    #[error("reply_to names no message of this room")]
    InvalidReplyTo,
    /// A page size out of its range (history `1..=100`, members `1..=200`).
    #[error("{0}")]
    InvalidLimit(String),
    /// A group name that is empty or too long.
    #[error(transparent)]
    InvalidName(GroupTextError),
    /// A group description that is too long.
    #[error(transparent)]
    InvalidDescription(GroupTextError),
    /// A role that is not `admin` or `member` (ownership moves only by transfer).
    #[error("{0}")]
    InvalidRole(String),
    /// An invite link with a zero `max_uses`, or an `expires_in` of zero or too far out.
    #[error("{0}")]
    InvalidLink(String),
    /// Blocking oneself.
    #[error("you cannot block yourself")]
    CannotBlockSelf,
    /// A room the caller sees, but an action their role does not allow.
    #[error("{0}")]
    Forbidden(String),
    /// The other user has blocked the caller.
    #[error("this user has blocked you")]
    Blocked,
    /// A group-only action on a private room.
    #[error("this room is not a group")]
    NotAGroup,
    /// An edit after the message's edit window.
    #[error("the edit window of this message has closed")]
    EditWindowClosed,
    /// No such message in the room.
    #[error("message not found")]
    MessageNotFound,
    /// No such invite for the caller.
    #[error("invite not found")]
    InviteNotFound,
    /// No such invite link, or one revoked, expired or used up.
    #[error("invite link unavailable")]
    LinkUnavailable,
    /// The user is not a member of the room.
    #[error("member not found")]
    MemberNotFound,
    /// The group has its maximum number of members.
    #[error("the group is full")]
    RoomFull,
    /// The invitee is a member already.
    #[error("already a member")]
    AlreadyMember,
    /// The invitee has a pending invite into the group already.
    #[error("already invited")]
    AlreadyInvited,
    /// The invite expired before it was accepted.
    #[error("invite expired")]
    InviteExpired,
    /// Joining or opening a room would take a user over the rooms-per-user limit: the caller
    /// (`room_limit_reached`), or the recipient of a first private message
    /// (`recipient_room_limit_reached`).
    #[error("{}", room_limit_message(*.recipient, *.max))]
    RoomLimitReached {
        /// The limit in force.
        max: u32,
        /// Whether the recipient, not the caller, is at the limit.
        recipient: bool,
    },
    /// No route has this path.
    #[error("no such route")]
    NotFound,
    /// The route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A store or other dependency failed; already logged with its source chain.
    #[error("the service is temporarily unavailable; try again")]
    Unavailable,
    /// The server itself is misconfigured; already logged.
    #[error("internal error")]
    Internal,
}

/// The JSON envelope of every error: `{"error": {"code", "message"}}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": {"code": "room_not_found", "message": "room not found"}}))]
pub struct ErrorEnvelope {
    /// What went wrong.
    pub error: ErrorBody,
}

/// `{"code", "message"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The stable snake_case code clients match on (`room_not_found`, `rate_limited`, ...).
    pub code: &'static str,
    /// A sentence for people; it may change, so match on `code`.
    pub message: String,
}

impl ApiError {
    /// The stable snake_case code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rate_limited",
            Self::TooManyConnections { .. } => "too_many_connections",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::InvalidRequest(_) => "invalid_request",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::InvalidUsername(_) => "invalid_username",
            Self::InvalidPassword(_) => "invalid_password",
            Self::UsernameTaken => "username_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidDevice(_) => "invalid_device",
            Self::AccountLocked => "account_locked",
            Self::SessionNotFound => "session_not_found",
            Self::DeadLetterNotFound => "dead_letter_not_found",
            Self::InvalidToken => "invalid_token",
            Self::Unauthorized => "unauthorized",
            Self::InvalidBody(_) => "invalid_body",
            Self::InvalidClientMsgId => "invalid_client_msg_id",
            Self::CannotMessageSelf => "cannot_message_self",
            Self::UserNotFound => "user_not_found",
            Self::RoomNotFound => "room_not_found",
            Self::InvalidReplyTo => "invalid_reply_to",
            Self::InvalidLimit(_) => "invalid_limit",
            Self::InvalidName(_) => "invalid_name",
            Self::InvalidDescription(_) => "invalid_description",
            Self::InvalidRole(_) => "invalid_role",
            Self::InvalidLink(_) => "invalid_link",
            Self::CannotBlockSelf => "cannot_block_self",
            Self::Forbidden(_) => "forbidden",
            Self::Blocked => "blocked",
            Self::NotAGroup => "not_a_group",
            Self::EditWindowClosed => "edit_window_closed",
            Self::MessageNotFound => "message_not_found",
            Self::InviteNotFound => "invite_not_found",
            Self::LinkUnavailable => "link_unavailable",
            Self::MemberNotFound => "member_not_found",
            Self::RoomFull => "room_full",
            Self::AlreadyMember => "already_member",
            Self::AlreadyInvited => "already_invited",
            Self::InviteExpired => "invite_expired",
            Self::RoomLimitReached {
                recipient: false, ..
            } => "room_limit_reached",
            Self::RoomLimitReached {
                recipient: true, ..
            } => "recipient_room_limit_reached",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Unavailable => "store_unavailable",
            Self::Internal => "internal_error",
        }
    }

    /// A 400 `invalid_request` with `message`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::InvalidRequest(message.into())
    }

    /// A 403 `forbidden` whose message is `reason` (what the caller's role does not allow).
    pub fn forbidden(reason: &impl std::fmt::Display) -> Self {
        Self::Forbidden(reason.to_string())
    }

    /// A 409 `room_limit_reached`: the caller is in `max` rooms, as many as a user may be.
    pub fn room_limit(max: u32) -> Self {
        Self::RoomLimitReached {
            max,
            recipient: false,
        }
    }

    /// A 503 for a failed dependency: logs `source` and its whole chain, returns
    /// [`ApiError::Unavailable`], which tells the client nothing about it.
    pub fn unavailable(source: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %error_chain(source), "request failed: dependency unavailable");
        Self::Unavailable
    }
}

/// The message of [`ApiError::RoomLimitReached`].
fn room_limit_message(recipient: bool, max: u32) -> String {
    if recipient {
        format!("the recipient is in the maximum of {max} rooms")
    } else {
        format!("you are in the maximum of {max} rooms; leave one first")
    }
}

/// `outer: cause: root cause`, for one log line.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        current = cause.source();
    }
    text
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidRequest(_)
            | Self::InvalidUsername(_)
            | Self::InvalidPassword(_)
            | Self::InvalidDevice(_)
            | Self::InvalidBody(_)
            | Self::InvalidClientMsgId
            | Self::CannotMessageSelf
            | Self::InvalidReplyTo
            | Self::InvalidLimit(_)
            | Self::InvalidName(_)
            | Self::InvalidDescription(_)
            | Self::InvalidRole(_)
            | Self::InvalidLink(_)
            | Self::CannotBlockSelf => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } | Self::TooManyConnections { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::UsernameTaken
            | Self::RoomFull
            | Self::AlreadyMember
            | Self::AlreadyInvited
            | Self::RoomLimitReached { .. } => StatusCode::CONFLICT,
            Self::InvalidCredentials | Self::InvalidToken | Self::Unauthorized => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden(_)
            | Self::Blocked
            | Self::NotAGroup
            | Self::EditWindowClosed
            | Self::OriginNotAllowed
            | Self::AccountLocked => StatusCode::FORBIDDEN,
            Self::UserNotFound
            | Self::SessionNotFound
            | Self::DeadLetterNotFound
            | Self::RoomNotFound
            | Self::MessageNotFound
            | Self::InviteNotFound
            | Self::LinkUnavailable
            | Self::MemberNotFound
            | Self::NotFound => StatusCode::NOT_FOUND,
            Self::InviteExpired => StatusCode::GONE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unauthorized) {
            // RFC 6750: a 401 for a bearer-protected resource names the scheme.
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let Self::RateLimited {
            retry_after_secs, ..
        } = self
        {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        response.json(ErrorEnvelope {
            error: ErrorBody {
                code: self.code(),
                message: self.to_string(),
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests;
