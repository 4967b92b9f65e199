//! sea-orm migrations of chat-system's SQL schema.
