//! GetShardIterator.
//!
//! ```text
//! {"StreamArn": "...", "ShardId": "shardId-...", "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
//!  "SequenceNumber": "000000000000000000042"}
//! → {"ShardIterator": "arn:aws:dynamodb:...|1|AAAA..."}
//! ```
//!
//! TRIM_HORIZON starts at the oldest record within retention, LATEST after the newest record
//! (of an open stream: at the next sequence number any stream will get), AT_SEQUENCE_NUMBER
//! and AFTER_SEQUENCE_NUMBER at or after the given one. A sequence number whose records have
//! passed retention is TrimmedDataAccessException.

use super::super::iterator::ShardIterator;
use super::super::types::{GetShardIteratorInput, GetShardIteratorOutput};
use super::super::{check_length, check_stream_arn, stream_named};
use super::get_records::{horizon_ms, now_ms, trimmed};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::error::{DynamoError, ErrorCode, Result};
use crate::dynamodb::ops::create_table::Violations;
use crate::dynamodb::streams::records;

const ITERATOR_TYPES: &str = "[TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IteratorType {
    TrimHorizon,
    Latest,
    AtSequenceNumber,
    AfterSequenceNumber,
}

impl IteratorType {
    fn from_wire(value: &str) -> Option<IteratorType> {
        Some(match value {
            "TRIM_HORIZON" => IteratorType::TrimHorizon,
            "LATEST" => IteratorType::Latest,
            "AT_SEQUENCE_NUMBER" => IteratorType::AtSequenceNumber,
            "AFTER_SEQUENCE_NUMBER" => IteratorType::AfterSequenceNumber,
            _ => return None,
        })
    }
}

pub fn get_shard_iterator(
    db: &DynamoDb,
    region: &str,
    input: GetShardIteratorInput,
) -> Result<GetShardIteratorOutput> {
    let mut v = Violations::new();
    check_stream_arn(input.stream_arn.as_deref(), "streamArn", true, &mut v);
    match &input.shard_id {
        Some(shard) => check_length(shard, "shardId", 28, 65, &mut v),
        None => v.null("shardId"),
    }
    let iterator_type = match input.shard_iterator_type.as_deref() {
        Some(value) => {
            let parsed = IteratorType::from_wire(value);
            if parsed.is_none() {
                v.push(
                    value,
                    "shardIteratorType",
                    &format!("Member must satisfy enum value set: {ITERATOR_TYPES}"),
                );
            }
            parsed
        }
        None => {
            v.null("shardIteratorType");
            None
        }
    };
    if let Some(sequence) = &input.sequence_number {
        check_length(sequence, "sequenceNumber", 21, 40, &mut v);
    }
    v.into_result()?;
    let (Some(arn), Some(shard_id), Some(iterator_type)) =
        (input.stream_arn, input.shard_id, iterator_type)
    else {
        unreachable!("the constraints require them");
    };

    let stream = stream_named(db, region, &arn)?;
    if shard_id != stream.shard_id {
        return Err(DynamoError::new(
            ErrorCode::ResourceNotFoundException,
            "Shard does not exist",
        ));
    }
    let invalid = |what: &str| {
        DynamoError::validation(format!("One or more parameter values were invalid: {what}"))
    };
    let sequence = match (iterator_type, input.sequence_number.as_deref()) {
        (IteratorType::TrimHorizon | IteratorType::Latest, Some(_)) => {
            return Err(invalid(
                "SequenceNumber should not be passed for this iterator type",
            ));
        }
        (IteratorType::TrimHorizon | IteratorType::Latest, None) => None,
        (_, Some(text)) if text.bytes().all(|b| b.is_ascii_digit()) => Some(
            text.parse::<u64>()
                .map_err(|_| invalid("Invalid SequenceNumber"))?,
        ),
        (_, _) => return Err(invalid("Invalid SequenceNumber")),
    };

    let now = now_ms();
    let horizon = horizon_ms(db, now);
    let txn = db.store.read()?;
    let next = match (iterator_type, sequence) {
        (IteratorType::TrimHorizon, _) => records::trim_horizon(&txn, &stream, horizon)?,
        (IteratorType::Latest, _) => match stream.closed {
            Some(closed) => closed.ending_sequence + 1,
            None => records::next_sequence_in(&txn)?,
        },
        (IteratorType::AtSequenceNumber, Some(sequence)) => sequence,
        (IteratorType::AfterSequenceNumber, Some(sequence)) => sequence.saturating_add(1),
        (_, None) => unreachable!("checked above"),
    };
    if let Some(sequence) = sequence
        && records::read(&txn, &stream, sequence, 1, 0, horizon)?.is_none()
    {
        return Err(trimmed());
    }
    Ok(GetShardIteratorOutput {
        shard_iterator: ShardIterator {
            stream_arn: stream.arn,
            stream_id: stream.id,
            next,
            issued_ms: now,
        }
        .encode(),
    })
}
