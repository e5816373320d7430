//! The Query API's wire shapes (`timestream-query` 2018-11-01).

use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryRequest {
    pub query_string: Option<String>,
    pub client_token: Option<String>,
    pub next_token: Option<String>,
    pub max_rows: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryResponse {
    pub query_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub rows: Vec<Row>,
    pub column_info: Vec<ColumnInfo>,
    pub query_status: QueryStatus,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Row {
    pub data: Vec<Datum>,
}

/// One value: exactly one member is present.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Datum {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scalar_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_series_value: Option<Vec<TimeSeriesDataPoint>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array_value: Option<Vec<Datum>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_value: Option<Row>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_value: Option<bool>,
}

/// One point of a timeseries value.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct TimeSeriesDataPoint {
    pub time: String,
    pub value: Datum,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ColumnInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub r#type: Type,
}

/// A column's type: exactly one member is present.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Type {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scalar_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array_column_info: Option<Box<ColumnInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_column_info: Option<Vec<ColumnInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_series_measure_value_column_info: Option<Box<ColumnInfo>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct QueryStatus {
    pub progress_percentage: f64,
    pub cumulative_bytes_scanned: u64,
    pub cumulative_bytes_metered: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelQueryRequest {
    pub query_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelQueryResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrepareQueryRequest {
    pub query_string: Option<String>,
    pub validate_only: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrepareQueryResponse {
    pub query_string: String,
    pub columns: Vec<SelectColumn>,
    /// Named parameters (`@name`) are not supported, so there are never any.
    pub parameters: [ColumnInfo; 0],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SelectColumn {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub r#type: Type,
}

#[derive(Debug, Default, Deserialize)]
pub struct DescribeAccountSettingsRequest {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAccountSettingsResponse {
    #[serde(rename = "MaxQueryTCU")]
    pub max_query_tcu: i64,
    pub query_pricing_model: &'static str,
}
