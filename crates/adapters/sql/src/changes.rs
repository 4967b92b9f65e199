//! `changes_since`: the messages of a room changed after a rev, in rev order, each once in its
//! latest state, read without a `(room_id, rev)` index entry per message.
//!
//! A message's rev is its `created_rev` until an edit or a deletion moves it, so the changes
//! after rev `X` are two disjoint sets, read in ONE statement (one snapshot on every backend,
//! so an edit that commits meanwhile cannot land in both or in neither) and merged by rev:
//! - **created after `X` and unchanged since** (`rev = created_rev > X`): read along the
//!   `(room_id, seq)` index from the room's `last_seq` at rev `X`, since creations take seqs
//!   and revs in the same order. That seq is the newest `rev_marks` mark at or below `X` plus
//!   the revs since (all of them creations), or `X` itself when no mark is that old (every
//!   rev up to `X` created a message). Every rev that changes a message without creating one
//!   is marked by a trigger on `rooms` in the statement that raises it (the
//!   `m20261128_000005_rev_marks` migration), and revs commit in order, so the marks up to
//!   any rev a client has seen are there. The
//!   `created_rev > X` test keeps the answer exact even where a mark under-states `last_seq`
//!   (the migration's backfill around missing seqs).
//! - **changed after `X`** (`rev > created_rev`, `rev > X`): read along the partial index
//!   over changed messages (`ux_messages_room_changed_rev`; on MySQL, the full rev index).
//!
//! Each side reads at most `limit` rows, so a page costs the same however long the room.

use chat_domain::{Message, Rev, RoomId};
use chat_ports::StoreError;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, Statement, Value,
};

use crate::decode;
use crate::entity::messages;
use crate::error::unavailable;

/// The statement, with `?` placeholders in the order [`values`] binds them.
const CHANGES_SINCE: &str = "\
SELECT * FROM ( \
  SELECT * FROM messages WHERE room_id = ? AND rev = created_rev AND created_rev > ? \
  AND seq > COALESCE(( \
    SELECT k.last_seq + (? - k.rev) FROM rev_marks k \
    WHERE k.room_id = ? AND k.rev <= ? ORDER BY k.rev DESC LIMIT 1 \
  ), ?) \
  ORDER BY seq LIMIT ? \
) created \
UNION ALL \
SELECT * FROM ( \
  SELECT * FROM messages WHERE room_id = ? AND rev > created_rev AND rev > ? \
  ORDER BY rev LIMIT ? \
) changed \
ORDER BY rev LIMIT ?";

/// The values of [`CHANGES_SINCE`]'s placeholders, in order.
fn values(room: RoomId, after: Rev, limit: u32) -> Vec<Value> {
    let room = room.to_string();
    let after = decode::rev_to_db(after);
    let limit = i64::from(limit);
    vec![
        room.clone().into(),
        after.into(),
        after.into(),
        room.clone().into(),
        after.into(),
        after.into(),
        limit.into(),
        room.into(),
        after.into(),
        limit.into(),
        limit.into(),
    ]
}

/// `sql` with PostgreSQL's numbered placeholders (`$1`, `$2`, ...) for its `?`s.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Up to `limit` messages of `room` whose rev is above `after`, in rev order.
pub(crate) async fn changes_since(
    db: &DatabaseConnection,
    room: RoomId,
    after: Rev,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => numbered(CHANGES_SINCE),
        _ => CHANGES_SINCE.to_owned(),
    };
    let statement = Statement::from_sql_and_values(backend, sql, values(room, after, limit));
    messages::Entity::find()
        .from_raw_sql(statement)
        .all(db)
        .await
        .map_err(unavailable)?
        .into_iter()
        .map(messages::Model::into_message)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_has_its_value_and_postgres_gets_them_numbered() {
        let placeholders = CHANGES_SINCE.matches('?').count();
        assert_eq!(placeholders, values(RoomId::new_v7(), Rev(3), 10).len());
        let pg = numbered(CHANGES_SINCE);
        assert!(!pg.contains('?'));
        assert!(pg.contains("$1 ") && pg.contains(&format!("${placeholders}")));
        assert!(!pg.contains(&format!("${}", placeholders + 1)));
    }
}
