//! The `blocks` table: who blocked whom, keyed by the pair.

use chat_domain::{Timestamp, UserId};
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

/// A stored block.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blocks")]
pub struct Model {
    /// Who blocks.
    #[sea_orm(primary_key, auto_increment = false)]
    pub blocker_id: String,
    /// Who is blocked.
    #[sea_orm(primary_key, auto_increment = false)]
    pub blocked_id: String,
    /// Since when, Unix milliseconds.
    pub created_at: i64,
}

/// Blocks refer to users, but are never joined from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The row to insert for `blocker` blocking `blocked` at `at`.
pub(crate) fn new_row(blocker: UserId, blocked: UserId, at: Timestamp) -> ActiveModel {
    ActiveModel {
        blocker_id: Set(blocker.to_string()),
        blocked_id: Set(blocked.to_string()),
        created_at: Set(at.unix_millis()),
    }
}
