//! Invite links: a secret token that lets any signed-in user join a group, optionally limited
//! in uses and in time. Owners and admins make and revoke them.
//!
//! The token comes from the token issuer's refresh-token generator: 256 bits from the
//! operating system's random source, URL-safe, exactly what an unguessable link needs (ids are
//! time-sortable and partly predictable, so they will not do).

use std::time::Duration;

use chat_domain::{InviteLink, RoomId, UserId};
use chat_ports::{JoinOutcome, LinkOutcome, RoomView, StoreError};
use thiserror::Error;

use super::{GroupService, MODERATORS};
use crate::room_limit::has_room_for;

/// A link as its creator asks for it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewLink {
    /// How many joins it allows; `None` for no limit.
    pub max_uses: Option<u32>,
    /// How long it works; `None` for ever.
    pub expires_in: Option<Duration>,
}

/// Why a link could not be made.
#[derive(Debug, Error)]
pub enum CreateLinkError {
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// Private rooms take no invites.
    #[error("not a group")]
    NotAGroup,
    /// Only the owner and admins make links.
    #[error("only the owner and admins may create invite links")]
    Forbidden,
    /// `max_uses` or `expires_in` is zero.
    #[error("max_uses and expires_in must be positive")]
    InvalidLink,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why joining by a link failed.
#[derive(Debug, Error)]
pub enum JoinByLinkError {
    /// No such link, or it was revoked, expired or used up.
    #[error("invite link unavailable")]
    LinkUnavailable,
    /// The group has its maximum number of members.
    #[error("room full")]
    RoomFull,
    /// The user is in as many rooms as a user may be; the link counted no use.
    #[error("you are in the maximum of {max} rooms")]
    RoomLimitReached {
        /// The limit in force.
        max: u32,
    },
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why a link could not be revoked.
#[derive(Debug, Error)]
pub enum RevokeLinkError {
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// Private rooms have no links.
    #[error("not a group")]
    NotAGroup,
    /// Only the owner and admins revoke links.
    #[error("only the owner and admins may revoke invite links")]
    Forbidden,
    /// The group has no such link.
    #[error("invite link not found")]
    LinkNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

from_access!(CreateLinkError, RevokeLinkError);

impl GroupService {
    /// `user` (owner or admin of `room`) makes an invite link.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn create_link(
        &self,
        user: UserId,
        room: RoomId,
        link: NewLink,
    ) -> Result<InviteLink, CreateLinkError> {
        if link.max_uses == Some(0) || link.expires_in.is_some_and(|d| d.is_zero()) {
            return Err(CreateLinkError::InvalidLink);
        }
        self.require_role(room, user, MODERATORS).await?;
        let now = self.ports.clock.now();
        let expires_at = link
            .expires_in
            .map(|after| now.plus_millis(i64::try_from(after.as_millis()).unwrap_or(i64::MAX)));
        let link = InviteLink {
            token: self.ports.tokens.new_refresh_token(),
            room_id: room,
            creator_id: user,
            max_uses: link.max_uses,
            uses: 0,
            created_at: now,
            expires_at,
        };
        self.ports
            .invites
            .create_link(&link)
            .await
            .map_err(CreateLinkError::Unavailable)?;
        Ok(link)
    }

    /// `user` joins the group of link `token`; returns the group as they now see it. Joining
    /// a group one belongs to already uses nothing up and answers the same.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn join_by_link(
        &self,
        user: UserId,
        token: &str,
    ) -> Result<RoomView, JoinByLinkError> {
        let unavailable = JoinByLinkError::Unavailable;
        let now = self.ports.clock.now();
        let max = self.config.max_rooms_per_user;
        if !has_room_for(self.ports.rooms.as_ref(), user, max)
            .await
            .map_err(unavailable)?
        {
            // At the limit only a member of the link's group gets through, and gains nothing;
            // a link that admits nobody says so first, as it would below the limit.
            let room = self
                .ports
                .invites
                .find_link(token)
                .await
                .map_err(unavailable)?
                .filter(|link| link.admits(now))
                .ok_or(JoinByLinkError::LinkUnavailable)?
                .room_id;
            let membership = self
                .ports
                .rooms
                .find_membership(room, user)
                .await
                .map_err(unavailable)?;
            if membership.is_none() {
                return Err(JoinByLinkError::RoomLimitReached { max });
            }
        }
        let outcome = self
            .ports
            .invites
            .redeem_link(token, user, now, self.config.max_group_members)
            .await
            .map_err(unavailable)?;
        let (room, outcome) = match outcome {
            LinkOutcome::Unavailable => return Err(JoinByLinkError::LinkUnavailable),
            LinkOutcome::Joined(_, JoinOutcome::RoomFull) => return Err(JoinByLinkError::RoomFull),
            LinkOutcome::Joined(room, outcome) => (room, outcome),
        };
        let room = self
            .ports
            .rooms
            .find_room(room)
            .await
            .map_err(unavailable)?
            .ok_or(JoinByLinkError::LinkUnavailable)?;
        self.announce_join(user, room, outcome)
            .await
            .map_err(unavailable)
    }

    /// `user` (owner or admin of `room`) revokes link `token` of it.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn revoke_link(
        &self,
        user: UserId,
        room: RoomId,
        token: &str,
    ) -> Result<(), RevokeLinkError> {
        self.require_role(room, user, MODERATORS).await?;
        match self
            .ports
            .invites
            .revoke_link(room, token)
            .await
            .map_err(RevokeLinkError::Unavailable)?
        {
            true => Ok(()),
            false => Err(RevokeLinkError::LinkNotFound),
        }
    }
}
