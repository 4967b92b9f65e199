//! The unread counts of the [`MessageStore`](chat_ports::MessageStore) contract: messages from
//! others above the reader's marker, deleted ones left out, and the mentions among them.
//!
//! Usernames may hold `.`, `_` and `-`; the mention is text to find, never a pattern, so the
//! check plants bodies that a pattern would wrongly match (`_` for SQL `LIKE`, `.` for a
//! regular expression). Case and word boundaries are left to each store.

use std::collections::HashMap;
use std::future::Future;

use chat_domain::{RoomId, Seq, UserId};
use chat_ports::UnreadCount;

use crate::fixtures::{at, message, private_room, MessageStores};

/// Runs every unread check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = MessageStores>,
{
    unread_counts_count_others_live_messages_above_the_marker_and_mentions(make().await).await;
}

/// The count of one room, with zero for a room left out of the answer.
fn count(counts: &HashMap<RoomId, UnreadCount>, room: RoomId) -> (u64, u64) {
    let count = counts.get(&room).copied().unwrap_or_default();
    (count.unread, count.mentions)
}

/// Above the marker, from others, not deleted: that is unread; the mention is found as text.
pub async fn unread_counts_count_others_live_messages_above_the_marker_and_mentions(
    stores: MessageStores,
) {
    let (room, reader, other) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (second, d, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (quiet, _, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    // Fixture names are `prefix_hex`: a `_` that SQL `LIKE` would read as any character.
    let name = reader.username.as_str();
    assert!(name.contains('_'), "the check needs a `_` in {name}");
    let mention = format!("@{name}");
    let like_decoy = format!("@{}", name.replacen('_', "x", 1));
    let from = |sender: UserId, text: &str| message(room.id, sender, text, None);
    let batch = [
        from(other.id, &format!("read already {mention}")),
        from(reader.id, &format!("my own {mention}")),
        from(other.id, &format!("hello {mention}!")),
        from(other.id, "plain"),
        from(other.id, &format!("{mention} soon deleted")),
        from(other.id, &format!("not you: {like_decoy}")),
        from(other.id, "write to @x.y please"),
        from(other.id, "not a dot: @xzy"),
        message(second.id, d.id, &format!("{mention} over here"), None),
        message(second.id, d.id, "and more", None),
    ];
    let appended = stores.messages.append_batch(&batch).await;
    let deleted = appended.expect("append_batch")[4].message().id;
    let deleting = stores.messages.delete(room.id, deleted, at(10));
    deleting.await.expect("delete");

    let markers = [
        (room.id, Seq(1)),
        (second.id, Seq::ZERO),
        (quiet.id, Seq::ZERO),
    ];
    let counts = stores.messages.unread_counts(reader.id, &mention, &markers);
    let counts = counts.await.expect("unread_counts");
    assert_eq!(count(&counts, room.id), (5, 1), "{counts:?}");
    assert_eq!(count(&counts, second.id), (2, 1), "{counts:?}");
    assert_eq!(count(&counts, quiet.id), (0, 0), "{counts:?}");
    assert!(counts
        .keys()
        .all(|r| [room.id, second.id, quiet.id].contains(r)));

    let dotted = stores
        .messages
        .unread_counts(reader.id, "@x.y", &markers[..1]);
    let dotted = dotted.await.expect("unread_counts");
    assert_eq!(count(&dotted, room.id), (5, 1), "a `.` matches only itself");
    let read_all = [(room.id, Seq(8))];
    let caught_up = stores
        .messages
        .unread_counts(reader.id, &mention, &read_all);
    assert_eq!(
        count(&caught_up.await.expect("unread_counts"), room.id),
        (0, 0)
    );
    let for_sender = stores
        .messages
        .unread_counts(other.id, "@nobody", &markers[..1]);
    let for_sender = for_sender.await.expect("unread_counts");
    assert_eq!(
        count(&for_sender, room.id),
        (1, 0),
        "only the reader's own message"
    );
    let none = stores
        .messages
        .unread_counts(reader.id, &mention, &[])
        .await;
    assert!(none.expect("unread_counts").is_empty());
}
