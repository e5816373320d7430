//! WriteRecords.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring", "TableName": "drift",
//!  "CommonAttributes": {"Dimensions": [{"Name": "model_id", "Value": "m1"}]},
//!  "Records": [{"MeasureName": "psi", "MeasureValue": "0.12", "Time": "1764000000000"}]}
//! → {"RecordsIngested": {"Total": 1, "MemoryStore": 1, "MagneticStore": 0}}
//! ```
//!
//! Records are read and checked on their own first (`ingest`); then one write closure
//! re-checks that the table is still the one named, checks each record against what the
//! table's earlier records fixed (a measure's type, an attribute's type, the limits on
//! dimensions and measures per table, column names shared by a dimension and a measure),
//! and stores it under the version rules. Records rejected on the way come back, in request
//! order, in a RejectedRecordsException (HTTP 419); the others are written all the same.
//! Observers hear of the records that changed storage once the write has committed.

use std::time::{SystemTime, UNIX_EPOCH};

use super::describe_table::existing_table;
use crate::storage::StorageError;
use crate::timestream::Timestream;
use crate::timestream::catalog;
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::ingest::{self, Prepared, Store, Window};
use crate::timestream::records::{MeasureValue, RecordTable, StoredRecord, Upsert};
use crate::timestream::types::records::{
    RecordsIngested, RejectedRecord, WriteRecordsRequest, WriteRecordsResponse,
};

/// Limits per table that the service counts across all records.
const MAX_DIMENSIONS_PER_TABLE: usize = 128;
const MAX_MEASURES_PER_TABLE: usize = 8192;
const MAX_ATTRIBUTES_PER_TABLE: usize = 1024;

/// What the write closure did.
struct Written {
    ingested: RecordsIngested,
    rejected: Vec<RejectedRecord>,
    changed: Vec<StoredRecord>,
}

pub async fn write_records(
    ts: &Timestream,
    region: &str,
    input: WriteRecordsRequest,
) -> Result<WriteRecordsResponse> {
    ingest::check_shape(
        &input.database_name,
        &input.table_name,
        input.common_attributes.as_ref(),
        input.records.as_deref(),
    )?;
    let database = input.database_name.unwrap_or_default();
    let table_name = input.table_name.unwrap_or_default();
    let table = existing_table(&ts.snapshot()?, region, &database, &table_name)?;
    let window = Window::of(&table, now_ns());
    let prepared = input
        .records
        .unwrap_or_default()
        .iter()
        .map(|record| ingest::prepare(input.common_attributes.as_ref(), record, &table, &window))
        .collect::<Result<Vec<Prepared>>>()?;

    let table_id = table.id;
    let region = region.to_owned();
    let written = ts
        .store
        .write(move |txn| -> Result<Written> {
            let live = catalog::Writer(txn).table(&region, &database, &table_name)?;
            if live.is_none_or(|t| t.id != table_id) {
                return Err(TimestreamError::table_not_found(&table_name));
            }
            let mut records = RecordTable::open(txn, table_id)?;
            Ok(store_all(&mut records, prepared)?)
        })
        .await??;
    ts.observers.records_written(table_id, &written.changed);
    if written.rejected.is_empty() {
        Ok(WriteRecordsResponse {
            records_ingested: written.ingested,
        })
    } else {
        let rejected = serde_json::to_value(&written.rejected).expect("rejections serialize");
        Err(TimestreamError::rejected_records(rejected))
    }
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Checks each prepared record against the table and stores it, in request order (so a
/// record sees the ones before it, as in the service).
fn store_all(
    records: &mut RecordTable<'_>,
    prepared: Vec<Prepared>,
) -> Result<Written, StorageError> {
    let mut written = Written {
        ingested: RecordsIngested::default(),
        rejected: Vec::new(),
        changed: Vec::new(),
    };
    for (index, prepared) in prepared.into_iter().enumerate() {
        let reject = |reason: String, existing_version: Option<i64>| RejectedRecord {
            record_index: index,
            reason,
            existing_version,
        };
        let (record, store) = match prepared {
            Ok(ready) => ready,
            Err(reason) => {
                written.rejected.push(reject(reason, None));
                continue;
            }
        };
        if let Err(reason) = check_against_table(records, &record)? {
            written.rejected.push(reject(reason, None));
            continue;
        }
        match records.upsert(&record)? {
            Upsert::Rejected { existing_version } => {
                written.rejected.push(reject(
                    version_conflict(record.version, existing_version),
                    Some(existing_version),
                ));
                continue;
            }
            Upsert::Inserted | Upsert::Replaced { .. } => written.changed.push(record),
            Upsert::Unchanged => {}
        }
        written.ingested.total += 1;
        match store {
            Store::Memory => written.ingested.memory_store += 1,
            Store::Magnetic => written.ingested.magnetic_store += 1,
        }
    }
    Ok(written)
}

/// The service's reasons for a version conflict.
fn version_conflict(version: i64, existing: i64) -> String {
    if version < existing {
        format!(
            "The record version {version} is lower than the existing version {existing}. \
             A higher version is required to update the measure value."
        )
    } else {
        "A record already exists with the same time, dimensions, measure name, and record \
         version. A higher record version must be specified in order to update the measure \
         value. Specifying record version is supported by the latest SDKs."
            .to_owned()
    }
}

/// What the table's earlier records fixed: the measure's type, each attribute's type,
/// names used as dimensions and as measure attributes, and the per-table limits.
fn check_against_table(
    table: &mut RecordTable<'_>,
    record: &StoredRecord,
) -> Result<std::result::Result<(), String>, StorageError> {
    let kind = record.value.measure_type();
    match table.measure_type(&record.measure_name)? {
        Some(fixed) if fixed != kind => {
            return Ok(Err(format!(
                "The measure name {} already has the measure value type {}; a measure name's \
                 type cannot change, and this record's is {}.",
                record.measure_name,
                fixed.as_str(),
                kind.as_str()
            )));
        }
        Some(_) => {}
        None => {
            if table.measure_count()? >= MAX_MEASURES_PER_TABLE {
                return Ok(Err(format!(
                    "The table has the maximum of {MAX_MEASURES_PER_TABLE} measure names; \
                     the measure name {} is new.",
                    record.measure_name
                )));
            }
        }
    }
    let attributes = match &record.value {
        MeasureValue::Multi(values) => values.as_slice(),
        MeasureValue::Single(_) => &[],
    };
    let mut new_attributes = 0;
    for (name, scalar) in attributes {
        match table.attribute_type(name)? {
            Some(fixed) if fixed != scalar.measure_type() => {
                return Ok(Err(format!(
                    "The measure {name} already has the measure value type {}; a measure's \
                     type cannot change, and this record's is {}.",
                    fixed.as_str(),
                    scalar.measure_type().as_str()
                )));
            }
            Some(_) => {}
            None => {
                if table.has_dimension(name)? {
                    return Ok(Err(format!(
                        "The measure name {name} is already a dimension name of the table; \
                         column names must be unique."
                    )));
                }
                new_attributes += 1;
            }
        }
    }
    if new_attributes > 0 && table.attribute_count()? + new_attributes > MAX_ATTRIBUTES_PER_TABLE {
        return Ok(Err(format!(
            "The table would have more than {MAX_ATTRIBUTES_PER_TABLE} measures across its \
             multi-measure records."
        )));
    }
    let mut new_dimensions = 0;
    for (name, _) in &record.dimensions {
        if !table.has_dimension(name)? {
            if table.attribute_type(name)?.is_some() {
                return Ok(Err(format!(
                    "The dimension name {name} is already a measure name of the table; column \
                     names must be unique."
                )));
            }
            new_dimensions += 1;
        }
    }
    if new_dimensions > 0 && table.dimension_count()? + new_dimensions > MAX_DIMENSIONS_PER_TABLE {
        return Ok(Err(format!(
            "The table would have more than {MAX_DIMENSIONS_PER_TABLE} dimensions."
        )));
    }
    Ok(Ok(()))
}
