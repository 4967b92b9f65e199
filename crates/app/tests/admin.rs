//! Administration: who is an administrator, locking (durable first, then sessions, then the
//! announcement), unlocking, disconnecting, and the dead letters through the shared service.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chat_app::admin::{AdminError, AdminPolicy, AdminService};
use chat_app::auth::RevokedSessions;
use chat_domain::Username;
use chat_ports::{BusEvent, DeadLetter, JobPayload, NewJob, Priority};
use mockall::predicate::eq;
use mockall::Sequence;
use support::*;

const TOKEN: &str = "an-admin-token-of-at-least-32-bytes!";

fn dead_letter() -> DeadLetter {
    DeadLetter {
        id: job_id(1),
        payload: JobPayload::PersistMessage {
            message: new_message(1, room_id(3), user_id(1)),
        },
        priority: Priority::Interactive,
        attempts: 3,
        error: "store unavailable".to_owned(),
        failed_at: NOW,
    }
}

fn service_with(mocks: MockPorts, revoked: Option<Arc<RevokedSessions>>) -> AdminService {
    let admins = [Username::parse("root").expect("a username")];
    let ports = mocks.build();
    let revoked = revoked.unwrap_or_else(|| {
        Arc::new(RevokedSessions::new(
            Duration::from_secs(900),
            Arc::clone(&ports.clock),
        ))
    });
    AdminService::new(ports, AdminPolicy::new(admins, Some(TOKEN)), revoked)
}

fn service(mocks: MockPorts) -> AdminService {
    service_with(mocks, None)
}

#[tokio::test]
async fn listed_users_are_admins_and_others_or_unknown_ones_are_not() {
    let mut mocks = MockPorts::new();
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(1)))
        .returning(|_| Ok(Some(user(1, "root"))));
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(2)))
        .returning(|_| Ok(Some(user(2, "alice"))));
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(3)))
        .returning(|_| Ok(None));
    let admin = service(mocks);

    assert!(admin.is_admin(user_id(1)).await.expect("checked"));
    assert!(!admin.is_admin(user_id(2)).await.expect("checked"));
    assert!(!admin.is_admin(user_id(3)).await.expect("checked"));
    assert!(admin.is_admin_token(TOKEN));
    assert!(!admin.is_admin_token("root"));
}

#[tokio::test]
async fn locking_marks_the_account_then_revokes_every_session_then_disconnects() {
    let revoked_here = Arc::new(RevokedSessions::new(
        Duration::from_secs(900),
        Arc::new(chat_ports::MockClock::new()),
    ));
    let mut mocks = MockPorts::new();
    let mut order = Sequence::new();
    mocks
        .users
        .expect_set_locked()
        .with(eq(user_id(2)), eq(Some(NOW)))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _| Ok(true));
    mocks
        .sessions
        .expect_revoke_all()
        .with(eq(user_id(2)), eq(NOW))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _| Ok(vec![session(1, user_id(2))]));
    mocks
        .bus
        .expect_publish()
        .with(eq(BusEvent::SessionRevoked {
            session_id: session_id(1),
        }))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    mocks
        .bus
        .expect_publish()
        .with(eq(BusEvent::UserDisconnected {
            user_id: user_id(2),
        }))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));

    let revoked = service_with(mocks, Some(Arc::clone(&revoked_here)))
        .lock_user(user_id(2))
        .await
        .expect("locked");

    assert_eq!(revoked, 1);
    assert!(
        revoked_here.contains(session_id(1)),
        "its access tokens are refused on this node at once"
    );
}

#[tokio::test]
async fn locking_an_unknown_user_is_not_found_and_touches_nothing_else() {
    let mut mocks = MockPorts::new();
    mocks.users.expect_set_locked().returning(|_, _| Ok(false));
    mocks.sessions.expect_revoke_all().never();
    mocks.bus.expect_publish().never();

    let result = service(mocks).lock_user(user_id(2)).await;

    assert!(
        matches!(result, Err(AdminError::UserNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn unlocking_clears_the_lock() {
    let mut mocks = MockPorts::new();
    mocks
        .users
        .expect_set_locked()
        .with(eq(user_id(2)), eq(None))
        .times(1)
        .returning(|_, _| Ok(true));
    mocks.bus.expect_publish().never();

    let result = service(mocks).unlock_user(user_id(2)).await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn disconnecting_a_user_announces_it_and_revokes_nothing() {
    let mut mocks = MockPorts::new();
    mocks
        .users
        .expect_find_by_id()
        .returning(|_| Ok(Some(user(2, "alice"))));
    mocks.sessions.expect_revoke_all().never();
    mocks
        .bus
        .expect_publish()
        .with(eq(BusEvent::UserDisconnected {
            user_id: user_id(2),
        }))
        .times(1)
        .returning(|_| Ok(()));

    let result = service(mocks).disconnect_user(user_id(2)).await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn disconnecting_an_unknown_user_is_not_found() {
    let mut mocks = MockPorts::new();
    mocks.users.expect_find_by_id().returning(|_| Ok(None));
    mocks.bus.expect_publish().never();

    let result = service(mocks).disconnect_user(user_id(2)).await;

    assert!(
        matches!(result, Err(AdminError::UserNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_replayed_dead_letter_goes_back_on_the_queue() {
    let mut mocks = MockPorts::new();
    let letter = dead_letter();
    let taken = letter.clone();
    mocks
        .dead_letters
        .expect_take()
        .with(eq(job_id(1)))
        .times(1)
        .return_once(move |_| Ok(Some(taken)));
    mocks
        .queue
        .expect_enqueue()
        .withf(move |job: &NewJob| job.id == letter.id && job.attempts == 0)
        .times(1)
        .returning(|_| Ok(()));

    let result = service(mocks).dead_letters().replay(job_id(1)).await;

    assert!(result.is_ok(), "{result:?}");
}
