//! The `invite_links` table: links that let any signed-in user join a group, with their use
//! counts. A revoked link is deleted.

use chat_domain::InviteLink;
use chat_ports::StoreError;
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// A stored invite link.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invite_links")]
pub struct Model {
    /// The secret token.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
    /// The group.
    pub room_id: String,
    /// Who made it.
    pub creator_id: String,
    /// How many joins it allows; NULL for no limit.
    pub max_uses: Option<i32>,
    /// How many joins it gave.
    pub uses: i32,
    /// When it was made, Unix milliseconds.
    pub created_at: i64,
    /// When it stops admitting, Unix milliseconds; NULL for never.
    pub expires_at: Option<i64>,
}

/// Links refer to rooms and users, but are never joined from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The link.
    pub(crate) fn into_link(self) -> Result<InviteLink, StoreError> {
        Ok(InviteLink {
            room_id: decode::parse(&self.room_id, "invite link room id")?,
            creator_id: decode::parse(&self.creator_id, "invite link creator id")?,
            max_uses: self
                .max_uses
                .map(|max| decode::u32_from_db(max, "invite link max_uses"))
                .transpose()?,
            uses: decode::u32_from_db(self.uses, "invite link uses")?,
            created_at: decode::timestamp(self.created_at),
            expires_at: decode::timestamp_opt(self.expires_at),
            token: self.token,
        })
    }
}

/// The row to insert for `link`.
pub(crate) fn new_row(link: &InviteLink) -> ActiveModel {
    ActiveModel {
        token: Set(link.token.clone()),
        room_id: Set(link.room_id.to_string()),
        creator_id: Set(link.creator_id.to_string()),
        max_uses: Set(link.max_uses.map(decode::u32_to_db)),
        uses: Set(decode::u32_to_db(link.uses)),
        created_at: Set(link.created_at.unix_millis()),
        expires_at: Set(link.expires_at.map(|at| at.unix_millis())),
    }
}
