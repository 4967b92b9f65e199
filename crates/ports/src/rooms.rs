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

/// What an attempt to add a member did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    /// The user is now a member.
    Joined,
    /// The user was a member already; nothing changed.
    AlreadyMember,
    /// The room has its maximum number of members; nothing changed.
    RoomFull,
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

/// What sending into a room needs to know, read at once (see [`RoomStore::send_access`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendAccess {
    /// The room.
    pub room: Room,
    /// For a private room: whether its other member has blocked the sender. Always false
    /// for a group.
    pub blocked: bool,
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
    /// The room `user` wants to send into and, for a private room, whether its other member
    /// blocked them; `None` when `user` is not a member (or there is no such room). One read:
    /// this is on the path of every message.
    async fn send_access(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<SendAccess>, StoreError>;
    /// Every member of `room` with their profile, in join order.
    async fn list_members(&self, room: RoomId) -> Result<Vec<MemberProfile>, StoreError>;
    /// Every room `user` belongs to, with their membership.
    async fn list_rooms_of_user(&self, user: UserId) -> Result<Vec<UserRoom>, StoreError>;
    /// How many rooms `user` belongs to, private rooms and groups alike; 0 for an unknown user.
    async fn count_rooms_of_user(&self, user: UserId) -> Result<u32, StoreError>;
    /// Raises `user`'s read marker in `room` to `seq`; never lowers it; true when it moved.
    /// `NotFound` without membership.
    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> Result<bool, StoreError>;
    /// Raises each `(room, user)` read marker to its seq, never lowering one; pairs without a
    /// membership are skipped. Meant for the group commit: one write for a whole batch.
    async fn mark_read_many(&self, marks: &[(RoomId, UserId, Seq)]) -> Result<(), StoreError>;
    /// Raises `user`'s delivered marker in `room` to `seq`; never lowers it; true when it moved.
    /// `NotFound` without membership.
    async fn mark_delivered(
        &self,
        room: RoomId,
        user: UserId,
        seq: Seq,
    ) -> Result<bool, StoreError>;
    /// Adds `user` to `room` with `role`, unless the room already has `max_members` members;
    /// atomic, so racing joins never overfill a room. `NotFound` for no such room or user.
    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        at: Timestamp,
        max_members: u32,
    ) -> Result<JoinOutcome, StoreError>;
    /// Creates a group (kind `Group`) with `owner` as its only member, role `Owner`; atomic.
    async fn create_group(&self, room: &Room, owner: UserId) -> Result<(), StoreError>;
    /// Saves a room's name and description. `NotFound` for no such room.
    async fn update_room(&self, room: &Room) -> Result<(), StoreError>;
    /// Deletes a room with its memberships, invites and invite links.
    async fn delete_room(&self, id: RoomId) -> Result<(), StoreError>;
    /// Up to `limit` members of `room` whose user id is above `after`, in user-id order.
    async fn list_members_page(
        &self,
        room: RoomId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<MemberProfile>, StoreError>;
    /// How many members `room` has.
    async fn count_members(&self, room: RoomId) -> Result<u32, StoreError>;
    /// Changes `user`'s role in `room`. `NotFound` without membership.
    async fn set_role(&self, room: RoomId, user: UserId, role: Role) -> Result<(), StoreError>;
    /// Ends `user`'s membership of `room`; false when there was none.
    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError>;
    /// Makes `to` the owner and `from` an admin, atomically. `NotFound` unless both are members.
    async fn transfer_ownership(
        &self,
        room: RoomId,
        from: UserId,
        to: UserId,
    ) -> Result<(), StoreError>;
    /// Whether `a` and `b` are members of at least one common room.
    async fn share_a_room(&self, a: UserId, b: UserId) -> Result<bool, StoreError>;
}
