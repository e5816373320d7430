//! `RecordTable`: a table's records and schema entries inside a writer closure.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use redb::ReadableTable;

use super::encoding::{decode_value, encode_value, key_time, record_key};
use super::schema::{self, Kind};
use super::{MeasureType, MeasureValue, StoredRecord};
use crate::storage::tables::{self, TIMESTREAM_SCHEMA};
use crate::storage::{StorageError, Table, Txn};

/// What [`RecordTable::upsert`] did with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// No record had its identity: it is stored.
    Inserted,
    /// It replaced the stored record of its identity, which had a lower version.
    Replaced { previous_version: i64 },
    /// The stored record has the same value and version: nothing changed (the service
    /// accepts such a duplicate as ingested).
    Unchanged,
    /// The stored record has a higher version, or the same version and another value.
    Rejected { existing_version: i64 },
}

/// One Timestream table's records, opened in a write closure. Lookups of schema entries
/// are remembered for the closure's lifetime, so a request of 100 records of one series
/// reads each name once; every record looks its names up here, hence a fast hasher.
pub struct RecordTable<'t> {
    table_id: u64,
    records: Table<'t, &'static [u8], &'static [u8]>,
    schema: Table<'t, &'static [u8], &'static [u8]>,
    known: HashMap<Kind, HashMap<String, Option<MeasureType>, RandomState>, RandomState>,
    /// How many names of each kind the table has, once counted.
    counts: HashMap<Kind, usize, RandomState>,
}

impl<'t> RecordTable<'t> {
    pub fn open(txn: &'t Txn<'_>, table_id: u64) -> Result<RecordTable<'t>, StorageError> {
        let name = tables::timestream_records_name(table_id);
        Ok(RecordTable {
            table_id,
            records: txn.open(tables::timestream_records(&name))?,
            schema: txn.open(TIMESTREAM_SCHEMA)?,
            known: HashMap::default(),
            counts: HashMap::default(),
        })
    }

    fn lookup(
        &mut self,
        kind: Kind,
        name: &str,
    ) -> Result<Option<Option<MeasureType>>, StorageError> {
        if let Some(&known) = self.known.get(&kind).and_then(|names| names.get(name)) {
            return Ok(Some(known));
        }
        let found = schema::get(&self.schema, self.table_id, kind, name)?;
        if let Some(entry) = found {
            self.remember(kind, name, entry);
        }
        Ok(found)
    }

    fn remember(&mut self, kind: Kind, name: &str, entry: Option<MeasureType>) {
        self.known
            .entry(kind)
            .or_default()
            .insert(name.to_owned(), entry);
    }

    /// The type fixed for `measure_name` by the first record of it, if any.
    pub fn measure_type(
        &mut self,
        measure_name: &str,
    ) -> Result<Option<MeasureType>, StorageError> {
        Ok(self.lookup(Kind::Measure, measure_name)?.flatten())
    }

    /// The type fixed for multi-measure attribute `name` by the first record with it, if any.
    pub fn attribute_type(&mut self, name: &str) -> Result<Option<MeasureType>, StorageError> {
        Ok(self.lookup(Kind::Attribute, name)?.flatten())
    }

    pub fn has_dimension(&mut self, name: &str) -> Result<bool, StorageError> {
        Ok(self.lookup(Kind::Dimension, name)?.is_some())
    }

    fn count(&mut self, kind: Kind) -> Result<usize, StorageError> {
        if let Some(&n) = self.counts.get(&kind) {
            return Ok(n);
        }
        let from = schema::key(self.table_id, kind, "");
        let mut to = from.clone();
        *to.last_mut().expect("a kind byte") += 1;
        let n = self
            .schema
            .read()
            .range(from.as_slice()..to.as_slice())?
            .count();
        self.counts.insert(kind, n);
        Ok(n)
    }

    /// How many dimension names the table has.
    pub fn dimension_count(&mut self) -> Result<usize, StorageError> {
        self.count(Kind::Dimension)
    }

    /// How many measure names the table has.
    pub fn measure_count(&mut self) -> Result<usize, StorageError> {
        self.count(Kind::Measure)
    }

    /// How many multi-measure attribute names the table has.
    pub fn attribute_count(&mut self) -> Result<usize, StorageError> {
        self.count(Kind::Attribute)
    }

    fn register(
        &mut self,
        kind: Kind,
        name: &str,
        measure_type: Option<MeasureType>,
    ) -> Result<(), StorageError> {
        if self.lookup(kind, name)?.is_none() {
            schema::put(&mut self.schema, self.table_id, kind, name, measure_type)?;
            self.remember(kind, name, measure_type);
            if let Some(n) = self.counts.get_mut(&kind) {
                *n += 1;
            }
        }
        Ok(())
    }

    /// Removes the records stored under `keys` whose time is before `before`; returns how
    /// many there were.
    pub fn remove_expired(&mut self, keys: &[Vec<u8>], before: i64) -> Result<usize, StorageError> {
        let mut removed = 0;
        for key in keys {
            if key_time(key).is_some_and(|t| t < before)
                && self.records.remove(key.as_slice())?.is_some()
            {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Stores `record` under the service's version rules: a record whose identity
    /// (dimensions, measure name, time) is new is stored; a higher version replaces the
    /// stored record (even with the same value); the same version with the same value is a
    /// duplicate; a lower version, or the same version with another value, is refused.
    ///
    /// The caller has checked the record against the table's schema; a stored record
    /// registers its dimension names, measure type and attribute types.
    pub fn upsert(&mut self, record: &StoredRecord) -> Result<Upsert, StorageError> {
        let key = record_key(record);
        // Most records are new: inserting first costs one tree descent instead of a lookup
        // and an insert; the rare refused write puts the stored bytes back (both journaled,
        // so replay ends in the same state).
        let previous = self
            .records
            .insert(key.as_slice(), encode_value(record).as_slice())?
            .map(|old| old.value().to_vec());
        let outcome = match previous {
            None => Upsert::Inserted,
            Some(previous) => {
                let (version, value) = decode_value(&previous)?;
                let refused = if version > record.version
                    || (version == record.version && value != record.value)
                {
                    Some(Upsert::Rejected {
                        existing_version: version,
                    })
                } else if version == record.version {
                    Some(Upsert::Unchanged)
                } else {
                    None
                };
                if let Some(refused) = refused {
                    self.records.insert(key.as_slice(), previous.as_slice())?;
                    return Ok(refused);
                }
                Upsert::Replaced {
                    previous_version: version,
                }
            }
        };
        for (name, _) in &record.dimensions {
            self.register(Kind::Dimension, name, None)?;
        }
        self.register(
            Kind::Measure,
            &record.measure_name,
            Some(record.value.measure_type()),
        )?;
        if let MeasureValue::Multi(values) = &record.value {
            for (name, scalar) in values {
                self.register(Kind::Attribute, name, Some(scalar.measure_type()))?;
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Store;
    use crate::timestream::records::{Scalar, TableSchema, scan, schema};

    fn record(version: i64, value: f64) -> StoredRecord {
        StoredRecord {
            dimensions: vec![("host".to_owned(), "a".to_owned())],
            measure_name: "cpu".to_owned(),
            time: 1_000,
            version,
            value: MeasureValue::Single(Scalar::Double(value)),
        }
    }

    fn upsert(store: &Store, record: StoredRecord) -> Upsert {
        store
            .write_blocking(move |txn| RecordTable::open(txn, 1)?.upsert(&record))
            .expect("committed")
            .expect("written")
    }

    fn stored(store: &Store) -> Vec<StoredRecord> {
        let txn = store.read().expect("read");
        scan(&txn, 1, None, ..)
            .expect("scan")
            .collect::<Result<_, _>>()
            .expect("records")
    }

    #[test]
    fn versions_decide_what_replaces_a_record() {
        let store = Store::in_memory().expect("store");
        assert_eq!(upsert(&store, record(2, 0.5)), Upsert::Inserted);
        assert_eq!(upsert(&store, record(2, 0.5)), Upsert::Unchanged);
        assert_eq!(
            upsert(&store, record(1, 0.5)),
            Upsert::Rejected {
                existing_version: 2
            }
        );
        assert_eq!(
            upsert(&store, record(2, 0.7)),
            Upsert::Rejected {
                existing_version: 2
            }
        );
        assert_eq!(stored(&store), [record(2, 0.5)]);
        assert_eq!(
            upsert(&store, record(3, 0.7)),
            Upsert::Replaced {
                previous_version: 2
            }
        );
        assert_eq!(
            upsert(&store, record(4, 0.7)),
            Upsert::Replaced {
                previous_version: 3
            }
        );
        assert_eq!(stored(&store), [record(4, 0.7)]);
    }

    #[test]
    fn stored_records_register_their_names_and_types() {
        let store = Store::in_memory().expect("store");
        upsert(&store, record(1, 0.5));
        let multi = StoredRecord {
            dimensions: vec![
                ("host".to_owned(), "a".to_owned()),
                ("az".to_owned(), "1".to_owned()),
            ],
            measure_name: "metrics".to_owned(),
            value: MeasureValue::Multi(vec![
                ("at".to_owned(), Scalar::Timestamp(5)),
                ("load".to_owned(), Scalar::Bigint(3)),
            ]),
            ..record(1, 0.0)
        };
        upsert(&store, multi);
        let txn = store.read().expect("read");
        assert_eq!(
            schema(&txn, 1).expect("schema"),
            TableSchema {
                dimensions: vec!["az".to_owned(), "host".to_owned()],
                measures: vec![
                    ("cpu".to_owned(), MeasureType::Double),
                    ("metrics".to_owned(), MeasureType::Multi)
                ],
                attributes: vec![
                    ("at".to_owned(), MeasureType::Timestamp),
                    ("load".to_owned(), MeasureType::Bigint)
                ],
            }
        );
        assert_eq!(schema(&txn, 2).expect("schema"), TableSchema::default());
        let counts = store
            .write_blocking(|txn| -> Result<_, StorageError> {
                let mut table = RecordTable::open(txn, 1)?;
                Ok((
                    table.dimension_count()?,
                    table.measure_count()?,
                    table.attribute_count()?,
                    table.measure_type("cpu")?,
                    table.attribute_type("load")?,
                    table.has_dimension("az")?,
                    table.has_dimension("zone")?,
                ))
            })
            .expect("committed")
            .expect("read");
        assert_eq!(
            counts,
            (
                2,
                2,
                2,
                Some(MeasureType::Double),
                Some(MeasureType::Bigint),
                true,
                false
            )
        );
    }
}
