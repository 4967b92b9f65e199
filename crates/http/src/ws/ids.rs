//! The connections of one user, or of one login: nearly always exactly one.
//!
//! The gateway indexes connections by user and by session. A `HashSet` per key would cost
//! every idle connection a 48-byte set in each index plus a heap table of its own (about
//! 210 bytes in all, see `docs/idle-memory.md`) to hold what is almost always a single id;
//! [`Ids`] keeps one inline and only allocates for a user with several devices (at most
//! `CHAT_MAX_CONNECTIONS_PER_USER`, so the linear scans stay short).

use std::collections::hash_map::{Entry, HashMap};
use std::hash::Hash;

use super::gateway::ConnectionId;

/// One or more connection ids, each at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ids {
    /// The common case.
    One(ConnectionId),
    /// Two or more.
    Many(Vec<ConnectionId>),
}

impl Ids {
    /// The ids, in insertion order.
    pub fn as_slice(&self) -> &[ConnectionId] {
        match self {
            Self::One(id) => std::slice::from_ref(id),
            Self::Many(ids) => ids,
        }
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn insert(&mut self, id: ConnectionId) {
        match self {
            Self::One(only) if *only == id => {}
            Self::One(only) => *self = Self::Many(vec![*only, id]),
            Self::Many(ids) if ids.contains(&id) => {}
            Self::Many(ids) => ids.push(id),
        }
    }

    /// Removes `id`; whether none are left.
    fn remove(&mut self, id: ConnectionId) -> bool {
        match self {
            Self::One(only) => *only == id,
            Self::Many(ids) => {
                ids.retain(|other| *other != id);
                match ids.as_slice() {
                    [] => true,
                    [last] => {
                        *self = Self::One(*last);
                        false
                    }
                    _ => false,
                }
            }
        }
    }
}

impl<'a> IntoIterator for &'a Ids {
    type Item = &'a ConnectionId;
    type IntoIter = std::slice::Iter<'a, ConnectionId>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

/// Adds `id` under `key`.
pub fn add<K: Hash + Eq>(index: &mut HashMap<K, Ids>, key: K, id: ConnectionId) {
    match index.entry(key) {
        Entry::Occupied(entry) => entry.into_mut().insert(id),
        Entry::Vacant(entry) => {
            entry.insert(Ids::One(id));
        }
    }
}

/// Removes `id` from under `key`, and `key` once it has none left.
pub fn remove<K: Hash + Eq>(index: &mut HashMap<K, Ids>, key: K, id: ConnectionId) {
    if let Entry::Occupied(mut entry) = index.entry(key) {
        if entry.get_mut().remove(id) {
            entry.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_id_is_kept_inline_and_the_list_is_no_bigger_than_a_vec() {
        assert!(std::mem::size_of::<Ids>() <= std::mem::size_of::<Vec<ConnectionId>>());
    }

    #[test]
    fn ids_are_added_once_and_removed_down_to_an_absent_key() {
        let mut index = HashMap::new();
        add(&mut index, "ann", 1);
        add(&mut index, "ann", 1);
        assert_eq!(index["ann"], Ids::One(1));
        add(&mut index, "ann", 2);
        add(&mut index, "ann", 3);
        assert_eq!(index["ann"].as_slice(), &[1, 2, 3]);
        remove(&mut index, "ann", 2);
        remove(&mut index, "ann", 9);
        assert_eq!(index["ann"].as_slice(), &[1, 3]);
        remove(&mut index, "ann", 1);
        assert_eq!(index["ann"], Ids::One(3));
        remove(&mut index, "ann", 3);
        assert!(index.is_empty());
        remove(&mut index, "bob", 3);
        assert!(index.is_empty());
    }
}
