//! The invites port: invitations into groups, invite links, and blocks between users.

use async_trait::async_trait;
use chat_domain::{Invite, InviteId, InviteLink, RoomId, Timestamp, UserId};

use crate::{JoinOutcome, StoreError};

/// What redeeming an invite link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    /// The user joined the link's room (the link counted one use), or was a member already.
    Joined(RoomId, JoinOutcome),
    /// No such link, revoked, expired or used up.
    Unavailable,
}

/// Durable store of pending invites and invite links.
///
/// Implementations MUST make `accept` and `redeem_link` atomic: a membership begins and the
/// invite is consumed (or the link's use counted) together, and racing redemptions of a link
/// never exceed its `max_uses` nor the room's member limit.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InviteStore: Send + Sync {
    /// Stores a pending invite; `Conflict` when the invitee already has one for that room.
    async fn create_invite(&self, invite: &Invite) -> Result<(), StoreError>;
    /// The invite with this id.
    async fn find_invite(&self, id: InviteId) -> Result<Option<Invite>, StoreError>;
    /// The invites waiting for `invitee` that have not expired at `now`, oldest first.
    async fn list_invites_for(
        &self,
        invitee: UserId,
        now: Timestamp,
    ) -> Result<Vec<Invite>, StoreError>;
    /// Deletes an invite (declined or cancelled); false when there was none.
    async fn delete_invite(&self, id: InviteId) -> Result<bool, StoreError>;
    /// Consumes the invite and adds its invitee as a member, unless the room holds
    /// `max_members`; then nothing changes. `NotFound` for no such invite.
    async fn accept_invite(
        &self,
        id: InviteId,
        at: Timestamp,
        max_members: u32,
    ) -> Result<JoinOutcome, StoreError>;
    /// Stores a new invite link.
    async fn create_link(&self, link: &InviteLink) -> Result<(), StoreError>;
    /// The link with this token, if it exists (revoked links do not).
    async fn find_link(&self, token: &str) -> Result<Option<InviteLink>, StoreError>;
    /// Revokes a link of `room`; false when there was none.
    async fn revoke_link(&self, room: RoomId, token: &str) -> Result<bool, StoreError>;
    /// Adds `user` to the link's room if the link admits someone at `at` and the room has room.
    async fn redeem_link(
        &self,
        token: &str,
        user: UserId,
        at: Timestamp,
        max_members: u32,
    ) -> Result<LinkOutcome, StoreError>;
}

/// Durable store of blocks between users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BlockStore: Send + Sync {
    /// `blocker` blocks `blocked`; blocking twice is one block.
    async fn block(
        &self,
        blocker: UserId,
        blocked: UserId,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Lifts a block; lifting none is fine.
    async fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<(), StoreError>;
    /// Whether `blocker` has blocked `blocked`.
    async fn is_blocked(&self, blocker: UserId, blocked: UserId) -> Result<bool, StoreError>;
}
