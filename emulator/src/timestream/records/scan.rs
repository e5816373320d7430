//! The read API: a table's records for an optional measure name and a time range.
//!
//! Keys are `measure ‖ time ‖ series` (see `encoding`), so records come back grouped by
//! measure name (in the byte order of its escaped form), each measure's records in time
//! order, and records of one instant in the byte order of their series. A measure's time
//! range is one range of keys; without a measure the scan seeks from measure to measure,
//! reading each one's time range (two range seeks per measure name).

use std::ops::{Bound, RangeBounds};

use redb::{ReadOnlyTable, ReadTransaction};

use super::StoredRecord;
use super::encoding::{
    TIME_LEN, decode_record, encode_time, measure_prefix, measure_prefix_len, time_prefix,
};
use crate::storage::StorageError;
use crate::storage::tables;

type Records = ReadOnlyTable<&'static [u8], &'static [u8]>;
type Entries = redb::Range<'static, &'static [u8], &'static [u8]>;

/// Iterator over decoded records; see [`scan`].
pub struct Scan {
    table: Option<Records>,
    /// Where the next measure starts, at or after.
    cursor: Bound<Vec<u8>>,
    /// The end of the key space scanned (the measure's, or the table's).
    end: Bound<Vec<u8>>,
    /// The time range, inclusive at both ends, as encoded in keys; `None` for all times.
    times: Option<([u8; TIME_LEN], [u8; TIME_LEN])>,
    current: Option<Entries>,
}

/// Scans table `table_id`'s records in `txn`: only those of `measure_name` when given, and
/// only those whose time (nanoseconds since the epoch) lies in `time`. A table that does not
/// exist (dropped, or never written) scans as empty. Each item is a decoded record, or the
/// storage error that ended the scan.
///
/// ```no_run
/// # fn demo(txn: &redb::ReadTransaction) -> Result<(), emulator::storage::StorageError> {
/// use emulator::timestream::records;
/// let hour = 3_600_000_000_000_i64;
/// for record in records::scan(txn, 7, Some("cpu"), 0..hour)? {
///     let record = record?;
///     println!("{:?} {} {:?}", record.dimensions, record.time, record.value);
/// }
/// # Ok(()) }
/// ```
pub fn scan(
    txn: &ReadTransaction,
    table_id: u64,
    measure_name: Option<&str>,
    time: impl RangeBounds<i64>,
) -> Result<Scan, StorageError> {
    let name = tables::timestream_records_name(table_id);
    let table = match txn.open_table(tables::timestream_records(&name)) {
        Ok(t) => Some(t),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let (cursor, end) = match measure_name {
        Some(measure) => {
            let start = measure_prefix(measure);
            let end = measure_end(&start);
            (Bound::Included(start), Bound::Excluded(end))
        }
        None => (Bound::Unbounded, Bound::Unbounded),
    };
    let mut scan = Scan {
        table,
        cursor,
        end,
        times: None,
        current: None,
    };
    match inclusive_times(&time) {
        Some((i64::MIN, i64::MAX)) => {
            scan.current = scan.entries(scan.cursor.clone(), scan.end.clone())?;
        }
        Some((lo, hi)) => scan.times = Some((encode_time(lo), encode_time(hi))),
        None => scan.table = None,
    }
    Ok(scan)
}

/// The end of a measure's keys: its prefix ends with the terminator 0x00 0x00; ending it
/// 0x00 0x01 instead bounds exactly the keys that start with it.
fn measure_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    *end.last_mut().expect("a terminated prefix") = 0x01;
    end
}

/// The range as inclusive bounds; `None` when it is empty.
fn inclusive_times(time: &impl RangeBounds<i64>) -> Option<(i64, i64)> {
    let lo = match time.start_bound() {
        Bound::Included(&t) => t,
        Bound::Excluded(&t) => t.checked_add(1)?,
        Bound::Unbounded => i64::MIN,
    };
    let hi = match time.end_bound() {
        Bound::Included(&t) => t,
        Bound::Excluded(&t) => t.checked_sub(1)?,
        Bound::Unbounded => i64::MAX,
    };
    (lo <= hi).then_some((lo, hi))
}

fn as_slice(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl Scan {
    fn entries(
        &self,
        from: Bound<Vec<u8>>,
        to: Bound<Vec<u8>>,
    ) -> Result<Option<Entries>, StorageError> {
        match &self.table {
            Some(t) => Ok(Some(t.range::<&[u8]>((as_slice(&from), as_slice(&to)))?)),
            None => Ok(None),
        }
    }

    /// Positions `current` on the next measure's time range; false when no measure is left.
    fn next_measure(&mut self) -> Result<bool, StorageError> {
        let (Some(table), Some((lo, hi))) = (&self.table, self.times) else {
            return Ok(false);
        };
        let first = table
            .range::<&[u8]>((as_slice(&self.cursor), as_slice(&self.end)))?
            .next();
        let Some(first) = first else {
            return Ok(false);
        };
        let key = first?.0.value().to_vec();
        let prefix_len = measure_prefix_len(&key).ok_or_else(|| {
            StorageError::from(redb::StorageError::Corrupted(
                "timestream record key without a measure".to_owned(),
            ))
        })?;
        let prefix = &key[..prefix_len];
        // Up to and including `hi`: every key of that instant starts with `prefix ‖ hi`
        // and is longer, so the bound is the first key after them all.
        let to = match hi {
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] => measure_end(prefix),
            _ => time_prefix(prefix, encode_time(decode_next(hi))),
        };
        let from = time_prefix(prefix, lo);
        self.cursor = Bound::Included(measure_end(prefix));
        self.current = self.entries(Bound::Included(from), Bound::Excluded(to))?;
        Ok(true)
    }

    fn step(&mut self) -> Result<Option<StoredRecord>, StorageError> {
        loop {
            if let Some(entries) = &mut self.current {
                if let Some(entry) = entries.next() {
                    let (key, value) = entry?;
                    return decode_record(key.value(), value.value()).map(Some);
                }
                self.current = None;
            }
            if !self.next_measure()? {
                self.table = None;
                return Ok(None);
            }
        }
    }
}

/// The time after an encoded time (which is not the largest).
fn decode_next(encoded: [u8; TIME_LEN]) -> i64 {
    ((u64::from_be_bytes(encoded) ^ (1 << 63)) as i64) + 1
}

impl Iterator for Scan {
    type Item = Result<StoredRecord, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(record) => record.map(Ok),
            Err(e) => {
                self.table = None;
                self.current = None;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::storage::Store;
    use crate::timestream::records::{MeasureValue, RecordTable, Scalar, record_key};

    const TABLE: u64 = 3;

    fn record(measure: &str, host: &str, time: i64) -> StoredRecord {
        StoredRecord {
            dimensions: vec![("host".to_owned(), host.to_owned())],
            measure_name: measure.to_owned(),
            time,
            version: 1,
            value: MeasureValue::Single(Scalar::Bigint(time)),
        }
    }

    fn store_with(records: Vec<StoredRecord>) -> Store {
        let store = Store::in_memory().expect("store");
        store
            .write_blocking(move |txn| -> Result<(), StorageError> {
                let mut table = RecordTable::open(txn, TABLE)?;
                for r in &records {
                    table.upsert(r)?;
                }
                Ok(())
            })
            .expect("committed")
            .expect("written");
        store
    }

    fn collect(
        store: &Store,
        measure: Option<&str>,
        time: impl RangeBounds<i64>,
    ) -> Vec<StoredRecord> {
        let txn = store.read().expect("read");
        scan(&txn, TABLE, measure, time)
            .expect("scan")
            .collect::<Result<_, _>>()
            .expect("records")
    }

    #[test]
    fn scans_a_measure_and_a_time_range() {
        let records: Vec<_> = ["cpu", "cpu_user", "mem"]
            .into_iter()
            .flat_map(|m| {
                ["a", "b"]
                    .into_iter()
                    .flat_map(move |h| (-2..3).map(move |t| record(m, h, t * 10)))
            })
            .collect();
        let store = store_with(records);
        let times = |rs: Vec<StoredRecord>| -> Vec<(String, String, i64)> {
            rs.into_iter()
                .map(|r| (r.measure_name, r.dimensions[0].1.clone(), r.time))
                .collect()
        };
        assert_eq!(collect(&store, None, ..).len(), 30);
        assert_eq!(
            times(collect(&store, Some("cpu"), -10..=10)),
            [
                ("cpu", "a", -10),
                ("cpu", "b", -10),
                ("cpu", "a", 0),
                ("cpu", "b", 0),
                ("cpu", "a", 10),
                ("cpu", "b", 10)
            ]
            .map(|(m, h, t)| (m.to_owned(), h.to_owned(), t))
        );
        assert_eq!(collect(&store, Some("cpu_user"), 11..).len(), 2);
        assert_eq!(collect(&store, Some("cpu"), 5..5), []);
        assert_eq!(collect(&store, Some("disk"), ..), []);
        assert_eq!(collect(&store, None, ..=-20).len(), 6);
        let empty = Store::in_memory().expect("store");
        assert_eq!(collect(&empty, None, ..), []);
    }

    fn any_record() -> impl Strategy<Value = StoredRecord> {
        (
            prop_oneof![Just("m"), Just("m\0"), Just("mm"), Just("")],
            proptest::collection::btree_map(
                prop_oneof![Just("a"), Just("b"), Just("a\0")],
                prop_oneof![Just(""), Just("x"), Just("\0"), Just("xy")],
                0..3,
            ),
            -5i64..5,
        )
            .prop_map(|(m, dims, t)| StoredRecord {
                dimensions: dims
                    .into_iter()
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect(),
                ..record(m, "", t)
            })
    }

    fn any_bound() -> impl Strategy<Value = Bound<i64>> {
        prop_oneof![
            Just(Bound::Unbounded),
            (-6i64..6).prop_map(Bound::Included),
            (-6i64..6).prop_map(Bound::Excluded),
        ]
    }

    proptest! {
        /// A scan returns exactly the stored records of the measure in the time range, in
        /// key order.
        #[test]
        fn scans_match_a_filtered_model(
            records in proptest::collection::vec(any_record(), 0..40),
            measure in proptest::option::of(prop_oneof![Just("m"), Just("m\0"), Just("")]),
            lo in any_bound(),
            hi in any_bound(),
        ) {
            let model: BTreeMap<Vec<u8>, StoredRecord> =
                records.iter().map(|r| (record_key(r), r.clone())).collect();
            let store = store_with(records);
            let expected: Vec<_> = model
                .into_values()
                .filter(|r| measure.is_none_or(|m| r.measure_name == m))
                .filter(|r| (lo, hi).contains(&r.time))
                .collect();
            prop_assert_eq!(collect(&store, measure, (lo, hi)), expected);
        }
    }
}
