//! Wire shapes of Query and Scan (`QueryInput`, `QueryOutput`, `ScanInput`, `ScanOutput`).
//!
//! Enumerations (`Select`, `ReturnConsumedCapacity`) stay strings here: the service answers an
//! unknown value with a ValidationException naming the member, not with a serialization error,
//! so they are checked by the operation. The legacy (pre-expression) parameters have their
//! shapes in [`super::legacy`].

use serde::Deserialize;

use super::item::{ConsumedCapacity, ExpressionAttributeNames, ExpressionAttributeValues};
use super::legacy::Conditions;
use crate::dynamodb::attribute_json;
use crate::dynamodb::value::Item;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryInput {
    pub table_name: Option<String>,
    pub index_name: Option<String>,
    pub select: Option<String>,
    pub limit: Option<i32>,
    pub consistent_read: Option<bool>,
    pub scan_index_forward: Option<bool>,
    pub exclusive_start_key: Option<Item>,
    pub return_consumed_capacity: Option<String>,
    pub key_condition_expression: Option<String>,
    pub filter_expression: Option<String>,
    pub projection_expression: Option<String>,
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_expression_attribute_values"
    )]
    pub expression_attribute_values: Option<ExpressionAttributeValues>,
    pub key_conditions: Option<Conditions>,
    pub query_filter: Option<Conditions>,
    pub attributes_to_get: Option<Vec<String>>,
    pub conditional_operator: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScanInput {
    pub table_name: Option<String>,
    pub index_name: Option<String>,
    pub select: Option<String>,
    pub limit: Option<i32>,
    pub consistent_read: Option<bool>,
    pub exclusive_start_key: Option<Item>,
    pub return_consumed_capacity: Option<String>,
    pub segment: Option<i32>,
    pub total_segments: Option<i32>,
    pub filter_expression: Option<String>,
    pub projection_expression: Option<String>,
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_expression_attribute_values"
    )]
    pub expression_attribute_values: Option<ExpressionAttributeValues>,
    pub scan_filter: Option<Conditions>,
    pub attributes_to_get: Option<Vec<String>>,
    pub conditional_operator: Option<String>,
}

/// `QueryOutput` and `ScanOutput` have the same members. The answer is written by hand
/// ([`QueryOutput::to_body`]) so that stored items, already canonical JSON, are spliced in
/// without being decoded and encoded again.
#[derive(Debug, Default)]
pub struct QueryOutput {
    /// The inside of the `Items` array: item objects separated by commas. `None` for
    /// `Select: COUNT`, whose answer has no `Items`.
    pub items_json: Option<Vec<u8>>,
    pub count: u64,
    pub scanned_count: u64,
    pub last_evaluated_key: Option<Item>,
    pub consumed_capacity: Option<ConsumedCapacity>,
}

pub type ScanOutput = QueryOutput;

impl QueryOutput {
    /// `{"Items":[..],"Count":n,"ScannedCount":n[,"LastEvaluatedKey":{..}][,"ConsumedCapacity":{..}]}`.
    pub fn to_body(&self) -> Vec<u8> {
        let items = self.items_json.as_ref().map_or(0, Vec::len);
        let mut body = Vec::with_capacity(items + 160);
        body.push(b'{');
        if let Some(items) = &self.items_json {
            body.extend_from_slice(b"\"Items\":[");
            body.extend_from_slice(items);
            body.extend_from_slice(b"],");
        }
        body.extend_from_slice(b"\"Count\":");
        body.extend_from_slice(self.count.to_string().as_bytes());
        body.extend_from_slice(b",\"ScannedCount\":");
        body.extend_from_slice(self.scanned_count.to_string().as_bytes());
        if let Some(key) = &self.last_evaluated_key {
            body.extend_from_slice(b",\"LastEvaluatedKey\":");
            serde_json::to_writer(&mut body, key).expect("an Item always serializes");
        }
        if let Some(cc) = &self.consumed_capacity {
            body.extend_from_slice(b",\"ConsumedCapacity\":");
            serde_json::to_writer(&mut body, cc).expect("ConsumedCapacity always serializes");
        }
        body.push(b'}');
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::value::AttributeValue;

    #[test]
    fn the_answer_has_items_only_when_not_counting() {
        let mut key = Item::new();
        key.insert("pk".into(), AttributeValue::S("a".into()));
        let out = QueryOutput {
            items_json: Some(br#"{"pk":{"S":"a"}},{"pk":{"S":"b"}}"#.to_vec()),
            count: 2,
            scanned_count: 3,
            last_evaluated_key: Some(key),
            consumed_capacity: Some(ConsumedCapacity {
                table_name: "t".into(),
                capacity_units: 0.5,
                table: None,
                local_secondary_indexes: None,
                global_secondary_indexes: None,
            }),
        };
        assert_eq!(
            String::from_utf8(out.to_body()).unwrap(),
            r#"{"Items":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}],"Count":2,"ScannedCount":3,"LastEvaluatedKey":{"pk":{"S":"a"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}"#
        );
        let count = QueryOutput {
            count: 7,
            scanned_count: 9,
            ..QueryOutput::default()
        };
        assert_eq!(count.to_body(), br#"{"Count":7,"ScannedCount":9}"#);
        let empty = QueryOutput {
            items_json: Some(Vec::new()),
            ..QueryOutput::default()
        };
        assert_eq!(
            empty.to_body(),
            br#"{"Items":[],"Count":0,"ScannedCount":0}"#
        );
    }

    #[test]
    fn legacy_members_are_decoded() {
        let input: QueryInput = serde_json::from_str(
            r#"{"TableName":"t","KeyConditions":{"pk":{"ComparisonOperator":"EQ"}},
                "QueryFilter":{},"AttributesToGet":[],"ConditionalOperator":"AND"}"#,
        )
        .unwrap();
        assert_eq!(input.key_conditions.unwrap().0.len(), 1);
        assert!(input.query_filter.unwrap().is_empty());
        assert_eq!(input.attributes_to_get, Some(vec![]));
        assert_eq!(input.conditional_operator.as_deref(), Some("AND"));
        let input: ScanInput =
            serde_json::from_str(r#"{"TableName":"t","ScanFilter":null,"AttributesToGet":["a"]}"#)
                .unwrap();
        assert!(input.scan_filter.is_none());
        assert_eq!(input.attributes_to_get, Some(vec!["a".to_owned()]));
    }
}
