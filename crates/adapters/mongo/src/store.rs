//! [`MongoMessageStore`]: the connection, the indexes, the round-trip counter, and the
//! [`MessageStore`] impl that hands each method to `append` or `reads`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chat_domain::{ClientMsgId, Message, MessageId, NewMessage, RoomId, Seq, UserId};
use chat_ports::{Appended, HistoryCursor, MessageStore, SeqAllocator, StoreError};
use mongodb::bson::{doc, Document};
use mongodb::event::command::CommandEvent;
use mongodb::event::EventHandler;
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, Database, IndexModel};

use crate::document::MessageDoc;
use crate::error::{bounded, unavailable};
use crate::in_flight::InFlight;
use crate::{append, reads};

/// The database used when the URI names none.
pub const DEFAULT_DATABASE: &str = "chat";

/// How long an operation waits for a reachable server before the store reports itself
/// unavailable, unless the URI says otherwise (`serverSelectionTimeoutMS`). The driver's
/// default of 30 s would hold every send that long while MongoDB is down.
const SERVER_SELECTION_TIMEOUT: Duration = Duration::from_secs(2);

/// How long opening a connection may take, unless the URI says otherwise (`connectTimeoutMS`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The collection of messages.
const COLLECTION: &str = "messages";

/// Messages in MongoDB, with seqs from a [`SeqAllocator`].
#[derive(Clone)]
pub struct MongoMessageStore {
    inner: Arc<Inner>,
}

/// What every operation of a store shares; an `Arc` so a batch can run in a task of its own.
pub(crate) struct Inner {
    pub(crate) database: Database,
    /// Read side: documents decoded by hand, so a bad one is reported, not skipped.
    pub(crate) messages: Collection<Document>,
    /// Write side: the stored form of a message.
    pub(crate) writes: Collection<MessageDoc>,
    pub(crate) allocator: Arc<dyn SeqAllocator>,
    pub(crate) round_trips: Arc<AtomicU64>,
    /// Set when recorded gaps may wait for tombstones: at start (another node, or this one
    /// before a restart, may have left some) and whenever this store records one.
    pub(crate) gaps_possible: AtomicBool,
    /// Gaps that could not be recorded (the allocator was down too), kept to fill later.
    pub(crate) unrecorded: Mutex<Vec<(RoomId, Seq)>>,
    pub(crate) in_flight: InFlight,
}

impl MongoMessageStore {
    /// Prepares a client for `uri` (`mongodb://host:port/database?options`; the database
    /// defaults to [`DEFAULT_DATABASE`]) that takes seqs from `allocator`.
    ///
    /// Nothing is sent yet: a server that is down now makes operations fail (within about two
    /// seconds) rather than this call, and `MessageStore::ping` tells readiness. Writes are
    /// acknowledged at the deployment's default write concern (`w: majority` on a replica set
    /// since MongoDB 5.0) unless the URI sets `w` or `journal`.
    pub async fn connect(uri: &str, allocator: Arc<dyn SeqAllocator>) -> Result<Self, StoreError> {
        let mut options = ClientOptions::parse(uri).await.map_err(unavailable)?;
        options
            .server_selection_timeout
            .get_or_insert(SERVER_SELECTION_TIMEOUT);
        options.connect_timeout.get_or_insert(CONNECT_TIMEOUT);
        options
            .app_name
            .get_or_insert_with(|| "chat-system".to_owned());
        // Every command the driver sends starts one of these events (connection handshakes
        // and monitoring heartbeats do not), so this counts the round trips operations cost.
        let round_trips = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&round_trips);
        options.command_event_handler = Some(EventHandler::callback(move |event| {
            if let CommandEvent::Started(_) = event {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }));
        let name = options
            .default_database
            .clone()
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
        let client = Client::with_options(options).map_err(unavailable)?;
        let database = client.database(&name);
        Ok(Self {
            inner: Arc::new(Inner {
                messages: database.collection(COLLECTION),
                writes: database.collection(COLLECTION),
                database,
                allocator,
                round_trips,
                gaps_possible: AtomicBool::new(true),
                unrecorded: Mutex::new(Vec::new()),
                in_flight: InFlight::default(),
            }),
        })
    }

    /// Creates the indexes the store relies on, if missing (idempotent): unique
    /// `(room_id, seq)`, which serves every history read and forbids a repeated seq, and
    /// unique `(room_id, sender_id, client_msg_id)` over the messages that have a
    /// `client_msg_id`, the idempotency rule of retried sends.
    pub async fn ensure_indexes(&self) -> Result<(), StoreError> {
        let by_seq = IndexModel::builder()
            .keys(doc! { "room_id": 1, "seq": 1 })
            .options(
                IndexOptions::builder()
                    .name("ux_messages_room_seq".to_owned())
                    .unique(true)
                    .build(),
            )
            .build();
        let by_key = IndexModel::builder()
            .keys(doc! { "room_id": 1, "sender_id": 1, "client_msg_id": 1 })
            .options(
                IndexOptions::builder()
                    .name("ux_messages_client_msg_id".to_owned())
                    .unique(true)
                    .partial_filter_expression(doc! { "client_msg_id": { "$type": "string" } })
                    .build(),
            )
            .build();
        bounded(self.inner.messages.create_indexes([by_seq, by_key])).await?;
        Ok(())
    }

    /// Commands sent to MongoDB since the store was made: the cost of its operations in
    /// round trips, for the metrics.
    pub fn round_trips(&self) -> u64 {
        self.inner.round_trips.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for MongoMessageStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoMessageStore")
            .field("database", &self.inner.database.name())
            .field("round_trips", &self.round_trips())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl MessageStore for MongoMessageStore {
    /// Stores `batch`, assigning seqs; one result per message, in batch order.
    async fn append_batch(&self, batch: &[NewMessage]) -> Result<Vec<Appended>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // In a task of its own, so a caller that gives up (a worker stopped at shutdown)
        // cannot cut a batch off between taking seqs and writing or recording them.
        let task = tokio::spawn(append::append_batch(
            Arc::clone(&self.inner),
            batch.to_vec(),
        ));
        task.await.map_err(StoreError::unavailable)?
    }

    /// The message `sender` stored in `room` under `client_msg_id`, if any.
    async fn find_by_client_msg_id(
        &self,
        room: RoomId,
        sender: UserId,
        client_msg_id: &ClientMsgId,
    ) -> Result<Option<Message>, StoreError> {
        reads::find_by_client_msg_id(&self.inner, room, sender, client_msg_id).await
    }

    /// The message with this id in `room`, if any.
    async fn find_in_room(
        &self,
        room: RoomId,
        id: MessageId,
    ) -> Result<Option<Message>, StoreError> {
        reads::find_in_room(&self.inner, room, id).await
    }

    /// Up to `limit` messages of `room` at `cursor`, oldest first.
    async fn page(
        &self,
        room: RoomId,
        cursor: HistoryCursor,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        reads::page(&self.inner, room, cursor, limit).await
    }

    /// The newest message of each of `rooms` that has one.
    async fn latest_in_rooms(
        &self,
        rooms: &[RoomId],
    ) -> Result<HashMap<RoomId, Message>, StoreError> {
        reads::latest_in_rooms(&self.inner, rooms).await
    }

    /// Answers when the store is reachable (readiness).
    async fn ping(&self) -> Result<(), StoreError> {
        let ping = self.inner.database.run_command(doc! { "ping": 1 });
        bounded(ping).await?;
        Ok(())
    }
}
