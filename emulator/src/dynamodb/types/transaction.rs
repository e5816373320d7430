//! Wire shapes of TransactWriteItems and TransactGetItems, and the `CancellationReasons` of
//! their TransactionCanceledException.
//!
//! Required members are `Option`s, as in `types::item`, so that the operation reports each
//! missing one with the service's constraint message. The inputs also serialize: a
//! TransactWriteItems request's `TransactItems`, written back as canonical JSON, is what a
//! `ClientRequestToken` is bound to.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::item::{
    ConsumedCapacity, ExpressionAttributeNames, ExpressionAttributeValues, ItemCollectionMetrics,
};
use crate::dynamodb::attribute_json;
use crate::dynamodb::value::Item;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactWriteItemsInput {
    pub transact_items: Option<Vec<TransactWriteItem>>,
    pub return_consumed_capacity: Option<String>,
    pub return_item_collection_metrics: Option<String>,
    pub client_request_token: Option<String>,
}

/// One action; a valid request sets exactly one member.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactWriteItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition_check: Option<ConditionCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub put: Option<Put>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete: Option<Delete>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<Update>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConditionCheck {
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_item_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub key: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_expression_attribute_values",
        skip_serializing_if = "Option::is_none"
    )]
    pub expression_attribute_values: Option<ExpressionAttributeValues>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_values_on_condition_check_failure: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Put {
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_item_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub item: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_expression_attribute_values",
        skip_serializing_if = "Option::is_none"
    )]
    pub expression_attribute_values: Option<ExpressionAttributeValues>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_values_on_condition_check_failure: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Delete {
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_item_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub key: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_expression_attribute_values",
        skip_serializing_if = "Option::is_none"
    )]
    pub expression_attribute_values: Option<ExpressionAttributeValues>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_values_on_condition_check_failure: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Update {
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_item_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub key: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
    #[serde(
        default,
        deserialize_with = "attribute_json::deserialize_expression_attribute_values",
        skip_serializing_if = "Option::is_none"
    )]
    pub expression_attribute_values: Option<ExpressionAttributeValues>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_values_on_condition_check_failure: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactWriteItemsOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_collection_metrics: Option<BTreeMap<String, Vec<ItemCollectionMetrics>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactGetItemsInput {
    pub transact_items: Option<Vec<TransactGetItem>>,
    pub return_consumed_capacity: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactGetItem {
    pub get: Option<Get>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Get {
    #[serde(default, deserialize_with = "attribute_json::deserialize_item_map")]
    pub key: Option<Item>,
    pub table_name: Option<String>,
    pub projection_expression: Option<String>,
    pub expression_attribute_names: Option<ExpressionAttributeNames>,
}

/// TransactGetItems' answer. `responses` holds, in request order, each item found as
/// canonical JSON, or `None` for a missing item (answered as `{}`).
#[derive(Debug, Default)]
pub struct TransactGetItemsOutput {
    pub responses: Vec<Option<Vec<u8>>>,
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
}

impl TransactGetItemsOutput {
    /// `{["ConsumedCapacity":[..],]"Responses":[{"Item":..},{}]}`.
    pub fn to_body(&self) -> Vec<u8> {
        let items: usize = self.responses.iter().flatten().map(|i| i.len() + 9).sum();
        let mut body = Vec::with_capacity(items + 3 * self.responses.len() + 128);
        body.push(b'{');
        if let Some(cc) = &self.consumed_capacity {
            body.extend_from_slice(b"\"ConsumedCapacity\":");
            serde_json::to_writer(&mut body, cc).expect("ConsumedCapacity always serializes");
            body.push(b',');
        }
        body.extend_from_slice(b"\"Responses\":[");
        for (i, item) in self.responses.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            match item {
                Some(json) => {
                    body.extend_from_slice(b"{\"Item\":");
                    body.extend_from_slice(json);
                    body.push(b'}');
                }
                None => body.extend_from_slice(b"{}"),
            }
        }
        body.extend_from_slice(b"]}");
        body
    }
}

/// One entry of a TransactionCanceledException's `CancellationReasons`, in the service's
/// member order. An action that did not cause the cancellation has only `Code: None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancellationReason {
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transact_get_items_output_keeps_request_order() {
        let out = TransactGetItemsOutput {
            responses: vec![
                Some(br#"{"k":{"S":"a"}}"#.to_vec()),
                None,
                Some(b"{}".to_vec()),
            ],
            consumed_capacity: None,
        };
        assert_eq!(
            String::from_utf8(out.to_body()).unwrap(),
            r#"{"Responses":[{"Item":{"k":{"S":"a"}}},{},{"Item":{}}]}"#
        );
    }

    #[test]
    fn cancellation_reasons_are_shaped_as_the_service_sends_them() {
        let reasons = [
            CancellationReason {
                code: "None",
                item: None,
                message: None,
            },
            CancellationReason {
                code: "ConditionalCheckFailed",
                item: Some(Item::new()),
                message: Some("The conditional request failed".into()),
            },
        ];
        assert_eq!(
            serde_json::to_string(&reasons).unwrap(),
            r#"[{"Code":"None"},{"Code":"ConditionalCheckFailed","Item":{},"Message":"The conditional request failed"}]"#
        );
    }
}
