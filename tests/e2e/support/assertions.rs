//! Shape checks shared by many tests: the error body, a message and a private room; and the
//! durability checks of the crash and fault tests: every acknowledged message stored exactly
//! once, as acknowledged, in a room whose seqs run from 1 without a gap.

use serde_json::Value;

use super::http::ApiResponse;
use super::users::TestUser;

/// Asserts `status` and the error body `{"error": {"code": code, "message": "<non-empty>"}}`.
pub fn assert_error(response: &ApiResponse, status: u16, code: &str) {
    assert_error_status(response, status);
    assert_eq!(
        response.body["error"]["code"], code,
        "wrong error code in {}",
        response.text
    );
}

/// Asserts `status` and an error body with a snake_case code and a non-empty message, whatever
/// the code (for errors whose code the specification leaves open).
pub fn assert_error_status(response: &ApiResponse, status: u16) {
    response.assert_status(status);
    let error = &response.body["error"];
    let code = error["code"].as_str().unwrap_or_else(|| {
        panic!(
            "error body without a string `error.code`: {}",
            response.text
        )
    });
    assert!(
        !code.is_empty()
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "error code {code:?} is not snake_case"
    );
    let message = error["message"].as_str().unwrap_or_else(|| {
        panic!(
            "error body without a string `error.message`: {}",
            response.text
        )
    });
    assert!(
        !message.is_empty(),
        "empty error message: {}",
        response.text
    );
}

/// Asserts that `message` has every field of the message object, with the expected values.
pub fn assert_message_shape(message: &Value, room_id: &str, sender_id: &str, body: &str) {
    for key in [
        "id",
        "room_id",
        "seq",
        "sender_id",
        "body",
        "client_msg_id",
        "reply_to",
        "created_at",
        "edited_at",
        "deleted",
    ] {
        assert!(
            message.get(key).is_some(),
            "message has no `{key}`: {message}"
        );
    }
    assert!(message["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(message["room_id"], room_id, "room_id of {message}");
    assert_eq!(message["sender_id"], sender_id, "sender_id of {message}");
    assert_eq!(message["body"], body, "body of {message}");
    assert!(
        message["seq"].as_u64().is_some_and(|s| s >= 1),
        "seq of {message}"
    );
    assert_eq!(message["deleted"], false, "deleted of {message}");
    assert!(message["edited_at"].is_null(), "edited_at of {message}");
    assert_rfc3339_utc(&message["created_at"]);
}

/// Asserts that `room` is the private room of `a` and `b` as the room object describes it.
pub fn assert_private_room(room: &Value, a: &TestUser, b: &TestUser) {
    assert!(
        room["id"].as_str().is_some_and(|id| !id.is_empty()),
        "room id of {room}"
    );
    assert_eq!(room["kind"], "private", "kind of {room}");
    assert!(room["name"].is_null(), "a private room has no name: {room}");
    assert_eq!(room["member_count"], 2, "member_count of {room}");
    let members = room["members"]
        .as_array()
        .unwrap_or_else(|| panic!("a private room lists its members: {room}"));
    let mut got: Vec<(String, String)> = members
        .iter()
        .map(|m| {
            (
                m["id"].as_str().expect("member id").to_owned(),
                m["username"].as_str().expect("member username").to_owned(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (a.id.clone(), a.username.clone()),
        (b.id.clone(), b.username.clone()),
    ];
    want.sort();
    assert_eq!(got, want, "members of {room}");
}

/// Asserts an RFC 3339 UTC timestamp with milliseconds, like `2024-05-01T12:00:00.123Z`.
pub fn assert_rfc3339_utc(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("timestamp is not a string: {value}"));
    let bytes = text.as_bytes();
    let ok = bytes.len() == 24
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && bytes[19] == b'.'
        && bytes[23] == b'Z'
        && text
            .chars()
            .enumerate()
            .all(|(i, c)| matches!(i, 4 | 7 | 10 | 13 | 16 | 19 | 23) || c.is_ascii_digit());
    assert!(ok, "not an RFC 3339 UTC time with milliseconds: {text:?}");
}

/// Asserts that the seqs of `history` (oldest first) are exactly 1, 2, ..., n.
pub fn assert_gapless(history: &[Value]) {
    let got = super::seqs(history);
    let want: Vec<u64> = (1..=got.len() as u64).collect();
    assert_eq!(got, want, "seqs must run from 1 without a gap or a repeat");
}

/// Asserts that every message of `acked` is in `history` exactly once, exactly as it was
/// acknowledged (same id, seq, body, sender and time).
pub fn assert_acknowledged_once(history: &[Value], acked: &[Value]) {
    for message in acked {
        let copies: Vec<&Value> = history
            .iter()
            .filter(|m| m["id"] == message["id"])
            .collect();
        assert_eq!(
            copies.len(),
            1,
            "acknowledged message {} must be stored exactly once; history holds {copies:?}",
            message["id"]
        );
        assert_eq!(
            copies[0], message,
            "the stored message differs from the acknowledged one"
        );
    }
}
