//! `RegistryError`: the native API's failures and their wire form,
//! `{"error": {"code": ..., "message": ...}}` with the HTTP status the code implies.

use axum::body::Body;
use axum::http::{Response, StatusCode, header};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400: malformed JSON, unknown fields, values out of range or over a column's size.
    InvalidArgument,
    /// 404: no such model version (or route).
    NotFound,
    /// 405: the route exists, the method does not.
    MethodNotAllowed,
    /// 409: (model_name, version) is taken.
    AlreadyExists,
    /// 409: the lifecycle does not allow the requested status change.
    IllegalTransition,
    /// 412: `If-Match` names another revision.
    PreconditionFailed,
    /// 413: the request body is over the limit.
    PayloadTooLarge,
    /// 500: storage failed; details are logged, not sent.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::IllegalTransition => "illegal_transition",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidArgument => StatusCode::BAD_REQUEST,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::AlreadyExists | ErrorCode::IllegalTransition => StatusCode::CONFLICT,
            ErrorCode::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    pub code: ErrorCode,
    pub message: String,
}

pub type Result<T, E = RegistryError> = std::result::Result<T, E>;

impl RegistryError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RegistryError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
    }

    pub fn model_id_not_found(model_id: &str) -> Self {
        Self::new(
            ErrorCode::NotFound,
            format!("model version with model_id '{model_id}' not found"),
        )
    }

    pub fn version_not_found(model_name: &str, version: &str) -> Self {
        Self::new(
            ErrorCode::NotFound,
            format!("model '{model_name}' has no version '{version}'"),
        )
    }

    pub fn already_exists(model_name: &str, version: &str) -> Self {
        Self::new(
            ErrorCode::AlreadyExists,
            format!("model '{model_name}' already has a version '{version}'"),
        )
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal storage error")
    }

    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::json!({
            "error": { "code": self.code.as_str(), "message": self.message }
        });
        Response::builder()
            .status(self.code.status())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("static headers are always valid")
    }
}

impl From<crate::storage::StorageError> for RegistryError {
    fn from(e: crate::storage::StorageError) -> Self {
        tracing::error!(error = %e, "storage failure");
        RegistryError::internal()
    }
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for RegistryError {}
