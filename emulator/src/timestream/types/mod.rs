//! Timestream wire shapes, named as in the service model (`timestream-write` 2018-11-01).
//! Inputs keep every member optional so operations report missing ones with the service's
//! texts; outputs carry exactly what the service sends.

pub mod query;
pub mod records;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDatabaseRequest {
    pub database_name: Option<String>,
    pub kms_key_id: Option<String>,
    pub tags: Option<Vec<Tag>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DatabaseNameRequest {
    pub database_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDatabaseRequest {
    pub database_name: Option<String>,
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDatabasesRequest {
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Database {
    pub arn: String,
    pub database_name: String,
    pub table_count: u64,
    pub kms_key_id: String,
    pub creation_time: f64,
    pub last_updated_time: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DatabaseResponse {
    pub database: Database,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDatabasesResponse {
    pub databases: Vec<Database>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct RetentionPropertiesInput {
    pub memory_store_retention_period_in_hours: Option<i64>,
    pub magnetic_store_retention_period_in_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct RetentionProperties {
    pub memory_store_retention_period_in_hours: i64,
    pub magnetic_store_retention_period_in_days: i64,
}

/// `MagneticStoreWriteProperties`; the rejected-data location (an S3 configuration) is kept
/// as given and answered back, since nothing is ever written there.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct MagneticStoreWriteProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_magnetic_store_writes: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub magnetic_store_rejected_data_location: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Schema {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composite_partition_key: Option<Vec<PartitionKey>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct PartitionKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforcement_in_record: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateTableRequest {
    pub database_name: Option<String>,
    pub table_name: Option<String>,
    pub retention_properties: Option<RetentionPropertiesInput>,
    pub tags: Option<Vec<Tag>>,
    pub magnetic_store_write_properties: Option<MagneticStoreWriteProperties>,
    pub schema: Option<Schema>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateTableRequest {
    pub database_name: Option<String>,
    pub table_name: Option<String>,
    pub retention_properties: Option<RetentionPropertiesInput>,
    pub magnetic_store_write_properties: Option<MagneticStoreWriteProperties>,
    pub schema: Option<Schema>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableNameRequest {
    pub database_name: Option<String>,
    pub table_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTablesRequest {
    pub database_name: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Table {
    pub arn: String,
    pub table_name: String,
    pub database_name: String,
    pub table_status: &'static str,
    pub retention_properties: RetentionProperties,
    pub creation_time: f64,
    pub last_updated_time: f64,
    pub magnetic_store_write_properties: MagneticStoreWriteProperties,
    pub schema: Schema,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableResponse {
    pub table: Table,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTablesResponse {
    pub tables: Vec<Table>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TagResourceRequest {
    #[serde(rename = "ResourceARN")]
    pub resource_arn: Option<String>,
    #[serde(rename = "Tags")]
    pub tags: Option<Vec<Tag>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UntagResourceRequest {
    #[serde(rename = "ResourceARN")]
    pub resource_arn: Option<String>,
    #[serde(rename = "TagKeys")]
    pub tag_keys: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListTagsForResourceRequest {
    #[serde(rename = "ResourceARN")]
    pub resource_arn: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForResourceResponse {
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DescribeEndpointsRequest {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeEndpointsResponse {
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Endpoint {
    pub address: String,
    pub cache_period_in_minutes: i64,
}

/// The empty answer of DeleteDatabase, DeleteTable and the tag operations.
#[derive(Debug, Serialize)]
pub struct EmptyResponse {}
