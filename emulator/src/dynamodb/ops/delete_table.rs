//! DeleteTable.
//!
//! ```text
//! {"TableName": "features"}
//! → {"TableDescription": {..., "TableStatus": "DELETING", "ItemCount": 3, ...}}
//! ```
//!
//! The answer says DELETING, as the service's does, but the table is gone at once: its items,
//! its size counter and its catalog record are removed in one write transaction, so a write
//! racing the delete either lands before it (and is deleted with the table) or finds no table.
//! Its stream, if enabled, is closed: it stays readable until its retention ends.
//! A table still CREATING cannot be deleted (ResourceInUseException), nor one with deletion
//! protection (ValidationException).

use super::create_table::{being_created, now_millis};
use super::describe_table::{
    Counts, DescriptionKind, IndexCounts, description, resolve_table_name,
};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::{self, TableMeta, TableStatus};
use crate::dynamodb::error::{DynamoError, Result};
use crate::dynamodb::index::collections;
use crate::dynamodb::streams;
use crate::dynamodb::types::table::{DeleteTableInput, DeleteTableOutput};
use crate::storage::StorageError;
use crate::storage::tables::dynamodb_items;

pub async fn delete_table(
    db: &DynamoDb,
    region: &str,
    input: DeleteTableInput,
) -> Result<DeleteTableOutput> {
    let name = resolve_table_name(db, region, input.table_name)?;
    let (region_owned, table) = (region.to_owned(), name.clone());
    let (meta, counts) = db
        .store
        .write(move |txn| -> Result<(TableMeta, Counts)> {
            let Some(meta) = catalog::stored_meta(txn, &region_owned, &table)? else {
                return Err(DynamoError::table_not_found(&table));
            };
            if meta.status() == TableStatus::Creating {
                return Err(being_created(&table));
            }
            if meta.deletion_protection {
                return Err(DynamoError::validation(
                    "Resource cannot be deleted as it is currently protected against deletion. \
                     Disable deletion protection first.",
                ));
            }
            // All checks are made; the writes follow.
            let mut counts = Counts::default();
            for index in meta.indexes() {
                let name = index.entries_table_name();
                let entries = entry_count(txn, &name)?;
                txn.delete_table(dynamodb_items(&name))?;
                counts.indexes.push(IndexCounts {
                    id: index.id,
                    items: entries,
                    bytes: catalog::remove_index_size(txn, index.id)?,
                });
            }
            collections::remove_counters(txn, &meta)?;
            let items_name = meta.items_table_name();
            counts.items = entry_count(txn, &items_name)?;
            txn.delete_table(dynamodb_items(&items_name))?;
            counts.bytes = catalog::remove_table_size(txn, meta.id)?;
            streams::close(txn, &meta, now_millis())?;
            catalog::remove_meta(txn, &meta.region, &meta.name)?;
            Ok((meta, counts))
        })
        .await??;
    db.catalog.refresh(&db.store, region, &name)?;
    db.throttle.forget(&meta);
    Ok(DeleteTableOutput {
        table_description: description(
            &meta,
            TableStatus::Deleting.as_str(),
            counts,
            DescriptionKind::Full,
        ),
    })
}

/// The number of entries in redb table `name` (an items or index table).
fn entry_count(txn: &crate::storage::Txn<'_>, name: &str) -> Result<u64> {
    let table = txn.open(dynamodb_items(name))?;
    Ok(redb::ReadableTableMetadata::len(table.read()).map_err(StorageError::from)?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::config::Config;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::ops::create_table::create_table;
    use crate::dynamodb::ops::create_table::tests::db;
    use crate::dynamodb::ops::describe_table::describe_table;
    use crate::dynamodb::types::table::{CreateTableInput, DescribeTableInput};
    use crate::storage::Store;

    fn create_input(name: &str, protected: bool) -> CreateTableInput {
        serde_json::from_value(json!({
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "DeletionProtectionEnabled": protected,
        }))
        .expect("input")
    }

    fn delete_input(name: &str) -> DeleteTableInput {
        DeleteTableInput {
            table_name: Some(name.to_owned()),
        }
    }

    #[tokio::test]
    async fn deletes_the_table_and_its_items_at_once() {
        let db = db();
        create_table(&db, "us-east-1", create_input("doomed", false))
            .await
            .expect("created");
        let meta = db.catalog.require("us-east-1", "doomed").expect("meta");
        let writer_meta = (*meta).clone();
        db.store
            .write(move |txn| {
                let name = writer_meta.items_table_name();
                let mut items = txn.open(dynamodb_items(&name)).expect("items");
                items
                    .insert(b"k".as_slice(), b"v".as_slice())
                    .expect("insert");
                drop(items);
                catalog::adjust_table_size(txn, &writer_meta, 12).expect("size");
            })
            .await
            .expect("write");

        let out = delete_table(&db, "us-east-1", delete_input("doomed"))
            .await
            .expect("deleted");
        let t = out.table_description;
        assert_eq!(t.table_status, "DELETING");
        assert_eq!((t.item_count, t.table_size_bytes), (1, 12));

        assert!(db.catalog.get("us-east-1", "doomed").is_none());
        assert!(db.catalog.names("us-east-1").is_empty());
        let e = describe_table(
            &db,
            "us-east-1",
            DescribeTableInput {
                table_name: Some("doomed".into()),
            },
        )
        .await
        .expect_err("gone");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        let txn = db.store.read().expect("read");
        assert!(matches!(
            txn.open_table(dynamodb_items(&meta.items_table_name())),
            Err(redb::TableError::TableDoesNotExist(_))
        ));
        assert_eq!(catalog::table_size(&txn, meta.id).expect("size"), 0);

        // The name is free again, for a new and empty table under a new id.
        create_table(&db, "us-east-1", create_input("doomed", false))
            .await
            .expect("re-created");
        let again = db.catalog.require("us-east-1", "doomed").expect("meta");
        assert_ne!(again.id, meta.id);
        assert_ne!(again.table_id, meta.table_id);
        assert_eq!(again.arn, meta.arn);
    }

    #[tokio::test]
    async fn a_missing_table_is_not_found() {
        let db = db();
        let e = delete_table(&db, "us-east-1", delete_input("ghost"))
            .await
            .expect_err("missing");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(
            e.message,
            "Requested resource not found: Table: ghost not found"
        );
    }

    #[tokio::test]
    async fn deletion_protection_refuses_the_delete() {
        let db = db();
        create_table(&db, "us-east-1", create_input("kept", true))
            .await
            .expect("created");
        let e = delete_table(&db, "us-east-1", delete_input("kept"))
            .await
            .expect_err("protected");
        assert_eq!(e.code, ErrorCode::ValidationException);
        assert_eq!(
            e.message,
            "Resource cannot be deleted as it is currently protected against deletion. Disable \
             deletion protection first."
        );
        assert!(db.catalog.get("us-east-1", "kept").is_some());
    }

    #[tokio::test]
    async fn a_creating_table_is_in_use() {
        let config = Config {
            table_activation_delay_ms: 60_000,
            ..Config::ephemeral()
        };
        let db =
            DynamoDb::open(Arc::new(Store::in_memory().expect("store")), &config).expect("open");
        create_table(&db, "us-east-1", create_input("young", false))
            .await
            .expect("created");
        let e = delete_table(&db, "us-east-1", delete_input("young"))
            .await
            .expect_err("in use");
        assert_eq!(e.code, ErrorCode::ResourceInUseException);
        assert_eq!(
            e.message,
            "Attempt to change a resource which is still in use: Table is being created: young"
        );
    }

    #[tokio::test]
    async fn racing_deletes_succeed_once() {
        let db = Arc::new(db());
        create_table(&db, "us-east-1", create_input("race", false))
            .await
            .expect("created");
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let db = Arc::clone(&db);
                tokio::spawn(
                    async move { delete_table(&db, "us-east-1", delete_input("race")).await },
                )
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => ok += 1,
                Err(e) => assert_eq!(e.code, ErrorCode::ResourceNotFoundException),
            }
        }
        assert_eq!(ok, 1);
    }

    #[tokio::test]
    async fn the_cache_ends_equal_to_storage_after_racing_creates_and_deletes() {
        let db = Arc::new(db());
        for round in 0..5 {
            let tasks: Vec<_> = (0..16)
                .map(|i| {
                    let db = Arc::clone(&db);
                    tokio::spawn(async move {
                        if i % 2 == 0 {
                            create_table(&db, "us-east-1", create_input("flip", false))
                                .await
                                .map(|_| ())
                        } else {
                            delete_table(&db, "us-east-1", delete_input("flip"))
                                .await
                                .map(|_| ())
                        }
                    })
                })
                .collect();
            for task in tasks {
                let _ = task.await.expect("task");
            }
            let stored = {
                let txn = db.store.read().expect("read");
                let table = txn
                    .open_table(crate::storage::tables::DYNAMODB_CATALOG)
                    .expect("catalog");
                redb::ReadableTable::get(&table, "us-east-1/flip")
                    .expect("get")
                    .map(|v| serde_json::from_slice::<TableMeta>(v.value()).expect("meta"))
            };
            let cached = db.catalog.get("us-east-1", "flip").map(|m| (*m).clone());
            assert_eq!(cached, stored, "round {round}");
        }
    }
}
