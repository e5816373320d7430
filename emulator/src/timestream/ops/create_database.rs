//! CreateDatabase.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring", "KmsKeyId": "...", "Tags": [{"Key": "k", "Value": "v"}]}
//! → {"Database": {"Arn": "...", "DatabaseName": "ml-monitoring", "TableCount": 0,
//!    "KmsKeyId": "arn:aws:kms:...", "CreationTime": 1.7e9, "LastUpdatedTime": 1.7e9}}
//! ```
//!
//! Without a `KmsKeyId` the service encrypts with a key it manages and names that key's ARN;
//! the emulator names a fresh key ARN of the account.

use crate::timestream::Timestream;
use crate::timestream::catalog::{self, DatabaseRecord};
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{CreateDatabaseRequest, Database, DatabaseResponse};
use crate::timestream::validate::{self, Violations};

pub async fn create_database(
    ts: &Timestream,
    region: &str,
    input: CreateDatabaseRequest,
) -> Result<DatabaseResponse> {
    let mut v = Violations::new();
    let name = validate::required(&input.database_name, "databaseName", &mut v);
    if let Some(name) = name {
        validate::check_new_name(name, "databaseName", &mut v);
    }
    if let Some(kms) = &input.kms_key_id {
        validate::check_length(kms, "kmsKeyId", 1, 2048, &mut v);
    }
    let tags = validate::check_tags(input.tags.as_deref().unwrap_or_default(), &mut v);
    v.into_result()?;
    let name = name.unwrap_or_default().to_owned();

    let now = catalog::now_seconds();
    let record = DatabaseRecord {
        kms_key_id: input.kms_key_id.unwrap_or_else(|| {
            format!(
                "arn:aws:kms:{region}:{}:key/{}",
                ts.account_id,
                uuid::Uuid::new_v4()
            )
        }),
        name,
        created: now,
        updated: now,
        tags,
    };
    let region_owned = region.to_owned();
    let stored = record.clone();
    ts.store
        .write(move |txn| -> Result<()> {
            let catalog = catalog::Writer(txn);
            if catalog.database(&region_owned, &stored.name)?.is_some() {
                return Err(TimestreamError::database_exists(&stored.name));
            }
            catalog.put_database(&region_owned, &stored)?;
            Ok(())
        })
        .await??;
    Ok(DatabaseResponse {
        database: database_wire(ts, region, &record, 0),
    })
}

/// The service's description of a database.
pub(crate) fn database_wire(
    ts: &Timestream,
    region: &str,
    record: &DatabaseRecord,
    table_count: u64,
) -> Database {
    Database {
        arn: ts.database_arn(region, &record.name),
        database_name: record.name.clone(),
        table_count,
        kms_key_id: record.kms_key_id.clone(),
        creation_time: record.created,
        last_updated_time: record.updated,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::error::ErrorCode;
    use crate::timestream::ops::tests::{REGION, input, service};

    #[tokio::test]
    async fn creates_once_and_describes_itself() {
        let ts = service();
        let out = create_database(&ts, REGION, input(json!({"DatabaseName": "ml-monitoring"})))
            .await
            .expect("created");
        assert_eq!(
            out.database.arn,
            "arn:aws:timestream:us-east-1:000000000000:database/ml-monitoring"
        );
        assert_eq!(out.database.table_count, 0);
        assert!(
            out.database
                .kms_key_id
                .starts_with("arn:aws:kms:us-east-1:000000000000:key/")
        );
        let e = create_database(&ts, REGION, input(json!({"DatabaseName": "ml-monitoring"})))
            .await
            .expect_err("exists");
        assert_eq!(e.code, ErrorCode::ConflictException);
        create_database(
            &ts,
            "eu-west-1",
            input(json!({"DatabaseName": "ml-monitoring"})),
        )
        .await
        .expect("databases live per region");
    }

    #[tokio::test]
    async fn names_and_tags_are_checked_together() {
        let ts = service();
        let e = create_database(&ts, REGION, input(json!({})))
            .await
            .expect_err("no name");
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'databaseName' failed to satisfy \
             constraint: Member must not be null"
        );
        let e = create_database(
            &ts,
            REGION,
            input(json!({"DatabaseName": "db", "Tags": [{"Key": "", "Value": "v"}]})),
        )
        .await
        .expect_err("short name, empty key");
        assert_eq!(
            e.message,
            "2 validation errors detected: Value 'db' at 'databaseName' failed to satisfy \
             constraint: Member must have length greater than or equal to 3; Value '' at \
             'tags.1.member.key' failed to satisfy constraint: Member must have length greater \
             than or equal to 1"
        );
    }
}
