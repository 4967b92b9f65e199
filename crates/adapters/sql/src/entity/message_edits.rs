//! The `message_edits` table: the earlier bodies of edited messages, one row per edit.
//!
//! A row is keyed by `(message_id, rev)`, the rev the edit took, which is unique in the room and
//! so orders the history without relying on clock resolution.

use chat_domain::{MessageEdit, MessageId, Rev, Timestamp};
use chat_ports::StoreError;
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// One earlier body of a message.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_edits")]
pub struct Model {
    /// The edited message.
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_id: String,
    /// The rev the edit took.
    #[sea_orm(primary_key, auto_increment = false)]
    pub rev: i64,
    /// The body the edit replaced.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// When it was replaced, Unix milliseconds.
    pub replaced_at: i64,
}

/// An edit belongs to its message.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The edited message.
    #[sea_orm(
        belongs_to = "super::messages::Entity",
        from = "Column::MessageId",
        to = "super::messages::Column::Id"
    )]
    Message,
}

impl Related<super::messages::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Message.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The earlier body as the port names it.
    pub(crate) fn into_edit(self) -> Result<MessageEdit, StoreError> {
        Ok(MessageEdit {
            message_id: decode::parse(&self.message_id, "edited message id")?,
            body: self.body,
            replaced_at: decode::timestamp(self.replaced_at),
        })
    }
}

/// The row that keeps `body`, replaced at `replaced_at` by the edit that took `rev`.
pub(crate) fn new_row(
    message: MessageId,
    rev: Rev,
    body: String,
    replaced_at: Timestamp,
) -> ActiveModel {
    ActiveModel {
        message_id: Set(message.to_string()),
        rev: Set(decode::rev_to_db(rev)),
        body: Set(body),
        replaced_at: Set(replaced_at.unix_millis()),
    }
}
