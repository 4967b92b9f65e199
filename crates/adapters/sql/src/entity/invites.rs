//! The `invites` table: pending invitations of users into groups.

use chat_domain::Invite;
use chat_ports::StoreError;
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// A stored invite.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invites")]
pub struct Model {
    /// The invite's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The group; `(room_id, invitee_id)` is unique.
    pub room_id: String,
    /// Who invited.
    pub inviter_id: String,
    /// Who is invited.
    pub invitee_id: String,
    /// When, Unix milliseconds.
    pub created_at: i64,
    /// When it stops being acceptable, Unix milliseconds.
    pub expires_at: i64,
}

/// Invites refer to rooms and users, but are never joined from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The invite.
    pub(crate) fn into_invite(self) -> Result<Invite, StoreError> {
        Ok(Invite {
            id: decode::parse(&self.id, "invite id")?,
            room_id: decode::parse(&self.room_id, "invite room id")?,
            inviter_id: decode::parse(&self.inviter_id, "inviter id")?,
            invitee_id: decode::parse(&self.invitee_id, "invitee id")?,
            created_at: decode::timestamp(self.created_at),
            expires_at: decode::timestamp(self.expires_at),
        })
    }
}

/// The row to insert for `invite`.
pub(crate) fn new_row(invite: &Invite) -> ActiveModel {
    ActiveModel {
        id: Set(invite.id.to_string()),
        room_id: Set(invite.room_id.to_string()),
        inviter_id: Set(invite.inviter_id.to_string()),
        invitee_id: Set(invite.invitee_id.to_string()),
        created_at: Set(invite.created_at.unix_millis()),
        expires_at: Set(invite.expires_at.unix_millis()),
    }
}
