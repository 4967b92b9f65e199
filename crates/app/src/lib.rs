//! Use cases of chat-system: accounts, private chat with lazy rooms, history, and the persistence worker.
