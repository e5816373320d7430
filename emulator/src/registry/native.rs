//! The native REST API under `/registry/v1`: decoding, the operation, encoding.
//!
//! | method and path | operation |
//! |---|---|
//! | `POST /registry/v1/models` | create a model version (201, `Location`, `ETag`) |
//! | `GET /registry/v1/models?…` | search |
//! | `GET /registry/v1/models/{model_id}` | get by model_id |
//! | `PATCH /registry/v1/models/{model_id}` | update metadata, owner, tags |
//! | `DELETE /registry/v1/models/{model_id}` | delete (204) |
//! | `GET /registry/v1/models/{model_id}/transitions` | status history |
//! | `POST /registry/v1/models/{model_id}/transitions` | move to another status |
//! | `GET /registry/v1/names/{model_name}/versions` | the model's versions |
//! | `GET /registry/v1/names/{model_name}/versions/{version}` | get by (model_name, version) |
//! | `GET /registry/v1/names/{model_name}/latest?status=…` | latest version in a status |

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, Response, StatusCode, header};
use axum::routing::{MethodRouter, get, post};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{ErrorCode, RegistryError, Result};
use super::ops::{IfMatch, NewRow};
use super::rows::Row;
use super::search::{self, NameFilter, Query, TimeRange};
use super::status::Status;
use super::types::{
    CreateModelVersion, ModelVersion, ModelVersionPage, TransitionEntry, TransitionHistory,
    TransitionModelVersion, UpdateModelVersion,
};
use super::{clock, validate};
use crate::state::AppState;

/// Bodies beyond this are refused with 413 before parsing.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

type Shared = State<Arc<AppState>>;
type Body_ = std::result::Result<Bytes, BytesRejection>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/registry/v1/models",
            with_405(post(create).get(search_models)),
        )
        .route(
            "/registry/v1/models/{model_id}",
            with_405(get(get_by_id).patch(update).delete(delete)),
        )
        .route(
            "/registry/v1/models/{model_id}/transitions",
            with_405(get(history).post(transition)),
        )
        .route(
            "/registry/v1/names/{model_name}/versions",
            with_405(get(list_versions)),
        )
        .route(
            "/registry/v1/names/{model_name}/versions/{version}",
            with_405(get(get_by_name_version)),
        )
        .route(
            "/registry/v1/names/{model_name}/latest",
            with_405(get(latest)),
        )
        .route("/registry/v1/{*rest}", axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

fn with_405(router: MethodRouter<Arc<AppState>>) -> MethodRouter<Arc<AppState>> {
    router.fallback(|| async {
        RegistryError::new(
            ErrorCode::MethodNotAllowed,
            "this method is not allowed on this resource",
        )
        .into_response()
    })
}

async fn not_found() -> Response<Body> {
    RegistryError::new(ErrorCode::NotFound, "no such resource").into_response()
}

/// Records the request's metrics and turns its outcome into the response.
fn respond(
    state: &AppState,
    operation: &'static str,
    started: Instant,
    outcome: Result<Response<Body>>,
) -> Response<Body> {
    let response = outcome.unwrap_or_else(|e| {
        state
            .metrics
            .record_error("registry", operation, e.code.as_str());
        e.into_response()
    });
    state
        .metrics
        .record("registry", operation, started.elapsed());
    response
}

fn json(status: StatusCode, value: &impl serde::Serialize) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::to_vec(value).expect("wire shapes always serialize"),
        ))
        .expect("static headers are always valid")
}

fn row_response(status: StatusCode, row: &Row) -> Response<Body> {
    let mut response = json(status, &ModelVersion::from(row));
    if let Ok(etag) = row.etag().parse() {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

fn decode<T: DeserializeOwned>(body: Body_) -> Result<T> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            RegistryError::new(
                ErrorCode::PayloadTooLarge,
                format!("the request body is over {MAX_BODY_BYTES} bytes"),
            )
        } else {
            RegistryError::invalid(format!("the request body cannot be read: {rejection}"))
        }
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        let text = e.to_string();
        let text = text
            .rfind(" at line ")
            .map_or(text.as_str(), |at| &text[..at]);
        match e.classify() {
            serde_json::error::Category::Data => RegistryError::invalid(text),
            _ => RegistryError::invalid(format!("the request body is not valid JSON: {text}")),
        }
    })
}

fn path<T>(extracted: std::result::Result<Path<T>, PathRejection>) -> Result<T> {
    extracted
        .map(|Path(p)| p)
        .map_err(|e| RegistryError::invalid(e.body_text()))
}

fn if_match(headers: &HeaderMap) -> Result<Option<IfMatch>> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(IfMatch::parse)
        .map(Some)
        .ok_or_else(|| RegistryError::invalid("If-Match must be * or a list of entity tags"))
}

fn parse_status(field: &str, text: &str) -> Result<Status> {
    Status::parse(text).ok_or_else(|| {
        RegistryError::invalid(format!(
            "{field} must be one of draft, testing, staging, production (got '{text}')"
        ))
    })
}

async fn create(State(state): Shared, body: Body_) -> Response<Body> {
    let started = Instant::now();
    let outcome = async {
        let input: CreateModelVersion = decode(body)?;
        validate::model_name(&input.model_name)?;
        validate::version(&input.version)?;
        let status = match &input.status {
            Some(text) => parse_status("status", text)?,
            None => Status::Draft,
        };
        if let Some(owner) = &input.owner {
            validate::owner(owner)?;
        }
        let new = NewRow {
            model_name: input.model_name,
            version: input.version,
            status,
            metadata: validate::metadata(input.metadata)?,
            owner: input.owner,
            tags: validate::tags(input.tags.unwrap_or_default())?,
        };
        let row = state.registry.create(new).await?;
        let mut response = row_response(StatusCode::CREATED, &row);
        if let Ok(location) = format!("/registry/v1/models/{}", row.model_id).parse() {
            response.headers_mut().insert(header::LOCATION, location);
        }
        Ok(response)
    }
    .await;
    respond(&state, "CreateModelVersion", started, outcome)
}

async fn get_by_id(
    State(state): Shared,
    model_id: std::result::Result<Path<String>, PathRejection>,
) -> Response<Body> {
    let started = Instant::now();
    let outcome = path(model_id)
        .and_then(|id| state.registry.get(&id))
        .map(|row| row_response(StatusCode::OK, &row));
    respond(&state, "GetModelVersion", started, outcome)
}

async fn get_by_name_version(
    State(state): Shared,
    name_version: std::result::Result<Path<(String, String)>, PathRejection>,
) -> Response<Body> {
    let started = Instant::now();
    let outcome = path(name_version)
        .and_then(|(name, version)| state.registry.get_by_name_version(&name, &version))
        .map(|row| row_response(StatusCode::OK, &row));
    respond(&state, "GetModelVersionByName", started, outcome)
}

async fn latest(
    State(state): Shared,
    name: std::result::Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response<Body> {
    let started = Instant::now();
    let outcome = (|| {
        let name = path(name)?;
        let mut status = Status::Production;
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "status" => status = parse_status("status", &value)?,
                other => return Err(unknown_parameter(other)),
            }
        }
        let row = state.registry.latest(&name, status)?;
        Ok(row_response(StatusCode::OK, &row))
    })();
    respond(&state, "GetLatestModelVersion", started, outcome)
}

fn merge_patch(target: &mut Option<Map<String, Value>>, patch: Map<String, Value>) {
    let map = target.get_or_insert_with(Map::new);
    for (key, value) in patch {
        if value.is_null() {
            map.remove(&key);
        } else {
            map.insert(key, value);
        }
    }
}

async fn update(
    State(state): Shared,
    model_id: std::result::Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body_,
) -> Response<Body> {
    let started = Instant::now();
    let outcome = async {
        let model_id = path(model_id)?;
        let precondition = if_match(&headers)?;
        let input: UpdateModelVersion = decode(body)?;
        let metadata = match input.metadata {
            Some(Some(patch)) => match validate::metadata(Some(patch))? {
                Some(map) => Some(Some(map)),
                None => Some(None),
            },
            Some(None) => Some(None),
            None => None,
        };
        if let Some(Some(owner)) = &input.owner {
            validate::owner(owner)?;
        }
        let tags = input
            .tags
            .map(|t| validate::tags(t.unwrap_or_default()))
            .transpose()?;
        let owner = input.owner;
        let row = state
            .registry
            .modify(model_id, precondition, None, move |row| {
                match metadata {
                    Some(Some(patch)) => merge_patch(&mut row.metadata, patch),
                    Some(None) => row.metadata = None,
                    None => {}
                }
                if let Some(owner) = owner {
                    row.owner = owner;
                }
                if let Some(tags) = tags {
                    row.tags = tags;
                }
                Ok(())
            })
            .await?;
        Ok(row_response(StatusCode::OK, &row))
    }
    .await;
    respond(&state, "UpdateModelVersion", started, outcome)
}

async fn delete(
    State(state): Shared,
    model_id: std::result::Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response<Body> {
    let started = Instant::now();
    let outcome = async {
        let model_id = path(model_id)?;
        let precondition = if_match(&headers)?;
        state.registry.delete(model_id, precondition).await?;
        Ok(Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .expect("static response"))
    }
    .await;
    respond(&state, "DeleteModelVersion", started, outcome)
}

async fn transition(
    State(state): Shared,
    model_id: std::result::Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body_,
) -> Response<Body> {
    let started = Instant::now();
    let outcome = async {
        let model_id = path(model_id)?;
        let precondition = if_match(&headers)?;
        let input: TransitionModelVersion = decode(body)?;
        let to = parse_status("status", &input.status)?;
        if let Some(who) = &input.changed_by {
            validate::varchar("changed_by", who, validate::OWNER_MAX)?;
        }
        let row = state
            .registry
            .transition(model_id, to, input.changed_by, precondition)
            .await?;
        Ok(row_response(StatusCode::OK, &row))
    }
    .await;
    respond(&state, "TransitionModelVersion", started, outcome)
}

async fn history(
    State(state): Shared,
    model_id: std::result::Result<Path<String>, PathRejection>,
) -> Response<Body> {
    let started = Instant::now();
    let outcome = path(model_id).and_then(|id| {
        let transitions = state.registry.history(&id)?;
        Ok(json(
            StatusCode::OK,
            &TransitionHistory {
                model_id: &id,
                transitions: transitions.into_iter().map(TransitionEntry::from).collect(),
            },
        ))
    });
    respond(&state, "ListTransitions", started, outcome)
}

fn unknown_parameter(name: &str) -> RegistryError {
    RegistryError::invalid(format!("unknown query parameter '{name}'"))
}

fn time_bound(field: &str, text: &str) -> Result<i64> {
    clock::parse_rfc3339(text).ok_or_else(|| {
        RegistryError::invalid(format!("{field} must be an RFC 3339 time (got '{text}')"))
    })
}

/// The search parameters of a query string; `fixed_name` is the model a listing is for.
fn parse_query(raw: Option<&str>, fixed_name: Option<String>) -> Result<Query> {
    let mut query = Query {
        limit: search::DEFAULT_LIMIT,
        ..Query::default()
    };
    let listing = fixed_name.is_some();
    if let Some(name) = fixed_name {
        query.name = NameFilter::Exact(name);
    }
    let time = |range: &mut TimeRange, after: bool, field: &str, value: &str| {
        let ms = time_bound(field, value)?;
        if after {
            range.after = Some(ms);
        } else {
            range.before = Some(ms);
        }
        Ok::<(), RegistryError>(())
    };
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "limit" => {
                query.limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=search::MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        RegistryError::invalid(format!(
                            "limit must be an integer from 1 to {} (got '{value}')",
                            search::MAX_LIMIT
                        ))
                    })?;
            }
            "page_token" => {
                query.after = Some(search::decode_token(&value).ok_or_else(|| {
                    RegistryError::invalid("page_token is not one this registry issued")
                })?);
            }
            "status" if !listing => query.status = Some(parse_status("status", &value)?),
            "tag" if !listing => {
                validate::varchar("tag", &value, validate::TAG_MAX)?;
                query.tags_all.push(value);
            }
            "any_tag" if !listing => {
                validate::varchar("any_tag", &value, validate::TAG_MAX)?;
                query.tags_any.push(value);
            }
            "owner" if !listing => query.owner = Some(value),
            "model_name" | "model_name_prefix" if !listing => {
                if query.name != NameFilter::Any {
                    return Err(RegistryError::invalid(
                        "give at most one of model_name and model_name_prefix",
                    ));
                }
                query.name = if key == "model_name" {
                    NameFilter::Exact(value)
                } else {
                    NameFilter::Prefix(value)
                };
            }
            "created_after" if !listing => time(&mut query.created, true, &key, &value)?,
            "created_before" if !listing => time(&mut query.created, false, &key, &value)?,
            "updated_after" if !listing => time(&mut query.updated, true, &key, &value)?,
            "updated_before" if !listing => time(&mut query.updated, false, &key, &value)?,
            other => match other.strip_prefix("metadata.") {
                Some(field) if !listing && !field.is_empty() => {
                    query.metadata.push((field.to_owned(), value));
                }
                _ => return Err(unknown_parameter(other)),
            },
        }
    }
    Ok(query)
}

fn page_response(page: &search::Page) -> Response<Body> {
    json(
        StatusCode::OK,
        &ModelVersionPage {
            models: page.rows.iter().map(ModelVersion::from).collect(),
            next_page_token: page.next.as_deref().map(search::encode_token),
        },
    )
}

async fn search_models(State(state): Shared, RawQuery(raw): RawQuery) -> Response<Body> {
    let started = Instant::now();
    let outcome = parse_query(raw.as_deref(), None).and_then(|query| {
        let page = search::search(&state.registry.snapshot()?, &query)?;
        Ok(page_response(&page))
    });
    respond(&state, "SearchModelVersions", started, outcome)
}

async fn list_versions(
    State(state): Shared,
    name: std::result::Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response<Body> {
    let started = Instant::now();
    let outcome = path(name).and_then(|name| {
        let query = parse_query(raw.as_deref(), Some(name.clone()))?;
        let snapshot = state.registry.snapshot()?;
        let page = search::search(&snapshot, &query)?;
        if page.rows.is_empty() && query.after.is_none() {
            return Err(RegistryError::new(
                ErrorCode::NotFound,
                format!("model '{name}' has no versions"),
            ));
        }
        Ok(page_response(&page))
    });
    respond(&state, "ListModelVersions", started, outcome)
}
