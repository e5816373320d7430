//! The real-time feature-serving pattern on DynamoDB: the seed's `ml-features` table (user_id,
//! feature_name), loaded with `users` × `features_per_user` items, and the reads and writes a
//! model server and a feature pipeline make against it.

use std::collections::HashMap;
use std::sync::LazyLock;

use anyhow::{Context, Result};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConsumedCapacity, KeySchemaElement, KeyType,
    KeysAndAttributes, PutRequest, ReturnConsumedCapacity, ScalarAttributeType, WriteRequest,
};
use memchr::memmem::Finder;

use crate::decimal;
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
    let mut id = Vec::new();
    push_user_id(&mut id, index);
    String::from_utf8(id).expect("ASCII")
}

pub fn feature_name(index: u64) -> String {
    let mut name = Vec::new();
    push_feature_name(&mut name, index);
    String::from_utf8(name).expect("ASCII")
}

fn push_user_id(out: &mut Vec<u8>, index: u64) {
    out.extend_from_slice(b"user-");
    decimal::push_padded(out, index, 8);
}

fn push_feature_name(out: &mut Vec<u8>, index: u64) {
    out.extend_from_slice(b"feature-");
    decimal::push_padded(out, index, 3);
}

/// Writes a raw request's JSON body for some users and a feature.
type BodyWriter = fn(&FeatureServing, &[u64], u64, &mut Vec<u8>);

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
        let write_body: BodyWriter = match operation {
            Operation::GetItem => FeatureServing::get_item_body,
            Operation::Query => FeatureServing::query_body,
            Operation::BatchGetItem { .. } => FeatureServing::batch_get_item_body,
            Operation::PutItem => FeatureServing::put_item_body,
            Operation::UpdateItem => FeatureServing::update_item_body,
            other => anyhow::bail!("{} is not a DynamoDB operation", other.name()),
        };
        let answer = raw
            .call_with(operation.name(), |out| {
                write_body(self, users, feature, out);
            })
            .await?;
        if matches!(operation, Operation::BatchGetItem { .. })
            && UNPROCESSED_KEYS.find(&answer).is_some()
        {
            anyhow::bail!("BatchGetItem left keys unprocessed (throttled)");
        }
        Ok(capacity_units(&answer))
    }

    // The raw requests' bodies, written piece by piece: the load builds one per operation,
    // and formatting them cost more than the rest of the request's assembly.

    fn get_item_body(&self, users: &[u64], feature: u64, out: &mut Vec<u8>) {
        self.push_table_name(out);
        out.extend_from_slice(br#","Key":"#);
        push_key(out, users[0], feature);
        push_consumed_capacity(out);
    }

    fn query_body(&self, users: &[u64], _feature: u64, out: &mut Vec<u8>) {
        self.push_table_name(out);
        out.extend_from_slice(
            br#","KeyConditionExpression":"user_id = :u","ExpressionAttributeValues":{":u":{"S":""#,
        );
        push_user_id(out, users[0]);
        out.extend_from_slice(br#""}}"#);
        push_consumed_capacity(out);
    }

    fn batch_get_item_body(&self, users: &[u64], feature: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"RequestItems":{""#);
        out.extend_from_slice(self.table.table.as_bytes());
        out.extend_from_slice(br#"":{"Keys":["#);
        for (i, &user) in users.iter().enumerate() {
            // BatchGetItem refuses duplicate keys; hot users repeat under skew.
            if users[..i].contains(&user) {
                continue;
            }
            if i > 0 {
                out.push(b',');
            }
            push_key(out, user, feature);
        }
        out.extend_from_slice(b"]}}");
        push_consumed_capacity(out);
    }

    fn put_item_body(&self, users: &[u64], feature: u64, out: &mut Vec<u8>) {
        self.push_table_name(out);
        out.extend_from_slice(br#","Item":{"user_id":{"S":""#);
        push_user_id(out, users[0]);
        out.extend_from_slice(br#""},"feature_name":{"S":""#);
        push_feature_name(out, feature);
        out.extend_from_slice(br#""},"value":{"S":""#);
        out.extend_from_slice(self.value.as_bytes());
        out.extend_from_slice(br#""},"version":{"N":"1"}}"#);
        push_consumed_capacity(out);
    }

    fn update_item_body(&self, users: &[u64], feature: u64, out: &mut Vec<u8>) {
        self.push_table_name(out);
        out.extend_from_slice(br#","Key":"#);
        push_key(out, users[0], feature);
        out.extend_from_slice(
            br#","UpdateExpression":"ADD version :one","ExpressionAttributeValues":{":one":{"N":"1"}}"#,
        );
        push_consumed_capacity(out);
    }

    /// Opens a body with its `TableName`.
    fn push_table_name(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"TableName":""#);
        out.extend_from_slice(self.table.table.as_bytes());
        out.push(b'"');
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

/// A feature table key: `{"user_id":{"S":…},"feature_name":{"S":…}}`.
fn push_key(out: &mut Vec<u8>, user: u64, feature: u64) {
    out.extend_from_slice(br#"{"user_id":{"S":""#);
    push_user_id(out, user);
    out.extend_from_slice(br#""},"feature_name":{"S":""#);
    push_feature_name(out, feature);
    out.extend_from_slice(br#""}}"#);
}

/// Closes a body, asking for the consumed capacity.
fn push_consumed_capacity(out: &mut Vec<u8>) {
    out.extend_from_slice(br#","ReturnConsumedCapacity":"TOTAL"}"#);
}

/// The sum of every `"CapacityUnits"` in an answer to a request made with
/// `ReturnConsumedCapacity: TOTAL` (one per table; no per-index shares at that level).
fn capacity_units(answer: &[u8]) -> f64 {
    let mut total = 0.0;
    let mut rest = answer;
    while let Some(at) = CAPACITY_UNITS.find(rest) {
        rest = &rest[at + CAPACITY_UNITS.needle().len()..];
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

static CAPACITY_UNITS: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(br#""CapacityUnits":"#));

/// A non-empty UnprocessedKeys map: its first key follows the brace.
static UNPROCESSED_KEYS: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(br#""UnprocessedKeys":{""#));

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
    use serde_json::{Value, json};

    use super::*;

    fn feature_serving() -> FeatureServing {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version_latest()
            .build();
        let table = FeatureTable {
            table: "ml-features".into(),
            users: 10,
            features_per_user: 4,
            value_bytes: 3,
        };
        FeatureServing::new(Client::from_conf(config), None, table)
    }

    fn body(write: BodyWriter, users: &[u64], feature: u64) -> Value {
        let mut out = b"already there".to_vec();
        write(&feature_serving(), users, feature, &mut out);
        serde_json::from_slice(&out[b"already there".len()..]).expect("a JSON body")
    }

    #[test]
    fn raw_bodies_are_the_requests_json() {
        let key = |user: &str, feature: &str| json!({"user_id": {"S": user}, "feature_name": {"S": feature}});
        assert_eq!(
            body(FeatureServing::get_item_body, &[42], 3),
            json!({"TableName": "ml-features", "Key": key("user-00000042", "feature-003"),
                   "ReturnConsumedCapacity": "TOTAL"})
        );
        assert_eq!(
            body(FeatureServing::query_body, &[123_456_789], 0),
            json!({"TableName": "ml-features", "KeyConditionExpression": "user_id = :u",
                   "ExpressionAttributeValues": {":u": {"S": "user-123456789"}},
                   "ReturnConsumedCapacity": "TOTAL"})
        );
        assert_eq!(
            body(FeatureServing::batch_get_item_body, &[1, 2, 1, 3, 2], 1234),
            json!({"RequestItems": {"ml-features": {"Keys": [
                       key("user-00000001", "feature-1234"),
                       key("user-00000002", "feature-1234"),
                       key("user-00000003", "feature-1234")]}},
                   "ReturnConsumedCapacity": "TOTAL"})
        );
        assert_eq!(
            body(FeatureServing::put_item_body, &[7], 2),
            json!({"TableName": "ml-features", "Item": {"user_id": {"S": "user-00000007"},
                   "feature_name": {"S": "feature-002"}, "value": {"S": "vvv"},
                   "version": {"N": "1"}}, "ReturnConsumedCapacity": "TOTAL"})
        );
        assert_eq!(
            body(FeatureServing::update_item_body, &[0], 0),
            json!({"TableName": "ml-features", "Key": key("user-00000000", "feature-000"),
                   "UpdateExpression": "ADD version :one",
                   "ExpressionAttributeValues": {":one": {"N": "1"}},
                   "ReturnConsumedCapacity": "TOTAL"})
        );
    }

    #[test]
    fn key_names_are_zero_padded() {
        assert_eq!(user_id(42), "user-00000042");
        assert_eq!(user_id(123_456_789), "user-123456789");
        assert_eq!(feature_name(7), "feature-007");
    }

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
