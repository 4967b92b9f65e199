//! The room and block stores as the use cases see them on a node with a
//! [`SendAccessCache`]: `send_access` answers from the cache when it can, and every write that
//! revokes access forgets what it revoked before it returns. Everything else goes straight to
//! the wrapped store.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chat_domain::{Membership, PrivatePair, Role, Room, RoomId, Seq, Timestamp, UserId};
use chat_ports::{
    BlockStore, JoinOutcome, MemberProfile, NewPrivateRoom, PrivateRoomOutcome, RoomStore,
    SendAccess, StoreError, UserRoom,
};

use super::SendAccessCache;

/// A [`RoomStore`] answering `send_access` through the cache.
pub(super) struct CachedRooms {
    inner: Arc<dyn RoomStore>,
    cache: Arc<SendAccessCache>,
}

impl CachedRooms {
    pub(super) fn new(inner: Arc<dyn RoomStore>, cache: Arc<SendAccessCache>) -> Self {
        Self { inner, cache }
    }
}

#[async_trait]
impl RoomStore for CachedRooms {
    async fn send_access(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<SendAccess>, StoreError> {
        // The answer's age counts from before the read: it may be as old as that.
        let asked_at = Instant::now();
        if let Some(room) = self.cache.get(room, user, asked_at) {
            return Ok(Some(SendAccess {
                room,
                blocked: false,
            }));
        }
        let epoch = self.cache.epoch();
        let access = self.inner.send_access(room, user).await?;
        if let Some(SendAccess {
            room,
            blocked: false,
        }) = &access
        {
            self.cache.remember(epoch, user, room.clone(), asked_at);
        }
        Ok(access)
    }

    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        let removed = self.inner.remove_member(room, user).await;
        // Forgotten even if the call failed: it may have committed before failing.
        self.cache.forget_member(room, user);
        removed
    }

    async fn delete_room(&self, id: RoomId) -> Result<(), StoreError> {
        let deleted = self.inner.delete_room(id).await;
        self.cache.forget_room(id);
        deleted
    }

    async fn update_room(&self, room: &Room) -> Result<(), StoreError> {
        let updated = self.inner.update_room(room).await;
        self.cache.forget_room(room.id);
        updated
    }

    async fn create_private_room(
        &self,
        room: &NewPrivateRoom,
    ) -> Result<PrivateRoomOutcome, StoreError> {
        self.inner.create_private_room(room).await
    }

    async fn find_private_room(&self, pair: &PrivatePair) -> Result<Option<Room>, StoreError> {
        self.inner.find_private_room(pair).await
    }

    async fn find_room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        self.inner.find_room(id).await
    }

    async fn find_membership(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError> {
        self.inner.find_membership(room, user).await
    }

    async fn list_members(&self, room: RoomId) -> Result<Vec<MemberProfile>, StoreError> {
        self.inner.list_members(room).await
    }

    async fn list_rooms_of_user(&self, user: UserId) -> Result<Vec<UserRoom>, StoreError> {
        self.inner.list_rooms_of_user(user).await
    }

    async fn count_rooms_of_user(&self, user: UserId) -> Result<u32, StoreError> {
        self.inner.count_rooms_of_user(user).await
    }

    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> Result<bool, StoreError> {
        self.inner.mark_read(room, user, seq).await
    }

    async fn mark_read_many(&self, marks: &[(RoomId, UserId, Seq)]) -> Result<(), StoreError> {
        self.inner.mark_read_many(marks).await
    }

    async fn mark_delivered(
        &self,
        room: RoomId,
        user: UserId,
        seq: Seq,
    ) -> Result<bool, StoreError> {
        self.inner.mark_delivered(room, user, seq).await
    }

    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        at: Timestamp,
        max_members: u32,
    ) -> Result<JoinOutcome, StoreError> {
        self.inner
            .add_member(room, user, role, at, max_members)
            .await
    }

    async fn create_group(&self, room: &Room, owner: UserId) -> Result<(), StoreError> {
        self.inner.create_group(room, owner).await
    }

    async fn list_members_page(
        &self,
        room: RoomId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<MemberProfile>, StoreError> {
        self.inner.list_members_page(room, after, limit).await
    }

    async fn count_members(&self, room: RoomId) -> Result<u32, StoreError> {
        self.inner.count_members(room).await
    }

    async fn set_role(&self, room: RoomId, user: UserId, role: Role) -> Result<(), StoreError> {
        self.inner.set_role(room, user, role).await
    }

    async fn transfer_ownership(
        &self,
        room: RoomId,
        from: UserId,
        to: UserId,
    ) -> Result<(), StoreError> {
        self.inner.transfer_ownership(room, from, to).await
    }

    async fn share_a_room(&self, a: UserId, b: UserId) -> Result<bool, StoreError> {
        self.inner.share_a_room(a, b).await
    }
}

/// A [`BlockStore`] whose blocks forget what the blocked user was allowed.
pub(super) struct CachedBlocks {
    inner: Arc<dyn BlockStore>,
    cache: Arc<SendAccessCache>,
}

impl CachedBlocks {
    pub(super) fn new(inner: Arc<dyn BlockStore>, cache: Arc<SendAccessCache>) -> Self {
        Self { inner, cache }
    }
}

#[async_trait]
impl BlockStore for CachedBlocks {
    async fn block(
        &self,
        blocker: UserId,
        blocked: UserId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let result = self.inner.block(blocker, blocked, at).await;
        self.cache.forget_user(blocked);
        result
    }

    async fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<(), StoreError> {
        self.inner.unblock(blocker, blocked).await
    }

    async fn is_blocked(&self, blocker: UserId, blocked: UserId) -> Result<bool, StoreError> {
        self.inner.is_blocked(blocker, blocked).await
    }
}
