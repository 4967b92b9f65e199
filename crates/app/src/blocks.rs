//! Blocking users.
//!
//! A block is one-way: when Alice blocks Bob, Bob can no longer message Alice privately (nor
//! start a private room with her) and cannot invite her into a group. Alice can still write to
//! Bob; she chose not to hear from him, not to go silent. Blocks are enforced where those
//! actions happen (the send and invite use cases); this service only records them.

use chat_domain::UserId;
use chat_ports::{BusEvent, StoreError};
use thiserror::Error;

use crate::Ports;

/// Why a block or unblock was refused.
#[derive(Debug, Error)]
pub enum BlockError {
    /// A user cannot block themselves.
    #[error("you cannot block yourself")]
    SelfBlock,
    /// No such user.
    #[error("user not found")]
    UserNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Blocking and unblocking.
#[derive(Debug)]
pub struct BlockService {
    ports: Ports,
}

impl BlockService {
    /// A service over `ports`.
    pub fn new(ports: Ports) -> Self {
        Self { ports }
    }

    /// `blocker` blocks `blocked`; blocking twice is one block.
    #[tracing::instrument(skip_all, fields(blocker = %blocker, blocked = %blocked))]
    pub async fn block(&self, blocker: UserId, blocked: UserId) -> Result<(), BlockError> {
        self.check(blocker, blocked).await?;
        self.ports
            .blocks
            .block(blocker, blocked, self.ports.clock.now())
            .await
            .map_err(BlockError::Unavailable)?;
        // Other nodes forget where `blocked` may send; if the bus is down, their memory of it
        // expires on its own (`access_cache::DEFAULT_TTL`).
        let event = BusEvent::UserBlocked { blocker, blocked };
        if let Err(error) = self.ports.bus.publish(&event).await {
            tracing::warn!(%error, "could not announce a block to the other nodes");
        }
        Ok(())
    }

    /// `blocker` lifts their block of `blocked`; lifting none is fine.
    #[tracing::instrument(skip_all, fields(blocker = %blocker, blocked = %blocked))]
    pub async fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<(), BlockError> {
        self.check(blocker, blocked).await?;
        self.ports
            .blocks
            .unblock(blocker, blocked)
            .await
            .map_err(BlockError::Unavailable)
    }

    /// Whether `blocker` has blocked `blocked`.
    #[tracing::instrument(skip_all, fields(blocker = %blocker, blocked = %blocked))]
    pub async fn is_blocked(&self, blocker: UserId, blocked: UserId) -> Result<bool, BlockError> {
        self.ports
            .blocks
            .is_blocked(blocker, blocked)
            .await
            .map_err(BlockError::Unavailable)
    }

    async fn check(&self, blocker: UserId, blocked: UserId) -> Result<(), BlockError> {
        if blocker == blocked {
            return Err(BlockError::SelfBlock);
        }
        match self.ports.users.find_by_id(blocked).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(BlockError::UserNotFound),
            Err(error) => Err(BlockError::Unavailable(error)),
        }
    }
}
