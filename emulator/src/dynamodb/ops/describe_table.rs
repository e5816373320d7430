//! DescribeTable.
//!
//! ```text
//! {"TableName": "features"}   (or the table's ARN)
//! → {"Table": {"TableName": "features", "TableStatus": "ACTIVE", "ItemCount": 3, ...}}
//! ```
//!
//! A read: the description comes from the catalog cache, ItemCount from the items table's
//! length and TableSizeBytes from the counter item writes keep (`catalog::adjust_table_size`),
//! both read from one snapshot on the async worker (a few microseconds).
//!
//! This file also builds the `TableDescription` every control-plane answer carries
//! ([`description`]) and resolves a `TableName` member that may be an ARN
//! ([`resolve_table_name`]).

use super::create_table::{
    ON_DEMAND_WARM_THROUGHPUT, Violations, check_table_name, required_table_name,
};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::{self, BillingMode, IndexMeta, KeySchema, Projection, TableMeta};
use crate::dynamodb::error::{DynamoError, Result};
use crate::dynamodb::types::stream::StreamSpecificationDescription;
use crate::dynamodb::types::table::{
    AttributeDefinition, BillingModeSummary, DescribeTableInput, DescribeTableOutput,
    GlobalSecondaryIndexDescription, IndexWarmThroughputDescription, KeySchemaElement,
    LocalSecondaryIndexDescription, ProjectionSpec, ProvisionedThroughputDescription,
    TableClassSummary, TableDescription, TableWarmThroughputDescription,
};
use crate::storage::StorageError;
use crate::storage::tables::dynamodb_items;

pub async fn describe_table(
    db: &DynamoDb,
    region: &str,
    input: DescribeTableInput,
) -> Result<DescribeTableOutput> {
    let name = resolve_table_name(db, region, input.table_name)?;
    let meta = db.catalog.require(region, &name)?;
    let counts = counts(db, &meta)?;
    Ok(DescribeTableOutput {
        table: description(&meta, meta.status().as_str(), counts, DescriptionKind::Full),
    })
}

/// ItemCount and TableSizeBytes, and each index's ItemCount and IndexSizeBytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub items: u64,
    pub bytes: u64,
    pub indexes: Vec<IndexCounts>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct IndexCounts {
    pub id: u64,
    pub items: u64,
    pub bytes: u64,
}

impl Counts {
    fn of_index(&self, id: u64) -> IndexCounts {
        self.indexes
            .iter()
            .find(|c| c.id == id)
            .copied()
            .unwrap_or_default()
    }
}

/// The table's and its indexes' live counts, from one read snapshot.
pub(crate) fn counts(db: &DynamoDb, meta: &TableMeta) -> Result<Counts> {
    let txn = db.store.read()?;
    let entries = |name: &str| -> Result<u64> {
        match txn.open_table(dynamodb_items(name)) {
            Ok(table) => Ok(redb::ReadableTableMetadata::len(&table).map_err(StorageError::from)?),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
            Err(e) => Err(StorageError::from(e).into()),
        }
    };
    let mut indexes = Vec::new();
    for index in meta.indexes() {
        indexes.push(IndexCounts {
            id: index.id,
            items: entries(&index.entries_table_name())?,
            bytes: catalog::index_size(&txn, index.id)?,
        });
    }
    Ok(Counts {
        items: entries(&meta.items_table_name())?,
        bytes: catalog::table_size(&txn, meta.id)?,
        indexes,
    })
}

/// Which answer a description is for. CreateTable's answer lacks what the service fills in
/// only once the table exists (LastUpdateToPayPerRequestDateTime, WarmThroughput).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DescriptionKind {
    CreateResponse,
    Full,
}

/// The `TableDescription` of `meta` with TableStatus `status`.
pub(crate) fn description(
    meta: &TableMeta,
    status: &str,
    counts: Counts,
    kind: DescriptionKind,
) -> TableDescription {
    let full = kind == DescriptionKind::Full;
    let on_demand = meta.billing_mode == BillingMode::PayPerRequest;
    TableDescription {
        attribute_definitions: meta
            .attribute_definitions
            .iter()
            .map(|a| AttributeDefinition {
                attribute_name: Some(a.name.clone()),
                attribute_type: Some(a.attribute_type.as_str().to_owned()),
            })
            .collect(),
        table_name: meta.name.clone(),
        key_schema: key_schema_elements(&meta.key_schema),
        table_status: status.to_owned(),
        creation_date_time: meta.created_at,
        provisioned_throughput: throughput_description(meta, catalog::now_epoch_seconds()),
        table_size_bytes: counts.bytes,
        item_count: counts.items,
        table_arn: meta.arn.clone(),
        table_id: meta.table_id.clone(),
        billing_mode_summary: (on_demand || meta.billing_mode_updated_at.is_some()).then(|| {
            BillingModeSummary {
                billing_mode: meta.billing_mode.as_str().to_owned(),
                last_update_to_pay_per_request_date_time: meta
                    .billing_mode_updated_at
                    .filter(|_| full),
            }
        }),
        table_class_summary: meta.table_class.as_ref().map(|class| TableClassSummary {
            table_class: class.clone(),
            last_update_date_time: meta.table_class_updated_at,
        }),
        local_secondary_indexes: (!meta.local_indexes.is_empty()).then(|| {
            meta.local_indexes
                .iter()
                .map(|index| {
                    let counts = counts.of_index(index.id);
                    LocalSecondaryIndexDescription {
                        index_name: index.name.clone(),
                        key_schema: key_schema_elements(&index.key_schema),
                        projection: projection_spec(&index.projection),
                        index_size_bytes: counts.bytes,
                        item_count: counts.items,
                        index_arn: format!("{}/index/{}", meta.arn, index.name),
                    }
                })
                .collect()
        }),
        global_secondary_indexes: (!meta.global_indexes.is_empty()).then(|| {
            meta.global_indexes
                .iter()
                .map(|index| global_index_description(meta, index, &counts, status, full))
                .collect()
        }),
        stream_specification: meta.stream.as_ref().filter(|s| s.enabled).map(|s| {
            StreamSpecificationDescription {
                stream_enabled: true,
                stream_view_type: s.view_type.as_str(),
            }
        }),
        latest_stream_label: meta.stream.as_ref().map(|s| s.label.clone()),
        latest_stream_arn: meta.stream.as_ref().map(|s| s.arn(&meta.arn)),
        deletion_protection_enabled: meta.deletion_protection,
        warm_throughput: full.then(|| {
            let (read, write) = warm_throughput(meta);
            TableWarmThroughputDescription {
                read_units_per_second: read,
                write_units_per_second: write,
                status: "ACTIVE".to_owned(),
            }
        }),
    }
}

/// A key schema as the service lists it: HASH, then RANGE.
pub(crate) fn key_schema_elements(schema: &KeySchema) -> Vec<KeySchemaElement> {
    std::iter::once((&schema.partition, "HASH"))
        .chain(schema.sort.as_ref().map(|s| (s, "RANGE")))
        .map(|(a, key_type)| KeySchemaElement {
            attribute_name: Some(a.name.clone()),
            key_type: Some(key_type.to_owned()),
        })
        .collect()
}

fn projection_spec(projection: &Projection) -> ProjectionSpec {
    ProjectionSpec {
        projection_type: Some(projection.type_str().to_owned()),
        non_key_attributes: match projection {
            Projection::Include(names) => Some(names.clone()),
            Projection::All | Projection::KeysOnly => None,
        },
    }
}

/// A global index as described. It is CREATING until its `active_at` (and, like the table,
/// in CreateTable's answer), then ACTIVE; DELETING while its table is.
fn global_index_description(
    meta: &TableMeta,
    index: &IndexMeta,
    counts: &Counts,
    table_status: &str,
    full: bool,
) -> GlobalSecondaryIndexDescription {
    let index_counts = counts.of_index(index.id);
    let creating = index.active_at > catalog::now_epoch_seconds();
    let index_status = match table_status {
        "DELETING" => "DELETING",
        "CREATING" => "CREATING",
        _ if creating => "CREATING",
        _ => "ACTIVE",
    };
    let on_demand = meta.billing_mode == BillingMode::PayPerRequest;
    let (read, write) = index.provisioned.filter(|_| !on_demand).unwrap_or((0, 0));
    GlobalSecondaryIndexDescription {
        index_name: index.name.clone(),
        key_schema: key_schema_elements(&index.key_schema),
        projection: projection_spec(&index.projection),
        index_status: index_status.to_owned(),
        // A new index of an existing table is filled while it is CREATING.
        backfilling: (creating && table_status == "ACTIVE").then_some(true),
        provisioned_throughput: ProvisionedThroughputDescription {
            last_increase_date_time: None,
            last_decrease_date_time: None,
            number_of_decreases_today: 0,
            read_capacity_units: read,
            write_capacity_units: write,
        },
        index_size_bytes: index_counts.bytes,
        item_count: index_counts.items,
        index_arn: format!("{}/index/{}", meta.arn, index.name),
        warm_throughput: full.then(|| {
            let (read, write) = if on_demand {
                ON_DEMAND_WARM_THROUGHPUT
            } else {
                (read, write)
            };
            IndexWarmThroughputDescription {
                read_units_per_second: read,
                write_units_per_second: write,
                status: index_status.to_owned(),
            }
        }),
    }
}

/// ProvisionedThroughput as described: the capacity of a PROVISIONED table, 0/0 for an
/// on-demand one, with the history of changes either way. NumberOfDecreasesToday counts
/// decreases made on the current UTC day.
fn throughput_description(meta: &TableMeta, now: f64) -> ProvisionedThroughputDescription {
    let provisioned = meta.provisioned.as_ref();
    let on_demand = meta.billing_mode == BillingMode::PayPerRequest;
    let last_decrease = provisioned.and_then(|p| p.last_decrease);
    let decreases_today = match (provisioned, last_decrease) {
        (Some(p), Some(at)) if !on_demand && utc_day(at) == utc_day(now) => p.decreases_today,
        _ => 0,
    };
    ProvisionedThroughputDescription {
        last_increase_date_time: provisioned.and_then(|p| p.last_increase),
        last_decrease_date_time: last_decrease,
        number_of_decreases_today: decreases_today,
        read_capacity_units: provisioned
            .filter(|_| !on_demand)
            .map_or(0, |p| p.read_capacity_units),
        write_capacity_units: provisioned
            .filter(|_| !on_demand)
            .map_or(0, |p| p.write_capacity_units),
    }
}

/// The WarmThroughput the table reports (records from before it was kept derive it).
pub(crate) fn warm_throughput(meta: &TableMeta) -> (u64, u64) {
    if meta.warm_throughput != (0, 0) {
        return meta.warm_throughput;
    }
    match (&meta.provisioned, meta.billing_mode) {
        (Some(p), BillingMode::Provisioned) => (p.read_capacity_units, p.write_capacity_units),
        _ => ON_DEMAND_WARM_THROUGHPUT,
    }
}

/// The `TableName` member of DescribeTable and DeleteTable; see [`table_name_member`].
pub(crate) fn resolve_table_name(
    db: &DynamoDb,
    region: &str,
    table_name: Option<String>,
) -> Result<String> {
    let raw = required_table_name(table_name)?;
    let mut v = Violations::new();
    let name = table_name_member(db, region, raw, &mut v)?;
    v.into_result()?;
    Ok(name)
}

/// A present `TableName` member of DescribeTable, UpdateTable or DeleteTable: a table name,
/// or the table's ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>`), which the service
/// accepts in its place and answers about by name. Name constraint violations are pushed onto
/// `v`, to be reported with the request's others.
///
/// An ARN of another region or partition, or naming something other than a table, is a
/// ValidationException ("1 validation error detected: Invalid AWS region in '<arn>'"); one of
/// another account names no table here (the service answers AccessDeniedException, which
/// this emulator has no code for).
pub(crate) fn table_name_member(
    db: &DynamoDb,
    region: &str,
    raw: String,
    v: &mut Violations,
) -> Result<String> {
    let name = match raw.strip_prefix("arn:") {
        Some(rest) => {
            let arn_error = |what: &str| {
                DynamoError::validation(format!(
                    "1 validation error detected: Invalid {what} in '{raw}'"
                ))
            };
            let mut parts = rest.splitn(5, ':');
            let (partition, service, arn_region, account, resource) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            if partition != "aws" {
                return Err(arn_error("AWS partition"));
            }
            if service != "dynamodb" {
                return Err(arn_error("service"));
            }
            if arn_region != region {
                return Err(arn_error("AWS region"));
            }
            let Some(name) = resource
                .strip_prefix("table/")
                .filter(|n| !n.is_empty() && !n.contains('/'))
            else {
                return Err(arn_error("resource type"));
            };
            if account != db.account_id {
                return Err(DynamoError::table_not_found(name));
            }
            name.to_owned()
        }
        None => raw,
    };
    check_table_name(&name, "tableName", v);
    Ok(name)
}

/// The UTC day (days since the epoch) of an epoch timestamp.
pub(crate) fn utc_day(epoch_seconds: f64) -> i64 {
    (epoch_seconds / 86_400.0).floor() as i64
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dynamodb::catalog::{ProvisionedThroughput, ScalarType};
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::ops::create_table::create_table;
    use crate::dynamodb::ops::create_table::tests::db;
    use crate::dynamodb::types::table::CreateTableInput;

    fn describe_input(name: &str) -> DescribeTableInput {
        DescribeTableInput {
            table_name: Some(name.to_owned()),
        }
    }

    async fn create(db: &DynamoDb, region: &str, body: serde_json::Value) {
        let input: CreateTableInput = serde_json::from_value(body).expect("input");
        create_table(db, region, input).await.expect("created");
    }

    fn provisioned(name: &str) -> serde_json::Value {
        json!({
            "TableName": name,
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
        })
    }

    #[tokio::test]
    async fn describes_a_provisioned_table_in_the_service_shape() {
        let db = db();
        create(&db, "us-east-1", provisioned("orders")).await;
        let out = describe_table(&db, "us-east-1", describe_input("orders"))
            .await
            .expect("described");
        let value = serde_json::to_value(&out).expect("json");
        let t = &value["Table"];
        assert_eq!(t["TableName"], "orders");
        assert_eq!(t["TableStatus"], "ACTIVE");
        assert_eq!(
            t["KeySchema"],
            json!([
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ])
        );
        assert_eq!(
            t["AttributeDefinitions"],
            json!([
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ])
        );
        assert_eq!(
            t["ProvisionedThroughput"],
            json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5, "WriteCapacityUnits": 3})
        );
        assert_eq!(t["ItemCount"], 0);
        assert_eq!(t["TableSizeBytes"], 0);
        assert_eq!(t["DeletionProtectionEnabled"], false);
        assert!(t["CreationDateTime"].is_f64());
        assert!(
            t.get("BillingModeSummary").is_none(),
            "absent on tables created PROVISIONED"
        );
        assert!(t.get("TableClassSummary").is_none());
        assert_eq!(
            t["WarmThroughput"],
            json!({"ReadUnitsPerSecond": 5, "WriteUnitsPerSecond": 3, "Status": "ACTIVE"})
        );
        assert_eq!(t["TableId"].as_str().map(str::len), Some(36));
    }

    #[tokio::test]
    async fn missing_tables_and_bad_names() {
        let db = db();
        let e = describe_table(&db, "us-east-1", describe_input("nothing"))
            .await
            .expect_err("missing");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(
            e.message,
            "Requested resource not found: Table: nothing not found"
        );

        let e = describe_table(&db, "us-east-1", describe_input("ab"))
            .await
            .expect_err("short");
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy \
             constraint: Member must have length greater than or equal to 3"
        );
        let e = describe_table(&db, "us-east-1", DescribeTableInput::default())
            .await
            .expect_err("absent");
        assert_eq!(
            e.message,
            "The parameter 'TableName' is required but was not present in the request"
        );
    }

    #[tokio::test]
    async fn tables_live_per_region() {
        let db = db();
        create(&db, "us-east-1", provisioned("orders")).await;
        let e = describe_table(&db, "eu-west-1", describe_input("orders"))
            .await
            .expect_err("other region");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
    }

    #[tokio::test]
    async fn the_table_arn_may_stand_for_the_name() {
        let db = db();
        create(&db, "us-east-1", provisioned("orders")).await;
        let arn = "arn:aws:dynamodb:us-east-1:000000000000:table/orders";
        let out = describe_table(&db, "us-east-1", describe_input(arn))
            .await
            .expect("by ARN");
        assert_eq!(out.table.table_name, "orders");

        let other_region = "arn:aws:dynamodb:eu-west-1:000000000000:table/orders";
        let e = describe_table(&db, "us-east-1", describe_input(other_region))
            .await
            .expect_err("other region");
        assert_eq!(
            e.message,
            format!("1 validation error detected: Invalid AWS region in '{other_region}'")
        );
        let index = "arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/gsi";
        let e = describe_table(&db, "us-east-1", describe_input(index))
            .await
            .expect_err("index ARN");
        assert_eq!(e.code, ErrorCode::ValidationException);
        let missing = "arn:aws:dynamodb:us-east-1:000000000000:table/ghost";
        let e = describe_table(&db, "us-east-1", describe_input(missing))
            .await
            .expect_err("missing");
        assert_eq!(
            e.message,
            "Requested resource not found: Table: ghost not found"
        );
    }

    #[tokio::test]
    async fn counts_follow_the_size_counter_and_the_items_table() {
        let db = db();
        create(&db, "us-east-1", provisioned("orders")).await;
        let meta = db.catalog.require("us-east-1", "orders").expect("meta");
        let writer_meta = (*meta).clone();
        db.store
            .write(move |txn| {
                let name = writer_meta.items_table_name();
                let mut items = txn.open(dynamodb_items(&name)).expect("items");
                items
                    .insert(b"k1".as_slice(), b"v".as_slice())
                    .expect("insert");
                items
                    .insert(b"k2".as_slice(), b"v".as_slice())
                    .expect("insert");
                drop(items);
                catalog::adjust_table_size(txn, &writer_meta, 40).expect("size");
                catalog::adjust_table_size(txn, &writer_meta, -7).expect("size");
            })
            .await
            .expect("write");
        let out = describe_table(&db, "us-east-1", describe_input("orders"))
            .await
            .expect("described");
        assert_eq!((out.table.item_count, out.table.table_size_bytes), (2, 33));
        let writer_meta = (*meta).clone();
        db.store
            .write(move |txn| catalog::adjust_table_size(txn, &writer_meta, -1000))
            .await
            .expect("write")
            .expect("size");
        let out = describe_table(&db, "us-east-1", describe_input("orders"))
            .await
            .expect("described");
        assert_eq!(
            out.table.table_size_bytes, 0,
            "the counter saturates at zero"
        );
    }

    #[test]
    fn decreases_today_count_only_on_the_current_utc_day() {
        let day = 86_400.0;
        let mut meta_json = serde_json::to_value(sample_meta()).expect("json");
        meta_json["provisioned"]["last_decrease"] = json!(10.0 * day + 5.0);
        meta_json["provisioned"]["decreases_today"] = json!(3);
        let meta: TableMeta = serde_json::from_value(meta_json).expect("meta");
        assert_eq!(
            throughput_description(&meta, 10.0 * day + 80_000.0).number_of_decreases_today,
            3
        );
        assert_eq!(
            throughput_description(&meta, 11.0 * day + 1.0).number_of_decreases_today,
            0
        );
    }

    fn sample_meta() -> TableMeta {
        TableMeta {
            id: 1,
            region: "us-east-1".into(),
            name: "t1x".into(),
            arn: "arn".into(),
            table_id: "id".into(),
            key_schema: catalog::KeySchema {
                partition: catalog::KeyAttribute {
                    name: "pk".into(),
                    attribute_type: ScalarType::S,
                },
                sort: None,
            },
            attribute_definitions: vec![],
            billing_mode: BillingMode::Provisioned,
            provisioned: Some(ProvisionedThroughput {
                read_capacity_units: 1,
                write_capacity_units: 1,
                last_increase: None,
                last_decrease: None,
                decreases_today: 0,
            }),
            created_at: 0.0,
            active_at: 0.0,
            billing_mode_updated_at: None,
            deletion_protection: false,
            table_class: None,
            tags: vec![],
            table_class_updated_at: None,
            warm_throughput: (0, 0),
            write_generation: 0,
            global_indexes: Vec::new(),
            local_indexes: Vec::new(),
            time_to_live: None,
            stream: None,
        }
    }

    #[test]
    fn warm_throughput_is_derived_for_old_records() {
        let mut meta = sample_meta();
        assert_eq!(warm_throughput(&meta), (1, 1));
        meta.billing_mode = BillingMode::PayPerRequest;
        assert_eq!(warm_throughput(&meta), ON_DEMAND_WARM_THROUGHPUT);
        meta.warm_throughput = (20_000, 9_000);
        assert_eq!(warm_throughput(&meta), (20_000, 9_000));
    }
}
