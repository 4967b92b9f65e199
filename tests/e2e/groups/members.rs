//! The member list and what membership gives: paging by user id, the whole history for newcomers
//! with nothing unread, and the member limit.

use std::collections::HashSet;

use serde_json::json;

use crate::support::{
    assert_error, assert_error_status, assert_rfc3339_utc, id_of, seqs, spawn_app, spawn_app_with,
};

#[tokio::test]
async fn the_member_list_pages_by_user_id_with_roles_and_join_times() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let mut others = Vec::new();
    for i in 0..6 {
        others.push(app.register_and_login(&format!("m{i}")).await);
    }
    let refs: Vec<_> = others.iter().collect();
    let room = app.group_with(&owner, "Many", &refs).await;
    app.set_role(&owner, &room, &others[2], "admin").await;

    // Walk it two at a time with the `after` cursor.
    let mut walked = Vec::new();
    let (mut page, mut has_more) = app.members_page(&others[0], &room, "limit=2").await;
    loop {
        assert!(page.len() <= 2, "limit=2 gave {page:?}");
        walked.extend(page.clone());
        if !has_more {
            break;
        }
        let last = page.last().expect("a page with has_more is not empty")["user_id"]
            .as_str()
            .expect("user_id")
            .to_owned();
        (page, has_more) = app
            .members_page(&others[0], &room, &format!("after={last}&limit=2"))
            .await;
    }

    assert_eq!(walked.len(), 7, "{walked:?}");
    let ids: HashSet<&str> = walked
        .iter()
        .map(|m| m["user_id"].as_str().expect("user_id"))
        .collect();
    assert_eq!(ids.len(), 7, "no member twice: {walked:?}");
    for member in &walked {
        let id = member["user_id"].as_str().expect("user_id");
        let user = std::iter::once(&owner)
            .chain(others.iter())
            .find(|u| u.id == id)
            .unwrap_or_else(|| panic!("{id} is not a member"));
        assert_eq!(member["username"], user.username.as_str(), "{member}");
        let want = if user.id == owner.id {
            "owner"
        } else if user.id == others[2].id {
            "admin"
        } else {
            "member"
        };
        assert_eq!(member["role"], want, "{member}");
        assert_rfc3339_utc(&member["joined_at"]);
    }
    // One big page says there is no more.
    let (all, more) = app.members_page(&owner, &room, "limit=200").await;
    assert_eq!(all.len(), 7);
    assert!(!more);
}

#[tokio::test]
async fn a_member_page_limit_outside_1_to_200_is_a_400() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let room = id_of(&app.create_group(&owner, "Limits").await);

    for query in ["limit=0", "limit=201"] {
        let response = app.try_members(&owner, &room, query).await;
        assert_error(&response, 400, "invalid_limit");
    }
    for query in ["limit=ten", "after=not-a-user-id"] {
        let response = app.try_members(&owner, &room, query).await;
        assert_error_status(&response, 400);
    }
    // The edges of the range are accepted.
    app.members_page(&owner, &room, "limit=1").await;
    app.members_page(&owner, &room, "limit=200").await;
}

#[tokio::test]
async fn a_new_member_reads_the_whole_history_and_starts_with_nothing_unread() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let early = app.register_and_login("early").await;
    let newcomer = app.register_and_login("newcomer").await;
    let room = app.group_with(&owner, "Archive", &[&early]).await;
    for i in 0..5 {
        let from = if i % 2 == 0 { &owner } else { &early };
        app.send_to_room(from, &room, &format!("before you came {i}"))
            .await;
    }

    app.add_member(&owner, &room, &newcomer).await;

    let history = app.full_history(&newcomer, &room).await;
    assert_eq!(seqs(&history), vec![1, 2, 3, 4, 5]);
    assert_eq!(history[0]["body"], "before you came 0");
    assert_eq!(
        app.unread(&newcomer, &room).await,
        (0, 0),
        "a new member's read marker starts at the latest message"
    );

    app.send_to_room(&owner, &room, "now you are here").await;
    assert_eq!(app.unread(&newcomer, &room).await.0, 1);
}

#[tokio::test]
async fn a_group_at_its_member_limit_refuses_joins_with_409_room_full() {
    // The limit is configuration (default 1,000); three keeps the test small.
    let app = spawn_app_with(vec![("CHAT_MAX_GROUP_MEMBERS".into(), "3".into())]).await;
    let owner = app.register_and_login("owner").await;
    let second = app.register_and_login("second").await;
    let third = app.register_and_login("third").await;
    let fourth = app.register_and_login("fourth").await;
    let fifth = app.register_and_login("fifth").await;
    let room = app.group_with(&owner, "Trio", &[&second]).await;
    let pending = id_of(&app.invite(&owner, &room, &fourth).await);
    let token = app.create_link(&owner, &room, &json!({})).await;

    // The third member fills it.
    app.add_member(&owner, &room, &third).await;

    assert_error(&app.try_accept(&fourth, &pending).await, 409, "room_full");
    assert_error(&app.try_join_link(&fifth, &token).await, 409, "room_full");
    let members = app.all_members(&owner, &room).await;
    assert_eq!(members.len(), 3, "{members:?}");
    for outsider in [&fourth, &fifth] {
        assert_error(
            &app.try_get_room(outsider, &room).await,
            404,
            "room_not_found",
        );
    }
    // When someone leaves there is room again, and the refused invite still works.
    app.leave(&third, &room).await;
    app.accept(&fourth, &pending).await;
    assert_eq!(app.all_members(&owner, &room).await.len(), 3);
}
