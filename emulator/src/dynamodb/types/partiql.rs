//! Wire shapes of the PartiQL operations: ExecuteStatement, BatchExecuteStatement and
//! ExecuteTransaction.
//!
//! ExecuteStatement's answer is written by hand ([`ExecuteStatementOutput::to_body`]) so
//! that the items a Query or Scan read are spliced in as the page loop wrote them.

use serde::{Deserialize, Serialize};

use super::item::ConsumedCapacity;
use crate::dynamodb::value::{AttributeValue, Item};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecuteStatementInput {
    pub statement: Option<String>,
    pub parameters: Option<Vec<AttributeValue>>,
    pub consistent_read: Option<bool>,
    pub next_token: Option<String>,
    pub return_consumed_capacity: Option<String>,
    pub limit: Option<i32>,
    pub return_values_on_condition_check_failure: Option<String>,
}

#[derive(Debug, Default)]
pub struct ExecuteStatementOutput {
    /// The inside of the `Items` array: item objects separated by commas.
    pub items_json: Vec<u8>,
    pub next_token: Option<String>,
    pub consumed_capacity: Option<ConsumedCapacity>,
}

impl ExecuteStatementOutput {
    /// `{"Items":[..][,"NextToken":".."][,"ConsumedCapacity":{..}]}`.
    pub fn to_body(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.items_json.len() + 160);
        body.extend_from_slice(b"{\"Items\":[");
        body.extend_from_slice(&self.items_json);
        body.push(b']');
        if let Some(token) = &self.next_token {
            body.extend_from_slice(b",\"NextToken\":");
            serde_json::to_writer(&mut body, token).expect("a string always serializes");
        }
        if let Some(cc) = &self.consumed_capacity {
            body.extend_from_slice(b",\"ConsumedCapacity\":");
            serde_json::to_writer(&mut body, cc).expect("ConsumedCapacity always serializes");
        }
        body.push(b'}');
        body
    }
}

/// One statement of BatchExecuteStatement (`BatchStatementRequest`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchStatementRequest {
    pub statement: Option<String>,
    pub parameters: Option<Vec<AttributeValue>>,
    pub consistent_read: Option<bool>,
    pub return_values_on_condition_check_failure: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchExecuteStatementInput {
    pub statements: Option<Vec<BatchStatementRequest>>,
    pub return_consumed_capacity: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchExecuteStatementOutput {
    pub responses: Vec<BatchStatementResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchStatementResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<BatchStatementError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<Item>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchStatementError {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<Item>,
}

/// One statement of ExecuteTransaction (`ParameterizedStatement`).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterizedStatement {
    pub statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<AttributeValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_values_on_condition_check_failure: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecuteTransactionInput {
    pub transact_statements: Option<Vec<ParameterizedStatement>>,
    pub client_request_token: Option<String>,
    pub return_consumed_capacity: Option<String>,
}

/// ExecuteTransaction's answer to a write transaction (a read transaction answers as
/// TransactGetItems does).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecuteTransactionOutput {
    /// Empty: writes return no items.
    pub responses: Vec<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
}
