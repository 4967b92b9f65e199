//! The `messages` table: every stored message, positioned in its room by `seq` and stamped with
//! `rev`, the room's change counter at its last change.

use chat_domain::{ClientMsgId, Message, NewMessage, Rev, Seq};
use chat_ports::StoreError;
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// A stored message.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    /// The message's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Its room.
    pub room_id: String,
    /// Its position in the room; `(room_id, seq)` is unique.
    pub seq: i64,
    /// Its author.
    pub sender_id: String,
    /// Its text; NULL once deleted.
    #[sea_orm(column_type = "Text", nullable)]
    pub body: Option<String>,
    /// The sender's idempotency key; `(room_id, sender_id, client_msg_id)` is unique.
    pub client_msg_id: Option<String>,
    /// The message it answers.
    pub reply_to: Option<String>,
    /// Acceptance time, Unix milliseconds.
    pub created_at: i64,
    /// Last edit, Unix milliseconds.
    pub edited_at: Option<i64>,
    /// Whether it was deleted.
    pub deleted: bool,
    /// The room's rev at the message's last change; unique in its room among changed messages
    /// (`rev > created_rev`; see `crate::changes`).
    pub rev: i64,
    /// The room's rev at the message's creation.
    pub created_rev: i64,
}

/// A message belongs to a room.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its room.
    #[sea_orm(
        belongs_to = "super::rooms::Entity",
        from = "Column::RoomId",
        to = "super::rooms::Column::Id"
    )]
    Room,
}

impl Related<super::rooms::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Room.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The stored message.
    pub(crate) fn into_message(self) -> Result<Message, StoreError> {
        let client_msg_id = match self.client_msg_id {
            Some(raw) => Some(decode::validated(
                ClientMsgId::parse(&raw),
                "client_msg_id",
                &raw,
            )?),
            None => None,
        };
        Ok(Message {
            id: decode::parse(&self.id, "message id")?,
            room_id: decode::parse(&self.room_id, "message room id")?,
            seq: decode::seq(self.seq, "message seq")?,
            rev: decode::rev(self.rev, "message rev")?,
            created_rev: decode::rev(self.created_rev, "message created_rev")?,
            sender_id: decode::parse(&self.sender_id, "message sender id")?,
            body: self.body,
            client_msg_id,
            reply_to: decode::parse_opt(self.reply_to.as_deref(), "reply_to")?,
            created_at: decode::timestamp(self.created_at),
            edited_at: decode::timestamp_opt(self.edited_at),
            deleted: self.deleted,
        })
    }
}

/// The row to insert for `new` once it holds `seq`, created at `rev`.
pub(crate) fn new_row(new: &NewMessage, seq: Seq, rev: Rev) -> ActiveModel {
    ActiveModel {
        id: Set(new.id.to_string()),
        room_id: Set(new.room_id.to_string()),
        seq: Set(decode::seq_to_db(seq)),
        sender_id: Set(new.sender_id.to_string()),
        body: Set(Some(new.body.as_str().to_owned())),
        client_msg_id: Set(new.client_msg_id.as_ref().map(|id| id.as_str().to_owned())),
        reply_to: Set(new.reply_to.map(|id| id.to_string())),
        created_at: Set(new.created_at.unix_millis()),
        edited_at: Set(None),
        deleted: Set(false),
        rev: Set(decode::rev_to_db(rev)),
        created_rev: Set(decode::rev_to_db(rev)),
    }
}
