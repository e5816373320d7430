//! PrepareQuery: validates a query and describes its result columns without running it.
//!
//! ```text
//! {"QueryString": "...", "ValidateOnly": true}
//!   → {"QueryString": "...", "Columns": [{"Name": "...", "Type": {...}}], "Parameters": []}
//! ```
//!
//! The service supports only `ValidateOnly: true` (it stores no prepared queries); named
//! `@parameters` are not supported here, so `Parameters` is always empty.

use super::query::column_type;
use crate::timestream::Timestream;
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::query::{PrepareQueryRequest, PrepareQueryResponse, SelectColumn};
use crate::timestream::validate::{self, Violations};

pub async fn prepare_query(
    ts: &Timestream,
    region: &str,
    input: PrepareQueryRequest,
) -> Result<PrepareQueryResponse> {
    let mut v = Violations::new();
    let query_string = validate::required(&input.query_string, "queryString", &mut v);
    if let Some(q) = query_string {
        validate::check_sensitive_length(q, "queryString", 1, 262_144, &mut v);
    }
    v.into_result()?;
    if input.validate_only != Some(true) {
        return Err(TimestreamError::validation(
            "PrepareQuery is only supported with ValidateOnly set to true",
        ));
    }
    let query_string = query_string.unwrap_or_default().to_owned();
    let columns = ts
        .query
        .describe(region, &query_string, ts.snapshot()?)
        .await?
        .iter()
        .map(|c| SelectColumn {
            name: c.name.clone(),
            r#type: column_type(&c.ty),
        })
        .collect();
    Ok(PrepareQueryResponse {
        query_string,
        columns,
        parameters: [],
    })
}
