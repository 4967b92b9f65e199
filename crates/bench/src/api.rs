//! The HTTP half of the API, as a client app uses it: accounts, rooms, groups, history.
//!
//! Set-up work (registering a thousand users, making their rooms) is not what a run
//! measures, so it is done with bounded concurrency and plain `serde_json::Value` answers;
//! only the history reads of the `history` workload are timed.

use anyhow::{bail, Context as _};
use reqwest::header::AUTHORIZATION;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::target::Target;

/// The password of every account the tool makes (8 to 72 bytes).
const PASSWORD: &str = "chat-bench password";

/// A registered, logged-in user.
#[derive(Debug, Clone)]
pub struct Account {
    /// Its position in the run (what `client_msg_id` names).
    pub index: u32,
    /// Its user id.
    pub id: String,
    /// An access token of one login.
    pub token: String,
}

/// One message of a history page, as far as the self-check reads it.
#[derive(Debug, Deserialize)]
pub struct PageMessage {
    /// Its position in the room.
    pub seq: u64,
    /// The room's change counter at its last change.
    pub rev: u64,
    /// The sender's key.
    #[serde(default)]
    pub client_msg_id: Option<String>,
}

/// A history page.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// Oldest first.
    pub messages: Vec<PageMessage>,
    /// Whether more exist in the direction paged.
    pub has_more: bool,
}

/// Where a history page starts.
#[derive(Debug, Clone, Copy)]
pub enum Cursor {
    /// `before=<seq>`.
    Before(u64),
    /// `after=<seq>`.
    After(u64),
}

/// An HTTP client of one server.
#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    target: Target,
}

impl Api {
    /// A client with a connection pool large enough for the set-up's concurrency.
    pub fn new(target: Target) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .build()
            .context("building the HTTP client")?;
        Ok(Self { client, target })
    }

    async fn call(&self, builder: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
        let response = builder
            .send()
            .await
            .with_context(|| format!("{what}: request failed"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .with_context(|| format!("{what}: reading the answer"))?;
        if !status.is_success() {
            bail!("{what}: HTTP {status}: {text}");
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).with_context(|| format!("{what}: answer is not JSON: {text}"))
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> anyhow::Result<Value> {
        let mut builder = self.client.post(self.target.url(path)).json(body);
        if let Some(token) = token {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        self.call(builder, path).await
    }

    /// Checks the server answers `/readyz`.
    pub async fn ready(&self) -> anyhow::Result<()> {
        self.call(self.client.get(self.target.url("/readyz")), "/readyz")
            .await
            .map(|_| ())
    }

    /// The node's `GET /metrics` text.
    pub async fn metrics_text(&self) -> anyhow::Result<String> {
        let response = self
            .client
            .get(self.target.url("/metrics"))
            .send()
            .await
            .context("/metrics: request failed")?;
        let status = response.status();
        if !status.is_success() {
            bail!("/metrics: HTTP {status}");
        }
        response.text().await.context("/metrics: reading")
    }

    /// Registers and logs in `name`.
    pub async fn account(&self, index: u32, name: &str) -> anyhow::Result<Account> {
        let credentials = json!({"username": name, "password": PASSWORD});
        self.post("/api/v1/auth/register", None, &credentials)
            .await?;
        self.login(index, name).await
    }

    /// Logs in `name` (registered by [`Self::account`]) again: a fresh access token.
    pub async fn login(&self, index: u32, name: &str) -> anyhow::Result<Account> {
        let credentials = json!({"username": name, "password": PASSWORD});
        let login = self.post("/api/v1/auth/login", None, &credentials).await?;
        let field = |v: &Value| v.as_str().map(str::to_owned);
        match (field(&login["user"]["id"]), field(&login["access_token"])) {
            (Some(id), Some(token)) => Ok(Account { index, id, token }),
            _ => bail!("login answer without user id or token: {login}"),
        }
    }

    /// Sends the first private message from `from` to `to` over HTTP, which makes their
    /// room; returns the room id.
    pub async fn open_private_room(&self, from: &Account, to: &Account) -> anyhow::Result<String> {
        let answer = self
            .post(
                &format!("/api/v1/users/{}/messages", to.id),
                Some(&from.token),
                &json!({"body": "hello", "client_msg_id": "bench-setup"}),
            )
            .await?;
        answer["room"]["id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("send answer without room id: {answer}"))
    }

    /// Creates a group owned by `owner`; returns its id.
    pub async fn create_group(&self, owner: &Account, name: &str) -> anyhow::Result<String> {
        let answer = self
            .post("/api/v1/groups", Some(&owner.token), &json!({"name": name}))
            .await?;
        answer["room"]["id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("group answer without room id: {answer}"))
    }

    /// Makes an invite link without limits for `room`; returns its token.
    pub async fn invite_link(&self, owner: &Account, room: &str) -> anyhow::Result<String> {
        let answer = self
            .post(
                &format!("/api/v1/rooms/{room}/invite-links"),
                Some(&owner.token),
                &json!({}),
            )
            .await?;
        answer["link"]["token"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("link answer without token: {answer}"))
    }

    /// `who` joins a group through the link `token`.
    pub async fn join(&self, who: &Account, token: &str) -> anyhow::Result<()> {
        self.post(
            &format!("/api/v1/invite-links/{token}/join"),
            Some(&who.token),
            &json!({}),
        )
        .await
        .map(|_| ())
    }

    /// A page of `room`'s history.
    pub async fn page(
        &self,
        token: &str,
        room: &str,
        cursor: Cursor,
        limit: u16,
    ) -> anyhow::Result<Page> {
        let query = match cursor {
            Cursor::Before(seq) => format!("before={seq}"),
            Cursor::After(seq) => format!("after={seq}"),
        };
        let url = self.target.url(&format!(
            "/api/v1/rooms/{room}/messages?{query}&limit={limit}"
        ));
        let response = self
            .client
            .get(url)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .send()
            .await
            .context("history page: request failed")?;
        let status = response.status();
        let bytes = response.bytes().await.context("history page: reading")?;
        if !status.is_success() {
            bail!(
                "history page: HTTP {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        serde_json::from_slice(&bytes).context("history page: unexpected answer")
    }

    /// Every message of `room`, oldest first, paged with `after` 100 at a time.
    pub async fn whole_history(&self, token: &str, room: &str) -> anyhow::Result<Vec<PageMessage>> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = self.page(token, room, Cursor::After(after), 100).await?;
            let Some(last) = page.messages.last() else {
                break;
            };
            after = last.seq;
            let more = page.has_more;
            all.extend(page.messages);
            if !more {
                break;
            }
        }
        Ok(all)
    }
}
