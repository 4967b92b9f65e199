//! In-process adapters: the priority job queue, the event bus, the system clock and UUIDv7 ids.
//!
//! These are the adapters of a single-node deployment and the reference implementations the
//! contract suites of `chat-contract` are first proven against. Nothing here does I/O: state
//! lives in this process and is gone when it exits.
//!
//! Layout: [`queue`] holds [`InProcessJobQueue`] (its bookkeeping in a private `state` module),
//! [`bus`] holds [`InProcessEventBus`], and [`system`] the [`SystemClock`] and [`UuidV7Ids`].
//!
//! ```
//! use std::time::Duration;
//!
//! use chat_memory::{InProcessEventBus, InProcessJobQueue, SystemClock, UuidV7Ids};
//!
//! let queue = InProcessJobQueue::new(Duration::from_secs(30));
//! let bus = InProcessEventBus::new();
//! # let _ = (queue, bus, SystemClock, UuidV7Ids);
//! ```

pub mod bus;
mod presence;
pub mod queue;
pub mod system;

pub use bus::InProcessEventBus;
pub use presence::InProcessPresence;
pub use queue::InProcessJobQueue;
pub use system::{SystemClock, UuidV7Ids};
