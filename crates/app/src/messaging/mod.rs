//! Messages and what happens to them: sending (with lazy private rooms), room lists with
//! unread counts, history, reply previews, edits and deletes, read and delivery receipts,
//! typing, and the building block of catch-up after a reconnect.
//!
//! The path of a message: [`MessagingService::send`] validates it, finds or lazily creates the
//! room, answers a retried `client_msg_id` from the store, and enqueues a `PersistMessage` job
//! at interactive priority. A worker group-commits it with other pending messages (the store
//! assigns seqs), publishes it on the bus, and settles the send's waiter in [`PendingSends`];
//! only then does `send` return, so an acknowledged message is always durable.
//!
//! Edits and deletes are committed and published here, under the node's [`PublishOrder`],
//! so a room's changes leave this node in rev order.

mod changes;
mod history;
mod pending;
mod previews;
mod receipts;
mod resume;
mod rooms;
mod send;
mod typing;

use std::sync::Arc;

use chat_domain::{MessageId, RoomId, UserId};
use chat_ports::StoreError;
use thiserror::Error;

use crate::ordering::PublishOrder;
use crate::{AppConfig, Ports};

pub use changes::{DeleteError, EditError, EditHistoryError};
pub use history::{HistoryError, HistoryPage, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT};
pub use pending::{PendingSends, SendWaiter};
pub use previews::{ReplyPreview, ReplyPreviewError, REPLY_PREVIEW_CHARS};
pub use receipts::ReceiptError;
pub use resume::{ChangesPage, ResumeError, ResumePlan, RESUME_MAX_LIMIT};
pub(crate) use rooms::room_view;
pub use rooms::{RoomError, RoomListing};
pub use send::{SendError, SendOutcome, SendRequest, SendTarget};
pub use typing::TypingError;

/// The messaging use cases.
#[derive(Debug)]
pub struct MessagingService {
    ports: Ports,
    config: AppConfig,
    pending: Arc<PendingSends>,
    publish_order: Arc<PublishOrder>,
    typing: typing::TypingThrottle,
}

impl MessagingService {
    /// A service over `ports`; `pending` is the node's registry of sends awaiting their commit,
    /// shared with the workers and the event pump; `publish_order` is the node's publish order,
    /// the same one the [`JobWorkers`](crate::worker::JobWorkers) hold.
    pub fn new(
        ports: Ports,
        config: AppConfig,
        pending: Arc<PendingSends>,
        publish_order: Arc<PublishOrder>,
    ) -> Self {
        Self {
            ports,
            config,
            pending,
            publish_order,
            typing: typing::TypingThrottle::default(),
        }
    }

    /// A fresh message id, for callers that must know it before sending (the WebSocket gateway
    /// uses it to put the `ack` before the echoed message).
    pub fn new_message_id(&self) -> MessageId {
        MessageId::from_uuid(self.ports.ids.new_id())
    }

    /// Fails with `RoomNotFound` unless `user` belongs to `room`: non-members cannot tell a
    /// room they may not see from one that does not exist.
    async fn require_membership(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<chat_domain::Membership, MembershipError> {
        match self.ports.rooms.find_membership(room, user).await {
            Ok(Some(membership)) => Ok(membership),
            Ok(None) => Err(MembershipError::NotAMember),
            Err(error) => Err(MembershipError::Store(error)),
        }
    }
}

/// Internal outcome of a membership check.
#[derive(Debug, Error)]
enum MembershipError {
    #[error("not a member")]
    NotAMember,
    #[error(transparent)]
    Store(StoreError),
}
