//! Databases, tables and tags through the official client.

use aws_sdk_timestreamwrite::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_timestreamwrite::types::{
    MagneticStoreWriteProperties, PartitionKey, PartitionKeyEnforcementLevel, PartitionKeyType,
    RetentionProperties, Schema, TableStatus, Tag,
};

use crate::util::Harness;

/// The error code and message of a failed call.
pub fn code_and_message<E: ProvideErrorMetadata, R>(e: SdkError<E, R>) -> (String, String) {
    (
        e.code().unwrap_or_default().to_owned(),
        e.message().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn the_seed_s_database_and_a_table_round_trip() {
    let h = Harness::start().await;
    let ts = h.timestream();
    let created = ts
        .create_database()
        .database_name("ml-monitoring")
        .tags(Tag::builder().key("team").value("ml").build().expect("tag"))
        .send()
        .await
        .expect("created");
    let database = created.database().expect("database");
    assert_eq!(database.database_name(), Some("ml-monitoring"));
    assert_eq!(database.table_count(), 0);
    assert!(database.creation_time().is_some());

    let table = ts
        .create_table()
        .database_name("ml-monitoring")
        .table_name("drift")
        .retention_properties(
            RetentionProperties::builder()
                .memory_store_retention_period_in_hours(24)
                .magnetic_store_retention_period_in_days(365)
                .build()
                .expect("retention"),
        )
        .magnetic_store_write_properties(
            MagneticStoreWriteProperties::builder()
                .enable_magnetic_store_writes(true)
                .build()
                .expect("magnetic"),
        )
        .schema(
            Schema::builder()
                .composite_partition_key(
                    PartitionKey::builder()
                        .r#type(PartitionKeyType::Dimension)
                        .name("model_id")
                        .enforcement_in_record(PartitionKeyEnforcementLevel::Required)
                        .build()
                        .expect("key"),
                )
                .build(),
        )
        .send()
        .await
        .expect("table");
    let table = table.table().expect("table");
    assert_eq!(table.table_status(), Some(&TableStatus::Active));
    assert_eq!(
        table.arn(),
        Some("arn:aws:timestream:us-east-1:000000000000:database/ml-monitoring/table/drift")
    );

    let described = ts
        .describe_database()
        .database_name("ml-monitoring")
        .send()
        .await
        .expect("described");
    assert_eq!(described.database().expect("db").table_count(), 1);
    let described = ts
        .describe_table()
        .database_name("ml-monitoring")
        .table_name("drift")
        .send()
        .await
        .expect("described");
    let retention = described
        .table()
        .and_then(|t| t.retention_properties())
        .expect("retention");
    assert_eq!(retention.memory_store_retention_period_in_hours(), 24);
    assert_eq!(retention.magnetic_store_retention_period_in_days(), 365);

    let databases = ts.list_databases().send().await.expect("listed");
    assert_eq!(databases.databases().len(), 1);
    let tables = ts
        .list_tables()
        .database_name("ml-monitoring")
        .send()
        .await
        .expect("listed");
    assert_eq!(tables.tables().len(), 1);

    let tags = ts
        .list_tags_for_resource()
        .resource_arn(database.arn().expect("arn"))
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].key(), "team");

    let refused = ts
        .delete_database()
        .database_name("ml-monitoring")
        .send()
        .await
        .expect_err("has a table");
    assert_eq!(code_and_message(refused).0, "ValidationException");
    ts.delete_table()
        .database_name("ml-monitoring")
        .table_name("drift")
        .send()
        .await
        .expect("table deleted");
    ts.delete_database()
        .database_name("ml-monitoring")
        .send()
        .await
        .expect("database deleted");
    h.stop().await;
}

#[tokio::test]
async fn errors_carry_the_service_s_codes() {
    let h = Harness::start().await;
    let ts = h.timestream();
    let missing = ts
        .describe_database()
        .database_name("ghost")
        .send()
        .await
        .expect_err("missing");
    assert!(
        missing
            .as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    );
    assert_eq!(
        code_and_message(missing),
        (
            "ResourceNotFoundException".to_owned(),
            "The database ghost does not exist.".to_owned()
        )
    );
    ts.create_database()
        .database_name("metrics")
        .send()
        .await
        .expect("created");
    let conflict = ts
        .create_database()
        .database_name("metrics")
        .send()
        .await
        .expect_err("exists");
    assert!(
        conflict
            .as_service_error()
            .is_some_and(|e| e.is_conflict_exception())
    );
    let invalid = ts
        .create_database()
        .database_name("no/slash")
        .send()
        .await
        .expect_err("invalid");
    assert_eq!(
        code_and_message(invalid),
        (
            "ValidationException".to_owned(),
            "1 validation error detected: Value 'no/slash' at 'databaseName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
                .to_owned()
        )
    );
    h.stop().await;
}

#[tokio::test]
async fn describe_endpoints_names_the_emulator() {
    let h = Harness::start().await;
    let out = h
        .timestream()
        .describe_endpoints()
        .send()
        .await
        .expect("endpoints");
    let endpoint = &out.endpoints()[0];
    assert_eq!(endpoint.address(), format!("http://{}", h.addr()));
    assert_eq!(endpoint.cache_period_in_minutes(), 1440);
    h.stop().await;
}
