//! [`SqlInviteStore`]: pending invites in `invites`, invite links in `invite_links`.
//!
//! One pending invite per user and group is the unique index on `(room_id, invitee_id)`. An
//! invite that expired is no longer pending: creating a new one for the same user and group
//! replaces it in the same transaction, so an expired invite never blocks inviting again.
//! Accepting an invite and redeeming a link are joins, atomic against racing joins; they live
//! in [`crate::joins`] beside `add_member`.

use async_trait::async_trait;
use chat_domain::{Invite, InviteId, InviteLink, RoomId, Timestamp, UserId};
use chat_ports::{InviteStore, JoinOutcome, LinkOutcome, StoreError};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use crate::connection::Handles;
use crate::entity::{invite_links, invites};
use crate::error::{is_foreign_key_violation, store_err, unavailable};
use crate::joins;

/// Invites and invite links on SQLite, PostgreSQL or MySQL.
#[derive(Debug, Clone)]
pub struct SqlInviteStore {
    db: Handles,
}

impl SqlInviteStore {
    pub(crate) fn new(db: Handles) -> Self {
        Self { db }
    }

    /// Drops an expired invite of the same user and group, then inserts `invite`, together.
    async fn replace_expired(&self, invite: &Invite) -> Result<(), DbErr> {
        let txn = self.db.write.begin().await?;
        invites::Entity::delete_many()
            .filter(invites::Column::RoomId.eq(invite.room_id.to_string()))
            .filter(invites::Column::InviteeId.eq(invite.invitee_id.to_string()))
            .filter(invites::Column::ExpiresAt.lte(invite.created_at.unix_millis()))
            .exec(&txn)
            .await?;
        invites::Entity::insert(invites::new_row(invite))
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await
    }
}

/// Maps a failed insert: a missing room or user is `NotFound`, a taken key a `Conflict`.
fn insert_err(err: DbErr, rule: &str) -> StoreError {
    if is_foreign_key_violation(&err) {
        StoreError::NotFound
    } else {
        store_err(err, rule)
    }
}

#[async_trait]
impl InviteStore for SqlInviteStore {
    /// Stores a pending invite; `Conflict` when the invitee already has one for that room.
    async fn create_invite(&self, invite: &Invite) -> Result<(), StoreError> {
        self.replace_expired(invite)
            .await
            .map_err(|err| insert_err(err, "invite already pending"))
    }

    /// The invite with this id.
    async fn find_invite(&self, id: InviteId) -> Result<Option<Invite>, StoreError> {
        invites::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await
            .map_err(unavailable)?
            .map(invites::Model::into_invite)
            .transpose()
    }

    /// The invites waiting for `invitee` that have not expired at `now`, oldest first.
    async fn list_invites_for(
        &self,
        invitee: UserId,
        now: Timestamp,
    ) -> Result<Vec<Invite>, StoreError> {
        invites::Entity::find()
            .filter(invites::Column::InviteeId.eq(invitee.to_string()))
            .filter(invites::Column::ExpiresAt.gt(now.unix_millis()))
            .order_by_asc(invites::Column::CreatedAt)
            .order_by_asc(invites::Column::Id)
            .all(&self.db.read)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(invites::Model::into_invite)
            .collect()
    }

    /// Deletes an invite (declined or cancelled); false when there was none.
    async fn delete_invite(&self, id: InviteId) -> Result<bool, StoreError> {
        let deleted = invites::Entity::delete_by_id(id.to_string())
            .exec(&self.db.write)
            .await
            .map_err(unavailable)?;
        Ok(deleted.rows_affected > 0)
    }

    /// Consumes the invite and adds its invitee as a member, unless the room holds
    /// `max_members`; then nothing changes. `NotFound` for no such invite.
    async fn accept_invite(
        &self,
        id: InviteId,
        at: Timestamp,
        max_members: u32,
    ) -> Result<JoinOutcome, StoreError> {
        joins::accept_invite(&self.db.write, id, at, max_members).await
    }

    /// Stores a new invite link.
    async fn create_link(&self, link: &InviteLink) -> Result<(), StoreError> {
        invite_links::Entity::insert(invite_links::new_row(link))
            .exec_without_returning(&self.db.write)
            .await
            .map(|_| ())
            .map_err(|err| insert_err(err, "invite link token taken"))
    }

    /// The link with this token, if it exists (revoked links do not).
    async fn find_link(&self, token: &str) -> Result<Option<InviteLink>, StoreError> {
        invite_links::Entity::find_by_id(token.to_owned())
            .one(&self.db.read)
            .await
            .map_err(unavailable)?
            .map(invite_links::Model::into_link)
            .transpose()
    }

    /// Revokes a link of `room`; false when there was none.
    async fn revoke_link(&self, room: RoomId, token: &str) -> Result<bool, StoreError> {
        let deleted = invite_links::Entity::delete_many()
            .filter(invite_links::Column::Token.eq(token))
            .filter(invite_links::Column::RoomId.eq(room.to_string()))
            .exec(&self.db.write)
            .await
            .map_err(unavailable)?;
        Ok(deleted.rows_affected > 0)
    }

    /// Adds `user` to the link's room if the link admits someone at `at` and the room has room.
    async fn redeem_link(
        &self,
        token: &str,
        user: UserId,
        at: Timestamp,
        max_members: u32,
    ) -> Result<LinkOutcome, StoreError> {
        joins::redeem_link(&self.db.write, token, user, at, max_members).await
    }
}
