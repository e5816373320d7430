//! UpdateTable.
//!
//! ```text
//! {"TableName": "features", "BillingMode": "PROVISIONED",
//!  "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5}}
//! → {"TableDescription": {..., "TableStatus": "UPDATING", ...}}
//! ```
//!
//! Implemented: the billing mode switch (PROVISIONED ↔ PAY_PER_REQUEST), a
//! ProvisionedThroughput change, DeletionProtectionEnabled, TableClass, index changes and
//! StreamSpecification (enabling opens a new stream, disabling closes the current one; the
//! view type of an enabled stream cannot be changed, as on the service). The change is
//! applied at once, so DescribeTable reports it (and ACTIVE) immediately. The answer is the
//! service's, which describes the table as it was: TableStatus UPDATING (except for a
//! DeletionProtectionEnabled change, which the service makes synchronously), the OLD capacity
//! with the new Last*DateTime, the new billing mode without its timestamp, the old
//! TableClassSummary.
//!
//! The service's rules, in its order:
//! - member constraints (`tableName`, `billingMode`, capacities of at least 1), counted;
//! - "At least one of ProvisionedThroughput, BillingMode, ... is required";
//! - one logical change per call: TableClass and DeletionProtectionEnabled each "must be the
//!   only operation in the request" (TableClass named first when both are sent);
//! - BillingMode PROVISIONED needs ProvisionedThroughput; PAY_PER_REQUEST forbids it;
//! - then, against the table: not found, still CREATING (ResourceInUseException),
//!   ProvisionedThroughput on an on-demand table, and a capacity equal to the current one
//!   ("The provisioned throughput for the table will not change...").
//!
//! Not emulated: the UPDATING window and what it refuses, the 15 s cooldown between
//! DeletionProtectionEnabled changes, the limits on decreases per UTC day and on TableClass
//! changes per 30 days, and the per-table capacity maximum. NumberOfDecreasesToday is kept.

use super::create_table::{
    ON_DEMAND_WARM_THROUGHPUT, Violations, being_created, check_capacity, check_stream_members,
    check_table_class, not_supported_yet, now_millis, required_table_name,
};
use super::describe_table::{
    Counts, DescriptionKind, counts, description, table_name_member, utc_day, warm_throughput,
};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::{self, BillingMode, ProvisionedThroughput, TableMeta, TableStatus};
use crate::dynamodb::error::{DynamoError, Result};
use crate::dynamodb::index::changes;
use crate::dynamodb::streams::{self, StreamChange};
use crate::dynamodb::types::table::{
    AttributeDefinition, BillingModeSummary, GlobalSecondaryIndexUpdate, TableDescription,
    UpdateTableInput, UpdateTableOutput,
};
use crate::storage::Txn;

pub async fn update_table(
    db: &DynamoDb,
    region: &str,
    input: UpdateTableInput,
) -> Result<UpdateTableOutput> {
    let change = validate(db, region, input)?;
    let name = change.table.clone();
    let kind = change.kind.clone();
    let region_owned = region.to_owned();
    let activation_delay = db.activation_delay.as_secs_f64();
    let (old, new) = db
        .store
        .write(move |txn| -> Result<(TableMeta, TableMeta)> {
            let Some(old) = catalog::stored_meta(txn, &region_owned, &change.table)? else {
                return Err(DynamoError::table_not_found(&change.table));
            };
            if old.status() == TableStatus::Creating {
                return Err(being_created(&change.table));
            }
            let now = now_millis();
            if let Some(stream) = change.stream {
                check_stream_change(&old, stream)?;
            }
            let mut new = change.apply(&old, now)?;
            if let ChangeKind::Indexes {
                updates,
                definitions,
            } = &change.kind
            {
                // Checks every update before it writes anything.
                changes::apply(
                    txn,
                    &mut new,
                    updates,
                    definitions.as_deref(),
                    now,
                    activation_delay,
                )?;
                catalog::store_write_generation(txn, &new)?;
            }
            if !change.index_updates.is_empty() {
                // Throughput updates only: they change the description, not the storage.
                changes::apply(txn, &mut new, &change.index_updates, None, now, 0.0)?;
            }
            changes::check_index_billing(&old, &mut new)?;
            // All checks are made; the writes follow.
            if let Some(stream) = change.stream {
                apply_stream_change(txn, &old, &mut new, stream, now)?;
            }
            catalog::store_meta(txn, &new)?;
            Ok((old, new))
        })
        .await??;
    db.catalog.refresh(&db.store, region, &name)?;
    let counts = counts(db, &new)?;
    Ok(UpdateTableOutput {
        table_description: answer(&kind, &old, &new, counts),
    })
}

/// A validated UpdateTable request: the table and the one change it asks for.
#[derive(Debug, Clone, PartialEq)]
struct Change {
    table: String,
    kind: ChangeKind,
    /// Index throughput updates sent with a billing or throughput change (a switch to
    /// PROVISIONED must give every global index its capacity this way).
    index_updates: Vec<GlobalSecondaryIndexUpdate>,
    /// A StreamSpecification, alone ([`ChangeKind::Stream`]) or with a switch to
    /// PAY_PER_REQUEST, the one change the service lets it accompany.
    stream: Option<StreamChange>,
}

#[derive(Debug, Clone, PartialEq)]
enum ChangeKind {
    /// BillingMode PAY_PER_REQUEST.
    OnDemand,
    /// ProvisionedThroughput, with or without BillingMode PROVISIONED (which an on-demand
    /// table needs to be switched).
    Provisioned {
        read: u64,
        write: u64,
        with_billing_mode: bool,
    },
    DeletionProtection(bool),
    TableClass(String),
    /// StreamSpecification alone (the change is [`Change::stream`]).
    Stream,
    /// GlobalSecondaryIndexUpdates, with the request's AttributeDefinitions.
    Indexes {
        updates: Vec<GlobalSecondaryIndexUpdate>,
        definitions: Option<Vec<AttributeDefinition>>,
    },
}

fn validate(db: &DynamoDb, region: &str, input: UpdateTableInput) -> Result<Change> {
    let raw = required_table_name(input.table_name.clone())?;
    let mut v = Violations::new();
    let table = table_name_member(db, region, raw, &mut v)?;
    if let Some(mode) = input.billing_mode.as_deref()
        && mode != "PROVISIONED"
        && mode != "PAY_PER_REQUEST"
    {
        v.push(
            mode,
            "billingMode",
            "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]",
        );
    }
    if let Some(pt) = &input.provisioned_throughput {
        check_capacity(
            pt.write_capacity_units,
            "provisionedThroughput.writeCapacityUnits",
            &mut v,
        );
        check_capacity(
            pt.read_capacity_units,
            "provisionedThroughput.readCapacityUnits",
            &mut v,
        );
    }
    if let Some(updates) = &input.global_secondary_index_updates {
        changes::check_members(updates, &mut v);
    }
    let stream_view_type = input
        .stream_specification
        .as_ref()
        .and_then(|stream| check_stream_members(stream, &mut v));
    v.into_result()?;

    let unimplemented = unimplemented_members(&input);
    let changes = [
        input.provisioned_throughput.is_some(),
        input.billing_mode.is_some(),
        input.deletion_protection_enabled.is_some(),
        input.table_class.is_some(),
        input.global_secondary_index_updates.is_some(),
        input.stream_specification.is_some(),
    ];
    if unimplemented.is_empty() && !changes.contains(&true) {
        return Err(DynamoError::validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, \
             GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, \
             MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, \
             DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is \
             required",
        ));
    }
    if let Some(member) = unimplemented.first() {
        return Err(not_supported_yet(member));
    }
    let several = changes.iter().filter(|c| **c).count() > 1;
    if several && input.table_class.is_some() {
        return Err(only_operation("TableClass"));
    }
    if several && input.deletion_protection_enabled.is_some() {
        return Err(only_operation("DeletionProtection"));
    }
    let stream = match &input.stream_specification {
        Some(spec) => {
            if input.provisioned_throughput.is_some()
                || input.billing_mode.as_deref() == Some("PROVISIONED")
            {
                return Err(DynamoError::validation(
                    "One or more parameter values were invalid: You cannot modify stream \
                     status while updating table IOPS",
                ));
            }
            if input.global_secondary_index_updates.is_some() {
                return Err(DynamoError::validation(
                    "One or more parameter values were invalid: You cannot create or delete \
                     index while changing stream status",
                ));
            }
            let enabled = spec.stream_enabled.unwrap_or(false);
            Some(streams::check_specification(
                enabled,
                stream_view_type,
                false,
            )?)
        }
        None => None,
    };
    if stream.is_some() && input.billing_mode.is_none() {
        return Ok(Change {
            table,
            kind: ChangeKind::Stream,
            index_updates: Vec::new(),
            stream,
        });
    }
    let mut index_updates = Vec::new();
    if let Some(updates) = input.global_secondary_index_updates {
        if !several {
            let kind = ChangeKind::Indexes {
                updates,
                definitions: input.attribute_definitions,
            };
            return Ok(Change {
                table,
                kind,
                index_updates,
                stream,
            });
        }
        if updates.iter().any(|u| u.update.is_none()) {
            return Err(not_supported_yet(
                "GlobalSecondaryIndexUpdates Create or Delete together with another change",
            ));
        }
        index_updates = updates;
    }

    let kind = match (input.billing_mode.as_deref(), input.provisioned_throughput) {
        (Some("PROVISIONED"), None) => {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: ProvisionedThroughput must be \
                 specified when BillingMode is PROVISIONED",
            ));
        }
        (Some("PAY_PER_REQUEST"), Some(_)) => return Err(neither_capacity()),
        (Some(_), None) => ChangeKind::OnDemand,
        (mode, Some(pt)) => ChangeKind::Provisioned {
            read: units(pt.read_capacity_units),
            write: units(pt.write_capacity_units),
            with_billing_mode: mode.is_some(),
        },
        (None, None) => match (input.deletion_protection_enabled, input.table_class) {
            (Some(enabled), _) => ChangeKind::DeletionProtection(enabled),
            (None, Some(class)) => {
                check_table_class(&class)?;
                ChangeKind::TableClass(class)
            }
            (None, None) => unreachable!("at least one change is present"),
        },
    };
    Ok(Change {
        table,
        kind,
        index_updates,
        stream,
    })
}

/// A capacity that passed `check_capacity` (present and at least 1).
fn units(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(1)
}

/// The one place that lists what UpdateTable accepts on the wire but this emulator does not
/// implement yet; each is refused by name, never ignored. `AttributeDefinitions` is not here:
/// the service itself ignores it unless an index is created.
fn unimplemented_members(input: &UpdateTableInput) -> Vec<&'static str> {
    [
        (input.sse_specification.is_some(), "SSESpecification"),
        (input.replica_updates.is_some(), "ReplicaUpdates"),
        (input.on_demand_throughput.is_some(), "OnDemandThroughput"),
        (input.warm_throughput.is_some(), "WarmThroughput"),
        (
            input.multi_region_consistency.is_some(),
            "MultiRegionConsistency",
        ),
        (
            input.global_table_witness_updates.is_some(),
            "GlobalTableWitnessUpdates",
        ),
    ]
    .into_iter()
    .filter_map(|(present, member)| present.then_some(member))
    .collect()
}

/// The service's refusal of a stream change that changes nothing.
fn check_stream_change(table: &TableMeta, change: StreamChange) -> Result<()> {
    let enabled = table.stream.as_ref().is_some_and(|s| s.enabled);
    match (change, enabled) {
        (StreamChange::Enable(_), true) => Err(DynamoError::validation(format!(
            "Table already has an enabled stream: TableName: {}",
            table.name
        ))),
        (StreamChange::Disable, false) => Err(DynamoError::validation(format!(
            "Table has no stream to disable: TableName: {}",
            table.name
        ))),
        _ => Ok(()),
    }
}

/// Opens or closes the table's stream (checked by [`check_stream_change`]), and bumps the
/// write generation so that writes prepared before the change write records as it says.
fn apply_stream_change(
    txn: &Txn<'_>,
    old: &TableMeta,
    new: &mut TableMeta,
    change: StreamChange,
    now: f64,
) -> Result<()> {
    match change {
        StreamChange::Enable(view_type) => {
            new.stream = Some(streams::open(txn, new, view_type, now)?);
        }
        StreamChange::Disable => {
            streams::close(txn, old, now)?;
            if let Some(stream) = &mut new.stream {
                stream.enabled = false;
            }
        }
    }
    new.write_generation += 1;
    catalog::store_write_generation(txn, new)?;
    Ok(())
}

fn only_operation(what: &str) -> DynamoError {
    DynamoError::validation(format!(
        "One or more parameter values were invalid: {what} modification must be the only \
         operation in the request"
    ))
}

fn neither_capacity() -> DynamoError {
    DynamoError::validation(
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor \
         WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
    )
}

impl Change {
    /// The table after the change, or the service's refusal given the table as it is.
    fn apply(&self, old: &TableMeta, now: f64) -> Result<TableMeta> {
        let mut new = old.clone();
        let was_provisioned = old.billing_mode == BillingMode::Provisioned;
        match &self.kind {
            // Applied with the storage they change (`index::changes`, `streams`).
            ChangeKind::Indexes { .. } | ChangeKind::Stream => {}
            ChangeKind::DeletionProtection(enabled) => new.deletion_protection = *enabled,
            ChangeKind::TableClass(class) => {
                let current = old.table_class.as_deref().unwrap_or("STANDARD");
                if class != current {
                    new.table_class = Some(class.clone());
                    new.table_class_updated_at = Some(now);
                }
            }
            ChangeKind::OnDemand => {
                if was_provisioned {
                    new.billing_mode = BillingMode::PayPerRequest;
                    new.billing_mode_updated_at = Some(now);
                    new.warm_throughput = max_pair(warm_throughput(old), ON_DEMAND_WARM_THROUGHPUT);
                }
            }
            &ChangeKind::Provisioned {
                read,
                write,
                with_billing_mode,
            } => {
                let history = old.provisioned.clone();
                let current = match (&history, was_provisioned) {
                    (Some(p), true) => (p.read_capacity_units, p.write_capacity_units),
                    _ => (0, 0),
                };
                if !was_provisioned && !with_billing_mode {
                    return Err(neither_capacity());
                }
                if was_provisioned && current == (read, write) {
                    return Err(DynamoError::validation(format!(
                        "The provisioned throughput for the table will not change. The requested \
                         value equals the current value. Current ReadCapacityUnits provisioned \
                         for the table: {}. Requested ReadCapacityUnits: {read}. Current \
                         WriteCapacityUnits provisioned for the table: {}. Requested \
                         WriteCapacityUnits: {write}. Refer to the Amazon DynamoDB Developer \
                         Guide for current limits and how to request higher limits.",
                        current.0, current.1
                    )));
                }
                let mut p = history.unwrap_or(ProvisionedThroughput {
                    read_capacity_units: 0,
                    write_capacity_units: 0,
                    last_increase: None,
                    last_decrease: None,
                    decreases_today: 0,
                });
                if read > current.0 || write > current.1 {
                    p.last_increase = Some(now);
                }
                if read < current.0 || write < current.1 {
                    let same_day = p
                        .last_decrease
                        .is_some_and(|at| utc_day(at) == utc_day(now));
                    p.decreases_today = if same_day { p.decreases_today + 1 } else { 1 };
                    p.last_decrease = Some(now);
                }
                p.read_capacity_units = read;
                p.write_capacity_units = write;
                new.provisioned = Some(p);
                new.billing_mode = BillingMode::Provisioned;
                new.warm_throughput = max_pair(warm_throughput(old), (read, write));
            }
        }
        Ok(new)
    }
}

fn max_pair(a: (u64, u64), b: (u64, u64)) -> (u64, u64) {
    (a.0.max(b.0), a.1.max(b.1))
}

/// UpdateTable's answer: the table as it was, with what the service already shows of the
/// change (see the module documentation).
fn answer(kind: &ChangeKind, old: &TableMeta, new: &TableMeta, counts: Counts) -> TableDescription {
    let mut shown = old.clone();
    shown.deletion_protection = new.deletion_protection;
    shown.stream = new.stream.clone();
    shown.billing_mode = new.billing_mode;
    if let ChangeKind::Indexes { .. } = kind {
        // The index being created shows as CREATING; the deleted one is gone.
        shown.global_indexes = new.global_indexes.clone();
        shown.attribute_definitions = new.attribute_definitions.clone();
    }
    let status = match kind {
        ChangeKind::DeletionProtection(_) => old.status().as_str(),
        _ => "UPDATING",
    };
    let mut d = description(&shown, status, counts, DescriptionKind::Full);
    if let (ChangeKind::Provisioned { .. }, Some(p)) = (kind, &new.provisioned) {
        d.provisioned_throughput.last_increase_date_time = p.last_increase;
        d.provisioned_throughput.last_decrease_date_time = p.last_decrease;
    }
    if new.billing_mode != old.billing_mode {
        d.billing_mode_summary = Some(BillingModeSummary {
            billing_mode: new.billing_mode.as_str().to_owned(),
            last_update_to_pay_per_request_date_time: None,
        });
        if new.billing_mode == BillingMode::Provisioned {
            // The on-demand capacity the table had until now.
            d.provisioned_throughput.read_capacity_units = 0;
            d.provisioned_throughput.write_capacity_units = 0;
            d.provisioned_throughput.number_of_decreases_today = 0;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::ops::create_table::create_table;
    use crate::dynamodb::ops::create_table::tests::db;
    use crate::dynamodb::ops::describe_table::describe_table;
    use crate::dynamodb::types::table::{CreateTableInput, DescribeTableInput};

    async fn with_table(billing: Value) -> DynamoDb {
        let db = db();
        let mut body = json!({
            "TableName": "features",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        });
        for (k, v) in billing.as_object().expect("object") {
            body[k] = v.clone();
        }
        let input: CreateTableInput = serde_json::from_value(body).expect("input");
        create_table(&db, "us-east-1", input)
            .await
            .expect("created");
        db
    }

    fn provisioned(read: i64, write: i64) -> Value {
        json!({"ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write}})
    }

    fn on_demand() -> Value {
        json!({"BillingMode": "PAY_PER_REQUEST"})
    }

    async fn update(db: &DynamoDb, body: Value) -> Result<Value> {
        let mut body = body;
        if body.get("TableName").is_none() {
            body["TableName"] = json!("features");
        }
        let input: UpdateTableInput = serde_json::from_value(body).expect("input");
        let out = update_table(db, "us-east-1", input).await?;
        Ok(serde_json::to_value(out).expect("json")["TableDescription"].clone())
    }

    async fn described(db: &DynamoDb) -> Value {
        let out = describe_table(
            db,
            "us-east-1",
            DescribeTableInput {
                table_name: Some("features".into()),
            },
        )
        .await
        .expect("described");
        serde_json::to_value(out).expect("json")["Table"].clone()
    }

    async fn message(db: &DynamoDb, body: Value) -> String {
        let e = update(db, body).await.expect_err("refused");
        assert_eq!(e.code, ErrorCode::ValidationException, "{}", e.message);
        e.message
    }

    #[tokio::test]
    async fn a_throughput_change_answers_updating_with_the_old_capacity() {
        let db = with_table(provisioned(5, 5)).await;
        let answer = update(&db, provisioned(10, 12)).await.expect("updated");
        assert_eq!(answer["TableStatus"], "UPDATING");
        assert_eq!(answer["ProvisionedThroughput"]["ReadCapacityUnits"], 5);
        assert_eq!(answer["ProvisionedThroughput"]["WriteCapacityUnits"], 5);
        assert!(answer["ProvisionedThroughput"]["LastIncreaseDateTime"].is_f64());

        let d = described(&db).await;
        assert_eq!(d["TableStatus"], "ACTIVE");
        assert_eq!(d["ProvisionedThroughput"]["ReadCapacityUnits"], 10);
        assert_eq!(d["ProvisionedThroughput"]["WriteCapacityUnits"], 12);
        assert_eq!(d["ProvisionedThroughput"]["NumberOfDecreasesToday"], 0);
        assert_eq!(d["WarmThroughput"]["ReadUnitsPerSecond"], 10);

        update(&db, provisioned(2, 12)).await.expect("decrease");
        let d = described(&db).await;
        assert_eq!(d["ProvisionedThroughput"]["NumberOfDecreasesToday"], 1);
        assert!(d["ProvisionedThroughput"]["LastDecreaseDateTime"].is_f64());
        assert_eq!(
            d["WarmThroughput"]["ReadUnitsPerSecond"], 10,
            "warm never decreases"
        );
    }

    #[tokio::test]
    async fn the_same_throughput_will_not_change() {
        let db = with_table(provisioned(5, 3)).await;
        let expected = "The provisioned throughput for the table will not change. The requested \
                        value equals the current value. Current ReadCapacityUnits provisioned for \
                        the table: 5. Requested ReadCapacityUnits: 5. Current WriteCapacityUnits \
                        provisioned for the table: 3. Requested WriteCapacityUnits: 3. Refer to \
                        the Amazon DynamoDB Developer Guide for current limits and how to request \
                        higher limits.";
        assert_eq!(message(&db, provisioned(5, 3)).await, expected);
        let mut body = provisioned(5, 3);
        body["BillingMode"] = json!("PROVISIONED");
        assert_eq!(message(&db, body).await, expected);
    }

    #[tokio::test]
    async fn switches_billing_mode_both_ways() {
        let db = with_table(provisioned(5, 5)).await;
        let answer = update(&db, on_demand()).await.expect("to on-demand");
        assert_eq!(answer["TableStatus"], "UPDATING");
        assert_eq!(
            answer["BillingModeSummary"],
            json!({"BillingMode": "PAY_PER_REQUEST"}),
            "the answer lacks the switch time"
        );
        assert_eq!(answer["ProvisionedThroughput"]["ReadCapacityUnits"], 0);

        let d = described(&db).await;
        assert_eq!(d["TableStatus"], "ACTIVE");
        assert_eq!(d["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
        assert!(d["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"].is_f64());
        assert_eq!(d["ProvisionedThroughput"]["ReadCapacityUnits"], 0);
        assert_eq!(d["ProvisionedThroughput"]["WriteCapacityUnits"], 0);
        assert_eq!(
            d["WarmThroughput"],
            json!({"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"})
        );

        let answer = update(&db, on_demand())
            .await
            .expect("a re-send is a no-op");
        assert_eq!(answer["TableStatus"], "UPDATING");

        assert_eq!(
            message(&db, provisioned(1, 1)).await,
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor \
             WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
        );
        assert_eq!(
            message(&db, json!({"BillingMode": "PROVISIONED"})).await,
            "One or more parameter values were invalid: ProvisionedThroughput must be specified \
             when BillingMode is PROVISIONED"
        );
        let mut back = provisioned(7, 8);
        back["BillingMode"] = json!("PROVISIONED");
        let answer = update(&db, back).await.expect("to provisioned");
        assert_eq!(
            answer["BillingModeSummary"],
            json!({"BillingMode": "PROVISIONED"})
        );
        assert_eq!(answer["ProvisionedThroughput"]["ReadCapacityUnits"], 0);
        let d = described(&db).await;
        assert_eq!(d["ProvisionedThroughput"]["ReadCapacityUnits"], 7);
        assert_eq!(d["ProvisionedThroughput"]["WriteCapacityUnits"], 8);
        assert_eq!(d["BillingModeSummary"]["BillingMode"], "PROVISIONED");
        assert!(
            d["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"].is_f64(),
            "kept from the on-demand period"
        );
        assert_eq!(d["WarmThroughput"]["ReadUnitsPerSecond"], 12000);
    }

    #[tokio::test]
    async fn deletion_protection_is_synchronous_and_alone() {
        let db = with_table(on_demand()).await;
        let answer = update(&db, json!({"DeletionProtectionEnabled": true}))
            .await
            .expect("protected");
        assert_eq!(answer["TableStatus"], "ACTIVE");
        assert_eq!(answer["DeletionProtectionEnabled"], true);
        assert_eq!(described(&db).await["DeletionProtectionEnabled"], true);
        assert_eq!(
            message(
                &db,
                json!({"DeletionProtectionEnabled": false, "BillingMode": "PAY_PER_REQUEST"})
            )
            .await,
            "One or more parameter values were invalid: DeletionProtection modification must be \
             the only operation in the request"
        );
        assert_eq!(
            message(
                &db,
                json!({"DeletionProtectionEnabled": false, "TableClass": "STANDARD"})
            )
            .await,
            "One or more parameter values were invalid: TableClass modification must be the only \
             operation in the request"
        );
        update(
            &db,
            json!({"DeletionProtectionEnabled": false, "AttributeDefinitions": []}),
        )
        .await
        .expect("AttributeDefinitions does not count as a change");
    }

    #[tokio::test]
    async fn table_class_changes_show_after_the_answer() {
        let db = with_table(on_demand()).await;
        let answer = update(&db, json!({"TableClass": "STANDARD"}))
            .await
            .expect("no-op");
        assert_eq!(answer["TableStatus"], "UPDATING");
        assert!(described(&db).await.get("TableClassSummary").is_none());

        let answer = update(&db, json!({"TableClass": "STANDARD_INFREQUENT_ACCESS"}))
            .await
            .expect("changed");
        assert!(
            answer.get("TableClassSummary").is_none(),
            "the old (absent) summary"
        );
        let d = described(&db).await;
        assert_eq!(
            d["TableClassSummary"]["TableClass"],
            "STANDARD_INFREQUENT_ACCESS"
        );
        assert!(d["TableClassSummary"]["LastUpdateDateTime"].is_f64());
        assert_eq!(
            message(&db, json!({"TableClass": "COLD"})).await,
            "Invalid table-class parameter provided. Please try again with a valid table-class \
             value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
        );
    }

    #[tokio::test]
    async fn request_level_rules_come_before_the_table() {
        let db = db();
        assert!(
            message(&db, json!({"TableName": "ghost"}))
                .await
                .starts_with("At least one of ProvisionedThroughput, BillingMode,")
        );
        assert_eq!(
            message(
                &db,
                json!({"TableName": "ghost", "ProvisionedThroughput":
                    {"ReadCapacityUnits": 1, "WriteCapacityUnits": 0}})
            )
            .await,
            "1 validation error detected: Value '0' at 'provisionedThroughput.writeCapacityUnits' \
             failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
        assert_eq!(
            message(&db, json!({"TableName": "ab", "BillingMode": "FREE"})).await,
            "2 validation errors detected: Value 'ab' at 'tableName' failed to satisfy \
             constraint: Member must have length greater than or equal to 3; Value 'FREE' at \
             'billingMode' failed to satisfy constraint: Member must satisfy enum value set: \
             [PROVISIONED, PAY_PER_REQUEST]"
        );
        let text = message(&db, json!({"TableName": "ghost", "SSESpecification": {}})).await;
        assert!(
            text.starts_with("SSESpecification is not supported"),
            "{text}"
        );
        assert_eq!(
            message(
                &db,
                json!({"TableName": "ghost", "StreamSpecification": {}})
            )
            .await,
            "1 validation error detected: Value null at 'streamSpecification.streamEnabled' \
             failed to satisfy constraint: Member must not be null"
        );
        let e = update(
            &db,
            json!({"TableName": "ghost", "BillingMode": "PAY_PER_REQUEST"}),
        )
        .await
        .expect_err("missing");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(
            e.message,
            "Requested resource not found: Table: ghost not found"
        );
    }

    #[tokio::test]
    async fn streams_are_enabled_and_disabled_as_the_service_allows() {
        let db = with_table(on_demand()).await;
        let enable = |view: &str| json!({"StreamSpecification": {"StreamEnabled": true, "StreamViewType": view}});
        let disable = json!({"StreamSpecification": {"StreamEnabled": false}});
        assert!(described(&db).await.get("LatestStreamArn").is_none());

        let answer = update(&db, enable("NEW_IMAGE")).await.expect("enabled");
        assert_eq!(answer["TableStatus"], "UPDATING");
        assert_eq!(answer["StreamSpecification"]["StreamViewType"], "NEW_IMAGE");
        let d = described(&db).await;
        assert_eq!(
            d["StreamSpecification"],
            json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})
        );
        let label = d["LatestStreamLabel"].as_str().expect("label").to_owned();
        assert_eq!(
            d["LatestStreamArn"],
            format!("arn:aws:dynamodb:us-east-1:000000000000:table/features/stream/{label}")
        );
        for again in [enable("NEW_IMAGE"), enable("KEYS_ONLY")] {
            assert_eq!(
                message(&db, again).await,
                "Table already has an enabled stream: TableName: features"
            );
        }
        assert_eq!(
            message(&db, json!({"StreamSpecification": {"StreamEnabled": true}})).await,
            "One or more parameter values were invalid: If stream is being enabled then \
             UpdateViewType is required"
        );
        assert_eq!(
            message(
                &db,
                json!({"StreamSpecification": {"StreamEnabled": true, "StreamViewType": "ALL"}})
            )
            .await,
            "1 validation error detected: Value 'ALL' at 'streamSpecification.streamViewType' \
             failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, \
             OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"
        );
        let mut with_capacity = disable.clone();
        with_capacity["BillingMode"] = json!("PROVISIONED");
        with_capacity["ProvisionedThroughput"] =
            json!({"ReadCapacityUnits": 1, "WriteCapacityUnits": 1});
        assert_eq!(
            message(&db, with_capacity).await,
            "One or more parameter values were invalid: You cannot modify stream status while \
             updating table IOPS"
        );
        let mut with_protection = disable.clone();
        with_protection["DeletionProtectionEnabled"] = json!(true);
        assert_eq!(
            message(&db, with_protection).await,
            "One or more parameter values were invalid: DeletionProtection modification must be \
             the only operation in the request"
        );

        update(&db, disable.clone()).await.expect("disabled");
        let d = described(&db).await;
        assert!(d.get("StreamSpecification").is_none());
        assert_eq!(d["LatestStreamLabel"], label.as_str());
        assert_eq!(
            message(&db, disable).await,
            "Table has no stream to disable: TableName: features"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
        let mut with_billing = enable("KEYS_ONLY");
        with_billing["BillingMode"] = json!("PAY_PER_REQUEST");
        update(&db, with_billing).await.expect("enabled again");
        let d = described(&db).await;
        assert_ne!(d["LatestStreamLabel"], label.as_str(), "a new stream");
        assert_eq!(d["StreamSpecification"]["StreamViewType"], "KEYS_ONLY");
    }

    #[tokio::test]
    async fn a_creating_table_cannot_be_updated() {
        let config = crate::config::Config {
            table_activation_delay_ms: 60_000,
            ..crate::config::Config::ephemeral()
        };
        let db = DynamoDb::open(
            std::sync::Arc::new(crate::storage::Store::in_memory().expect("store")),
            &config,
        )
        .expect("open");
        let input: CreateTableInput = serde_json::from_value(json!({
            "TableName": "features",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        }))
        .expect("input");
        create_table(&db, "us-east-1", input)
            .await
            .expect("created");
        let e = update(&db, json!({"DeletionProtectionEnabled": true}))
            .await
            .expect_err("in use");
        assert_eq!(e.code, ErrorCode::ResourceInUseException);
        assert_eq!(
            e.message,
            "Attempt to change a resource which is still in use: Table is being created: features"
        );
    }
}
