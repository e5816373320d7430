//! The real-time feature-serving pattern on DynamoDB: the seed's `ml-features` table (user_id,
//! feature_name), loaded with `users` × `features_per_user` items, and the reads and writes a
//! model server and a feature pipeline make against it.

use std::collections::HashMap;

use anyhow::{Context, Result};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConsumedCapacity, KeySchemaElement, KeyType,
    KeysAndAttributes, PutRequest, ReturnConsumedCapacity, ScalarAttributeType, WriteRequest,
};

use crate::raw_client::RawClient;
use crate::scenario::{FeatureTable, Operation};

/// The feature table's shape and the clients that reach it: the SDK's for setting up, and
/// for the load the SDK's or the raw one.
#[derive(Clone)]
pub struct FeatureServing {
    client: Client,
    raw: Option<RawClient>,
    table: FeatureTable,
    value: String,
}

pub fn user_id(index: u64) -> String {
    format!("user-{index:08}")
}

pub fn feature_name(index: u64) -> String {
    format!("feature-{index:03}")
}

impl FeatureServing {
    /// Sends the load through the SDK `client`, or through `raw` when given.
    pub fn new(client: Client, raw: Option<RawClient>, table: FeatureTable) -> FeatureServing {
        let value = "v".repeat(table.value_bytes);
        FeatureServing {
            client,
            raw,
            table,
            value,
        }
    }

    /// Creates the table (dropping an earlier one of the name) and loads every item, 25 at a
    /// time with `concurrency` batches in flight.
    pub async fn set_up(&self, concurrency: usize) -> Result<()> {
        let name = &self.table.table;
        if self
            .client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .is_ok()
        {
            self.client
                .delete_table()
                .table_name(name)
                .send()
                .await
                .context("deleting the earlier table")?;
        }
        self.client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(definition("user_id"))
            .attribute_definitions(definition("feature_name"))
            .key_schema(key("user_id", KeyType::Hash))
            .key_schema(key("feature_name", KeyType::Range))
            .send()
            .await
            .context("creating the feature table")?;
        wait_active(&self.client, name).await?;

        let items: Vec<(u64, u64)> = (0..self.table.users)
            .flat_map(|u| (0..self.table.features_per_user).map(move |f| (u, f)))
            .collect();
        let mut batches = items.chunks(25).map(<[(u64, u64)]>::to_vec);
        let mut in_flight = tokio::task::JoinSet::new();
        loop {
            while in_flight.len() < concurrency.max(1) {
                let Some(batch) = batches.next() else { break };
                let this = self.clone();
                in_flight.spawn(async move { this.write_batch(&batch).await });
            }
            match in_flight.join_next().await {
                Some(done) => done.context("a loading task panicked")??,
                None => return Ok(()),
            }
        }
    }

    async fn write_batch(&self, batch: &[(u64, u64)]) -> Result<()> {
        let mut requests: Vec<WriteRequest> = batch
            .iter()
            .map(|&(u, f)| {
                WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(self.item(u, f, 0)))
                            .build()
                            .expect("an item is set"),
                    )
                    .build()
            })
            .collect();
        while !requests.is_empty() {
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table.table, requests)
                .send()
                .await
                .context("loading items")?;
            requests = out
                .unprocessed_items
                .and_then(|mut m| m.remove(&self.table.table))
                .unwrap_or_default();
        }
        Ok(())
    }

    fn item(&self, user: u64, feature: u64, version: u64) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("user_id".to_owned(), AttributeValue::S(user_id(user))),
            (
                "feature_name".to_owned(),
                AttributeValue::S(feature_name(feature)),
            ),
            ("value".to_owned(), AttributeValue::S(self.value.clone())),
            ("version".to_owned(), AttributeValue::N(version.to_string())),
        ])
    }

    fn key(&self, user: u64, feature: u64) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("user_id".to_owned(), AttributeValue::S(user_id(user))),
            (
                "feature_name".to_owned(),
                AttributeValue::S(feature_name(feature)),
            ),
        ])
    }

    /// Runs one operation on `users` (one user, or a batch's) and `feature`; answers the
    /// capacity units it consumed, as the service reported them.
    pub async fn execute(&self, operation: Operation, users: &[u64], feature: u64) -> Result<f64> {
        match &self.raw {
            Some(raw) => self.execute_raw(raw, operation, users, feature).await,
            None => self.execute_sdk(operation, users, feature).await,
        }
    }

    async fn execute_raw(
        &self,
        raw: &RawClient,
        operation: Operation,
        users: &[u64],
        feature: u64,
    ) -> Result<f64> {
        let table = &self.table.table;
        let key = |u: u64| {
            format!(
                r#"{{"user_id":{{"S":"{}"}},"feature_name":{{"S":"{}"}}}}"#,
                user_id(u),
                feature_name(feature)
            )
        };
        let user = users[0];
        let body = match operation {
            Operation::GetItem => format!(
                r#"{{"TableName":"{table}","Key":{},"ReturnConsumedCapacity":"TOTAL"}}"#,
                key(user)
            ),
            Operation::Query => format!(
                r#"{{"TableName":"{table}","KeyConditionExpression":"user_id = :u","ExpressionAttributeValues":{{":u":{{"S":"{}"}}}},"ReturnConsumedCapacity":"TOTAL"}}"#,
                user_id(user)
            ),
            Operation::BatchGetItem { .. } => {
                let mut seen = std::collections::HashSet::new();
                let keys: Vec<String> = users
                    .iter()
                    .filter(|u| seen.insert(**u))
                    .map(|u| key(*u))
                    .collect();
                format!(
                    r#"{{"RequestItems":{{"{table}":{{"Keys":[{}]}}}},"ReturnConsumedCapacity":"TOTAL"}}"#,
                    keys.join(",")
                )
            }
            Operation::PutItem => format!(
                r#"{{"TableName":"{table}","Item":{{"user_id":{{"S":"{}"}},"feature_name":{{"S":"{}"}},"value":{{"S":"{}"}},"version":{{"N":"1"}}}},"ReturnConsumedCapacity":"TOTAL"}}"#,
                user_id(user),
                feature_name(feature),
                self.value
            ),
            Operation::UpdateItem => format!(
                r#"{{"TableName":"{table}","Key":{},"UpdateExpression":"ADD version :one","ExpressionAttributeValues":{{":one":{{"N":"1"}}}},"ReturnConsumedCapacity":"TOTAL"}}"#,
                key(user)
            ),
            other => anyhow::bail!("{} is not a DynamoDB operation", other.name()),
        };
        let answer = raw.call(operation.name(), body.as_bytes()).await?;
        // A non-empty UnprocessedKeys map: its first key follows the brace.
        if matches!(operation, Operation::BatchGetItem { .. })
            && find(&answer, br#""UnprocessedKeys":{""#).is_some()
        {
            anyhow::bail!("BatchGetItem left keys unprocessed (throttled)");
        }
        Ok(capacity_units(&answer))
    }

    async fn execute_sdk(&self, operation: Operation, users: &[u64], feature: u64) -> Result<f64> {
        let table = &self.table.table;
        let user = users[0];
        let total = Some(ReturnConsumedCapacity::Total);
        let units = |c: Option<&ConsumedCapacity>| c.and_then(|c| c.capacity_units).unwrap_or(0.0);
        let consumed = match operation {
            Operation::GetItem => {
                let out = self
                    .client
                    .get_item()
                    .table_name(table)
                    .set_key(Some(self.key(user, feature)))
                    .set_return_consumed_capacity(total.clone())
                    .send()
                    .await?;
                units(out.consumed_capacity())
            }
            Operation::Query => {
                let out = self
                    .client
                    .query()
                    .table_name(table)
                    .key_condition_expression("user_id = :u")
                    .expression_attribute_values(":u", AttributeValue::S(user_id(user)))
                    .set_return_consumed_capacity(total.clone())
                    .send()
                    .await?;
                units(out.consumed_capacity())
            }
            Operation::BatchGetItem { .. } => {
                let mut keys = KeysAndAttributes::builder();
                let mut seen = std::collections::HashSet::new();
                for &u in users {
                    // BatchGetItem refuses duplicate keys; hot users repeat under skew.
                    if seen.insert(u) {
                        keys = keys.keys(self.key(u, feature));
                    }
                }
                let mut pending = HashMap::from([(table.clone(), keys.build()?)]);
                let mut consumed = 0.0;
                while !pending.is_empty() {
                    let out = self
                        .client
                        .batch_get_item()
                        .set_request_items(Some(pending))
                        .set_return_consumed_capacity(total.clone())
                        .send()
                        .await?;
                    consumed += out
                        .consumed_capacity()
                        .iter()
                        .map(|c| units(Some(c)))
                        .sum::<f64>();
                    pending = out.unprocessed_keys.unwrap_or_default();
                }
                consumed
            }
            Operation::PutItem => {
                let out = self
                    .client
                    .put_item()
                    .table_name(table)
                    .set_item(Some(self.item(user, feature, 1)))
                    .set_return_consumed_capacity(total.clone())
                    .send()
                    .await?;
                units(out.consumed_capacity())
            }
            Operation::UpdateItem => {
                let out = self
                    .client
                    .update_item()
                    .table_name(table)
                    .set_key(Some(self.key(user, feature)))
                    .update_expression("ADD version :one")
                    .expression_attribute_values(":one", AttributeValue::N("1".into()))
                    .set_return_consumed_capacity(total)
                    .send()
                    .await?;
                units(out.consumed_capacity())
            }
            other => anyhow::bail!("{} is not a DynamoDB operation", other.name()),
        };
        Ok(consumed)
    }

    pub fn features_per_user(&self) -> u64 {
        self.table.features_per_user
    }
}

/// The sum of every `"CapacityUnits"` in an answer to a request made with
/// `ReturnConsumedCapacity: TOTAL` (one per table; no per-index shares at that level).
fn capacity_units(answer: &[u8]) -> f64 {
    const KEY: &[u8] = br#""CapacityUnits":"#;
    let mut total = 0.0;
    let mut rest = answer;
    while let Some(at) = find(rest, KEY) {
        rest = &rest[at + KEY.len()..];
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+')))
            .unwrap_or(rest.len());
        total += std::str::from_utf8(&rest[..end])
            .ok()
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0);
    }
    total
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn definition(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("name and type are set")
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("name and type are set")
}

async fn wait_active(client: &Client, table: &str) -> Result<()> {
    for _ in 0..600 {
        let described = client.describe_table().table_name(table).send().await?;
        let status = described.table.and_then(|t| t.table_status);
        if status == Some(aws_sdk_dynamodb::types::TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("table {table} did not become ACTIVE within 60 s")
}

#[cfg(test)]
mod tests {
    use super::capacity_units;

    #[test]
    fn capacity_units_are_summed_from_an_answer() {
        assert_eq!(
            capacity_units(br#"{"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}"#),
            0.5
        );
        assert_eq!(
            capacity_units(
                br#"{"Responses":{},"ConsumedCapacity":[{"TableName":"a","CapacityUnits":2.0},{"TableName":"b","CapacityUnits":1.5}]}"#
            ),
            3.5
        );
        assert_eq!(capacity_units(b"{}"), 0.0);
    }
}
