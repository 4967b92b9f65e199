//! [`SqlUserStore`]: accounts in the `users` table.
//!
//! The unique index on `username` is what keeps two racing registrations of one name from both
//! succeeding; the store only translates its violation into [`StoreError::Conflict`].

use async_trait::async_trait;
use chat_domain::{Timestamp, User, UserId, Username};
use chat_ports::{NewUser, StoreError, UserCredentials, UserStore};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::connection::Handles;
use crate::entity::users;
use crate::error::{store_err, unavailable};

/// The escape character of `LIKE` patterns. Not a backslash, which MySQL would also treat as
/// an escape inside the string literal of the `ESCAPE` clause.
const LIKE_ESCAPE: char = '!';

/// Accounts on SQLite, PostgreSQL or MySQL.
#[derive(Debug, Clone)]
pub struct SqlUserStore {
    db: Handles,
}

impl SqlUserStore {
    pub(crate) fn new(db: Handles) -> Self {
        Self { db }
    }
}

#[async_trait]
impl UserStore for SqlUserStore {
    /// Stores a new account.
    async fn insert(&self, user: &NewUser) -> Result<(), StoreError> {
        users::Entity::insert(users::new_row(user))
            .exec_without_returning(&self.db.write)
            .await
            .map_err(|err| store_err(err, "username already taken"))?;
        Ok(())
    }

    /// The account with this id.
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        users::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await
            .map_err(unavailable)?
            .map(users::Model::into_user)
            .transpose()
    }

    /// The account with this username and its password hash.
    async fn find_credentials(
        &self,
        username: &Username,
    ) -> Result<Option<UserCredentials>, StoreError> {
        users::Entity::find()
            .filter(users::Column::Username.eq(username.as_str()))
            .one(&self.db.read)
            .await
            .map_err(unavailable)?
            .map(users::Model::into_credentials)
            .transpose()
    }

    /// Up to `limit` accounts whose username starts with `prefix`, in username order.
    async fn search_by_prefix(&self, prefix: &str, limit: u32) -> Result<Vec<User>, StoreError> {
        // Usernames are stored lowercase; lowering the prefix makes the match case-insensitive
        // on every backend alike (SQLite's LIKE ignores ASCII case, PostgreSQL's does not).
        let pattern = format!("{}%", escape_like(&prefix.to_lowercase()));
        users::Entity::find()
            .filter(users::Column::Username.like(LikeExpr::new(pattern).escape(LIKE_ESCAPE)))
            .order_by_asc(users::Column::Username)
            .limit(u64::from(limit))
            .all(&self.db.read)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(users::Model::into_user)
            .collect()
    }

    /// Locks the account (`Some(time)`) or unlocks it (`None`); a lock keeps its first time.
    /// `false` if there is no such account.
    async fn set_locked(
        &self,
        id: UserId,
        locked_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let mut update = users::Entity::update_many().filter(users::Column::Id.eq(id.to_string()));
        update = match locked_at {
            // Only an unlocked account takes the time, so a second lock keeps the first one.
            Some(at) => update
                .col_expr(users::Column::LockedAt, Expr::value(at.unix_millis()))
                .filter(users::Column::LockedAt.is_null()),
            None => update.col_expr(users::Column::LockedAt, Expr::value(Option::<i64>::None)),
        };
        update.exec(&self.db.write).await.map_err(unavailable)?;
        // Rows affected does not tell "no such user" from "no change" on MySQL, so look.
        let exists = users::Entity::find_by_id(id.to_string())
            .select_only()
            .column(users::Column::Id)
            .into_tuple::<String>()
            .one(&self.db.write)
            .await
            .map_err(unavailable)?;
        Ok(exists.is_some())
    }

    /// When the account was locked, if it is; `None` also for an unknown account.
    async fn find_locked_at(&self, id: UserId) -> Result<Option<Timestamp>, StoreError> {
        let locked: Option<Option<i64>> = users::Entity::find_by_id(id.to_string())
            .select_only()
            .column(users::Column::LockedAt)
            .into_tuple()
            .one(&self.db.read)
            .await
            .map_err(unavailable)?;
        Ok(crate::decode::timestamp_opt(locked.flatten()))
    }
}

/// Escapes the wildcards of `LIKE` (and the escape character itself) so `raw` matches literally.
fn escape_like(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '%' | '_') || c == LIKE_ESCAPE {
            escaped.push(LIKE_ESCAPE);
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_a_prefix_match_literally() {
        assert_eq!(escape_like("a_b%c"), "a!_b!%c");
        assert_eq!(escape_like("x!y"), "x!!y");
        assert_eq!(escape_like("plain.name-1"), "plain.name-1");
    }
}
