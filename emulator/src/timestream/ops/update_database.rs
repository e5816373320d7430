//! UpdateDatabase: a new `KmsKeyId`.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring", "KmsKeyId": "alias/x"} → {"Database": {...}}
//! ```
//!
//! The same key as the current one changes nothing (the service's documented behaviour).

use super::create_database::database_wire;
use crate::timestream::Timestream;
use crate::timestream::catalog;
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{DatabaseResponse, UpdateDatabaseRequest};
use crate::timestream::validate::{self, Violations};

pub async fn update_database(
    ts: &Timestream,
    region: &str,
    input: UpdateDatabaseRequest,
) -> Result<DatabaseResponse> {
    let mut v = Violations::new();
    let name = validate::required(&input.database_name, "databaseName", &mut v);
    if let Some(name) = name {
        validate::check_existing_name(name, "databaseName", &mut v);
    }
    let kms = validate::required(&input.kms_key_id, "kmsKeyId", &mut v);
    if let Some(kms) = kms {
        validate::check_length(kms, "kmsKeyId", 1, 2048, &mut v);
    }
    v.into_result()?;
    let (name, kms) = (
        name.unwrap_or_default().to_owned(),
        kms.unwrap_or_default().to_owned(),
    );

    let region_owned = region.to_owned();
    let record = ts
        .store
        .write(move |txn| -> Result<catalog::DatabaseRecord> {
            let catalog = catalog::Writer(txn);
            let mut record = catalog
                .database(&region_owned, &name)?
                .ok_or_else(|| TimestreamError::database_not_found(&name))?;
            if record.kms_key_id != kms {
                record.kms_key_id = kms;
                record.updated = catalog::now_seconds();
                catalog.put_database(&region_owned, &record)?;
            }
            Ok(record)
        })
        .await??;
    let count = ts.snapshot()?.table_count(region, &record.name)?;
    Ok(DatabaseResponse {
        database: database_wire(ts, region, &record, count),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::tests::{REGION, input, service};

    #[tokio::test]
    async fn replaces_the_key() {
        let ts = service();
        create_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect("created");
        let out = update_database(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "KmsKeyId": "alias/mine"})),
        )
        .await
        .expect("updated");
        assert_eq!(out.database.kms_key_id, "alias/mine");
        let e = update_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect_err("no key");
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'kmsKeyId' failed to satisfy \
             constraint: Member must not be null"
        );
    }
}
