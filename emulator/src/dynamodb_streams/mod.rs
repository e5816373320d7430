//! DynamoDB Streams (`X-Amz-Target: DynamoDBStreams_20120810.*`): ListStreams, DescribeStream,
//! GetShardIterator and GetRecords over the streams and records the DynamoDB side keeps
//! (`dynamodb::streams`). Every operation is a short read of one snapshot, answered inline.
//!
//! - `types`: the wire shapes.
//! - `iterator`: shard iterators, opaque and checked.
//! - `ops`: one file per operation.
//!
//! Errors are DynamoDB's (`DynamoError`): the service shares DynamoDB's error namespace.
//! Texts follow DynamoDB Local where it answers (`Shard does not exist`, `Invalid
//! ShardIterator`, the Limit texts), the service model's constraints where it does not
//! validate, and the service's documented messages for ExpiredIteratorException and
//! TrimmedDataAccessException.

pub mod iterator;
pub mod ops;
pub mod types;

use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::{Response, StatusCode};

use crate::aws;
use crate::dynamodb::error::{DynamoError, ErrorCode, Result};
use crate::dynamodb::ops::create_table::Violations;
use crate::dynamodb::streams::{self, StreamMeta};
use crate::dynamodb::{DynamoDb, json};
use crate::state::AppState;

/// The `X-Amz-Target` prefix of DynamoDB Streams operations.
pub const TARGET_PREFIX: &str = "DynamoDBStreams_20120810";

/// The operations of the Streams API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    DescribeStream,
    GetRecords,
    GetShardIterator,
    ListStreams,
}

impl Operation {
    pub fn from_name(name: &str) -> Option<Operation> {
        Some(match name {
            "DescribeStream" => Operation::DescribeStream,
            "GetRecords" => Operation::GetRecords,
            "GetShardIterator" => Operation::GetShardIterator,
            "ListStreams" => Operation::ListStreams,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::DescribeStream => "DescribeStream",
            Operation::GetRecords => "GetRecords",
            Operation::GetShardIterator => "GetShardIterator",
            Operation::ListStreams => "ListStreams",
        }
    }
}

/// Answers one `DynamoDBStreams_20120810.<operation>` request.
pub async fn handle(
    state: &AppState,
    region: &str,
    operation: &str,
    body: Bytes,
    started: Instant,
) -> Response<Body> {
    let Some(op) = Operation::from_name(operation) else {
        let e = DynamoError::new(ErrorCode::UnknownOperationException, "");
        return aws::json_response(StatusCode::BAD_REQUEST, e.to_body(), true);
    };
    let result = execute(&state.dynamodb, region, op, &body);
    crate::dynamodb::respond(state, "dynamodb_streams", op.as_str(), result, started)
}

fn execute(db: &DynamoDb, region: &str, op: Operation, body: &[u8]) -> Result<Vec<u8>> {
    match op {
        Operation::ListStreams => Ok(json::encode(&ops::list_streams::list_streams(
            db,
            region,
            json::decode(body)?,
        )?)),
        Operation::DescribeStream => Ok(json::encode(&ops::describe_stream::describe_stream(
            db,
            region,
            json::decode(body)?,
        )?)),
        Operation::GetShardIterator => Ok(json::encode(
            &ops::get_shard_iterator::get_shard_iterator(db, region, json::decode(body)?)?,
        )),
        Operation::GetRecords => ops::get_records::get_records(db, region, json::decode(body)?),
    }
}

/// The parts of a stream ARN that name it:
/// `arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>`.
struct StreamArn<'a> {
    region: &'a str,
    table: &'a str,
    label: &'a str,
}

fn parse_arn(arn: &str) -> Option<StreamArn<'_>> {
    let rest = arn.strip_prefix("arn:aws:dynamodb:")?;
    let (region, rest) = rest.split_once(':')?;
    let (_account, resource) = rest.split_once(':')?;
    let (table, label) = resource.strip_prefix("table/")?.split_once("/stream/")?;
    Some(StreamArn {
        region,
        table,
        label,
    })
}

/// The storage key of the stream `arn` names, if it is a stream ARN.
fn catalog_key_of(arn: &str) -> Option<String> {
    parse_arn(arn).map(|p| streams::catalog_key(p.region, p.table, p.label))
}

/// The stream `arn` names in `region`, or the service's ResourceNotFoundException.
fn stream_named(db: &DynamoDb, region: &str, arn: &str) -> Result<StreamMeta> {
    let found = match parse_arn(arn) {
        Some(parts) if parts.region == region => {
            let key = streams::catalog_key(parts.region, parts.table, parts.label);
            streams::read(&db.store.read()?, &key)?
        }
        _ => None,
    };
    found.filter(|s| s.arn == arn).ok_or_else(|| {
        DynamoError::new(
            ErrorCode::ResourceNotFoundException,
            format!("Requested resource not found: Stream: {arn} not found"),
        )
    })
}

/// Length constraints of a string member (`min..=max` characters).
fn check_length(value: &str, member: &str, min: usize, max: usize, v: &mut Violations) {
    let length = value.chars().count();
    if length < min {
        v.push(
            value,
            member,
            &format!("Member must have length greater than or equal to {min}"),
        );
    } else if length > max {
        v.push(
            value,
            member,
            &format!("Member must have length less than or equal to {max}"),
        );
    }
}

/// A `StreamArn` member (required when `required`): 37 to 1024 characters.
fn check_stream_arn(value: Option<&str>, member: &str, required: bool, v: &mut Violations) {
    match value {
        Some(arn) => check_length(arn, member, 37, 1024, v),
        None if required => v.null(member),
        None => {}
    }
}

/// A `Limit` member's constraint: at least 1.
fn check_limit(value: Option<i64>, v: &mut Violations) {
    if let Some(n) = value.filter(|n| *n < 1) {
        v.push(
            n,
            "limit",
            "Member must have value greater than or equal to 1",
        );
    }
}

/// The limit to use once the constraints passed: `max` when absent; above `max` the
/// service's refusal, `message`.
fn limit_within(value: Option<i64>, max: usize, message: &str) -> Result<usize> {
    match value.map(|n| usize::try_from(n).unwrap_or(usize::MAX)) {
        None => Ok(max),
        Some(n) if n > max => Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: {message}"
        ))),
        Some(n) => Ok(n),
    }
}
