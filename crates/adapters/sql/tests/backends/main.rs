//! Every contract suite of `chat-contract`, and the adapter's own checks, run against every
//! backend `chat-sql` supports: SQLite in memory and on disk always, PostgreSQL and MariaDB when
//! their URLs are given (see [`provision`]).
//!
//! One test binary for all of them, because each binary links sea-orm and sqlx anew. Test names
//! read `suites::<port>::on_<backend>`, `adapter::<check>::on_<backend>`,
//! `groups::<check>::on_<backend>` (the adapter's own checks about groups) and
//! `upgrade::on_<backend>` and `upgrade_marks::on_<backend>` (migrations applied to a database
//! holding data).

mod adapter;
mod groups;
mod provision;
mod suites;
mod upgrade;
mod upgrade_marks;
