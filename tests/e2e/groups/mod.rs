//! Groups end to end: creation, invites and their answers, invite links, the member list,
//! roles and their rules, leaving with the hand-over of ownership, deleting a group, the member
//! limit, and the WebSocket events each of these sends.
//!
//! - `invites`: creating a group, inviting, listing, accepting, declining, cancelling, expiry;
//! - `links`: invite links with `max_uses`, expiry and revocation;
//! - `members`: the paged member list, new members' history and unread count, the member limit;
//! - `roles`: promote, demote, transfer, remove (and who may), rename, delete;
//! - `leaving`: leaving, removal and ownership hand-over, and the access that ends with them.
//!
//! Time windows come from the server's configuration, never from long sleeps: the invite
//! expiry test starts its server with `CHAT_INVITE_TTL_SECS=1` and the member limit test with
//! `CHAT_MAX_GROUP_MEMBERS=3`.

mod invites;
mod leaving;
mod links;
mod members;
mod roles;
