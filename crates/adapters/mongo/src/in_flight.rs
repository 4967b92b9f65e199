//! Node-local claims on the sends a batch is writing, so two batches of one node never race on
//! the same send.
//!
//! A batch looks for stored originals first and inserts afterwards. Two batches of one node
//! carrying the same `client_msg_id` (a client retrying over two connections) or the same
//! message id (a job handed out again) would both find nothing, both take a seq, and the
//! loser's seq would become a tombstone. Claiming every key and id of a batch before the
//! lookup makes the second batch wait until the first has stored the message, and then find
//! it: on one node such a retry costs no seq at all. Batches with nothing in common never wait
//! for each other. Across nodes the unique index still decides, and `append` turns the loser
//! into a duplicate plus a tombstone.
//!
//! The set sits behind a std `Mutex`, not a tokio one: it is held only to look at and change
//! the set, never across an `.await`, and waiting happens on the `Notify`.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chat_domain::{ClientMsgId, MessageId, NewMessage, RoomId, UserId};
use tokio::sync::Notify;

/// One thing a batch writes that no other batch may write at the same time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Claim {
    /// A message id.
    Id(MessageId),
    /// An idempotency key.
    Key(RoomId, UserId, ClientMsgId),
}

/// The claims held by the batches of this node that are being written.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    held: Mutex<HashSet<Claim>>,
    released: Notify,
}

/// Holds a batch's claims; dropping it releases them and wakes the batches waiting on them.
#[derive(Debug)]
pub(crate) struct Claims<'a> {
    in_flight: &'a InFlight,
    claims: Vec<Claim>,
}

impl InFlight {
    /// Waits until no other batch holds any id or key of `batch`, then claims them all at once
    /// (all or nothing, so two batches can never each hold what the other waits for).
    pub(crate) async fn claim(&self, batch: &[NewMessage]) -> Claims<'_> {
        let mut claims: Vec<Claim> = Vec::with_capacity(batch.len() * 2);
        for new in batch {
            claims.push(Claim::Id(new.id));
            if let Some(key) = &new.client_msg_id {
                claims.push(Claim::Key(new.room_id, new.sender_id, key.clone()));
            }
        }
        loop {
            // Registered before looking, so a release between the look and the wait is not
            // missed.
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            {
                let mut held = self.held();
                if claims.iter().all(|claim| !held.contains(claim)) {
                    held.extend(claims.iter().cloned());
                    return Claims {
                        in_flight: self,
                        claims,
                    };
                }
            }
            released.await;
        }
    }

    /// The set, also after a panic elsewhere: every change to it is a single call that
    /// cannot leave it half done, so a poisoned lock still guards a consistent set.
    fn held(&self) -> MutexGuard<'_, HashSet<Claim>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Claims<'_> {
    fn drop(&mut self) {
        {
            let mut held = self.in_flight.held();
            for claim in &self.claims {
                held.remove(claim);
            }
        }
        self.in_flight.released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use chat_domain::{MessageBody, Timestamp};

    use super::*;

    fn send(room: RoomId, sender: UserId, key: Option<&str>) -> NewMessage {
        NewMessage {
            id: MessageId::new_v7(),
            room_id: room,
            sender_id: sender,
            body: MessageBody::parse("hi", 10).unwrap(),
            client_msg_id: key.map(|k| ClientMsgId::parse(k).unwrap()),
            reply_to: None,
            created_at: Timestamp::from_unix_millis(0),
        }
    }

    #[tokio::test]
    async fn a_batch_sharing_a_key_waits_and_one_sharing_nothing_does_not() {
        let in_flight = Arc::new(InFlight::default());
        let (room, sender) = (RoomId::new_v7(), UserId::new_v7());
        let first = in_flight.claim(&[send(room, sender, Some("k"))]).await;

        // Nothing in common: claimed at once, while `first` is still held.
        let other = in_flight.claim(&[send(room, sender, Some("other"))]).await;
        drop(other);

        let waiting = Arc::clone(&in_flight);
        let same_key = tokio::spawn(async move {
            let _claims = waiting.claim(&[send(room, sender, Some("k"))]).await;
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !same_key.is_finished(),
            "the same key waits for the first batch"
        );
        drop(first);
        same_key.await.unwrap();
        assert!(in_flight.held().is_empty(), "every claim is released");
    }

    #[tokio::test]
    async fn a_repeated_message_id_is_claimed_like_a_key() {
        let in_flight = InFlight::default();
        let message = send(RoomId::new_v7(), UserId::new_v7(), None);
        let first = in_flight.claim(std::slice::from_ref(&message)).await;
        let again = tokio::time::timeout(
            Duration::from_millis(20),
            in_flight.claim(std::slice::from_ref(&message)),
        );
        assert!(again.await.is_err(), "the same id waits");
        drop(first);
        let _after = in_flight.claim(&[message]).await;
    }
}
