//! Browser-facing protections: which origins may call the API (CORS) or open a WebSocket,
//! and the security headers every HTTP response carries.
//!
//! Native apps send no `Origin` header and are unaffected. A browser page may use the API
//! only from an origin on the allow-list (`CHAT_ALLOWED_ORIGINS`) or from the server's own
//! origin; the default list is empty, which is safe for a local run and for production alike
//! (operators add their web app's origin). The same list guards the WebSocket upgrade, which
//! browsers do not subject to CORS: without the check, any page a signed-in user visits could
//! open a socket with a token it got hold of, or ride a cookie-based proxy.

mod headers;
mod origins;

pub use headers::security_headers;
pub use origins::{cors, AllowedOrigins};
