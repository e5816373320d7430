//! Finished queries and their pages.
//!
//! As the service does: a result that fits one page (at most `MaxRows` rows, when given, and
//! 1 MB) comes back whole; a larger one comes back as an empty first page with a
//! `NextToken`, and each later page carries up to `MaxRows` rows and 1 MB. Every page
//! repeats the `QueryId` and the full `ColumnInfo`. A token names its query and the row it
//! resumes at, so the same token returns the same rows; it is refused with another query
//! string (the service's "Invalid pagination token") and after the query is cancelled
//! (ConflictException). Results are forgotten an hour after the query ran.
//!
//! A `ClientToken` makes a new run idempotent for 5 minutes: the same token and query
//! string answer the first page of the earlier run again; the token with another query
//! string, or the same token between 5 minutes and 4 hours later, is refused; after 4
//! hours it starts a new run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::timestream::error::{ErrorCode, TimestreamError};
use crate::timestream::types::query::{ColumnInfo, QueryResponse, QueryStatus, Row};

/// The most a page's rows may take, leaving room for the rest of the response within the
/// service's 1 MB.
const PAGE_BYTES: usize = 1_000_000;
const RESULT_LIFETIME: Duration = Duration::from_secs(3600);
const CLIENT_TOKEN_REPLAY: Duration = Duration::from_secs(5 * 60);
const CLIENT_TOKEN_LIFETIME: Duration = Duration::from_secs(4 * 3600);
/// Under the bytes-scanned pricing model every query is metered for at least 10 MB.
const MINIMUM_METERED_BYTES: u64 = 10_000_000;

/// A finished query.
pub struct Run {
    pub query_id: String,
    query_string: String,
    column_info: Vec<ColumnInfo>,
    rows: Vec<Row>,
    /// Each row's size in the response, in bytes.
    sizes: Vec<usize>,
    bytes_scanned: u64,
    finished: Instant,
    cancelled: AtomicBool,
}

struct ClientTokenUse {
    query_string: String,
    query_id: String,
    at: Instant,
}

#[derive(Default)]
pub struct Results {
    runs: Mutex<HashMap<String, Arc<Run>>>,
    client_tokens: Mutex<HashMap<String, ClientTokenUse>>,
}

/// What a client token says about a new request.
pub enum ClientTokenCheck {
    /// Run the query.
    New,
    /// Answer the earlier run's first page again.
    Replay(Arc<Run>),
}

impl Results {
    /// Stores a finished query and answers its first page.
    pub fn finish(
        &self,
        query_string: String,
        column_info: Vec<ColumnInfo>,
        rows: Vec<Row>,
        bytes_scanned: u64,
        client_token: Option<String>,
        max_rows: Option<usize>,
    ) -> Result<QueryResponse, TimestreamError> {
        let sizes = rows
            .iter()
            .map(|r| serde_json::to_vec(r).map_or(0, |b| b.len() + 1))
            .collect();
        let run = Arc::new(Run {
            query_id: uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .to_ascii_uppercase(),
            query_string,
            column_info,
            rows,
            sizes,
            bytes_scanned,
            finished: Instant::now(),
            cancelled: AtomicBool::new(false),
        });
        let mut runs = self.runs.lock().expect("results lock");
        runs.retain(|_, r| r.finished.elapsed() < RESULT_LIFETIME);
        runs.insert(run.query_id.clone(), Arc::clone(&run));
        drop(runs);
        if let Some(token) = client_token {
            self.client_tokens.lock().expect("tokens lock").insert(
                token,
                ClientTokenUse {
                    query_string: run.query_string.clone(),
                    query_id: run.query_id.clone(),
                    at: Instant::now(),
                },
            );
        }
        first_page(&run, max_rows)
    }

    pub fn check_client_token(
        &self,
        token: &str,
        query_string: &str,
    ) -> Result<ClientTokenCheck, TimestreamError> {
        let mut tokens = self.client_tokens.lock().expect("tokens lock");
        tokens.retain(|_, u| u.at.elapsed() < CLIENT_TOKEN_LIFETIME);
        let Some(used) = tokens.get(token) else {
            return Ok(ClientTokenCheck::New);
        };
        if used.at.elapsed() >= CLIENT_TOKEN_REPLAY || used.query_string != query_string {
            return Err(TimestreamError::validation(
                "The ClientToken was used for another request: a token replays the same query \
                 string for 5 minutes and cannot be reused for 4 hours",
            ));
        }
        match self.runs.lock().expect("results lock").get(&used.query_id) {
            Some(run) => Ok(ClientTokenCheck::Replay(Arc::clone(run))),
            None => Ok(ClientTokenCheck::New),
        }
    }

    /// The page a `NextToken` points at.
    pub fn next_page(
        &self,
        token: &str,
        query_string: &str,
        max_rows: Option<usize>,
    ) -> Result<QueryResponse, TimestreamError> {
        let invalid = || TimestreamError::validation("Invalid pagination token");
        let (query_id, offset) = decode_token(token).ok_or_else(invalid)?;
        let run = self
            .runs
            .lock()
            .expect("results lock")
            .get(&query_id)
            .cloned()
            .ok_or_else(invalid)?;
        if run.query_string != query_string || offset > run.rows.len() {
            return Err(invalid());
        }
        if run.cancelled.load(Ordering::Relaxed) {
            return Err(cancelled());
        }
        page(&run, offset, max_rows)
    }

    /// Cancels a query's remaining pages. The answer carries a message only when the query
    /// was cancelled before.
    pub fn cancel(&self, query_id: &str) -> Result<Option<String>, TimestreamError> {
        let runs = self.runs.lock().expect("results lock");
        let run = runs.get(query_id).ok_or_else(|| {
            TimestreamError::validation(format!("The query {query_id} does not exist."))
        })?;
        if run.cancelled.swap(true, Ordering::Relaxed) {
            return Ok(Some(format!(
                "Query {query_id} has already been cancelled."
            )));
        }
        Ok(None)
    }

    /// The first page of an earlier run, for a replayed client token.
    pub fn replay(run: &Run, max_rows: Option<usize>) -> Result<QueryResponse, TimestreamError> {
        if run.cancelled.load(Ordering::Relaxed) {
            return Err(cancelled());
        }
        first_page(run, max_rows)
    }
}

fn cancelled() -> TimestreamError {
    TimestreamError::new(
        ErrorCode::ConflictException,
        "Unable to poll results for a cancelled query.",
    )
}

fn first_page(run: &Run, max_rows: Option<usize>) -> Result<QueryResponse, TimestreamError> {
    let fits = max_rows.is_none_or(|m| run.rows.len() <= m)
        && run.sizes.iter().sum::<usize>() <= PAGE_BYTES;
    if fits {
        return page(run, 0, None);
    }
    Ok(response(
        run,
        Vec::new(),
        Some(encode_token(&run.query_id, 0)),
    ))
}

fn page(
    run: &Run,
    offset: usize,
    max_rows: Option<usize>,
) -> Result<QueryResponse, TimestreamError> {
    let limit = max_rows.unwrap_or(usize::MAX);
    let mut end = offset;
    let mut bytes = 0;
    while end < run.rows.len() && end - offset < limit {
        if bytes + run.sizes[end] > PAGE_BYTES {
            break;
        }
        bytes += run.sizes[end];
        end += 1;
    }
    if end == offset && offset < run.rows.len() {
        return Err(TimestreamError::new(
            ErrorCode::QueryExecutionException,
            "Query aborted as max page response size has been exceeded by the output result row",
        ));
    }
    let next = (end < run.rows.len()).then(|| encode_token(&run.query_id, end));
    Ok(response(run, run.rows[offset..end].to_vec(), next))
}

fn response(run: &Run, rows: Vec<Row>, next_token: Option<String>) -> QueryResponse {
    QueryResponse {
        query_id: run.query_id.clone(),
        next_token,
        rows,
        column_info: run.column_info.clone(),
        query_status: QueryStatus {
            progress_percentage: 100.0,
            cumulative_bytes_scanned: run.bytes_scanned,
            cumulative_bytes_metered: run.bytes_scanned.max(MINIMUM_METERED_BYTES),
        },
    }
}

fn encode_token(query_id: &str, offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{query_id}/{offset}"))
}

fn decode_token(token: &str) -> Option<(String, usize)> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (query_id, offset) = text.split_once('/')?;
    Some((query_id.to_owned(), offset.parse().ok()?))
}
