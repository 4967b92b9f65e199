//! The initial schema: users, rooms, memberships, messages, sessions, refresh tokens and dead
//! letters.
//!
//! Decisions that hold on all three backends:
//! - Uniqueness rules the product relies on under races are unique indexes, never
//!   check-then-insert: one account per username, one private room per pair (`pair_key`, NULL for
//!   groups; NULLs never collide), one seq per position in a room, and one message per
//!   `(room, sender, client_msg_id)` (NULL when the client gave none).
//! - Foreign keys guard memberships, messages, sessions and refresh tokens against dangling ids;
//!   refresh tokens go with their session (`ON DELETE CASCADE`), which is what pruning wants.
//! - On MySQL/MariaDB text compares with the server's default collation, which is usually
//!   case-insensitive: two `client_msg_id`s that differ only in letter case count as the same
//!   key there. A binary collation would avoid it, but sqlx then reports the column as binary and
//!   refuses to decode it as text, so the clients' ids (UUIDs in practice) are left as they are.

use sea_orm_migration::{prelude::*, schema::*};

use crate::tables::{DeadLetters, Memberships, Messages, RefreshTokens, Rooms, Sessions, Users};

/// Length of an id column: a hyphenated UUID.
const ID_LEN: u32 = 36;

/// Creates every table and index of the first release.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_users(manager).await?;
        create_rooms(manager).await?;
        create_memberships(manager).await?;
        create_messages(manager).await?;
        create_sessions(manager).await?;
        create_refresh_tokens(manager).await?;
        create_dead_letters(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents, so the foreign keys never block a drop.
        for table in [
            DeadLetters::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Messages::Table.into_iden(),
            Memberships::Table.into_iden(),
            Rooms::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// An id column that is the table's primary key.
fn id_pk(column: impl IntoIden) -> ColumnDef {
    string_len(column, ID_LEN).primary_key().take()
}

/// A mandatory id column that refers to another table.
fn id_ref(column: impl IntoIden) -> ColumnDef {
    string_len(column, ID_LEN)
}

/// Creates a named index; `unique` makes it a uniqueness rule.
async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    columns: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(column);
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement.to_owned()).await
}

async fn create_users(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(Users::Table)
        .col(id_pk(Users::Id))
        // Domain usernames are at most 32 characters, always lowercase.
        .col(string_len(Users::Username, 32))
        // bcrypt hashes are 60 characters; room for a stronger scheme later.
        .col(string_len(Users::PasswordHash, 100))
        .col(big_integer(Users::CreatedAt))
        .to_owned();
    manager.create_table(table).await?;
    let columns = vec![Users::Username.into_iden()];
    index(manager, "ux_users_username", Users::Table, columns, true).await
}

async fn create_rooms(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(Rooms::Table)
        .col(id_pk(Rooms::Id))
        .col(string_len(Rooms::Kind, 16))
        .col(string_len_null(Rooms::Name, 200))
        // "<low uuid>:<high uuid>" is 73 characters.
        .col(string_len_null(Rooms::PairKey, 80))
        .col(big_integer(Rooms::CreatedAt))
        .col(big_integer(Rooms::LastSeq).default(0))
        .to_owned();
    manager.create_table(table).await?;
    let columns = vec![Rooms::PairKey.into_iden()];
    index(manager, "ux_rooms_pair_key", Rooms::Table, columns, true).await
}

async fn create_memberships(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(Memberships::Table)
        .col(id_ref(Memberships::RoomId))
        .col(id_ref(Memberships::UserId))
        .col(string_len(Memberships::Role, 16))
        .col(big_integer(Memberships::JoinedAt))
        .col(big_integer(Memberships::ReadSeq).default(0))
        .primary_key(
            Index::create()
                .col(Memberships::RoomId)
                .col(Memberships::UserId),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_memberships_room")
                .from(Memberships::Table, Memberships::RoomId)
                .to(Rooms::Table, Rooms::Id),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_memberships_user")
                .from(Memberships::Table, Memberships::UserId)
                .to(Users::Table, Users::Id),
        )
        .to_owned();
    manager.create_table(table).await?;
    // "Rooms of this user" is the room list; the primary key serves "members of this room".
    let columns = vec![Memberships::UserId.into_iden()];
    index(
        manager,
        "ix_memberships_user",
        Memberships::Table,
        columns,
        false,
    )
    .await
}

async fn create_messages(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(Messages::Table)
        .col(id_pk(Messages::Id))
        .col(id_ref(Messages::RoomId))
        .col(big_integer(Messages::Seq))
        .col(id_ref(Messages::SenderId))
        .col(text_null(Messages::Body))
        .col(string_len_null(Messages::ClientMsgId, 64))
        .col(string_len_null(Messages::ReplyTo, ID_LEN))
        .col(big_integer(Messages::CreatedAt))
        .col(big_integer_null(Messages::EditedAt))
        .col(boolean(Messages::Deleted).default(false))
        .foreign_key(
            ForeignKey::create()
                .name("fk_messages_room")
                .from(Messages::Table, Messages::RoomId)
                .to(Rooms::Table, Rooms::Id),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_messages_sender")
                .from(Messages::Table, Messages::SenderId)
                .to(Users::Table, Users::Id),
        )
        .to_owned();
    manager.create_table(table).await?;
    // Serves every history page (seq ranges of one room) and forbids a repeated seq.
    let columns = vec![Messages::RoomId.into_iden(), Messages::Seq.into_iden()];
    index(
        manager,
        "ux_messages_room_seq",
        Messages::Table,
        columns,
        true,
    )
    .await?;
    // The idempotency rule of retried sends.
    let columns = vec![
        Messages::RoomId.into_iden(),
        Messages::SenderId.into_iden(),
        Messages::ClientMsgId.into_iden(),
    ];
    index(
        manager,
        "ux_messages_client_msg_id",
        Messages::Table,
        columns,
        true,
    )
    .await
}

async fn create_sessions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(Sessions::Table)
        .col(id_pk(Sessions::Id))
        .col(id_ref(Sessions::UserId))
        .col(big_integer(Sessions::CreatedAt))
        .col(big_integer(Sessions::LastUsedAt))
        .col(big_integer_null(Sessions::RevokedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_sessions_user")
                .from(Sessions::Table, Sessions::UserId)
                .to(Users::Table, Users::Id),
        )
        .to_owned();
    manager.create_table(table).await?;
    let columns = vec![Sessions::UserId.into_iden()];
    index(manager, "ix_sessions_user", Sessions::Table, columns, false).await
}

async fn create_refresh_tokens(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(RefreshTokens::Table)
        // A SHA-256 in hex.
        .col(string_len(RefreshTokens::TokenHash, 64).primary_key())
        .col(id_ref(RefreshTokens::SessionId))
        .col(big_integer(RefreshTokens::CreatedAt))
        .col(big_integer_null(RefreshTokens::SpentAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_refresh_tokens_session")
                .from(RefreshTokens::Table, RefreshTokens::SessionId)
                .to(Sessions::Table, Sessions::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned();
    manager.create_table(table).await?;
    let columns = vec![RefreshTokens::SessionId.into_iden()];
    index(
        manager,
        "ix_refresh_tokens_session",
        RefreshTokens::Table,
        columns,
        false,
    )
    .await
}

async fn create_dead_letters(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(DeadLetters::Table)
        .col(id_pk(DeadLetters::Id))
        // JSON of `chat_ports::JobPayload`; text, because SQLite and MariaDB have no portable
        // JSON column and nothing queries inside it.
        .col(text(DeadLetters::Payload))
        .col(string_len(DeadLetters::Priority, 16))
        .col(integer(DeadLetters::Attempts))
        .col(text(DeadLetters::Error))
        .col(big_integer(DeadLetters::FailedAt))
        .to_owned();
    manager.create_table(table).await?;
    // Operators list dead letters oldest first.
    let columns = vec![
        DeadLetters::FailedAt.into_iden(),
        DeadLetters::Id.into_iden(),
    ];
    index(
        manager,
        "ix_dead_letters_failed_at",
        DeadLetters::Table,
        columns,
        false,
    )
    .await
}
