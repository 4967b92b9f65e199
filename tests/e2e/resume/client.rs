//! The client side of a resume, as the tests play it: what a client holds of each room, how it
//! reads a replay, and the check that its state ends equal to the server's.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures_util::future::join_all;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::support::{TestApp, TestUser, WsClient, EVENT_TIMEOUT};

/// What a client holds of one room: its messages by seq and the last rev it saw.
#[derive(Debug, Clone, Default)]
pub(super) struct Local {
    pub(super) messages: BTreeMap<u64, Value>,
    pub(super) rev: u64,
}

impl Local {
    /// The room as its full history shows it now.
    pub(super) async fn read(app: &TestApp, user: &TestUser, room: &str) -> Self {
        let mut local = Self::default();
        for message in app.full_history(user, room).await {
            local.rev = local.rev.max(rev(&message));
            local.messages.insert(seq(&message), message);
        }
        local
    }

    pub(super) fn max_seq(&self) -> u64 {
        self.messages.keys().next_back().copied().unwrap_or(0)
    }
}

pub(super) fn rev(message: &Value) -> u64 {
    message["rev"]
        .as_u64()
        .unwrap_or_else(|| panic!("no rev in {message}"))
}

pub(super) fn seq(message: &Value) -> u64 {
    message["seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("no seq in {message}"))
}

/// `user` with the tokens of another login (a second device).
pub(super) async fn other_device(app: &TestApp, user: &TestUser) -> TestUser {
    let tokens = app.login_again(user).await;
    TestUser {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        ..user.clone()
    }
}

/// Sends every `(sender, room, body)` over HTTP, 25 at a time; returns the stored messages.
pub(super) async fn send_all(app: &TestApp, sends: &[(&TestUser, String, String)]) -> Vec<Value> {
    let mut stored = Vec::new();
    for chunk in sends.chunks(25) {
        let batch = chunk
            .iter()
            .map(|(from, room, body)| app.send_to_room(from, room, body));
        stored.extend(join_all(batch).await);
    }
    stored
}

/// The change events a client reads until `resumed` (other events skipped), and `resumed`.
pub(super) async fn read_replay(ws: &mut WsClient) -> (Vec<Value>, Value) {
    read_replay_signalling(ws, None).await
}

/// [`read_replay`], telling `first_change` when the first change arrives.
pub(super) async fn read_replay_signalling(
    ws: &mut WsClient,
    mut first_change: Option<oneshot::Sender<()>>,
) -> (Vec<Value>, Value) {
    let mut changes = Vec::new();
    loop {
        let event = ws.next_event(EVENT_TIMEOUT).await;
        match event["type"].as_str() {
            Some("message" | "message_edited" | "message_deleted") => {
                if let Some(tx) = first_change.take() {
                    let _ = tx.send(());
                }
                changes.push(event);
            }
            Some("resumed") => return (changes, event),
            Some("error") => panic!("the server refused the resume: {event}"),
            _ => {}
        }
    }
}

/// How strictly [`check_replay`] checks the order of changes within a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    /// Rev order throughout: nothing live came before the server took the resume.
    Revs,
    /// Live changes may have reached the connection before the server read the `resume`
    /// frame (they race it); those come first, the replay skips them, and every change is
    /// still after the point resumed from and comes once.
    LiveMayPrecede,
}

/// Checks the replayed `changes` of the rooms in `before` against the server's `after`: every
/// `(room, rev)` once, in rev order per room (see [`Order`]), each as the right event with the
/// message exactly as stored; then applies them and requires the client to hold exactly the
/// server's state.
pub(super) fn check_replay(
    before: &HashMap<String, Local>,
    after: &HashMap<String, Local>,
    changes: &[Value],
    order: Order,
) {
    let mut seen = HashSet::new();
    let mut last_rev: HashMap<String, u64> = HashMap::new();
    let mut applied = before.clone();
    for event in changes {
        let message = &event["message"];
        let room = message["room_id"].as_str().expect("room_id").to_owned();
        let (old, new) = match (before.get(&room), after.get(&room)) {
            (Some(old), Some(new)) => (old, new),
            _ => panic!("a change of a room that was not resumed: {event}"),
        };
        let rev = rev(message);
        assert!(
            seen.insert((room.clone(), rev)),
            "(room {room}, rev {rev}) came twice; second time as {event}"
        );
        assert!(
            rev > old.rev,
            "room {room}: rev {rev} is not after the point resumed from ({})",
            old.rev
        );
        let previous = last_rev.insert(room.clone(), rev).unwrap_or(old.rev);
        assert!(
            rev > previous || order == Order::LiveMayPrecede,
            "room {room}: rev {rev} came after rev {previous} (must be rev order, after the point resumed from)"
        );
        let stored = &new.messages[&seq(message)];
        assert_eq!(
            message, stored,
            "a replayed message is the stored one, in its latest state"
        );
        let want = if stored["deleted"] == true {
            "message_deleted"
        } else if seq(stored) > old.max_seq() {
            "message"
        } else {
            "message_edited"
        };
        assert_eq!(event["type"], want, "wrong event for {event}");
        let local = applied.get_mut(&room).expect("a resumed room");
        local.messages.insert(seq(message), message.clone());
        local.rev = local.rev.max(rev);
    }
    for (room, new) in after {
        let Some(old) = before.get(room) else {
            continue;
        };
        let expected: HashSet<(String, u64)> = new
            .messages
            .values()
            .filter(|m| rev(m) > old.rev)
            .map(|m| (room.clone(), rev(m)))
            .collect();
        let got: HashSet<(String, u64)> = seen.iter().filter(|(r, _)| r == room).cloned().collect();
        let missing: Vec<_> = expected.difference(&got).collect();
        assert!(
            missing.is_empty(),
            "room {room}: never replayed {missing:?}"
        );
        assert_eq!(
            applied[room].messages, new.messages,
            "room {room}: the client does not end with the server's state"
        );
    }
}
