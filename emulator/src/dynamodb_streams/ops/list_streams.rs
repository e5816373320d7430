//! ListStreams.
//!
//! ```text
//! {"TableName": "features", "Limit": 10}
//! → {"Streams": [{"StreamArn": "...", "TableName": "features", "StreamLabel": "..."}],
//!    "LastEvaluatedStreamArn": "..."}
//! ```
//!
//! The region's streams, enabled or closed, of live and deleted tables, until their retention
//! ends; in table name order, then creation order. `LastEvaluatedStreamArn` is given when a
//! page is full, as DynamoDB Local gives it (the service may also give it on a last page).

use super::super::types::{ListStreamsInput, ListStreamsOutput, Stream};
use super::super::{catalog_key_of, check_limit, check_stream_arn, limit_within};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::error::Result;
use crate::dynamodb::ops::create_table::{Violations, check_table_name};
use crate::dynamodb::streams;

pub fn list_streams(
    db: &DynamoDb,
    region: &str,
    input: ListStreamsInput,
) -> Result<ListStreamsOutput> {
    let mut v = Violations::new();
    if let Some(name) = &input.table_name {
        check_table_name(name, "tableName", &mut v);
    }
    check_limit(input.limit, &mut v);
    check_stream_arn(
        input.exclusive_start_stream_arn.as_deref(),
        "exclusiveStartStreamArn",
        false,
        &mut v,
    );
    v.into_result()?;
    let limit = limit_within(
        input.limit,
        100,
        "Limit cannot be greater than the maximum allowed size: 100",
    )?;
    let after = match input.exclusive_start_stream_arn.as_deref() {
        Some(arn) => match catalog_key_of(arn) {
            Some(key) => Some(key),
            // Not a stream ARN: nothing comes after it.
            None => {
                return Ok(ListStreamsOutput {
                    streams: Vec::new(),
                    last_evaluated_stream_arn: None,
                });
            }
        },
        None => None,
    };
    let txn = db.store.read()?;
    let found = streams::list(
        &txn,
        region,
        input.table_name.as_deref(),
        after.as_deref(),
        limit,
    )?;
    let last_evaluated_stream_arn = (found.len() == limit)
        .then(|| found.last().map(|s| s.arn.clone()))
        .flatten();
    Ok(ListStreamsOutput {
        streams: found
            .into_iter()
            .map(|s| Stream {
                stream_arn: s.arn,
                table_name: s.table_name,
                stream_label: s.label,
            })
            .collect(),
        last_evaluated_stream_arn,
    })
}
