//! Joining a room, atomically against racing joins: `add_member`, `accept_invite` and
//! `redeem_link` all end here.
//!
//! A join is one transaction whose FIRST statement locks the room's row (`SELECT ... FOR
//! UPDATE` on PostgreSQL and MySQL; SQLite has a single writer connection, so a transaction
//! there runs alone anyway); only then does it look at the membership and count the members.
//! Every join of a room queues on that lock, and each sees the members the ones before it
//! committed, so a room never ends above its limit however many users join at once. Locking
//! first matters on MySQL: a transaction's snapshot is taken by its first plain read, which
//! must come after the lock, or the count would miss the joins that committed meanwhile. So
//! what an invite or a link points at is read before the transaction (it never changes), and
//! the invite or link row itself is re-read or deleted inside it, after the room's lock.
//!
//! Locks are always taken room first, then the invite or link: deleting a group does the same,
//! so the two never wait on each other in a circle.
//!
//! A new member's read and delivered markers start at the room's latest seq: someone who
//! joins a group with a history begins with nothing unread.

use chat_domain::{InviteId, InviteLink, Role, RoomId, Seq, Timestamp, UserId};
use chat_ports::{JoinOutcome, LinkOutcome, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use crate::decode;
use crate::entity::{invite_links, invites, memberships, rooms};
use crate::error::is_foreign_key_violation;
use crate::retry::{retrying, Failure};

/// Adds `user` to `room` with `role` in a transaction of its own.
pub(crate) async fn add_member(
    db: &DatabaseConnection,
    room: RoomId,
    user: UserId,
    role: Role,
    at: Timestamp,
    max_members: u32,
) -> Result<JoinOutcome, StoreError> {
    retrying("join", "already a member", || async move {
        let txn = db.begin().await?;
        let latest = lock_room(&txn, room).await?;
        let outcome = admit(&txn, room, (user, role), at, max_members, latest).await?;
        txn.commit().await?;
        Ok(outcome)
    })
    .await
}

/// Consumes invite `id` and adds its invitee as a member; a full room leaves the invite in place.
pub(crate) async fn accept_invite(
    db: &DatabaseConnection,
    id: InviteId,
    at: Timestamp,
    max_members: u32,
) -> Result<JoinOutcome, StoreError> {
    retrying("invite acceptance", "already a member", || async move {
        let Some(invite) = invites::Entity::find_by_id(id.to_string()).one(db).await? else {
            return Err(Failure::Store(StoreError::NotFound));
        };
        let invite = invite.into_invite()?;
        let txn = db.begin().await?;
        let latest = lock_room(&txn, invite.room_id).await?;
        // A racing accept or decline of the same invite consumed it first: nothing to accept.
        let deleted = invites::Entity::delete_by_id(id.to_string())
            .exec(&txn)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(Failure::Store(StoreError::NotFound));
        }
        let member = (invite.invitee_id, Role::Member);
        let outcome = admit(&txn, invite.room_id, member, at, max_members, latest).await?;
        if outcome == JoinOutcome::RoomFull {
            // Dropping the transaction puts the invite back.
            return Ok(outcome);
        }
        txn.commit().await?;
        Ok(outcome)
    })
    .await
}

/// Adds `user` to the room of link `token` if the link admits someone at `at`, counting a use
/// only for a new member.
pub(crate) async fn redeem_link(
    db: &DatabaseConnection,
    token: &str,
    user: UserId,
    at: Timestamp,
    max_members: u32,
) -> Result<LinkOutcome, StoreError> {
    retrying("link redemption", "already a member", || async move {
        let Some(link) = find_link(db, token, false).await? else {
            return Ok(LinkOutcome::Unavailable);
        };
        let room = link.room_id;
        let txn = db.begin().await?;
        let latest = match lock_room(&txn, room).await {
            Ok(latest) => latest,
            // The group was deleted, and its links with it.
            Err(Failure::Store(StoreError::NotFound)) => return Ok(LinkOutcome::Unavailable),
            Err(err) => return Err(err),
        };
        // Read again under the room's lock: the uses the redemptions before this one counted.
        match find_link(&txn, token, true).await? {
            Some(link) if link.admits(at) => {}
            _ => return Ok(LinkOutcome::Unavailable),
        }
        let outcome = admit(&txn, room, (user, Role::Member), at, max_members, latest).await?;
        if outcome == JoinOutcome::Joined {
            invite_links::Entity::update_many()
                .col_expr(
                    invite_links::Column::Uses,
                    Expr::col(invite_links::Column::Uses).add(1),
                )
                .filter(invite_links::Column::Token.eq(token))
                .exec(&txn)
                .await?;
            txn.commit().await?;
        }
        Ok(LinkOutcome::Joined(room, outcome))
    })
    .await
}

/// The link with `token`, read through `db`; `locked` reads it with `FOR UPDATE`.
async fn find_link(
    db: &impl ConnectionTrait,
    token: &str,
    locked: bool,
) -> Result<Option<InviteLink>, Failure> {
    let mut query = invite_links::Entity::find_by_id(token.to_owned());
    if locked {
        query = query.lock_exclusive();
    }
    Ok(query
        .one(db)
        .await?
        .map(invite_links::Model::into_link)
        .transpose()?)
}

/// Inside `txn`: locks `room` (the transaction's first statement, see the module docs) and
/// returns its latest seq. `NotFound` for a room that does not exist.
pub(crate) async fn lock_room(txn: &DatabaseTransaction, room: RoomId) -> Result<Seq, Failure> {
    let last_seq: Option<i64> = rooms::Entity::find_by_id(room.to_string())
        .select_only()
        .column(rooms::Column::LastSeq)
        .lock_exclusive()
        .into_tuple()
        .one(txn)
        .await?;
    let last_seq = last_seq.ok_or(Failure::Store(StoreError::NotFound))?;
    Ok(decode::seq(last_seq, "room last_seq")?)
}

/// Inside `txn`, with `room` locked: adds `member` (a user and their role) unless they are a
/// member already or the room holds `max_members`; their markers start at `latest`.
/// `NotFound` for a user that does not exist.
pub(crate) async fn admit(
    txn: &DatabaseTransaction,
    room: RoomId,
    (user, role): (UserId, Role),
    at: Timestamp,
    max_members: u32,
    latest: Seq,
) -> Result<JoinOutcome, Failure> {
    let existing = memberships::Entity::find_by_id((room.to_string(), user.to_string()))
        .one(txn)
        .await?;
    if existing.is_some() {
        return Ok(JoinOutcome::AlreadyMember);
    }
    let members = memberships::Entity::find()
        .filter(memberships::Column::RoomId.eq(room.to_string()))
        .count(txn)
        .await?;
    if members >= u64::from(max_members) {
        return Ok(JoinOutcome::RoomFull);
    }
    let row = memberships::joined_row(room, user, role, at, latest);
    match memberships::Entity::insert(row)
        .exec_without_returning(txn)
        .await
    {
        Ok(_) => Ok(JoinOutcome::Joined),
        // The user does not exist.
        Err(err) if is_foreign_key_violation(&err) => Err(Failure::Store(StoreError::NotFound)),
        Err(err) => Err(Failure::Db(err)),
    }
}
