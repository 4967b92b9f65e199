//! Planning a batch for `MessageStore::append_batch`: which messages are new, which repeat a
//! stored one, and which repeat an earlier one of the same batch. Every store must decide this
//! the same way (the contract says so), so the decision is written once, here, and each
//! adapter only supplies what it found stored and fills in the seqs and revs it allocates.

use std::collections::HashMap;

use chat_domain::{ClientMsgId, Message, MessageId, NewMessage, Rev, RoomId, Seq, UserId};

use crate::{Appended, StoreError};

/// The idempotency key of a message.
type Key = (RoomId, UserId, ClientMsgId);

/// What to do with one message of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchPlan {
    /// Store it with this seq, created at this rev (zero until the store allocated them).
    New(Seq, Rev),
    /// Already stored: report this.
    Stored(Message),
    /// Same message as the one at this earlier index of the batch.
    SameAs(usize),
}

/// Decides, in batch order, which messages are new and which repeat an earlier one.
pub fn plan_batch(batch: &[NewMessage], stored: &[Message]) -> Result<Vec<BatchPlan>, StoreError> {
    let stored_by_id: HashMap<MessageId, &Message> = stored.iter().map(|m| (m.id, m)).collect();
    let stored_by_key: HashMap<Key, &Message> = stored
        .iter()
        .filter_map(|m| Some(((m.room_id, m.sender_id, m.client_msg_id.clone()?), m)))
        .collect();
    let mut first_by_id: HashMap<MessageId, usize> = HashMap::new();
    let mut first_by_key: HashMap<Key, usize> = HashMap::new();
    let mut plans = Vec::with_capacity(batch.len());
    for (index, new) in batch.iter().enumerate() {
        let key = new
            .client_msg_id
            .clone()
            .map(|c| (new.room_id, new.sender_id, c));
        let by_key = key.as_ref().and_then(|k| stored_by_key.get(k)).copied();
        let plan = if let Some(original) = by_key.or_else(|| stored_by_id.get(&new.id).copied()) {
            ensure_same_message(new, original.room_id, original.sender_id)?;
            BatchPlan::Stored(original.clone())
        } else if let Some(&first) = key
            .as_ref()
            .and_then(|k| first_by_key.get(k))
            .or(first_by_id.get(&new.id))
        {
            ensure_same_message(new, batch[first].room_id, batch[first].sender_id)?;
            BatchPlan::SameAs(first)
        } else {
            first_by_id.insert(new.id, index);
            if let Some(key) = key {
                first_by_key.insert(key, index);
            }
            // The store fills in the real seq and rev once the room's counters moved.
            BatchPlan::New(Seq::ZERO, Rev::ZERO)
        };
        plans.push(plan);
    }
    Ok(plans)
}

/// A message id reused for another room or sender is not a retry but a caller bug.
pub fn ensure_same_message(
    new: &NewMessage,
    room: RoomId,
    sender: UserId,
) -> Result<(), StoreError> {
    if new.room_id == room && new.sender_id == sender {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "message id {} already used elsewhere",
            new.id
        )))
    }
}

/// Where a group commit moves its senders' read markers: for each `(room, sender)` of a
/// created message, the highest seq it created. Sending a message means having read the room
/// up to it. In no particular order; duplicates move nothing (their original already did).
pub fn senders_read_marks(results: &[Appended]) -> Vec<(RoomId, UserId, Seq)> {
    let mut newest: HashMap<(RoomId, UserId), Seq> = HashMap::new();
    for result in results {
        if let Appended::Created(message) = result {
            let marker = newest
                .entry((message.room_id, message.sender_id))
                .or_default();
            *marker = (*marker).max(message.seq);
        }
    }
    newest
        .into_iter()
        .map(|((room, user), seq)| (room, user, seq))
        .collect()
}

#[cfg(test)]
mod tests {
    use chat_domain::{MessageBody, Timestamp};

    use super::*;

    fn new(room: RoomId, sender: UserId, key: Option<&str>) -> NewMessage {
        NewMessage {
            id: MessageId::new_v7(),
            room_id: room,
            sender_id: sender,
            body: MessageBody::parse("hi", 10).unwrap(),
            client_msg_id: key.map(|k| ClientMsgId::parse(k).unwrap()),
            reply_to: None,
            created_at: Timestamp::from_unix_millis(1),
        }
    }

    #[test]
    fn a_key_already_stored_or_earlier_in_the_batch_is_not_new() {
        let (room, sender) = (RoomId::new_v7(), UserId::new_v7());
        let stored = new(room, sender, Some("a")).into_message(Seq(1), Rev(1));
        let batch = vec![
            new(room, sender, Some("a")),
            new(room, sender, Some("b")),
            new(room, sender, Some("b")),
            new(room, sender, None),
        ];
        let plans = plan_batch(&batch, std::slice::from_ref(&stored)).unwrap();
        assert_eq!(
            plans,
            vec![
                BatchPlan::Stored(stored),
                BatchPlan::New(Seq::ZERO, Rev::ZERO),
                BatchPlan::SameAs(1),
                BatchPlan::New(Seq::ZERO, Rev::ZERO),
            ]
        );
    }

    #[test]
    fn the_same_key_from_another_sender_is_a_different_message() {
        let room = RoomId::new_v7();
        let batch = vec![
            new(room, UserId::new_v7(), Some("k")),
            new(room, UserId::new_v7(), Some("k")),
        ];
        let plans = plan_batch(&batch, &[]).unwrap();
        assert!(plans.iter().all(|p| matches!(p, BatchPlan::New(..))));
    }

    #[test]
    fn a_message_id_reused_for_another_room_is_a_conflict() {
        let sender = UserId::new_v7();
        let first = new(RoomId::new_v7(), sender, None);
        let mut second = new(RoomId::new_v7(), sender, None);
        second.id = first.id;
        assert!(matches!(
            plan_batch(&[first, second], &[]),
            Err(StoreError::Conflict(_))
        ));
    }

    #[test]
    fn read_marks_take_each_sender_s_newest_created_message_per_room() {
        let (room, other_room) = (RoomId::new_v7(), RoomId::new_v7());
        let (alice, bob) = (UserId::new_v7(), UserId::new_v7());
        let results = vec![
            Appended::Created(new(room, alice, None).into_message(Seq(4), Rev(4))),
            Appended::Created(new(room, bob, None).into_message(Seq(5), Rev(5))),
            Appended::Created(new(room, alice, None).into_message(Seq(6), Rev(6))),
            Appended::Duplicate(new(other_room, alice, None).into_message(Seq(9), Rev(9))),
            Appended::Created(new(other_room, alice, None).into_message(Seq(2), Rev(2))),
        ];
        let mut marks = senders_read_marks(&results);
        marks.sort();
        let mut expected = vec![
            (room, alice, Seq(6)),
            (room, bob, Seq(5)),
            (other_room, alice, Seq(2)),
        ];
        expected.sort();
        assert_eq!(marks, expected);
    }
}
