//! The messages contract suite, with messages in MongoDB and users, rooms and seq counters in
//! SQLite: the same promises the SQL store keeps (gapless seqs under racing batches,
//! idempotent retries, history pages), proven on this store.

use chat_contract::fixtures::MessageStores;

use crate::provision::Mongo;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_messages_contract_holds_on_mongodb() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let mongo = &mongo;
    chat_contract::messages::run_all(move || async move {
        let fresh = mongo.fresh().await;
        MessageStores {
            users: fresh.sql.users(),
            rooms: fresh.sql.rooms(),
            messages: fresh.store,
        }
    })
    .await;
    mongo.cleanup().await;
}
