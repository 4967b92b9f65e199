//! The `sessions` table: one row per login.

use chat_domain::DeviceName;
use chat_ports::{Session, StoreError};
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// A stored login.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// The session's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Who logged in.
    pub user_id: String,
    /// The device it came from, if known.
    pub device: Option<String>,
    /// Login time, Unix milliseconds.
    pub created_at: i64,
    /// Last refresh, Unix milliseconds.
    pub last_used_at: i64,
    /// Revocation time, if revoked.
    pub revoked_at: Option<i64>,
}

/// A session issued refresh tokens.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its refresh tokens, current and spent.
    #[sea_orm(has_many = "super::refresh_tokens::Entity")]
    RefreshTokens,
}

impl Related<super::refresh_tokens::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RefreshTokens.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The session.
    pub(crate) fn into_session(self) -> Result<Session, StoreError> {
        Ok(Session {
            id: decode::parse(&self.id, "session id")?,
            user_id: decode::parse(&self.user_id, "session user id")?,
            device: self
                .device
                .map(|raw| decode::validated(DeviceName::parse(&raw), "session device", &raw))
                .transpose()?,
            created_at: decode::timestamp(self.created_at),
            last_used_at: decode::timestamp(self.last_used_at),
            revoked_at: decode::timestamp_opt(self.revoked_at),
        })
    }
}

/// The row to insert for a new session.
pub(crate) fn new_row(session: &Session) -> ActiveModel {
    ActiveModel {
        id: Set(session.id.to_string()),
        user_id: Set(session.user_id.to_string()),
        device: Set(session.device.as_ref().map(|d| d.as_str().to_owned())),
        created_at: Set(session.created_at.unix_millis()),
        last_used_at: Set(session.last_used_at.unix_millis()),
        revoked_at: Set(session.revoked_at.map(|at| at.unix_millis())),
    }
}
