//! The two statements on the path of every message: `send_access`, which answers "may this
//! member send here, and where is here" in ONE read, and `mark_read_many`, which moves the
//! senders' read markers of a whole group commit in ONE write.
//!
//! ```text
//! SELECT rooms.*, b.blocker_id AS blocked_by
//! FROM rooms
//! JOIN memberships m ON m.room_id = rooms.id AND m.user_id = :user
//! LEFT JOIN memberships o ON o.room_id = rooms.id AND o.user_id <> :user AND rooms.kind = 'private'
//! LEFT JOIN blocks b ON b.blocker_id = o.user_id AND b.blocked_id = :user
//! WHERE rooms.id = :room
//! ```
//!
//! Every join is a primary-key lookup, and the block check joins nothing for a group (the
//! `rooms.kind` condition sits in the join), so a group of thousands costs what a pair does.
//!
//! ```text
//! UPDATE memberships
//! SET read_seq = CASE WHEN room_id = ? AND user_id = ? THEN ? WHEN ... END
//! WHERE (room_id = ? AND user_id = ? AND read_seq < ?) OR ...
//! ```
//!
//! A row is touched only where its marker is lower, so racing marks never lower one.

use chat_domain::{RoomId, Seq, UserId};
use chat_ports::{SendAccess, StoreError};
use sea_orm::sea_query::{Alias, CaseStatement, Expr, JoinType, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter,
};

use crate::entity::{blocks, memberships, rooms};
use crate::error::unavailable;

/// Markers per `UPDATE` (six bound parameters each): within every backend's limit.
const MARKS_PER_STATEMENT: usize = 100;

/// See the module docs.
pub(crate) async fn send_access(
    db: &DatabaseConnection,
    room: RoomId,
    user: UserId,
) -> Result<Option<SendAccess>, StoreError> {
    let (sender, other, block) = (Alias::new("m"), Alias::new("o"), Alias::new("b"));
    let user = user.to_string();
    let mut select = Query::select();
    select
        .columns([
            (rooms::Entity, rooms::Column::Id),
            (rooms::Entity, rooms::Column::Kind),
            (rooms::Entity, rooms::Column::Name),
            (rooms::Entity, rooms::Column::Description),
            (rooms::Entity, rooms::Column::PairKey),
            (rooms::Entity, rooms::Column::CreatedAt),
            (rooms::Entity, rooms::Column::LastSeq),
            (rooms::Entity, rooms::Column::LastRev),
        ])
        .expr_as(
            Expr::col((block.clone(), blocks::Column::BlockerId)),
            Alias::new("blocked_by"),
        )
        .from(rooms::Entity)
        .join_as(
            JoinType::InnerJoin,
            memberships::Entity,
            sender.clone(),
            Condition::all()
                .add(
                    Expr::col((sender.clone(), memberships::Column::RoomId))
                        .equals((rooms::Entity, rooms::Column::Id)),
                )
                .add(Expr::col((sender, memberships::Column::UserId)).eq(user.clone())),
        )
        .join_as(
            JoinType::LeftJoin,
            memberships::Entity,
            other.clone(),
            Condition::all()
                .add(
                    Expr::col((other.clone(), memberships::Column::RoomId))
                        .equals((rooms::Entity, rooms::Column::Id)),
                )
                .add(Expr::col((other.clone(), memberships::Column::UserId)).ne(user.clone()))
                .add(Expr::col((rooms::Entity, rooms::Column::Kind)).eq("private")),
        )
        .join_as(
            JoinType::LeftJoin,
            blocks::Entity,
            block.clone(),
            Condition::all()
                .add(
                    Expr::col((block.clone(), blocks::Column::BlockerId))
                        .equals((other, memberships::Column::UserId)),
                )
                .add(Expr::col((block, blocks::Column::BlockedId)).eq(user)),
        )
        .and_where(Expr::col((rooms::Entity, rooms::Column::Id)).eq(room.to_string()));
    let statement = db.get_database_backend().build(&select);
    let rows = db.query_all(statement).await.map_err(unavailable)?;
    let mut access: Option<SendAccess> = None;
    for row in rows {
        let blocked_by: Option<String> = row.try_get("", "blocked_by").map_err(unavailable)?;
        let blocked = blocked_by.is_some();
        match access.as_mut() {
            Some(found) => found.blocked |= blocked,
            None => {
                let model = rooms::Model::from_query_result(&row, "").map_err(unavailable)?;
                access = Some(SendAccess {
                    room: model.into_room()?,
                    blocked,
                });
            }
        }
    }
    Ok(access)
}

/// See the module docs.
pub(crate) async fn mark_read_many(
    db: &DatabaseConnection,
    marks: &[(RoomId, UserId, Seq)],
) -> Result<(), StoreError> {
    advance_read_markers(db, marks).await.map_err(unavailable)
}

/// [`mark_read_many`] on any connection, a transaction included: the group commit moves its
/// senders' markers in its own transaction (`crate::append`), so the database's refusal is
/// handed back as is, for the transaction's retry to judge.
pub(crate) async fn advance_read_markers(
    db: &impl ConnectionTrait,
    marks: &[(RoomId, UserId, Seq)],
) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        return crate::json_batch::advance_read_markers(db, marks).await;
    }
    for chunk in marks.chunks(MARKS_PER_STATEMENT) {
        let mut new_value = CaseStatement::new();
        let mut lower = Condition::any();
        for (room, user, seq) in chunk {
            let seq = crate::decode::seq_to_db(*seq);
            let this_row = Condition::all()
                .add(memberships::Column::RoomId.eq(room.to_string()))
                .add(memberships::Column::UserId.eq(user.to_string()));
            new_value = new_value.case(this_row.clone(), seq);
            lower = lower.add(this_row.add(memberships::Column::ReadSeq.lt(seq)));
        }
        // Rows outside every branch are not matched by the WHERE, so the CASE always has a
        // branch for the rows it is evaluated on; the ELSE keeps the marker regardless.
        let new_value = new_value.finally(Expr::col(memberships::Column::ReadSeq));
        memberships::Entity::update_many()
            .col_expr(memberships::Column::ReadSeq, new_value.into())
            .filter(lower)
            .exec(db)
            .await?;
    }
    Ok(())
}
