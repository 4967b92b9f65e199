//! `unread_counts`: the unread messages and mentions of many rooms in ONE grouped query.
//!
//! ```text
//! SELECT room_id, COUNT(id), COUNT(CASE WHEN LOWER(body) LIKE '%@alice%' ESCAPE '!' THEN 1 END)
//! FROM messages
//! WHERE ((room_id = ? AND seq > ?) OR (room_id = ? AND seq > ?) ...)
//!   AND sender_id <> ? AND deleted = false
//! GROUP BY room_id
//! ```
//!
//! Every `(room_id = ? AND seq > ?)` branch is a range on the unique `(room_id, seq)` index
//! (SQLite's OR optimisation, PostgreSQL's bitmap OR and MySQL's multi-range scan all use it),
//! so the cost follows the unread messages, not the history. `COUNT(CASE ...)` rather than
//! `SUM`, because MySQL answers a `SUM` as a DECIMAL while every backend answers a `COUNT` as a
//! 64-bit integer.
//!
//! The mention is matched as text anywhere in the body, ignoring case (usernames are stored
//! lowercase, so `@Alice` mentions `alice`), with `%`, `_` and the escape character escaped so
//! no character of it is read as a pattern; `!` is the escape character because a backslash
//! means something of its own in MySQL's string literals. An empty mention mentions no one.

use std::collections::HashMap;

use chat_domain::{RoomId, Seq, UserId};
use chat_ports::{StoreError, UnreadCount};
use sea_orm::sea_query::{CaseStatement, Expr, Func, LikeExpr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use crate::decode;
use crate::entity::messages;
use crate::error::unavailable;

/// Rooms per query (two bound parameters each): one query for any real user's room list.
const ROOMS_PER_QUERY: usize = 300;

/// The escape character of the mention pattern.
const ESCAPE: char = '!';

/// For each `(room, marker)`: the messages above the marker that `reader` did not send and
/// that are not deleted, and how many of them contain `mention`. Every room asked about is in
/// the answer, with zeros when nothing is unread.
pub(crate) async fn unread_counts(
    db: &DatabaseConnection,
    reader: UserId,
    mention: &str,
    markers: &[(RoomId, Seq)],
) -> Result<HashMap<RoomId, UnreadCount>, StoreError> {
    let mut counts: HashMap<RoomId, UnreadCount> = markers
        .iter()
        .map(|(room, _)| (*room, UnreadCount::default()))
        .collect();
    for chunk in markers.chunks(ROOMS_PER_QUERY) {
        let mut above = Condition::any();
        for (room, marker) in chunk {
            above = above.add(
                Condition::all()
                    .add(messages::Column::RoomId.eq(room.to_string()))
                    .add(messages::Column::Seq.gt(decode::seq_to_db(*marker))),
            );
        }
        let rows: Vec<(String, i64, i64)> = messages::Entity::find()
            .select_only()
            .column(messages::Column::RoomId)
            .column_as(
                SimpleExpr::from(Func::count(Expr::col(messages::Column::Id))),
                "unread",
            )
            .column_as(SimpleExpr::from(Func::count(mentions(mention))), "mentions")
            .filter(above)
            .filter(messages::Column::SenderId.ne(reader.to_string()))
            .filter(messages::Column::Deleted.eq(false))
            .group_by(messages::Column::RoomId)
            .into_tuple()
            .all(db)
            .await
            .map_err(unavailable)?;
        for (room, unread, mentioned) in rows {
            let count = UnreadCount {
                unread: count(unread, "unread count")?,
                mentions: count(mentioned, "mention count")?,
            };
            counts.insert(decode::parse(&room, "message room id")?, count);
        }
    }
    Ok(counts)
}

/// `CASE WHEN <body mentions it> THEN 1 END`: counted by `COUNT`, which skips the NULLs.
fn mentions(mention: &str) -> SimpleExpr {
    let matches: SimpleExpr = if mention.is_empty() {
        Expr::val(1).eq(0)
    } else {
        Expr::expr(Func::lower(Expr::col(messages::Column::Body)))
            .like(LikeExpr::new(pattern(mention)).escape(ESCAPE))
    };
    CaseStatement::new().case(matches, 1).into()
}

/// The LIKE pattern of "contains `mention`", lowercased and escaped.
fn pattern(mention: &str) -> String {
    let mut pattern = String::with_capacity(mention.len() + 8);
    pattern.push('%');
    for c in mention.to_lowercase().chars() {
        if matches!(c, '%' | '_' | ESCAPE) {
            pattern.push(ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A count from the database, which is never negative.
fn count(raw: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(raw).map_err(|_| StoreError::corrupt(format!("{what} {raw} is negative")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_lowercased_and_its_pattern_characters_escaped() {
        assert_eq!(pattern("@Al_ice"), "%@al!_ice%");
        assert_eq!(pattern("50%!"), "%50!%!!%");
        assert_eq!(pattern("@bob.x-1"), "%@bob.x-1%");
    }

    #[test]
    fn negative_counts_are_corrupt() {
        assert!(count(-1, "unread count").is_err());
        assert_eq!(count(4, "unread count").unwrap(), 4);
    }
}
