//! CancelQuery: drops the remaining pages of a query.
//!
//! ```text
//! {"QueryId": "..."} → {}                       (first cancellation)
//!                    → {"CancellationMessage": "..."}   (already cancelled)
//! ```
//!
//! Queries here finish before their first page is answered, so cancelling stops paging:
//! a later `NextToken` of the query is refused with ConflictException.

use crate::timestream::Timestream;
use crate::timestream::error::Result;
use crate::timestream::types::query::{CancelQueryRequest, CancelQueryResponse};
use crate::timestream::validate::{self, Violations};

pub fn cancel_query(ts: &Timestream, input: CancelQueryRequest) -> Result<CancelQueryResponse> {
    let mut v = Violations::new();
    let query_id = validate::required(&input.query_id, "queryId", &mut v);
    if let Some(id) = query_id {
        validate::check_length(id, "queryId", 1, 64, &mut v);
        if !id.is_empty() && !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            v.push(
                id,
                "queryId",
                "Member must satisfy regular expression pattern: [a-zA-Z0-9]+",
            );
        }
    }
    v.into_result()?;
    let cancellation_message = ts.query.pages.cancel(query_id.unwrap_or_default())?;
    Ok(CancelQueryResponse {
        cancellation_message,
    })
}
