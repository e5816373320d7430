//! GetItem: read one item by its primary key.
//!
//! ```text
//! {"TableName":"Music","Key":{"pk":{"S":"a"}},"ProjectionExpression":"#n","ExpressionAttributeNames":{"#n":"n"}}
//! → {"Item":{"n":{"N":"1"}}}   or   {} when there is no such item
//! ```
//!
//! The hottest path of the emulator: one catalog lookup, one key encoding, one redb read
//! transaction and point lookup, then the stored JSON is spliced into the answer without
//! being decoded. Only a projection (`ProjectionExpression` or the legacy `AttributesToGet`)
//! decodes the item. It runs inline on the async worker:
//! the read costs about a microsecond, less than a hop to a blocking pool.

use super::super::DynamoDb;
use super::super::capacity::{self, Charge};
use super::super::error::{DynamoError, Result};
use super::super::expr::{self, ExpressionAttributes, Projection};
use super::super::item::{self, ParameterUse, StoredItem, Violations};
use super::super::legacy;
use super::super::throttle::Access;
use super::super::types::item::{GetItemInput, encode_get_item_output};

/// Answers with the response body, written by hand so the stored item is copied once.
pub fn get_item(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (GetItemInput, Option<DynamoError>),
) -> Result<Vec<u8>> {
    let mut v = Violations::new();
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    let table_name = item::table_name(input.table_name.as_deref(), "tableName", &mut v);
    if input.key.is_none() {
        v.null("key");
    }
    v.into_result()?;
    let key = input.key.unwrap_or_default();

    item::check_parameter_use(&ParameterUse {
        expressions: &[(
            "ProjectionExpression",
            input.projection_expression.is_some(),
        )],
        legacy: &[(
            "AttributesToGet",
            input
                .attributes_to_get
                .as_ref()
                .is_some_and(|a| !a.is_empty()),
        )],
        has_names: input.expression_attribute_names.is_some(),
        has_values: false,
    })?;
    let projection = match input.projection_expression.as_deref() {
        Some(src) => {
            let mut attrs =
                ExpressionAttributes::new(input.expression_attribute_names.as_ref(), None);
            let projection = expr::parse_projection(src, &mut attrs)?;
            attrs.finish()?;
            Some(projection)
        }
        // Checked before the table, as DynamoDB Local does.
        None => {
            legacy::attributes_to_get(input.attributes_to_get.as_deref(), legacy::same_name_twice)?
        }
    };

    let meta = item::live_table(db, region, table_name)?;
    // Attribute-value errors are reported after the request's checks and the table lookup.
    if let Some(e) = deferred {
        return Err(e);
    }
    let stored_key = item::validate_key(&meta.key_schema, &key)?.stored_key()?;
    let consistent = input.consistent_read.unwrap_or(false);

    db.throttle.admit(&meta, Access::Read, None, "GetItem")?;
    let txn = db.store.read()?;
    let guard = item::get_stored(&txn, &meta, &stored_key)?;
    let stored = guard
        .as_ref()
        .map(|g| StoredItem::parse(g.value()))
        .transpose()?;
    let units = capacity::read_units(stored.as_ref().map_or(0, |s| s.size), consistent);
    db.throttle
        .charge(&meta, Access::Read, &Charge::table(units));
    let cc = capacity::single(&meta.name, units, rcc);
    match (&stored, &projection) {
        (None, _) => Ok(encode_get_item_output(None, cc.as_ref())),
        (Some(stored), None) => Ok(encode_get_item_output(Some(stored.json), cc.as_ref())),
        (Some(stored), Some(projection)) => {
            let json = project(projection, stored)?;
            Ok(encode_get_item_output(Some(&json), cc.as_ref()))
        }
    }
}

fn project(projection: &Projection, stored: &StoredItem<'_>) -> Result<Vec<u8>> {
    let projected = projection.apply(&stored.decode()?);
    Ok(serde_json::to_vec(&projected).expect("an Item always serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::ScalarType;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::item::testing::{REGION, create_table, request, service};
    use crate::dynamodb::ops::put_item::put_item;

    fn get(db: &DynamoDb, json: &str) -> Result<String> {
        get_item(db, REGION, request(json)).map(|b| String::from_utf8(b).unwrap())
    }

    async fn setup() -> DynamoDb {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        put_item(
            &db,
            REGION,
            request(
                r#"{"TableName":"tbl","Item":{"pk":{"S":"a"},"n":{"N":"1"},"s":{"SS":["x"]}}}"#,
            ),
        )
        .await
        .unwrap();
        db
    }

    #[tokio::test]
    async fn splices_the_stored_item() {
        let db = setup().await;
        assert_eq!(
            get(&db, r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}}}"#).unwrap(),
            r#"{"Item":{"n":{"N":"1"},"pk":{"S":"a"},"s":{"SS":["x"]}}}"#
        );
    }

    #[tokio::test]
    async fn a_missing_item_answers_an_empty_object() {
        let db = setup().await;
        assert_eq!(
            get(&db, r#"{"TableName":"tbl","Key":{"pk":{"S":"b"}}}"#).unwrap(),
            "{}"
        );
        assert_eq!(
            get(
                &db,
                r#"{"TableName":"tbl","Key":{"pk":{"S":"b"}},"ReturnConsumedCapacity":"TOTAL"}"#
            )
            .unwrap(),
            r#"{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":0.5}}"#
        );
    }

    #[tokio::test]
    async fn capacity_halves_for_eventually_consistent_reads() {
        let db = setup().await;
        assert_eq!(
            get(
                &db,
                r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ConsistentRead":true,"ReturnConsumedCapacity":"INDEXES"}"#
            )
            .unwrap(),
            r#"{"Item":{"n":{"N":"1"},"pk":{"S":"a"},"s":{"SS":["x"]}},"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":1.0,"Table":{"CapacityUnits":1.0}}}"#
        );
    }

    #[tokio::test]
    async fn projections_select_attributes() {
        let db = setup().await;
        assert_eq!(
            get(
                &db,
                r##"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ProjectionExpression":"#n, pk","ExpressionAttributeNames":{"#n":"n"}}"##
            )
            .unwrap(),
            r#"{"Item":{"n":{"N":"1"},"pk":{"S":"a"}}}"#
        );
        assert_eq!(
            get(
                &db,
                r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ProjectionExpression":"zz"}"#
            )
            .unwrap(),
            r#"{"Item":{}}"#
        );
    }

    #[tokio::test]
    async fn keys_and_tables_are_checked() {
        let db = setup().await;
        let e = get(
            &db,
            r#"{"TableName":"tbl","Key":{"pk":{"S":"a"},"x":{"S":"b"}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "The provided key element does not match the schema"
        );
        let e = get(&db, r#"{"TableName":"nope","Key":{"pk":{"S":"a"}}}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        let e = get(&db, r#"{"TableName":"tbl"}"#).unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'key' failed to satisfy constraint: \
             Member must not be null"
        );
        let e = get(
            &db,
            r##"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ExpressionAttributeNames":{"#n":"n"}}"##,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "ExpressionAttributeNames can only be specified when using expressions"
        );
        let e = get(&db, r#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"AttributesToGet":["n"],"ProjectionExpression":"n"}"#)
            .unwrap_err();
        assert_eq!(
            e.message,
            "Can not use both expression and non-expression parameters in the same request: \
             Non-expression parameters: {AttributesToGet} Expression parameters: \
             {ProjectionExpression}"
        );
    }
}
