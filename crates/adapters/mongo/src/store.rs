//! [`MongoMessageStore`]: the connection, the indexes, the round-trip counter, and the
//! [`MessageStore`] impl that hands each method to `append`, `edits`, `reads` or `unread`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chat_domain::{
    ClientMsgId, Message, MessageBody, MessageEdit, MessageId, NewMessage, Rev, RoomId, Seq,
    Timestamp, UserId,
};
use chat_ports::{Appended, HistoryCursor, MessageStore, SeqAllocator, StoreError, UnreadCount};
use mongodb::bson::{doc, Document};
use mongodb::event::command::CommandEvent;
use mongodb::event::EventHandler;
use mongodb::options::ClientOptions;
use mongodb::{Client, Collection, Database};

use crate::document::MessageDoc;
use crate::error::{bounded, unavailable};
use crate::in_flight::InFlight;
use crate::{append, edits, reads, schema, unread};

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
        options.command_event_handler = Some(EventHandler::callback(move |event| match event {
            CommandEvent::Started(_) => {
                counter.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("chat_mongodb_round_trips_total").increment(1);
            }
            CommandEvent::Succeeded(done) => {
                crate::figures::record(&done.command_name, done.duration);
            }
            CommandEvent::Failed(failed) => {
                crate::figures::record(&failed.command_name, failed.duration);
            }
            _ => {}
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
    /// `(room_id, seq)`, which serves every history read and forbids a repeated seq; unique
    /// `(room_id, rev)`, which serves the changes since a rev and forbids a repeated rev; and
    /// unique `(room_id, sender_id, client_msg_id)` over the messages that have a
    /// `client_msg_id`, the idempotency rule of retried sends. On a database written before
    /// revs existed it first gives every message `rev = created_rev = seq` (see `schema`).
    pub async fn ensure_indexes(&self) -> Result<(), StoreError> {
        schema::ensure(&self.inner).await
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

    /// False: the memberships live in the SQL metadata store, so the worker moves them.
    fn marks_senders_read(&self) -> bool {
        false
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

    /// Replaces the body of message `id` of `room`, keeping the old body in its edit history,
    /// and gives it the room's next rev. `NotFound` for no such (or a deleted) message.
    async fn edit(
        &self,
        room: RoomId,
        id: MessageId,
        body: &MessageBody,
        at: Timestamp,
    ) -> Result<Message, StoreError> {
        edits::edit(&self.inner, room, id, body, at).await
    }

    /// Turns message `id` of `room` into a tombstone (no body, `deleted`, history dropped) at the
    /// room's next rev; a tombstone is returned unchanged. `NotFound` for no such message.
    async fn delete(
        &self,
        room: RoomId,
        id: MessageId,
        at: Timestamp,
    ) -> Result<Message, StoreError> {
        edits::delete(&self.inner, room, id, at).await
    }

    /// The earlier bodies of message `id` of `room`, oldest first.
    async fn edit_history(
        &self,
        room: RoomId,
        id: MessageId,
    ) -> Result<Vec<MessageEdit>, StoreError> {
        edits::edit_history(&self.inner, room, id).await
    }

    /// Up to `limit` messages of `room` whose rev is above `after`, in rev order.
    async fn changes_since(
        &self,
        room: RoomId,
        after: Rev,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        reads::changes_since(&self.inner, room, after, limit).await
    }

    /// The messages of `room` with these ids; missing ones are left out.
    async fn find_many(&self, room: RoomId, ids: &[MessageId]) -> Result<Vec<Message>, StoreError> {
        reads::find_many(&self.inner, room, ids).await
    }

    /// The highest rev of each of `rooms` (zero for a room without changes).
    ///
    /// Read from the allocator: the counters live in SQL, and the highest rev handed out is
    /// the right answer even when its change never landed (see `crate::edits`).
    async fn latest_revs(&self, rooms: &[RoomId]) -> Result<HashMap<RoomId, Rev>, StoreError> {
        if rooms.is_empty() {
            return Ok(HashMap::new());
        }
        let revs = self.inner.allocator.last_revs(rooms).await?;
        Ok(revs.into_iter().collect())
    }

    /// For each `(room, read marker)`: the messages above the marker that `reader` did not send
    /// and that are not deleted, and how many of them contain `mention` (e.g. `@alice`).
    async fn unread_counts(
        &self,
        reader: UserId,
        mention: &str,
        markers: &[(RoomId, Seq)],
    ) -> Result<HashMap<RoomId, UnreadCount>, StoreError> {
        unread::unread_counts(&self.inner, reader, mention, markers).await
    }

    /// Answers when the store is reachable (readiness).
    async fn ping(&self) -> Result<(), StoreError> {
        let ping = self.inner.database.run_command(doc! { "ping": 1 });
        bounded(ping).await?;
        Ok(())
    }
}
