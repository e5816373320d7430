//! Timestream records as stored: one redb table per Timestream table
//! (`timestream_records_<id>`), keyed so that a measure, or a time range of a measure, is
//! one contiguous key range.
//!
//! - `encoding`: the key (measure name ‖ time ‖ series) and value (version ‖ measure)
//!   encodings, and their decoding.
//! - `scan`: the read API. [`scan`] walks a table's records for an optional measure name
//!   and a time range from a redb read transaction, yielding decoded [`StoredRecord`]s.
//! - `schema`: the names a table has seen (dimensions, measure names with their type,
//!   multi-measure attributes with theirs), in `timestream_schema`; [`schema`] reads them.
//! - `writer`: [`RecordTable`], the write side inside a writer closure, with the service's
//!   version semantics.
//! - `observer`: [`RecordObserver`], how a reader that keeps its own copy of the records
//!   (the Query API's in-memory columns) learns what each committed write changed.
//!
//! Times are nanoseconds since the Unix epoch (`i64`: 1677 to 2262, which covers every
//! time the service's retention periods admit).

mod encoding;
mod observer;
mod scan;
mod schema;
mod writer;

pub use encoding::{decode_record, key_time, record_key};
pub use observer::{Observers, RecordObserver};
pub use scan::{Scan, scan};
pub use schema::{TableSchema, schema};
pub use writer::{RecordTable, Upsert};

/// A single value: of a single-measure record, or one attribute of a multi-measure record
/// (`Timestamp` only there, in nanoseconds since the epoch).
#[derive(Debug, Clone)]
pub enum Scalar {
    Double(f64),
    Bigint(i64),
    Varchar(String),
    Boolean(bool),
    Timestamp(i64),
}

impl Scalar {
    pub fn measure_type(&self) -> MeasureType {
        match self {
            Scalar::Double(_) => MeasureType::Double,
            Scalar::Bigint(_) => MeasureType::Bigint,
            Scalar::Varchar(_) => MeasureType::Varchar,
            Scalar::Boolean(_) => MeasureType::Boolean,
            Scalar::Timestamp(_) => MeasureType::Timestamp,
        }
    }
}

/// Values are the same when they read back the same: doubles compare by their bits (a
/// version check must never see a stored value as different from itself).
impl PartialEq for Scalar {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Scalar::Double(a), Scalar::Double(b)) => a.to_bits() == b.to_bits(),
            (Scalar::Bigint(a), Scalar::Bigint(b))
            | (Scalar::Timestamp(a), Scalar::Timestamp(b)) => a == b,
            (Scalar::Varchar(a), Scalar::Varchar(b)) => a == b,
            (Scalar::Boolean(a), Scalar::Boolean(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Scalar {}

/// The service's `MeasureValueType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeasureType {
    Double,
    Bigint,
    Varchar,
    Boolean,
    Timestamp,
    Multi,
}

impl MeasureType {
    pub fn from_name(name: &str) -> Option<MeasureType> {
        Some(match name {
            "DOUBLE" => MeasureType::Double,
            "BIGINT" => MeasureType::Bigint,
            "VARCHAR" => MeasureType::Varchar,
            "BOOLEAN" => MeasureType::Boolean,
            "TIMESTAMP" => MeasureType::Timestamp,
            "MULTI" => MeasureType::Multi,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureType::Double => "DOUBLE",
            MeasureType::Bigint => "BIGINT",
            MeasureType::Varchar => "VARCHAR",
            MeasureType::Boolean => "BOOLEAN",
            MeasureType::Timestamp => "TIMESTAMP",
            MeasureType::Multi => "MULTI",
        }
    }

    /// The one-byte tag this type has in stored values and schema entries.
    fn tag(self) -> u8 {
        match self {
            MeasureType::Double => 1,
            MeasureType::Bigint => 2,
            MeasureType::Varchar => 3,
            MeasureType::Boolean => 4,
            MeasureType::Timestamp => 5,
            MeasureType::Multi => 6,
        }
    }

    fn from_tag(tag: u8) -> Option<MeasureType> {
        Some(match tag {
            1 => MeasureType::Double,
            2 => MeasureType::Bigint,
            3 => MeasureType::Varchar,
            4 => MeasureType::Boolean,
            5 => MeasureType::Timestamp,
            6 => MeasureType::Multi,
            _ => return None,
        })
    }
}

/// A record's measure: one value, or the named values of a multi-measure record (sorted by
/// name, names unique).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeasureValue {
    Single(Scalar),
    Multi(Vec<(String, Scalar)>),
}

impl MeasureValue {
    pub fn measure_type(&self) -> MeasureType {
        match self {
            MeasureValue::Single(s) => s.measure_type(),
            MeasureValue::Multi(_) => MeasureType::Multi,
        }
    }
}

/// One stored record. Its identity is (dimensions, measure name, time): a record with the
/// same identity replaces it only under the version rules of [`RecordTable::upsert`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The series: dimension name → value, sorted by name, names unique.
    pub dimensions: Vec<(String, String)>,
    pub measure_name: String,
    /// Nanoseconds since the Unix epoch.
    pub time: i64,
    pub version: i64,
    pub value: MeasureValue,
}
