//! The `dead_letters` table: jobs that failed all their attempts, with their payload as JSON.

use chat_ports::{DeadLetter, JobPayload, Priority, StoreError};
use sea_orm::entity::prelude::*;
use sea_orm::ActiveValue::Set;

use crate::decode;

/// A stored dead letter.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dead_letters")]
pub struct Model {
    /// The job's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// JSON of the [`JobPayload`].
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// The job's priority, in [`Priority::as_str`] form.
    pub priority: String,
    /// How many times it ran.
    pub attempts: i32,
    /// The last error, as text.
    #[sea_orm(column_type = "Text")]
    pub error: String,
    /// When it was given up on, Unix milliseconds.
    pub failed_at: i64,
}

/// Dead letters stand alone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The dead letter; a payload that no longer parses is corrupt.
    pub(crate) fn into_dead_letter(self) -> Result<DeadLetter, StoreError> {
        let payload: JobPayload = serde_json::from_str(&self.payload).map_err(|err| {
            StoreError::corrupt(format!(
                "stored payload of dead letter {} is invalid: {err}",
                self.id
            ))
        })?;
        Ok(DeadLetter {
            id: decode::parse(&self.id, "dead letter id")?,
            payload,
            priority: decode::parse_enum(&self.priority, "priority", Priority::parse)?,
            attempts: decode::u32_from_db(self.attempts, "attempts")?,
            error: self.error,
            failed_at: decode::timestamp(self.failed_at),
        })
    }
}

/// The row to insert for `letter`.
pub(crate) fn new_row(letter: &DeadLetter) -> Result<ActiveModel, StoreError> {
    // A payload is plain data (ids, strings, timestamps): serializing it cannot fail in practice,
    // but if it ever did, the letter is not stored and the caller hears why.
    let payload = serde_json::to_string(&letter.payload).map_err(StoreError::unavailable)?;
    Ok(ActiveModel {
        id: Set(letter.id.to_string()),
        payload: Set(payload),
        priority: Set(letter.priority.as_str().to_owned()),
        attempts: Set(decode::u32_to_db(letter.attempts)),
        error: Set(letter.error.clone()),
        failed_at: Set(letter.failed_at.unix_millis()),
    })
}
