//! MLflow's Model Registry REST API under `/api/2.0/mlflow/`, over the same rows as the
//! native API (`mapping` says how). GET takes its parameters from the query string; POST,
//! PATCH and DELETE from a JSON body. Answers and errors have MLflow's shapes and codes.
//!
//! - `params`: request parameters with MLflow's type and presence checks.
//! - `filter`: the search filter grammar.
//! - `mapping`: rows as model versions; `types`: the wire shapes; `error`: the error body.
//! - `ops`: one function per operation.

mod error;
mod filter;
mod mapping;
mod ops;
mod params;
mod types;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, Response, StatusCode, header};
use axum::routing::any;

use crate::state::AppState;
use error::{ErrorCode, MlflowError};
use params::Params;

pub(super) use mapping::clear_archived;

macro_rules! operations {
    ($($name:ident: $($method:ident)|+ $path:literal),* $(,)?) => {
        /// The registry endpoints, named as MLflow's protobuf service names them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Operation { $($name),* }

        impl Operation {
            fn find(method: &Method, path: &str) -> Option<Operation> {
                $(if path == $path && ($(*method == Method::$method)||+) {
                    return Some(Operation::$name);
                })*
                None
            }

            fn as_str(self) -> &'static str {
                match self {
                    $(Operation::$name => stringify!($name),)*
                }
            }
        }
    };
}

operations!(
    CreateRegisteredModel: POST "registered-models/create",
    GetRegisteredModel: GET "registered-models/get",
    RenameRegisteredModel: POST "registered-models/rename",
    UpdateRegisteredModel: PATCH "registered-models/update",
    DeleteRegisteredModel: DELETE "registered-models/delete",
    SearchRegisteredModels: GET "registered-models/search",
    GetLatestVersions: GET | POST "registered-models/get-latest-versions",
    SetRegisteredModelTag: POST "registered-models/set-tag",
    DeleteRegisteredModelTag: DELETE "registered-models/delete-tag",
    SetRegisteredModelAlias: POST "registered-models/alias",
    DeleteRegisteredModelAlias: DELETE "registered-models/alias",
    GetModelVersionByAlias: GET "registered-models/alias",
    CreateModelVersion: POST "model-versions/create",
    GetModelVersion: GET "model-versions/get",
    UpdateModelVersion: PATCH "model-versions/update",
    DeleteModelVersion: DELETE "model-versions/delete",
    SearchModelVersions: GET "model-versions/search",
    TransitionModelVersionStage: POST "model-versions/transition-stage",
    SetModelVersionTag: POST "model-versions/set-tag",
    DeleteModelVersionTag: DELETE "model-versions/delete-tag",
    GetModelVersionDownloadUri: GET "model-versions/get-download-uri",
);

/// The fields that are lists, which a query string may repeat.
const REPEATED: [&str; 2] = ["stages", "order_by"];

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/2.0/mlflow/{*endpoint}", any(endpoint))
}

async fn endpoint(
    State(state): State<Arc<AppState>>,
    method: Method,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response<Body> {
    let started = Instant::now();
    let Some(op) = Operation::find(&method, &path) else {
        return MlflowError::new(
            ErrorCode::EndpointNotFound,
            format!("No API endpoint {method} /api/2.0/mlflow/{path}"),
        )
        .into_response();
    };
    let params = if method == Method::GET {
        Params::from_query(query.as_deref(), &REPEATED)
    } else {
        Params::from_body(&body)
    };
    let response = match execute(&state, op, &params).await {
        Ok(answer) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(answer.to_string()))
            .expect("static headers are always valid"),
        Err(e) => {
            state
                .metrics
                .record_error("mlflow", op.as_str(), e.code.as_str());
            e.into_response()
        }
    };
    state
        .metrics
        .record("mlflow", op.as_str(), started.elapsed());
    response
}

async fn execute(state: &AppState, op: Operation, p: &Params) -> error::Result<serde_json::Value> {
    let r = &state.registry;
    match op {
        Operation::CreateRegisteredModel => r.mlflow_create_registered_model(p).await,
        Operation::GetRegisteredModel => r.mlflow_get_registered_model(p),
        Operation::RenameRegisteredModel => r.mlflow_rename_registered_model(p).await,
        Operation::UpdateRegisteredModel => r.mlflow_update_registered_model(p).await,
        Operation::DeleteRegisteredModel => r.mlflow_delete_registered_model(p).await,
        Operation::SearchRegisteredModels => r.mlflow_search_registered_models(p),
        Operation::GetLatestVersions => r.mlflow_get_latest_versions(p),
        Operation::SetRegisteredModelTag => r.mlflow_set_registered_model_tag(p).await,
        Operation::DeleteRegisteredModelTag => r.mlflow_delete_registered_model_tag(p).await,
        Operation::SetRegisteredModelAlias => r.mlflow_set_alias(p).await,
        Operation::DeleteRegisteredModelAlias => r.mlflow_delete_alias(p).await,
        Operation::GetModelVersionByAlias => r.mlflow_get_by_alias(p),
        Operation::CreateModelVersion => r.mlflow_create_model_version(p).await,
        Operation::GetModelVersion => r.mlflow_get_model_version(p),
        Operation::UpdateModelVersion => r.mlflow_update_model_version(p).await,
        Operation::DeleteModelVersion => r.mlflow_delete_model_version(p).await,
        Operation::SearchModelVersions => r.mlflow_search_model_versions(p),
        Operation::TransitionModelVersionStage => r.mlflow_transition_stage(p).await,
        Operation::SetModelVersionTag => r.mlflow_set_model_version_tag(p).await,
        Operation::DeleteModelVersionTag => r.mlflow_delete_model_version_tag(p).await,
        Operation::GetModelVersionDownloadUri => r.mlflow_get_download_uri(p),
    }
}
