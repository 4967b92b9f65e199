//! The members of a room and the rooms of a user: member lists and pages, room lists, counts
//! (members of a room, rooms of a user),
//! roles, removals, the read and delivered markers, and whether two users share a room.
//!
//! Markers only move forward, atomically: the condition `marker < seq` sits in the `UPDATE`
//! itself, so racing marks never lower one, and the number of rows it changed says whether
//! this call moved it (sqlx asks MySQL for matched rather than changed rows, which is the
//! same here because a matched row always changes).

use chat_domain::{Role, RoomId, Seq, UserId};
use chat_ports::{MemberProfile, StoreError, UserRoom};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::decode;
use crate::entity::{memberships, rooms, users};
use crate::error::unavailable;

/// Which of a member's markers to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// How far they read.
    Read,
    /// How far their devices confirmed receiving.
    Delivered,
}

/// Raises `user`'s `marker` in `room` to `seq`; true if it moved, false if it was at or past
/// `seq` already. `NotFound` without a membership.
pub(crate) async fn raise_marker(
    db: &DatabaseConnection,
    marker: Marker,
    (room, user): (RoomId, UserId),
    seq: Seq,
) -> Result<bool, StoreError> {
    let column = match marker {
        Marker::Read => memberships::Column::ReadSeq,
        Marker::Delivered => memberships::Column::DeliveredSeq,
    };
    let seq = decode::seq_to_db(seq);
    let updated = memberships::Entity::update_many()
        .col_expr(column, Expr::value(seq))
        .filter(memberships::Column::RoomId.eq(room.to_string()))
        .filter(memberships::Column::UserId.eq(user.to_string()))
        .filter(column.lt(seq))
        .exec(db)
        .await
        .map_err(unavailable)?;
    if updated.rows_affected > 0 {
        return Ok(true);
    }
    // Nothing raised: either already at or past `seq`, or not a member at all.
    let member = memberships::Entity::find_by_id((room.to_string(), user.to_string()))
        .one(db)
        .await
        .map_err(unavailable)?;
    match member {
        Some(_) => Ok(false),
        None => Err(StoreError::NotFound),
    }
}

/// Every member of `room` with their profile, in join order.
pub(crate) async fn list_members(
    db: &DatabaseConnection,
    room: RoomId,
) -> Result<Vec<MemberProfile>, StoreError> {
    let rows = memberships::Entity::find()
        .find_also_related(users::Entity)
        .filter(memberships::Column::RoomId.eq(room.to_string()))
        // Both members of a private room join at once: the user id breaks the tie stably.
        .order_by_asc(memberships::Column::JoinedAt)
        .order_by_asc(memberships::Column::UserId)
        .all(db)
        .await
        .map_err(unavailable)?;
    rows.into_iter()
        .map(|(membership, user)| profile(room, membership, user))
        .collect()
}

/// Every room `user` belongs to, with their membership, in join order.
pub(crate) async fn list_rooms_of_user(
    db: &DatabaseConnection,
    user: UserId,
) -> Result<Vec<UserRoom>, StoreError> {
    let rows = memberships::Entity::find()
        .find_also_related(rooms::Entity)
        .filter(memberships::Column::UserId.eq(user.to_string()))
        .order_by_asc(memberships::Column::JoinedAt)
        .order_by_asc(memberships::Column::RoomId)
        .all(db)
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

/// Up to `limit` members of `room` with their profiles, ordered by user id, after `after`.
pub(crate) async fn list_members_page(
    db: &DatabaseConnection,
    room: RoomId,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<MemberProfile>, StoreError> {
    let mut query = memberships::Entity::find()
        .find_also_related(users::Entity)
        .filter(memberships::Column::RoomId.eq(room.to_string()));
    if let Some(after) = after {
        query = query.filter(memberships::Column::UserId.gt(after.to_string()));
    }
    let rows = query
        .order_by_asc(memberships::Column::UserId)
        .limit(u64::from(limit))
        .all(db)
        .await
        .map_err(unavailable)?;
    rows.into_iter()
        .map(|(membership, user)| profile(room, membership, user))
        .collect()
}

/// A membership row and its user row as a [`MemberProfile`]; a member without an account is
/// corrupt.
fn profile(
    room: RoomId,
    membership: memberships::Model,
    user: Option<users::Model>,
) -> Result<MemberProfile, StoreError> {
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
}

/// How many members `room` has.
pub(crate) async fn count_members(
    db: &DatabaseConnection,
    room: RoomId,
) -> Result<u32, StoreError> {
    count_memberships(db, memberships::Column::RoomId, room.to_string()).await
}

/// How many rooms `user` belongs to, served by the `ix_memberships_user` index.
pub(crate) async fn count_rooms_of_user(
    db: &DatabaseConnection,
    user: UserId,
) -> Result<u32, StoreError> {
    count_memberships(db, memberships::Column::UserId, user.to_string()).await
}

/// A `COUNT` of the memberships whose `column` is `value`. Saturates at `u32::MAX`, which no
/// room or user comes near (groups and rooms per user are capped far below it), and which
/// still answers the only question asked of these counts: "at the limit yet?".
async fn count_memberships(
    db: &DatabaseConnection,
    column: memberships::Column,
    value: String,
) -> Result<u32, StoreError> {
    let count = memberships::Entity::find()
        .filter(column.eq(value))
        .count(db)
        .await
        .map_err(unavailable)?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Sets `user`'s role in `room`; `NotFound` without a membership.
pub(crate) async fn set_role(
    db: &DatabaseConnection,
    room: RoomId,
    user: UserId,
    role: Role,
) -> Result<(), StoreError> {
    let updated = memberships::Entity::update_many()
        .col_expr(memberships::Column::Role, Expr::value(role.as_str()))
        .filter(memberships::Column::RoomId.eq(room.to_string()))
        .filter(memberships::Column::UserId.eq(user.to_string()))
        .exec(db)
        .await
        .map_err(unavailable)?;
    if updated.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Ends `user`'s membership of `room`; false when there was none.
pub(crate) async fn remove_member(
    db: &DatabaseConnection,
    room: RoomId,
    user: UserId,
) -> Result<bool, StoreError> {
    let deleted = memberships::Entity::delete_by_id((room.to_string(), user.to_string()))
        .exec(db)
        .await
        .map_err(unavailable)?;
    Ok(deleted.rows_affected > 0)
}

/// Whether `a` and `b` are both members of at least one room, in one query: a membership of
/// `b` in one of `a`'s rooms.
pub(crate) async fn share_a_room(
    db: &DatabaseConnection,
    a: UserId,
    b: UserId,
) -> Result<bool, StoreError> {
    let rooms_of_a = Query::select()
        .column(memberships::Column::RoomId)
        .from(memberships::Entity)
        .and_where(memberships::Column::UserId.eq(a.to_string()))
        .to_owned();
    let shared: Option<String> = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::RoomId)
        .filter(memberships::Column::UserId.eq(b.to_string()))
        .filter(memberships::Column::RoomId.in_subquery(rooms_of_a))
        .into_tuple()
        .one(db)
        .await
        .map_err(unavailable)?;
    Ok(shared.is_some())
}
