//! Wire shapes of the PartiQL operations.
//!
//! ExecuteStatement's answer is written by hand ([`ExecuteStatementOutput::to_body`]) so
//! that the items a Query or Scan read are spliced in as the page loop wrote them.

use serde::Deserialize;

use super::item::ConsumedCapacity;
use crate::dynamodb::value::AttributeValue;

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
