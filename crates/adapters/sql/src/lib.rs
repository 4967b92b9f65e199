//! sea-orm adapter: users, rooms, memberships, messages, sessions and dead letters on SQLite, PostgreSQL or MySQL.
