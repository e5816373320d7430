//! The operations on model-version rows that both APIs share: reads from a snapshot, and
//! writes as closures on the group-commit writer that check everything (existence,
//! uniqueness, `If-Match`, the caller's own rules) before their first write.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::Registry;
use super::error::{ErrorCode, RegistryError, Result};
use super::models::{self, RegisteredModel};
use super::rows::{self, Row, Transition};
use super::status::Status;

/// A row to create; the registry assigns model_id, times and revision.
#[derive(Debug, Clone)]
pub struct NewRow {
    pub model_name: String,
    pub version: String,
    pub status: Status,
    pub metadata: Option<Map<String, Value>>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
}

/// An `If-Match` precondition: `*` or a list of entity tags (compared strongly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    /// Parses a header value; None for one that names no entity tag at all.
    pub fn parse(value: &str) -> Option<IfMatch> {
        if value.trim() == "*" {
            return Some(IfMatch::Any);
        }
        let tags: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        (!tags.is_empty()).then_some(IfMatch::Tags(tags))
    }

    fn check(&self, row: &Row) -> Result<()> {
        match self {
            IfMatch::Any => Ok(()),
            // A weak tag (W/"...") never matches: If-Match compares strongly (RFC 9110).
            IfMatch::Tags(tags) if tags.iter().any(|t| *t == row.etag()) => Ok(()),
            IfMatch::Tags(_) => Err(RegistryError::new(
                ErrorCode::PreconditionFailed,
                format!(
                    "If-Match does not match the current ETag {} of model_id '{}'",
                    row.etag(),
                    row.model_id
                ),
            )),
        }
    }
}

fn check_precondition(precondition: Option<&IfMatch>, row: &Row) -> Result<()> {
    precondition.map_or(Ok(()), |p| p.check(row))
}

impl Registry {
    pub fn get(&self, model_id: &str) -> Result<Row> {
        self.snapshot()?
            .row(model_id)?
            .ok_or_else(|| RegistryError::model_id_not_found(model_id))
    }

    /// The row of (name, version), through the cache.
    pub fn get_by_name_version(&self, name: &str, version: &str) -> Result<Arc<Row>> {
        self.cache
            .row(name, version, || {
                self.snapshot()?.row_by_name_version(name, version)
            })?
            .ok_or_else(|| RegistryError::version_not_found(name, version))
    }

    /// The version of `name` in `status` created last (for production, through the cache).
    pub fn latest(&self, name: &str, status: Status) -> Result<Arc<Row>> {
        let load = || self.snapshot()?.latest_in_status(name, status);
        let latest = if status == Status::Production {
            self.cache.latest_production(name, load)?
        } else {
            load()?.map(Arc::new)
        };
        latest.ok_or_else(|| {
            RegistryError::new(
                ErrorCode::NotFound,
                format!("model '{name}' has no version in status '{status}'"),
            )
        })
    }

    /// The row's transitions, oldest first; 404 when the row does not exist.
    pub fn history(&self, model_id: &str) -> Result<Vec<Transition>> {
        let snapshot = self.snapshot()?;
        if snapshot.row(model_id)?.is_none() {
            return Err(RegistryError::model_id_not_found(model_id));
        }
        Ok(snapshot.transitions(model_id)?)
    }

    /// Creates a row (409 if (model_name, version) is taken); its creation is its first
    /// transition, made by its owner. The name's registered model is created with it if the
    /// name has none yet, so the MLflow surface sees the model.
    pub async fn create(&self, new: NewRow) -> Result<Row> {
        let now = super::clock::now_ms();
        let row = Row {
            model_id: uuid::Uuid::new_v4().to_string(),
            model_name: new.model_name,
            version: new.version,
            status: new.status,
            created_at: now,
            updated_at: now,
            metadata: new.metadata,
            owner: new.owner,
            tags: new.tags,
            revision: 1,
        };
        let row = self
            .store
            .write(move |txn| -> Result<Row> {
                let w = rows::Writer(txn);
                if w.model_id_of(&row.model_name, &row.version)?.is_some() {
                    return Err(RegistryError::already_exists(&row.model_name, &row.version));
                }
                let m = models::Writer(txn);
                if m.model(&row.model_name)?.is_none() {
                    m.put_model(&RegisteredModel::new(
                        row.model_name.clone(),
                        row.created_at,
                    ))?;
                }
                w.put_row(None, &row)?;
                let created = Transition {
                    from: None,
                    to: row.status,
                    changed_by: row.owner.clone(),
                    changed_at: row.created_at,
                };
                w.append_transition(&row.model_id, row.revision, &created)?;
                Ok(row)
            })
            .await??;
        self.cache.invalidate(&row.model_name, &row.version);
        Ok(row)
    }

    /// Applies `change` to the row under `precondition`; a status change it makes is recorded
    /// as a transition by `changed_by`. `change` may refuse, before anything is written.
    pub async fn modify<F>(
        &self,
        model_id: String,
        precondition: Option<IfMatch>,
        changed_by: Option<String>,
        change: F,
    ) -> Result<Row>
    where
        F: FnOnce(&mut Row) -> Result<()> + Send + 'static,
    {
        let (old, row) = self
            .store
            .write(move |txn| -> Result<(Row, Row)> {
                let w = rows::Writer(txn);
                let old = w
                    .row(&model_id)?
                    .ok_or_else(|| RegistryError::model_id_not_found(&model_id))?;
                check_precondition(precondition.as_ref(), &old)?;
                let row = rewrite(&w, &old, changed_by, change)?;
                Ok((old, row))
            })
            .await??;
        self.cache.invalidate(&old.model_name, &old.version);
        self.cache.invalidate(&row.model_name, &row.version);
        Ok(row)
    }

    /// Moves the row to `to` if the lifecycle allows it (409 otherwise).
    pub async fn transition(
        &self,
        model_id: String,
        to: Status,
        changed_by: Option<String>,
        precondition: Option<IfMatch>,
    ) -> Result<Row> {
        self.modify(model_id, precondition, changed_by, move |row| {
            if !row.status.may_move_to(to) {
                return Err(illegal_move(row.status, to));
            }
            row.status = to;
            super::mlflow::clear_archived(row);
            Ok(())
        })
        .await
    }

    /// Deletes the row, its index entries and its history; returns what was deleted.
    pub async fn delete(&self, model_id: String, precondition: Option<IfMatch>) -> Result<Row> {
        let row = self
            .store
            .write(move |txn| -> Result<Row> {
                let w = rows::Writer(txn);
                let row = w
                    .row(&model_id)?
                    .ok_or_else(|| RegistryError::model_id_not_found(&model_id))?;
                check_precondition(precondition.as_ref(), &row)?;
                w.delete_row(&row)?;
                Ok(row)
            })
            .await??;
        self.cache.invalidate(&row.model_name, &row.version);
        Ok(row)
    }
}

/// Inside a write closure: `old` changed by `change`, its revision and update time bumped,
/// written with its index entries, and a status change it makes recorded as a transition by
/// `changed_by`. Nothing is written if `change` refuses.
pub fn rewrite<F>(
    w: &rows::Writer<'_, '_>,
    old: &Row,
    changed_by: Option<String>,
    change: F,
) -> Result<Row>
where
    F: FnOnce(&mut Row) -> Result<()>,
{
    let mut row = old.clone();
    change(&mut row)?;
    row.revision = old.revision + 1;
    row.updated_at = super::clock::now_ms().max(old.updated_at);
    w.put_row(Some(old), &row)?;
    if row.status != old.status {
        let moved = Transition {
            from: Some(old.status),
            to: row.status,
            changed_by,
            changed_at: row.updated_at,
        };
        w.append_transition(&row.model_id, row.revision, &moved)?;
    }
    Ok(row)
}

fn illegal_move(from: Status, to: Status) -> RegistryError {
    let allowed: Vec<&str> = from.allowed_moves().iter().map(|s| s.as_str()).collect();
    let message = if from == to {
        format!("the model version is already in status '{to}'")
    } else {
        format!(
            "cannot move a model version from '{from}' to '{to}'; from '{from}' it may move to: {}",
            allowed.join(", ")
        )
    };
    RegistryError::new(ErrorCode::IllegalTransition, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_parses_star_and_lists() {
        assert_eq!(IfMatch::parse(" * "), Some(IfMatch::Any));
        assert_eq!(
            IfMatch::parse("\"a\", W/\"b\""),
            Some(IfMatch::Tags(vec!["\"a\"".into(), "W/\"b\"".into()]))
        );
        assert_eq!(IfMatch::parse(" , "), None);
    }

    #[test]
    fn illegal_moves_say_where_the_version_may_go() {
        let e = illegal_move(Status::Draft, Status::Production);
        assert_eq!(e.code, ErrorCode::IllegalTransition);
        assert_eq!(
            e.message,
            "cannot move a model version from 'draft' to 'production'; from 'draft' it may move to: testing"
        );
    }
}
