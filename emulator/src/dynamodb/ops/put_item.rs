//! PutItem: create an item or replace it whole.
//!
//! ```text
//! {"TableName":"Music","Item":{"pk":{"S":"a"},"n":{"N":"1"}},
//!  "ConditionExpression":"attribute_not_exists(pk)","ReturnValues":"ALL_OLD"}
//! → {"Attributes":{..old item..}}  or  {}
//! ```
//!
//! Everything that does not depend on the stored item is checked and encoded before the
//! write is queued. The closure the group-commit writer runs does only what must see the
//! current state: the table's liveness, the old item (when the condition, `ALL_OLD` or the
//! capacity needs it), the condition, then the write.

use std::sync::Arc;

use super::super::DynamoDb;
use super::super::capacity::{self, charge_with};
use super::super::error::{DynamoError, Result};
use super::super::index;
use super::super::item::{self, ConditionMembers, ReturnValues, WriteMembers, WriteOptions};
use super::super::legacy;
use super::super::table_writer::{SideEffects, TableWriter};
use super::super::throttle::Access;
use super::super::types::item::{PutItemInput, PutItemOutput};
use super::super::value::Item;

pub async fn put_item(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (PutItemInput, Option<DynamoError>),
) -> Result<PutItemOutput> {
    let WriteOptions {
        table_name,
        return_consumed_capacity: rcc,
        return_values,
        old_on_failure,
        collection_metrics,
        conditional_operator,
    } = item::check_write_members(&WriteMembers {
        table_name: input.table_name.as_deref(),
        target: ("item", input.item.is_some()),
        return_consumed_capacity: input.return_consumed_capacity.as_deref(),
        return_values: input.return_values.as_deref(),
        return_item_collection_metrics: input.return_item_collection_metrics.as_deref(),
        return_values_on_condition_check_failure: input
            .return_values_on_condition_check_failure
            .as_deref(),
        conditional_operator: input.conditional_operator.as_deref(),
    })?;
    let return_values = return_values.only_none_or_all_old()?;
    let new_item = input.item.unwrap_or_default();

    let condition = item::parse_write_condition(&ConditionMembers {
        condition_expression: input.condition_expression.as_deref(),
        conditional_operator: input.conditional_operator.is_some(),
        expected: legacy::has_entries(input.expected.as_ref()),
        names: input.expression_attribute_names.as_ref(),
        values: input.expression_attribute_values.as_ref(),
    })?;

    let new_size = item::check_item_size(&new_item)?;
    let meta = item::live_table(db, region, table_name)?;
    // Attribute-value errors are reported after the request's checks and the table lookup.
    if let Some(e) = deferred {
        return Err(e);
    }
    let key = item::key_of_item(&meta.key_schema, &new_item)?.stored_key()?;
    let condition = match condition {
        Some(condition) => Some(condition),
        None => legacy::expected(input.expected.as_ref(), conditional_operator)?,
    };
    index::entries::check_item(&meta, &new_item, index::entries::Origin::Item)?;
    let stored = item::encode_stored(&new_item, new_size);

    let keep_old = return_values == ReturnValues::AllOld;
    db.throttle.admit(&meta, Access::Write, None, "PutItem")?;
    let writing = Arc::clone(&meta);
    let (replaced, side) = db
        .store
        .write(
            move |txn| -> Result<(Option<item::Replaced>, SideEffects)> {
                let mut table = TableWriter::open(txn, &writing)?;
                if let Some(condition) = &condition {
                    let old = table.get(&key)?;
                    let old_item = old.as_deref().map(item::decode_stored).transpose()?;
                    if !condition.evaluate(old_item.as_ref().unwrap_or(&Item::new())) {
                        return Err(item::condition_failed(old_item.as_ref(), old_on_failure));
                    }
                }
                let replaced = table.put(&key, &new_item, &stored, keep_old)?;
                Ok((replaced, table.side_effects()))
            },
        )
        .await??;

    let old_size = replaced.as_ref().map(|r| r.size);
    let attributes = match replaced.and_then(|r| r.bytes) {
        Some(bytes) => Some(item::decode_stored(&bytes)?),
        None => None,
    };
    let charge = charge_with(
        capacity::write_units(old_size, Some(new_size)),
        &side.index_charge,
    );
    db.throttle.charge(&meta, Access::Write, &charge);
    Ok(PutItemOutput {
        attributes,
        consumed_capacity: capacity::charged(&meta.name, &charge, rcc),
        item_collection_metrics: side.collection_metrics(collection_metrics),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::ScalarType;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::item::testing::{
        REGION, create_table, drop_stored_meta, request, service,
    };
    use crate::dynamodb::ops::get_item::get_item;

    async fn put(db: &DynamoDb, json: &str) -> Result<PutItemOutput> {
        put_item(db, REGION, request(json)).await
    }

    fn get(db: &DynamoDb, json: &str) -> String {
        String::from_utf8(get_item(db, REGION, request(json)).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn put_then_get_returns_the_normalised_item() {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, Some(ScalarType::N)).await;
        let out = put(
            &db,
            r#"{"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1.50"},"v":{"S":""}}}"#,
        )
        .await
        .unwrap();
        assert_eq!(json_of(&out), "{}");
        assert_eq!(
            get(
                &db,
                r#"{"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"15E-1"}}}"#
            ),
            r#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1.5"},"v":{"S":""}}}"#
        );
    }

    #[tokio::test]
    async fn return_values_all_old_returns_the_replaced_item() {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        let first =
            r#"{"TableName":"tbl","Item":{"pk":{"S":"a"},"n":{"N":"1"}},"ReturnValues":"ALL_OLD"}"#;
        assert_eq!(json_of(&put(&db, first).await.unwrap()), "{}");
        let second = r#"{"TableName":"tbl","Item":{"pk":{"S":"a"}},"ReturnValues":"ALL_OLD"}"#;
        assert_eq!(
            json_of(&put(&db, second).await.unwrap()),
            r#"{"Attributes":{"n":{"N":"1"},"pk":{"S":"a"}}}"#
        );
        for rv in ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"] {
            let e = put(
                &db,
                &format!(
                    r#"{{"TableName":"tbl","Item":{{"pk":{{"S":"a"}}}},"ReturnValues":"{rv}"}}"#
                ),
            )
            .await
            .unwrap_err();
            assert_eq!(e.message, "Return values set to invalid value");
        }
    }

    #[tokio::test]
    async fn conditions_are_checked_against_the_stored_item() {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        let create = r#"{"TableName":"tbl","Item":{"pk":{"S":"a"},"n":{"N":"1"}},
            "ConditionExpression":"attribute_not_exists(pk)"}"#;
        put(&db, create).await.unwrap();
        let e = put(&db, create).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::ConditionalCheckFailedException);
        assert_eq!(e.message, "The conditional request failed");
        assert!(e.extra.is_empty());

        let with_old = r##"{"TableName":"tbl","Item":{"pk":{"S":"a"}},
            "ConditionExpression":"attribute_not_exists(#k)","ExpressionAttributeNames":{"#k":"pk"},
            "ReturnValuesOnConditionCheckFailure":"ALL_OLD"}"##;
        let e = put(&db, with_old).await.unwrap_err();
        assert_eq!(
            serde_json::to_string(&e.extra).unwrap(),
            r#"{"Item":{"n":{"N":"1"},"pk":{"S":"a"}}}"#
        );
        // The failed put left the item as it was.
        assert_eq!(
            get(&db, r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}}}"#),
            r#"{"Item":{"n":{"N":"1"},"pk":{"S":"a"}}}"#
        );
    }

    #[tokio::test]
    async fn capacity_counts_the_larger_of_old_and_new() {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        let big = "x".repeat(2000);
        let body = format!(
            r#"{{"TableName":"tbl","Item":{{"pk":{{"S":"a"}},"b":{{"S":"{big}"}}}},"ReturnConsumedCapacity":"TOTAL"}}"#
        );
        assert_eq!(
            json_of(&put(&db, &body).await.unwrap()),
            r#"{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":2.0}}"#
        );
        let small =
            r#"{"TableName":"tbl","Item":{"pk":{"S":"a"}},"ReturnConsumedCapacity":"INDEXES"}"#;
        assert_eq!(
            json_of(&put(&db, small).await.unwrap()),
            r#"{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":2.0,"Table":{"CapacityUnits":2.0}}}"#
        );
        assert_eq!(
            json_of(&put(&db, small).await.unwrap()),
            r#"{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":1.0,"Table":{"CapacityUnits":1.0}}}"#
        );
    }

    #[tokio::test]
    async fn validation_comes_in_the_service_order() {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        let e = put(&db, r#"{}"#).await.unwrap_err();
        assert_eq!(
            e.message,
            "2 validation errors detected: Value null at 'tableName' failed to satisfy \
             constraint: Member must not be null; Value null at 'item' failed to satisfy \
             constraint: Member must not be null"
        );
        // The item's size is checked before the table is looked up.
        let huge = "x".repeat(400 * 1024);
        let e = put(
            &db,
            &format!(r#"{{"TableName":"nope","Item":{{"pk":{{"S":"a"}},"b":{{"S":"{huge}"}}}}}}"#),
        )
        .await
        .unwrap_err();
        assert_eq!(e.message, "Item size has exceeded the maximum allowed size");
        let e = put(&db, r#"{"TableName":"nope","Item":{"pk":{"S":"a"}}}"#)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(e.message, "Requested resource not found");
        let e = put(&db, r#"{"TableName":"tbl","Item":{"pk":{"N":"1"}}}"#)
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "One or more parameter values were invalid: Type mismatch for key pk expected: S \
             actual: N"
        );
        let e = put(&db, r#"{"TableName":"tbl","Item":{"pk":{"S":"a"}},"Expected":{"pk":{"Exists":false}},"ConditionExpression":"attribute_not_exists(pk)"}"#)
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "Can not use both expression and non-expression parameters in the same request: \
             Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"
        );
        // Expected is checked after the item's key.
        let e = put(
            &db,
            r#"{"TableName":"tbl","Item":{"x":{"S":"a"}},"Expected":{"pk":{"Exists":true}}}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "One or more parameter values were invalid: Missing the key pk in the item"
        );
        let e = put(
            &db,
            r#"{"TableName":"tbl","Item":{"pk":{"S":"a"}},"Expected":{"pk":{"Exists":true}}}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            "One or more parameter values were invalid: Value must be provided when Exists is \
             true for Attribute: pk"
        );
        let e = put(&db, r#"{"TableName":"tbl","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_exists(pk)","ExpressionAttributeValues":{":v":{"S":"x"}}}"#)
            .await
            .unwrap_err();
        assert!(e.message.contains("unused"), "{}", e.message);
    }

    #[tokio::test]
    async fn a_write_racing_delete_table_leaves_no_item() {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        drop_stored_meta(&db, "tbl").await;
        let e = put(&db, r#"{"TableName":"tbl","Item":{"pk":{"S":"a"}}}"#)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(
            get(&db, r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}}}"#),
            "{}"
        );
    }

    fn json_of(out: &PutItemOutput) -> String {
        serde_json::to_string(out).unwrap()
    }
}
