//! Fixtures for the group use cases: group 3 with Alice as its owner, Bob as an admin and
//! Carol as a member; Dave belongs to no group.

use chat_domain::{Role, UserId};
use mockall::predicate::eq;

use super::*;

/// Alice, the owner of group 3.
pub const ALICE: u64 = 1;
/// Bob, an admin of group 3.
pub const BOB: u64 = 2;
/// Carol, a member of group 3.
pub const CAROL: u64 = 3;
/// Dave, a stranger to group 3.
pub const DAVE: u64 = 4;
/// Erin, a second admin of group 3, who joined after Bob.
pub const ERIN: u64 = 5;

/// The role `user` holds in group 3, if any.
pub fn role_in_group(user: UserId) -> Option<Role> {
    [
        (ALICE, Role::Owner),
        (BOB, Role::Admin),
        (CAROL, Role::Member),
        (ERIN, Role::Admin),
    ]
    .into_iter()
    .find(|(n, _)| user_id(*n) == user)
    .map(|(_, role)| role)
}

/// Group 3 exists with the members above, whose memberships the store reports.
pub fn group_3(mocks: &mut MockPorts) {
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| {
            Ok(role_in_group(user)
                .filter(|_| room == room_id(3))
                .map(|role| membership_as(room, user, role)))
        });
    mocks
        .rooms
        .expect_find_room()
        .with(eq(room_id(3)))
        .returning(|_| Ok(Some(group_room(3))));
}

/// Every user 1 to 5 has an account.
pub fn accounts(mocks: &mut MockPorts) {
    mocks.users.expect_find_by_id().returning(|id| {
        Ok([
            (ALICE, "alice"),
            (BOB, "bob"),
            (CAROL, "carol"),
            (DAVE, "dave"),
            (ERIN, "erin"),
        ]
        .into_iter()
        .map(|(n, name)| user(n, name))
        .find(|u| u.id == id))
    });
}
