//! `unread_counts`: the unread messages and mentions of many rooms, in ONE aggregation.
//!
//! `$match` takes, for every `(room, marker)`, the messages of that room above the marker
//! (an `$or` of `{room_id, seq: {$gt}}`, each branch a range on the `(room_id, seq)` index),
//! drops the reader's own messages and deleted ones (tombstones included), and `$group`
//! counts them per room, and those whose body matches the mention.
//!
//! The mention is matched as text, anywhere in the body, ignoring case (usernames are
//! case-insensitive, so `@Alice` mentions `alice`), through a regular expression built from
//! the escaped mention: usernames may hold `.` and `-`, and a bare `.` would match any
//! character.

use std::collections::HashMap;

use chat_domain::{RoomId, Seq, UserId};
use chat_ports::{StoreError, UnreadCount};
use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};

use crate::document::seq_to_db;
use crate::error::bounded;
use crate::store::Inner;

/// For each `(room, marker)`: the messages above the marker that `reader` did not send and
/// that are not deleted, and how many of them contain `mention`. Every room asked about is in
/// the answer, with zeros when nothing is unread.
pub(crate) async fn unread_counts(
    inner: &Inner,
    reader: UserId,
    mention: &str,
    markers: &[(RoomId, Seq)],
) -> Result<HashMap<RoomId, UnreadCount>, StoreError> {
    let mut counts: HashMap<RoomId, UnreadCount> = markers
        .iter()
        .map(|(room, _)| (*room, UnreadCount::default()))
        .collect();
    if markers.is_empty() {
        return Ok(counts);
    }
    let above: Vec<Document> = markers
        .iter()
        .map(|(room, marker)| {
            doc! { "room_id": room.to_string(), "seq": { "$gt": seq_to_db(*marker) } }
        })
        .collect();
    // An empty mention would match every body: it mentions no one.
    let mentioned = if mention.is_empty() {
        Bson::Boolean(false)
    } else {
        let regex = doc! { "input": "$body", "regex": escape(mention), "options": "i" };
        Bson::Document(doc! { "$regexMatch": regex })
    };
    let pipeline = [
        doc! { "$match": {
            "$or": above,
            "sender_id": { "$ne": reader.to_string() },
            "deleted": false,
        } },
        doc! { "$group": {
            "_id": "$room_id",
            "unread": { "$sum": 1 },
            "mentions": { "$sum": { "$cond": [mentioned, 1, 0] } },
        } },
    ];
    let rooms = u32::try_from(counts.len()).unwrap_or(u32::MAX);
    let aggregate = inner
        .messages
        .aggregate(pipeline)
        .batch_size(rooms.saturating_add(1));
    let cursor = bounded(aggregate).await?;
    let groups: Vec<Document> = bounded(cursor.try_collect()).await?;
    for group in groups {
        let (room, count) = decode(&group)?;
        counts.insert(room, count);
    }
    Ok(counts)
}

/// One `$group` output: the room and its counts.
fn decode(group: &Document) -> Result<(RoomId, UnreadCount), StoreError> {
    let bad = |what: &str| StoreError::corrupt(format!("unread count {what} is invalid: {group}"));
    let room: RoomId = group
        .get_str("_id")
        .ok()
        .and_then(|raw| raw.parse().ok())
        .ok_or_else(|| bad("room"))?;
    // `$sum` answers an Int32 while the count fits one, an Int64 beyond.
    let count = |field: &str| match group.get(field) {
        Some(Bson::Int32(n)) => u64::try_from(*n).map_err(|_| bad(field)),
        Some(Bson::Int64(n)) => u64::try_from(*n).map_err(|_| bad(field)),
        _ => Err(bad(field)),
    };
    Ok((
        room,
        UnreadCount {
            unread: count("unread")?,
            mentions: count("mentions")?,
        },
    ))
}

/// `text` as a regular expression that matches exactly that text: every ASCII character that
/// is not a letter or a digit is escaped (in PCRE a backslash before such a character always
/// means the character itself), so no character of a mention is read as a pattern.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ascii_symbol_of_a_mention_is_escaped() {
        assert_eq!(escape("@al.ice_1-x"), r"\@al\.ice\_1\-x");
        assert_eq!(escape("a(b)*+?[]{}|^$\\"), r"a\(b\)\*\+\?\[\]\{\}\|\^\$\\");
        assert_eq!(escape("émile"), "émile");
    }

    #[test]
    fn groups_decode_from_either_integer_width_and_bad_ones_are_corrupt() {
        let room = RoomId::new_v7();
        let group = doc! { "_id": room.to_string(), "unread": 3_i32, "mentions": 1_i64 };
        let expected = UnreadCount {
            unread: 3,
            mentions: 1,
        };
        assert_eq!(decode(&group).unwrap(), (room, expected));
        let negative = doc! { "_id": room.to_string(), "unread": -1_i32, "mentions": 0_i32 };
        assert!(decode(&negative).is_err());
        let no_room = doc! { "_id": "nope", "unread": 1_i32, "mentions": 0_i32 };
        assert!(decode(&no_room).is_err());
    }
}
