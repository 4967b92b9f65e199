//! Catch-up after a reconnect: the `resume` frame.
//!
//! The client names, per room, the last rev it saw. The gateway first tells the writer to hold
//! those rooms' live changes, then pages through each room's changes in rev order as ordinary
//! `message`, `message_edited` and `message_deleted` events (a message created after the
//! client's point comes once as `message` in its latest state, a created-then-deleted one as
//! `message_deleted`), then lets the writer release what it held (skipping revs the replay
//! already wrote) and ends with `resumed`. The store is the source of truth, so a client may
//! have been away for any length of time. Pages are sent only while the connection's buffer
//! has room to spare, so a long replay never crowds out live events into a 1013.
//!
//! A replayed `message` that is a reply carries `reply_preview` like a live one: the previews
//! of a page come from one `reply_previews` call (one read per room, only for a page holding
//! replies); a page whose previews cannot be read still goes out, without them, as live events
//! do. Edits and deletions carry none, live or replayed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chat_app::messaging::{MessagingService, ReplyPreview, ResumeError};
use chat_domain::{Message, MessageId, Rev, RoomId, UserId};
use serde_json::json;

use super::outbound::{Encoded, Outbound, ReplayEvent};
use super::protocol::{change_event, error_event, FrameError, ResumeFrame};
use super::queue::QueueSender;
use crate::dto::MessageDto;

/// Changes read from the store per page.
const PAGE: u32 = 100;

/// Replays what `user` missed in the rooms named by `frame`, then sends `resumed`.
pub async fn replay(
    messaging: Arc<MessagingService>,
    user: UserId,
    frame: ResumeFrame,
    outbound: QueueSender,
) {
    let reference = frame.reference;
    let mut named = HashMap::new();
    let mut unknown = Vec::new();
    for (room, rev) in frame.rooms {
        match room.parse::<RoomId>() {
            Ok(id) => {
                named.insert(id, Rev(rev));
            }
            // Not a room id at all: certainly not one of the user's rooms.
            Err(_) => unknown.push(room),
        }
    }
    let plan = match messaging.resume_plan(user, &named).await {
        Ok(plan) => plan,
        Err(error) => {
            let _ = outbound
                .send(Outbound::Text(error_event(&failure(
                    error,
                    reference.clone(),
                ))))
                .await;
            return;
        }
    };
    // The writer starts each room at the client's point; one beyond the room's latest rev (a
    // client's bug, or a rev from another deployment) would make it take every live change
    // as old, so the point is capped at the latest rev.
    let rooms: Vec<(RoomId, Rev)> = plan
        .replay
        .iter()
        .map(|(room, from)| {
            let latest = plan.latest.get(room).copied().unwrap_or(*from);
            (*room, (*from).min(latest))
        })
        .collect();
    if outbound
        .send(Outbound::BeginReplay { rooms })
        .await
        .is_err()
    {
        return;
    }
    let mut left: Vec<String> = plan.left.iter().map(ToString::to_string).collect();
    left.extend(unknown);
    for (room, from) in plan.replay {
        match replay_room(&messaging, user, room, from, &outbound).await {
            Ok(()) => {}
            Err(ResumeError::RoomNotFound) => left.push(room.to_string()),
            Err(error) => {
                let _ = outbound
                    .send(Outbound::Text(error_event(&failure(
                        error,
                        reference.clone(),
                    ))))
                    .await;
            }
        }
    }
    let latest: serde_json::Map<String, serde_json::Value> = plan
        .latest
        .iter()
        .map(|(room, rev)| (room.to_string(), json!(rev.get())))
        .collect();
    let resumed = json!({ "type": "resumed", "rooms": latest, "left": left }).to_string();
    let _ = outbound.send(Outbound::EndReplay { json: resumed }).await;
}

async fn replay_room(
    messaging: &MessagingService,
    user: UserId,
    room: RoomId,
    from: Rev,
    outbound: &QueueSender,
) -> Result<(), ResumeError> {
    let mut after = from;
    loop {
        wait_for_headroom(outbound).await;
        let page = messaging.changes_page(user, room, after, PAGE).await?;
        let previews = previews(messaging, &page.messages, from).await;
        for message in &page.messages {
            // Item by item, not page by page: a page may be larger than the whole buffer.
            wait_for_headroom(outbound).await;
            let item = Outbound::Replay(Arc::new(ReplayEvent {
                room_id: room,
                rev: message.rev,
                json: replay_event(message, from, &previews),
            }));
            if outbound.send(item).await.is_err() {
                return Ok(());
            }
        }
        after = page.next_after;
        if !page.has_more {
            return Ok(());
        }
    }
}

/// The reply previews of the messages of `page` that replay as `message` (created after
/// `from`, not deleted); empty when there are none or they cannot be read.
async fn previews(
    messaging: &MessagingService,
    page: &[Message],
    from: Rev,
) -> HashMap<MessageId, ReplyPreview> {
    let replies: Vec<Message> = page
        .iter()
        .filter(|m| m.reply_to.is_some() && is_creation(m, from))
        .cloned()
        .collect();
    if replies.is_empty() {
        return HashMap::new();
    }
    match messaging.reply_previews(&replies).await {
        Ok(previews) => previews,
        Err(error) => {
            tracing::warn!(%error, "replaying without reply previews: they could not be read");
            HashMap::new()
        }
    }
}

/// Whether `message` replays as a `message` event for a client that last saw rev `from`.
fn is_creation(message: &Message, from: Rev) -> bool {
    !message.deleted && message.created_rev > from
}

/// The event a change becomes for a client that last saw rev `from`; a `message` carries the
/// preview of the message it answers when `previews` has it.
fn replay_event(
    message: &Message,
    from: Rev,
    previews: &HashMap<MessageId, ReplyPreview>,
) -> Encoded {
    if is_creation(message, from) {
        change_event("message", &MessageDto::with_previews(message, previews))
    } else if message.deleted {
        change_event("message_deleted", &MessageDto::from(message))
    } else {
        change_event("message_edited", &MessageDto::from(message))
    }
}

/// Waits until at least half of the connection's buffer is free, leaving room for live events.
async fn wait_for_headroom(outbound: &QueueSender) {
    while outbound.free_slots() < outbound.max_capacity() / 2 {
        if outbound.is_closed() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn failure(error: ResumeError, reference: Option<String>) -> FrameError {
    let (code, message) = match error {
        ResumeError::RoomNotFound => ("room_not_found", "room not found".to_owned()),
        ResumeError::InvalidLimit => ("invalid_request", error.to_string()),
        ResumeError::Unavailable(source) => {
            tracing::error!(error = %source, "resume failed: store unavailable");
            (
                "store_unavailable",
                "the service is temporarily unavailable; try again".to_owned(),
            )
        }
    };
    FrameError {
        reference,
        code,
        message,
    }
}
