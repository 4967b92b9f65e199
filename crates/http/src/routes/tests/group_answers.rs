//! The shapes of the answers of issue 4's routes, over scripted ports: reply previews in
//! history and on a delete, a page of members, a role change, pending invites, a read
//! receipt and an empty presence query. Each test scripts only the calls its route makes.

use actix_web::http::StatusCode;
use actix_web::test;
use chat_domain::{
    Invite, InviteId, Membership, Message, MessageId, Rev, Role, Room, RoomId, RoomKind, Seq,
    Timestamp, User, UserId, Username,
};
use chat_ports::MemberProfile;
use serde_json::json;

use super::{authed, call, post_json, Mocks};

const NOW: Timestamp = Timestamp::from_unix_millis(1_700_000_000_000);

fn membership(room: RoomId, user: UserId, role: Role) -> Membership {
    Membership {
        room_id: room,
        user_id: user,
        role,
        joined_at: NOW,
        read_seq: Seq(0),
        delivered_seq: Seq(0),
    }
}

fn message(room: RoomId, seq: u64, reply_to: Option<MessageId>) -> Message {
    Message {
        id: MessageId::new_v7(),
        room_id: room,
        seq: Seq(seq),
        rev: Rev(seq),
        created_rev: Rev(seq),
        sender_id: UserId::new_v7(),
        body: Some(format!("message {seq}")),
        client_msg_id: None,
        reply_to,
        created_at: NOW,
        edited_at: None,
        deleted: false,
    }
}

fn user(name: &str) -> User {
    User {
        id: UserId::new_v7(),
        username: Username::parse(name).unwrap(),
        created_at: NOW,
    }
}

/// Every caller is a member of every room, with `role`.
fn member_everywhere(mocks: &mut Mocks, role: Role) {
    mocks
        .rooms
        .expect_find_membership()
        .returning(move |room, user| Ok(Some(membership(room, user, role))));
}

#[actix_web::test]
async fn history_shows_the_preview_of_each_answered_message() {
    let room = RoomId::new_v7();
    let answered = message(room, 1, None);
    let reply = message(room, 2, Some(answered.id));
    let mut mocks = Mocks::default();
    member_everywhere(&mut mocks, Role::Member);
    let page = vec![answered.clone(), reply];
    mocks
        .messages
        .expect_page()
        .returning(move |_, _, _| Ok(page.clone()));
    let found = answered.clone();
    mocks
        .messages
        .expect_find_many()
        .times(1)
        .returning(move |_, _| Ok(vec![found.clone()]));
    let uri = format!("/api/v1/rooms/{room}/messages");
    let (status, _, body) = call(mocks, authed(test::TestRequest::get().uri(&uri))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["messages"][0].get("reply_preview").is_none());
    assert_eq!(
        body["messages"][1]["reply_preview"],
        json!({
            "id": answered.id.to_string(),
            "sender_id": answered.sender_id.to_string(),
            "body": "message 1",
            "deleted": false,
        })
    );
}

#[actix_web::test]
async fn a_moderator_delete_answers_the_tombstone_with_its_preview() {
    let room = RoomId::new_v7();
    let answered = message(room, 1, None);
    let target = message(room, 2, Some(answered.id));
    let mut mocks = Mocks::default();
    member_everywhere(&mut mocks, Role::Admin);
    mocks.clock.expect_now().returning(|| NOW);
    let found = target.clone();
    mocks
        .messages
        .expect_find_in_room()
        .returning(move |_, _| Ok(Some(found.clone())));
    let tombstone = Message {
        body: None,
        deleted: true,
        rev: Rev(3),
        ..target.clone()
    };
    mocks
        .messages
        .expect_delete()
        .times(1)
        .returning(move |_, _, _| Ok(tombstone.clone()));
    mocks.bus.expect_publish().times(1).returning(|_| Ok(()));
    mocks
        .messages
        .expect_find_many()
        .returning(move |_, _| Ok(vec![answered.clone()]));
    let uri = format!("/api/v1/rooms/{room}/messages/{}", target.id);
    let (status, _, body) = call(mocks, authed(test::TestRequest::delete().uri(&uri))).await;
    assert_eq!(status, StatusCode::OK);
    let message = &body["message"];
    assert_eq!(
        (message["deleted"].clone(), message["body"].clone()),
        (json!(true), json!(null))
    );
    assert_eq!(message["rev"], 3);
    assert_eq!(message["reply_preview"]["body"], "message 1");
}

#[actix_web::test]
async fn a_page_of_members_says_whether_more_follow() {
    let room = RoomId::new_v7();
    let mut mocks = Mocks::default();
    member_everywhere(&mut mocks, Role::Member);
    let profiles: Vec<MemberProfile> = ["ann", "bob", "cat"]
        .iter()
        .map(|name| {
            let user = user(name);
            let role = if *name == "ann" {
                Role::Owner
            } else {
                Role::Member
            };
            MemberProfile {
                membership: membership(room, user.id, role),
                user,
            }
        })
        .collect();
    let first = profiles[0].user.id;
    mocks
        .rooms
        .expect_list_members_page()
        .withf(|_, after, limit| after.is_none() && *limit == 3)
        .returning(move |_, _, _| Ok(profiles.clone()));
    let uri = format!("/api/v1/rooms/{room}/members?limit=2");
    let (status, _, body) = call(mocks, authed(test::TestRequest::get().uri(&uri))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["has_more"], true);
    assert_eq!(body["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        body["members"][0],
        json!({
            "user_id": first.to_string(),
            "username": "ann",
            "role": "owner",
            "joined_at": "2023-11-14T22:13:20.000Z",
        })
    );
}

#[actix_web::test]
async fn the_owner_promoting_a_member_answers_204_and_announces_it() {
    let (room, target) = (RoomId::new_v7(), UserId::new_v7());
    let mut mocks = Mocks::default();
    mocks
        .rooms
        .expect_find_membership()
        .returning(move |room, user| {
            let role = if user == target {
                Role::Member
            } else {
                Role::Owner
            };
            Ok(Some(membership(room, user, role)))
        });
    mocks.rooms.expect_find_room().returning(|id| {
        Ok(Some(Room {
            id,
            kind: RoomKind::Group,
            name: Some("Team".into()),
            description: None,
            created_at: NOW,
        }))
    });
    mocks
        .rooms
        .expect_set_role()
        .withf(move |_, user, role| *user == target && *role == Role::Admin)
        .times(1)
        .returning(|_, _, _| Ok(()));
    mocks.bus.expect_publish().times(1).returning(|_| Ok(()));
    let uri = format!("/api/v1/rooms/{room}/members/{target}");
    let request = post_json(&uri, r#"{"role": "admin"}"#).method(actix_web::http::Method::PATCH);
    let (status, _, body) = call(mocks, authed(request)).await;
    assert_eq!(
        (status, body),
        (StatusCode::NO_CONTENT, serde_json::Value::Null)
    );
}

#[actix_web::test]
async fn pending_invites_name_their_group_and_inviter() {
    let inviter = user("alice");
    let room = RoomId::new_v7();
    let invite = Invite {
        id: InviteId::new_v7(),
        room_id: room,
        inviter_id: inviter.id,
        invitee_id: UserId::new_v7(),
        created_at: NOW,
        expires_at: NOW.plus_millis(60_000),
    };
    let mut mocks = Mocks::default();
    mocks.clock.expect_now().returning(|| NOW);
    let pending = invite.clone();
    mocks
        .invites
        .expect_list_invites_for()
        .returning(move |_, _| Ok(vec![pending.clone()]));
    mocks.rooms.expect_find_room().times(1).returning(|id| {
        Ok(Some(Room {
            id,
            kind: RoomKind::Group,
            name: Some("Team".into()),
            description: None,
            created_at: NOW,
        }))
    });
    let account = inviter.clone();
    mocks
        .users
        .expect_find_by_id()
        .times(1)
        .returning(move |_| Ok(Some(account.clone())));
    let (status, _, body) = call(
        mocks,
        authed(test::TestRequest::get().uri("/api/v1/invites")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed = &body["invites"][0];
    assert_eq!(listed["id"], invite.id.to_string());
    assert_eq!(
        listed["room"],
        json!({"id": room.to_string(), "name": "Team"})
    );
    assert_eq!(
        listed["inviter"],
        json!({"id": inviter.id.to_string(), "username": "alice"})
    );
    assert_eq!(listed["expires_at"], "2023-11-14T22:14:20.000Z");
}

#[actix_web::test]
async fn a_read_receipt_at_or_below_the_marker_is_a_quiet_204() {
    let mut mocks = Mocks::default();
    member_everywhere(&mut mocks, Role::Member);
    let uri = format!("/api/v1/rooms/{}/read", RoomId::new_v7());
    let (status, _, _) = call(mocks, authed(post_json(&uri, r#"{"seq": 0}"#))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn asking_about_nobody_is_an_empty_presence_list() {
    let request = authed(test::TestRequest::get().uri("/api/v1/presence"));
    let (status, _, body) = call(Mocks::default(), request).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"presence": []})));
}
