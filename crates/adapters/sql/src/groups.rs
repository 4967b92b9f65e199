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

use chat_domain::{Role, Room, RoomId, UserId};
use chat_ports::StoreError;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};

use crate::entity::{
    invite_links, invites, memberships, message_edits, messages, rev_marks, rooms, seq_gaps,
};
use crate::error::{is_foreign_key_violation, store_err, unavailable};
use crate::joins::lock_room;
use crate::retry::{retrying, Failure};

/// Creates the group `room` with `owner` as its only member, role `Owner`, joined at the
/// group's creation. `NotFound` if the owner's account does not exist; `Conflict` if the room
/// id is taken.
pub(crate) async fn create_group(
    db: &DatabaseConnection,
    room: &Room,
    owner: UserId,
) -> Result<(), StoreError> {
    let at = room.created_at;
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

/// Saves the name and description of `room` (nothing else of it changes). `NotFound` if there
/// is no such room.
pub(crate) async fn update_room(db: &DatabaseConnection, room: &Room) -> Result<(), StoreError> {
    // sqlx asks MySQL for matched rather than changed rows, so saving unchanged values still
    // counts the row, as on the other backends.
    let updated = rooms::Entity::update_many()
        .col_expr(rooms::Column::Name, Expr::value(room.name.clone()))
        .col_expr(
            rooms::Column::Description,
            Expr::value(room.description.clone()),
        )
        .filter(rooms::Column::Id.eq(room.id.to_string()))
        .exec(db)
        .await
        .map_err(unavailable)?;
    if updated.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Deletes `room` and everything that belongs to it; a room that does not exist is no error.
pub(crate) async fn delete_room(db: &DatabaseConnection, room: RoomId) -> Result<(), StoreError> {
    retrying(
        "room deletion",
        "room changed during deletion",
        || async move {
            let txn = db.begin().await?;
            match lock_room(&txn, room).await {
                Ok(_) => {}
                Err(Failure::Store(StoreError::NotFound)) => return Ok(()),
                Err(err) => return Err(err),
            }
            delete_dependents(&txn, room).await?;
            rooms::Entity::delete_by_id(room.to_string())
                .exec(&txn)
                .await?;
            txn.commit().await?;
            Ok(())
        },
    )
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
    rev_marks::Entity::delete_many()
        .filter(rev_marks::Column::RoomId.eq(id.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Makes `to` the owner of `room` and `from` an admin, together. `NotFound` unless both are
/// members. Whether `from` may hand the room over (it is its owner) is the caller's to check.
///
/// The room's lock keeps the transfer from interleaving with another transfer or a deletion;
/// each update then locks its membership row and reports whether it found one, so a member
/// removed meanwhile turns the whole transfer into `NotFound` rather than half a transfer.
pub(crate) async fn transfer_ownership(
    db: &DatabaseConnection,
    room: RoomId,
    from: UserId,
    to: UserId,
) -> Result<(), StoreError> {
    retrying(
        "ownership transfer",
        "ownership changed meanwhile",
        || async move {
            let txn = db.begin().await?;
            lock_room(&txn, room).await?;
            // The heir last, so handing a room to its own owner leaves it with them.
            let stepped_down = set_role_in(&txn, room, from, Role::Admin).await?;
            let crowned = set_role_in(&txn, room, to, Role::Owner).await?;
            if !(crowned && stepped_down) {
                // Dropping the transaction undoes the update that did find its member.
                return Err(Failure::Store(StoreError::NotFound));
            }
            txn.commit().await?;
            Ok(())
        },
    )
    .await
}

/// Sets `user`'s role in `room` inside `txn`; false when they are not a member.
async fn set_role_in(
    txn: &DatabaseTransaction,
    room: RoomId,
    user: UserId,
    role: Role,
) -> Result<bool, DbErr> {
    // sqlx asks MySQL for matched rather than changed rows: a role set to what it was counts.
    let updated = memberships::Entity::update_many()
        .col_expr(memberships::Column::Role, Expr::value(role.as_str()))
        .filter(memberships::Column::RoomId.eq(room.to_string()))
        .filter(memberships::Column::UserId.eq(user.to_string()))
        .exec(txn)
        .await?;
    Ok(updated.rows_affected > 0)
}
