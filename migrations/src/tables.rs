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
    LockedAt,
}

/// Private and group rooms; `last_seq` is the seq allocator of the room's messages, `last_rev`
/// the counter of their changes.
#[derive(DeriveIden)]
pub(crate) enum Rooms {
    Table,
    Id,
    Kind,
    Name,
    PairKey,
    CreatedAt,
    LastSeq,
    Description,
    LastRev,
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
    DeliveredSeq,
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
    Rev,
    CreatedRev,
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
    Device,
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

/// Earlier bodies of edited messages, one row per edit (keyed by the rev the edit took).
#[derive(DeriveIden)]
pub(crate) enum MessageEdits {
    Table,
    MessageId,
    Rev,
    Body,
    ReplacedAt,
}

/// Pending invitations of users into groups.
#[derive(DeriveIden)]
pub(crate) enum Invites {
    Table,
    Id,
    RoomId,
    InviterId,
    InviteeId,
    CreatedAt,
    ExpiresAt,
}

/// Shareable links that let anyone join a group, with their use counts.
#[derive(DeriveIden)]
pub(crate) enum InviteLinks {
    Table,
    Token,
    RoomId,
    CreatorId,
    MaxUses,
    Uses,
    CreatedAt,
    ExpiresAt,
}

/// Who blocked whom.
#[derive(DeriveIden)]
pub(crate) enum Blocks {
    Table,
    BlockerId,
    BlockedId,
    CreatedAt,
}

/// The room's `last_seq` at each rev that changed a message without creating one (an edit or a
/// deletion), so that catch-up can find where the creations after a rev begin.
#[derive(DeriveIden)]
pub(crate) enum RevMarks {
    Table,
    RoomId,
    Rev,
    LastSeq,
}
