//! The rooms and memberships port.

use async_trait::async_trait;
use chat_domain::{Membership, PrivatePair, Role, Room, RoomId, Seq, Timestamp, User, UserId};

use crate::StoreError;

/// A private room to create for a pair of users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrivateRoom {
    /// The room (kind `Private`, no name).
    pub room: Room,
    /// Its two members, who both join with role `Member` at `room.created_at`.
    pub pair: PrivatePair,
}

/// What `create_private_room` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivateRoomOutcome {
    /// This call created the room.
    Created(Room),
    /// The pair already had a room (possibly created by a racing call); here it is.
    Existing(Room),
}

impl PrivateRoomOutcome {
    /// The room, whoever created it.
    pub fn room(&self) -> &Room {
        match self {
            Self::Created(room) | Self::Existing(room) => room,
        }
    }
}

/// A member as the member list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberProfile {
    /// The user.
    pub user: User,
    /// Their membership.
    pub membership: Membership,
}

/// A room one user belongs to, with that user's membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRoom {
    /// The room.
    pub room: Room,
    /// The user's membership of it.
    pub membership: Membership,
}

/// Durable store of rooms and who belongs to them.
///
/// Implementations MUST keep exactly one private room per [`PrivatePair`]: when several
/// `create_private_room` calls for one pair race, exactly one returns `Created` and every other
/// returns `Existing` with that same room. Creating a room and its memberships is atomic.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RoomStore: Send + Sync {
    /// Creates the pair's private room with both memberships, or returns the one it has.
    async fn create_private_room(
        &self,
        room: &NewPrivateRoom,
    ) -> Result<PrivateRoomOutcome, StoreError>;
    /// The private room of this pair, if they have one.
    async fn find_private_room(&self, pair: &PrivatePair) -> Result<Option<Room>, StoreError>;
    /// The room with this id.
    async fn find_room(&self, id: RoomId) -> Result<Option<Room>, StoreError>;
    /// `user`'s membership of `room`, if any.
    async fn find_membership(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError>;
    /// Every member of `room` with their profile, in join order.
    async fn list_members(&self, room: RoomId) -> Result<Vec<MemberProfile>, StoreError>;
    /// Every room `user` belongs to, with their membership.
    async fn list_rooms_of_user(&self, user: UserId) -> Result<Vec<UserRoom>, StoreError>;
    /// Raises `user`'s read marker in `room` to `seq`; never lowers it. `NotFound` without membership.
    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> Result<(), StoreError>;
    /// Adds `user` to `room` with `role` (used by groups); `Conflict` if already a member.
    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        at: Timestamp,
    ) -> Result<(), StoreError>;
}
