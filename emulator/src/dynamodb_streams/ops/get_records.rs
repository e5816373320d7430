//! GetRecords.
//!
//! ```text
//! {"ShardIterator": "arn:aws:dynamodb:...|1|AAAA...", "Limit": 100}
//! → {"Records": [{"eventID": "...", "eventName": "INSERT", ..., "dynamodb": {...}}],
//!    "NextShardIterator": "..."}
//! ```
//!
//! Up to `Limit` (at most 1000) records and 1 MB from the iterator's position, read from one
//! snapshot; the stored records are spliced into the answer. A closed stream read to its end
//! answers no NextShardIterator. An iterator older than 15 minutes is
//! ExpiredIteratorException; one pointing at records past retention,
//! TrimmedDataAccessException.

use serde_json::value::RawValue;

use super::super::iterator::ShardIterator;
use super::super::types::{GetRecordsInput, GetRecordsOutput};
use super::super::{check_length, check_limit, limit_within, stream_named};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::now_epoch_seconds;
use crate::dynamodb::error::{DynamoError, ErrorCode, Result};
use crate::dynamodb::json;
use crate::dynamodb::ops::create_table::Violations;
use crate::dynamodb::streams::records;

/// The most a GetRecords answer holds, as in the service.
const MAX_RECORDS: usize = 1000;
const MAX_BYTES: usize = 1024 * 1024;

pub fn get_records(db: &DynamoDb, region: &str, input: GetRecordsInput) -> Result<Vec<u8>> {
    let mut v = Violations::new();
    match &input.shard_iterator {
        Some(iterator) => check_length(iterator, "shardIterator", 1, 2048, &mut v),
        None => v.null("shardIterator"),
    }
    check_limit(input.limit, &mut v);
    v.into_result()?;
    let limit = limit_within(
        input.limit,
        MAX_RECORDS,
        "Limit should be less than or equal to 1000",
    )?;
    let invalid = || DynamoError::validation("Invalid ShardIterator");
    let iterator = ShardIterator::decode(input.shard_iterator.as_deref().unwrap_or_default())
        .ok_or_else(invalid)?;
    let now = now_ms();
    if iterator.is_expired(now) {
        return Err(DynamoError::new(
            ErrorCode::ExpiredIteratorException,
            "The provided iterator exceeds the maximum age allowed.",
        ));
    }
    let stream = stream_named(db, region, &iterator.stream_arn)?;
    if stream.id != iterator.stream_id {
        return Err(invalid());
    }
    let txn = db.store.read()?;
    let page = records::read(
        &txn,
        &stream,
        iterator.next,
        limit,
        MAX_BYTES,
        horizon_ms(db, now),
    )?
    .ok_or_else(trimmed)?;
    let shard_closed = stream
        .closed
        .is_some_and(|closed| page.next > closed.ending_sequence);
    let next_shard_iterator = (!shard_closed).then(|| {
        ShardIterator {
            next: page.next,
            issued_ms: now,
            ..iterator
        }
        .encode()
    });
    let records = page
        .records
        .iter()
        .map(|record| serde_json::from_slice::<&RawValue>(record))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            tracing::error!(error = %e, "a stored stream record is not JSON");
            DynamoError::internal("Internal server error")
        })?;
    Ok(json::encode(&GetRecordsOutput {
        records,
        next_shard_iterator,
    }))
}

/// Now, in epoch milliseconds.
pub(crate) fn now_ms() -> u64 {
    (now_epoch_seconds() * 1000.0) as u64
}

/// The creation time (epoch milliseconds) before which records are past retention at `now_ms`.
pub(crate) fn horizon_ms(db: &DynamoDb, now_ms: u64) -> u64 {
    now_ms.saturating_sub(db.stream_retention.as_millis() as u64)
}

/// The service's TrimmedDataAccessException.
pub(crate) fn trimmed() -> DynamoError {
    DynamoError::new(
        ErrorCode::TrimmedDataAccessException,
        "The data you are trying to access has been trimmed.",
    )
}
