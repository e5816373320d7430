//! DeleteItem: remove one item by its primary key.
//!
//! ```text
//! {"TableName":"Music","Key":{"pk":{"S":"a"}},"ConditionExpression":"n > :z",
//!  "ExpressionAttributeValues":{":z":{"N":"0"}},"ReturnValues":"ALL_OLD"}
//! → {"Attributes":{..old item..}}  or  {}
//! ```
//!
//! Deleting a missing item succeeds (and still costs one write unit). The condition is
//! evaluated inside the write closure against the item as stored at that point.

use std::sync::Arc;

use super::super::DynamoDb;
use super::super::capacity::{self, charge_with};
use super::super::error::{DynamoError, Result};
use super::super::item::{self, ConditionMembers, ReturnValues, WriteMembers, WriteOptions};
use super::super::legacy;
use super::super::table_writer::{SideEffects, TableWriter};
use super::super::throttle::Access;
use super::super::types::item::{DeleteItemInput, DeleteItemOutput};
use super::super::value::Item;

pub async fn delete_item(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (DeleteItemInput, Option<DynamoError>),
) -> Result<DeleteItemOutput> {
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
    let return_values = return_values.only_none_or_all_old()?;
    let key = input.key.unwrap_or_default();

    let condition = item::parse_write_condition(&ConditionMembers {
        condition_expression: input.condition_expression.as_deref(),
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
    // DynamoDB Local checks Expected before the key.
    let condition = match condition {
        Some(condition) => Some(condition),
        None => legacy::expected(input.expected.as_ref(), conditional_operator)?,
    };
    let stored_key = item::validate_key(&meta.key_schema, &key)?.stored_key()?;

    let keep_old = return_values == ReturnValues::AllOld;
    db.throttle
        .admit(&meta, Access::Write, None, "DeleteItem")?;
    let writing = Arc::clone(&meta);
    let (removed, side) = db
        .store
        .write(
            move |txn| -> Result<(Option<item::Replaced>, SideEffects)> {
                let mut table = TableWriter::open(txn, &writing)?;
                if let Some(condition) = &condition {
                    let old = table.get(&stored_key)?;
                    let old_item = old.as_deref().map(item::decode_stored).transpose()?;
                    if !condition.evaluate(old_item.as_ref().unwrap_or(&Item::new())) {
                        return Err(item::condition_failed(old_item.as_ref(), old_on_failure));
                    }
                }
                let removed = table.delete(&stored_key, keep_old)?;
                Ok((removed, table.side_effects()))
            },
        )
        .await??;

    let old_size = removed.as_ref().map(|r| r.size);
    let attributes = match removed.and_then(|r| r.bytes) {
        Some(bytes) => Some(item::decode_stored(&bytes)?),
        None => None,
    };
    let charge = charge_with(capacity::write_units(old_size, None), &side.index_charge);
    db.throttle.charge(&meta, Access::Write, &charge);
    Ok(DeleteItemOutput {
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
    use crate::dynamodb::item::testing::{REGION, create_table, request, service};
    use crate::dynamodb::ops::get_item::get_item;
    use crate::dynamodb::ops::put_item::put_item;

    async fn delete(db: &DynamoDb, json: &str) -> Result<String> {
        delete_item(db, REGION, request(json))
            .await
            .map(|out| serde_json::to_string(&out).unwrap())
    }

    async fn setup() -> DynamoDb {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        put_item(
            &db,
            REGION,
            request(r#"{"TableName":"tbl","Item":{"pk":{"S":"a"},"n":{"N":"1"}}}"#),
        )
        .await
        .unwrap();
        db
    }

    fn exists(db: &DynamoDb) -> bool {
        get_item(
            db,
            REGION,
            request(r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}}}"#),
        )
        .unwrap()
            != b"{}"
    }

    #[tokio::test]
    async fn deletes_and_returns_the_old_item() {
        let db = setup().await;
        assert_eq!(
            delete(
                &db,
                r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}"#
            )
            .await
            .unwrap(),
            r#"{"Attributes":{"n":{"N":"1"},"pk":{"S":"a"}},"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":1.0}}"#
        );
        assert!(!exists(&db));
        assert_eq!(
            delete(
                &db,
                r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}"#
            )
            .await
            .unwrap(),
            r#"{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":1.0}}"#,
            "a missing item still costs one unit"
        );
    }

    #[tokio::test]
    async fn a_failed_condition_keeps_the_item() {
        let db = setup().await;
        let e = delete(
            &db,
            r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ConditionExpression":"n = :v",
            "ExpressionAttributeValues":{":v":{"N":"2"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::ConditionalCheckFailedException);
        assert_eq!(
            serde_json::to_string(&e.extra).unwrap(),
            r#"{"Item":{"n":{"N":"1"},"pk":{"S":"a"}}}"#
        );
        assert!(exists(&db));
        delete(
            &db,
            r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ConditionExpression":"n = :v",
            "ExpressionAttributeValues":{":v":{"N":"1.0"}}}"#,
        )
        .await
        .unwrap();
        assert!(!exists(&db));
    }

    #[tokio::test]
    async fn requests_are_validated() {
        let db = setup().await;
        let e = delete(
            &db,
            r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ReturnValues":"ALL_NEW"}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(e.message, "Return values set to invalid value");
        let e = delete(&db, r#"{"TableName":"tbl","Key":{"pk":{"N":"1"}}}"#)
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "The provided key element does not match the schema"
        );
        let e = delete(&db, r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ExpressionAttributeValues":{":v":{"N":"1"}}}"#)
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "ExpressionAttributeValues can only be specified when using expressions: \
             ConditionExpression is null"
        );
        assert!(exists(&db));
    }
}
