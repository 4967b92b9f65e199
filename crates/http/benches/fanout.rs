//! The hot pure code of delivery: reading a client's `send` frame, turning a bus event into its
//! WebSocket frame, the sender's `ack`, and handing one message to every connection of a
//! 500-member room.
//!
//! `cargo bench -p chat-http --bench fanout` prints the figures; nothing here asserts a time
//! (the machines are shared and noisy). The event is encoded once per event, whatever the
//! room's size, so `fan_out_to_500` should cost 500 reference-count bumps and channel pushes
//! on top of one `encode_message_event`.

use std::hint::black_box;

use chat_app::events::LocalDelivery;
use chat_domain::{
    ClientMsgId, Message, MessageId, Rev, RoomId, Seq, SessionId, Timestamp, UserId,
};
use chat_http::dto::MessageDto;
use chat_http::ws::events::route;
use chat_http::ws::protocol::{ack_event, parse_client_frame};
use chat_http::Gateway;
use chat_ports::BusEvent;
use criterion::{criterion_group, criterion_main, Criterion};

fn message_created(room: RoomId, seq: u64) -> BusEvent {
    BusEvent::MessageCreated {
        message: Message {
            id: MessageId::new_v7(),
            room_id: room,
            seq: Seq(seq),
            rev: Rev(seq),
            created_rev: Rev(seq),
            sender_id: UserId::new_v7(),
            body: Some("a message of an ordinary length, about as long as most chat lines".into()),
            client_msg_id: ClientMsgId::parse("client-42").ok(),
            reply_to: None,
            created_at: Timestamp::from_unix_millis(1_700_000_000_000),
            edited_at: None,
            deleted: false,
        },
        reply_preview: None,
    }
}

fn encode_message_event(c: &mut Criterion) {
    let event = message_created(RoomId::new_v7(), 1);
    c.bench_function("encode_message_event", |b| {
        b.iter(|| route(black_box(&event)))
    });
}

fn encode_ack_event(c: &mut Criterion) {
    let BusEvent::MessageCreated { message, .. } = message_created(RoomId::new_v7(), 1) else {
        return;
    };
    let dto = MessageDto::from(&message);
    c.bench_function("encode_ack_event", |b| {
        b.iter(|| ack_event(black_box(Some("r-123")), black_box(&dto)))
    });
}

fn parse_send_frame(c: &mut Criterion) {
    let frame = r#"{"type":"send","ref":"r-123","room_id":"0193a1b0-7c5e-7d41-9a52-3f8e2b1c4d6a","body":"a message of an ordinary length, about as long as most chat lines","client_msg_id":"s12-345"}"#;
    c.bench_function("parse_send_frame", |b| {
        b.iter(|| parse_client_frame(black_box(frame)))
    });
}

fn fan_out_to_500(c: &mut Criterion) {
    let room = RoomId::new_v7();
    // A buffer deep enough for every iteration of a sample; drained between samples.
    let gateway = Gateway::new(1 << 16);
    let mut receivers = Vec::new();
    for _ in 0..500 {
        let Some(registration) = gateway.register(UserId::new_v7(), SessionId::new_v7()) else {
            return;
        };
        gateway.attach_rooms(registration.id, vec![room]);
        receivers.push(registration.receiver);
    }
    let mut seq = 0;
    c.bench_function("fan_out_to_500", |b| {
        b.iter_batched(
            || {
                for receiver in &mut receivers {
                    while receiver.try_recv().is_some() {}
                }
                seq += 1;
                message_created(room, seq)
            },
            |event| gateway.deliver(black_box(&event)),
            criterion::BatchSize::SmallInput,
        )
    });
}

criterion_group!(
    benches,
    parse_send_frame,
    encode_message_event,
    encode_ack_event,
    fan_out_to_500
);
criterion_main!(benches);
