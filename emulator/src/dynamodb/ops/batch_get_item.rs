//! BatchGetItem: read up to 100 items from one or more tables.
//!
//! ```text
//! {"RequestItems":{"Music":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}],"ProjectionExpression":"pk"}}}
//! → {"Responses":{"Music":[{"pk":{"S":"a"}}]},"UnprocessedKeys":{}}
//! ```
//!
//! Every table asked for appears in `Responses`, with an empty list when nothing was found.
//! All reads share one snapshot. As the service does, keys are returned in `UnprocessedKeys`
//! (with their table's projection and consistency settings) for the client to ask again
//! from the one whose item crosses the 16 MB limit of an answer onwards, and, under
//! `--throttle`, those a table's read capacity cannot serve now; only a batch of which no
//! key can be read is refused whole.
//!
//! Checked against DynamoDB Local: "Too many items requested for the BatchGetItem call" for
//! more than 100 keys (in one table or across several), "Provided list of item keys
//! contains duplicates", and capacity: each item found rounded up on its own, a missing key
//! free. The service's texts for an empty `RequestItems` and an empty `Keys` list are its
//! constraint messages (as dynalite recorded them); DynamoDB Local words both differently.

use std::collections::HashSet;
use std::sync::Arc;

use super::super::DynamoDb;
use super::super::capacity::{self, Charge, Tally};
use super::super::catalog::TableMeta;
use super::super::error::{DynamoError, Result};
use super::super::expr::{self, ExpressionAttributes, Projection};
use super::super::item::{self, ParameterUse, StoredItem, Violations};
use super::super::legacy;
use super::super::throttle::Access;
use super::super::types::item::{BatchGetItemInput, BatchGetItemOutput, KeysAndAttributes};

/// Most keys one request may name, across all its tables.
pub const MAX_KEYS: usize = 100;
/// The service stops adding items to the answer at this many bytes of item data.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// One table's part of the request, checked.
struct TableRequest {
    /// The name as the request gave it (the key of `Responses` and `UnprocessedKeys`).
    name: String,
    meta: Arc<TableMeta>,
    request: KeysAndAttributes,
    stored_keys: Vec<Vec<u8>>,
    projection: Option<Projection>,
    consistent: bool,
    /// How many of the keys, from the first, capacity lets this request read.
    admitted: usize,
}

/// Answers with the response body, written by hand so stored items are spliced in.
pub fn batch_get_item(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (BatchGetItemInput, Option<DynamoError>),
) -> Result<Vec<u8>> {
    let mut v = Violations::new();
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    match &input.request_items {
        None => v.null("requestItems"),
        Some(items) if items.is_empty() => v.push(
            "{}",
            "requestItems",
            "Member must have length greater than or equal to 1",
        ),
        Some(items) => {
            for (name, request) in items {
                item::check_request_items_table_name(name, &mut v);
                match &request.keys {
                    None => v.null(&format!("requestItems.{name}.member.keys")),
                    Some(keys) if keys.is_empty() => v.push(
                        "[]",
                        &format!("requestItems.{name}.member.keys"),
                        "Member must have length greater than or equal to 1",
                    ),
                    Some(_) => {}
                }
            }
        }
    }
    v.into_result()?;
    let request_items = input.request_items.unwrap_or_default();
    let total: usize = request_items
        .values()
        .map(|r| r.keys.as_ref().map_or(0, Vec::len))
        .sum();
    if total > MAX_KEYS {
        return Err(DynamoError::validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }

    // Expressions first, then tables, then keys: the service's order.
    let mut projections = Vec::with_capacity(request_items.len());
    for request in request_items.values() {
        projections.push(parse_projection(request)?);
    }
    let mut tables = Vec::with_capacity(request_items.len());
    for ((name, request), projection) in request_items.into_iter().zip(projections) {
        let meta = item::live_table(db, region, item::resolve_table_name(&name))?;
        tables.push((name, meta, request, projection));
    }
    // Attribute-value errors are reported after the request's checks and the table lookup.
    if let Some(e) = deferred {
        return Err(e);
    }
    let mut checked = Vec::with_capacity(tables.len());
    let mut refusal = None;
    for (name, meta, request, projection) in tables {
        let keys = request.keys.as_deref().unwrap_or_default();
        let mut stored_keys = Vec::with_capacity(keys.len());
        let mut seen = HashSet::with_capacity(keys.len());
        for key in keys {
            let stored = item::validate_key(&meta.key_schema, key)?.stored_key()?;
            if !seen.insert(stored.clone()) {
                return Err(DynamoError::validation(
                    "Provided list of item keys contains duplicates",
                ));
            }
            stored_keys.push(stored);
        }
        let consistent = request.consistent_read.unwrap_or(false);
        let estimates = keys.iter().map(|_| capacity::read_units(0, consistent));
        let admitted = db
            .throttle
            .admit_batch(&meta, Access::Read, estimates, "BatchGetItem")
            .unwrap_or_else(|e| {
                refusal.get_or_insert(e);
                0
            });
        checked.push(TableRequest {
            name,
            meta,
            request,
            stored_keys,
            projection,
            consistent,
            admitted,
        });
    }
    // Only a batch of which nothing may be read is refused whole.
    if let Some(e) = refusal
        && checked.iter().all(|t| t.admitted == 0)
    {
        return Err(e);
    }

    let txn = db.store.read()?;
    let mut out = BatchGetItemOutput::default();
    let mut tally = Tally::new();
    let mut bytes = 0usize;
    for table in checked {
        let mut items = Vec::new();
        let mut unprocessed = Vec::new();
        let mut units = 0.0;
        let keys = table.request.keys.as_deref().unwrap_or_default();
        for (i, (key, stored_key)) in keys.iter().zip(&table.stored_keys).enumerate() {
            if i >= table.admitted || bytes > MAX_RESPONSE_BYTES {
                unprocessed.push(key.clone());
                continue;
            }
            let Some(guard) = item::get_stored(&txn, &table.meta, stored_key)? else {
                continue;
            };
            let stored = StoredItem::parse(guard.value())?;
            bytes += stored.size;
            if bytes > MAX_RESPONSE_BYTES {
                unprocessed.push(key.clone());
                continue;
            }
            units += capacity::batch_read_units(Some(stored.size), table.consistent);
            items.push(match &table.projection {
                None => stored.json.to_vec(),
                Some(projection) => {
                    let projected = projection.apply(&stored.decode()?);
                    serde_json::to_vec(&projected).expect("an Item always serializes")
                }
            });
        }
        tally.charge(&table.meta.name, units);
        db.throttle
            .charge(&table.meta, Access::Read, &Charge::table(units));
        if !unprocessed.is_empty() {
            out.unprocessed_keys.insert(
                table.name.clone(),
                KeysAndAttributes {
                    keys: Some(unprocessed),
                    ..table.request
                },
            );
        }
        out.responses.push((table.name, items));
    }
    out.consumed_capacity = tally.into_list(rcc);
    Ok(out.to_body())
}

/// The table's `ProjectionExpression` or, the legacy way, its `AttributesToGet`.
fn parse_projection(request: &KeysAndAttributes) -> Result<Option<Projection>> {
    item::check_parameter_use(&ParameterUse {
        expressions: &[(
            "ProjectionExpression",
            request.projection_expression.is_some(),
        )],
        legacy: &[(
            "AttributesToGet",
            request
                .attributes_to_get
                .as_ref()
                .is_some_and(|a| !a.is_empty()),
        )],
        has_names: request.expression_attribute_names.is_some(),
        has_values: false,
    })?;
    let Some(src) = request.projection_expression.as_deref() else {
        return legacy::attributes_to_get(request.attributes_to_get.as_deref(), |name| {
            DynamoError::validation(format!(
                "One or more parameter values were invalid: Duplicate value in attribute name: \
                 {name}"
            ))
        });
    };
    let mut attrs = ExpressionAttributes::new(request.expression_attribute_names.as_ref(), None);
    let projection = expr::parse_projection(src, &mut attrs)?;
    attrs.finish()?;
    Ok(Some(projection))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::ScalarType;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::item::testing::{REGION, create_table, request, service};
    use crate::dynamodb::ops::put_item::put_item;

    fn batch(db: &DynamoDb, json: &str) -> Result<String> {
        batch_get_item(db, REGION, request(json)).map(|b| String::from_utf8(b).unwrap())
    }

    async fn setup() -> DynamoDb {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        create_table(&db, "utb", ScalarType::N, None).await;
        for body in [
            r#"{"TableName":"tbl","Item":{"pk":{"S":"a"},"v":{"N":"1"}}}"#,
            r#"{"TableName":"tbl","Item":{"pk":{"S":"b"},"v":{"N":"2"}}}"#,
        ] {
            put_item(&db, REGION, request(body)).await.unwrap();
        }
        db
    }

    #[tokio::test]
    async fn answers_per_table_with_capacity() {
        let db = setup().await;
        let out = batch(
            &db,
            r#"{"RequestItems":{
                "tbl":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"zz"}},{"pk":{"S":"b"}}],"ProjectionExpression":"v"},
                "utb":{"Keys":[{"pk":{"N":"1"}}],"ConsistentRead":true}},
              "ReturnConsumedCapacity":"TOTAL"}"#,
        )
        .unwrap();
        assert_eq!(
            out,
            r#"{"Responses":{"tbl":[{"v":{"N":"1"}},{"v":{"N":"2"}}],"utb":[]},"UnprocessedKeys":{},"ConsumedCapacity":[{"TableName":"tbl","CapacityUnits":1.0},{"TableName":"utb","CapacityUnits":0.0}]}"#
        );
    }

    #[tokio::test]
    async fn requests_are_validated() {
        let db = setup().await;
        let e = batch(&db, r#"{"RequestItems":{}}"#).unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy \
             constraint: Member must have length greater than or equal to 1"
        );
        let e = batch(&db, r#"{"RequestItems":{"tbl":{"Keys":[]}}}"#).unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '[]' at 'requestItems.tbl.member.keys' failed to \
             satisfy constraint: Member must have length greater than or equal to 1"
        );
        let e = batch(
            &db,
            r#"{"RequestItems":{"tbl":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}},{"pk":{"S":"a"}}]}}}"#,
        )
        .unwrap_err();
        assert_eq!(e.message, "Provided list of item keys contains duplicates");
        let e = batch(
            &db,
            r#"{"RequestItems":{"nope":{"Keys":[{"pk":{"S":"a"}}]}}}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        let e = batch(
            &db,
            r#"{"RequestItems":{"tbl":{"Keys":[{"pk":{"N":"1"}}]}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "The provided key element does not match the schema"
        );
        let keys: Vec<String> = (0..60)
            .map(|i| format!(r#"{{"pk":{{"N":"{i}"}}}}"#))
            .collect();
        let keys = keys.join(",");
        let e = batch(
            &db,
            &format!(
                r#"{{"RequestItems":{{"tbl":{{"Keys":[{keys}]}},"utb":{{"Keys":[{keys}]}}}}}}"#
            ),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Too many items requested for the BatchGetItem call"
        );
    }

    #[tokio::test]
    async fn an_answer_past_16_mb_leaves_keys_unprocessed() {
        let db = setup().await;
        let big = "x".repeat(400 * 1024 - 100);
        for i in 0..42 {
            let body = format!(
                r#"{{"TableName":"utb","Item":{{"pk":{{"N":"{i}"}},"b":{{"S":"{big}"}}}}}}"#
            );
            put_item(&db, REGION, request(&body)).await.unwrap();
        }
        let keys: Vec<String> = (0..42)
            .map(|i| format!(r#"{{"pk":{{"N":"{i}"}}}}"#))
            .collect();
        let body = format!(
            r#"{{"RequestItems":{{"utb":{{"Keys":[{}],"ConsistentRead":true}}}}}}"#,
            keys.join(",")
        );
        let out: serde_json::Value = serde_json::from_str(&batch(&db, &body).unwrap()).unwrap();
        let returned = out["Responses"]["utb"].as_array().unwrap().len();
        let unprocessed = &out["UnprocessedKeys"]["utb"];
        assert_eq!(returned, 40, "40 items of just under 400 KB fit in 16 MB");
        assert_eq!(unprocessed["Keys"].as_array().unwrap().len(), 2);
        assert_eq!(unprocessed["ConsistentRead"], true);
        assert_eq!(
            unprocessed["Keys"][0],
            serde_json::json!({"pk": {"N": "40"}})
        );
    }
}
