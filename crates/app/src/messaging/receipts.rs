//! Read and delivery receipts: two forward-only markers per member and room.
//!
//! The read marker is how far the member has read (unread counts start above it); the
//! delivered marker is how far their devices confirmed receiving (a client sends a cumulative
//! `received`). Both only move forward, and never past the room's latest message, so a
//! client cannot mark as read what does not exist yet and then miss it as unread. A marker
//! that moved is announced to the room; one that did not move is not, so repeated or
//! reordered receipts cost one store call and no event.

use chat_domain::{Membership, RoomId, Seq, UserId};
use chat_ports::{BusEvent, HistoryCursor, StoreError};
use thiserror::Error;

use super::{MembershipError, MessagingService};
use crate::ordering::publish_or_queue;

/// Why a receipt was refused.
#[derive(Debug, Error)]
pub enum ReceiptError {
    /// No such room, or the user is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

impl From<MembershipError> for ReceiptError {
    fn from(error: MembershipError) -> Self {
        match error {
            MembershipError::NotAMember => Self::RoomNotFound,
            MembershipError::Store(error) => Self::Unavailable(error),
        }
    }
}

/// Which marker a receipt moves.
#[derive(Debug, Clone, Copy)]
enum Marker {
    Read,
    Delivered,
}

impl MessagingService {
    /// `user` has read `room` up to `seq`. Returns the new marker when it moved, `None` when it
    /// was already there or beyond.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn mark_read(
        &self,
        user: UserId,
        room: RoomId,
        seq: Seq,
    ) -> Result<Option<Seq>, ReceiptError> {
        self.raise(Marker::Read, user, room, seq).await
    }

    /// `user`'s devices received everything of `room` up to `seq`. Returns the new marker
    /// when it moved, `None` when it was already there or beyond.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn mark_delivered(
        &self,
        user: UserId,
        room: RoomId,
        seq: Seq,
    ) -> Result<Option<Seq>, ReceiptError> {
        self.raise(Marker::Delivered, user, room, seq).await
    }

    async fn raise(
        &self,
        marker: Marker,
        user: UserId,
        room: RoomId,
        seq: Seq,
    ) -> Result<Option<Seq>, ReceiptError> {
        let membership: Membership = self.require_membership(room, user).await?;
        let current = match marker {
            Marker::Read => membership.read_seq,
            Marker::Delivered => membership.delivered_seq,
        };
        if seq <= current {
            return Ok(None);
        }
        let latest = self
            .ports
            .messages
            .latest_in_rooms(&[room])
            .await
            .map_err(ReceiptError::Unavailable)?
            .remove(&room)
            .map_or(Seq::ZERO, |m| m.seq);
        let target = seq.min(latest);
        if target <= current {
            return Ok(None);
        }
        let moved = match marker {
            Marker::Read => self.ports.rooms.mark_read(room, user, target).await,
            Marker::Delivered => self.ports.rooms.mark_delivered(room, user, target).await,
        };
        let moved = match moved {
            Ok(moved) => moved,
            // Removed from the room between the check and the update.
            Err(StoreError::NotFound) => return Err(ReceiptError::RoomNotFound),
            Err(error) => return Err(ReceiptError::Unavailable(error)),
        };
        if !moved {
            // A racing receipt got there first, and announced it.
            return Ok(None);
        }
        let event = match marker {
            Marker::Read => BusEvent::ReadMarker {
                room_id: room,
                user_id: user,
                seq: target,
            },
            Marker::Delivered => {
                let senders = self.senders_between(room, user, current, target).await?;
                if senders.is_empty() {
                    // Only the recipient's own messages were passed: nobody is waiting to hear.
                    return Ok(Some(target));
                }
                BusEvent::Delivered {
                    room_id: room,
                    user_id: user,
                    seq: target,
                    senders,
                }
            }
        };
        publish_or_queue(&self.ports, &self.config, event).await;
        Ok(Some(target))
    }

    /// The authors (other than `reader`) of the messages of `room` above `from` up to `to`:
    /// whose messages a delivered marker moving over that range reached.
    async fn senders_between(
        &self,
        room: RoomId,
        reader: UserId,
        from: Seq,
        to: Seq,
    ) -> Result<Vec<UserId>, ReceiptError> {
        let span = u32::try_from(to.get().saturating_sub(from.get())).unwrap_or(u32::MAX);
        let passed = self
            .ports
            .messages
            .page(
                room,
                HistoryCursor::After(from),
                span.min(DELIVERY_SCAN_LIMIT),
            )
            .await
            .map_err(ReceiptError::Unavailable)?;
        let mut senders: Vec<UserId> = passed
            .iter()
            .filter(|m| m.seq <= to && m.sender_id != reader && !m.deleted)
            .map(|m| m.sender_id)
            .collect();
        senders.sort_unstable();
        senders.dedup();
        Ok(senders)
    }
}

/// Most messages one delivery receipt looks at to find whose messages it passed; a receipt that
/// jumps further (a device back after a long time) tells the authors of the first ones only.
const DELIVERY_SCAN_LIMIT: u32 = 1000;
