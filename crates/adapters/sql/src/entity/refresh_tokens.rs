//! The `refresh_tokens` table: the hash of every refresh token a session issued.
//!
//! Spent tokens are kept (with `spent_at`) rather than deleted, because presenting one again is
//! how a stolen token is detected; pruning removes them once they are old.

use chat_domain::{SessionId, Timestamp};
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

/// A stored refresh token hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    /// The one-way hash of the token.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    /// The session that issued it.
    pub session_id: String,
    /// Issue time, Unix milliseconds.
    pub created_at: i64,
    /// When it was spent by a rotation; NULL while it is the session's current token.
    pub spent_at: Option<i64>,
}

/// A token belongs to a session.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The issuing session.
    #[sea_orm(
        belongs_to = "super::sessions::Entity",
        from = "Column::SessionId",
        to = "super::sessions::Column::Id",
        on_delete = "Cascade"
    )]
    Session,
}

impl Related<super::sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// The row to insert for a new, unspent token of `session`.
pub(crate) fn new_row(token_hash: &str, session: SessionId, created_at: Timestamp) -> ActiveModel {
    ActiveModel {
        token_hash: Set(token_hash.to_owned()),
        session_id: Set(session.to_string()),
        created_at: Set(created_at.unix_millis()),
        spent_at: Set(None),
    }
}
