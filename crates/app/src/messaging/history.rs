//! Paging through a room's history.

use chat_domain::{Message, RoomId, UserId};
use chat_ports::{HistoryCursor, StoreError};
use thiserror::Error;

use super::{MembershipError, MessagingService};

/// Page size when the client names none.
pub const HISTORY_DEFAULT_LIMIT: u32 = 50;
/// Largest page a client may ask for.
pub const HISTORY_MAX_LIMIT: u32 = 100;

/// One page of history, oldest first.
#[derive(Debug, Clone)]
pub struct HistoryPage {
    /// The messages.
    pub messages: Vec<Message>,
    /// Whether more messages exist in the direction paged.
    pub has_more: bool,
}

/// Why history could not be read.
#[derive(Debug, Error)]
pub enum HistoryError {
    /// `limit` outside `1..=100`.
    #[error("limit must be between 1 and {HISTORY_MAX_LIMIT}")]
    InvalidLimit,
    /// No such room, or the user is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

impl From<MembershipError> for HistoryError {
    fn from(error: MembershipError) -> Self {
        match error {
            MembershipError::NotAMember => Self::RoomNotFound,
            MembershipError::Store(error) => Self::Unavailable(error),
        }
    }
}

impl MessagingService {
    /// Up to `limit` messages of `room` at `cursor`, oldest first, for a member.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn history(
        &self,
        user: UserId,
        room: RoomId,
        cursor: HistoryCursor,
        limit: u32,
    ) -> Result<HistoryPage, HistoryError> {
        if !(1..=HISTORY_MAX_LIMIT).contains(&limit) {
            return Err(HistoryError::InvalidLimit);
        }
        self.require_membership(room, user).await?;
        // One more than asked tells whether the direction paged has more.
        let mut messages = self
            .ports
            .messages
            .page(room, cursor, limit + 1)
            .await
            .map_err(HistoryError::Unavailable)?;
        let has_more = messages.len() > limit as usize;
        if has_more {
            match cursor {
                // Paging back: the extra one is the oldest.
                HistoryCursor::Latest | HistoryCursor::Before(_) => {
                    messages.remove(0);
                }
                // Paging forward: the extra one is the newest.
                HistoryCursor::After(_) => {
                    messages.pop();
                }
            }
        }
        Ok(HistoryPage { messages, has_more })
    }
}
