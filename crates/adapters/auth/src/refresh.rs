//! Refresh tokens: random, opaque strings of which only a hash is ever stored.
//!
//! They are deliberately not JWTs. A refresh token has no dots and no header, so the access
//! token check refuses it before looking at anything else, and since stores keep only its
//! SHA-256, a leaked sessions table hands out nothing that can be presented. A fast hash is
//! enough here (unlike passwords): 256 random bits cannot be guessed from their hash.

use std::fmt::Write as _;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

/// Random bytes in a refresh token: 256 bits, as much as the hash that stores it.
const REFRESH_TOKEN_BYTES: usize = 32;

/// A fresh refresh token: 32 bytes from the operating system's generator, base64url without
/// padding (43 characters, safe in URLs, headers and JSON).
pub fn new_refresh_token() -> String {
    let mut bytes = [0_u8; REFRESH_TOKEN_BYTES];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a refresh token: its SHA-256, as 64 lowercase hex digits.
pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            // Writing to a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn refresh_tokens_are_32_random_bytes_in_base64url() {
        let token = new_refresh_token();
        assert_eq!(token.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert!(token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn refresh_tokens_do_not_repeat() {
        let tokens: HashSet<String> = (0..1000).map(|_| new_refresh_token()).collect();
        assert_eq!(tokens.len(), 1000);
    }

    #[test]
    fn the_stored_form_is_the_sha256_in_hex() {
        // The SHA-256 of "abc" from FIPS 180-2, appendix B.1.
        assert_eq!(
            hash_refresh_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let token = new_refresh_token();
        assert_eq!(hash_refresh_token(&token), hash_refresh_token(&token));
        assert_ne!(
            hash_refresh_token(&token),
            hash_refresh_token(&new_refresh_token())
        );
    }
}
