//! The retention sweeper: a thread that removes records past their table's retention every
//! `--retention-sweep-interval`.
//!
//! A table keeps a record for its memory store retention and then its magnetic store
//! retention (the service moves records to the magnetic store when they leave the memory
//! store, whether or not magnetic store writes are enabled), so a record expires when its
//! time is more than `MemoryStoreRetentionPeriodInHours + MagneticStoreRetentionPeriodInDays`
//! in the past. Queries never see such a record once the sweep has passed.
//!
//! Each round walks every table: it reads up to [`DELETE_BATCH`] expired records from a read
//! snapshot (a time-bounded scan, measure by measure), removes them in one write closure, and
//! repeats, at most [`ROUND_BUDGET`] records per table per round, so that the sweeper's
//! writes queue with everyone else's and never hold the writer for long. The closure checks
//! again that the table is the one scanned and takes its retention as it is then (an
//! UpdateTable may have lengthened it). Once a table has nothing expired left, observers
//! hear of the new cutoff.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Timestream;
use super::catalog::{self, TableRecord};
use super::records::{self, RecordTable};
use crate::periodic::PeriodicThread;
use crate::storage::StorageError;

/// Records removed per write closure.
const DELETE_BATCH: usize = 1_000;
/// Records removed per table per round; a larger backlog is cleared over several rounds.
const ROUND_BUDGET: usize = 100_000;

/// Starts sweeping every `interval`; `None` when the interval is zero (sweeping off).
pub fn start(ts: Arc<Timestream>, interval: Duration) -> Option<PeriodicThread> {
    if interval.is_zero() {
        return None;
    }
    Some(PeriodicThread::start(
        "drydock-retention-sweeper",
        interval,
        move |stopping| {
            sweep_round(&ts, now_ns(), stopping);
        },
    ))
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The time before which a table's records have expired at `now_ns`.
fn cutoff(table: &TableRecord, now_ns: i64) -> i64 {
    now_ns.saturating_sub(table.retention_ns())
}

/// One round over every table; returns how many records it removed. `stopping` is asked
/// between batches.
pub fn sweep_round(ts: &Timestream, now_ns: i64, stopping: &dyn Fn() -> bool) -> usize {
    let tables = match ts.snapshot().and_then(|s| s.every_table()) {
        Ok(tables) => tables,
        Err(e) => {
            tracing::warn!(error = %e, "retention sweep cannot list tables");
            return 0;
        }
    };
    let mut removed = 0;
    for (region, table) in tables {
        match sweep_table(ts, &region, &table, now_ns, stopping) {
            Ok(n) => removed += n,
            Err(e) => tracing::warn!(table = %table.name, error = %e, "retention sweep failed"),
        }
        if stopping() {
            break;
        }
    }
    removed
}

fn sweep_table(
    ts: &Timestream,
    region: &str,
    table: &TableRecord,
    now_ns: i64,
    stopping: &dyn Fn() -> bool,
) -> Result<usize, StorageError> {
    let before = cutoff(table, now_ns);
    let mut removed = 0;
    loop {
        if stopping() || removed >= ROUND_BUDGET {
            return Ok(removed);
        }
        let keys = expired_keys(ts, table.id, before)?;
        if keys.is_empty() {
            ts.observers.records_expired(table.id, before);
            return Ok(removed);
        }
        let batch = keys.len();
        let (region, database, name, id) = (
            region.to_owned(),
            table.database.clone(),
            table.name.clone(),
            table.id,
        );
        let done =
            ts.store
                .write_blocking(move |txn| -> Result<Option<usize>, StorageError> {
                    let live = catalog::Writer(txn).table(&region, &database, &name)?;
                    let Some(live) = live.filter(|t| t.id == id) else {
                        return Ok(None);
                    };
                    let mut records = RecordTable::open(txn, id)?;
                    Ok(Some(records.remove_expired(&keys, cutoff(&live, now_ns))?))
                })??;
        match done {
            // Dropped since the scan: nothing left to sweep.
            None => return Ok(removed),
            Some(n) => removed += n,
        }
        if done.is_some_and(|n| n < batch) {
            // The table's retention grew since the scan: this round is done with it.
            return Ok(removed);
        }
    }
}

/// The keys of up to [`DELETE_BATCH`] records of table `id` with a time before `before`.
fn expired_keys(ts: &Timestream, id: u64, before: i64) -> Result<Vec<Vec<u8>>, StorageError> {
    let txn = ts.store.read()?;
    records::scan(&txn, id, None, ..before)?
        .take(DELETE_BATCH)
        .map(|record| record.map(|r| records::record_key(&r)))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use serde_json::json;

    use super::*;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::create_table::create_table;
    use crate::timestream::ops::tests::{REGION, input, service};
    use crate::timestream::ops::update_table::update_table;
    use crate::timestream::records::{MeasureValue, RecordObserver, Scalar, StoredRecord};

    const HOUR: i64 = catalog::NS_PER_HOUR;
    const DAY: i64 = catalog::NS_PER_DAY;
    const NOW: i64 = 1_764_000_000_000_000_000;

    #[derive(Default)]
    struct Expired(Mutex<Vec<(u64, i64)>>);

    impl RecordObserver for Expired {
        fn records_written(&self, _: u64, _: &[StoredRecord]) {}
        fn table_dropped(&self, _: u64) {}
        fn records_expired(&self, table_id: u64, before: i64) {
            self.0.lock().expect("lock").push((table_id, before));
        }
    }

    /// A table keeping records 2 hours in memory and 1 day on magnetic storage, holding
    /// `count` records over 7 series, one a minute back from now.
    async fn table_with_records(ts: &Timestream, count: i64) -> TableRecord {
        create_database(ts, REGION, input(json!({"DatabaseName": "dbs"})))
            .await
            .expect("database");
        create_table(
            ts,
            REGION,
            input(
                json!({"DatabaseName": "dbs", "TableName": "tbl", "RetentionProperties": {
                "MemoryStoreRetentionPeriodInHours": 2, "MagneticStoreRetentionPeriodInDays": 1}}),
            ),
        )
        .await
        .expect("table");
        let table = ts
            .snapshot()
            .expect("snapshot")
            .table(REGION, "dbs", "tbl")
            .expect("read")
            .expect("table");
        let id = table.id;
        ts.store
            .write(move |txn| -> Result<(), StorageError> {
                let mut records = RecordTable::open(txn, id)?;
                for i in 0..count {
                    records.upsert(&StoredRecord {
                        dimensions: vec![("host".into(), (i % 7).to_string())],
                        measure_name: "cpu".into(),
                        time: NOW - i * 60_000_000_000,
                        version: 1,
                        value: MeasureValue::Single(Scalar::Double(0.5)),
                    })?;
                }
                Ok(())
            })
            .await
            .expect("committed")
            .expect("written");
        table
    }

    fn stored_times(ts: &Timestream, id: u64) -> Vec<i64> {
        let txn = ts.store.read().expect("read");
        records::scan(&txn, id, None, ..)
            .expect("scan")
            .map(|r| r.expect("record").time)
            .collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn records_past_memory_and_magnetic_retention_leave_storage() {
        let ts = service();
        let expired = Arc::new(Expired::default());
        ts.observe(expired.clone());
        // 2,500 minutes of records: more than a write batch expires.
        let table = table_with_records(&ts, 2_500).await;
        let never = || false;
        let oldest = NOW - 2_499 * 60_000_000_000;
        let removed = tokio::task::block_in_place(|| sweep_round(&ts, oldest + 26 * HOUR, &never));
        assert_eq!(removed, 0, "nothing is older than 26 hours yet");
        let later = NOW + 26 * HOUR - 2_500 * 60_000_000_000 + DAY;
        let removed = tokio::task::block_in_place(|| sweep_round(&ts, later, &never));
        let before = later - 2 * HOUR - DAY;
        let left = stored_times(&ts, table.id);
        assert!(left.iter().all(|&t| t >= before));
        assert_eq!(removed + left.len(), 2_500);
        assert!(removed > DELETE_BATCH, "{removed}");
        assert_eq!(
            expired.0.lock().expect("lock").last(),
            Some(&(table.id, before))
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_longer_retention_keeps_records_and_a_stop_ends_the_round() {
        let ts = service();
        let table = table_with_records(&ts, 100).await;
        update_table(
            &ts,
            REGION,
            input(
                json!({"DatabaseName": "dbs", "TableName": "tbl", "RetentionProperties": {
                "MemoryStoreRetentionPeriodInHours": 2, "MagneticStoreRetentionPeriodInDays": 30}}),
            ),
        )
        .await
        .expect("updated");
        let removed = tokio::task::block_in_place(|| sweep_round(&ts, NOW + 2 * DAY, &|| false));
        assert_eq!(removed, 0);
        let removed = tokio::task::block_in_place(|| sweep_round(&ts, NOW + 60 * DAY, &|| true));
        assert_eq!(removed, 0, "asked to stop, a round removes nothing");
        assert_eq!(stored_times(&ts, table.id).len(), 100);
    }
}
