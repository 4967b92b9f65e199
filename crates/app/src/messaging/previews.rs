//! Reply previews: the short form of a message that another one answers.
//!
//! A reply carries only the id of the message it answers; clients show a preview of that one
//! next to it. The previews of a whole page are fetched with one `find_many` per room instead
//! of one lookup per reply.

use std::collections::{BTreeSet, HashMap};

use chat_domain::{Message, MessageId, RoomId};
use chat_ports::StoreError;
use thiserror::Error;

use super::MessagingService;

pub use chat_domain::{ReplyPreview, REPLY_PREVIEW_CHARS};

/// Why previews could not be built.
#[derive(Debug, Error)]
pub enum ReplyPreviewError {
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

impl MessagingService {
    /// The previews of the messages that `messages` answer, by the answered message's id.
    ///
    /// Callers have already shown the caller may read these messages (they come from a page of
    /// a room the caller belongs to), and a reply always answers a message of its own room, so
    /// no further check is needed.
    pub async fn reply_previews(
        &self,
        messages: &[Message],
    ) -> Result<HashMap<MessageId, ReplyPreview>, ReplyPreviewError> {
        let mut wanted: HashMap<RoomId, BTreeSet<MessageId>> = HashMap::new();
        for message in messages {
            if let Some(answered) = message.reply_to {
                wanted.entry(message.room_id).or_default().insert(answered);
            }
        }
        let mut previews = HashMap::new();
        for (room, ids) in wanted {
            let ids: Vec<MessageId> = ids.into_iter().collect();
            let found = self
                .ports
                .messages
                .find_many(room, &ids)
                .await
                .map_err(ReplyPreviewError::Unavailable)?;
            previews.extend(found.iter().map(|m| (m.id, ReplyPreview::of(m))));
        }
        Ok(previews)
    }
}
