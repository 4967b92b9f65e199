//! [`SqlRoomStore`]: rooms and memberships in the `rooms` and `memberships` tables.
//!
//! "Exactly one private room per pair" rests on the unique index over `rooms.pair_key`: every
//! racing `create_private_room` tries to insert, the database lets one win, and each loser
//! reads the winner's room back. No lock is taken and no check-then-insert window exists.
//!
//! The rest lives beside it, one concern per module: [`crate::joins`] (adding a member, atomic
//! against racing joins), [`crate::groups`] (creating, updating, deleting and handing over a
//! group) and [`crate::members`] (member lists, markers, roles, removals, shared rooms).

use async_trait::async_trait;
use chat_domain::{Membership, PrivatePair, Role, Room, RoomId, Seq, Timestamp, UserId};
use chat_ports::{
    JoinOutcome, MemberProfile, NewPrivateRoom, PrivateRoomOutcome, RoomStore, SendAccess,
    StoreError, UserRoom,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionTrait};

use crate::connection::Handles;
use crate::entity::{memberships, rooms};
use crate::error::{is_unique_violation, unavailable};
use crate::members::{self, Marker};
use crate::{groups, joins, send_access};

/// Rooms and memberships on SQLite, PostgreSQL or MySQL.
#[derive(Debug, Clone)]
pub struct SqlRoomStore {
    db: Handles,
}

impl SqlRoomStore {
    pub(crate) fn new(db: Handles) -> Self {
        Self { db }
    }

    /// Inserts the room and both memberships in one transaction.
    async fn insert_private_room(&self, new: &NewPrivateRoom) -> Result<(), DbErr> {
        let txn = self.db.write.begin().await?;
        rooms::Entity::insert(rooms::new_private_row(new))
            .exec_without_returning(&txn)
            .await?;
        let members = new
            .pair
            .users()
            .map(|user| memberships::new_row(new.room.id, user, Role::Member, new.room.created_at));
        memberships::Entity::insert_many(members)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await
    }

    /// The private room of `pair`, read through `db`.
    async fn private_room_on(
        db: &impl ConnectionTrait,
        pair: &PrivatePair,
    ) -> Result<Option<Room>, StoreError> {
        rooms::Entity::find()
            .filter(rooms::Column::PairKey.eq(pair.key()))
            .one(db)
            .await
            .map_err(unavailable)?
            .map(rooms::Model::into_room)
            .transpose()
    }
}

#[async_trait]
impl RoomStore for SqlRoomStore {
    /// Creates the pair's private room with both memberships, or returns the one it has.
    async fn create_private_room(
        &self,
        room: &NewPrivateRoom,
    ) -> Result<PrivateRoomOutcome, StoreError> {
        match self.insert_private_room(room).await {
            Ok(()) => Ok(PrivateRoomOutcome::Created(room.room.clone())),
            Err(err) if is_unique_violation(&err) => {
                // The transaction is gone (rolled back on drop); the winner has committed, since
                // every backend reports the violation only once the conflicting row is durable.
                match Self::private_room_on(&self.db.write, &room.pair).await? {
                    Some(existing) => Ok(PrivateRoomOutcome::Existing(existing)),
                    // Not the pair key that collided but the room id: a caller bug.
                    None => Err(StoreError::Conflict("room id already used".to_owned())),
                }
            }
            Err(err) => Err(unavailable(err)),
        }
    }

    /// The private room of this pair, if they have one.
    async fn find_private_room(&self, pair: &PrivatePair) -> Result<Option<Room>, StoreError> {
        Self::private_room_on(&self.db.read, pair).await
    }

    /// The room with this id.
    async fn find_room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        rooms::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await
            .map_err(unavailable)?
            .map(rooms::Model::into_room)
            .transpose()
    }

    /// `user`'s membership of `room`, if any.
    async fn find_membership(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError> {
        memberships::Entity::find_by_id((room.to_string(), user.to_string()))
            .one(&self.db.read)
            .await
            .map_err(unavailable)?
            .map(memberships::Model::into_membership)
            .transpose()
    }

    /// Every member of `room` with their profile, in join order.
    async fn list_members(&self, room: RoomId) -> Result<Vec<MemberProfile>, StoreError> {
        members::list_members(&self.db.read, room).await
    }

    /// The room and the block check of a send, in one query (see `crate::send_access`).
    async fn send_access(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<SendAccess>, StoreError> {
        send_access::send_access(&self.db.read, room, user).await
    }

    /// Every room `user` belongs to, with their membership.
    async fn list_rooms_of_user(&self, user: UserId) -> Result<Vec<UserRoom>, StoreError> {
        members::list_rooms_of_user(&self.db.read, user).await
    }

    /// How many rooms `user` belongs to, private rooms and groups alike; 0 for an unknown user.
    async fn count_rooms_of_user(&self, user: UserId) -> Result<u32, StoreError> {
        members::count_rooms_of_user(&self.db.read, user).await
    }

    /// Raises `user`'s read marker in `room` to `seq`; never lowers it; true when it moved.
    /// `NotFound` without membership.
    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> Result<bool, StoreError> {
        members::raise_marker(&self.db.write, Marker::Read, (room, user), seq).await
    }

    /// Raises many read markers in one statement per hundred (see `crate::send_access`).
    async fn mark_read_many(&self, marks: &[(RoomId, UserId, Seq)]) -> Result<(), StoreError> {
        send_access::mark_read_many(&self.db.write, marks).await
    }

    /// Raises `user`'s delivered marker in `room` to `seq`; never lowers it; true when it moved.
    /// `NotFound` without membership.
    async fn mark_delivered(
        &self,
        room: RoomId,
        user: UserId,
        seq: Seq,
    ) -> Result<bool, StoreError> {
        members::raise_marker(&self.db.write, Marker::Delivered, (room, user), seq).await
    }

    /// Adds `user` to `room` with `role`, unless the room already has `max_members` members;
    /// atomic, so racing joins never overfill a room. `NotFound` for no such room or user.
    ///
    /// The new member's read and delivered markers start at the room's latest seq.
    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        at: Timestamp,
        max_members: u32,
    ) -> Result<JoinOutcome, StoreError> {
        joins::add_member(&self.db.write, room, user, role, at, max_members).await
    }

    /// Creates a group (kind `Group`) with `owner` as its only member, role `Owner`; atomic.
    ///
    /// The owner joins at the group's `created_at`.
    async fn create_group(&self, room: &Room, owner: UserId) -> Result<(), StoreError> {
        groups::create_group(&self.db.write, room, owner).await
    }

    /// Saves a room's name and description. `NotFound` for no such room.
    async fn update_room(&self, room: &Room) -> Result<(), StoreError> {
        groups::update_room(&self.db.write, room).await
    }

    /// Deletes a room with its memberships, invites and invite links.
    ///
    /// Here also with its messages, their edit history and its recorded seq gaps, in the same
    /// transaction; deleting a room that does not exist changes nothing and is no error.
    async fn delete_room(&self, id: RoomId) -> Result<(), StoreError> {
        groups::delete_room(&self.db.write, id).await
    }

    /// Up to `limit` members of `room` whose user id is above `after`, in user-id order.
    async fn list_members_page(
        &self,
        room: RoomId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<MemberProfile>, StoreError> {
        members::list_members_page(&self.db.read, room, after, limit).await
    }

    /// How many members `room` has.
    async fn count_members(&self, room: RoomId) -> Result<u32, StoreError> {
        members::count_members(&self.db.read, room).await
    }

    /// Changes `user`'s role in `room`. `NotFound` without membership.
    async fn set_role(&self, room: RoomId, user: UserId, role: Role) -> Result<(), StoreError> {
        members::set_role(&self.db.write, room, user, role).await
    }

    /// Ends `user`'s membership of `room`; false when there was none.
    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        members::remove_member(&self.db.write, room, user).await
    }

    /// Makes `to` the owner and `from` an admin, atomically. `NotFound` unless both are members.
    async fn transfer_ownership(
        &self,
        room: RoomId,
        from: UserId,
        to: UserId,
    ) -> Result<(), StoreError> {
        groups::transfer_ownership(&self.db.write, room, from, to).await
    }

    /// Whether `a` and `b` are members of at least one common room.
    async fn share_a_room(&self, a: UserId, b: UserId) -> Result<bool, StoreError> {
        members::share_a_room(&self.db.read, a, b).await
    }
}
