//! The Query API's in-memory copy of every table's records, by series, in time order.
//!
//! Decoding records out of redb costs about a microsecond each, so a query over millions of
//! points cannot read them from storage one by one; this copy answers queries instead. It
//! is kept up to date by the write path (it is a `RecordObserver`) and rebuilt from redb at
//! start, which stays the durable copy. A series is a measure name with one set of
//! dimension values; its points are sorted by time, so a time range is two binary searches
//! and a measure name or a dimension value selects whole series. A series' values are held
//! in its measure's type, so that a scan copies a slice of them into an Arrow array.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use foldhash::fast::RandomState;

use crate::storage::StorageError;
use crate::timestream::catalog::Snapshot;
use crate::timestream::records::{self, MeasureValue, RecordObserver, Scalar, StoredRecord};

/// One series: its identity and its points, sorted by time, one point per time.
#[derive(Debug)]
pub struct Series {
    pub dimensions: Vec<(String, String)>,
    pub measure_name: String,
    pub times: Vec<i64>,
    pub versions: Vec<i64>,
    pub values: Values,
}

/// A series' values in its measure's type: the write path fixes the type of a measure name
/// for the life of its table, so one series never mixes types.
#[derive(Debug)]
pub enum Values {
    Double(Vec<f64>),
    Bigint(Vec<i64>),
    Varchar(Vec<String>),
    Boolean(Vec<bool>),
    /// Each point's attributes, sorted by name.
    Multi(Vec<Vec<(String, Scalar)>>),
}

impl Values {
    /// An empty column for values like `value`; none for a type a single-measure record
    /// cannot have (TIMESTAMP is only an attribute of multi-measure records).
    fn for_value(value: &MeasureValue) -> Option<Values> {
        Some(match value {
            MeasureValue::Single(Scalar::Double(_)) => Values::Double(Vec::new()),
            MeasureValue::Single(Scalar::Bigint(_)) => Values::Bigint(Vec::new()),
            MeasureValue::Single(Scalar::Varchar(_)) => Values::Varchar(Vec::new()),
            MeasureValue::Single(Scalar::Boolean(_)) => Values::Boolean(Vec::new()),
            MeasureValue::Single(Scalar::Timestamp(_)) => return None,
            MeasureValue::Multi(_) => Values::Multi(Vec::new()),
        })
    }

    /// Puts `value` at point `at`, replacing the point there or inserted before it; false
    /// when the value is not of this column's type.
    fn put(&mut self, at: usize, replace: bool, value: &MeasureValue) -> bool {
        fn put<T>(column: &mut Vec<T>, at: usize, replace: bool, value: T) {
            if replace {
                column[at] = value;
            } else {
                column.insert(at, value);
            }
        }
        match (self, value) {
            (Values::Double(c), MeasureValue::Single(Scalar::Double(v))) => put(c, at, replace, *v),
            (Values::Bigint(c), MeasureValue::Single(Scalar::Bigint(v))) => put(c, at, replace, *v),
            (Values::Varchar(c), MeasureValue::Single(Scalar::Varchar(v))) => {
                put(c, at, replace, v.clone())
            }
            (Values::Boolean(c), MeasureValue::Single(Scalar::Boolean(v))) => {
                put(c, at, replace, *v)
            }
            (Values::Multi(c), MeasureValue::Multi(v)) => put(c, at, replace, v.clone()),
            _ => return false,
        }
        true
    }

    fn drain_front(&mut self, points: usize) {
        match self {
            Values::Double(c) => drop(c.drain(..points)),
            Values::Bigint(c) => drop(c.drain(..points)),
            Values::Varchar(c) => drop(c.drain(..points)),
            Values::Boolean(c) => drop(c.drain(..points)),
            Values::Multi(c) => drop(c.drain(..points)),
        }
    }
}

impl Series {
    pub fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| self.dimensions[i].1.as_str())
    }

    /// Applies a record of this series under the version rules: a new time is inserted, a
    /// higher version replaces, anything else is already here. False when the value is not of
    /// the series' type.
    fn upsert(&mut self, time: i64, version: i64, value: &MeasureValue) -> bool {
        // Points mostly arrive in time order: the common case appends without a search over
        // a vector that is seldom in cache.
        let at = match self.times.last() {
            Some(&last) if last < time => self.times.len(),
            _ => self.times.partition_point(|&t| t < time),
        };
        if self.times.get(at) == Some(&time) {
            if version > self.versions[at] {
                if !self.values.put(at, true, value) {
                    return false;
                }
                self.versions[at] = version;
            }
            return true;
        }
        if !self.values.put(at, false, value) {
            return false;
        }
        self.times.insert(at, time);
        self.versions.insert(at, version);
        true
    }

    fn expire(&mut self, before: i64) {
        let gone = self.times.partition_point(|&t| t < before);
        self.times.drain(..gone);
        self.versions.drain(..gone);
        self.values.drain_front(gone);
    }
}

type FastMap<K, V> = HashMap<K, V, RandomState>;

/// One table's series.
#[derive(Debug, Default)]
pub struct TableColumns {
    /// Series positions by measure name, then dimensions: nested so that a record of a known
    /// series finds it through borrowed keys, without copying its names. Every written record
    /// is looked up here, so the hasher is a fast one rather than SipHash.
    index: FastMap<String, FastMap<Vec<(String, String)>, usize>>,
    pub series: Vec<Series>,
    /// Records before this time have left storage; late notifications of them are ignored.
    expired_before: i64,
}

impl TableColumns {
    fn upsert(&mut self, record: &StoredRecord) {
        if record.time < self.expired_before {
            return;
        }
        let known = self
            .index
            .get(record.measure_name.as_str())
            .and_then(|by_dimensions| by_dimensions.get(record.dimensions.as_slice()));
        let at = match known {
            Some(&at) => at,
            None => {
                let Some(values) = Values::for_value(&record.value) else {
                    return not_held(record);
                };
                let at = self.series.len();
                self.index
                    .entry(record.measure_name.clone())
                    .or_default()
                    .insert(record.dimensions.clone(), at);
                self.series.push(Series {
                    dimensions: record.dimensions.clone(),
                    measure_name: record.measure_name.clone(),
                    times: Vec::new(),
                    versions: Vec::new(),
                    values,
                });
                at
            }
        };
        if !self.series[at].upsert(record.time, record.version, &record.value) {
            not_held(record);
        }
    }

    fn expire(&mut self, before: i64) {
        self.expired_before = self.expired_before.max(before);
        for series in &mut self.series {
            series.expire(before);
        }
    }
}

/// A record whose value the copy cannot hold: the write path refuses a measure type that
/// differs from the one its measure name first had, so this means the two disagree.
fn not_held(record: &StoredRecord) {
    tracing::error!(
        measure_name = %record.measure_name,
        measure_type = record.value.measure_type().as_str(),
        "record not held by the query copy: its type differs from its series'"
    );
}

/// Every table's copy, by table id.
#[derive(Default)]
pub struct ColumnStore {
    tables: RwLock<HashMap<u64, Arc<RwLock<TableColumns>>>>,
    /// Ids of dropped tables: a notification that arrives after the drop must not bring the
    /// table back (ids are never reused).
    dropped: Mutex<HashSet<u64>>,
}

impl ColumnStore {
    /// The copy of table `table_id` (empty if nothing was written to it).
    pub fn table(&self, table_id: u64) -> Arc<RwLock<TableColumns>> {
        if let Some(t) = self.tables.read().expect("columns lock").get(&table_id) {
            return Arc::clone(t);
        }
        Arc::clone(
            self.tables
                .write()
                .expect("columns lock")
                .entry(table_id)
                .or_default(),
        )
    }

    /// Loads every table's records from a snapshot. Register the store as an observer first:
    /// a write that commits in between then arrives twice, which the upsert absorbs.
    pub fn load(&self, snapshot: &Snapshot) -> Result<usize, StorageError> {
        let mut loaded = 0;
        for (_, table) in snapshot.every_table()? {
            let columns = self.table(table.id);
            let mut columns = columns.write().expect("columns lock");
            for record in records::scan(snapshot.transaction(), table.id, None, ..)? {
                columns.upsert(&record?);
                loaded += 1;
            }
        }
        Ok(loaded)
    }
}

impl RecordObserver for ColumnStore {
    fn records_written(&self, table_id: u64, records: &[StoredRecord]) {
        if self
            .dropped
            .lock()
            .expect("dropped lock")
            .contains(&table_id)
        {
            return;
        }
        let table = self.table(table_id);
        let mut table = table.write().expect("columns lock");
        for record in records {
            table.upsert(record);
        }
    }

    fn table_dropped(&self, table_id: u64) {
        self.dropped.lock().expect("dropped lock").insert(table_id);
        self.tables.write().expect("columns lock").remove(&table_id);
    }

    fn records_expired(&self, table_id: u64, before: i64) {
        self.table(table_id)
            .write()
            .expect("columns lock")
            .expire(before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(host: &str, time: i64, version: i64, value: f64) -> StoredRecord {
        typed_record(host, time, version, Scalar::Double(value))
    }

    fn typed_record(host: &str, time: i64, version: i64, value: Scalar) -> StoredRecord {
        StoredRecord {
            dimensions: vec![("host".to_owned(), host.to_owned())],
            measure_name: "cpu".to_owned(),
            time,
            version,
            value: MeasureValue::Single(value),
        }
    }

    fn values(store: &ColumnStore, host: &str) -> Vec<(i64, f64)> {
        let table = store.table(1);
        let table = table.read().expect("lock");
        let series = table
            .series
            .iter()
            .find(|s| s.dimension("host") == Some(host))
            .expect("series");
        let Values::Double(values) = &series.values else {
            panic!("{:?}", series.values);
        };
        series
            .times
            .iter()
            .copied()
            .zip(values.iter().copied())
            .collect()
    }

    #[test]
    fn records_in_any_order_end_sorted_with_the_highest_version() {
        let store = ColumnStore::default();
        store.records_written(1, &[record("a", 30, 1, 3.0), record("a", 10, 1, 1.0)]);
        store.records_written(1, &[record("b", 5, 1, 9.0), record("a", 20, 1, 2.0)]);
        // A higher version replaces; a lower one arriving late changes nothing.
        store.records_written(1, &[record("a", 20, 3, 2.5)]);
        store.records_written(1, &[record("a", 20, 2, 2.2)]);
        assert_eq!(values(&store, "a"), [(10, 1.0), (20, 2.5), (30, 3.0)]);
        assert_eq!(values(&store, "b"), [(5, 9.0)]);
    }

    #[test]
    fn a_value_of_another_type_leaves_the_series_as_it_was() {
        let store = ColumnStore::default();
        store.records_written(1, &[record("a", 10, 1, 1.0)]);
        store.records_written(
            1,
            &[
                typed_record("a", 20, 1, Scalar::Bigint(2)),
                typed_record("a", 10, 2, Scalar::Bigint(3)),
                typed_record("b", 10, 1, Scalar::Timestamp(4)),
            ],
        );
        assert_eq!(values(&store, "a"), [(10, 1.0)]);
        let table = store.table(1);
        assert_eq!(table.read().expect("lock").series.len(), 1);
    }

    #[test]
    fn expiry_and_drops_are_final() {
        let store = ColumnStore::default();
        store.records_written(1, &[record("a", 10, 1, 1.0), record("a", 20, 1, 2.0)]);
        store.records_expired(1, 15);
        store.records_written(1, &[record("a", 12, 1, 1.2)]);
        assert_eq!(values(&store, "a"), [(20, 2.0)]);
        store.table_dropped(1);
        store.records_written(1, &[record("a", 30, 1, 3.0)]);
        assert!(store.table(1).read().expect("lock").series.is_empty());
    }
}
