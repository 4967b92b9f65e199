//! Groups and the full messaging feature set: group descriptions, per-room change counters
//! (`rev`), delivery markers, edit history, invites, invite links and blocks.
//!
//! Decisions that hold on all three backends:
//! - New columns are added one `ALTER TABLE` at a time (SQLite takes one change per statement)
//!   and every mandatory one has a default, so existing rows are valid the moment it exists.
//! - Existing data is backfilled so the new counters continue the old ones: a room's `last_rev`
//!   starts at its `last_seq`, and every existing message gets `rev = created_rev = seq` (before
//!   this release a message changed only by being created, in seq order). The unique index on
//!   `(room_id, rev)` is created after the backfill, and is what `changes_since` reads along.
//! - An edit's earlier body is keyed by `(message_id, rev)`: the rev the edit took is unique in
//!   its room, so two edits within one millisecond never collide, and it orders the history.
//! - Invites are unique per `(room_id, invitee_id)` (one pending invite per user and group) and
//!   listed per invitee through their own index; invite links are keyed by their token.
//! - Foreign keys guard every new reference to rooms, users and messages; deleting a group
//!   deletes its dependents explicitly in one transaction (see `chat-sql`), not by cascade, so
//!   the three backends behave alike.

use sea_orm_migration::{prelude::*, schema::*};

use crate::tables::{
    Blocks, InviteLinks, Invites, Memberships, MessageEdits, Messages, Rooms, Users,
};

/// Length of an id column: a hyphenated UUID (as in the initial schema).
const ID_LEN: u32 = 36;

/// Length of an invite link token.
const TOKEN_LEN: u32 = 64;

/// Adds the new columns, backfills them, and creates the new tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(manager).await?;
        backfill(manager).await?;
        let rev_index = Index::create()
            .name("ux_messages_room_rev")
            .table(Messages::Table)
            .col(Messages::RoomId)
            .col(Messages::Rev)
            .unique()
            .to_owned();
        manager.create_index(rev_index).await?;
        create_message_edits(manager).await?;
        create_invites(manager).await?;
        create_invite_links(manager).await?;
        create_blocks(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Blocks::Table.into_iden(),
            InviteLinks::Table.into_iden(),
            Invites::Table.into_iden(),
            MessageEdits::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        let rev_index = Index::drop()
            .name("ux_messages_room_rev")
            .table(Messages::Table)
            .to_owned();
        manager.drop_index(rev_index).await?;
        for (table, column) in new_columns() {
            let drop = Table::alter().table(table).drop_column(column).to_owned();
            manager.alter_table(drop).await?;
        }
        Ok(())
    }
}

/// The columns this migration adds to existing tables, by table name and column name.
fn new_columns() -> [(DynIden, DynIden); 5] {
    [
        (Rooms::Table.into_iden(), Rooms::Description.into_iden()),
        (Rooms::Table.into_iden(), Rooms::LastRev.into_iden()),
        (
            Memberships::Table.into_iden(),
            Memberships::DeliveredSeq.into_iden(),
        ),
        (Messages::Table.into_iden(), Messages::Rev.into_iden()),
        (
            Messages::Table.into_iden(),
            Messages::CreatedRev.into_iden(),
        ),
    ]
}

/// One `ALTER TABLE ... ADD COLUMN` per new column.
async fn add_columns(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let columns: [(DynIden, ColumnDef); 5] = [
        (
            Rooms::Table.into_iden(),
            text_null(Rooms::Description).take(),
        ),
        (
            Rooms::Table.into_iden(),
            big_integer(Rooms::LastRev).default(0).take(),
        ),
        (
            Memberships::Table.into_iden(),
            big_integer(Memberships::DeliveredSeq).default(0).take(),
        ),
        (
            Messages::Table.into_iden(),
            big_integer(Messages::Rev).default(0).take(),
        ),
        (
            Messages::Table.into_iden(),
            big_integer(Messages::CreatedRev).default(0).take(),
        ),
    ];
    for (table, mut column) in columns {
        let alter = Table::alter()
            .table(table)
            .add_column(&mut column)
            .to_owned();
        manager.alter_table(alter).await?;
    }
    Ok(())
}

/// Continues the old counters: `last_rev = last_seq`, and `rev = created_rev = seq`.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let rooms = Query::update()
        .table(Rooms::Table)
        .value(Rooms::LastRev, Expr::col(Rooms::LastSeq))
        .to_owned();
    manager.exec_stmt(rooms).await?;
    let messages = Query::update()
        .table(Messages::Table)
        .value(Messages::Rev, Expr::col(Messages::Seq))
        .value(Messages::CreatedRev, Expr::col(Messages::Seq))
        .to_owned();
    manager.exec_stmt(messages).await
}

/// A foreign key from `from` to the primary key `to_column` of `to`.
fn reference(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden),
    to: (impl IntoIden + 'static, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

async fn create_message_edits(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(MessageEdits::Table)
        .col(string_len(MessageEdits::MessageId, ID_LEN))
        // The rev the edit took: unique in the room, so unique per message too.
        .col(big_integer(MessageEdits::Rev))
        .col(text(MessageEdits::Body))
        .col(big_integer(MessageEdits::ReplacedAt))
        .primary_key(
            Index::create()
                .col(MessageEdits::MessageId)
                .col(MessageEdits::Rev),
        )
        .foreign_key(&mut reference(
            "fk_message_edits_message",
            (MessageEdits::Table, MessageEdits::MessageId),
            (Messages::Table, Messages::Id),
        ))
        .to_owned();
    manager.create_table(table).await
}

async fn create_invites(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(Invites::Table)
        .col(string_len(Invites::Id, ID_LEN).primary_key())
        .col(string_len(Invites::RoomId, ID_LEN))
        .col(string_len(Invites::InviterId, ID_LEN))
        .col(string_len(Invites::InviteeId, ID_LEN))
        .col(big_integer(Invites::CreatedAt))
        .col(big_integer(Invites::ExpiresAt))
        .foreign_key(&mut reference(
            "fk_invites_room",
            (Invites::Table, Invites::RoomId),
            (Rooms::Table, Rooms::Id),
        ))
        .foreign_key(&mut reference(
            "fk_invites_inviter",
            (Invites::Table, Invites::InviterId),
            (Users::Table, Users::Id),
        ))
        .foreign_key(&mut reference(
            "fk_invites_invitee",
            (Invites::Table, Invites::InviteeId),
            (Users::Table, Users::Id),
        ))
        .to_owned();
    manager.create_table(table).await?;
    // One pending invite per user and group; also serves "invites of this room".
    let unique = Index::create()
        .name("ux_invites_room_invitee")
        .table(Invites::Table)
        .col(Invites::RoomId)
        .col(Invites::InviteeId)
        .unique()
        .to_owned();
    manager.create_index(unique).await?;
    // "My pending invites, oldest first".
    let by_invitee = Index::create()
        .name("ix_invites_invitee")
        .table(Invites::Table)
        .col(Invites::InviteeId)
        .col(Invites::CreatedAt)
        .to_owned();
    manager.create_index(by_invitee).await
}

async fn create_invite_links(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(InviteLinks::Table)
        .col(string_len(InviteLinks::Token, TOKEN_LEN).primary_key())
        .col(string_len(InviteLinks::RoomId, ID_LEN))
        .col(string_len(InviteLinks::CreatorId, ID_LEN))
        .col(integer_null(InviteLinks::MaxUses))
        .col(integer(InviteLinks::Uses).default(0))
        .col(big_integer(InviteLinks::CreatedAt))
        .col(big_integer_null(InviteLinks::ExpiresAt))
        .foreign_key(&mut reference(
            "fk_invite_links_room",
            (InviteLinks::Table, InviteLinks::RoomId),
            (Rooms::Table, Rooms::Id),
        ))
        .foreign_key(&mut reference(
            "fk_invite_links_creator",
            (InviteLinks::Table, InviteLinks::CreatorId),
            (Users::Table, Users::Id),
        ))
        .to_owned();
    manager.create_table(table).await?;
    // Deleting a group deletes its links.
    let by_room = Index::create()
        .name("ix_invite_links_room")
        .table(InviteLinks::Table)
        .col(InviteLinks::RoomId)
        .to_owned();
    manager.create_index(by_room).await
}

async fn create_blocks(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(Blocks::Table)
        .col(string_len(Blocks::BlockerId, ID_LEN))
        .col(string_len(Blocks::BlockedId, ID_LEN))
        .col(big_integer(Blocks::CreatedAt))
        .primary_key(
            Index::create()
                .col(Blocks::BlockerId)
                .col(Blocks::BlockedId),
        )
        .foreign_key(&mut reference(
            "fk_blocks_blocker",
            (Blocks::Table, Blocks::BlockerId),
            (Users::Table, Users::Id),
        ))
        .foreign_key(&mut reference(
            "fk_blocks_blocked",
            (Blocks::Table, Blocks::BlockedId),
            (Users::Table, Users::Id),
        ))
        .to_owned();
    manager.create_table(table).await
}
