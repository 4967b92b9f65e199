//! Groups as a whole: creating one with its owner, renaming and describing it, handing it to
//! another member, and deleting it with everything that belongs to it.
//!
//! Each change is one transaction. Those that must not interleave with joins (a transfer, a
//! deletion) first lock the room's row, like every join does (see [`crate::joins`]), and take
//! any further locks after it, in the order joins take them: room, then invites and links.
//! Deleting a group removes, in that transaction, its invites, invite links, memberships, the
//! edit history of its messages, its messages and recorded seq gaps, and finally the room: the
//! foreign keys never see a dangling row, and a racing join either commits before the deletion
//! (and is deleted with the room) or waits and then finds no room.

use chat_domain::{Role, Room, RoomId, Timestamp, UserId};
use chat_ports::StoreError;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};

use crate::entity::{
    invite_links, invites, memberships, message_edits, messages, rooms, seq_gaps,
};
use crate::error::{is_foreign_key_violation, store_err, unavailable};
use crate::joins::lock_room;
use crate::retry::{retrying, Failure};

/// Creates the group `room` with `owner` as its only member, role `Owner`, joined at `at`.
/// `NotFound` if the owner's account does not exist; `Conflict` if the room id is taken.
pub(crate) async fn create_group(
    db: &DatabaseConnection,
    room: &Room,
    owner: UserId,
    at: Timestamp,
) -> Result<(), StoreError> {
    let insert = async {
        let txn = db.begin().await?;
        rooms::Entity::insert(rooms::new_group_row(room))
            .exec_without_returning(&txn)
            .await?;
        memberships::Entity::insert(memberships::new_row(room.id, owner, Role::Owner, at))
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await
    };
    match insert.await {
        Ok(()) => Ok(()),
        Err(err) if is_foreign_key_violation(&err) => Err(StoreError::NotFound),
        Err(err) => Err(store_err(err, "room id already used")),
    }
}

/// Sets the name and description of group `room`; returns the updated room, `NotFound` if
/// there is no such room.
pub(crate) async fn update_room(
    db: &DatabaseConnection,
    room: RoomId,
    name: Option<String>,
    description: Option<String>,
) -> Result<Room, StoreError> {
    let txn = db.begin().await.map_err(unavailable)?;
    rooms::Entity::update_many()
        .col_expr(rooms::Column::Name, Expr::value(name))
        .col_expr(rooms::Column::Description, Expr::value(description))
        .filter(rooms::Column::Id.eq(room.to_string()))
        .exec(&txn)
        .await
        .map_err(unavailable)?;
    let updated = rooms::Entity::find_by_id(room.to_string())
        .one(&txn)
        .await
        .map_err(unavailable)?
        .ok_or(StoreError::NotFound)?
        .into_room()?;
    txn.commit().await.map_err(unavailable)?;
    Ok(updated)
}

/// Deletes `room` and everything that belongs to it; false when there was no such room.
pub(crate) async fn delete_room(db: &DatabaseConnection, room: RoomId) -> Result<bool, StoreError> {
    retrying("room deletion", "room changed during deletion", || async move {
        let txn = db.begin().await?;
        match lock_room(&txn, room).await {
            Ok(_) => {}
            Err(Failure::Store(StoreError::NotFound)) => return Ok(false),
            Err(err) => return Err(err),
        }
        delete_dependents(&txn, room).await?;
        rooms::Entity::delete_by_id(room.to_string())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(true)
    })
    .await
}

/// Deletes every row that refers to `room`, children before parents.
async fn delete_dependents(txn: &DatabaseTransaction, room: RoomId) -> Result<(), DbErr> {
    let id = room.to_string();
    invites::Entity::delete_many()
        .filter(invites::Column::RoomId.eq(id.as_str()))
        .exec(txn)
        .await?;
    invite_links::Entity::delete_many()
        .filter(invite_links::Column::RoomId.eq(id.as_str()))
        .exec(txn)
        .await?;
    memberships::Entity::delete_many()
        .filter(memberships::Column::RoomId.eq(id.as_str()))
        .exec(txn)
        .await?;
    let room_messages = Query::select()
        .column(messages::Column::Id)
        .from(messages::Entity)
        .and_where(messages::Column::RoomId.eq(id.as_str()))
        .to_owned();
    message_edits::Entity::delete_many()
        .filter(message_edits::Column::MessageId.in_subquery(room_messages))
        .exec(txn)
        .await?;
    messages::Entity::delete_many()
        .filter(messages::Column::RoomId.eq(id.as_str()))
        .exec(txn)
        .await?;
    seq_gaps::Entity::delete_many()
        .filter(seq_gaps::Column::RoomId.eq(id.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Makes `to` the owner of `room` and `from` (its owner) an admin, together. `NotFound` unless
/// `from` owns the room and `to` is a member of it.
pub(crate) async fn transfer_ownership(
    db: &DatabaseConnection,
    room: RoomId,
    from: UserId,
    to: UserId,
) -> Result<(), StoreError> {
    retrying("ownership transfer", "ownership changed meanwhile", || async move {
        let txn = db.begin().await?;
        lock_room(&txn, room).await?;
        let owner = memberships::Entity::find_by_id((room.to_string(), from.to_string()))
            .one(&txn)
            .await?;
        let heir = memberships::Entity::find_by_id((room.to_string(), to.to_string()))
            .one(&txn)
            .await?;
        let (Some(owner), Some(_)) = (owner, heir) else {
            return Err(Failure::Store(StoreError::NotFound));
        };
        if owner.role != Role::Owner.as_str() {
            return Err(Failure::Store(StoreError::NotFound));
        }
        set_role_in(&txn, room, from, Role::Admin).await?;
        set_role_in(&txn, room, to, Role::Owner).await?;
        txn.commit().await?;
        Ok(())
    })
    .await
}

/// Sets `user`'s role in `room` inside `txn`.
async fn set_role_in(
    txn: &DatabaseTransaction,
    room: RoomId,
    user: UserId,
    role: Role,
) -> Result<(), DbErr> {
    memberships::Entity::update_many()
        .col_expr(memberships::Column::Role, Expr::value(role.as_str()))
        .filter(memberships::Column::RoomId.eq(room.to_string()))
        .filter(memberships::Column::UserId.eq(user.to_string()))
        .exec(txn)
        .await?;
    Ok(())
}
