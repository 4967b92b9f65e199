//! Paging history over HTTP: the query string and the page.

use chat_app::messaging::{HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT};
use chat_domain::Seq;
use chat_ports::HistoryCursor;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::MessageDto;
use crate::ApiError;

/// `?before=<seq>&after=<seq>&limit=<n>` of `GET /rooms/{id}/messages`.
///
/// Non-numeric values fail in the query extractor (400 `invalid_request`); the rules between
/// the fields are checked by [`HistoryQuery::cursor`].
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// The last messages below this seq (not with `after`).
    pub before: Option<u64>,
    /// The first messages above this seq.
    pub after: Option<u64>,
    /// Page size, `1..=100`, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

impl HistoryQuery {
    /// Where to read and how many: `before` and `after` together are a 400 `invalid_request`,
    /// a `limit` outside `1..=100` a 400 `invalid_limit`.
    pub fn cursor(&self) -> Result<(HistoryCursor, u32), ApiError> {
        let cursor = match (self.before, self.after) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid_request(
                    "give either before or after, not both",
                ))
            }
            (Some(before), None) => HistoryCursor::Before(Seq(before)),
            (None, Some(after)) => HistoryCursor::After(Seq(after)),
            (None, None) => HistoryCursor::Latest,
        };
        let limit = match self.limit {
            None => HISTORY_DEFAULT_LIMIT,
            Some(limit) => u32::try_from(limit)
                .ok()
                .filter(|limit| (1..=HISTORY_MAX_LIMIT).contains(limit))
                .ok_or_else(|| {
                    ApiError::InvalidLimit(format!(
                        "limit must be between 1 and {HISTORY_MAX_LIMIT}"
                    ))
                })?,
        };
        Ok((cursor, limit))
    }
}

/// `{"messages": [...], "has_more"}`: one page, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePageResponse {
    /// The messages, oldest first.
    pub messages: Vec<MessageDto>,
    /// Whether more messages exist in the direction paged.
    pub has_more: bool,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    fn query(before: Option<u64>, after: Option<u64>, limit: Option<u64>) -> HistoryQuery {
        HistoryQuery {
            before,
            after,
            limit,
        }
    }

    #[test]
    fn no_parameters_mean_the_newest_fifty() {
        assert_eq!(
            query(None, None, None).cursor().unwrap(),
            (HistoryCursor::Latest, 50)
        );
    }

    #[test]
    fn before_and_after_become_cursors() {
        assert_eq!(
            query(Some(7), None, Some(10)).cursor().unwrap(),
            (HistoryCursor::Before(Seq(7)), 10)
        );
        assert_eq!(
            query(None, Some(3), Some(100)).cursor().unwrap(),
            (HistoryCursor::After(Seq(3)), 100)
        );
    }

    #[test]
    fn before_with_after_is_an_invalid_request() {
        let error = query(Some(9), Some(2), None).cursor().unwrap_err();
        assert_eq!(error.code(), "invalid_request");
    }

    #[test]
    fn limits_out_of_range_are_refused() {
        for limit in [0, 101, u64::from(u32::MAX) + 1] {
            let error = query(None, None, Some(limit)).cursor().unwrap_err();
            assert_eq!(error.code(), "invalid_limit", "limit {limit}");
        }
    }
}
