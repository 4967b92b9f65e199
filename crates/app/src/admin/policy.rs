//! [`AdminPolicy`]: who may use the administration routes.
//!
//! Two ways in, both configured by the operator: a signed-in user whose username is on the
//! list, or a request carrying the shared admin token (for scripts, with no account at all).
//! With neither configured nobody is an administrator, the safe default.
//!
//! The token is kept only as its SHA-256 digest and compared digest to digest in constant
//! time: the comparison takes as long whatever the presented token is, so timing tells an
//! attacker nothing about how much of it was right, not even its length.

use std::collections::HashSet;
use std::fmt;

use chat_domain::Username;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The operator's choice of administrators.
#[derive(Clone, Default)]
pub struct AdminPolicy {
    usernames: HashSet<Username>,
    token_digest: Option<[u8; 32]>,
}

impl AdminPolicy {
    /// Administrators are the accounts named in `usernames` and whoever presents `token`
    /// (`None`, or an empty token, means no token opens the admin routes).
    pub fn new(usernames: impl IntoIterator<Item = Username>, token: Option<&str>) -> Self {
        Self {
            usernames: usernames.into_iter().collect(),
            token_digest: token.filter(|t| !t.is_empty()).map(digest),
        }
    }

    /// Whether `presented` is the admin token.
    pub fn is_admin_token(&self, presented: &str) -> bool {
        match &self.token_digest {
            Some(expected) => bool::from(digest(presented).ct_eq(expected)),
            None => false,
        }
    }

    /// Whether the account called `username` is an administrator.
    pub fn is_admin_user(&self, username: &Username) -> bool {
        self.usernames.contains(username)
    }
}

impl fmt::Debug for AdminPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the token, not even its digest.
        f.debug_struct("AdminPolicy")
            .field("usernames", &self.usernames)
            .field("token", &self.token_digest.map(|_| "***"))
            .finish()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_token_opens_the_door() {
        let policy = AdminPolicy::new([], Some("s3cret-admin-token"));
        assert!(policy.is_admin_token("s3cret-admin-token"));
        assert!(!policy.is_admin_token("s3cret-admin-toke"));
        assert!(!policy.is_admin_token(""));
        assert!(!format!("{policy:?}").contains("s3cret"));
    }

    #[test]
    fn without_configuration_nobody_is_an_admin() {
        let policy = AdminPolicy::default();
        assert!(!policy.is_admin_token(""));
        assert!(!policy.is_admin_user(&Username::parse("root").unwrap()));
        let empty = AdminPolicy::new([], Some(""));
        assert!(!empty.is_admin_token(""));
    }

    #[test]
    fn listed_usernames_are_admins() {
        let policy = AdminPolicy::new([Username::parse("alice").unwrap()], None);
        assert!(policy.is_admin_user(&Username::parse("Alice").unwrap()));
        assert!(!policy.is_admin_user(&Username::parse("bob").unwrap()));
    }
}
