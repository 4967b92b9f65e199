//! The `rooms` table: room metadata plus `last_seq`, the allocator of the room's message seqs,
//! and `last_rev`, the counter of the room's message changes.

use chat_domain::{Room, RoomKind};
use chat_ports::{NewPrivateRoom, StoreError};
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// A stored room.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rooms")]
pub struct Model {
    /// The room's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `private` or `group`.
    pub kind: String,
    /// Display name of a group.
    pub name: Option<String>,
    /// What a group is about.
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// [`chat_domain::PrivatePair::key`] of a private room, unique; NULL for groups.
    pub pair_key: Option<String>,
    /// Creation time, Unix milliseconds.
    pub created_at: i64,
    /// The highest seq given to a message of this room (0 before the first).
    pub last_seq: i64,
    /// The highest rev given to a change (creation, edit, deletion) of a message of this room.
    pub last_rev: i64,
}

/// How rooms relate to their memberships and messages.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The room's memberships.
    #[sea_orm(has_many = "super::memberships::Entity")]
    Memberships,
    /// The room's messages.
    #[sea_orm(has_many = "super::messages::Entity")]
    Messages,
}

impl Related<super::memberships::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Memberships.def()
    }
}

impl Related<super::messages::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Messages.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The room's metadata.
    pub(crate) fn into_room(self) -> Result<Room, StoreError> {
        Ok(Room {
            id: decode::parse(&self.id, "room id")?,
            kind: decode::parse_enum(&self.kind, "room kind", RoomKind::parse)?,
            name: self.name,
            description: self.description,
            created_at: decode::timestamp(self.created_at),
        })
    }
}

/// The row to insert for a new private room: no messages yet, keyed by its pair.
pub(crate) fn new_private_row(new: &NewPrivateRoom) -> ActiveModel {
    ActiveModel {
        id: Set(new.room.id.to_string()),
        kind: Set(new.room.kind.as_str().to_owned()),
        name: Set(new.room.name.clone()),
        description: Set(new.room.description.clone()),
        pair_key: Set(Some(new.pair.key())),
        created_at: Set(new.room.created_at.unix_millis()),
        last_seq: Set(0),
        last_rev: Set(0),
    }
}

/// The row to insert for a new group: no pair key, no messages yet.
pub(crate) fn new_group_row(room: &Room) -> ActiveModel {
    ActiveModel {
        id: Set(room.id.to_string()),
        kind: Set(room.kind.as_str().to_owned()),
        name: Set(room.name.clone()),
        description: Set(room.description.clone()),
        pair_key: Set(None),
        created_at: Set(room.created_at.unix_millis()),
        last_seq: Set(0),
        last_rev: Set(0),
    }
}
