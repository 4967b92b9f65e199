//! The `memberships` table: who belongs to which room, with which role, how far they read and
//! how far their devices confirmed receiving.

use chat_domain::{Membership, Role, RoomId, Seq, Timestamp, UserId};
use chat_ports::StoreError;
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// A stored membership.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    /// The room.
    #[sea_orm(primary_key, auto_increment = false)]
    pub room_id: String,
    /// The member.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// When the membership began, Unix milliseconds.
    pub joined_at: i64,
    /// The highest seq the member has read.
    pub read_seq: i64,
    /// The highest seq the member's devices confirmed receiving.
    pub delivered_seq: i64,
}

/// A membership joins one user to one room.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The room.
    #[sea_orm(
        belongs_to = "super::rooms::Entity",
        from = "Column::RoomId",
        to = "super::rooms::Column::Id"
    )]
    Room,
    /// The member.
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id"
    )]
    User,
}

impl Related<super::rooms::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Room.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The membership.
    pub(crate) fn into_membership(self) -> Result<Membership, StoreError> {
        Ok(Membership {
            room_id: decode::parse(&self.room_id, "membership room id")?,
            user_id: decode::parse(&self.user_id, "membership user id")?,
            role: decode::parse_enum(&self.role, "role", Role::parse)?,
            joined_at: decode::timestamp(self.joined_at),
            read_seq: decode::seq(self.read_seq, "read seq")?,
            delivered_seq: decode::seq(self.delivered_seq, "delivered seq")?,
        })
    }
}

/// The row to insert for a new membership, with nothing read or delivered yet.
pub(crate) fn new_row(room: RoomId, user: UserId, role: Role, joined_at: Timestamp) -> ActiveModel {
    joined_row(room, user, role, joined_at, Seq::ZERO)
}

/// The row to insert for a membership that begins with everything up to `seq` read and
/// delivered (a member joining a group with history starts with no unread messages).
pub(crate) fn joined_row(
    room: RoomId,
    user: UserId,
    role: Role,
    joined_at: Timestamp,
    seq: Seq,
) -> ActiveModel {
    ActiveModel {
        room_id: Set(room.to_string()),
        user_id: Set(user.to_string()),
        role: Set(role.as_str().to_owned()),
        joined_at: Set(joined_at.unix_millis()),
        read_seq: Set(decode::seq_to_db(seq)),
        delivered_seq: Set(decode::seq_to_db(seq)),
    }
}
