//! TransactWriteItems: up to 100 Put, Update, Delete and ConditionCheck actions, all or
//! nothing.
//!
//! ```text
//! {"TransactItems":[{"Put":{"TableName":"Orders","Item":{"pk":{"S":"o1"}},
//!                           "ConditionExpression":"attribute_not_exists(pk)"}},
//!                   {"Update":{"TableName":"Stock","Key":{"pk":{"S":"s1"}},
//!                              "UpdateExpression":"SET n = n - :one",
//!                              "ConditionExpression":"n >= :one",
//!                              "ExpressionAttributeValues":{":one":{"N":"1"}}}}],
//!  "ClientRequestToken":"4f1c..."}
//! → {}   or   TransactionCanceledException with one CancellationReason per action
//! ```
//!
//! This file checks the request in the service's order and builds the actions; the
//! transaction itself, its cancellation reasons, capacity and tokens are `transaction`'s.
//! The order (recorded against the service; DynamoDB Local words several differently):
//! 1. member constraints, all reported together: `clientRequestToken` (1 to 36 characters),
//!    `returnConsumedCapacity`, `returnItemCollectionMetrics`, `transactItems` (1 to 100),
//!    then each action's members (`transactItems.1.member.put.tableName`, ...);
//! 2. an action with none or several of Put/Update/Delete/ConditionCheck (DynamoDB Local's
//!    texts);
//! 3. each action in request order: its expressions (and placeholder maps) and, for a Put,
//!    its item's size; then the Put items' total, at most 4 MB ("Transaction payload size
//!    cannot exceed 4MB. Payload Size: <bytes so far>", DynamoDB Local's text);
//! 4. each action's table (ResourceNotFoundException), then attribute-value errors held back
//!    at decoding, then key values (empty or oversized ones refused, mismatched ones left to
//!    cancel the transaction), then two actions on one item.

use std::sync::Arc;

use super::super::DynamoDb;
use super::super::catalog::TableMeta;
use super::super::error::{DynamoError, Result};
use super::super::item::{self, ConditionMembers, UpdateMembers, Violations};
use super::super::throttle::Access;
use super::super::transaction::{
    self, ConditionFailure, MAX_ACTIONS, MAX_PAYLOAD_BYTES, Target, Token, WriteAction,
};
use super::super::types::transaction::{
    TransactWriteItem, TransactWriteItemsInput, TransactWriteItemsOutput,
};

/// Most characters a `ClientRequestToken` may have.
pub const MAX_TOKEN_LENGTH: usize = 36;

pub async fn transact_write_items(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (TransactWriteItemsInput, Option<DynamoError>),
) -> Result<TransactWriteItemsOutput> {
    let mut v = Violations::new();
    check_client_request_token(input.client_request_token.as_deref(), &mut v);
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    let collection_metrics = item::check_return_item_collection_metrics(
        input.return_item_collection_metrics.as_deref(),
        &mut v,
    );
    match &input.transact_items {
        None => v.null("transactItems"),
        Some(items) => {
            check_list_length(items.len(), &mut v);
            for (i, action) in items.iter().enumerate() {
                check_members(action, &format!("transactItems.{}.member", i + 1), &mut v);
            }
        }
    }
    v.into_result()?;
    let items = input.transact_items.unwrap_or_default();
    for action in &items {
        let kinds = usize::from(action.condition_check.is_some())
            + usize::from(action.put.is_some())
            + usize::from(action.delete.is_some())
            + usize::from(action.update.is_some());
        if kinds == 0 {
            return Err(DynamoError::validation(
                "Invalid Request: TransactWriteRequest should contain Delete or Put or Update \
                 request",
            ));
        }
        if kinds > 1 {
            return Err(DynamoError::validation(
                "TransactItems can only contain one of Check, Put, Update or Delete",
            ));
        }
    }

    let mut parsed = Vec::with_capacity(items.len());
    let mut payload = 0;
    for action in &items {
        let expressions = parse_expressions(action)?;
        if let Some(item) = action.put.as_ref().and_then(|p| p.item.as_ref()) {
            let size = item::check_item_size(item)?;
            payload += size;
            parsed.push((expressions, Some(size)));
        } else {
            parsed.push((expressions, None));
        }
    }
    if payload > MAX_PAYLOAD_BYTES {
        return Err(payload_too_large(&items));
    }

    let mut metas = Vec::with_capacity(items.len());
    for action in &items {
        metas.push(item::live_table(db, region, table_name_of(action))?);
    }
    // Attribute-value errors are reported after the request's checks and the table lookups.
    if let Some(e) = deferred {
        return Err(e);
    }
    let token = input.client_request_token.map(|token| Token {
        token,
        request: serde_json::to_value(&items)
            .and_then(|value| serde_json::to_string(&value))
            .expect("a request always serializes"),
    });

    let mut actions = Vec::with_capacity(items.len());
    for ((action, (expressions, size)), meta) in items.into_iter().zip(parsed).zip(metas) {
        let (update, condition) = expressions;
        let schema = &meta.key_schema;
        let (target, old_on_failure) = if let Some(put) = action.put {
            let item = put.item.expect("checked above");
            let size = size.expect("measured above");
            (
                Target::put(&meta, item, size)?,
                put.return_values_on_condition_check_failure,
            )
        } else if let Some(update_action) = action.update {
            let key = update_action.key.expect("checked above");
            let target = match Target::key(schema, &key)? {
                Err(reason) => Target::Invalid(reason),
                Ok(stored_key) => match update.as_ref().map(|u| u.check_keys(schema)) {
                    Some(Err(e)) => Target::Invalid(e.message),
                    _ => Target::Update {
                        key: stored_key,
                        key_item: key,
                        update,
                    },
                },
            };
            (
                target,
                update_action.return_values_on_condition_check_failure,
            )
        } else if let Some(delete) = action.delete {
            let key = delete.key.expect("checked above");
            let target = match Target::key(schema, &key)? {
                Ok(key) => Target::Delete { key },
                Err(reason) => Target::Invalid(reason),
            };
            (target, delete.return_values_on_condition_check_failure)
        } else {
            let check = action
                .condition_check
                .expect("exactly one kind, checked above");
            let key = check.key.expect("checked above");
            let target = match Target::key(schema, &key)? {
                Ok(key) => Target::ConditionCheck { key },
                Err(reason) => Target::Invalid(reason),
            };
            (target, check.return_values_on_condition_check_failure)
        };
        actions.push(WriteAction {
            meta,
            target,
            condition,
            old_on_failure: old_on_failure.as_deref() == Some("ALL_OLD"),
            on_failure: ConditionFailure::Conditional,
        });
    }

    db.throttle.admit_transaction(
        actions.iter().map(|a| &*a.meta),
        Access::Write,
        "TransactWriteItems",
    )?;
    let metas: Vec<Arc<TableMeta>> = actions.iter().map(|a| Arc::clone(&a.meta)).collect();
    let outcome = transaction::write_transaction(db, region, actions, token).await?;
    let tally = outcome.tally();
    db.throttle.charge_tally(&metas, Access::Write, &tally);
    Ok(TransactWriteItemsOutput {
        consumed_capacity: tally.into_list(rcc),
        item_collection_metrics: (collection_metrics && !outcome.collections.is_empty())
            .then_some(outcome.collections),
    })
}

/// The length constraint of a `transactItems` list (shared with TransactGetItems). The
/// service quotes the whole list as Java prints it; an empty one shows as `[]`, a long one
/// is abbreviated here.
/// `ClientRequestToken`: 1 to 36 characters.
pub fn check_client_request_token(token: Option<&str>, v: &mut Violations) {
    let Some(token) = token else { return };
    let length = token.chars().count();
    if length == 0 {
        v.push(
            token,
            "clientRequestToken",
            "Member must have length greater than or equal to 1",
        );
    } else if length > MAX_TOKEN_LENGTH {
        v.push(
            token,
            "clientRequestToken",
            "Member must have length less than or equal to 36",
        );
    }
}

pub fn check_list_length(length: usize, v: &mut Violations) {
    if length == 0 {
        v.push(
            "[]",
            "transactItems",
            "Member must have length greater than or equal to 1",
        );
    } else if length > MAX_ACTIONS {
        v.push(
            "[..]",
            "transactItems",
            "Member must have length less than or equal to 100",
        );
    }
}

/// The member constraints of one action, at `at` (`transactItems.<n>.member`).
fn check_members(action: &TransactWriteItem, at: &str, v: &mut Violations) {
    struct Members<'a> {
        kind: &'static str,
        target: Option<(&'static str, bool)>,
        update_expression: Option<bool>,
        table_name: Option<&'a str>,
        condition_expression: Option<bool>,
        return_values_on_condition_check_failure: Option<&'a str>,
    }
    let mut all = Vec::with_capacity(1);
    if let Some(c) = &action.condition_check {
        all.push(Members {
            kind: "conditionCheck",
            target: Some(("key", c.key.is_some())),
            update_expression: None,
            table_name: c.table_name.as_deref(),
            condition_expression: Some(c.condition_expression.is_some()),
            return_values_on_condition_check_failure: c
                .return_values_on_condition_check_failure
                .as_deref(),
        });
    }
    if let Some(p) = &action.put {
        all.push(Members {
            kind: "put",
            target: Some(("item", p.item.is_some())),
            update_expression: None,
            table_name: p.table_name.as_deref(),
            condition_expression: None,
            return_values_on_condition_check_failure: p
                .return_values_on_condition_check_failure
                .as_deref(),
        });
    }
    if let Some(d) = &action.delete {
        all.push(Members {
            kind: "delete",
            target: Some(("key", d.key.is_some())),
            update_expression: None,
            table_name: d.table_name.as_deref(),
            condition_expression: None,
            return_values_on_condition_check_failure: d
                .return_values_on_condition_check_failure
                .as_deref(),
        });
    }
    if let Some(u) = &action.update {
        all.push(Members {
            kind: "update",
            target: Some(("key", u.key.is_some())),
            update_expression: Some(u.update_expression.is_some()),
            table_name: u.table_name.as_deref(),
            condition_expression: None,
            return_values_on_condition_check_failure: u
                .return_values_on_condition_check_failure
                .as_deref(),
        });
    }
    for m in all {
        let at = format!("{at}.{}", m.kind);
        if let Some((member, false)) = m.target {
            v.null(&format!("{at}.{member}"));
        }
        if m.update_expression == Some(false) {
            v.null(&format!("{at}.updateExpression"));
        }
        item::table_name(m.table_name, &format!("{at}.tableName"), v);
        if m.condition_expression == Some(false) {
            v.null(&format!("{at}.conditionExpression"));
        }
        v.enumeration(
            m.return_values_on_condition_check_failure,
            &format!("{at}.returnValuesOnConditionCheckFailure"),
            "[ALL_OLD, NONE]",
            |s| matches!(s, "ALL_OLD" | "NONE").then_some(()),
        );
    }
}

type Expressions = (
    Option<super::super::expr::UpdateExpression>,
    Option<super::super::expr::Condition>,
);

/// One action's expressions, parsed with its own placeholder maps.
fn parse_expressions(action: &TransactWriteItem) -> Result<Expressions> {
    let condition = |condition_expression: Option<&String>, names, values| {
        item::parse_write_condition(&ConditionMembers {
            condition_expression: condition_expression.map(String::as_str),
            conditional_operator: false,
            expected: false,
            names,
            values,
        })
    };
    if let Some(u) = &action.update {
        return item::parse_update_members(&UpdateMembers {
            update_expression: u.update_expression.as_deref(),
            condition_expression: u.condition_expression.as_deref(),
            attribute_updates: false,
            conditional_operator: false,
            expected: false,
            names: u.expression_attribute_names.as_ref(),
            values: u.expression_attribute_values.as_ref(),
        });
    }
    let parsed = if let Some(p) = &action.put {
        condition(
            p.condition_expression.as_ref(),
            p.expression_attribute_names.as_ref(),
            p.expression_attribute_values.as_ref(),
        )
    } else if let Some(d) = &action.delete {
        condition(
            d.condition_expression.as_ref(),
            d.expression_attribute_names.as_ref(),
            d.expression_attribute_values.as_ref(),
        )
    } else {
        let c = action.condition_check.as_ref().expect("one kind, checked");
        condition(
            c.condition_expression.as_ref(),
            c.expression_attribute_names.as_ref(),
            c.expression_attribute_values.as_ref(),
        )
    }?;
    Ok((None, parsed))
}

fn table_name_of(action: &TransactWriteItem) -> &str {
    let name = [
        action
            .condition_check
            .as_ref()
            .and_then(|c| c.table_name.as_deref()),
        action.put.as_ref().and_then(|p| p.table_name.as_deref()),
        action.delete.as_ref().and_then(|d| d.table_name.as_deref()),
        action.update.as_ref().and_then(|u| u.table_name.as_deref()),
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or_default();
    item::resolve_table_name(name)
}

/// DynamoDB Local's answer once the Put items pass 4 MB: it reports the running total at
/// the item that crossed the limit.
fn payload_too_large(items: &[TransactWriteItem]) -> DynamoError {
    let mut total = 0;
    for item in items.iter().filter_map(|a| a.put.as_ref()?.item.as_ref()) {
        total += super::super::size::item_size(item);
        if total > MAX_PAYLOAD_BYTES {
            break;
        }
    }
    DynamoError::validation(format!(
        "Transaction payload size cannot exceed 4MB. Payload Size: {total}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::ScalarType;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::item::testing::{REGION, create_table, request, service};
    use crate::dynamodb::ops::get_item::get_item;

    async fn transact(db: &DynamoDb, json: &str) -> Result<String> {
        transact_write_items(db, REGION, request(json))
            .await
            .map(|out| serde_json::to_string(&out).unwrap())
    }

    fn get(db: &DynamoDb, key: &str) -> String {
        let body = format!(r#"{{"TableName":"tbl","Key":{key}}}"#);
        String::from_utf8(get_item(db, REGION, request(&body)).unwrap()).unwrap()
    }

    async fn setup() -> DynamoDb {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        db
    }

    #[tokio::test]
    async fn index_entries_are_written_with_the_items_and_charged_double() {
        let db = service();
        let body = r#"{"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",
            "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
                {"AttributeName":"g","AttributeType":"S"}],
            "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
            "GlobalSecondaryIndexes":[{"IndexName":"gsi","Projection":{"ProjectionType":"ALL"},
                "KeySchema":[{"AttributeName":"g","KeyType":"HASH"}]}]}"#;
        crate::dynamodb::ops::create_table::create_table(
            &db,
            REGION,
            serde_json::from_str(body).unwrap(),
        )
        .await
        .unwrap();
        let out = transact(
            &db,
            r#"{"TransactItems":[{"Put":{"TableName":"tbl","Item":{"pk":{"S":"a"},"g":{"S":"x"}}}},
                {"Put":{"TableName":"tbl","Item":{"pk":{"S":"b"}}}}],
                "ReturnConsumedCapacity":"INDEXES"}"#,
        )
        .await
        .unwrap();
        assert_eq!(
            out,
            r#"{"ConsumedCapacity":[{"TableName":"tbl","CapacityUnits":6.0,"Table":{"CapacityUnits":4.0},"GlobalSecondaryIndexes":{"gsi":{"CapacityUnits":2.0}}}]}"#
        );
        let query = crate::dynamodb::ops::query::query(
            &db,
            REGION,
            request(
                r#"{"TableName":"tbl","IndexName":"gsi","KeyConditionExpression":"g = :g",
                "ExpressionAttributeValues":{":g":{"S":"x"}}}"#,
            ),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(query.to_body()).unwrap(),
            r#"{"Items":[{"g":{"S":"x"},"pk":{"S":"a"}}],"Count":1,"ScannedCount":1}"#
        );
        // An index key of the wrong type cancels the transaction.
        let e = transact(
            &db,
            r#"{"TransactItems":[{"Put":{"TableName":"tbl","Item":{"pk":{"S":"c"},"g":{"N":"1"}}}}]}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::TransactionCanceledException);
        assert_eq!(
            e.extra["CancellationReasons"][0]["Code"],
            serde_json::json!("ValidationError")
        );
    }

    #[tokio::test]
    async fn member_constraints_are_reported_together_in_the_service_order() {
        let db = setup().await;
        let token = "x".repeat(37);
        let e = transact(
            &db,
            &format!(
                r#"{{"ClientRequestToken":"{token}","ReturnConsumedCapacity":"BOGUS",
                "ReturnItemCollectionMetrics":"BOGUS2","TransactItems":[
                {{"Put":{{"TableName":"tbl","Item":{{"pk":{{"S":"a"}}}},
                         "ReturnValuesOnConditionCheckFailure":"SOME"}}}},
                {{"Update":{{"TableName":"t","Key":{{"pk":{{"S":"a"}}}}}}}}]}}"#
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            format!(
                "6 validation errors detected: Value '{token}' at 'clientRequestToken' failed \
                 to satisfy constraint: Member must have length less than or equal to 36; \
                 Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: \
                 Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; Value 'BOGUS2' at \
                 'returnItemCollectionMetrics' failed to satisfy constraint: Member must \
                 satisfy enum value set: [SIZE, NONE]; Value 'SOME' at \
                 'transactItems.1.member.put.returnValuesOnConditionCheckFailure' failed to \
                 satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]; \
                 Value null at 'transactItems.2.member.update.updateExpression' failed to \
                 satisfy constraint: Member must not be null; Value 't' at \
                 'transactItems.2.member.update.tableName' failed to satisfy constraint: \
                 Member must have length greater than or equal to 3"
            )
        );
        let e = transact(&db, r#"{"TransactItems":[]}"#).await.unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy \
             constraint: Member must have length greater than or equal to 1"
        );
        let e = transact(&db, r#"{}"#).await.unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'transactItems' failed to satisfy \
             constraint: Member must not be null"
        );
    }

    #[tokio::test]
    async fn each_action_names_exactly_one_kind() {
        let db = setup().await;
        let e = transact(&db, r#"{"TransactItems":[{}]}"#)
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request"
        );
        let e = transact(
            &db,
            r#"{"TransactItems":[{"Put":{"TableName":"tbl","Item":{"pk":{"S":"a"}}},
                "Delete":{"TableName":"tbl","Key":{"pk":{"S":"a"}}}}]}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "TransactItems can only contain one of Check, Put, Update or Delete"
        );
    }

    #[tokio::test]
    async fn expressions_are_checked_before_tables_are_looked_up() {
        let db = setup().await;
        let e = transact(
            &db,
            r#"{"TransactItems":[{"Put":{"TableName":"nope","Item":{"pk":{"S":"a"}}}},
                {"ConditionCheck":{"TableName":"tbl","Key":{"pk":{"S":"a"}},
                 "ConditionExpression":"attribute_not_exists("}}]}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"(\""
        );
        let e = transact(
            &db,
            r#"{"TransactItems":[{"Put":{"TableName":"nope","Item":{"pk":{"S":"a"}}}},
                {"ConditionCheck":{"TableName":"tbl","Key":{"pk":{"S":"a"}},
                 "ConditionExpression":"attribute_not_exists(pk)",
                 "ExpressionAttributeValues":{":v":{"S":"x"}}}}]}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"
        );
        let e = transact(
            &db,
            r#"{"TransactItems":[{"Put":{"TableName":"nope","Item":{"pk":{"S":"a"}}}}]}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(e.message, "Requested resource not found");
    }

    #[tokio::test]
    async fn the_put_items_may_total_4_mb() {
        let db = setup().await;
        let value = "x".repeat(350_000);
        let puts: Vec<String> = (0..12)
            .map(|i| {
                format!(
                    r#"{{"Put":{{"TableName":"tbl","Item":{{"pk":{{"S":"g{i}"}},"a":{{"S":"{value}"}}}}}}}}"#
                )
            })
            .collect();
        let e = transact(&db, &format!(r#"{{"TransactItems":[{}]}}"#, puts.join(",")))
            .await
            .unwrap_err();
        // Ten items of 350,005 bytes and two of 350,006.
        assert_eq!(
            e.message,
            "Transaction payload size cannot exceed 4MB. Payload Size: 4200062"
        );
        transact(
            &db,
            &format!(r#"{{"TransactItems":[{}]}}"#, puts[..11].join(",")),
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn an_update_past_400_kb_cancels_and_writes_nothing() {
        let db = setup().await;
        let big = "x".repeat(300_000);
        let e = transact(
            &db,
            &format!(
                r#"{{"TransactItems":[{{"Put":{{"TableName":"tbl","Item":{{"pk":{{"S":"p"}}}}}}}},
                {{"Update":{{"TableName":"tbl","Key":{{"pk":{{"S":"u"}}}},
                  "UpdateExpression":"SET a = :v, b = :v",
                  "ExpressionAttributeValues":{{":v":{{"S":"{big}"}}}}}}}}]}}"#
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::TransactionCanceledException);
        assert_eq!(
            serde_json::to_string(&e.extra).unwrap(),
            r#"{"CancellationReasons":[{"Code":"None"},{"Code":"ValidationError","Message":"Item size to update has exceeded the maximum allowed size"}]}"#
        );
        assert_eq!(get(&db, r#"{"pk":{"S":"p"}}"#), "{}");
        assert_eq!(get(&db, r#"{"pk":{"S":"u"}}"#), "{}");
        let meta = db.catalog.get(REGION, "tbl").unwrap();
        let txn = db.store.read().unwrap();
        assert_eq!(
            crate::dynamodb::catalog::table_size(&txn, meta.id).unwrap(),
            0
        );
    }
}
