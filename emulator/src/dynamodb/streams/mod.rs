//! DynamoDB Streams, the DynamoDB side: a table's stream (StreamSpecification on CreateTable
//! and UpdateTable), the record of every stream a table has had, and the change records
//! `TableWriter` appends in the same write transaction as the item change (`records`).
//! The Streams API that reads them is `crate::dynamodb_streams`.
//!
//! A table has at most one enabled stream. Disabling it closes the stream: it stays
//! describable (DISABLED) and readable until its records pass the retention period, and
//! enabling again opens a new stream with a new label and ARN, as on the service. Each
//! stream has one shard (the service splits shards as partitions grow; one is what a single
//! writer produces), whose sequence numbers come from one counter shared by every stream,
//! so they increase within a shard and never repeat.
//!
//! Storage (`storage::tables`): `dynamodb_streams` holds each stream's [`StreamMeta`] under
//! `region/table/label`, so that a table's streams are one key range in creation order;
//! `dynamodb_stream_<id>` holds a stream's records by sequence number.

pub mod records;
pub mod retention;

use std::ops::Bound;

use redb::ReadTransaction;
use serde::{Deserialize, Serialize};

use super::catalog::{KeySchema, TableMeta};
use super::error::{DynamoError, Result};
use crate::storage::tables::{DYNAMODB_STREAMS, dynamodb_stream_records};
use crate::storage::{StorageError, Txn};

/// What a stream's records carry besides the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamViewType {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

impl StreamViewType {
    /// The enumeration as the service's constraint message lists it.
    pub const ENUM_SET: &'static str = "[NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]";

    pub fn from_wire(value: &str) -> Option<StreamViewType> {
        Some(match value {
            "KEYS_ONLY" => StreamViewType::KeysOnly,
            "NEW_IMAGE" => StreamViewType::NewImage,
            "OLD_IMAGE" => StreamViewType::OldImage,
            "NEW_AND_OLD_IMAGES" => StreamViewType::NewAndOldImages,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StreamViewType::KeysOnly => "KEYS_ONLY",
            StreamViewType::NewImage => "NEW_IMAGE",
            StreamViewType::OldImage => "OLD_IMAGE",
            StreamViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    pub fn has_new_image(self) -> bool {
        matches!(
            self,
            StreamViewType::NewImage | StreamViewType::NewAndOldImages
        )
    }

    pub fn has_old_image(self) -> bool {
        matches!(
            self,
            StreamViewType::OldImage | StreamViewType::NewAndOldImages
        )
    }
}

/// A table's latest stream, in its catalog record: what DescribeTable reports
/// (LatestStreamArn, LatestStreamLabel, and StreamSpecification while enabled) and where
/// item writes append their records while `enabled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableStream {
    /// Never reused (drawn from the table ids); names the redb table holding the records.
    pub id: u64,
    pub label: String,
    pub view_type: StreamViewType,
    pub enabled: bool,
}

impl TableStream {
    pub fn arn(&self, table_arn: &str) -> String {
        stream_arn(table_arn, &self.label)
    }
}

/// `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`.
pub fn stream_arn(table_arn: &str, label: &str) -> String {
    format!("{table_arn}/stream/{label}")
}

/// One stream as the Streams API describes it, kept after its table changes or goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamMeta {
    pub id: u64,
    pub region: String,
    pub table_name: String,
    pub arn: String,
    pub label: String,
    pub view_type: StreamViewType,
    pub key_schema: KeySchema,
    /// Epoch seconds (CreationRequestDateTime).
    pub created_at: f64,
    pub shard_id: String,
    /// The shard's StartingSequenceNumber: the counter's value when the stream was opened,
    /// so every record of the stream has at least this number.
    pub starting_sequence: u64,
    /// Set once the stream is disabled (or its table deleted).
    pub closed: Option<Closed>,
    /// The sequence number of the last record removed for age (0 while none was): an
    /// iterator at or before it points at trimmed data.
    #[serde(default)]
    pub trimmed_through: u64,
}

/// When a stream was closed and the shard's EndingSequenceNumber.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Closed {
    /// Epoch seconds.
    pub at: f64,
    /// The last record's sequence number (the starting one when the stream has none).
    pub ending_sequence: u64,
}

impl StreamMeta {
    pub fn records_table_name(&self) -> String {
        crate::storage::tables::dynamodb_stream_records_name(self.id)
    }
}

/// The key of a stream's [`StreamMeta`] in `dynamodb_streams`.
pub fn catalog_key(region: &str, table: &str, label: &str) -> String {
    format!("{region}/{table}/{label}")
}

/// The members of a StreamSpecification, as the request gave them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamChange {
    Enable(StreamViewType),
    Disable,
}

/// The StreamSpecification of a CreateTable (`creating`) or an UpdateTable, after the member
/// constraints: `enabled` is present, and `view_type` is a known view type when present.
pub fn check_specification(
    enabled: bool,
    view_type: Option<StreamViewType>,
    creating: bool,
) -> Result<StreamChange> {
    let invalid = |what: &str| {
        DynamoError::validation(format!("One or more parameter values were invalid: {what}"))
    };
    match (enabled, view_type, creating) {
        (true, Some(view_type), _) => Ok(StreamChange::Enable(view_type)),
        (false, None, _) => Ok(StreamChange::Disable),
        (true, None, true) => Err(invalid(
            "Table is being created with a stream enabled, UpdateViewType is required",
        )),
        (false, Some(_), true) => Err(invalid(
            "Table is being created with a stream disabled, UpdateViewType should not be \
             specified",
        )),
        (true, None, false) => Err(invalid(
            "If stream is being enabled then UpdateViewType is required",
        )),
        (false, Some(_), false) => Err(invalid(
            "If stream is being disabled, then UpdateViewType must not be specified",
        )),
    }
}

/// Opens a new stream on `meta`'s table (whose id is allocated) at `now` (epoch seconds),
/// inside the write that enables it; returns the table's new stream setting.
pub fn open(
    txn: &Txn<'_>,
    meta: &TableMeta,
    view_type: StreamViewType,
    now: f64,
) -> std::result::Result<TableStream, StorageError> {
    let id = super::catalog::next_table_id(txn)?;
    let label = label_at(now);
    let stream = StreamMeta {
        id,
        region: meta.region.clone(),
        table_name: meta.name.clone(),
        arn: stream_arn(&meta.arn, &label),
        label: label.clone(),
        view_type,
        key_schema: meta.key_schema.clone(),
        created_at: now,
        shard_id: shard_id(now, id),
        starting_sequence: records::next_sequence(txn)?,
        closed: None,
        trimmed_through: 0,
    };
    txn.create_table(dynamodb_stream_records(&stream.records_table_name()))?;
    store(txn, &stream)?;
    Ok(TableStream {
        id,
        label,
        view_type,
        enabled: true,
    })
}

/// Closes the table's enabled stream (UpdateTable disabling it, or DeleteTable) at `now`.
pub fn close(txn: &Txn<'_>, meta: &TableMeta, now: f64) -> std::result::Result<(), StorageError> {
    let Some(current) = meta.stream.as_ref().filter(|s| s.enabled) else {
        return Ok(());
    };
    let key = catalog_key(&meta.region, &meta.name, &current.label);
    let Some(mut stream) = stored(txn, &key)? else {
        return Ok(());
    };
    let last = records::last_sequence(txn, &stream)?;
    stream.closed = Some(Closed {
        at: now,
        ending_sequence: last.unwrap_or(stream.starting_sequence),
    });
    store(txn, &stream)
}

fn stored(txn: &Txn<'_>, key: &str) -> std::result::Result<Option<StreamMeta>, StorageError> {
    let table = txn.open(DYNAMODB_STREAMS)?;
    let value = table.get(key)?;
    Ok(value.and_then(|v| serde_json::from_slice(v.value()).ok()))
}

fn store(txn: &Txn<'_>, stream: &StreamMeta) -> std::result::Result<(), StorageError> {
    let bytes = serde_json::to_vec(stream).expect("a StreamMeta always serializes");
    let key = catalog_key(&stream.region, &stream.table_name, &stream.label);
    txn.open(DYNAMODB_STREAMS)?
        .insert(key.as_str(), bytes.as_slice())?;
    Ok(())
}

/// The stream stored under `key` (see [`catalog_key`]), read from a snapshot.
pub fn read(
    txn: &ReadTransaction,
    key: &str,
) -> std::result::Result<Option<StreamMeta>, StorageError> {
    let table = match txn.open_table(DYNAMODB_STREAMS) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let value = table.get(key)?;
    Ok(value.and_then(|v| serde_json::from_slice(v.value()).ok()))
}

/// The streams of `region` (of one table, when `table` is given) in key order, after the
/// key `after`, at most `limit` of them.
pub fn list(
    txn: &ReadTransaction,
    region: &str,
    table: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> std::result::Result<Vec<StreamMeta>, StorageError> {
    let streams = match txn.open_table(DYNAMODB_STREAMS) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    // Keys are `region/table/label`: the streams wanted are the keys with this prefix.
    let prefix = match table {
        Some(table) => format!("{region}/{table}/"),
        None => format!("{region}/"),
    };
    let start = match after {
        Some(after) if after.as_bytes() >= prefix.as_bytes() => Bound::Excluded(after.to_owned()),
        _ => Bound::Included(prefix.clone()),
    };
    let mut found = Vec::new();
    let range = streams.range::<&str>((start.as_ref().map(String::as_str), Bound::Unbounded))?;
    for entry in range {
        let (key, value) = entry?;
        if !key.value().starts_with(&prefix) || found.len() == limit {
            break;
        }
        if let Ok(stream) = serde_json::from_slice(value.value()) {
            found.push(stream);
        }
    }
    Ok(found)
}

/// The stream label the service gives a stream opened at `now` (epoch seconds): its UTC time
/// in ISO 8601 with milliseconds, `2026-12-07T13:42:40.516`.
pub fn label_at(now: f64) -> String {
    crate::aws::time::iso8601_millis_without_zone((now * 1000.0).round() as i64)
}

/// A shard id shaped like the service's: `shardId-` ‖ 20 digits ‖ `-` ‖ 8 hex digits.
fn shard_id(now: f64, stream_id: u64) -> String {
    let millis = (now * 1000.0) as u64;
    let tag = crc32fast::hash(&stream_id.to_be_bytes());
    format!("shardId-{millis:020}-{tag:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_utc_iso_timestamps_with_milliseconds() {
        assert_eq!(label_at(0.0), "1970-01-01T00:00:00.000");
        assert_eq!(label_at(1_796_650_960.516), "2026-12-07T13:42:40.516");
        assert_eq!(label_at(951_782_400.0), "2000-02-29T00:00:00.000");
        assert_eq!(label_at(4_107_542_399.999), "2100-02-28T23:59:59.999");
    }

    #[test]
    fn shard_ids_have_the_services_shape() {
        let id = shard_id(1_796_650_960.519, 7);
        assert_eq!(id.len(), "shardId-00000001796650960519-6d27a02d".len());
        assert!(id.starts_with("shardId-00000001796650960519-"));
    }

    #[test]
    fn specifications_follow_the_services_rules() {
        use StreamViewType::KeysOnly;
        assert_eq!(
            check_specification(true, Some(KeysOnly), true),
            Ok(StreamChange::Enable(KeysOnly))
        );
        assert_eq!(
            check_specification(false, None, false),
            Ok(StreamChange::Disable)
        );
        let message = |e: Result<StreamChange>| e.unwrap_err().message;
        assert_eq!(
            message(check_specification(true, None, true)),
            "One or more parameter values were invalid: Table is being created with a stream \
             enabled, UpdateViewType is required"
        );
        assert_eq!(
            message(check_specification(false, Some(KeysOnly), false)),
            "One or more parameter values were invalid: If stream is being disabled, then \
             UpdateViewType must not be specified"
        );
        assert_eq!(
            message(check_specification(true, None, false)),
            "One or more parameter values were invalid: If stream is being enabled then \
             UpdateViewType is required"
        );
    }

    #[test]
    fn view_types_round_trip_their_wire_names() {
        for name in ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"] {
            assert_eq!(StreamViewType::from_wire(name).unwrap().as_str(), name);
        }
        assert_eq!(StreamViewType::from_wire("keys_only"), None);
    }
}
