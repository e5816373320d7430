//! UpdateItem: change some attributes of an item, creating it if it is missing.
//!
//! ```text
//! {"TableName":"Music","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET n = n + :one",
//!  "ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}
//! → {"Attributes":{"n":{"N":"2"}}}
//! ```
//!
//! Behaviour (checked against DynamoDB Local):
//! - A missing item is created from the key and the update (an upsert), unless the
//!   condition fails. Without `UpdateExpression` (or `AttributeUpdates`) the request only
//!   makes sure the item exists.
//! - The legacy `AttributeUpdates` and `Expected` are translated into an update and a
//!   condition (`legacy`), checked in DynamoDB Local's order: `Expected`, the key, then
//!   `AttributeUpdates`.
//! - Key attributes cannot be updated: "One or more parameter values were invalid: Cannot
//!   update attribute pk. This attribute is part of the key".
//! - `UPDATED_OLD` and `UPDATED_NEW` return the updated paths only (a projection of the old
//!   or new item on them, as the service and dynalite do; DynamoDB Local returns whole
//!   top-level attributes instead); an empty result omits `Attributes`.
//! - The updated item may not exceed 400 KB: "Item size to update has exceeded the maximum
//!   allowed size".
//!
//! The old item is read, the condition evaluated and the update applied inside the write
//! closure, so concurrent updates of one item are serialized by the group-commit writer.

use std::sync::Arc;

use super::super::DynamoDb;
use super::super::capacity::{self, charge_with};
use super::super::error::{DynamoError, Result};
use super::super::expr::UpdateExpression;
use super::super::index::entries::Origin;
use super::super::item::{self, ReturnValues, UpdateMembers, WriteMembers, WriteOptions};
use super::super::legacy;
use super::super::table_writer::{SideEffects, TableWriter};
use super::super::throttle::Access;
use super::super::types::item::{UpdateItemInput, UpdateItemOutput};
use super::super::value::Item;

pub async fn update_item(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (UpdateItemInput, Option<DynamoError>),
) -> Result<UpdateItemOutput> {
    let WriteOptions {
        table_name,
        return_consumed_capacity: rcc,
        return_values,
        old_on_failure,
        collection_metrics,
        conditional_operator,
    } = item::check_write_members(&WriteMembers {
        table_name: input.table_name.as_deref(),
        target: ("key", input.key.is_some()),
        return_consumed_capacity: input.return_consumed_capacity.as_deref(),
        return_values: input.return_values.as_deref(),
        return_item_collection_metrics: input.return_item_collection_metrics.as_deref(),
        return_values_on_condition_check_failure: input
            .return_values_on_condition_check_failure
            .as_deref(),
        conditional_operator: input.conditional_operator.as_deref(),
    })?;
    let key = input.key.unwrap_or_default();

    let (update, condition) = item::parse_update_members(&UpdateMembers {
        update_expression: input.update_expression.as_deref(),
        condition_expression: input.condition_expression.as_deref(),
        attribute_updates: legacy::has_entries(input.attribute_updates.as_ref()),
        conditional_operator: input.conditional_operator.is_some(),
        expected: legacy::has_entries(input.expected.as_ref()),
        names: input.expression_attribute_names.as_ref(),
        values: input.expression_attribute_values.as_ref(),
    })?;

    let meta = item::live_table(db, region, table_name)?;
    // Attribute-value errors are reported after the request's checks and the table lookup.
    if let Some(e) = deferred {
        return Err(e);
    }
    // DynamoDB Local's order: Expected, the key, AttributeUpdates.
    let condition = match condition {
        Some(condition) => Some(condition),
        None => legacy::expected(input.expected.as_ref(), conditional_operator)?,
    };
    let primary_key = item::validate_key(&meta.key_schema, &key)?;
    let update = match (update, &input.attribute_updates) {
        (Some(update), _) => {
            update.check_keys(&meta.key_schema)?;
            Some(Update::Expression(update))
        }
        (None, Some(updates)) => Some(Update::Legacy(legacy::attribute_updates(
            updates,
            &meta.key_schema,
        )?)),
        (None, None) => None,
    };
    let stored_key = primary_key.stored_key()?;
    let key_item = primary_key.to_item(&meta.key_schema);

    db.throttle
        .admit(&meta, Access::Write, None, "UpdateItem")?;
    let writing = Arc::clone(&meta);
    let (attributes, old_size, new_size, side) = db
        .store
        .write(
            move |txn| -> Result<(Option<Item>, Option<usize>, usize, SideEffects)> {
                let mut table = TableWriter::open(txn, &writing)?;
                let old_bytes = table.get(&stored_key)?;
                let old = old_bytes.as_deref().map(item::decode_stored).transpose()?;
                let old_size = old_bytes.as_deref().map(item::stored_size).transpose()?;
                if let Some(condition) = &condition
                    && !condition.evaluate(old.as_ref().unwrap_or(&Item::new()))
                {
                    return Err(item::condition_failed(old.as_ref(), old_on_failure));
                }
                // The old item is kept only when the answer needs it.
                let keep_old = matches!(
                    return_values,
                    ReturnValues::AllOld | ReturnValues::UpdatedOld
                );
                let (mut new, old) = match old {
                    Some(old) if keep_old => (old.clone(), Some(old)),
                    Some(old) => (old, None),
                    None => (key_item, None),
                };
                let updated = match &update {
                    Some(Update::Expression(update)) => Some(update.apply(&mut new)?),
                    Some(Update::Legacy(update)) => Some(legacy::apply_updates(update, &mut new)?),
                    None => None,
                };
                let new_size = item::check_updated_item_size(&new)?;
                let stored = item::encode_stored(&new, new_size);
                let origin = match &update {
                    // The service words an empty index key set through AttributeUpdates as
                    // for an item given whole.
                    Some(Update::Legacy(_)) => Origin::Item,
                    _ => Origin::UpdateExpression,
                };
                table.check(&new, origin)?;
                table.put(&stored_key, &new, &stored, false)?;
                let attributes = match (return_values, &updated) {
                    (ReturnValues::None, _) => None,
                    (ReturnValues::AllOld, _) => old,
                    (ReturnValues::AllNew, _) => Some(new),
                    (ReturnValues::UpdatedOld, Some(paths)) => old.map(|old| paths.project(&old)),
                    (ReturnValues::UpdatedNew, Some(paths)) => Some(paths.project(&new)),
                    (ReturnValues::UpdatedOld | ReturnValues::UpdatedNew, None) => None,
                };
                Ok((
                    attributes.filter(|a| !a.is_empty()),
                    old_size,
                    new_size,
                    table.side_effects(),
                ))
            },
        )
        .await??;

    let charge = charge_with(
        capacity::write_units(old_size, Some(new_size)),
        &side.index_charge,
    );
    db.throttle.charge(&meta, Access::Write, &charge);
    Ok(UpdateItemOutput {
        attributes,
        consumed_capacity: capacity::charged(&meta.name, &charge, rcc),
        item_collection_metrics: side.collection_metrics(collection_metrics),
    })
}

/// Where the update comes from: `UpdateExpression`, or the legacy `AttributeUpdates`, whose
/// type errors the service words differently.
enum Update {
    Expression(UpdateExpression),
    Legacy(UpdateExpression),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::ScalarType;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::item::testing::{REGION, create_table, request, service};
    use crate::dynamodb::ops::get_item::get_item;

    async fn update(db: &DynamoDb, json: &str) -> Result<String> {
        update_item(db, REGION, request(json))
            .await
            .map(|out| serde_json::to_string(&out).unwrap())
    }

    fn get(db: &DynamoDb, key: &str) -> String {
        let body = format!(r#"{{"TableName":"tbl","Key":{key}}}"#);
        String::from_utf8(get_item(db, REGION, request(&body)).unwrap()).unwrap()
    }

    async fn setup() -> DynamoDb {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, Some(ScalarType::N)).await;
        db
    }

    const KEY: &str = r#"{"pk":{"S":"a"},"sk":{"N":"1"}}"#;

    #[tokio::test]
    async fn creates_a_missing_item() {
        let db = setup().await;
        let out = update(
            &db,
            &format!(
                r#"{{"TableName":"tbl","Key":{KEY},"UpdateExpression":"SET v = :v",
                "ExpressionAttributeValues":{{":v":{{"S":"x"}}}},"ReturnValues":"ALL_NEW",
                "ReturnConsumedCapacity":"TOTAL"}}"#
            ),
        )
        .await
        .unwrap();
        assert_eq!(
            out,
            r#"{"Attributes":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"x"}},"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":1.0}}"#
        );
        assert_eq!(
            get(&db, KEY),
            r#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"x"}}}"#
        );
    }

    #[tokio::test]
    async fn without_an_update_expression_it_only_ensures_the_item_exists() {
        let db = setup().await;
        let out = update(
            &db,
            &format!(r#"{{"TableName":"tbl","Key":{KEY},"ReturnValues":"ALL_NEW"}}"#),
        )
        .await
        .unwrap();
        assert_eq!(out, r#"{"Attributes":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#);
        assert_eq!(get(&db, KEY), r#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#);
    }

    #[tokio::test]
    async fn arithmetic_is_exact_and_updated_values_are_returned() {
        let db = setup().await;
        let add = |v: &str, rv: &str| {
            format!(
                r#"{{"TableName":"tbl","Key":{KEY},"UpdateExpression":"ADD n :v",
                "ExpressionAttributeValues":{{":v":{{"N":"{v}"}}}},"ReturnValues":"{rv}"}}"#
            )
        };
        assert_eq!(
            update(&db, &add("0.1", "UPDATED_OLD")).await.unwrap(),
            "{}",
            "a new item has no old values"
        );
        assert_eq!(
            update(&db, &add("0.2", "UPDATED_NEW")).await.unwrap(),
            r#"{"Attributes":{"n":{"N":"0.3"}}}"#
        );
        assert_eq!(
            update(&db, &add("1.70", "UPDATED_OLD")).await.unwrap(),
            r#"{"Attributes":{"n":{"N":"0.3"}}}"#
        );
        assert_eq!(
            update(&db, &add("0", "ALL_OLD")).await.unwrap(),
            r#"{"Attributes":{"n":{"N":"2"},"pk":{"S":"a"},"sk":{"N":"1"}}}"#
        );
    }

    #[tokio::test]
    async fn key_attributes_cannot_be_updated() {
        let db = setup().await;
        let e = update(
            &db,
            &format!(
                r#"{{"TableName":"tbl","Key":{KEY},"UpdateExpression":"SET pk = :v",
                "ExpressionAttributeValues":{{":v":{{"S":"x"}}}}}}"#
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "One or more parameter values were invalid: Cannot update attribute pk. This \
             attribute is part of the key"
        );
    }

    #[tokio::test]
    async fn a_failed_condition_creates_nothing() {
        let db = setup().await;
        let e = update(
            &db,
            &format!(
                r#"{{"TableName":"tbl","Key":{KEY},"UpdateExpression":"SET v = :v",
                "ConditionExpression":"attribute_exists(pk)",
                "ExpressionAttributeValues":{{":v":{{"S":"x"}}}},
                "ReturnValuesOnConditionCheckFailure":"ALL_OLD"}}"#
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::ConditionalCheckFailedException);
        assert!(e.extra.is_empty(), "no old item to return");
        assert_eq!(get(&db, KEY), "{}");
    }

    #[tokio::test]
    async fn the_updated_item_is_size_checked() {
        let db = setup().await;
        let big = "x".repeat(400 * 1024);
        let e = update(
            &db,
            &format!(
                r#"{{"TableName":"tbl","Key":{KEY},"UpdateExpression":"SET v = :v",
                "ExpressionAttributeValues":{{":v":{{"S":"{big}"}}}}}}"#
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "Item size to update has exceeded the maximum allowed size"
        );
        assert_eq!(get(&db, KEY), "{}");
    }

    #[tokio::test]
    async fn parameter_checks_name_update_and_condition() {
        let db = setup().await;
        let e = update(
            &db,
            &format!(
                r#"{{"TableName":"tbl","Key":{KEY},"ExpressionAttributeValues":{{":v":{{"S":"x"}}}}}}"#
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "ExpressionAttributeValues can only be specified when using expressions: \
             UpdateExpression and ConditionExpression are null"
        );
        // Expected, then the key, then AttributeUpdates.
        let e = update(
            &db,
            r#"{"TableName":"tbl","Key":{"x":{"S":"a"}},"AttributeUpdates":{"n":{"Action":"PUT"}},
                "Expected":{"n":{}}}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "One or more parameter values were invalid: Value must be provided when Exists is \
             null for Attribute: n"
        );
        let e = update(
            &db,
            r#"{"TableName":"tbl","Key":{"x":{"S":"a"}},"AttributeUpdates":{"n":{"Action":"PUT"}}}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "The provided key element does not match the schema"
        );
        let e = update(
            &db,
            &format!(r#"{{"TableName":"tbl","Key":{KEY},"ReturnValues":"ALL"}}"#),
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'ALL' at 'returnValues' failed to satisfy \
             constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, \
             NONE, UPDATED_NEW]"
        );
    }
}
