//! `DynamoError`: every failure a DynamoDB operation can answer with, and its wire form.
//!
//! Codes are the AWS exception names verbatim; `type_name` gives the namespaced `__type`
//! the service sends (coral-level errors live in `com.amazon.coral.*`, DynamoDB's own in
//! `com.amazonaws.dynamodb.v20120810`).

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    ValidationException,
    SerializationException,
    UnknownOperationException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
    ResourceNotFoundException,
    ResourceInUseException,
    ConditionalCheckFailedException,
    ItemCollectionSizeLimitExceededException,
    LimitExceededException,
    ProvisionedThroughputExceededException,
    RequestLimitExceeded,
    ThrottlingException,
    TransactionCanceledException,
    TransactionConflictException,
    TransactionInProgressException,
    IdempotentParameterMismatchException,
    DuplicateItemException,
    ExpiredIteratorException,
    TrimmedDataAccessException,
    InternalServerError,
    ServiceUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationException => "ValidationException",
            ErrorCode::SerializationException => "SerializationException",
            ErrorCode::UnknownOperationException => "UnknownOperationException",
            ErrorCode::MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            ErrorCode::UnrecognizedClientException => "UnrecognizedClientException",
            ErrorCode::ResourceNotFoundException => "ResourceNotFoundException",
            ErrorCode::ResourceInUseException => "ResourceInUseException",
            ErrorCode::ConditionalCheckFailedException => "ConditionalCheckFailedException",
            ErrorCode::ItemCollectionSizeLimitExceededException => {
                "ItemCollectionSizeLimitExceededException"
            }
            ErrorCode::LimitExceededException => "LimitExceededException",
            ErrorCode::ProvisionedThroughputExceededException => {
                "ProvisionedThroughputExceededException"
            }
            ErrorCode::RequestLimitExceeded => "RequestLimitExceeded",
            ErrorCode::ThrottlingException => "ThrottlingException",
            ErrorCode::TransactionCanceledException => "TransactionCanceledException",
            ErrorCode::TransactionConflictException => "TransactionConflictException",
            ErrorCode::TransactionInProgressException => "TransactionInProgressException",
            ErrorCode::IdempotentParameterMismatchException => {
                "IdempotentParameterMismatchException"
            }
            ErrorCode::DuplicateItemException => "DuplicateItemException",
            ErrorCode::ExpiredIteratorException => "ExpiredIteratorException",
            ErrorCode::TrimmedDataAccessException => "TrimmedDataAccessException",
            ErrorCode::InternalServerError => "InternalServerError",
            ErrorCode::ServiceUnavailable => "ServiceUnavailable",
        }
    }

    /// The namespace the service puts before `#` in `__type`.
    fn namespace(self) -> &'static str {
        match self {
            ErrorCode::ValidationException => "com.amazon.coral.validate",
            ErrorCode::SerializationException
            | ErrorCode::UnknownOperationException
            | ErrorCode::MissingAuthenticationTokenException
            | ErrorCode::UnrecognizedClientException
            | ErrorCode::ThrottlingException
            | ErrorCode::ServiceUnavailable => "com.amazon.coral.service",
            _ => "com.amazonaws.dynamodb.v20120810",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InternalServerError => 500,
            ErrorCode::ServiceUnavailable => 503,
            _ => 400,
        }
    }
}

/// A failed DynamoDB operation. `extra` carries members the service adds beside
/// `__type` and `message` (the old `Item` of a failed condition, `CancellationReasons`).
#[derive(Debug, Clone, PartialEq)]
pub struct DynamoError {
    pub code: ErrorCode,
    pub message: String,
    pub extra: Map<String, Value>,
}

pub type Result<T, E = DynamoError> = std::result::Result<T, E>;

impl DynamoError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        DynamoError {
            code,
            message: message.into(),
            extra: Map::new(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationException, message)
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::SerializationException, message)
    }

    /// "Requested resource not found" is the service's text whether or not the table name is known.
    pub fn table_not_found(table_name: &str) -> Self {
        Self::new(
            ErrorCode::ResourceNotFoundException,
            format!("Requested resource not found: Table: {table_name} not found"),
        )
    }

    pub fn resource_not_found() -> Self {
        Self::new(
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        )
    }

    pub fn conditional_check_failed() -> Self {
        Self::new(
            ErrorCode::ConditionalCheckFailedException,
            "The conditional request failed",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InternalServerError, message)
    }

    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    pub fn type_name(&self) -> String {
        format!("{}#{}", self.code.namespace(), self.code.as_str())
    }

    /// The JSON body: `{"__type": ..., "message": ..., <extra>}`.
    pub fn to_body(&self) -> Vec<u8> {
        let mut body = Map::with_capacity(2 + self.extra.len());
        body.insert("__type".into(), Value::String(self.type_name()));
        // The service leaves `message` out rather than sending an empty one, and capitalises
        // it in TransactionCanceledException.
        if !self.message.is_empty() {
            let key = match self.code {
                ErrorCode::TransactionCanceledException => "Message",
                _ => "message",
            };
            body.insert(key.into(), Value::String(self.message.clone()));
        }
        for (k, v) in &self.extra {
            body.insert(k.clone(), v.clone());
        }
        serde_json::to_vec(&Value::Object(body)).expect("a JSON map always serializes")
    }
}

impl std::fmt::Display for DynamoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for DynamoError {}
