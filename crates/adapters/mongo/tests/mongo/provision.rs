//! Fresh stores for every check: a MongoDB database of its own (`chat_t_<uuid>`) for the
//! messages, and a migrated SQLite database in memory for users, rooms and seq counters.
//!
//! [`Mongo::resolve`] finds the server through `chat_testkit::mongodb()`; a test without one
//! returns early (the skip is announced there, or turned into a failure under
//! `CHAT_REQUIRE_SERVICES=1`). [`Mongo::cleanup`] drops the databases a test made.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chat_domain::ids::Uuid;
use chat_mongo::MongoMessageStore;
use chat_ports::SeqAllocator;
use chat_sql::SqlDatabase;
use mongodb::bson::Document;
use mongodb::{Client, Collection};

/// The MongoDB server of a test, and the databases it made there.
pub struct Mongo {
    /// The URI as resolved, pointing at no database in particular.
    base: String,
    admin: Client,
    created: Mutex<Vec<String>>,
}

/// What one check works on.
pub struct Fresh {
    /// Users, rooms and the seq counters.
    pub sql: SqlDatabase,
    /// The store under test, with its indexes made.
    pub store: Arc<MongoMessageStore>,
    /// The name of its MongoDB database.
    pub database: String,
}

impl Mongo {
    /// The server to test against, or `None` (announced) when there is none.
    pub async fn resolve() -> Option<Self> {
        let endpoint = chat_testkit::mongodb().await?;
        let admin = Client::with_uri_str(&endpoint.url)
            .await
            .expect("a valid MongoDB URI");
        Some(Self {
            base: endpoint.url,
            admin,
            created: Mutex::new(Vec::new()),
        })
    }

    /// The URI of database `name` on this server.
    pub fn uri_for(&self, name: &str) -> String {
        with_database(&self.base, name)
    }

    /// A fresh SQL database and a store over a new MongoDB database of its own.
    pub async fn fresh(&self) -> Fresh {
        let sql = sqlite().await;
        let database = self.new_database();
        let allocator = sql.sequences() as Arc<dyn SeqAllocator>;
        let store = self.store_on(&self.uri_for(&database), allocator).await;
        Fresh {
            sql,
            store: Arc::new(store),
            database,
        }
    }

    /// The name of a new database of this test, dropped by [`Mongo::cleanup`].
    pub fn new_database(&self) -> String {
        let database = format!("chat_t_{}", Uuid::now_v7().simple());
        self.created
            .lock()
            .expect("not poisoned")
            .push(database.clone());
        database
    }

    /// A store at `uri` taking seqs from `allocator`, with its indexes made.
    pub async fn store_on(&self, uri: &str, allocator: Arc<dyn SeqAllocator>) -> MongoMessageStore {
        let store = MongoMessageStore::connect(uri, allocator)
            .await
            .expect("connect");
        store.ensure_indexes().await.expect("ensure_indexes");
        store
    }

    /// The address of the server, when the URI names a single `mongodb://` host.
    pub async fn address(&self) -> Option<SocketAddr> {
        let hosts = self
            .base
            .strip_prefix("mongodb://")?
            .split(['/', '?'])
            .next()?;
        let host = hosts.rsplit_once('@').map_or(hosts, |(_, host)| host);
        if host.contains(',') {
            return None;
        }
        let host = if host.contains(':') {
            host.to_owned()
        } else {
            format!("{host}:27017")
        };
        tokio::net::lookup_host(host).await.ok()?.next()
    }

    /// The URI of `database` through a proxy on `port` of 127.0.0.1, with the credentials of
    /// the resolved URI. `directConnection`: a replica set member would otherwise hand the
    /// driver its own address, and the driver would go around the proxy.
    pub fn proxied_uri(&self, port: u16, database: &str) -> String {
        let rest = self.base.split_once("://").map_or("", |(_, rest)| rest);
        let credentials = rest
            .split(['/', '?'])
            .next()
            .and_then(|h| h.rsplit_once('@'));
        let credentials = credentials.map_or(String::new(), |(c, _)| format!("{c}@"));
        format!("mongodb://{credentials}127.0.0.1:{port}/{database}?directConnection=true")
    }

    /// The raw `messages` collection of `database`, to plant or inspect documents.
    pub fn messages(&self, database: &str) -> Collection<Document> {
        self.admin.database(database).collection("messages")
    }

    /// A client of the server, for commands the store does not send.
    pub fn admin(&self) -> &Client {
        &self.admin
    }

    /// Drops the databases this test made.
    pub async fn cleanup(&self) {
        let names = std::mem::take(&mut *self.created.lock().expect("not poisoned"));
        for name in names {
            self.admin
                .database(&name)
                .drop()
                .await
                .expect("drop a test database");
        }
    }
}

/// A migrated SQLite database in memory: users, rooms and the seq counters.
pub async fn sqlite() -> SqlDatabase {
    let sql = SqlDatabase::connect("sqlite::memory:")
        .await
        .expect("sqlite");
    sql.migrate().await.expect("migrate");
    sql
}

/// Writes `message` to the terminal past the test harness's capture: what a run could not
/// check must be seen.
pub fn announce(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***");
}

/// `uri` with its database (the path) replaced by `name`; hosts, credentials and options stay.
fn with_database(uri: &str, name: &str) -> String {
    let (scheme, rest) = uri.split_once("://").expect("a URI with a scheme");
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let hosts = rest.split_once('/').map_or(rest, |(hosts, _)| hosts);
    match query {
        Some(query) => format!("{scheme}://{hosts}/{name}?{query}"),
        None => format!("{scheme}://{hosts}/{name}"),
    }
}

#[test]
fn a_mongodb_uri_is_pointed_at_another_database() {
    assert_eq!(
        with_database("mongodb://127.0.0.1:27017/", "x"),
        "mongodb://127.0.0.1:27017/x"
    );
    assert_eq!(with_database("mongodb://h:1", "y"), "mongodb://h:1/y");
    assert_eq!(
        with_database("mongodb://u:p@a:1,b:2/admin?replicaSet=rs", "z"),
        "mongodb://u:p@a:1,b:2/z?replicaSet=rs"
    );
}
