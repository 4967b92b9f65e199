//! The group commit's statements on SQLite, with the batch's rows in ONE JSON parameter.
//!
//! The portable statements of `crate::append` carry one set of bound parameters per row, so
//! their text changes with the batch's size (`IN (?, ?, ..)`, `CASE WHEN .. THEN ..` per room,
//! one `VALUES` tuple per message). sqlx caches prepared statements by their text, so on the
//! hot path nearly every statement was parsed and planned afresh: profiled at 3,000 msg/s of
//! the pairs workload, preparing took 28 % of the SQLite writer thread's time, mostly the
//! `CASE` updates of room counters and read markers (docs/benchmarks.md).
//!
//! Here every statement has one fixed text and takes the rows as one JSON array, which SQLite
//! unpacks with `json_each`; each statement is prepared once per connection and then served
//! from sqlx's cache whatever the batch's size. The plans are the portable ones: a primary-key
//! or unique-index lookup per JSON element (checked with `EXPLAIN QUERY PLAN`). The semantics
//! are those of `crate::append` and `crate::send_access`, which say why each step exists; the
//! shared contract suite runs both paths (SQLite here, PostgreSQL and MariaDB there).
//!
//! JSON text goes through `->>`, which yields SQL TEXT for strings, INTEGER for integers and
//! NULL for null, so the stored values are what the portable statements store. The arrays are
//! written straight from the batch's fields (ids as hyphenated strings, as `Display` writes
//! them), without a `serde_json::Value` per field and a copy of every id and body on the way.

use std::collections::BTreeMap;

use chat_domain::{ClientMsgId, NewMessage, RoomId, Seq, UserId};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, Statement, Value};
use serde::Serialize;
use serde_json::json;

use crate::append::RoomCounters;
use crate::decode;
use crate::entity::messages;

/// Stored messages whose id (`?1`, an array of ids), or whose `(room, sender, client_msg_id)`
/// (`?2`, elements `[room, sender, key]`), is one of the batch's.
const FIND_STORED: &str = "\
SELECT messages.* FROM messages WHERE id IN (SELECT value FROM json_each(?1)) \
UNION \
SELECT m.* FROM json_each(?2) AS j JOIN messages AS m \
ON m.room_id = j.value->>0 AND m.sender_id = j.value->>1 AND m.client_msg_id = j.value->>2";

/// Raises each room's seq and rev counters by its count (elements `[room, count]`, `?1`) and
/// returns the raised values. (SQLite's `RETURNING` may not name the `FROM` table, so the
/// counts are subtracted again in Rust.) A macro, so that `crate::sqlite_commit` can build its
/// one query around the same text with `concat!`.
macro_rules! raise_counters_sql {
    () => {
        "UPDATE rooms SET last_seq = last_seq + (j.value->>1), \
         last_rev = last_rev + (j.value->>1) FROM json_each(?1) AS j \
         WHERE rooms.id = j.value->>0 RETURNING rooms.id, rooms.last_seq, rooms.last_rev"
    };
}
pub(crate) use raise_counters_sql;

/// See [`raise_counters_sql!`].
const RAISE_COUNTERS: &str = raise_counters_sql!();

/// New messages: elements `[id, room, seq, sender, body, client_msg_id, reply_to, created_at,
/// rev]`; a new message's `created_rev` is its `rev`.
const INSERT_MESSAGES: &str = "\
INSERT INTO messages (id, room_id, seq, sender_id, body, client_msg_id, reply_to, \
created_at, edited_at, deleted, rev, created_rev) \
SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, \
value->>7, NULL, FALSE, value->>8, value->>8 FROM json_each(?1)";

/// Moves read markers up, never down: elements `[room, user, seq]`.
const ADVANCE_READ_MARKERS: &str = "\
UPDATE memberships SET read_seq = (j.value->>2) FROM json_each(?1) AS j \
WHERE memberships.room_id = j.value->>0 AND memberships.user_id = j.value->>1 \
AND memberships.read_seq < (j.value->>2)";

/// `sql` on SQLite with the JSON arrays `arrays` as its parameters `?1`, `?2`, ...
fn statement(sql: &str, arrays: Vec<String>) -> Statement {
    let values: Vec<Value> = arrays.into_iter().map(Value::from).collect();
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

/// `rows` as one JSON array. Its rows are tuples of ids, strings and integers, which always
/// serialize; an error is still reported, not unwrapped.
fn json_array<T: Serialize>(rows: &[T]) -> Result<String, DbErr> {
    serde_json::to_string(rows)
        .map_err(|err| DbErr::Custom(format!("could not write a batch as JSON: {err}")))
}

/// The parameters of [`FIND_STORED`]: the batch's ids, and its idempotency keys as
/// `[room, sender, key]`.
fn stored_lookup(batch: &[NewMessage]) -> (serde_json::Value, serde_json::Value) {
    let ids: Vec<String> = batch.iter().map(|m| m.id.to_string()).collect();
    let keys: Vec<serde_json::Value> = batch
        .iter()
        .filter_map(|m| {
            let key = m.client_msg_id.as_ref()?;
            Some(json!([
                m.room_id.to_string(),
                m.sender_id.to_string(),
                key.as_str()
            ]))
        })
        .collect();
    (json!(ids), json!(keys))
}

/// The parameter of [`raise_counters_sql!`]: `[room, count]` per room.
pub(crate) fn room_counts(counts: &BTreeMap<RoomId, i64>) -> Result<String, DbErr> {
    json_array(&counts.iter().collect::<Vec<_>>())
}

/// One row returned by [`raise_counters_sql!`] (`id, last_seq, last_rev` as raised), turned back
/// into the room's counters BEFORE the raise.
pub(crate) fn before_raise(
    counts: &BTreeMap<RoomId, i64>,
    (id, last_seq, last_rev): RoomCounters,
) -> Result<RoomCounters, DbErr> {
    let count = id
        .parse()
        .ok()
        .and_then(|room: RoomId| counts.get(&room).copied())
        .ok_or_else(|| DbErr::Custom(format!("unexpected room {id} raised")))?;
    Ok((id, last_seq - count, last_rev - count))
}

/// A new message with the seq and rev it was given.
pub(crate) type NewRow<'a> = (&'a NewMessage, Seq, chat_domain::Rev);

/// The parameter of [`INSERT_MESSAGES`]: the new messages with the seq and rev each was given,
/// as `[id, room, seq, sender, body, client_msg_id, reply_to, created_at, rev]`.
pub(crate) fn new_rows(rows: &[NewRow<'_>]) -> Result<String, DbErr> {
    let rows: Vec<_> = rows
        .iter()
        .map(|(new, seq, rev)| {
            (
                new.id,
                new.room_id,
                decode::seq_to_db(*seq),
                new.sender_id,
                new.body.as_str(),
                new.client_msg_id.as_ref().map(ClientMsgId::as_str),
                new.reply_to,
                new.created_at.unix_millis(),
                decode::rev_to_db(*rev),
            )
        })
        .collect();
    json_array(&rows)
}

/// The parameter of [`ADVANCE_READ_MARKERS`]: `[room, user, seq]` per marker.
pub(crate) fn read_marks(marks: &[(RoomId, UserId, Seq)]) -> Result<String, DbErr> {
    let marks: Vec<_> = marks
        .iter()
        .map(|(room, user, seq)| (room, user, decode::seq_to_db(*seq)))
        .collect();
    json_array(&marks)
}

/// See [`FIND_STORED`].
pub(crate) async fn find_stored(
    db: &impl ConnectionTrait,
    batch: &[NewMessage],
) -> Result<Vec<messages::Model>, DbErr> {
    let (ids, keys) = stored_lookup(batch);
    messages::Entity::find()
        .from_raw_sql(statement(
            FIND_STORED,
            vec![ids.to_string(), keys.to_string()],
        ))
        .all(db)
        .await
}

/// See [`RAISE_COUNTERS`]: `(room id, last_seq, last_rev)` of each room found, as they were
/// BEFORE this raise, in no particular order.
pub(crate) async fn raise_counters(
    db: &impl ConnectionTrait,
    counts: &BTreeMap<RoomId, i64>,
) -> Result<Vec<RoomCounters>, DbErr> {
    let rows = db
        .query_all(statement(RAISE_COUNTERS, vec![room_counts(counts)?]))
        .await?;
    rows.iter()
        .map(|row| {
            let raised = (
                row.try_get_by_index(0)?,
                row.try_get_by_index(1)?,
                row.try_get_by_index(2)?,
            );
            before_raise(counts, raised)
        })
        .collect()
}

/// See [`INSERT_MESSAGES`].
pub(crate) async fn insert_messages(
    db: &impl ConnectionTrait,
    rows: &[NewRow<'_>],
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    db.execute(statement(INSERT_MESSAGES, vec![new_rows(rows)?]))
        .await?;
    Ok(())
}

/// See [`ADVANCE_READ_MARKERS`].
pub(crate) async fn advance_read_markers(
    db: &impl ConnectionTrait,
    marks: &[(RoomId, UserId, Seq)],
) -> Result<(), DbErr> {
    if marks.is_empty() {
        return Ok(());
    }
    db.execute(statement(ADVANCE_READ_MARKERS, vec![read_marks(marks)?]))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chat_domain::{MessageBody, MessageId, Rev, Timestamp};

    use super::*;

    fn new_message(key: Option<&str>, reply_to: Option<MessageId>) -> NewMessage {
        NewMessage {
            id: MessageId::new_v7(),
            room_id: RoomId::new_v7(),
            sender_id: UserId::new_v7(),
            body: MessageBody::parse("a \"quoted\" body \u{1F600}", 100).unwrap(),
            client_msg_id: key.map(|k| ClientMsgId::parse(k).unwrap()),
            reply_to,
            created_at: Timestamp::from_unix_millis(1_700_000_000_123),
        }
    }

    #[test]
    fn the_arrays_hold_what_the_statements_unpack_by_position() {
        let keyed = new_message(Some("c-1"), Some(MessageId::new_v7()));
        let bare = new_message(None, None);
        let rows = [(&keyed, Seq(7), Rev(9)), (&bare, Seq(1), Rev(1))];
        let written: serde_json::Value = serde_json::from_str(&new_rows(&rows).unwrap()).unwrap();
        let expected = json!([
            [
                keyed.id.to_string(),
                keyed.room_id.to_string(),
                7,
                keyed.sender_id.to_string(),
                keyed.body.as_str(),
                "c-1",
                keyed.reply_to.map(|id| id.to_string()),
                1_700_000_000_123_i64,
                9
            ],
            [
                bare.id.to_string(),
                bare.room_id.to_string(),
                1,
                bare.sender_id.to_string(),
                bare.body.as_str(),
                null,
                null,
                1_700_000_000_123_i64,
                1
            ],
        ]);
        assert_eq!(written, expected);

        let (room, user) = (RoomId::new_v7(), UserId::new_v7());
        let marks: serde_json::Value =
            serde_json::from_str(&read_marks(&[(room, user, Seq(4))]).unwrap()).unwrap();
        assert_eq!(marks, json!([[room.to_string(), user.to_string(), 4]]));
        let counts: serde_json::Value =
            serde_json::from_str(&room_counts(&BTreeMap::from([(room, 3)])).unwrap()).unwrap();
        assert_eq!(counts, json!([[room.to_string(), 3]]));
    }
}
