//! The group commit on PostgreSQL in ONE statement, so one round trip and one implicit
//! transaction, instead of about seven round trips (`BEGIN`, the duplicate lookup, the lock
//! and read of the rooms' counters, their raise, the insert, the read markers, `COMMIT`).
//!
//! [`GROUP_COMMIT`] is one `WITH` query whose data-modifying parts PostgreSQL runs to the end
//! whether or not the final `SELECT` reads them:
//! - `locked` locks the batch's rooms in room-id order (`ORDER BY id FOR UPDATE` sorts, then
//!   locks as rows are pulled), and `raised` raises only rows `locked` handed out, so two
//!   batches lock shared rooms in the same order and never deadlock; a batch's membership rows
//!   belong to its rooms, whose locks already serialise any two batches that share them;
//! - `raised` returns the raised counters, from which `inserted` gives each message the seq
//!   `last_seq - back` (see `crate::one_query`) and `marked` moves the senders' read markers;
//! - a message for a missing room gets a NULL seq through the `LEFT JOIN`, which the `NOT
//!   NULL` column refuses, so nothing of the batch is committed.
//!
//! Nothing is looked up first: a stored message breaks a unique index and PostgreSQL refuses
//! the whole statement; the caller then runs the portable path (`crate::append`), which looks
//! up first and reports anything else that went wrong.
//!
//! The rows travel as arrays (`unnest`), not JSON: PostgreSQL plans array lookups as index
//! scans (`id = ANY($1)`), where the JSON form of the same statements measured 2 to 9 times
//! slower (docs/benchmarks.md).

use std::time::Instant;

use chat_domain::NewMessage;
use chat_ports::Appended;
use sea_orm::sqlx;
use sea_orm::DatabaseConnection;

use crate::decode;
use crate::one_query::Planned;
use crate::retry::Failure;

/// The whole group commit: `$1` room ids and `$2` counts; `$3`..`$10` the new messages'
/// id, room, back, sender, body, client_msg_id, reply_to and created_at; `$11`..`$13` the
/// senders' read markers' room, user and back. Returns the raised counters.
const GROUP_COMMIT: &str = "\
WITH counts AS (
    SELECT * FROM unnest($1::text[], $2::bigint[]) AS c(id, n)
), locked AS MATERIALIZED (
    SELECT id FROM rooms WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE
), raised AS (
    UPDATE rooms SET last_seq = rooms.last_seq + counts.n, last_rev = rooms.last_rev + counts.n
    FROM counts JOIN locked ON locked.id = counts.id
    WHERE rooms.id = locked.id
    RETURNING rooms.id, rooms.last_seq, rooms.last_rev
), inserted AS (
    INSERT INTO messages (id, room_id, seq, sender_id, body, client_msg_id, reply_to,
        created_at, edited_at, deleted, rev, created_rev)
    SELECT m.id, m.room_id, raised.last_seq - m.back, m.sender_id, m.body, m.client_msg_id,
        m.reply_to, m.created_at, NULL, FALSE, raised.last_rev - m.back,
        raised.last_rev - m.back
    FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
        $9::text[], $10::bigint[])
        AS m(id, room_id, back, sender_id, body, client_msg_id, reply_to, created_at)
    LEFT JOIN raised ON raised.id = m.room_id
    RETURNING 1
), marked AS (
    UPDATE memberships SET read_seq = raised.last_seq - k.back
    FROM unnest($11::text[], $12::text[], $13::bigint[]) AS k(room_id, user_id, back)
    JOIN raised ON raised.id = k.room_id
    WHERE memberships.room_id = k.room_id AND memberships.user_id = k.user_id
        AND memberships.read_seq < raised.last_seq - k.back
    RETURNING 1
)
SELECT id, last_seq, last_rev FROM raised";

/// Stores `batch` with one statement, or returns `None` having stored nothing when
/// PostgreSQL refused it (the caller then runs the portable path).
pub(crate) async fn append_batch(
    db: &DatabaseConnection,
    batch: &[NewMessage],
) -> Result<Option<Vec<Appended>>, Failure> {
    let Some(plan) = Planned::new(batch) else {
        return Ok(None);
    };
    let (rooms, counts): (Vec<String>, Vec<i64>) = plan
        .counts
        .iter()
        .map(|(room, count)| (room.to_string(), *count))
        .unzip();
    let rows = &plan.new_rows;
    let text = |field: fn(&NewMessage) -> String| -> Vec<String> {
        rows.iter().map(|(new, _, _)| field(new)).collect()
    };
    let backs: Vec<i64> = rows
        .iter()
        .map(|(_, back, _)| decode::seq_to_db(*back))
        .collect();
    let keys: Vec<Option<String>> = rows
        .iter()
        .map(|(new, _, _)| {
            new.client_msg_id
                .as_ref()
                .map(|key| key.as_str().to_owned())
        })
        .collect();
    let replies: Vec<Option<String>> = rows
        .iter()
        .map(|(new, _, _)| new.reply_to.map(|id| id.to_string()))
        .collect();
    let created: Vec<i64> = rows
        .iter()
        .map(|(new, _, _)| new.created_at.unix_millis())
        .collect();
    let marks = &plan.marks;
    let started = Instant::now();
    let committed = sqlx::query(GROUP_COMMIT)
        .bind(rooms)
        .bind(counts)
        .bind(text(|new| new.id.to_string()))
        .bind(text(|new| new.room_id.to_string()))
        .bind(backs)
        .bind(text(|new| new.sender_id.to_string()))
        .bind(text(|new| new.body.as_str().to_owned()))
        .bind(keys)
        .bind(replies)
        .bind(created)
        .bind(
            marks
                .iter()
                .map(|(room, _, _)| room.to_string())
                .collect::<Vec<_>>(),
        )
        .bind(
            marks
                .iter()
                .map(|(_, user, _)| user.to_string())
                .collect::<Vec<_>>(),
        )
        .bind(
            marks
                .iter()
                .map(|(_, _, back)| decode::seq_to_db(*back))
                .collect::<Vec<_>>(),
        )
        .fetch_all(db.get_postgres_connection_pool())
        .await;
    crate::figures::record(GROUP_COMMIT, started.elapsed());
    match committed {
        Ok(rows) => plan.committed(&rows).map(Some),
        Err(err) => {
            tracing::debug!(error = %err, "the one-statement group commit was refused; running the portable one");
            Ok(None)
        }
    }
}
