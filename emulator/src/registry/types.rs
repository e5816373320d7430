//! The native API's JSON shapes. Field names are the seed's column names; times are RFC 3339.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::clock::to_rfc3339;
use super::rows::{Row, Transition};
use super::status::Status;

/// `POST /registry/v1/models`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateModelVersion {
    pub model_name: String,
    pub version: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// `PATCH /registry/v1/models/{model_id}`: a member left out is kept, `null` clears it.
/// `metadata` is merged as a JSON merge patch (RFC 7386): keys set to `null` are removed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateModelVersion {
    #[serde(default, deserialize_with = "present")]
    pub metadata: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub owner: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub tags: Option<Option<Vec<String>>>,
}

/// `POST /registry/v1/models/{model_id}/transitions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionModelVersion {
    pub status: String,
    #[serde(default)]
    pub changed_by: Option<String>,
}

/// Tells a member sent as `null` (Some(None)) from one left out (None, by `default`).
fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A row as the API shows it: exactly the seed's nine columns.
#[derive(Debug, Serialize)]
pub struct ModelVersion<'a> {
    pub model_id: &'a str,
    pub model_name: &'a str,
    pub version: &'a str,
    pub status: Status,
    pub created_at: String,
    pub updated_at: String,
    pub metadata: Option<&'a Map<String, Value>>,
    pub owner: Option<&'a str>,
    pub tags: &'a [String],
}

impl<'a> From<&'a Row> for ModelVersion<'a> {
    fn from(row: &'a Row) -> Self {
        ModelVersion {
            model_id: &row.model_id,
            model_name: &row.model_name,
            version: &row.version,
            status: row.status,
            created_at: to_rfc3339(row.created_at),
            updated_at: to_rfc3339(row.updated_at),
            metadata: row.metadata.as_ref(),
            owner: row.owner.as_deref(),
            tags: &row.tags,
        }
    }
}

/// A page of rows: search results, or the versions of one model.
#[derive(Debug, Serialize)]
pub struct ModelVersionPage<'a> {
    pub models: Vec<ModelVersion<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TransitionEntry {
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub changed_by: Option<String>,
    pub changed_at: String,
}

impl From<Transition> for TransitionEntry {
    fn from(t: Transition) -> Self {
        TransitionEntry {
            from_status: t.from,
            to_status: t.to,
            changed_by: t.changed_by,
            changed_at: to_rfc3339(t.changed_at),
        }
    }
}

/// `GET /registry/v1/models/{model_id}/transitions`: oldest first.
#[derive(Debug, Serialize)]
pub struct TransitionHistory<'a> {
    pub model_id: &'a str,
    pub transitions: Vec<TransitionEntry>,
}
