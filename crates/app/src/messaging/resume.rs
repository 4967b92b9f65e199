//! The building blocks of catch-up after a reconnect.
//!
//! A client that reconnects names, per room, the last rev it saw. The WebSocket side plans the
//! replay with [`MessagingService::resume_plan`] (which rooms to replay, every current room's
//! latest rev, and the named rooms the user no longer belongs to), then pulls each room's
//! changes page by page with [`MessagingService::changes_page`], at a pace its outbound buffer
//! can take. The store is the source of truth, so a client away for any time catches up
//! exactly; each page is read in rev order and a message appears once, in its latest state.

use std::collections::HashMap;

use chat_domain::{Message, Rev, RoomId, UserId};
use chat_ports::StoreError;
use thiserror::Error;

use super::{MembershipError, MessagingService};

/// Largest page of changes one call returns.
pub const RESUME_MAX_LIMIT: u32 = 500;

/// What a reconnecting client is to receive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumePlan {
    /// The named rooms the user still belongs to, with the rev to replay after, in the order
    /// of their ids (stable, so the replay is deterministic).
    pub replay: Vec<(RoomId, Rev)>,
    /// Every room of the user now, with its latest rev (for the `resumed` frame).
    pub latest: HashMap<RoomId, Rev>,
    /// The named rooms the user no longer belongs to (left, removed or deleted).
    pub left: Vec<RoomId>,
}

/// One page of a room's changes, in rev order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangesPage {
    /// The changed messages, each in its latest state.
    pub messages: Vec<Message>,
    /// The rev to ask for the next page after: the last rev of this page, or the one asked
    /// after when the page is empty.
    pub next_after: Rev,
    /// Whether more changes follow.
    pub has_more: bool,
}

/// Why catch-up could not go on.
#[derive(Debug, Error)]
pub enum ResumeError {
    /// `limit` outside `1..=RESUME_MAX_LIMIT`.
    #[error("limit must be between 1 and {RESUME_MAX_LIMIT}")]
    InvalidLimit,
    /// No such room, or the user is not (or no longer) a member.
    #[error("room not found")]
    RoomNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

impl From<MembershipError> for ResumeError {
    fn from(error: MembershipError) -> Self {
        match error {
            MembershipError::NotAMember => Self::RoomNotFound,
            MembershipError::Store(error) => Self::Unavailable(error),
        }
    }
}

impl MessagingService {
    /// Splits the rooms a reconnecting `user` named (with the last rev seen in each) into
    /// those to replay and those they left, and reads every current room's latest rev.
    #[tracing::instrument(skip_all, fields(user_id = %user, rooms = named.len()))]
    pub async fn resume_plan(
        &self,
        user: UserId,
        named: &HashMap<RoomId, Rev>,
    ) -> Result<ResumePlan, ResumeError> {
        let rooms = self
            .ports
            .rooms
            .list_rooms_of_user(user)
            .await
            .map_err(ResumeError::Unavailable)?;
        let ids: Vec<RoomId> = rooms.iter().map(|r| r.room.id).collect();
        let revs = self
            .ports
            .messages
            .latest_revs(&ids)
            .await
            .map_err(ResumeError::Unavailable)?;
        let latest: HashMap<RoomId, Rev> = ids
            .iter()
            .map(|id| (*id, revs.get(id).copied().unwrap_or(Rev::ZERO)))
            .collect();
        let mut replay: Vec<(RoomId, Rev)> = named
            .iter()
            .filter(|(room, _)| latest.contains_key(room))
            .map(|(room, rev)| (*room, *rev))
            .collect();
        replay.sort();
        let mut left: Vec<RoomId> = named
            .keys()
            .filter(|room| !latest.contains_key(room))
            .copied()
            .collect();
        left.sort();
        Ok(ResumePlan {
            replay,
            latest,
            left,
        })
    }

    /// Up to `limit` changes of `room` after rev `after`, for a member. Membership is checked
    /// on every page, so a user removed during a long replay stops getting the room at once.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn changes_page(
        &self,
        user: UserId,
        room: RoomId,
        after: Rev,
        limit: u32,
    ) -> Result<ChangesPage, ResumeError> {
        if !(1..=RESUME_MAX_LIMIT).contains(&limit) {
            return Err(ResumeError::InvalidLimit);
        }
        self.require_membership(room, user).await?;
        // One more than asked tells whether more follow.
        let mut messages = self
            .ports
            .messages
            .changes_since(room, after, limit + 1)
            .await
            .map_err(ResumeError::Unavailable)?;
        let has_more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        let next_after = messages.last().map_or(after, |m| m.rev);
        Ok(ChangesPage {
            messages,
            next_after,
            has_more,
        })
    }
}
