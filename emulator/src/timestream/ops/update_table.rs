//! UpdateTable: retention, magnetic store writes, and the enforcement level of partition keys.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring", "TableName": "drift",
//!  "RetentionProperties": {...}, "MagneticStoreWriteProperties": {...}, "Schema": {...}}
//! → {"Table": {...}}
//! ```
//!
//! As the service model says, the names, types and order of the partition keys are fixed at
//! creation; only `EnforcementInRecord` may change. A schema that changes more is refused
//! (the text is this emulator's: no recording of the service's was found).

use super::create_table::{check_magnetic_writes, check_retention, check_schema};
use super::describe_table::required_table;
use crate::timestream::Timestream;
use crate::timestream::catalog::{self, TableRecord};
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{TableResponse, UpdateTableRequest};
use crate::timestream::validate::Violations;

pub async fn update_table(
    ts: &Timestream,
    region: &str,
    input: UpdateTableRequest,
) -> Result<TableResponse> {
    let (database, table) = required_table(&input.database_name, &input.table_name)?;
    let (database, table) = (database.to_owned(), table.to_owned());
    let mut v = Violations::new();
    let retention = input
        .retention_properties
        .as_ref()
        .map(|r| check_retention(r, &mut v));
    let magnetic = input
        .magnetic_store_write_properties
        .map(|m| check_magnetic_writes(m, &mut v));
    let partition_keys = input.schema.as_ref().map(|s| check_schema(s, &mut v));
    v.into_result()?;

    let region_owned = region.to_owned();
    let record = ts
        .store
        .write(move |txn| -> Result<TableRecord> {
            let catalog = catalog::Writer(txn);
            let Some(mut record) = catalog.table(&region_owned, &database, &table)? else {
                return Err(if catalog.database(&region_owned, &database)?.is_none() {
                    TimestreamError::database_not_found(&database)
                } else {
                    TimestreamError::table_not_found(&table)
                });
            };
            if let Some(keys) = partition_keys {
                let same_shape = keys.len() == record.partition_keys.len()
                    && keys
                        .iter()
                        .zip(&record.partition_keys)
                        .all(|(new, old)| new.kind == old.kind && new.name == old.name);
                if !same_shape {
                    return Err(TimestreamError::validation(
                        "The name, type and order of partition keys cannot be changed after \
                         the table is created; only EnforcementInRecord can be updated.",
                    ));
                }
                record.partition_keys = keys;
            }
            if let Some((memory, magnetic)) = retention.flatten() {
                record.memory_hours = memory;
                record.magnetic_days = magnetic;
            }
            if let Some((enabled, location)) = magnetic.flatten() {
                record.magnetic_writes = enabled;
                record.rejected_data_location = location;
            }
            record.updated = catalog::now_seconds();
            catalog.put_table(&region_owned, &record)?;
            Ok(record)
        })
        .await??;
    Ok(TableResponse {
        table: record.to_wire(ts.table_arn(region, &record.database, &record.name)),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::create_table::create_table;
    use crate::timestream::ops::tests::{REGION, input, service};

    #[tokio::test]
    async fn changes_retention_writes_and_enforcement_only() {
        let ts = service();
        create_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect("db");
        create_table(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "TableName": "drift",
                "Schema": {"CompositePartitionKey": [
                    {"Type": "DIMENSION", "Name": "model", "EnforcementInRecord": "OPTIONAL"}]}})),
        )
        .await
        .expect("table");
        let out = update_table(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "TableName": "drift",
                "RetentionProperties": {"MemoryStoreRetentionPeriodInHours": 24,
                                        "MagneticStoreRetentionPeriodInDays": 30},
                "MagneticStoreWriteProperties": {"EnableMagneticStoreWrites": true},
                "Schema": {"CompositePartitionKey": [
                    {"Type": "DIMENSION", "Name": "model", "EnforcementInRecord": "REQUIRED"}]}})),
        )
        .await
        .expect("updated");
        let wire = serde_json::to_value(&out.table).expect("json");
        assert_eq!(
            wire["RetentionProperties"]["MemoryStoreRetentionPeriodInHours"],
            24
        );
        assert_eq!(
            wire["MagneticStoreWriteProperties"]["EnableMagneticStoreWrites"],
            true
        );
        assert_eq!(
            wire["Schema"]["CompositePartitionKey"][0]["EnforcementInRecord"],
            "REQUIRED"
        );
        update_table(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "TableName": "drift",
                "Schema": {"CompositePartitionKey": [{"Type": "MEASURE"}]}})),
        )
        .await
        .expect_err("the key's type is fixed");
    }
}
