//! Wire formats: what clients send and receive. Conversions from domain types live here so
//! the JSON shape is written down once and changed deliberately.

pub mod admin;
pub mod auth;
pub mod edit;
pub mod group;
pub mod history;
pub mod invite;
pub mod link;
pub mod member;
pub mod message;
pub mod object;
pub mod presence;
pub mod room;
pub mod send;
pub mod session;
pub mod user;

pub use message::{MessageDto, ReplyPreviewDto};
pub use object::Object;
pub use room::RoomDto;
pub use user::{UserDto, UserSummaryDto};

pub use auth::{CredentialsRequest, RefreshTokenRequest, TokenResponse};
pub use edit::{EditDto, EditHistoryResponse, EditMessageRequest};
pub use group::{CreateGroupRequest, UpdateGroupRequest};
pub use history::{HistoryQuery, MessagePageResponse};
pub use invite::{InviteDto, InviteRequest, InviteResponse, InvitesResponse};
pub use link::{CreateLinkRequest, LinkDto, LinkResponse};
pub use member::{ChangeRoleRequest, MemberDto, MembersQuery, MembersResponse, TransferRequest};
pub use presence::{PresenceDto, PresenceQuery, PresenceResponse};
pub use room::{ReadRequest, RoomResponse, RoomsResponse};
pub use send::{MessageResponse, PrivateMessageResponse, SendMessageRequest};
pub use session::{LoginRequest, SessionDto, SessionsResponse};
pub use user::{UserResponse, UserSearchQuery, UsersResponse};
