//! Databases and tables: durable records in redb, read straight from a snapshot.
//!
//! `timestream_databases` maps `region/database` and `timestream_tables` maps
//! `region/database/table` to a JSON record (names cannot contain `/`, so a database's
//! tables are one key range). No cache sits in front: a control-plane or WriteRecords
//! request reads one key from a read snapshot (about a microsecond), and every write
//! re-reads what it depends on inside its write closure.

use std::time::{SystemTime, UNIX_EPOCH};

use redb::{ReadTransaction, ReadableTable};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::types::{self, PartitionKey, RetentionProperties, Schema};
use crate::storage::tables::{META, TIMESTREAM_DATABASES, TIMESTREAM_TABLES};
use crate::storage::{StorageError, Txn};

/// The service's defaults for a table created without RetentionProperties.
pub const DEFAULT_MEMORY_HOURS: i64 = 6;
pub const DEFAULT_MAGNETIC_DAYS: i64 = 73_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseRecord {
    pub name: String,
    pub kms_key_id: String,
    pub created: f64,
    pub updated: f64,
    pub tags: Vec<(String, String)>,
}

/// How a table is partitioned: the service's `Schema.CompositePartitionKey`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionKeyRecord {
    /// `DIMENSION` or `MEASURE`.
    pub kind: String,
    pub name: Option<String>,
    /// `REQUIRED` or `OPTIONAL`, for dimension keys.
    pub enforcement: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRecord {
    /// Names the table's records (`timestream_records_<id>`); never reused.
    pub id: u64,
    pub database: String,
    pub name: String,
    pub memory_hours: i64,
    pub magnetic_days: i64,
    pub magnetic_writes: bool,
    pub rejected_data_location: Option<Value>,
    pub partition_keys: Vec<PartitionKeyRecord>,
    pub created: f64,
    pub updated: f64,
    pub tags: Vec<(String, String)>,
}

/// Nanoseconds in an hour and in a day.
pub const NS_PER_HOUR: i64 = 3_600 * 1_000_000_000;
pub const NS_PER_DAY: i64 = 24 * NS_PER_HOUR;

impl TableRecord {
    /// How long the memory store keeps a record, in nanoseconds.
    pub fn memory_retention_ns(&self) -> i64 {
        self.memory_hours.saturating_mul(NS_PER_HOUR)
    }

    /// How long the table keeps a record, in nanoseconds: its time in the memory store, then
    /// in the magnetic store (records move there when they leave the memory store).
    pub fn retention_ns(&self) -> i64 {
        self.memory_retention_ns()
            .saturating_add(self.magnetic_days.saturating_mul(NS_PER_DAY))
    }

    /// A dimension that every record must carry (`EnforcementInRecord: REQUIRED`).
    pub fn required_dimension(&self) -> Option<&str> {
        self.partition_keys
            .iter()
            .find(|k| k.kind == "DIMENSION" && k.enforcement.as_deref() == Some("REQUIRED"))
            .and_then(|k| k.name.as_deref())
    }

    pub fn to_wire(&self, arn: String) -> types::Table {
        types::Table {
            arn,
            table_name: self.name.clone(),
            database_name: self.database.clone(),
            table_status: "ACTIVE",
            retention_properties: RetentionProperties {
                memory_store_retention_period_in_hours: self.memory_hours,
                magnetic_store_retention_period_in_days: self.magnetic_days,
            },
            creation_time: self.created,
            last_updated_time: self.updated,
            magnetic_store_write_properties: types::MagneticStoreWriteProperties {
                enable_magnetic_store_writes: Some(self.magnetic_writes),
                magnetic_store_rejected_data_location: self.rejected_data_location.clone(),
            },
            schema: Schema {
                composite_partition_key: Some(
                    self.partition_keys
                        .iter()
                        .map(|k| PartitionKey {
                            r#type: Some(k.kind.clone()),
                            name: k.name.clone(),
                            enforcement_in_record: k.enforcement.clone(),
                        })
                        .collect(),
                ),
            },
        }
    }
}

pub fn database_key(region: &str, database: &str) -> String {
    format!("{region}/{database}")
}

pub fn table_key(region: &str, database: &str, table: &str) -> String {
    format!("{region}/{database}/{table}")
}

/// The key range of a database's tables: `region/database/` up to (not including)
/// `region/database0` (`0` follows `/`).
fn tables_range(region: &str, database: &str) -> (String, String) {
    (
        format!("{region}/{database}/"),
        format!("{region}/{database}0"),
    )
}

/// Now, in epoch seconds with millisecond precision, as the service reports times.
pub fn now_seconds() -> f64 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    ms as f64 / 1000.0
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(bytes).map_err(|e| {
        StorageError::from(redb::StorageError::Corrupted(format!(
            "timestream catalog record: {e}"
        )))
    })
}

fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    serde_json::to_vec(record).expect("catalog records always serialize")
}

fn get<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>, StorageError> {
    match table.get(key)? {
        Some(v) => Ok(Some(decode(v.value())?)),
        None => Ok(None),
    }
}

fn range<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    from: &str,
    to: &str,
) -> Result<Vec<T>, StorageError> {
    let mut out = Vec::new();
    for entry in table.range(from..to)? {
        let (_, v) = entry?;
        out.push(decode(v.value())?);
    }
    Ok(out)
}

/// Snapshot reads: an absent redb table reads as empty.
pub struct Snapshot(ReadTransaction);

impl Snapshot {
    pub fn new(txn: ReadTransaction) -> Snapshot {
        Snapshot(txn)
    }

    fn open(
        &self,
        definition: redb::TableDefinition<'static, &'static str, &'static [u8]>,
    ) -> Result<Option<redb::ReadOnlyTable<&'static str, &'static [u8]>>, StorageError> {
        match self.0.open_table(definition) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub fn database(
        &self,
        region: &str,
        name: &str,
    ) -> Result<Option<DatabaseRecord>, StorageError> {
        match self.open(TIMESTREAM_DATABASES)? {
            Some(t) => get(&t, &database_key(region, name)),
            None => Ok(None),
        }
    }

    /// Every database of `region`, in name order.
    pub fn databases(&self, region: &str) -> Result<Vec<DatabaseRecord>, StorageError> {
        match self.open(TIMESTREAM_DATABASES)? {
            Some(t) => range(&t, &format!("{region}/"), &format!("{region}0")),
            None => Ok(Vec::new()),
        }
    }

    pub fn table(
        &self,
        region: &str,
        database: &str,
        name: &str,
    ) -> Result<Option<TableRecord>, StorageError> {
        match self.open(TIMESTREAM_TABLES)? {
            Some(t) => get(&t, &table_key(region, database, name)),
            None => Ok(None),
        }
    }

    /// Every table of a database (or of the region with `database` None), in name order.
    pub fn tables(
        &self,
        region: &str,
        database: Option<&str>,
    ) -> Result<Vec<TableRecord>, StorageError> {
        let Some(t) = self.open(TIMESTREAM_TABLES)? else {
            return Ok(Vec::new());
        };
        match database {
            Some(database) => {
                let (from, to) = tables_range(region, database);
                range(&t, &from, &to)
            }
            None => range(&t, &format!("{region}/"), &format!("{region}0")),
        }
    }

    /// Every table of every region, with its region.
    pub fn every_table(&self) -> Result<Vec<(String, TableRecord)>, StorageError> {
        let Some(t) = self.open(TIMESTREAM_TABLES)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (key, value) = entry?;
            let region = key.value().split('/').next().unwrap_or_default().to_owned();
            out.push((region, decode(value.value())?));
        }
        Ok(out)
    }

    /// The read transaction, for reads of other tables in the same snapshot.
    pub fn transaction(&self) -> &ReadTransaction {
        &self.0
    }

    pub fn table_count(&self, region: &str, database: &str) -> Result<u64, StorageError> {
        let Some(t) = self.open(TIMESTREAM_TABLES)? else {
            return Ok(0);
        };
        let (from, to) = tables_range(region, database);
        Ok(t.range(from.as_str()..to.as_str())?.count() as u64)
    }
}

/// Reads and writes of the catalog inside a write closure.
pub struct Writer<'a, 't>(pub &'a Txn<'t>);

impl Writer<'_, '_> {
    pub fn database(
        &self,
        region: &str,
        name: &str,
    ) -> Result<Option<DatabaseRecord>, StorageError> {
        let t = self.0.open(TIMESTREAM_DATABASES)?;
        get(t.read(), &database_key(region, name))
    }

    pub fn put_database(&self, region: &str, record: &DatabaseRecord) -> Result<(), StorageError> {
        self.0.open(TIMESTREAM_DATABASES)?.insert(
            database_key(region, &record.name).as_str(),
            encode(record).as_slice(),
        )?;
        Ok(())
    }

    pub fn remove_database(&self, region: &str, name: &str) -> Result<(), StorageError> {
        self.0
            .open(TIMESTREAM_DATABASES)?
            .remove(database_key(region, name).as_str())?;
        Ok(())
    }

    pub fn table(
        &self,
        region: &str,
        database: &str,
        name: &str,
    ) -> Result<Option<TableRecord>, StorageError> {
        let t = self.0.open(TIMESTREAM_TABLES)?;
        get(t.read(), &table_key(region, database, name))
    }

    pub fn has_tables(&self, region: &str, database: &str) -> Result<bool, StorageError> {
        let t = self.0.open(TIMESTREAM_TABLES)?;
        let (from, to) = tables_range(region, database);
        Ok(t.read().range(from.as_str()..to.as_str())?.next().is_some())
    }

    pub fn put_table(&self, region: &str, record: &TableRecord) -> Result<(), StorageError> {
        self.0.open(TIMESTREAM_TABLES)?.insert(
            table_key(region, &record.database, &record.name).as_str(),
            encode(record).as_slice(),
        )?;
        Ok(())
    }

    pub fn remove_table(
        &self,
        region: &str,
        database: &str,
        name: &str,
    ) -> Result<(), StorageError> {
        self.0
            .open(TIMESTREAM_TABLES)?
            .remove(table_key(region, database, name).as_str())?;
        Ok(())
    }

    /// Allocates the next table id; ids are never reused.
    pub fn next_table_id(&self) -> Result<u64, StorageError> {
        const KEY: &str = "timestream.next_table_id";
        let mut meta = self.0.open(META)?;
        let id = meta
            .get(KEY)?
            .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
            .unwrap_or(1);
        meta.insert(KEY, (id + 1).to_le_bytes().as_slice())?;
        Ok(id)
    }
}
