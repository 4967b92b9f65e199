//! Group-committed message persistence and the publication that follows it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chat_domain::{Message, MessageId, NewMessage, ReplyPreview, RoomId, RoomKind, Seq};
use chat_ports::messages::batch::senders_read_marks;
use chat_ports::{
    Appended, BusEvent, JobPayload, LeasedJob, NewJob, Priority, RoomView, StoreError, UserSummary,
};

use super::{figures, split_persistence, JobWorkers, Reservation};

impl JobWorkers {
    /// Commits every message of `jobs` in one write, then publishes them in seq order, and
    /// returns the other jobs it reserved on the way.
    ///
    /// The batch grows while it waits: once this worker has the node's commit stage and the
    /// commit pace allows a start, every job that became ready meanwhile joins it (up to the
    /// batch size), so under load each commit carries what arrived during the previous one
    /// instead of one worker's early handful. Only then does it let the `reservation` go, so
    /// the next worker reserves what arrives during this commit. Publication is pipelined
    /// with the next commit (see [`crate::ordering`]).
    ///
    /// If the batch write fails, each message is retried alone, so one bad message cannot
    /// hold back the others; only the ones that fail alone are retried later.
    pub(super) async fn persist_batch(
        &self,
        mut jobs: Vec<LeasedJob>,
        reservation: Reservation<'_>,
    ) -> Vec<LeasedJob> {
        let mut turn = self.publish_order.commit_turn().await;
        self.pacing.wait_for_start().await;
        let others = self.top_up(&mut jobs).await;
        drop(reservation);
        let messages: Vec<NewMessage> = jobs
            .iter()
            .filter_map(|job| match &job.payload {
                JobPayload::PersistMessage { message } => Some(message.clone()),
                _ => None,
            })
            .collect();
        let started = Instant::now();
        match self.ports.messages.append_batch(&messages).await {
            Ok(results) => {
                figures::group_commit("commit", messages.len(), started.elapsed());
                turn.release_commit().await;
                let publishing = Instant::now();
                self.publish_committed(&jobs, results).await;
                figures::group_commit("publish", messages.len(), publishing.elapsed());
            }
            // A store that is down fails every message alike: writing them one by one would
            // only multiply the time the turn is held. Other failures may be one bad message,
            // so the rest are written without it, each published before the next is stored.
            Err(error) if jobs.len() > 1 && !matches!(error, StoreError::Unavailable(_)) => {
                tracing::warn!(%error, size = jobs.len(), "group commit failed; writing one by one");
                turn.publishing().await;
                for (job, message) in jobs.iter().zip(messages) {
                    match self
                        .ports
                        .messages
                        .append_batch(std::slice::from_ref(&message))
                        .await
                    {
                        Ok(results) => {
                            self.publish_committed(std::slice::from_ref(job), results)
                                .await
                        }
                        Err(error) => self.fail(job, error.to_string()).await,
                    }
                }
            }
            Err(error) => {
                drop(turn);
                let store_down = matches!(error, StoreError::Unavailable(_));
                for job in &jobs {
                    if let (true, JobPayload::PersistMessage { message }) =
                        (store_down, &job.payload)
                    {
                        // Fail fast: the sender hears "unavailable" now, not at its timeout.
                        self.pending.abandon(message.id);
                    }
                    self.fail(job, error.to_string()).await;
                }
            }
        }
        others
    }

    /// Adds to `jobs` the persistence jobs that are ready now, up to the batch size, and
    /// returns the other jobs that came with them. A queue that fails here only means a
    /// smaller batch: the jobs already held are written anyway.
    async fn top_up(&self, jobs: &mut Vec<LeasedJob>) -> Vec<LeasedJob> {
        let room = self.config.worker_batch_size.saturating_sub(jobs.len());
        if room == 0 {
            return Vec::new();
        }
        let more = match self.ports.queue.reserve(room, Duration::ZERO).await {
            Ok(more) => more,
            Err(error) => {
                tracing::warn!(%error, "could not top up the group commit; writing what it has");
                return Vec::new();
            }
        };
        let (persist, others) = split_persistence(more);
        jobs.extend(persist);
        others
    }

    /// Announces what a commit stored and settles the waiting sends.
    async fn publish_committed(&self, jobs: &[LeasedJob], results: Vec<Appended>) {
        // Sending a message means having read the room up to it. Markers move before anyone
        // is told of the commit, so a client that lists its rooms right after its 201 never
        // sees its own message as unread; a store that shares the room store's database moved
        // them in the commit itself.
        if !self.ports.messages.marks_senders_read() {
            let marks = senders_read_marks(&results);
            if !marks.is_empty() {
                if let Err(error) = self.ports.rooms.mark_read_many(&marks).await {
                    tracing::warn!(%error, rooms = marks.len(), "could not advance the senders' read markers");
                }
            }
        }
        let previews = self.previews_of(&results).await;
        // The commit's events, in seq order, go to the bus in one `publish_all`; the waiting
        // sends are settled and the jobs completed once they are out.
        let mut events = Vec::with_capacity(results.len());
        let mut settled = Vec::with_capacity(results.len());
        for (job, result) in jobs.iter().zip(results) {
            let pending_id = match &job.payload {
                JobPayload::PersistMessage { message } => message.id,
                _ => continue,
            };
            // A job re-run after a commit it could not report (a crash, a partial bulk write)
            // finds its own message stored: that is still its creation, and publishing it again
            // is harmless because connections drop seqs they already have.
            let result = match result {
                Appended::Duplicate(original) if original.id == pending_id => {
                    Appended::Created(original)
                }
                other => other,
            };
            match result {
                Appended::Created(message) => {
                    if message.seq == Seq(1) {
                        events.extend(self.private_room_announcements(&message).await);
                    }
                    let reply_preview = message.reply_to.and_then(|id| previews.get(&id).cloned());
                    events.push(BusEvent::MessageCreated {
                        message: message.clone(),
                        reply_preview,
                    });
                    settled.push((pending_id, message));
                }
                Appended::Duplicate(original) => {
                    events.push(BusEvent::SendDeduplicated {
                        pending_id,
                        original: original.clone(),
                    });
                    settled.push((pending_id, original));
                }
            }
        }
        self.publish_all(events).await;
        for (pending_id, message) in &settled {
            self.pending.settle(*pending_id, message);
        }
        self.complete_all(jobs).await;
    }

    /// Previews of the messages the created ones answer, one `find_many` per room. Previews
    /// are decoration: if they cannot be read, the messages go out without them.
    async fn previews_of(&self, results: &[Appended]) -> HashMap<MessageId, ReplyPreview> {
        let mut wanted: HashMap<RoomId, Vec<MessageId>> = HashMap::new();
        for result in results {
            if let Appended::Created(message) = result {
                if let Some(answered) = message.reply_to {
                    wanted.entry(message.room_id).or_default().push(answered);
                }
            }
        }
        let mut previews = HashMap::new();
        for (room, ids) in wanted {
            match self.ports.messages.find_many(room, &ids).await {
                Ok(found) => previews.extend(found.iter().map(|m| (m.id, ReplyPreview::of(m)))),
                Err(error) => tracing::warn!(%error, %room, "could not read reply previews"),
            }
        }
        previews
    }

    /// The first message of a private room is what makes the room exist for its two users:
    /// one `RoomJoined` for each, published before the message itself.
    async fn private_room_announcements(&self, first: &Message) -> Vec<BusEvent> {
        let room = match self.ports.rooms.find_room(first.room_id).await {
            Ok(Some(room)) if room.kind == RoomKind::Private => room,
            Ok(_) => return Vec::new(),
            Err(error) => {
                tracing::warn!(%error, room = %first.room_id, "could not load the new private room");
                return Vec::new();
            }
        };
        let members = match self.ports.rooms.list_members(room.id).await {
            Ok(members) => members,
            Err(error) => {
                tracing::warn!(%error, room = %room.id, "could not load the new room's members");
                return Vec::new();
            }
        };
        let summaries: Vec<UserSummary> = members
            .iter()
            .map(|m| UserSummary {
                id: m.user.id,
                username: m.user.username.clone(),
            })
            .collect();
        members
            .iter()
            .map(|member| {
                let view = RoomView {
                    room: room.clone(),
                    members: summaries.clone(),
                    member_count: u32::try_from(summaries.len()).unwrap_or(u32::MAX),
                    last_message: None,
                    unread_count: 0,
                };
                BusEvent::RoomJoined {
                    user_id: member.user.id,
                    room: Box::new(view),
                }
            })
            .collect()
    }

    /// Publishes a commit's `events` in order; if the bus fails, each becomes a
    /// `PublishEvent` job, in order, retried with backoff (some may then arrive twice, which
    /// connections ignore: they drop revs they already have).
    async fn publish_all(&self, events: Vec<BusEvent>) {
        let Err(error) = self.ports.bus.publish_all(&events).await else {
            return;
        };
        tracing::warn!(%error, events = events.len(), "event bus unavailable; queueing the commit's events for retry");
        for event in events {
            let job = NewJob {
                id: chat_domain::JobId::from_uuid(self.ports.ids.new_id()),
                payload: JobPayload::PublishEvent { event },
                priority: Priority::Normal,
                delay: self.config.job_backoff_base,
                attempts: 0,
            };
            if let Err(error) = self.ports.queue.enqueue(job).await {
                tracing::error!(%error, "could not queue an event for retry; it is in the store for catch-up");
            }
        }
    }
}
