//! Wire shapes of the item operations: PutItem, GetItem, UpdateItem, DeleteItem,
//! BatchGetItem, BatchWriteItem, and the `ConsumedCapacity` member they share with Query
//! and Scan.
//!
//! Required members are `Option`s here so that a missing one is answered with the service's
//! constraint message (`Value null at 'tableName' failed to satisfy constraint: Member must
//! not be null`) by the operation, not with a generic decoding error. Legacy members
//! (`Expected`, `AttributeUpdates`, `AttributesToGet`, `ConditionalOperator`) have their
//! shapes in [`super::legacy`]; the `legacy` module translates them into expressions.
//!
//! GetItem and BatchGetItem answers are written by hand ([`encode_get_item_output`],
//! [`BatchGetItemOutput::to_body`]) so that stored items, already canonical JSON, are
//! spliced in without being decoded and encoded again.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::legacy::{AttributeUpdates, ExpectedAttributes};
use crate::dynamodb::attribute_json;
use crate::dynamodb::value::{AttributeValue, Item};

/// `ExpressionAttributeNames`: `#placeholder` → attribute name.
pub type ExpressionAttributeNames = HashMap<String, String>;
/// `ExpressionAttributeValues`: `:placeholder` → value.
pub type ExpressionAttributeValues = HashMap<String, AttributeValue>;

/// The `ConsumedCapacity` member, as returned with `ReturnConsumedCapacity` TOTAL (only
/// `TableName` and `CapacityUnits`) or INDEXES (plus `Table`). Built by `capacity`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConsumedCapacity {
    pub table_name: String,
    pub capacity_units: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<Capacity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_secondary_indexes: Option<BTreeMap<String, Capacity>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global_secondary_indexes: Option<BTreeMap<String, Capacity>>,
}

/// One table's or index's share of a `ConsumedCapacity`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Capacity {
    pub capacity_units: f64,
}

/// `ItemCollectionMetrics`, returned for tables with local secondary indexes (and kept
/// with a transaction's idempotency token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemCollectionMetrics {
    pub item_collection_key: Item,
    #[serde(rename = "SizeEstimateRangeGB")]
    pub size_estimate_range_gb: [f64; 2],
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutItemInput {
    pub table_name: Option<String>,
    #[serde(default, deserialize_with = "attribute_json::deserialize_item_map")]
    pub item: Option<Item>,
    pub condition_expression: Option<String>,
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_expression_attribute_values"
    )]
    pub expression_attribute_values: Option<ExpressionAttributeValues>,
    pub return_values: Option<String>,
    pub return_consumed_capacity: Option<String>,
    pub return_item_collection_metrics: Option<String>,
    pub return_values_on_condition_check_failure: Option<String>,
    pub expected: Option<ExpectedAttributes>,
    pub conditional_operator: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutItemOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<ConsumedCapacity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_collection_metrics: Option<ItemCollectionMetrics>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetItemInput {
    pub table_name: Option<String>,
    #[serde(default, deserialize_with = "attribute_json::deserialize_item_map")]
    pub key: Option<Item>,
    pub projection_expression: Option<String>,
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    pub consistent_read: Option<bool>,
    pub return_consumed_capacity: Option<String>,
    pub attributes_to_get: Option<Vec<String>>,
}

/// GetItem's answer: `{"Item": <item>, "ConsumedCapacity": ..}`, each member only when
/// present. `item_json` is the item's canonical JSON (the stored bytes, or a projection of
/// them encoded by the caller).
pub fn encode_get_item_output(
    item_json: Option<&[u8]>,
    consumed_capacity: Option<&ConsumedCapacity>,
) -> Vec<u8> {
    let mut body = Vec::with_capacity(item_json.map_or(0, <[u8]>::len) + 96);
    body.push(b'{');
    if let Some(json) = item_json {
        body.extend_from_slice(b"\"Item\":");
        body.extend_from_slice(json);
    }
    if let Some(cc) = consumed_capacity {
        if item_json.is_some() {
            body.push(b',');
        }
        body.extend_from_slice(b"\"ConsumedCapacity\":");
        serde_json::to_writer(&mut body, cc).expect("ConsumedCapacity always serializes");
    }
    body.push(b'}');
    body
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateItemInput {
    pub table_name: Option<String>,
    #[serde(default, deserialize_with = "attribute_json::deserialize_item_map")]
    pub key: Option<Item>,
    pub update_expression: Option<String>,
    pub condition_expression: Option<String>,
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_expression_attribute_values"
    )]
    pub expression_attribute_values: Option<ExpressionAttributeValues>,
    pub return_values: Option<String>,
    pub return_consumed_capacity: Option<String>,
    pub return_item_collection_metrics: Option<String>,
    pub return_values_on_condition_check_failure: Option<String>,
    pub expected: Option<ExpectedAttributes>,
    pub attribute_updates: Option<AttributeUpdates>,
    pub conditional_operator: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateItemOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<ConsumedCapacity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_collection_metrics: Option<ItemCollectionMetrics>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteItemInput {
    pub table_name: Option<String>,
    #[serde(default, deserialize_with = "attribute_json::deserialize_item_map")]
    pub key: Option<Item>,
    pub condition_expression: Option<String>,
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_expression_attribute_values"
    )]
    pub expression_attribute_values: Option<ExpressionAttributeValues>,
    pub return_values: Option<String>,
    pub return_consumed_capacity: Option<String>,
    pub return_item_collection_metrics: Option<String>,
    pub return_values_on_condition_check_failure: Option<String>,
    pub expected: Option<ExpectedAttributes>,
    pub conditional_operator: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteItemOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<ConsumedCapacity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_collection_metrics: Option<ItemCollectionMetrics>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchGetItemInput {
    pub request_items: Option<BTreeMap<String, KeysAndAttributes>>,
    pub return_consumed_capacity: Option<String>,
}

/// One table's part of a BatchGetItem request, and of its `UnprocessedKeys`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeysAndAttributes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<Item>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consistent_read: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes_to_get: Option<Vec<String>>,
}

/// BatchGetItem's answer. `responses` holds, per table in request order, the items found as
/// canonical JSON; every table asked for appears, with an empty list if nothing was found.
#[derive(Debug, Default)]
pub struct BatchGetItemOutput {
    pub responses: Vec<(String, Vec<Vec<u8>>)>,
    pub unprocessed_keys: BTreeMap<String, KeysAndAttributes>,
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
}

impl BatchGetItemOutput {
    /// `{"Responses":{..},"UnprocessedKeys":{..}[,"ConsumedCapacity":[..]]}`.
    pub fn to_body(&self) -> Vec<u8> {
        let items: usize = self
            .responses
            .iter()
            .flat_map(|(_, items)| items.iter().map(|i| i.len() + 1))
            .sum();
        let mut body = Vec::with_capacity(items + 128);
        body.extend_from_slice(b"{\"Responses\":{");
        for (i, (table, items)) in self.responses.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            serde_json::to_writer(&mut body, table).expect("a string always serializes");
            body.extend_from_slice(b":[");
            for (j, item) in items.iter().enumerate() {
                if j > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(item);
            }
            body.push(b']');
        }
        body.extend_from_slice(b"},\"UnprocessedKeys\":");
        serde_json::to_writer(&mut body, &self.unprocessed_keys)
            .expect("unprocessed keys always serialize");
        if let Some(cc) = &self.consumed_capacity {
            body.extend_from_slice(b",\"ConsumedCapacity\":");
            serde_json::to_writer(&mut body, cc).expect("ConsumedCapacity always serializes");
        }
        body.push(b'}');
        body
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchWriteItemInput {
    pub request_items: Option<BTreeMap<String, Vec<WriteRequest>>>,
    pub return_consumed_capacity: Option<String>,
    pub return_item_collection_metrics: Option<String>,
}

/// Exactly one of the two members is set in a valid request.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriteRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub put_request: Option<PutRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_request: Option<DeleteRequest>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRequest {
    #[serde(default, deserialize_with = "attribute_json::deserialize_item_map")]
    pub item: Option<Item>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteRequest {
    #[serde(default, deserialize_with = "attribute_json::deserialize_item_map")]
    pub key: Option<Item>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchWriteItemOutput {
    /// Always present; empty unless `--throttle` held requests back.
    pub unprocessed_items: BTreeMap<String, Vec<WriteRequest>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_collection_metrics: Option<BTreeMap<String, Vec<ItemCollectionMetrics>>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc() -> ConsumedCapacity {
        ConsumedCapacity {
            table_name: "t".into(),
            capacity_units: 0.5,
            table: None,
            local_secondary_indexes: None,
            global_secondary_indexes: None,
        }
    }

    #[test]
    fn get_item_output_splices_the_item() {
        assert_eq!(encode_get_item_output(None, None), b"{}");
        assert_eq!(
            encode_get_item_output(Some(br#"{"a":{"S":"x"}}"#), None),
            br#"{"Item":{"a":{"S":"x"}}}"#
        );
        assert_eq!(
            String::from_utf8(encode_get_item_output(Some(b"{}"), Some(&cc()))).unwrap(),
            r#"{"Item":{},"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}"#
        );
        assert_eq!(
            String::from_utf8(encode_get_item_output(None, Some(&cc()))).unwrap(),
            r#"{"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}"#
        );
    }

    #[test]
    fn batch_get_item_output_lists_every_table() {
        let out = BatchGetItemOutput {
            responses: vec![
                (
                    "a".into(),
                    vec![b"{}".to_vec(), br#"{"k":{"N":"1"}}"#.to_vec()],
                ),
                ("b".into(), vec![]),
            ],
            unprocessed_keys: BTreeMap::new(),
            consumed_capacity: Some(vec![cc()]),
        };
        assert_eq!(
            String::from_utf8(out.to_body()).unwrap(),
            r#"{"Responses":{"a":[{},{"k":{"N":"1"}}],"b":[]},"UnprocessedKeys":{},"ConsumedCapacity":[{"TableName":"t","CapacityUnits":0.5}]}"#
        );
    }
}
