//! DescribeStream.
//!
//! ```text
//! {"StreamArn": "arn:aws:dynamodb:us-east-1:000000000000:table/features/stream/2026-..."}
//! → {"StreamDescription": {"StreamStatus": "ENABLED", "Shards": [{"ShardId": "shardId-...",
//!    "SequenceNumberRange": {"StartingSequenceNumber": "000000000000000000007"}}], ...}}
//! ```
//!
//! A stream has one shard; a closed stream (DISABLED: disabled, or its table deleted) gives
//! the shard's EndingSequenceNumber.

use super::super::types::{
    DescribeStreamInput, DescribeStreamOutput, SequenceNumberRange, Shard, StreamDescription,
};
use super::super::{check_length, check_limit, check_stream_arn, limit_within, stream_named};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::error::Result;
use crate::dynamodb::ops::create_table::Violations;
use crate::dynamodb::ops::describe_table::key_schema_elements;
use crate::dynamodb::streams::records::format_sequence;

pub fn describe_stream(
    db: &DynamoDb,
    region: &str,
    input: DescribeStreamInput,
) -> Result<DescribeStreamOutput> {
    let mut v = Violations::new();
    check_stream_arn(input.stream_arn.as_deref(), "streamArn", true, &mut v);
    check_limit(input.limit, &mut v);
    if let Some(shard) = &input.exclusive_start_shard_id {
        check_length(shard, "exclusiveStartShardId", 28, 65, &mut v);
    }
    v.into_result()?;
    limit_within(
        input.limit,
        100,
        "Limit cannot be greater than the maximum: 100",
    )?;
    let arn = input.stream_arn.unwrap_or_default();
    let stream = stream_named(db, region, &arn)?;
    let after_ours = input
        .exclusive_start_shard_id
        .is_some_and(|id| id.as_str() >= stream.shard_id.as_str());
    let shards = if after_ours {
        Vec::new()
    } else {
        vec![Shard {
            shard_id: stream.shard_id.clone(),
            sequence_number_range: SequenceNumberRange {
                starting_sequence_number: format_sequence(stream.starting_sequence),
                ending_sequence_number: stream
                    .closed
                    .map(|closed| format_sequence(closed.ending_sequence)),
            },
        }]
    };
    Ok(DescribeStreamOutput {
        stream_description: StreamDescription {
            stream_arn: stream.arn,
            stream_label: stream.label,
            stream_status: if stream.closed.is_some() {
                "DISABLED"
            } else {
                "ENABLED"
            },
            stream_view_type: stream.view_type.as_str(),
            creation_request_date_time: stream.created_at,
            table_name: stream.table_name,
            key_schema: key_schema_elements(&stream.key_schema),
            shards,
            last_evaluated_shard_id: None,
        },
    })
}
