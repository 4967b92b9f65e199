//! The `users` table: one row per account, with its password hash.

use chat_domain::{User, Username};
use chat_ports::{NewUser, PasswordHash, StoreError, UserCredentials};
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// A stored account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// The user's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Lowercase handle, unique.
    pub username: String,
    /// bcrypt hash.
    pub password_hash: String,
    /// Registration time, Unix milliseconds.
    pub created_at: i64,
    /// When an administrator locked the account, Unix milliseconds; `None` when not locked.
    pub locked_at: Option<i64>,
}

/// Users are referred to by other tables, but never joined from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The account as everyone may see it.
    pub(crate) fn into_user(self) -> Result<User, StoreError> {
        Ok(User {
            id: decode::parse(&self.id, "user id")?,
            username: decode::validated(
                Username::parse(&self.username),
                "username",
                &self.username,
            )?,
            created_at: decode::timestamp(self.created_at),
        })
    }

    /// The account with its password hash, for login.
    pub(crate) fn into_credentials(self) -> Result<UserCredentials, StoreError> {
        let password_hash = PasswordHash(self.password_hash.clone());
        let locked_at = decode::timestamp_opt(self.locked_at);
        Ok(UserCredentials {
            user: self.into_user()?,
            password_hash,
            locked_at,
        })
    }
}

/// The row to insert for a new account.
pub(crate) fn new_row(new: &NewUser) -> ActiveModel {
    ActiveModel {
        id: Set(new.user.id.to_string()),
        username: Set(new.user.username.as_str().to_owned()),
        password_hash: Set(new.password_hash.0.clone()),
        created_at: Set(new.user.created_at.unix_millis()),
        locked_at: Set(None),
    }
}
