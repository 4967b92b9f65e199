//! The `rev_marks` table: the room's `last_seq` at each rev that changed a message without
//! creating one, which is how catch-up finds where the creations after a rev begin (see the
//! `m20261128_000005_rev_marks` migration and [`crate::changes`]).

use sea_orm::entity::prelude::*;

/// One mark.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rev_marks")]
pub struct Model {
    /// The room.
    #[sea_orm(primary_key, auto_increment = false)]
    pub room_id: String,
    /// A rev of the room that an edit or a deletion took.
    #[sea_orm(primary_key, auto_increment = false)]
    pub rev: i64,
    /// The room's `last_seq` at that rev.
    pub last_seq: i64,
}

/// A mark belongs to a room.
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

impl ActiveModelBehavior for ActiveModel {}
