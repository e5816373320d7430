//! `MlflowError`: MLflow's error body, `{"error_code", "message", "sqlstate", "error_class"}`,
//! with the HTTP status MLflow's server gives each code.
//!
//! One deliberate difference: MLflow answers a few request mistakes with INTERNAL_ERROR and
//! 500 (transition-stage with `archive_existing_versions` to an inactive stage); its client
//! retries a 5xx seven times, so here they are INVALID_PARAMETER_VALUE and 400.

use axum::body::Body;
use axum::http::{Response, StatusCode, header};

use crate::registry::error::{ErrorCode as NativeCode, RegistryError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidParameterValue,
    ResourceDoesNotExist,
    ResourceAlreadyExists,
    EndpointNotFound,
    InternalError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameterValue => "INVALID_PARAMETER_VALUE",
            ErrorCode::ResourceDoesNotExist => "RESOURCE_DOES_NOT_EXIST",
            ErrorCode::ResourceAlreadyExists => "RESOURCE_ALREADY_EXISTS",
            ErrorCode::EndpointNotFound => "ENDPOINT_NOT_FOUND",
            ErrorCode::InternalError => "INTERNAL_ERROR",
        }
    }

    fn error_class(self) -> &'static str {
        match self {
            ErrorCode::ResourceDoesNotExist => "RESOURCE_NOT_FOUND",
            other => other.as_str(),
        }
    }

    fn sqlstate(self) -> &'static str {
        match self {
            ErrorCode::InternalError => "XXM00",
            _ => "KAM00",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::ResourceDoesNotExist | ErrorCode::EndpointNotFound => StatusCode::NOT_FOUND,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlflowError {
    pub code: ErrorCode,
    pub message: String,
}

pub type Result<T, E = MlflowError> = std::result::Result<T, E>;

impl MlflowError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        MlflowError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameterValue, message)
    }

    pub fn model_not_found(name: &str) -> Self {
        Self::new(
            ErrorCode::ResourceDoesNotExist,
            format!("Registered Model with name={name} not found"),
        )
    }

    pub fn version_not_found(name: &str, version: &str) -> Self {
        Self::new(
            ErrorCode::ResourceDoesNotExist,
            format!("Model Version (name={name}, version={version}) not found"),
        )
    }

    pub fn model_exists(name: &str) -> Self {
        Self::new(
            ErrorCode::ResourceAlreadyExists,
            format!("Registered Model (name={name}) already exists."),
        )
    }

    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::json!({
            "error_code": self.code.as_str(),
            "message": self.message,
            "sqlstate": self.code.sqlstate(),
            "error_class": self.code.error_class(),
        });
        Response::builder()
            .status(self.code.status())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("static headers are always valid")
    }
}

/// Failures of the operations shared with the native API, in MLflow's codes.
impl From<RegistryError> for MlflowError {
    fn from(e: RegistryError) -> Self {
        let code = match e.code {
            NativeCode::NotFound => ErrorCode::ResourceDoesNotExist,
            NativeCode::AlreadyExists => ErrorCode::ResourceAlreadyExists,
            NativeCode::Internal => ErrorCode::InternalError,
            _ => ErrorCode::InvalidParameterValue,
        };
        MlflowError::new(code, e.message)
    }
}

impl From<crate::storage::StorageError> for MlflowError {
    fn from(e: crate::storage::StorageError) -> Self {
        RegistryError::from(e).into()
    }
}
