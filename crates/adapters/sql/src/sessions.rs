//! [`SqlSessionStore`]: logins in `sessions` and their refresh token hashes in
//! `refresh_tokens`.
//!
//! Rotation is single-use by construction: the token is spent with a conditional
//! `UPDATE ... WHERE token_hash = ? AND spent_at IS NULL`, and only the call that changed the
//! row (rows affected = 1) may issue the next token. A racing call with the same token blocks on
//! the row lock (PostgreSQL, MySQL) or on the single SQLite writer, then finds it spent and
//! treats it as a replay: the whole session is revoked.

use async_trait::async_trait;
use chat_domain::{SessionId, Timestamp, UserId};
use chat_ports::{RotateOutcome, Session, SessionStore, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use crate::connection::Handles;
use crate::entity::{refresh_tokens, sessions};
use crate::error::{store_err, unavailable};

/// Sessions and refresh tokens on SQLite, PostgreSQL or MySQL.
#[derive(Debug, Clone)]
pub struct SqlSessionStore {
    db: Handles,
}

impl SqlSessionStore {
    pub(crate) fn new(db: Handles) -> Self {
        Self { db }
    }
}

/// The session that issued the token hashing to `token_hash`, read through `db`.
async fn session_of_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<Session>, StoreError> {
    let session_id: Option<String> = refresh_tokens::Entity::find_by_id(token_hash.to_owned())
        .select_only()
        .column(refresh_tokens::Column::SessionId)
        .into_tuple()
        .one(db)
        .await
        .map_err(unavailable)?;
    match session_id {
        Some(id) => {
            let session = sessions::Entity::find_by_id(id.clone())
                .one(db)
                .await
                .map_err(unavailable)?;
            let session = session.ok_or_else(|| {
                StoreError::corrupt(format!("refresh token of missing session {id}"))
            })?;
            session.into_session().map(Some)
        }
        None => Ok(None),
    }
}

/// Sets `revoked_at` unless the session already has one (the first revocation time stays).
async fn revoke(
    db: &impl ConnectionTrait,
    session: &mut Session,
    now: Timestamp,
) -> Result<(), StoreError> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now.unix_millis()))
        .filter(sessions::Column::Id.eq(session.id.to_string()))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map_err(unavailable)?;
    session.revoked_at.get_or_insert(now);
    Ok(())
}

/// The body of `rotate`, inside its transaction; returns the outcome and whether to commit.
async fn rotate_in(
    txn: &DatabaseTransaction,
    presented_hash: &str,
    next_hash: &str,
    now: Timestamp,
) -> Result<(RotateOutcome, bool), StoreError> {
    let spent = refresh_tokens::Entity::update_many()
        .col_expr(
            refresh_tokens::Column::SpentAt,
            Expr::value(now.unix_millis()),
        )
        .filter(refresh_tokens::Column::TokenHash.eq(presented_hash))
        .filter(refresh_tokens::Column::SpentAt.is_null())
        .exec(txn)
        .await
        .map_err(unavailable)?;
    let Some(mut session) = session_of_token(txn, presented_hash).await? else {
        return Ok((RotateOutcome::Unknown, false));
    };
    if !session.is_active() {
        // Nothing changes for a revoked session, not even the spending of its token.
        return Ok((RotateOutcome::Revoked(session), false));
    }
    if spent.rows_affected == 0 {
        // The token was spent before: a replay, so every token of the login is now void.
        revoke(txn, &mut session, now).await?;
        return Ok((RotateOutcome::Reused(session), true));
    }
    refresh_tokens::Entity::insert(refresh_tokens::new_row(next_hash, session.id, now))
        .exec_without_returning(txn)
        .await
        .map_err(|err| store_err(err, "refresh token already issued"))?;
    sessions::Entity::update_many()
        .col_expr(sessions::Column::LastUsedAt, Expr::value(now.unix_millis()))
        .filter(sessions::Column::Id.eq(session.id.to_string()))
        .exec(txn)
        .await
        .map_err(unavailable)?;
    session.last_used_at = now;
    Ok((RotateOutcome::Rotated(session), true))
}

#[async_trait]
impl SessionStore for SqlSessionStore {
    /// Stores a new session whose current refresh token hashes to `token_hash`.
    async fn create(&self, session: &Session, token_hash: &str) -> Result<(), StoreError> {
        let txn = self.db.write.begin().await.map_err(unavailable)?;
        sessions::Entity::insert(sessions::new_row(session))
            .exec_without_returning(&txn)
            .await
            .map_err(|err| store_err(err, "session already exists"))?;
        refresh_tokens::Entity::insert(refresh_tokens::new_row(
            token_hash,
            session.id,
            session.created_at,
        ))
        .exec_without_returning(&txn)
        .await
        .map_err(|err| store_err(err, "refresh token already issued"))?;
        txn.commit().await.map_err(unavailable)
    }

    /// Spends the token hashing to `presented_hash` and makes `next_hash` current (see [`RotateOutcome`]).
    async fn rotate(
        &self,
        presented_hash: &str,
        next_hash: &str,
        now: Timestamp,
    ) -> Result<RotateOutcome, StoreError> {
        let txn = self.db.write.begin().await.map_err(unavailable)?;
        let (outcome, commit) = rotate_in(&txn, presented_hash, next_hash, now).await?;
        if commit {
            txn.commit().await.map_err(unavailable)?;
        } else {
            txn.rollback().await.map_err(unavailable)?;
        }
        Ok(outcome)
    }

    /// Revokes the session that issued the token hashing to `token_hash`; `None` if no session did.
    async fn revoke_by_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Session>, StoreError> {
        let txn = self.db.write.begin().await.map_err(unavailable)?;
        let Some(mut session) = session_of_token(&txn, token_hash).await? else {
            return Ok(None);
        };
        revoke(&txn, &mut session, now).await?;
        txn.commit().await.map_err(unavailable)?;
        Ok(Some(session))
    }

    /// The session with this id.
    async fn find(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        sessions::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await
            .map_err(unavailable)?
            .map(sessions::Model::into_session)
            .transpose()
    }

    /// The active (unrevoked) sessions of `user`, newest first.
    async fn list_active(&self, user: UserId) -> Result<Vec<Session>, StoreError> {
        sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(user.to_string()))
            .filter(sessions::Column::RevokedAt.is_null())
            .order_by_desc(sessions::Column::CreatedAt)
            .order_by_desc(sessions::Column::Id)
            .all(&self.db.read)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(sessions::Model::into_session)
            .collect()
    }

    /// Revokes the session with this id (a revoked one keeps its first revocation time);
    /// `None` if there is no such session.
    async fn revoke(&self, id: SessionId, now: Timestamp) -> Result<Option<Session>, StoreError> {
        let txn = self.db.write.begin().await.map_err(unavailable)?;
        let found = sessions::Entity::find_by_id(id.to_string())
            .one(&txn)
            .await
            .map_err(unavailable)?;
        let Some(found) = found else {
            return Ok(None);
        };
        let mut session = found.into_session()?;
        revoke(&txn, &mut session, now).await?;
        txn.commit().await.map_err(unavailable)?;
        Ok(Some(session))
    }

    /// Revokes every active session of `user`; returns the sessions it revoked.
    async fn revoke_all(&self, user: UserId, now: Timestamp) -> Result<Vec<Session>, StoreError> {
        let txn = self.db.write.begin().await.map_err(unavailable)?;
        let active = sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(user.to_string()))
            .filter(sessions::Column::RevokedAt.is_null())
            .order_by_desc(sessions::Column::CreatedAt)
            .order_by_desc(sessions::Column::Id)
            .all(&txn)
            .await
            .map_err(unavailable)?;
        sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, Expr::value(now.unix_millis()))
            .filter(sessions::Column::UserId.eq(user.to_string()))
            .filter(sessions::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        txn.commit().await.map_err(unavailable)?;
        active
            .into_iter()
            .map(|row| {
                row.into_session().map(|session| Session {
                    revoked_at: Some(now),
                    ..session
                })
            })
            .collect()
    }

    /// Up to `limit` sessions revoked at or after `since`, oldest revocation first (served by
    /// `ix_sessions_revoked_at`).
    async fn revoked_since(
        &self,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<(SessionId, Timestamp)>, StoreError> {
        let rows: Vec<(String, Option<i64>)> = sessions::Entity::find()
            .select_only()
            .column(sessions::Column::Id)
            .column(sessions::Column::RevokedAt)
            .filter(sessions::Column::RevokedAt.gte(since.unix_millis()))
            .order_by_asc(sessions::Column::RevokedAt)
            .order_by_asc(sessions::Column::Id)
            .limit(u64::from(limit))
            .into_tuple()
            .all(&self.db.read)
            .await
            .map_err(unavailable)?;
        rows.into_iter()
            .filter_map(|(id, at)| at.map(|at| (id, at)))
            .map(|(id, at)| {
                let id = id
                    .parse::<SessionId>()
                    .map_err(|_| StoreError::corrupt(format!("session id {id:?}")))?;
                Ok((id, Timestamp::from_unix_millis(at)))
            })
            .collect()
    }

    /// Deletes sessions revoked before `before` and spent tokens issued before it; returns how many rows went.
    async fn prune(&self, before: Timestamp) -> Result<u64, StoreError> {
        let before = before.unix_millis();
        let txn = self.db.write.begin().await.map_err(unavailable)?;
        let tokens = refresh_tokens::Entity::delete_many()
            .filter(refresh_tokens::Column::SpentAt.is_not_null())
            .filter(refresh_tokens::Column::CreatedAt.lt(before))
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        // The remaining tokens of the pruned sessions go with them (ON DELETE CASCADE); they are
        // not counted, as the cascade does not report them on every backend.
        let sessions = sessions::Entity::delete_many()
            .filter(sessions::Column::RevokedAt.lt(before))
            .exec(&txn)
            .await
            .map_err(unavailable)?;
        txn.commit().await.map_err(unavailable)?;
        Ok(tokens.rows_affected + sessions.rows_affected)
    }
}
