//! In-process adapters: the priority job queue, the event bus, the system clock and UUIDv7 ids.
