//! The `seq_gaps` table: seqs a message store took from a room's counter but could not fill.

use chat_domain::{RoomId, Seq};
use chat_ports::StoreError;
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// A recorded gap.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seq_gaps")]
pub struct Model {
    /// The room whose seq holds no message.
    #[sea_orm(primary_key, auto_increment = false)]
    pub room_id: String,
    /// The seq.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// When the gap was recorded, Unix milliseconds.
    pub recorded_at: i64,
}

/// Gaps stand alone: no foreign key (see the migration).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The gap as the port names it.
    pub(crate) fn into_gap(self) -> Result<(RoomId, Seq), StoreError> {
        Ok((
            decode::parse(&self.room_id, "gap room id")?,
            decode::seq(self.seq, "gap seq")?,
        ))
    }
}

/// The row that records `seq` of `room` as a gap at `recorded_at` (Unix milliseconds).
pub(crate) fn new_row(room: RoomId, seq: Seq, recorded_at: i64) -> ActiveModel {
    ActiveModel {
        room_id: Set(room.to_string()),
        seq: Set(decode::seq_to_db(seq)),
        recorded_at: Set(recorded_at),
    }
}
