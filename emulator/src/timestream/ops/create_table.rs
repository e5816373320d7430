//! CreateTable.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring", "TableName": "drift",
//!  "RetentionProperties": {"MemoryStoreRetentionPeriodInHours": 24,
//!                          "MagneticStoreRetentionPeriodInDays": 365},
//!  "MagneticStoreWriteProperties": {"EnableMagneticStoreWrites": true},
//!  "Schema": {"CompositePartitionKey": [{"Type": "DIMENSION", "Name": "model_id",
//!                                        "EnforcementInRecord": "REQUIRED"}]}}
//! → {"Table": {..., "TableStatus": "ACTIVE"}}
//! ```
//!
//! Defaults as the service's: 6 hours in the memory store, 73000 days in the magnetic
//! store, magnetic writes off, a `MEASURE` partition key. Limits from the service model:
//! memory retention 1 to 8766 hours, magnetic 1 to 73000 days. The table's record store
//! (`timestream_records_<id>`) is created in the same transaction as its description.

use serde_json::Value;

use crate::storage::tables;
use crate::timestream::Timestream;
use crate::timestream::catalog::{self, PartitionKeyRecord, TableRecord};
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{
    CreateTableRequest, MagneticStoreWriteProperties, RetentionPropertiesInput, Schema,
    TableResponse,
};
use crate::timestream::validate::{self, Violations};

pub async fn create_table(
    ts: &Timestream,
    region: &str,
    input: CreateTableRequest,
) -> Result<TableResponse> {
    let mut v = Violations::new();
    let database = validate::required(&input.database_name, "databaseName", &mut v);
    if let Some(database) = database {
        validate::check_new_name(database, "databaseName", &mut v);
    }
    let table = validate::required(&input.table_name, "tableName", &mut v);
    if let Some(table) = table {
        validate::check_new_name(table, "tableName", &mut v);
    }
    let retention = input
        .retention_properties
        .as_ref()
        .map(|r| check_retention(r, &mut v));
    let magnetic = input
        .magnetic_store_write_properties
        .map(|m| check_magnetic_writes(m, &mut v));
    let partition_keys = match &input.schema {
        Some(schema) => check_schema(schema, &mut v),
        None => vec![PartitionKeyRecord {
            kind: "MEASURE".to_owned(),
            name: None,
            enforcement: None,
        }],
    };
    let tags = validate::check_tags(input.tags.as_deref().unwrap_or_default(), &mut v);
    v.into_result()?;

    let (memory_hours, magnetic_days) = retention.flatten().unwrap_or((
        catalog::DEFAULT_MEMORY_HOURS,
        catalog::DEFAULT_MAGNETIC_DAYS,
    ));
    let (magnetic_writes, rejected_data_location) = magnetic.flatten().unwrap_or((false, None));
    let now = catalog::now_seconds();
    let mut record = TableRecord {
        id: 0,
        database: database.unwrap_or_default().to_owned(),
        name: table.unwrap_or_default().to_owned(),
        memory_hours,
        magnetic_days,
        magnetic_writes,
        rejected_data_location,
        partition_keys,
        created: now,
        updated: now,
        tags,
    };
    let region_owned = region.to_owned();
    let record = ts
        .store
        .write(move |txn| -> Result<TableRecord> {
            let catalog = catalog::Writer(txn);
            if catalog.database(&region_owned, &record.database)?.is_none() {
                return Err(TimestreamError::database_not_found(&record.database));
            }
            if catalog
                .table(&region_owned, &record.database, &record.name)?
                .is_some()
            {
                return Err(TimestreamError::table_exists(
                    &record.name,
                    &record.database,
                ));
            }
            record.id = catalog.next_table_id()?;
            let name = tables::timestream_records_name(record.id);
            txn.create_table(tables::timestream_records(&name))?;
            catalog.put_table(&region_owned, &record)?;
            Ok(record)
        })
        .await??;
    Ok(TableResponse {
        table: record.to_wire(ts.table_arn(region, &record.database, &record.name)),
    })
}

/// Checks RetentionProperties; both members are required when it is given.
pub(crate) fn check_retention(
    retention: &RetentionPropertiesInput,
    v: &mut Violations,
) -> Option<(i64, i64)> {
    let memory = retention.memory_store_retention_period_in_hours;
    let magnetic = retention.magnetic_store_retention_period_in_days;
    let memory_member = "retentionProperties.memoryStoreRetentionPeriodInHours";
    let magnetic_member = "retentionProperties.magneticStoreRetentionPeriodInDays";
    match memory {
        None => v.null(memory_member),
        Some(h) => validate::check_range(h, memory_member, 1, 8766, v),
    }
    match magnetic {
        None => v.null(magnetic_member),
        Some(d) => validate::check_range(d, magnetic_member, 1, 73_000, v),
    }
    Some((memory?, magnetic?))
}

/// Checks MagneticStoreWriteProperties; `EnableMagneticStoreWrites` is required in it.
pub(crate) fn check_magnetic_writes(
    properties: MagneticStoreWriteProperties,
    v: &mut Violations,
) -> Option<(bool, Option<Value>)> {
    let Some(enabled) = properties.enable_magnetic_store_writes else {
        v.null("magneticStoreWriteProperties.enableMagneticStoreWrites");
        return None;
    };
    Some((enabled, properties.magnetic_store_rejected_data_location))
}

/// Checks `Schema.CompositePartitionKey` and returns the partition keys.
pub(crate) fn check_schema(schema: &Schema, v: &mut Violations) -> Vec<PartitionKeyRecord> {
    let member = "schema.compositePartitionKey";
    let Some(keys) = &schema.composite_partition_key else {
        return vec![PartitionKeyRecord {
            kind: "MEASURE".to_owned(),
            name: None,
            enforcement: None,
        }];
    };
    if keys.is_empty() {
        v.push(
            "[]",
            member,
            "Member must have length greater than or equal to 1",
        );
    }
    let mut records = Vec::with_capacity(keys.len());
    for (i, key) in keys.iter().enumerate() {
        let at = format!("{member}.{}.member", i + 1);
        let kind = key.r#type.as_deref();
        match kind {
            None => v.null(&format!("{at}.type")),
            Some("DIMENSION" | "MEASURE") => {}
            Some(other) => v.push(
                other,
                &format!("{at}.type"),
                "Member must satisfy enum value set: [DIMENSION, MEASURE]",
            ),
        }
        if let Some(enforcement) = key.enforcement_in_record.as_deref()
            && !matches!(enforcement, "REQUIRED" | "OPTIONAL")
        {
            v.push(
                enforcement,
                &format!("{at}.enforcementInRecord"),
                "Member must satisfy enum value set: [REQUIRED, OPTIONAL]",
            );
        }
        if let Some(name) = key.name.as_deref()
            && name.is_empty()
        {
            v.push(
                name,
                &format!("{at}.name"),
                "Member must have length greater than or equal to 1",
            );
        }
        if kind == Some("DIMENSION") && key.name.is_none() {
            v.push(
                "null",
                &format!("{at}.name"),
                "A dimension partition key must name its dimension",
            );
        }
        records.push(PartitionKeyRecord {
            kind: kind.unwrap_or_default().to_owned(),
            name: key.name.clone(),
            enforcement: key.enforcement_in_record.clone(),
        });
    }
    records
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::error::ErrorCode;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::tests::{REGION, input, service};

    #[tokio::test]
    async fn defaults_are_the_service_s() {
        let ts = service();
        let e = create_table(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "TableName": "drift"})),
        )
        .await
        .expect_err("no database");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        create_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect("created");
        let out = create_table(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "TableName": "drift"})),
        )
        .await
        .expect("table");
        let wire = serde_json::to_value(&out.table).expect("json");
        assert_eq!(wire["TableStatus"], "ACTIVE");
        assert_eq!(
            wire["Arn"],
            "arn:aws:timestream:us-east-1:000000000000:database/metrics/table/drift"
        );
        assert_eq!(
            wire["RetentionProperties"],
            json!({"MemoryStoreRetentionPeriodInHours": 6, "MagneticStoreRetentionPeriodInDays": 73000})
        );
        assert_eq!(
            wire["MagneticStoreWriteProperties"],
            json!({"EnableMagneticStoreWrites": false})
        );
        assert_eq!(
            wire["Schema"],
            json!({"CompositePartitionKey": [{"Type": "MEASURE"}]})
        );
        let e = create_table(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "TableName": "drift"})),
        )
        .await
        .expect_err("exists");
        assert_eq!(e.code, ErrorCode::ConflictException);
    }

    #[tokio::test]
    async fn retention_magnetic_writes_and_schema_are_checked() {
        let ts = service();
        let e = create_table(
            &ts,
            REGION,
            input(json!({
                "DatabaseName": "metrics", "TableName": "drift",
                "RetentionProperties": {"MemoryStoreRetentionPeriodInHours": 0},
                "MagneticStoreWriteProperties": {},
                "Schema": {"CompositePartitionKey": [{"Type": "DIMENSIONS"}]},
            })),
        )
        .await
        .expect_err("invalid");
        assert_eq!(
            e.message,
            "4 validation errors detected: Value '0' at \
             'retentionProperties.memoryStoreRetentionPeriodInHours' failed to satisfy \
             constraint: Member must have value greater than or equal to 1; Value null at \
             'retentionProperties.magneticStoreRetentionPeriodInDays' failed to satisfy \
             constraint: Member must not be null; Value null at \
             'magneticStoreWriteProperties.enableMagneticStoreWrites' failed to satisfy \
             constraint: Member must not be null; Value 'DIMENSIONS' at \
             'schema.compositePartitionKey.1.member.type' failed to satisfy constraint: Member \
             must satisfy enum value set: [DIMENSION, MEASURE]"
        );
    }
}
