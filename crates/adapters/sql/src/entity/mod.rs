//! sea-orm entities: one module per table, each with the conversions between its rows and the
//! domain types.
//!
//! Entities stay inside this crate (nothing above the adapter ever sees an `ActiveModel`). Ids
//! are kept as strings and times as Unix milliseconds, exactly as the migration declares them,
//! so one entity definition fits SQLite, PostgreSQL and MySQL alike; decoding a row into a domain
//! type is where a bad value is caught (see [`crate::decode`]).

pub(crate) mod blocks;
pub(crate) mod dead_letters;
pub(crate) mod invite_links;
pub(crate) mod invites;
pub(crate) mod memberships;
pub(crate) mod message_edits;
pub(crate) mod messages;
pub(crate) mod refresh_tokens;
pub(crate) mod rev_marks;
pub(crate) mod rooms;
pub(crate) mod seq_gaps;
pub(crate) mod sessions;
pub(crate) mod users;
