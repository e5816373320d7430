//! Wire shapes of a stream record, as GetRecords returns it. Records are encoded once, when
//! the change is written, and their bytes are spliced into GetRecords answers.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::dynamodb::value::Item;

/// `Record`: one change, in the member order the service writes.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    #[serde(rename = "eventID")]
    pub event_id: String,
    #[serde(rename = "eventName")]
    pub event_name: &'static str,
    #[serde(rename = "eventVersion")]
    pub event_version: &'static str,
    #[serde(rename = "eventSource")]
    pub event_source: &'static str,
    #[serde(rename = "awsRegion")]
    pub aws_region: &'a str,
    pub dynamodb: StreamRecord<'a>,
    #[serde(rename = "userIdentity", skip_serializing_if = "Option::is_none")]
    pub user_identity: Option<Identity>,
}

/// `StreamRecord`: the images are the stored items' JSON, spliced without decoding.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamRecord<'a> {
    /// Epoch seconds, rounded down to the second.
    pub approximate_creation_date_time: u64,
    pub keys: &'a Item,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_image: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_image: Option<&'a RawValue>,
    pub sequence_number: String,
    pub size_bytes: u64,
    pub stream_view_type: &'static str,
}

/// `Identity`: who made a change other than a client (Time to Live deletions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Identity {
    pub principal_id: &'static str,
    #[serde(rename = "Type")]
    pub kind: &'static str,
}

/// The `StreamSpecification` of a table description: present while a stream is enabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpecificationDescription {
    pub stream_enabled: bool,
    pub stream_view_type: &'static str,
}
