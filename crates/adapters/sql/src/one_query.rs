//! What the one-query group commits of SQLite (`crate::sqlite_commit`) and PostgreSQL
//! (`crate::pg_commit`) share: the batch planned without looking anything up, each new
//! message's `back` (how many new messages of its room come after it in the batch, so that
//! the statements give it the seq `last_seq - back` from the raised counters), and the results
//! read back from the counters the raise returns.
//!
//! Nothing is looked up first because a stored message breaks a unique index (its id, or its
//! `(room, sender, client_msg_id)`): the database refuses the whole statement, and the caller
//! runs the portable path (`crate::append`), which looks up first.

use std::collections::{BTreeMap, HashMap};

use chat_domain::{NewMessage, Rev, RoomId, Seq, UserId};
use chat_ports::messages::batch::{plan_batch, BatchPlan};
use chat_ports::Appended;
use sea_orm::sqlx::{self, ColumnIndex, Decode, Row, Type};
use sea_orm::{DbErr, RuntimeErr};

use crate::append::{assign_seqs, counts_of_new, results, RoomCounters};
use crate::json_batch::{self, NewRow};
use crate::retry::Failure;

/// A batch ready for a one-query commit.
pub(crate) struct Planned<'a> {
    batch: &'a [NewMessage],
    plans: Vec<BatchPlan>,
    /// New messages per room, in room-id order.
    pub(crate) counts: BTreeMap<RoomId, i64>,
    /// The new messages, with their `back` in the place of their seq and rev.
    pub(crate) new_rows: Vec<NewRow<'a>>,
    /// Each sender's newest new message per room, with its `back` in the place of its seq.
    pub(crate) marks: Vec<(RoomId, UserId, Seq)>,
}

impl<'a> Planned<'a> {
    /// `None` for a batch that contradicts itself (one id in two rooms): the portable path
    /// judges it, setting it against what is stored as well.
    pub(crate) fn new(batch: &'a [NewMessage]) -> Option<Self> {
        let plans = plan_batch(batch, &[]).ok()?;
        let counts = counts_of_new(batch, &plans);
        let (new_rows, marks) = counted_back(batch, &plans);
        Some(Self {
            batch,
            plans,
            counts,
            new_rows,
            marks,
        })
    }

    /// The outcome of each message, from the rows `(room id, last_seq, last_rev)` the
    /// committed raise returned. It cannot fail for a batch the database accepted; if it did,
    /// the worker's retry would find every message by its id.
    pub(crate) fn committed<R>(mut self, rows: &[R]) -> Result<Vec<Appended>, Failure>
    where
        R: Row,
        usize: ColumnIndex<R>,
        for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    {
        let raised = rows
            .iter()
            .map(|row| {
                let counters = (
                    row.try_get(0).map_err(query_err)?,
                    row.try_get(1).map_err(query_err)?,
                    row.try_get(2).map_err(query_err)?,
                );
                Ok(json_batch::before_raise(&self.counts, counters)?)
            })
            .collect::<Result<Vec<RoomCounters>, Failure>>()?;
        assign_seqs(self.batch, &mut self.plans, self.counts.len(), raised)?;
        Ok(results(self.batch, self.plans))
    }
}

/// The new messages and the senders' newest messages, each with its `back` in the place of
/// its seq and rev.
fn counted_back<'a>(
    batch: &'a [NewMessage],
    plans: &[BatchPlan],
) -> (Vec<NewRow<'a>>, Vec<(RoomId, UserId, Seq)>) {
    let new: Vec<&NewMessage> = batch
        .iter()
        .zip(plans)
        .filter(|(_, plan)| matches!(plan, BatchPlan::New(..)))
        .map(|(new, _)| new)
        .collect();
    let mut later: HashMap<RoomId, u64> = HashMap::new();
    let mut rows = Vec::with_capacity(new.len());
    let mut newest: HashMap<(RoomId, UserId), u64> = HashMap::new();
    // From the last message back: `later` is how many of its room's come after it.
    for message in new.iter().rev() {
        let back = later.entry(message.room_id).or_default();
        rows.push((*message, Seq(*back), Rev(*back)));
        newest
            .entry((message.room_id, message.sender_id))
            .or_insert(*back);
        *back += 1;
    }
    rows.reverse();
    let marks = newest
        .into_iter()
        .map(|((room, user), back)| (room, user, Seq(back)))
        .collect();
    (rows, marks)
}

fn query_err(err: sqlx::Error) -> Failure {
    Failure::Db(DbErr::Query(RuntimeErr::SqlxError(err)))
}
