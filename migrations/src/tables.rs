//! The names of the tables and columns, written once so a typo cannot create a second column.
//!
//! `DeriveIden` turns `PasswordHash` into `password_hash` and the `Table` variant into the
//! enum's own name in snake case (`RefreshTokens` into `refresh_tokens`).

use sea_orm_migration::prelude::{sea_orm, DeriveIden};

/// Registered accounts.
#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    CreatedAt,
}

/// Private and group rooms; `last_seq` is the seq allocator of the room's messages.
#[derive(DeriveIden)]
pub(crate) enum Rooms {
    Table,
    Id,
    Kind,
    Name,
    PairKey,
    CreatedAt,
    LastSeq,
}

/// Who belongs to which room, and how far they have read.
#[derive(DeriveIden)]
pub(crate) enum Memberships {
    Table,
    RoomId,
    UserId,
    Role,
    JoinedAt,
    ReadSeq,
}

/// Every stored message.
#[derive(DeriveIden)]
pub(crate) enum Messages {
    Table,
    Id,
    RoomId,
    Seq,
    SenderId,
    Body,
    ClientMsgId,
    ReplyTo,
    CreatedAt,
    EditedAt,
    Deleted,
}

/// Logins.
#[derive(DeriveIden)]
pub(crate) enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

/// Hashes of the refresh tokens each login issued; a spent one is kept to detect reuse.
#[derive(DeriveIden)]
pub(crate) enum RefreshTokens {
    Table,
    TokenHash,
    SessionId,
    CreatedAt,
    SpentAt,
}

/// Jobs that failed all their attempts.
#[derive(DeriveIden)]
pub(crate) enum DeadLetters {
    Table,
    Id,
    Payload,
    Priority,
    Attempts,
    Error,
    FailedAt,
}

/// Seqs the MongoDB message store took from `rooms.last_seq` but could not fill; a later pass
/// writes tombstones there and forgets them.
#[derive(DeriveIden)]
pub(crate) enum SeqGaps {
    Table,
    RoomId,
    Seq,
    RecordedAt,
}
