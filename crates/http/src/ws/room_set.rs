//! The rooms one connection is subscribed to, as the gateway's registry keeps them.
//!
//! Every open connection has one, in the registry's `connections` table, so its size is paid
//! per connection whether or not the user is in any room: a `HashSet<RoomId>` is 48 bytes
//! inline (its table and its `RandomState`) and, once it holds a room, a heap table of at
//! least four buckets plus control bytes. Here it is a sorted boxed slice: 16 bytes inline,
//! nothing on the heap for a user in no room, and exactly 16 bytes a room otherwise (see
//! `docs/idle-memory.md`).
//!
//! Lookups are binary searches, which for the few rooms most users are in cost less than
//! hashing a UUID. Inserting or removing a room re-allocates the slice; that happens on a
//! join, a leave or a room's deletion, never on the delivery path.

use chat_domain::RoomId;

/// A set of rooms, sorted, each once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RoomSet(Box<[RoomId]>);

impl RoomSet {
    /// The set of `rooms` (duplicates kept once).
    pub fn from_rooms(mut rooms: Vec<RoomId>) -> Self {
        rooms.sort_unstable();
        rooms.dedup();
        Self(rooms.into_boxed_slice())
    }

    /// Whether `room` is in the set.
    pub fn contains(&self, room: &RoomId) -> bool {
        self.0.binary_search(room).is_ok()
    }

    /// Adds `room`; whether it was new.
    pub fn insert(&mut self, room: RoomId) -> bool {
        let Err(at) = self.0.binary_search(&room) else {
            return false;
        };
        let mut rooms = Vec::with_capacity(self.0.len() + 1);
        rooms.extend_from_slice(&self.0[..at]);
        rooms.push(room);
        rooms.extend_from_slice(&self.0[at..]);
        self.0 = rooms.into_boxed_slice();
        true
    }

    /// Adds every room of `rooms`.
    pub fn extend(&mut self, rooms: impl IntoIterator<Item = RoomId>) {
        let mut all = std::mem::take(&mut self.0).into_vec();
        all.extend(rooms);
        *self = Self::from_rooms(all);
    }

    /// Removes `room`; whether it was there.
    pub fn remove(&mut self, room: &RoomId) -> bool {
        let Ok(at) = self.0.binary_search(room) else {
            return false;
        };
        let mut rooms = std::mem::take(&mut self.0).into_vec();
        rooms.remove(at);
        self.0 = rooms.into_boxed_slice();
        true
    }

    /// The rooms, in order.
    pub fn iter(&self) -> impl Iterator<Item = RoomId> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_is_two_words_and_an_empty_one_allocates_nothing() {
        assert_eq!(std::mem::size_of::<RoomSet>(), 16);
        assert_eq!(RoomSet::default().iter().count(), 0);
    }

    #[test]
    fn rooms_are_kept_once_in_order_through_inserts_and_removals() {
        let [a, b, c] = [RoomId::new_v7(), RoomId::new_v7(), RoomId::new_v7()];
        let mut set = RoomSet::from_rooms(vec![c, a, c]);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![a, c]);
        assert!(set.insert(b));
        assert!(!set.insert(b));
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![a, b, c]);
        assert!(set.contains(&b));
        assert!(set.remove(&a));
        assert!(!set.remove(&a));
        assert!(!set.contains(&a));
        set.extend([a, c]);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![a, b, c]);
        assert_eq!(set.iter().count(), 3);
        for room in [a, b, c] {
            set.remove(&room);
        }
        assert_eq!(set, RoomSet::default());
    }
}
