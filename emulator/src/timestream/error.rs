//! `TimestreamError`: every failure a Timestream operation can answer with, and its wire form.
//!
//! Codes are the AWS exception names verbatim. As recorded from the service: request-level
//! validation failures come from the coral front end (`com.amazon.coral.validate#ValidationException`,
//! HTTP 400, "1 validation error detected: Value 'X' at 'records.1.member...' failed to satisfy
//! constraint: ..."), the service's own exceptions are namespaced
//! `com.amazonaws.timestream.v20181101`, and RejectedRecordsException answers HTTP 419 with
//! "One or more records have been rejected. See RejectedRecords for details." and the
//! `RejectedRecords` list. The message member is `Message`, as the service model names it.
//!
//! No recording of the service's ResourceNotFoundException and ConflictException texts was
//! found; the not-found texts follow moto's ("The database X does not exist."), the conflict
//! texts are this emulator's wording.

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    ValidationException,
    SerializationException,
    UnknownOperationException,
    ResourceNotFoundException,
    ConflictException,
    RejectedRecordsException,
    QueryExecutionException,
    InternalServerException,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationException => "ValidationException",
            ErrorCode::SerializationException => "SerializationException",
            ErrorCode::UnknownOperationException => "UnknownOperationException",
            ErrorCode::ResourceNotFoundException => "ResourceNotFoundException",
            ErrorCode::ConflictException => "ConflictException",
            ErrorCode::RejectedRecordsException => "RejectedRecordsException",
            ErrorCode::QueryExecutionException => "QueryExecutionException",
            ErrorCode::InternalServerException => "InternalServerException",
        }
    }

    fn namespace(self) -> &'static str {
        match self {
            ErrorCode::ValidationException => "com.amazon.coral.validate",
            ErrorCode::SerializationException | ErrorCode::UnknownOperationException => {
                "com.amazon.coral.service"
            }
            _ => "com.amazonaws.timestream.v20181101",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            ErrorCode::RejectedRecordsException => 419,
            ErrorCode::InternalServerException => 500,
            _ => 400,
        }
    }
}

/// A failed Timestream operation. `extra` carries members the service adds beside `__type`
/// and `Message` (`RejectedRecords`).
#[derive(Debug, Clone, PartialEq)]
pub struct TimestreamError {
    pub code: ErrorCode,
    pub message: String,
    pub extra: Map<String, Value>,
}

pub type Result<T, E = TimestreamError> = std::result::Result<T, E>;

impl TimestreamError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        TimestreamError {
            code,
            message: message.into(),
            extra: Map::new(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationException, message)
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::InternalServerException,
            "Timestream was unable to fully process this request because of an internal server error.",
        )
    }

    pub fn database_not_found(database: &str) -> Self {
        Self::new(
            ErrorCode::ResourceNotFoundException,
            format!("The database {database} does not exist."),
        )
    }

    pub fn table_not_found(table: &str) -> Self {
        Self::new(
            ErrorCode::ResourceNotFoundException,
            format!("The table {table} does not exist."),
        )
    }

    pub fn database_exists(database: &str) -> Self {
        Self::new(
            ErrorCode::ConflictException,
            format!("A database with the name {database} already exists."),
        )
    }

    pub fn table_exists(table: &str, database: &str) -> Self {
        Self::new(
            ErrorCode::ConflictException,
            format!("A table with the name {table} already exists in the database {database}."),
        )
    }

    pub fn resource_arn_not_found(arn: &str) -> Self {
        Self::new(
            ErrorCode::ResourceNotFoundException,
            format!("The resource {arn} does not exist."),
        )
    }

    /// The answer to a WriteRecords with at least one rejected record.
    pub fn rejected_records(rejected: Value) -> Self {
        let mut e = Self::new(
            ErrorCode::RejectedRecordsException,
            "One or more records have been rejected. See RejectedRecords for details.",
        );
        e.extra.insert("RejectedRecords".to_owned(), rejected);
        e
    }

    pub fn type_name(&self) -> String {
        format!("{}#{}", self.code.namespace(), self.code.as_str())
    }

    /// The JSON body: `{"__type": ..., "Message": ..., <extra>}`.
    pub fn to_body(&self) -> Vec<u8> {
        let mut body = Map::with_capacity(2 + self.extra.len());
        body.insert("__type".into(), Value::String(self.type_name()));
        if !self.message.is_empty() {
            body.insert("Message".into(), Value::String(self.message.clone()));
        }
        for (k, v) in &self.extra {
            body.insert(k.clone(), v.clone());
        }
        serde_json::to_vec(&Value::Object(body)).expect("a JSON map always serializes")
    }
}

impl From<crate::storage::StorageError> for TimestreamError {
    fn from(e: crate::storage::StorageError) -> Self {
        tracing::error!(error = %e, "storage failure");
        TimestreamError::internal()
    }
}

impl From<redb::StorageError> for TimestreamError {
    fn from(e: redb::StorageError) -> Self {
        crate::storage::StorageError::from(e).into()
    }
}

impl std::fmt::Display for TimestreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for TimestreamError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_records_answer_419_with_their_list() {
        let e = TimestreamError::rejected_records(serde_json::json!([
            {"RecordIndex": 0, "Reason": "r"}
        ]));
        assert_eq!(e.code.status(), 419);
        let body: Value = serde_json::from_slice(&e.to_body()).expect("json");
        assert_eq!(
            body,
            serde_json::json!({
                "__type": "com.amazonaws.timestream.v20181101#RejectedRecordsException",
                "Message": "One or more records have been rejected. See RejectedRecords for details.",
                "RejectedRecords": [{"RecordIndex": 0, "Reason": "r"}],
            })
        );
    }

    #[test]
    fn validation_is_the_coral_front_end_s() {
        let e = TimestreamError::validation("m");
        assert_eq!(
            e.type_name(),
            "com.amazon.coral.validate#ValidationException"
        );
        assert_eq!(e.code.status(), 400);
        assert_eq!(TimestreamError::internal().code.status(), 500);
    }
}
