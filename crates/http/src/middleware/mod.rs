//! Middleware that wraps every request, whatever route it reaches.
//!
//! [`request_id`] gives each request (a WebSocket upgrade included) its id, its span and its
//! one access-log line. It wraps the whole `App` (see `chat-server`'s `application`), outside
//! any route, so even a 404 or an extractor's 400 is logged with an id.

pub mod request_id;

pub use request_id::{request_id, RequestId, REQUEST_ID_HEADER};
