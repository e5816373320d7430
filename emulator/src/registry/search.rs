//! Search over rows, driven by an index: results come in (model_name, version) byte order,
//! which every index's entries share after their prefix, so one index range (or a merge of
//! several, for any-of tags) yields candidates already in result order, the cursor is the
//! last (model_name, version) returned, and the remaining conditions are checked on each
//! candidate row.
//!
//! The driving index is the most selective one the query allows: the first all-of tag, else
//! the status, else the any-of tags (merged), else the (model_name, version) index; a
//! model_name (exact or prefix) narrows whichever range is driven.

use std::ops::Bound;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::rows::{Entries, Row, Snapshot, name_version_key, prefix_end, tag_prefix};
use super::status::Status;
use crate::storage::StorageError;

/// Index entries fetched per range read.
const CHUNK: usize = 256;

pub const MAX_LIMIT: usize = 1000;
pub const DEFAULT_LIMIT: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NameFilter {
    #[default]
    Any,
    Exact(String),
    Prefix(String),
}

/// Bounds on a time column in milliseconds since the epoch, both exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub after: Option<i64>,
    pub before: Option<i64>,
}

impl TimeRange {
    fn contains(self, ms: i64) -> bool {
        self.after.is_none_or(|a| ms > a) && self.before.is_none_or(|b| ms < b)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub status: Option<Status>,
    /// Every one of these tags.
    pub tags_all: Vec<String>,
    /// At least one of these tags (when any are given).
    pub tags_any: Vec<String>,
    pub owner: Option<String>,
    pub name: NameFilter,
    /// `metadata.<key>` equal to the text: a string value equal to it, or another scalar
    /// whose JSON text is it (`metadata.epochs=10` matches `"epochs": 10`).
    pub metadata: Vec<(String, String)>,
    pub created: TimeRange,
    pub updated: TimeRange,
    pub limit: usize,
    /// Continue after this (model_name ‖ 0 ‖ version).
    pub after: Option<Vec<u8>>,
}

pub struct Page {
    pub rows: Vec<Row>,
    /// The cursor to continue from, when more rows match.
    pub next: Option<Vec<u8>>,
}

/// The opaque `page_token` for a cursor.
pub fn encode_token(cursor: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(cursor)
}

/// The cursor of a `page_token`, if it is one this registry issued.
pub fn decode_token(token: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let zero = bytes.iter().position(|&b| b == 0)?;
    let valid = std::str::from_utf8(&bytes[..zero]).is_ok()
        && std::str::from_utf8(&bytes[zero + 1..]).is_ok_and(|v| !v.contains('\0'));
    valid.then_some(bytes)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IndexKind {
    NameVersion,
    Status,
    Tag,
}

/// One index range being read in chunks: entries `prefix ‖ suffix` with suffix (a
/// `name ‖ 0 ‖ version`) in `(lower, upper)`.
struct Source {
    kind: IndexKind,
    prefix: Vec<u8>,
    next_from: Vec<u8>,
    next_inclusive: bool,
    upper: Vec<u8>,
    buffer: std::collections::VecDeque<(Vec<u8>, String)>,
    exhausted: bool,
}

impl Source {
    fn new(kind: IndexKind, prefix: Vec<u8>, query: &Query) -> Source {
        let (name_lo, name_hi) = match &query.name {
            NameFilter::Any => (Vec::new(), None),
            NameFilter::Exact(name) => {
                let lo = name_version_key(name, "");
                let hi = prefix_end(&lo);
                (lo, Some(hi))
            }
            NameFilter::Prefix(p) => (p.as_bytes().to_vec(), Some(prefix_end(p.as_bytes()))),
        };
        let (from, inclusive) = match &query.after {
            Some(after) if *after >= name_lo => (after.clone(), false),
            _ => (name_lo, true),
        };
        let join = |suffix: &[u8]| {
            let mut key = prefix.clone();
            key.extend_from_slice(suffix);
            key
        };
        let upper = match name_hi {
            Some(hi) => join(&hi),
            None => prefix_end(&prefix),
        };
        Source {
            kind,
            next_from: join(&from),
            next_inclusive: inclusive,
            upper,
            prefix,
            buffer: std::collections::VecDeque::new(),
            exhausted: false,
        }
    }

    fn fill(&mut self, snapshot: &Snapshot) -> Result<(), StorageError> {
        if !self.buffer.is_empty() || self.exhausted {
            return Ok(());
        }
        let from = if self.next_inclusive {
            Bound::Included(self.next_from.as_slice())
        } else {
            Bound::Excluded(self.next_from.as_slice())
        };
        let entries: Entries = match self.kind {
            IndexKind::NameVersion => snapshot.name_version_entries(from, &self.upper, CHUNK)?,
            IndexKind::Status => snapshot.status_entries(from, &self.upper, CHUNK)?,
            IndexKind::Tag => snapshot.tag_entries(from, &self.upper, CHUNK)?,
        };
        self.exhausted = entries.len() < CHUNK;
        if let Some((last, _)) = entries.last() {
            self.next_from.clone_from(last);
            self.next_inclusive = false;
        }
        let prefix_len = self.prefix.len();
        self.buffer.extend(
            entries
                .into_iter()
                .map(|(key, id)| (key[prefix_len..].to_vec(), id)),
        );
        Ok(())
    }

    fn peek(&mut self, snapshot: &Snapshot) -> Result<Option<&[u8]>, StorageError> {
        self.fill(snapshot)?;
        Ok(self.buffer.front().map(|(suffix, _)| suffix.as_slice()))
    }
}

fn sources(query: &Query) -> Vec<Source> {
    let source = |kind, prefix| Source::new(kind, prefix, query);
    if let Some(tag) = query.tags_all.first() {
        vec![source(IndexKind::Tag, tag_prefix(tag))]
    } else if let Some(status) = query.status {
        vec![source(IndexKind::Status, vec![status.index_byte()])]
    } else if !query.tags_any.is_empty() {
        query
            .tags_any
            .iter()
            .map(|tag| source(IndexKind::Tag, tag_prefix(tag)))
            .collect()
    } else {
        vec![source(IndexKind::NameVersion, Vec::new())]
    }
}

/// The next candidate in (model_name, version) order across `sources`, each once.
fn next_candidate(
    sources: &mut [Source],
    snapshot: &Snapshot,
) -> Result<Option<(Vec<u8>, String)>, StorageError> {
    let mut least: Option<Vec<u8>> = None;
    for source in sources.iter_mut() {
        if let Some(suffix) = source.peek(snapshot)?
            && least.as_deref().is_none_or(|l| suffix < l)
        {
            least = Some(suffix.to_vec());
        }
    }
    let Some(least) = least else {
        return Ok(None);
    };
    let mut found = None;
    for source in sources.iter_mut() {
        if source.buffer.front().is_some_and(|(s, _)| *s == least) {
            found = source.buffer.pop_front();
        }
    }
    Ok(found)
}

fn metadata_matches(row: &Row, key: &str, expected: &str) -> bool {
    match row.metadata.as_ref().and_then(|m| m.get(key)) {
        Some(Value::String(s)) => s == expected,
        Some(Value::Number(n)) => expected
            .parse::<serde_json::Number>()
            .is_ok_and(|e| e == *n),
        Some(Value::Bool(b)) => expected.parse::<bool>() == Ok(*b),
        _ => false,
    }
}

fn matches(query: &Query, row: &Row) -> bool {
    query.status.is_none_or(|s| row.status == s)
        && query.tags_all.iter().all(|t| row.tags.contains(t))
        && (query.tags_any.is_empty() || query.tags_any.iter().any(|t| row.tags.contains(t)))
        && query
            .owner
            .as_ref()
            .is_none_or(|o| row.owner.as_ref() == Some(o))
        && query
            .metadata
            .iter()
            .all(|(k, v)| metadata_matches(row, k, v))
        && query.created.contains(row.created_at)
        && query.updated.contains(row.updated_at)
}

/// Up to `query.limit` matching rows after the cursor, and a cursor if more match.
pub fn search(snapshot: &Snapshot, query: &Query) -> Result<Page, StorageError> {
    let mut sources = sources(query);
    let mut rows = Vec::new();
    while let Some((suffix, model_id)) = next_candidate(&mut sources, snapshot)? {
        let Some(row) = snapshot.row(&model_id)? else {
            continue;
        };
        if !matches(query, &row) {
            continue;
        }
        if rows.len() == query.limit {
            let last: &Row = rows.last().expect("limit is at least 1");
            let cursor = name_version_key(&last.model_name, &last.version);
            debug_assert!(cursor < suffix);
            return Ok(Page {
                rows,
                next: Some(cursor),
            });
        }
        rows.push(row);
    }
    Ok(Page { rows, next: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_refuse_foreign_ones() {
        let cursor = name_version_key("fraud", "1.2");
        assert_eq!(decode_token(&encode_token(&cursor)), Some(cursor));
        assert_eq!(decode_token("not base64!"), None);
        assert_eq!(decode_token(&URL_SAFE_NO_PAD.encode(b"no separator")), None);
    }

    #[test]
    fn time_ranges_are_exclusive() {
        let range = TimeRange {
            after: Some(10),
            before: Some(20),
        };
        assert!(!range.contains(10) && range.contains(11) && range.contains(19));
        assert!(!range.contains(20));
        assert!(TimeRange::default().contains(i64::MIN));
    }
}
