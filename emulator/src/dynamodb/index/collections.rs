//! Item collections of tables with local secondary indexes: the items sharing a partition
//! key value, with their local index entries. The service caps a collection at 10 GB
//! (ItemCollectionSizeLimitExceededException) and reports its size estimate when a write asks
//! for `ReturnItemCollectionMetrics: SIZE`.
//!
//! Each collection's size is a counter in the `dynamodb_collections` table, kept by the
//! item writes in their transaction, so neither the check nor the report reads the
//! collection.

use redb::ReadableTable;

use crate::dynamodb::catalog::TableMeta;
use crate::dynamodb::error::{DynamoError, ErrorCode, Result};
use crate::dynamodb::keys;
use crate::dynamodb::types::item::ItemCollectionMetrics;
use crate::dynamodb::value::{AttributeValue, Item};
use crate::storage::tables::DYNAMODB_COLLECTIONS;
use crate::storage::{StorageError, Txn};

use super::entries;

/// The service's limit on an item collection.
pub const LIMIT_BYTES: u64 = 10 * 1024 * 1024 * 1024;

const GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The counter key of `item`'s collection: the table id, then the partition prefix.
pub fn counter_key(meta: &TableMeta, item: &Item) -> Result<Vec<u8>> {
    let pk = partition_value(meta, item)?;
    let prefix = keys::partition_prefix(pk).map_err(|e| {
        tracing::error!(error = %e, "a validated partition key does not encode");
        DynamoError::internal("Internal server error")
    })?;
    let mut key = meta.id.to_be_bytes().to_vec();
    key.extend_from_slice(&prefix);
    Ok(key)
}

fn partition_value<'i>(meta: &TableMeta, item: &'i Item) -> Result<&'i AttributeValue> {
    item.get(&meta.key_schema.partition.name).ok_or_else(|| {
        tracing::error!("a stored item lacks its partition key");
        DynamoError::internal("Internal server error")
    })
}

/// What `item` (of size `size`) adds to its collection: itself and its local index entries.
pub fn bytes_of(meta: &TableMeta, item: &Item, stored: &[u8], size: usize) -> Result<u64> {
    let mut total = size as u64;
    for index in &meta.local_indexes {
        if entries::entry_key(index, item, &[])?.is_some() {
            let (_, projected) = entries::projection_of(index, &meta.key_schema, item, stored)?;
            total += projected as u64;
        }
    }
    Ok(total)
}

/// The refusal of a write that would take a collection past [`LIMIT_BYTES`].
pub fn limit_exceeded() -> DynamoError {
    DynamoError::new(
        ErrorCode::ItemCollectionSizeLimitExceededException,
        "Item collection size limit exceeded",
    )
}

/// `ItemCollectionMetrics` of `item`'s collection of `bytes`: its partition key and its
/// size estimate in GB, as a range from the whole gigabytes it fills to one more.
pub fn metrics(meta: &TableMeta, item: &Item, bytes: u64) -> Result<ItemCollectionMetrics> {
    let pk = partition_value(meta, item)?;
    let low = (bytes as f64 / GB).floor();
    Ok(ItemCollectionMetrics {
        item_collection_key: Item::from([(meta.key_schema.partition.name.clone(), pk.clone())]),
        size_estimate_range_gb: [low, low + 1.0],
    })
}

/// Removes the collection counters of `meta`'s table (DeleteTable).
pub fn remove_counters(txn: &Txn<'_>, meta: &TableMeta) -> Result<()> {
    if meta.local_indexes.is_empty() {
        return Ok(());
    }
    let mut table = txn.open(DYNAMODB_COLLECTIONS)?;
    let start = meta.id.to_be_bytes();
    let end = (meta.id + 1).to_be_bytes();
    let counters: Vec<Vec<u8>> = table
        .read()
        .range::<&[u8]>(start.as_slice()..end.as_slice())
        .map_err(StorageError::from)?
        .map(|entry| entry.map(|(key, _)| key.value().to_vec()))
        .collect::<std::result::Result<_, _>>()
        .map_err(StorageError::from)?;
    for counter in counters {
        table.remove(counter.as_slice())?;
    }
    Ok(())
}
