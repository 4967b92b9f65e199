//! The hot pure code of delivery: turning a bus event into its WebSocket frame, and handing
//! one message to every connection of a 500-member room.
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
use chat_http::ws::events::route;
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

criterion_group!(benches, encode_message_event, fan_out_to_500);
criterion_main!(benches);
