//! Wire formats: what clients send and receive. Conversions from domain types live here so
//! the JSON shape is written down once and changed deliberately.

pub mod auth;
pub mod history;
pub mod message;
pub mod room;
pub mod send;
pub mod user;

pub use message::MessageDto;
pub use room::RoomDto;
pub use user::{UserDto, UserSummaryDto};

pub use auth::{CredentialsRequest, RefreshTokenRequest, TokenResponse};
pub use history::{HistoryQuery, MessagePageResponse};
pub use room::{RoomResponse, RoomsResponse};
pub use send::{MessageResponse, PrivateMessageResponse, SendMessageRequest};
pub use user::{UserResponse, UserSearchQuery, UsersResponse};
