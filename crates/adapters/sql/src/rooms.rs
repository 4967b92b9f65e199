//! [`SqlRoomStore`]: rooms and memberships in the `rooms` and `memberships` tables.
//!
//! "Exactly one private room per pair" rests on the unique index over `rooms.pair_key`: every
//! racing `create_private_room` tries to insert, the database lets one win, and each loser
//! reads the winner's room back. No lock is taken and no check-then-insert window exists.

use async_trait::async_trait;
use chat_domain::{Membership, PrivatePair, Role, Room, RoomId, Seq, Timestamp, UserId};
use chat_ports::{
    MemberProfile, NewPrivateRoom, PrivateRoomOutcome, RoomStore, StoreError, UserRoom,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use crate::connection::Handles;
use crate::decode;
use crate::entity::{memberships, rooms, users};
use crate::error::{is_foreign_key_violation, is_unique_violation, store_err, unavailable};

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
        let rows = memberships::Entity::find()
            .find_also_related(users::Entity)
            .filter(memberships::Column::RoomId.eq(room.to_string()))
            // Both members of a private room join at once: the user id breaks the tie stably.
            .order_by_asc(memberships::Column::JoinedAt)
            .order_by_asc(memberships::Column::UserId)
            .all(&self.db.read)
            .await
            .map_err(unavailable)?;
        rows.into_iter()
            .map(|(membership, user)| {
                let user = user.ok_or_else(|| {
                    StoreError::corrupt(format!(
                        "member {} of room {room} has no account",
                        membership.user_id
                    ))
                })?;
                Ok(MemberProfile {
                    user: user.into_user()?,
                    membership: membership.into_membership()?,
                })
            })
            .collect()
    }

    /// Every room `user` belongs to, with their membership.
    async fn list_rooms_of_user(&self, user: UserId) -> Result<Vec<UserRoom>, StoreError> {
        let rows = memberships::Entity::find()
            .find_also_related(rooms::Entity)
            .filter(memberships::Column::UserId.eq(user.to_string()))
            .order_by_asc(memberships::Column::JoinedAt)
            .order_by_asc(memberships::Column::RoomId)
            .all(&self.db.read)
            .await
            .map_err(unavailable)?;
        rows.into_iter()
            .map(|(membership, room)| {
                let room = room.ok_or_else(|| {
                    StoreError::corrupt(format!(
                        "membership of {user} names missing room {}",
                        membership.room_id
                    ))
                })?;
                Ok(UserRoom {
                    room: room.into_room()?,
                    membership: membership.into_membership()?,
                })
            })
            .collect()
    }

    /// Raises `user`'s read marker in `room` to `seq`; never lowers it. `NotFound` without membership.
    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> Result<(), StoreError> {
        let seq = decode::seq_to_db(seq);
        // The condition in the UPDATE makes "only raise" atomic against a racing mark_read.
        let updated = memberships::Entity::update_many()
            .col_expr(memberships::Column::ReadSeq, Expr::value(seq))
            .filter(memberships::Column::RoomId.eq(room.to_string()))
            .filter(memberships::Column::UserId.eq(user.to_string()))
            .filter(memberships::Column::ReadSeq.lt(seq))
            .exec(&self.db.write)
            .await
            .map_err(unavailable)?;
        if updated.rows_affected > 0 {
            return Ok(());
        }
        // Nothing raised: either already at or past `seq` (fine) or not a member at all.
        match self.find_membership(room, user).await? {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound),
        }
    }

    /// Adds `user` to `room` with `role` (used by groups); `Conflict` if already a member.
    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        match memberships::Entity::insert(memberships::new_row(room, user, role, at))
            .exec_without_returning(&self.db.write)
            .await
        {
            Ok(_) => Ok(()),
            // The room or the user does not exist.
            Err(err) if is_foreign_key_violation(&err) => Err(StoreError::NotFound),
            Err(err) => Err(store_err(err, "already a member")),
        }
    }
}
