//! The rooms-per-user limit ([`AppConfig::max_rooms_per_user`](crate::AppConfig)): how many
//! rooms, groups and private rooms alike, one user may belong to. It bounds what one account
//! can make the server carry: every membership is a row, an entry in each room list and a
//! subscription on each of the user's connections.
//!
//! Checked by every use case through which a user gains a room: creating a group (its
//! creator), accepting an invite, joining by link, and the first private message between two
//! users (its sender, and its recipient, since the room is made for both). Nothing else is
//! affected: sending into a room one is in already, joining a group one belongs to already (it
//! answers as before), and keeping rooms one has (lowering the limit takes none away; leaving
//! one makes space).
//!
//! Not atomic: the count is read in its own statement before the store adds the membership,
//! so a user racing their own joins can end above the limit by up to the number of requests
//! racing (each may see the count from before the others commit). It is an abuse bound, not an
//! invariant. Making it one would mean locking the user's row inside every transaction that
//! adds a membership (adding a member, accepting an invite, redeeming a link, creating a group
//! or a private room, the last for two users in a fixed order) and passing the limit through
//! each of those port methods; a few rooms over a limit of a thousand, gained only by racing
//! oneself, are not worth that.

use chat_domain::UserId;
use chat_ports::{RoomStore, StoreError};

/// Whether `user` may gain one more room under the limit `max` (`0`: no limit, and no store
/// call at all).
pub async fn has_room_for(
    rooms: &dyn RoomStore,
    user: UserId,
    max: u32,
) -> Result<bool, StoreError> {
    if max == 0 {
        return Ok(true);
    }
    Ok(rooms.count_rooms_of_user(user).await? < max)
}
