//! The contract suites of `chat-contract`, one module per port, each run on every backend.
//!
//! Each check of a suite gets a fresh database from the [`Provider`]; the stores a bundle holds
//! all come from that one database, as the suites require.

use std::sync::Arc;

use chat_contract::fixtures::{MessageStores, RoomStores, SessionStores};
use chat_contract::invites::InviteStores;
use chat_contract::sequences::SequenceStores;
use chat_ports::{DeadLetterStore, UserStore};

use crate::provision::{Backend, Provider};

mod users {
    use super::*;

    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the users contract suite") else {
            return;
        };
        let provider = &provider;
        chat_contract::users::run_all(move || async move {
            provider.fresh().await.users() as Arc<dyn UserStore>
        })
        .await;
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod rooms {
    use super::*;

    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the rooms contract suite") else {
            return;
        };
        let provider = &provider;
        chat_contract::rooms::run_all(move || async move {
            let db = provider.fresh().await;
            RoomStores {
                users: db.users(),
                rooms: db.rooms(),
                blocks: db.blocks(),
            }
        })
        .await;
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod invites {
    use super::*;

    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the invites contract suite") else {
            return;
        };
        let provider = &provider;
        chat_contract::invites::run_all(move || async move {
            let db = provider.fresh().await;
            InviteStores {
                users: db.users(),
                rooms: db.rooms(),
                invites: db.invites(),
                blocks: db.blocks(),
            }
        })
        .await;
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod messages {
    use super::*;

    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the messages contract suite") else {
            return;
        };
        let provider = &provider;
        chat_contract::messages::run_all(move || async move {
            let db = provider.fresh().await;
            MessageStores {
                users: db.users(),
                rooms: db.rooms(),
                messages: db.messages(),
            }
        })
        .await;
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod sequences {
    use super::*;

    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the sequences contract suite") else {
            return;
        };
        let provider = &provider;
        chat_contract::sequences::run_all(move || async move {
            let db = provider.fresh().await;
            SequenceStores {
                users: db.users(),
                rooms: db.rooms(),
                sequences: db.sequences(),
            }
        })
        .await;
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod sessions {
    use super::*;

    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the sessions contract suite") else {
            return;
        };
        let provider = &provider;
        chat_contract::sessions::run_all(move || async move {
            let db = provider.fresh().await;
            SessionStores {
                users: db.users(),
                sessions: db.sessions(),
            }
        })
        .await;
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod dead_letters {
    use super::*;

    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the dead letters contract suite") else {
            return;
        };
        let provider = &provider;
        chat_contract::dead_letters::run_all(move || async move {
            provider.fresh().await.dead_letters() as Arc<dyn DeadLetterStore>
        })
        .await;
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}
