//! The stored form of a message, and the filters that find one.
//!
//! One document per message in the `messages` collection: `_id` is the message id as a
//! string (ids are assigned before the message is stored, so a retried job writes the same
//! `_id`); ids are hyphenated UUID strings as everywhere else in the product; `seq`, `rev` and
//! `created_rev` are Int64s; times are BSON dates (milliseconds, which is exactly what a
//! `Timestamp` holds). Optional fields are left out rather than stored as null, so the partial
//! unique index on `client_msg_id` sees only messages that have one.
//!
//! Every document also carries its [`send_key`]: one string that names the send, so that the
//! group commit finds every stored original of a batch with a single `$in` on one unique index
//! instead of an `$or` of compound clauses (see `crate::append`).
//!
//! Two fields live in the document and not in a [`Message`]: `edits`, the earlier bodies of an
//! edited message (written and read by `crate::edits`, left out of every other read by
//! [`without_edits`]), and `deleted_at`, when a message was deleted (kept for operators; the
//! domain has no field for it).
//!
//! Decoding is strict: a document that does not decode is reported with
//! [`StoreError::corrupt`], never skipped, because a store that quietly drops what it cannot
//! read hides the damage until a user notices a missing message.

use std::fmt::Display;
use std::str::FromStr;

use chat_domain::ids::Uuid;
use chat_domain::{
    ClientMsgId, Message, MessageId, NewMessage, Rev, RoomId, Seq, Timestamp, UserId,
};
use chat_ports::StoreError;
use mongodb::bson::{self, doc, DateTime, Document};
use serde::{Deserialize, Serialize};

/// The sender of a tombstone: no one. A tombstone fills a seq that was taken for a message
/// that was never stored (or was stored under another seq), so it has no author.
pub(crate) const TOMBSTONE_SENDER: UserId = UserId::from_uuid(Uuid::nil());

/// The projection of every read that returns messages: the edit history can grow with every
/// edit and no [`Message`] carries it, so it never travels unless asked for.
pub(crate) fn without_edits() -> Document {
    doc! { "edits": 0 }
}

/// A message as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MessageDoc {
    #[serde(rename = "_id")]
    id: String,
    room_id: String,
    seq: i64,
    rev: i64,
    created_rev: i64,
    sender_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_msg_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    created_at: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    edited_at: Option<DateTime>,
    deleted: bool,
    /// [`send_key`]; absent from documents written before it existed (or by an older node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    send_key: Option<String>,
}

/// What identifies a send across retries, as one string: `k/<room>/<sender>/<client_msg_id>`
/// for a send with an idempotency key, `i/<message id>` for one without (a job run again
/// writes the same id). Ids are hyphenated UUIDs, so the parts cannot run into each other,
/// and the two prefixes keep the forms apart.
///
/// A single field lets the batch lookup be one `$in` on one unique index, which every server
/// answers with index lookups; an `$or` of compound clauses is planned branch by branch by
/// MongoDB and scanned in full by the SecantusDB stand-in (docs/benchmarks.md, tenth
/// measurement).
pub(crate) fn send_key(new: &NewMessage) -> String {
    match &new.client_msg_id {
        Some(key) => format!("k/{}/{}/{}", new.room_id, new.sender_id, key.as_str()),
        None => id_send_key(new.id),
    }
}

/// The [`send_key`] of a message without an idempotency key.
fn id_send_key(id: MessageId) -> String {
    format!("i/{id}")
}

impl MessageDoc {
    /// The document to insert for `new` once it holds `seq`, created at `rev`.
    pub(crate) fn new(new: &NewMessage, seq: Seq, rev: Rev) -> Self {
        Self {
            id: new.id.to_string(),
            room_id: new.room_id.to_string(),
            seq: seq_to_db(seq),
            rev: rev_to_db(rev),
            created_rev: rev_to_db(rev),
            sender_id: new.sender_id.to_string(),
            body: Some(new.body.as_str().to_owned()),
            client_msg_id: new.client_msg_id.as_ref().map(|c| c.as_str().to_owned()),
            reply_to: new.reply_to.map(|id| id.to_string()),
            created_at: DateTime::from_millis(new.created_at.unix_millis()),
            edited_at: None,
            deleted: false,
            send_key: Some(send_key(new)),
        }
    }

    /// A tombstone for `seq` of `room`, created at `rev` and written at `at`: deleted, no body,
    /// no key, no author.
    pub(crate) fn tombstone(room: RoomId, seq: Seq, rev: Rev, at: Timestamp) -> Self {
        let id = MessageId::new_v7();
        Self {
            id: id.to_string(),
            room_id: room.to_string(),
            seq: seq_to_db(seq),
            rev: rev_to_db(rev),
            created_rev: rev_to_db(rev),
            sender_id: TOMBSTONE_SENDER.to_string(),
            body: None,
            client_msg_id: None,
            reply_to: None,
            created_at: DateTime::from_millis(at.unix_millis()),
            edited_at: None,
            deleted: true,
            send_key: Some(id_send_key(id)),
        }
    }
}

/// Decodes a stored document, failing on anything that is not a valid message.
pub(crate) fn decode(document: Document) -> Result<Message, StoreError> {
    let id = document.get("_id").map(ToString::to_string);
    let stored: MessageDoc = bson::deserialize_from_document(document).map_err(|err| {
        let id = id.as_deref().unwrap_or("without an _id");
        StoreError::corrupt(format!("stored message {id} is invalid: {err}"))
    })?;
    let client_msg_id = match stored.client_msg_id {
        Some(raw) => {
            Some(ClientMsgId::parse(&raw).map_err(|err| invalid("client_msg_id", &raw, err))?)
        }
        None => None,
    };
    Ok(Message {
        id: parse(&stored.id, "message id")?,
        room_id: parse(&stored.room_id, "message room id")?,
        seq: Seq(u64::try_from(stored.seq).map_err(|err| invalid("seq", &stored.seq, err))?),
        rev: rev_from_db(stored.rev, "rev")?,
        created_rev: rev_from_db(stored.created_rev, "created_rev")?,
        sender_id: parse(&stored.sender_id, "message sender id")?,
        body: stored.body,
        client_msg_id,
        reply_to: stored
            .reply_to
            .as_deref()
            .map(|raw| parse(raw, "reply_to"))
            .transpose()?,
        created_at: Timestamp::from_unix_millis(stored.created_at.timestamp_millis()),
        edited_at: stored
            .edited_at
            .map(|at| Timestamp::from_unix_millis(at.timestamp_millis())),
        deleted: stored.deleted,
    })
}

/// The stored form of a seq (saturating at `i64::MAX`, which no room reaches; a saturated
/// bound still selects right).
pub(crate) fn seq_to_db(seq: Seq) -> i64 {
    i64::try_from(seq.get()).unwrap_or(i64::MAX)
}

/// The stored form of a rev (saturating like [`seq_to_db`]).
pub(crate) fn rev_to_db(rev: Rev) -> i64 {
    i64::try_from(rev.get()).unwrap_or(i64::MAX)
}

/// A stored rev, refusing a negative one as corrupt.
fn rev_from_db(stored: i64, what: &str) -> Result<Rev, StoreError> {
    u64::try_from(stored)
        .map(Rev)
        .map_err(|err| invalid(what, &stored, err))
}

/// Matches the message `sender` stored in `room` under `client_msg_id`.
///
/// The `$type` clause repeats the partial filter of the unique index: MongoDB uses a partial
/// index only for a query that provably stays inside its filter, and spelling the filter out
/// is the one form every server version recognises.
pub(crate) fn by_key(room: RoomId, sender: UserId, client_msg_id: &ClientMsgId) -> Document {
    doc! {
        "room_id": room.to_string(),
        "sender_id": sender.to_string(),
        "$and": [
            { "client_msg_id": client_msg_id.as_str() },
            { "client_msg_id": { "$type": "string" } },
        ],
    }
}

/// Parses a stored id, naming `what` in the error.
fn parse<T>(raw: &str, what: &str) -> Result<T, StoreError>
where
    T: FromStr,
    T::Err: Display,
{
    raw.parse().map_err(|err| invalid(what, &raw, err))
}

/// The error for a stored `what` whose value `raw` is refused for `reason`.
fn invalid(what: &str, raw: &dyn std::fmt::Debug, reason: impl Display) -> StoreError {
    StoreError::corrupt(format!("stored {what} {raw:?} is invalid: {reason}"))
}

#[cfg(test)]
mod tests {
    use chat_domain::MessageBody;

    use super::*;

    fn new_message(client_msg_id: Option<&str>) -> NewMessage {
        NewMessage {
            id: MessageId::new_v7(),
            room_id: RoomId::new_v7(),
            sender_id: UserId::new_v7(),
            body: MessageBody::parse("hello", 100).unwrap(),
            client_msg_id: client_msg_id.map(|c| ClientMsgId::parse(c).unwrap()),
            reply_to: Some(MessageId::new_v7()),
            created_at: Timestamp::from_unix_millis(1_767_323_045_123),
        }
    }

    #[test]
    fn a_message_round_trips_through_its_document() {
        let new = new_message(Some("c-1"));
        let stored = bson::serialize_to_document(&MessageDoc::new(&new, Seq(9), Rev(12))).unwrap();
        assert_eq!(stored.get_str("_id").unwrap(), new.id.to_string());
        assert_eq!(stored.get_i64("seq").unwrap(), 9);
        assert_eq!(stored.get_i64("rev").unwrap(), 12);
        assert_eq!(stored.get_i64("created_rev").unwrap(), 12);
        let key = format!("k/{}/{}/c-1", new.room_id, new.sender_id);
        assert_eq!(stored.get_str("send_key").unwrap(), key);
        assert!(stored.get_datetime("created_at").is_ok());
        assert_eq!(decode(stored).unwrap(), new.into_message(Seq(9), Rev(12)));
    }

    #[test]
    fn absent_options_are_left_out_so_the_partial_index_skips_them() {
        let mut new = new_message(None);
        new.reply_to = None;
        let stored = bson::serialize_to_document(&MessageDoc::new(&new, Seq(1), Rev(1))).unwrap();
        for absent in ["client_msg_id", "reply_to", "edited_at", "edits"] {
            assert!(!stored.contains_key(absent), "{absent} is left out");
        }
        let key = format!("i/{}", new.id);
        assert_eq!(stored.get_str("send_key").unwrap(), key);
        assert_eq!(decode(stored).unwrap(), new.into_message(Seq(1), Rev(1)));
    }

    #[test]
    fn a_tombstone_is_deleted_without_body_key_or_author() {
        let room = RoomId::new_v7();
        let at = Timestamp::from_unix_millis(5);
        let tombstone = MessageDoc::tombstone(room, Seq(4), Rev(6), at);
        let stored = bson::serialize_to_document(&tombstone).unwrap();
        let key = format!("i/{}", stored.get_str("_id").unwrap());
        assert_eq!(stored.get_str("send_key").unwrap(), key);
        let message = decode(stored).unwrap();
        assert!(message.deleted);
        assert_eq!((message.room_id, message.seq), (room, Seq(4)));
        assert_eq!((message.rev, message.created_rev), (Rev(6), Rev(6)));
        assert_eq!((message.body, message.client_msg_id), (None, None));
        assert_eq!(message.sender_id, TOMBSTONE_SENDER);
    }

    #[test]
    fn documents_that_do_not_decode_are_corrupt_not_skipped() {
        let good = MessageDoc::new(&new_message(None), Seq(1), Rev(1));
        let good = bson::serialize_to_document(&good).unwrap();
        let mut bad_id = good.clone();
        bad_id.insert("room_id", "not-a-uuid");
        let mut negative = good.clone();
        negative.insert("seq", -3_i64);
        let mut missing = good.clone();
        missing.remove("created_at");
        let mut negative_rev = good.clone();
        negative_rev.insert("rev", -1_i64);
        let mut no_rev = good.clone();
        no_rev.remove("created_rev");
        let mut bad_key = good;
        bad_key.insert("client_msg_id", "");
        for document in [bad_id, negative, missing, negative_rev, no_rev, bad_key] {
            let err = decode(document.clone()).unwrap_err();
            assert!(matches!(err, StoreError::Unavailable(_)), "{document}");
            assert!(err.to_string().contains("invalid"), "{err}");
        }
    }

    #[test]
    fn a_document_written_before_send_keys_still_decodes() {
        let new = new_message(Some("c-1"));
        let mut stored =
            bson::serialize_to_document(&MessageDoc::new(&new, Seq(2), Rev(2))).unwrap();
        stored.remove("send_key");
        assert_eq!(decode(stored).unwrap(), new.into_message(Seq(2), Rev(2)));
    }

    #[test]
    fn send_keys_tell_keyed_and_unkeyed_sends_apart() {
        let keyed = new_message(Some("x"));
        let mut other_sender = keyed.clone();
        other_sender.sender_id = UserId::new_v7();
        let mut unkeyed = keyed.clone();
        unkeyed.client_msg_id = None;
        let keys = [
            send_key(&keyed),
            send_key(&other_sender),
            send_key(&unkeyed),
        ];
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[0], keys[2]);
        let mut retried = keyed.clone();
        retried.id = MessageId::new_v7();
        assert_eq!(
            send_key(&retried),
            keys[0],
            "a retry with a new id is the same send"
        );
    }

    #[test]
    fn seqs_and_revs_beyond_an_int64_saturate() {
        assert_eq!(seq_to_db(Seq(u64::MAX)), i64::MAX);
        assert_eq!(seq_to_db(Seq(3)), 3);
        assert_eq!(rev_to_db(Rev(u64::MAX)), i64::MAX);
    }
}
