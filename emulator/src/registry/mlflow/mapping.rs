//! How MLflow's registry maps onto the seed's rows.
//!
//! - A model version is a row whose version is a positive integer written canonically.
//! - Stage ↔ status: draft and testing show as `None`, staging as `Staging`, production as
//!   `Production`. `Archived` is the row's `metadata.mlflow.archived` flag; archiving moves the
//!   row to draft (so the native API never takes an archived version for its latest
//!   production one), and any other transition clears the flag.
//! - user_id ↔ owner; tags ↔ the row's tags as `key=value` (MLflow tag keys cannot contain
//!   `=`, so the first one splits them; a native tag without one shows with an empty value).
//! - description, source, run_id and run_link live in `metadata.mlflow`.

use serde_json::{Map, Value};

use super::error::{MlflowError, Result};
use super::types;
use crate::registry::rows::Row;
use crate::registry::status::Status;

/// The metadata key holding MLflow's own fields.
pub const METADATA_KEY: &str = "mlflow";
const ARCHIVED: &str = "archived";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    None,
    Staging,
    Production,
    Archived,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::None,
        Stage::Staging,
        Stage::Production,
        Stage::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::None => "None",
            Stage::Staging => "Staging",
            Stage::Production => "Production",
            Stage::Archived => "Archived",
        }
    }

    /// A stage name in any case, as MLflow canonicalises it.
    pub fn parse(text: &str) -> Result<Stage> {
        Stage::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                MlflowError::invalid(format!(
                    "Invalid Model Version stage: {text}. Value must be one of None, Staging, Production, Archived."
                ))
            })
    }

    /// Staging and Production: the stages `archive_existing_versions` applies to.
    pub fn is_active(self) -> bool {
        matches!(self, Stage::Staging | Stage::Production)
    }

    pub fn of(row: &Row) -> Stage {
        if mlflow_fields(row).and_then(|m| m.get(ARCHIVED)) == Some(&Value::Bool(true)) {
            return Stage::Archived;
        }
        match row.status {
            Status::Draft | Status::Testing => Stage::None,
            Status::Staging => Stage::Staging,
            Status::Production => Stage::Production,
        }
    }

    /// Moves `row` to this stage.
    pub fn apply(self, row: &mut Row) {
        let archived = self == Stage::Archived;
        match self {
            Stage::None | Stage::Archived => {
                if !matches!(row.status, Status::Draft | Status::Testing) || archived {
                    row.status = Status::Draft;
                }
            }
            Stage::Staging => row.status = Status::Staging,
            Stage::Production => row.status = Status::Production,
        }
        let fields = fields_mut(row);
        if archived {
            fields.insert(ARCHIVED.into(), Value::Bool(true));
        } else {
            fields.remove(ARCHIVED);
        }
    }
}

/// A move in the native lifecycle takes the row out of MLflow's Archived stage.
pub fn clear_archived(row: &mut Row) {
    if let Some(fields) = row
        .metadata
        .as_mut()
        .and_then(|m| m.get_mut(METADATA_KEY))
        .and_then(Value::as_object_mut)
    {
        fields.remove(ARCHIVED);
    }
}

/// The MLflow version number of a row, if its version is one.
pub fn version_number(row: &Row) -> Option<i64> {
    parse_version(&row.version)
}

/// A canonical positive integer (`"1"`, not `"01"` or `"+1"`).
pub fn parse_version(text: &str) -> Option<i64> {
    let n: i64 = text.parse().ok()?;
    (n > 0 && n.to_string() == text).then_some(n)
}

fn mlflow_fields(row: &Row) -> Option<&Map<String, Value>> {
    row.metadata.as_ref()?.get(METADATA_KEY)?.as_object()
}

fn fields_mut(row: &mut Row) -> &mut Map<String, Value> {
    let metadata = row.metadata.get_or_insert_with(Map::new);
    let entry = metadata
        .entry(METADATA_KEY)
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut().expect("made an object above")
}

/// An MLflow string field of the row (empty when unset).
pub fn field<'a>(row: &'a Row, name: &str) -> &'a str {
    mlflow_fields(row)
        .and_then(|m| m.get(name))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn set_field(row: &mut Row, name: &str, value: &str) {
    fields_mut(row).insert(name.into(), Value::String(value.into()));
}

/// The row's tags as MLflow (key, value) pairs.
pub fn tag_pairs(row: &Row) -> Vec<(String, String)> {
    row.tags
        .iter()
        .map(|t| match t.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (t.clone(), String::new()),
        })
        .collect()
}

/// The seed tag holding an MLflow tag.
pub fn tag_text(key: &str, value: &str) -> String {
    format!("{key}={value}")
}

fn is_tag_of(tag: &str, key: &str) -> bool {
    tag == key
        || tag
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with('='))
}

/// Sets MLflow tag `key`, replacing the value it had.
pub fn set_tag(row: &mut Row, key: &str, value: &str) {
    let text = tag_text(key, value);
    match row.tags.iter().position(|t| is_tag_of(t, key)) {
        Some(i) => row.tags[i] = text,
        None => row.tags.push(text),
    }
}

pub fn delete_tag(row: &mut Row, key: &str) {
    row.tags.retain(|t| !is_tag_of(t, key));
}

/// The row as MLflow's `ModelVersion`.
pub fn model_version(row: &Row, aliases: Vec<String>) -> types::ModelVersion {
    types::ModelVersion {
        name: row.model_name.clone(),
        version: row.version.clone(),
        creation_timestamp: row.created_at,
        last_updated_timestamp: row.updated_at,
        user_id: row.owner.clone(),
        current_stage: Stage::of(row).as_str(),
        description: field(row, "description").to_owned(),
        source: field(row, "source").to_owned(),
        run_id: field(row, "run_id").to_owned(),
        status: "READY",
        tags: tag_pairs(row)
            .into_iter()
            .map(|(key, value)| types::Tag { key, value })
            .collect(),
        run_link: field(row, "run_link").to_owned(),
        aliases,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            model_id: "id".into(),
            model_name: "m".into(),
            version: "1".into(),
            status: Status::Testing,
            created_at: 0,
            updated_at: 0,
            metadata: None,
            owner: None,
            tags: vec!["team=risk".into(), "gpu".into()],
            revision: 1,
        }
    }

    #[test]
    fn stages_map_onto_statuses_and_the_archived_flag() {
        let mut r = row();
        assert_eq!(Stage::of(&r), Stage::None);
        Stage::None.apply(&mut r);
        assert_eq!(r.status, Status::Testing, "testing already shows as None");
        Stage::Production.apply(&mut r);
        assert_eq!(
            (r.status, Stage::of(&r)),
            (Status::Production, Stage::Production)
        );
        Stage::Archived.apply(&mut r);
        assert_eq!((r.status, Stage::of(&r)), (Status::Draft, Stage::Archived));
        Stage::Staging.apply(&mut r);
        assert_eq!((r.status, Stage::of(&r)), (Status::Staging, Stage::Staging));
        assert_eq!(Stage::parse("production").unwrap(), Stage::Production);
        assert!(Stage::parse("Deleted").is_err());
    }

    #[test]
    fn tags_are_key_value_pairs_and_are_replaced_by_key() {
        let mut r = row();
        assert_eq!(
            tag_pairs(&r),
            vec![
                ("team".into(), "risk".into()),
                ("gpu".into(), String::new())
            ]
        );
        set_tag(&mut r, "team", "growth");
        set_tag(&mut r, "te", "x");
        assert_eq!(r.tags, vec!["team=growth", "gpu", "te=x"]);
        delete_tag(&mut r, "gpu");
        assert_eq!(r.tags, vec!["team=growth", "te=x"]);
    }

    #[test]
    fn only_canonical_positive_integers_are_versions() {
        assert_eq!(parse_version("12"), Some(12));
        for text in ["0", "01", "+1", "-1", "1.0", "v1"] {
            assert_eq!(parse_version(text), None, "{text}");
        }
    }
}
