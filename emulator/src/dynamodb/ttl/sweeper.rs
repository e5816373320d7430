//! The TTL sweeper: a thread that deletes expired items every `--ttl-sweep-interval`.
//!
//! Each round walks the tables whose TTL is ENABLED. A table is read in chunks
//! ([`SCAN_CHUNK`] items per read snapshot, at most [`ROUND_BUDGET`] per table per round,
//! resuming where the previous round stopped), and the expired items found are deleted
//! through `TableWriter` in write closures of at most [`DELETE_BATCH`] items, so that the
//! sweeper's writes queue with everyone else's and never hold the writer for long. A closure
//! checks again that each item is still expired: it may have been rewritten since the scan.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

use super::{active_attribute, is_expired};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::{TableMeta, now_epoch_seconds};
use crate::dynamodb::error::{ErrorCode, Result};
use crate::dynamodb::item::StoredItem;
use crate::dynamodb::page;
use crate::dynamodb::table_writer::TableWriter;
use crate::periodic::PeriodicThread;
use crate::storage::StorageError;
use crate::storage::tables::dynamodb_items;

/// Items read per read snapshot.
const SCAN_CHUNK: usize = 1_000;
/// Items read per table per round; a larger table is covered over several rounds.
const ROUND_BUDGET: usize = 100_000;
/// Items deleted per write closure.
const DELETE_BATCH: usize = 100;

/// Starts sweeping every `interval`; `None` when the interval is zero (sweeping off).
pub fn start(db: Arc<DynamoDb>, interval: Duration) -> Option<PeriodicThread> {
    if interval.is_zero() {
        return None;
    }
    let mut cursors = Cursors::default();
    Some(PeriodicThread::start(
        "drydock-ttl-sweeper",
        interval,
        move |stopping| {
            sweep_round(&db, &mut cursors, now_epoch_seconds(), stopping);
        },
    ))
}

/// Where each table's walk resumes: the last stored key read, by table id.
type Cursors = HashMap<u64, Vec<u8>>;

/// One round over every table with TTL enabled; returns how many items it deleted.
/// `stopping` is asked between batches.
pub fn sweep_round(
    db: &DynamoDb,
    cursors: &mut Cursors,
    now: f64,
    stopping: &dyn Fn() -> bool,
) -> usize {
    let mut deleted = 0;
    let tables = db.catalog.all();
    cursors.retain(|id, _| tables.iter().any(|t| t.id == *id));
    for meta in tables {
        let Some(attribute) = active_attribute(meta.time_to_live.as_ref(), now) else {
            continue;
        };
        let attribute = attribute.to_owned();
        match sweep_table(db, &meta, &attribute, cursors, now, stopping) {
            Ok(n) => deleted += n,
            Err(e) => tracing::warn!(table = %meta.name, error = %e.message, "TTL sweep failed"),
        }
        if stopping() {
            break;
        }
    }
    deleted
}

fn sweep_table(
    db: &DynamoDb,
    meta: &Arc<TableMeta>,
    attribute: &str,
    cursors: &mut Cursors,
    now: f64,
    stopping: &dyn Fn() -> bool,
) -> Result<usize> {
    let mut deleted = 0;
    let mut read = 0;
    while read < ROUND_BUDGET && !stopping() {
        let after = cursors.get(&meta.id).cloned();
        let chunk = expired_in_chunk(db, meta, attribute, after.as_deref(), now)?;
        read += chunk.read;
        match chunk.last_key {
            Some(last) => cursors.insert(meta.id, last),
            None => cursors.remove(&meta.id),
        };
        for batch in chunk.expired.chunks(DELETE_BATCH) {
            deleted += delete_expired(db, meta, attribute, batch.to_vec(), now)?;
        }
        if chunk.at_end {
            // The next round starts over from the first item.
            cursors.remove(&meta.id);
            break;
        }
    }
    Ok(deleted)
}

/// The expired items among the next [`SCAN_CHUNK`] items after `after`.
struct Chunk {
    expired: Vec<Vec<u8>>,
    read: usize,
    last_key: Option<Vec<u8>>,
    at_end: bool,
}

fn expired_in_chunk(
    db: &DynamoDb,
    meta: &TableMeta,
    attribute: &str,
    after: Option<&[u8]>,
    now: f64,
) -> Result<Chunk> {
    let txn = db.store.read()?;
    let name = meta.items_table_name();
    let table = match txn.open_table(dynamodb_items(&name)) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => {
            return Ok(Chunk {
                expired: Vec::new(),
                read: 0,
                last_key: None,
                at_end: true,
            });
        }
        Err(e) => return Err(StorageError::from(e).into()),
    };
    let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
    let range = table
        .range::<&[u8]>((lower, Bound::Unbounded))
        .map_err(StorageError::from)?;
    let needed = [attribute.to_owned()];
    let mut chunk = Chunk {
        expired: Vec::new(),
        read: 0,
        last_key: None,
        at_end: true,
    };
    for entry in range {
        if chunk.read == SCAN_CHUNK {
            chunk.at_end = false;
            break;
        }
        let (key, value) = entry.map_err(StorageError::from)?;
        chunk.read += 1;
        let ttl = page::decode_attributes(StoredItem::parse(value.value())?.json, &needed)?;
        if ttl.get(attribute).is_some_and(|v| is_expired(v, now)) {
            chunk.expired.push(key.value().to_vec());
        }
        chunk.last_key = Some(key.value().to_vec());
    }
    Ok(chunk)
}

/// Deletes the items under `keys` that are still expired, in one write closure.
fn delete_expired(
    db: &DynamoDb,
    meta: &Arc<TableMeta>,
    attribute: &str,
    keys: Vec<Vec<u8>>,
    now: f64,
) -> Result<usize> {
    let meta = Arc::clone(meta);
    let needed = [attribute.to_owned()];
    let outcome = db.store.write_blocking(move |txn| -> Result<usize> {
        let mut table = TableWriter::open(txn, &meta)?;
        let mut still_expired = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(stored) = table.get(&key)? else {
                continue;
            };
            let ttl = page::decode_attributes(StoredItem::parse(&stored)?.json, &needed)?;
            if ttl.get(&needed[0]).is_some_and(|v| is_expired(v, now)) {
                still_expired.push(key);
            }
        }
        // All checks are made; the deletes follow.
        for key in &still_expired {
            table.delete_expired(key)?;
        }
        Ok(still_expired.len())
    })?;
    match outcome {
        // The table was deleted since the scan: nothing left to sweep.
        Err(e) if e.code == ErrorCode::ResourceNotFoundException => Ok(0),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::ScalarType;
    use crate::dynamodb::item::testing::{REGION, create_table, request, service};
    use crate::dynamodb::ops::describe_table::counts;
    use crate::dynamodb::ops::put_item::put_item;
    use crate::dynamodb::ops::update_time_to_live::update_time_to_live;

    const NOW: f64 = 1_800_000_000.0;

    async fn put(db: &DynamoDb, pk: &str, exp: &str) {
        let body = format!(r#"{{"TableName":"tbl","Item":{{"pk":{{"S":"{pk}"}}{exp}}}}}"#);
        put_item(db, REGION, request(&body)).await.unwrap();
    }

    fn keys_left(db: &DynamoDb) -> u64 {
        counts(db, &db.catalog.get(REGION, "tbl").unwrap())
            .unwrap()
            .items
    }

    async fn enable(db: &DynamoDb) {
        let body = r#"{"TableName":"tbl",
            "TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}"#;
        update_time_to_live(db, REGION, serde_json::from_str(body).unwrap())
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn only_expired_items_are_deleted_once_ttl_is_enabled() {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        put(&db, "past", r#","exp":{"N":"1799999000"}"#).await;
        put(&db, "future", r#","exp":{"N":"1800000100"}"#).await;
        put(&db, "string", r#","exp":{"S":"1"}"#).await;
        put(&db, "ancient", r#","exp":{"N":"1000"}"#).await;
        put(&db, "none", "").await;
        let never = || false;
        let mut cursors = Cursors::default();
        assert_eq!(sweep_round(&db, &mut cursors, NOW, &never), 0);
        assert_eq!(keys_left(&db), 5);

        enable(&db).await;
        let deleted = tokio::task::block_in_place(|| sweep_round(&db, &mut cursors, NOW, &never));
        assert_eq!(deleted, 1);
        assert_eq!(keys_left(&db), 4);
        assert!(cursors.is_empty(), "a table read to its end starts over");
        let later = NOW + 200.0;
        let deleted = tokio::task::block_in_place(|| sweep_round(&db, &mut cursors, later, &never));
        assert_eq!(deleted, 1, "the future item has expired by then");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn large_tables_are_read_in_chunks_and_deleted_in_batches() {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        enable(&db).await;
        let total = SCAN_CHUNK * 2 + 10;
        for i in 0..total {
            let exp = if i % 3 == 0 { "1" } else { "1799999999" };
            put(&db, &format!("k{i}"), &format!(r#","exp":{{"N":"{exp}"}}"#)).await;
        }
        let mut cursors = Cursors::default();
        let deleted =
            tokio::task::block_in_place(|| sweep_round(&db, &mut cursors, NOW, &|| false));
        let ancient = total.div_ceil(3);
        assert_eq!(deleted, total - ancient);
        assert_eq!(keys_left(&db), ancient as u64);

        // Asked to stop, a round ends before its next chunk.
        put(&db, "again", r#","exp":{"N":"1799999999"}"#).await;
        let stopped = tokio::task::block_in_place(|| sweep_round(&db, &mut cursors, NOW, &|| true));
        assert_eq!(stopped, 0);
    }
}
