//! Bodies of the administration routes: dead letters and connection figures.

use chat_domain::Timestamp;
use chat_ports::{DeadLetter, JobPayload};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ws::ConnectionStats;

/// `?limit=` of `GET /admin/dead-letters` (1 to 1000, default 100).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadLettersQuery {
    /// How many to list, oldest first.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// `{id, priority, attempts, error, failed_at, payload}`: one job that failed for good.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterDto {
    /// The job id (the `replay` handle).
    pub id: String,
    /// `interactive`, `normal` or `background`.
    pub priority: &'static str,
    /// How many times it ran.
    pub attempts: u32,
    /// The last error, as text.
    pub error: String,
    /// When it was given up on.
    #[schema(value_type = String, format = DateTime)]
    pub failed_at: Timestamp,
    /// What it was to do (the job's own JSON, tagged by kind).
    #[schema(value_type = Object)]
    pub payload: JobPayload,
}

impl From<DeadLetter> for DeadLetterDto {
    fn from(letter: DeadLetter) -> Self {
        Self {
            id: letter.id.to_string(),
            priority: letter.priority.as_str(),
            attempts: letter.attempts,
            error: letter.error,
            failed_at: letter.failed_at,
            payload: letter.payload,
        }
    }
}

/// `{"dead_letters": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLettersResponse {
    /// Oldest first.
    pub dead_letters: Vec<DeadLetterDto>,
}

/// `{connections, users}`: this node's WebSocket figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionStatsResponse {
    /// Open WebSocket connections on this node.
    pub connections: usize,
    /// Distinct users holding them.
    pub users: usize,
}

impl From<ConnectionStats> for ConnectionStatsResponse {
    fn from(stats: ConnectionStats) -> Self {
        Self {
            connections: stats.connections,
            users: stats.users,
        }
    }
}
