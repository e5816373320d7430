//! The retention sweeper: a thread that removes stream records once they are past
//! `--stream-retention`, and drops closed streams (their records and their `StreamMeta`)
//! once retention has passed since they were closed.
//!
//! Reads never depend on it: records past retention are unreadable from the moment they
//! pass it (`records::read`). The sweeper reclaims their space, and records in the stream's
//! `trimmed_through` how far it went, so that an iterator pointing at removed records is
//! still told its data was trimmed. Removals run in write closures of at most
//! [`TRIM_BATCH`] records, so the sweeper never holds the writer for long.

use std::sync::Arc;
use std::time::Duration;

use redb::{ReadTransaction, ReadableTable};

use super::records::TIME_PREFIX;
use super::{StreamMeta, catalog_key, store, stored};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::now_epoch_seconds;
use crate::periodic::PeriodicThread;
use crate::storage::StorageError;
use crate::storage::tables::{DYNAMODB_STREAMS, dynamodb_stream_records};

/// Records removed per write closure.
const TRIM_BATCH: usize = 1_000;

/// The longest pause between two rounds.
const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// Starts sweeping four times per retention period (at least once a minute).
pub fn start(db: Arc<DynamoDb>) -> PeriodicThread {
    let interval = (db.stream_retention / 4).min(MAX_INTERVAL);
    PeriodicThread::start("drydock-stream-retention", interval, move |_| {
        if let Err(e) = sweep_round(&db, now_ms()) {
            tracing::warn!(error = %e, "stream retention sweep failed");
        }
    })
}

fn now_ms() -> u64 {
    (now_epoch_seconds() * 1000.0) as u64
}

/// One round over every stream at `now_ms`; returns how many records it removed.
pub fn sweep_round(db: &DynamoDb, now_ms: u64) -> Result<usize, StorageError> {
    let retention_ms = db.stream_retention.as_millis() as u64;
    let horizon_ms = now_ms.saturating_sub(retention_ms);
    let mut removed = 0;
    for stream in all_streams(&db.store.read()?)? {
        let ended = stream
            .closed
            .is_some_and(|closed| (closed.at * 1000.0) as u64 + retention_ms < now_ms);
        if ended {
            removed += drop_stream(db, stream)?;
            continue;
        }
        loop {
            let expired = expired_records(&db.store.read()?, &stream, horizon_ms)?;
            let full = expired.len() == TRIM_BATCH;
            if expired.is_empty() {
                break;
            }
            removed += trim(db, &stream, expired)?;
            if !full {
                break;
            }
        }
    }
    Ok(removed)
}

fn all_streams(txn: &ReadTransaction) -> Result<Vec<StreamMeta>, StorageError> {
    let table = match txn.open_table(DYNAMODB_STREAMS) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut streams = Vec::new();
    for entry in table.iter()? {
        let (_, value) = entry?;
        if let Ok(stream) = serde_json::from_slice(value.value()) {
            streams.push(stream);
        }
    }
    Ok(streams)
}

/// The sequence numbers of the stream's oldest records created before `horizon_ms`, at
/// most [`TRIM_BATCH`] of them.
fn expired_records(
    txn: &ReadTransaction,
    stream: &StreamMeta,
    horizon_ms: u64,
) -> Result<Vec<u64>, StorageError> {
    let table = match txn.open_table(dynamodb_stream_records(&stream.records_table_name())) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut expired = Vec::new();
    for entry in table.iter()? {
        let (key, value) = entry?;
        let created = value.value().first_chunk::<TIME_PREFIX>().copied();
        if u64::from_le_bytes(created.unwrap_or_default()) >= horizon_ms
            || expired.len() == TRIM_BATCH
        {
            break;
        }
        expired.push(u64::from_be_bytes(
            key.value().try_into().unwrap_or_default(),
        ));
    }
    Ok(expired)
}

/// Removes the records `sequences` (in order) and moves the stream's `trimmed_through`
/// past them.
fn trim(db: &DynamoDb, stream: &StreamMeta, sequences: Vec<u64>) -> Result<usize, StorageError> {
    let key = catalog_key(&stream.region, &stream.table_name, &stream.label);
    let records_name = stream.records_table_name();
    db.store
        .write_blocking(move |txn| -> Result<usize, StorageError> {
            // Read again inside the write: the stream may have been closed since.
            let Some(mut current) = stored(txn, &key)? else {
                return Ok(0);
            };
            let mut records = txn.open(dynamodb_stream_records(&records_name))?;
            for sequence in &sequences {
                records.remove(sequence.to_be_bytes().as_slice())?;
            }
            drop(records);
            current.trimmed_through = current
                .trimmed_through
                .max(sequences.last().copied().unwrap_or(0));
            store(txn, &current)?;
            Ok(sequences.len())
        })?
}

/// Drops a closed stream whose retention has ended: its records and its description.
fn drop_stream(db: &DynamoDb, stream: StreamMeta) -> Result<usize, StorageError> {
    db.store
        .write_blocking(move |txn| -> Result<usize, StorageError> {
            let name = stream.records_table_name();
            let definition = dynamodb_stream_records(&name);
            let records = {
                let table = txn.open(definition)?;
                redb::ReadableTableMetadata::len(table.read())? as usize
            };
            txn.delete_table(definition)?;
            let key = catalog_key(&stream.region, &stream.table_name, &stream.label);
            txn.open(DYNAMODB_STREAMS)?.remove(key.as_str())?;
            Ok(records)
        })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::dynamodb::item::testing::{REGION, request};
    use crate::dynamodb::ops::put_item::put_item;
    use crate::dynamodb::ops::update_table::update_table;
    use crate::dynamodb::streams::records::{self, tests::table_with_stream};
    use crate::storage::Store;

    fn service_with_retention(seconds: f64) -> DynamoDb {
        let config = Config {
            stream_retention: seconds,
            ..Config::ephemeral()
        };
        DynamoDb::open(Arc::new(Store::in_memory().unwrap()), &config).unwrap()
    }

    fn stream_of(db: &DynamoDb) -> Option<StreamMeta> {
        let meta = db.catalog.get(REGION, "tbl").unwrap();
        let label = &meta.stream.as_ref().unwrap().label;
        super::super::read(
            &db.store.read().unwrap(),
            &catalog_key(REGION, "tbl", label),
        )
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn records_past_retention_are_removed_and_closed_streams_dropped() {
        let db = service_with_retention(10.0);
        table_with_stream(&db, "KEYS_ONLY").await;
        for pk in ["a", "b"] {
            let body =
                format!(r#"{{"TableName":"tbl","Item":{{"pk":{{"S":"{pk}"}},"sk":{{"N":"1"}}}}}}"#);
            put_item(&db, REGION, request(&body)).await.unwrap();
        }
        let now = now_ms();
        let removed = tokio::task::block_in_place(|| sweep_round(&db, now)).unwrap();
        assert_eq!(removed, 0, "nothing is past retention yet");

        let later = now + 11_000;
        let removed = tokio::task::block_in_place(|| sweep_round(&db, later)).unwrap();
        assert_eq!(removed, 2);
        let stream = stream_of(&db).unwrap();
        let txn = db.store.read().unwrap();
        assert!(stream.trimmed_through > stream.starting_sequence);
        assert!(
            records::read(&txn, &stream, stream.starting_sequence, 10, 1 << 20, 0)
                .unwrap()
                .is_none(),
            "an iterator at the removed records reads trimmed data"
        );
        let after = records::read(&txn, &stream, stream.trimmed_through + 1, 10, 1 << 20, 0)
            .unwrap()
            .unwrap();
        assert!(after.records.is_empty());
        drop(txn);

        let disable = r#"{"TableName":"tbl","StreamSpecification":{"StreamEnabled":false}}"#;
        update_table(&db, REGION, serde_json::from_str(disable).unwrap())
            .await
            .unwrap();
        tokio::task::block_in_place(|| sweep_round(&db, now_ms())).unwrap();
        assert!(
            stream_of(&db).is_some(),
            "a closed stream stays for its retention"
        );
        tokio::task::block_in_place(|| sweep_round(&db, now_ms() + 11_000)).unwrap();
        assert!(stream_of(&db).is_none(), "then it is dropped");
    }
}
