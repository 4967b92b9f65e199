//! Security adapters: bcrypt password hashing and HS256 JWT access tokens with opaque refresh
//! tokens.
//!
//! They implement the `PasswordHasher` and `TokenIssuer` ports, so no use case ever names
//! bcrypt, JWT or a hash function. Layout: [`password`] holds [`BcryptPasswordHasher`],
//! [`jwt`] holds [`JwtTokenIssuer`], and [`refresh`] makes and hashes refresh tokens.
//!
//! ```
//! use std::time::Duration;
//!
//! use chat_auth::{BcryptPasswordHasher, JwtTokenIssuer};
//! use chat_domain::{SessionId, UserId};
//! use chat_ports::TokenIssuer;
//!
//! let hasher = BcryptPasswordHasher::new(12);
//! let issuer = JwtTokenIssuer::new(b"a secret of at least thirty-two bytes", Duration::from_secs(900));
//! let (user, session) = (UserId::new_v7(), SessionId::new_v7());
//! let issued = issuer.issue_access(user, session).unwrap();
//! assert_eq!(issuer.verify_access(&issued.token).unwrap().user_id, user);
//! # let _ = hasher;
//! ```

pub mod jwt;
pub mod password;
pub mod refresh;

pub use jwt::JwtTokenIssuer;
pub use password::BcryptPasswordHasher;
