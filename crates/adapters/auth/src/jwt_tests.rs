//! Attacks on the access token check, each with a token forged by hand: unsigned, signed with
//! another algorithm or key, expired, of another kind, tampered with, or not a JWT at all.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chat_domain::ids::Uuid;
use chat_domain::{SessionId, UserId};
use chat_ports::{TokenError, TokenIssuer};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use super::{Claims, JwtTokenIssuer};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn issuer() -> JwtTokenIssuer {
    JwtTokenIssuer::new(SECRET, Duration::from_secs(900))
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Claims as the issuer would sign them, ready to be altered.
fn claims(typ: &str, exp: u64) -> Claims {
    Claims {
        sub: UserId::new_v7(),
        sid: SessionId::new_v7(),
        typ: typ.to_owned(),
        iat: now(),
        exp,
        jti: Uuid::now_v7(),
    }
}

fn sign(algorithm: Algorithm, claims: &Claims, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

fn assert_refused(token: &str) {
    assert!(
        matches!(issuer().verify_access(token), Err(TokenError::Invalid)),
        "accepted {token:?}"
    );
}

#[test]
fn an_issued_token_names_its_user_and_session() {
    let (user, session) = (UserId::new_v7(), SessionId::new_v7());
    let issued = issuer().issue_access(user, session).unwrap();
    assert_eq!(issued.expires_in, 900);
    let claims = issuer().verify_access(&issued.token).unwrap();
    assert_eq!((claims.user_id, claims.session_id), (user, session));
}

#[test]
fn an_issued_token_carries_the_promised_claims_under_hs256() {
    let issued = issuer()
        .issue_access(UserId::new_v7(), SessionId::new_v7())
        .unwrap();
    let parts: Vec<&str> = issued.token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    let body: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(body["typ"], "access");
    for claim in ["sub", "sid", "iat", "exp", "jti"] {
        assert!(body.get(claim).is_some(), "missing {claim}");
    }
    let (iat, exp) = (body["iat"].as_u64().unwrap(), body["exp"].as_u64().unwrap());
    assert_eq!(exp - iat, 900);
}

#[test]
fn an_expired_token_is_refused() {
    assert_refused(&sign(
        Algorithm::HS256,
        &claims("access", now() - 10),
        SECRET,
    ));
}

#[test]
fn a_token_signed_with_another_key_is_refused() {
    let other = b"another secret, just as long as the first";
    assert_refused(&sign(
        Algorithm::HS256,
        &claims("access", now() + 600),
        other,
    ));
}

#[test]
fn an_unsigned_token_is_refused() {
    let body = serde_json::to_value(claims("access", now() + 600)).unwrap();
    for header in [json!({"alg": "none"}), json!({"alg": "none", "typ": "JWT"})] {
        assert_refused(&format!("{}.{}.", b64(&header), b64(&body)));
    }
}

#[test]
fn a_token_signed_with_another_algorithm_under_the_same_secret_is_refused() {
    assert_refused(&sign(
        Algorithm::HS512,
        &claims("access", now() + 600),
        SECRET,
    ));
    assert_refused(&sign(
        Algorithm::HS384,
        &claims("access", now() + 600),
        SECRET,
    ));
}

#[test]
fn a_signed_token_of_another_kind_is_refused() {
    assert_refused(&sign(
        Algorithm::HS256,
        &claims("refresh", now() + 600),
        SECRET,
    ));
}

#[test]
fn a_token_with_a_swapped_body_is_refused() {
    let genuine = sign(Algorithm::HS256, &claims("access", now() + 600), SECRET);
    let signature = genuine.rsplit('.').next().unwrap();
    let header = genuine.split('.').next().unwrap();
    let other_body = serde_json::to_value(claims("access", now() + 600)).unwrap();
    assert_refused(&format!("{header}.{}.{signature}", b64(&other_body)));
}

#[test]
fn a_token_missing_a_claim_is_refused() {
    let mut body = serde_json::to_value(claims("access", now() + 600)).unwrap();
    body.as_object_mut().unwrap().remove("sid");
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &body,
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    assert_refused(&token);
}

#[test]
fn a_refresh_token_never_passes_as_an_access_token() {
    let issuer = issuer();
    for _ in 0..100 {
        assert_refused(&issuer.new_refresh_token());
    }
}

#[test]
fn strings_that_are_not_tokens_are_refused() {
    for garbage in ["", ".", "..", "a.b.c", "not a token at all"] {
        assert_refused(garbage);
    }
}

#[test]
fn the_debug_form_never_shows_the_secret() {
    let shown = format!("{:?}", issuer());
    assert!(shown.contains("JwtTokenIssuer"));
    assert!(!shown.contains("0123456789"), "{shown}");
    // Nor as the bytes a derived `Debug` of the keys would print ('0', '1', '2' are 48, 49, 50).
    assert!(!shown.contains("48, 49, 50"), "{shown}");
}

#[test]
fn refresh_tokens_hash_to_sha256_hex() {
    let issuer = issuer();
    let token = issuer.new_refresh_token();
    let hash = issuer.hash_refresh_token(&token);
    assert_eq!(hash.len(), 64);
    assert!(hash
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_ne!(hash, token);
}
