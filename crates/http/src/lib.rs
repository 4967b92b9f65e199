//! HTTP and WebSocket delivery: actix-web routes, the actix-ws gateway, DTOs and ApiError.
