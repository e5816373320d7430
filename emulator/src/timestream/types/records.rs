//! WriteRecords' wire shapes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriteRecordsRequest {
    pub database_name: Option<String>,
    pub table_name: Option<String>,
    pub common_attributes: Option<Record>,
    pub records: Option<Vec<Record>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Record {
    pub dimensions: Option<Vec<Dimension>>,
    pub measure_name: Option<String>,
    pub measure_value: Option<String>,
    pub measure_value_type: Option<String>,
    pub time: Option<String>,
    pub time_unit: Option<String>,
    pub version: Option<i64>,
    pub measure_values: Option<Vec<MeasureValue>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    pub name: Option<String>,
    pub value: Option<String>,
    pub dimension_value_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MeasureValue {
    pub name: Option<String>,
    pub value: Option<String>,
    pub r#type: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriteRecordsResponse {
    pub records_ingested: RecordsIngested,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct RecordsIngested {
    pub total: u32,
    pub memory_store: u32,
    pub magnetic_store: u32,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct RejectedRecord {
    pub record_index: usize,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_version: Option<i64>,
}
