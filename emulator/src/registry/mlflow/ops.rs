//! MLflow's registry operations over the rows, registered models and aliases. Each write is
//! one closure on the group-commit writer that checks everything before its first write;
//! reads come from one snapshot.

use serde_json::{Map, Value};

use super::error::{ErrorCode, MlflowError, Result};
use super::filter::{self, Entity, Filter, Subject};
use super::mapping::{self, Stage};
use super::params::Params;
use super::types::{self, Alias, Tag};
use crate::registry::models::{self, RegisteredModel};
use crate::registry::ops::rewrite;
use crate::registry::rows::{self, Row};
use crate::registry::search::{self, NameFilter, Query};
use crate::registry::status::Status;
use crate::registry::{Registry, clock, validate};

const MAX_ALIAS_LENGTH: usize = 256;
const MAX_TAG_KEY_LENGTH: usize = 250;

fn validate_name(name: &str) -> Result<()> {
    if name.contains(['/', ':']) {
        return Err(MlflowError::invalid(format!(
            "Invalid model name '{name}'. Names cannot contain '/' or ':'."
        )));
    }
    validate::model_name(name).map_err(Into::into)
}

fn parse_version(text: &str) -> Result<()> {
    text.trim().parse::<i64>().map(|_| ()).map_err(|_| {
        MlflowError::invalid(format!(
            "Parameter 'version' must be an integer, got '{text}'."
        ))
    })
}

fn validate_tag(key: &str, value: &str) -> Result<()> {
    if key.chars().count() > MAX_TAG_KEY_LENGTH {
        return Err(MlflowError::invalid(format!(
            "'key' exceeds the maximum length of {MAX_TAG_KEY_LENGTH} characters"
        )));
    }
    if !key
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '/'))
    {
        return Err(MlflowError::invalid(format!(
            "Invalid value \"{key}\" for parameter 'key' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/)."
        )));
    }
    let text = mapping::tag_text(key, value);
    validate::varchar("tag", &text, validate::TAG_MAX).map_err(|_| {
        MlflowError::invalid(format!(
            "Tag '{key}' is too long: a model version tag is stored as 'key=value' in at most {} characters",
            validate::TAG_MAX
        ))
    })
}

fn validate_alias(alias: &str) -> Result<()> {
    if alias.is_empty() {
        return Err(MlflowError::invalid(
            "Registered model alias name cannot be empty.",
        ));
    }
    if !alias
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(MlflowError::invalid(format!(
            "Invalid alias name: '{alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-)."
        )));
    }
    if alias.chars().count() > MAX_ALIAS_LENGTH {
        return Err(MlflowError::invalid(format!(
            "Registered model alias name '{alias}' had length {}, which exceeded length limit of {MAX_ALIAS_LENGTH}",
            alias.chars().count()
        )));
    }
    if alias.eq_ignore_ascii_case("latest") {
        return Err(MlflowError::invalid(
            "'latest' alias name (case insensitive) is reserved.",
        ));
    }
    let digits = alias.strip_prefix(['v', 'V']).unwrap_or_default();
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(MlflowError::invalid(format!(
            "Version alias name '{alias}' is reserved."
        )));
    }
    Ok(())
}

fn tags_of(pairs: &[(String, String)]) -> Vec<Tag> {
    pairs
        .iter()
        .map(|(key, value)| Tag {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

/// What a read needs: the rows, the registered models and the aliases of one snapshot.
struct View {
    rows: rows::Snapshot,
}

impl View {
    fn models(&self) -> models::Snapshot<'_> {
        models::Snapshot(self.rows.transaction())
    }

    fn model(&self, name: &str) -> Result<RegisteredModel> {
        self.models()
            .model(name)?
            .ok_or_else(|| MlflowError::model_not_found(name))
    }

    /// The MLflow versions of `name` (rows with integer versions), by version number.
    fn versions(&self, name: &str) -> Result<Vec<Row>> {
        let query = Query {
            name: NameFilter::Exact(name.to_owned()),
            limit: usize::MAX,
            ..Query::default()
        };
        let mut rows: Vec<Row> = search::search(&self.rows, &query)?
            .rows
            .into_iter()
            .filter(|r| mapping::version_number(r).is_some())
            .collect();
        rows.sort_by_key(mapping::version_number);
        Ok(rows)
    }

    fn version(&self, name: &str, version: &str) -> Result<Row> {
        parse_version(version)?;
        self.rows
            .row_by_name_version(name, version)?
            .filter(|r| mapping::version_number(r).is_some())
            .ok_or_else(|| MlflowError::version_not_found(name, version))
    }

    fn aliases_of(&self, row: &Row) -> Result<Vec<String>> {
        Ok(self
            .models()
            .aliases(&row.model_name)?
            .into_iter()
            .filter(|(_, v)| *v == row.version)
            .map(|(a, _)| a)
            .collect())
    }

    fn model_version(&self, row: &Row) -> Result<types::ModelVersion> {
        Ok(mapping::model_version(row, self.aliases_of(row)?))
    }

    /// The latest version in each stage, ordered by version number.
    fn latest_versions(&self, name: &str) -> Result<Vec<Row>> {
        let mut latest: Vec<Row> = Vec::new();
        for row in self.versions(name)? {
            let stage = Stage::of(&row);
            latest.retain(|r| Stage::of(r) != stage);
            latest.push(row);
        }
        latest.sort_by_key(mapping::version_number);
        Ok(latest)
    }

    fn registered_model(&self, model: &RegisteredModel) -> Result<types::RegisteredModel> {
        let latest_versions = self
            .latest_versions(&model.name)?
            .iter()
            .map(|r| mapping::model_version(r, Vec::new()))
            .collect();
        let aliases = self
            .models()
            .aliases(&model.name)?
            .into_iter()
            .map(|(alias, version)| Alias { alias, version })
            .collect();
        Ok(types::RegisteredModel {
            name: model.name.clone(),
            creation_timestamp: model.created_at,
            last_updated_timestamp: model.updated_at,
            description: model.description.clone(),
            latest_versions,
            tags: tags_of(&model.tags),
            aliases,
        })
    }
}

/// MLflow's page token: base64 of `{"offset": N}`.
fn page_offset(params: &Params) -> Result<usize> {
    use base64::Engine as _;
    let Some(token) = params.optional_string("page_token")? else {
        return Ok(0);
    };
    if token.is_empty() {
        return Ok(0);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .map_err(|_| MlflowError::invalid("Invalid page token, could not base64-decode"))?;
    let text = String::from_utf8_lossy(&decoded).into_owned();
    let parsed: Value = serde_json::from_str(&text)
        .map_err(|_| MlflowError::invalid(format!("Invalid page token, decoded value={text}")))?;
    parsed
        .get("offset")
        .and_then(Value::as_u64)
        .filter(|&n| n > 0)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| MlflowError::invalid(format!("Invalid page token, parsed value={parsed}")))
}

fn page_token(offset: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{{\"offset\": {offset}}}"))
}

/// One `order_by` entry: the key and whether ascending.
fn order_by(text: &str, valid: &[&str]) -> Result<(String, bool)> {
    let mut parts = text.split_whitespace();
    let key = parts
        .next()
        .unwrap_or_default()
        .trim_matches('`')
        .to_owned();
    let ascending = match parts.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => true,
        Some("desc") => false,
        Some(_) => {
            return Err(MlflowError::invalid(format!(
                "Invalid ordering key in order_by clause '{text}'."
            )));
        }
    };
    if parts.next().is_some() {
        return Err(MlflowError::invalid(format!(
            "Invalid order_by clause '{text}'. Could not be parsed."
        )));
    }
    if !valid.contains(&key.as_str()) {
        let shown: Vec<String> = valid.iter().map(|k| format!("'{k}'")).collect();
        return Err(MlflowError::invalid(format!(
            "Invalid order by key '{key}' specified. Valid keys are '{{{}}}'",
            shown.join(", ")
        )));
    }
    Ok((key, ascending))
}

impl Registry {
    fn view(&self) -> Result<View> {
        Ok(View {
            rows: self.snapshot()?,
        })
    }

    pub(super) async fn mlflow_create_registered_model(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        validate_name(&name)?;
        let tags = p.tags()?;
        let description = p.optional_string("description")?;
        let created_name = name.clone();
        self.store
            .write(move |txn| -> Result<()> {
                let m = models::Writer(txn);
                if m.model(&name)?.is_some() {
                    return Err(MlflowError::model_exists(&name));
                }
                let mut model = RegisteredModel::new(name, clock::now_ms());
                model.description = description;
                for (key, value) in tags {
                    model.set_tag(key, value);
                }
                m.put_model(&model)?;
                Ok(())
            })
            .await??;
        self.registered_model_answer(&created_name)
    }

    fn registered_model_answer(&self, name: &str) -> Result<Value> {
        let view = self.view()?;
        let model = view.model(name)?;
        json(&types::RegisteredModelResponse {
            registered_model: view.registered_model(&model)?,
        })
    }

    pub(super) fn mlflow_get_registered_model(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        self.registered_model_answer(&name)
    }

    /// Applies `change` to registered model `name` (404 if there is none).
    async fn change_registered_model<F>(&self, name: String, change: F) -> Result<()>
    where
        F: FnOnce(&mut RegisteredModel) + Send + 'static,
    {
        self.store
            .write(move |txn| -> Result<()> {
                let m = models::Writer(txn);
                let mut model = m
                    .model(&name)?
                    .ok_or_else(|| MlflowError::model_not_found(&name))?;
                change(&mut model);
                m.put_model(&model)?;
                Ok(())
            })
            .await?
    }

    pub(super) async fn mlflow_update_registered_model(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let description = p.optional_string("description")?;
        self.change_registered_model(name.clone(), move |model| {
            model.description = description;
            model.updated_at = clock::now_ms();
        })
        .await?;
        self.registered_model_answer(&name)
    }

    pub(super) async fn mlflow_rename_registered_model(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let new_name = p.optional_string("new_name")?.unwrap_or_default();
        if new_name.trim().is_empty() {
            return Err(MlflowError::invalid(
                "Missing value for required parameter 'new_name'.",
            ));
        }
        validate_name(&new_name)?;
        let (from, to) = (name.clone(), new_name.clone());
        self.store
            .write(move |txn| -> Result<()> {
                let m = models::Writer(txn);
                let w = rows::Writer(txn);
                let mut model = m
                    .model(&from)?
                    .ok_or_else(|| MlflowError::model_not_found(&from))?;
                if m.model(&to)?.is_some() {
                    return Err(MlflowError::model_exists(&to));
                }
                let moving = w.rows_of(&from)?;
                for row in &moving {
                    if w.model_id_of(&to, &row.version)?.is_some() {
                        return Err(MlflowError::model_exists(&to));
                    }
                }
                let aliases = m.aliases(&from)?;
                let now = clock::now_ms();
                for old in moving {
                    rewrite(&w, &old, None, |row| {
                        row.model_name.clone_from(&to);
                        Ok(())
                    })?;
                }
                for (alias, version) in aliases {
                    m.remove_alias(&from, &alias)?;
                    m.set_alias(&to, &alias, &version)?;
                }
                m.remove_model(&from)?;
                model.name.clone_from(&to);
                model.updated_at = now;
                m.put_model(&model)?;
                Ok(())
            })
            .await??;
        self.cache.invalidate_model(&name);
        self.cache.invalidate_model(&new_name);
        self.registered_model_answer(&new_name)
    }

    pub(super) async fn mlflow_delete_registered_model(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let target = name.clone();
        self.store
            .write(move |txn| -> Result<()> {
                let m = models::Writer(txn);
                let w = rows::Writer(txn);
                if m.model(&target)?.is_none() {
                    return Err(MlflowError::model_not_found(&target));
                }
                for row in w.rows_of(&target)? {
                    w.delete_row(&row)?;
                }
                for (alias, _) in m.aliases(&target)? {
                    m.remove_alias(&target, &alias)?;
                }
                m.remove_model(&target)?;
                Ok(())
            })
            .await??;
        self.cache.invalidate_model(&name);
        json(&types::Empty {})
    }

    pub(super) fn mlflow_search_registered_models(&self, p: &Params) -> Result<Value> {
        let filter = filter::parse(
            &p.optional_string("filter")?.unwrap_or_default(),
            Entity::RegisteredModel,
        )?;
        let max_results = usize::try_from(p.max_results(100, 1000)?).unwrap_or(100);
        let orders = p
            .string_list("order_by")?
            .iter()
            .map(|o| {
                order_by(
                    o,
                    &[
                        "name",
                        "timestamp",
                        "last_updated_timestamp",
                        "creation_timestamp",
                    ],
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let offset = page_offset(p)?;
        let view = self.view()?;
        let candidates = match filter.exact_name() {
            Some(name) => view.models().model(name)?.into_iter().collect(),
            None => view.models().models()?,
        };
        let mut matched: Vec<RegisteredModel> = candidates
            .into_iter()
            .filter(|m| {
                filter.matches(&Subject {
                    name: &m.name,
                    version: 0,
                    run_id: "",
                    source: "",
                    tags: &m.tags,
                })
            })
            .collect();
        matched.sort_by(|a, b| {
            for (key, ascending) in &orders {
                let ord = match key.as_str() {
                    "name" => a.name.cmp(&b.name),
                    "last_updated_timestamp" => a.updated_at.cmp(&b.updated_at),
                    _ => a.created_at.cmp(&b.created_at),
                };
                let ord = if *ascending { ord } else { ord.reverse() };
                if ord.is_ne() {
                    return ord;
                }
            }
            a.name.cmp(&b.name)
        });
        let more = matched.len() > offset + max_results;
        let registered_models = matched
            .iter()
            .skip(offset)
            .take(max_results)
            .map(|m| view.registered_model(m))
            .collect::<Result<Vec<_>>>()?;
        json(&types::RegisteredModelPage {
            registered_models,
            next_page_token: more.then(|| page_token(offset + max_results)),
        })
    }

    pub(super) fn mlflow_get_latest_versions(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let stages = p
            .string_list("stages")?
            .iter()
            .map(|s| Stage::parse(s))
            .collect::<Result<Vec<_>>>()?;
        let view = self.view()?;
        view.model(&name)?;
        let model_versions = view
            .latest_versions(&name)?
            .iter()
            .filter(|r| stages.is_empty() || stages.contains(&Stage::of(r)))
            .map(|r| view.model_version(r))
            .collect::<Result<Vec<_>>>()?;
        json(&types::LatestVersions { model_versions })
    }

    pub(super) async fn mlflow_set_registered_model_tag(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let key = p.required_string("key")?;
        let value = p.optional_string("value")?.unwrap_or_default();
        validate_tag(&key, &value)?;
        self.change_registered_model(name, move |model| model.set_tag(key, value))
            .await?;
        json(&types::Empty {})
    }

    pub(super) async fn mlflow_delete_registered_model_tag(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let key = p.required_string("key")?;
        self.change_registered_model(name, move |model| model.tags.retain(|(k, _)| *k != key))
            .await?;
        json(&types::Empty {})
    }

    pub(super) async fn mlflow_set_alias(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let alias = p.required_string("alias")?;
        let version = p.required_string("version")?;
        validate_alias(&alias)?;
        parse_version(&version)?;
        self.store
            .write(move |txn| -> Result<()> {
                let m = models::Writer(txn);
                let w = rows::Writer(txn);
                if m.model(&name)?.is_none() {
                    return Err(MlflowError::model_not_found(&name));
                }
                let exists = w.model_id_of(&name, &version)?.is_some()
                    && mapping::parse_version(&version).is_some();
                if !exists {
                    return Err(MlflowError::version_not_found(&name, &version));
                }
                m.set_alias(&name, &alias, &version)?;
                Ok(())
            })
            .await??;
        json(&types::Empty {})
    }

    pub(super) async fn mlflow_delete_alias(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let alias = p.required_string("alias")?;
        self.store
            .write(move |txn| -> Result<()> {
                let m = models::Writer(txn);
                if m.model(&name)?.is_none() {
                    return Err(MlflowError::model_not_found(&name));
                }
                m.remove_alias(&name, &alias)?;
                Ok(())
            })
            .await??;
        json(&types::Empty {})
    }

    pub(super) fn mlflow_get_by_alias(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let alias = p.required_string("alias")?;
        let view = self.view()?;
        view.model(&name)?;
        let version = view.models().alias(&name, &alias)?.ok_or_else(|| {
            MlflowError::invalid(format!("Registered model alias {alias} not found."))
        })?;
        let row = view.version(&name, &version)?;
        json(&types::ModelVersionResponse {
            model_version: view.model_version(&row)?,
        })
    }

    pub(super) async fn mlflow_create_model_version(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let source = p.required_string("source")?;
        let run_id = p.optional_string("run_id")?.unwrap_or_default();
        let run_link = p.optional_string("run_link")?.unwrap_or_default();
        let description = p.optional_string("description")?.unwrap_or_default();
        let tags = p.tags()?;
        for (key, value) in &tags {
            validate_tag(key, value)?;
        }
        let row = self
            .store
            .write(move |txn| -> Result<Row> {
                let m = models::Writer(txn);
                let w = rows::Writer(txn);
                let mut model = m
                    .model(&name)?
                    .ok_or_else(|| MlflowError::model_not_found(&name))?;
                let mut number = model.next_version;
                while w.model_id_of(&name, &number.to_string())?.is_some() {
                    number += 1;
                }
                let now = clock::now_ms();
                let mut row = Row {
                    model_id: uuid::Uuid::new_v4().to_string(),
                    model_name: name,
                    version: number.to_string(),
                    status: Status::Draft,
                    created_at: now,
                    updated_at: now,
                    metadata: Some(Map::new()),
                    owner: None,
                    tags: Vec::new(),
                    revision: 1,
                };
                for (field, value) in [
                    ("description", &description),
                    ("source", &source),
                    ("run_id", &run_id),
                    ("run_link", &run_link),
                ] {
                    mapping::set_field(&mut row, field, value);
                }
                for (key, value) in &tags {
                    mapping::set_tag(&mut row, key, value);
                }
                w.put_row(None, &row)?;
                w.append_transition(
                    &row.model_id,
                    row.revision,
                    &rows::Transition {
                        from: None,
                        to: row.status,
                        changed_by: None,
                        changed_at: now,
                    },
                )?;
                model.next_version = number + 1;
                model.updated_at = now;
                m.put_model(&model)?;
                Ok(row)
            })
            .await??;
        self.cache.invalidate(&row.model_name, &row.version);
        json(&types::ModelVersionResponse {
            model_version: mapping::model_version(&row, Vec::new()),
        })
    }

    pub(super) fn mlflow_get_model_version(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let version = p.required_string("version")?;
        let view = self.view()?;
        let row = view.version(&name, &version)?;
        json(&types::ModelVersionResponse {
            model_version: view.model_version(&row)?,
        })
    }

    pub(super) fn mlflow_get_download_uri(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        let version = p.required_string("version")?;
        let row = self.view()?.version(&name, &version)?;
        json(&types::DownloadUri {
            artifact_uri: mapping::field(&row, "source").to_owned(),
        })
    }

    /// Applies `change` to model version (name, version) and stamps its registered model.
    async fn mlflow_change_version<F>(&self, p: &Params, change: F) -> Result<Row>
    where
        F: FnOnce(&rows::Writer<'_, '_>, &Row) -> Result<Row> + Send + 'static,
    {
        let name = p.required_string("name")?;
        let version = p.required_string("version")?;
        parse_version(&version)?;
        let row = self
            .store
            .write(move |txn| -> Result<Row> {
                let m = models::Writer(txn);
                let w = rows::Writer(txn);
                let old = match w.model_id_of(&name, &version)? {
                    Some(id) if mapping::parse_version(&version).is_some() => w.row(&id)?,
                    _ => None,
                }
                .ok_or_else(|| MlflowError::version_not_found(&name, &version))?;
                let row = change(&w, &old)?;
                if let Some(mut model) = m.model(&name)? {
                    model.updated_at = clock::now_ms();
                    m.put_model(&model)?;
                }
                Ok(row)
            })
            .await??;
        self.cache.invalidate_model(&row.model_name);
        Ok(row)
    }

    fn model_version_answer(&self, row: &Row) -> Result<Value> {
        json(&types::ModelVersionResponse {
            model_version: self.view()?.model_version(row)?,
        })
    }

    pub(super) async fn mlflow_update_model_version(&self, p: &Params) -> Result<Value> {
        let description = p.optional_string("description")?.unwrap_or_default();
        let row = self
            .mlflow_change_version(p, move |w, old| {
                Ok(rewrite(w, old, None, |row| {
                    mapping::set_field(row, "description", &description);
                    Ok(())
                })?)
            })
            .await?;
        self.model_version_answer(&row)
    }

    pub(super) async fn mlflow_transition_stage(&self, p: &Params) -> Result<Value> {
        let stage = Stage::parse(&p.required_string("stage")?)?;
        let archive_existing = p
            .optional_bool("archive_existing_versions")?
            .unwrap_or(false);
        if archive_existing && !stage.is_active() {
            return Err(MlflowError::invalid(format!(
                "Model version transition cannot archive existing model versions because '{}' is not an Active stage. Valid stages are ['None', 'Staging', 'Production']",
                p.required_string("stage")?
            )));
        }
        let row = self
            .mlflow_change_version(p, move |w, old| {
                if archive_existing {
                    for other in w.rows_of(&old.model_name)? {
                        if other.model_id != old.model_id
                            && mapping::version_number(&other).is_some()
                            && Stage::of(&other) == stage
                        {
                            rewrite(w, &other, None, |row| {
                                Stage::Archived.apply(row);
                                Ok(())
                            })?;
                        }
                    }
                }
                Ok(rewrite(w, old, None, |row| {
                    stage.apply(row);
                    Ok(())
                })?)
            })
            .await?;
        self.model_version_answer(&row)
    }

    pub(super) async fn mlflow_delete_model_version(&self, p: &Params) -> Result<Value> {
        let name = p.required_string("name")?;
        self.mlflow_change_version(p, move |w, old| {
            w.delete_row(old)?;
            let m = models::Writer(w.0);
            for (alias, version) in m.aliases(&name)? {
                if version == old.version {
                    m.remove_alias(&name, &alias)?;
                }
            }
            Ok(old.clone())
        })
        .await?;
        json(&types::Empty {})
    }

    pub(super) async fn mlflow_set_model_version_tag(&self, p: &Params) -> Result<Value> {
        let key = p.required_string("key")?;
        let value = p.optional_string("value")?.unwrap_or_default();
        validate_tag(&key, &value)?;
        self.mlflow_change_version(p, move |w, old| {
            Ok(rewrite(w, old, None, |row| {
                mapping::set_tag(row, &key, &value);
                Ok(())
            })?)
        })
        .await?;
        json(&types::Empty {})
    }

    pub(super) async fn mlflow_delete_model_version_tag(&self, p: &Params) -> Result<Value> {
        let key = p.required_string("key")?;
        self.mlflow_change_version(p, move |w, old| {
            Ok(rewrite(w, old, None, |row| {
                mapping::delete_tag(row, &key);
                Ok(())
            })?)
        })
        .await?;
        json(&types::Empty {})
    }

    pub(super) fn mlflow_search_model_versions(&self, p: &Params) -> Result<Value> {
        let filter = filter::parse(
            &p.optional_string("filter")?.unwrap_or_default(),
            Entity::ModelVersion,
        )?;
        let max_results = usize::try_from(p.max_results(10_000, 200_000)?).unwrap_or(10_000);
        let mut orders = p
            .string_list("order_by")?
            .iter()
            .map(|o| {
                order_by(
                    o,
                    &[
                        "name",
                        "version_number",
                        "creation_timestamp",
                        "last_updated_timestamp",
                    ],
                )
            })
            .collect::<Result<Vec<_>>>()?;
        if orders.is_empty() {
            orders = vec![
                ("last_updated_timestamp".into(), false),
                ("name".into(), true),
                ("version_number".into(), false),
            ];
        }
        let offset = page_offset(p)?;
        let view = self.view()?;
        let mut matched = candidates(&view, &filter)?;
        matched.retain(|row| {
            let tags = mapping::tag_pairs(row);
            filter.matches(&Subject {
                name: &row.model_name,
                version: mapping::version_number(row).unwrap_or_default(),
                run_id: mapping::field(row, "run_id"),
                source: mapping::field(row, "source"),
                tags: &tags,
            })
        });
        matched.sort_by(|a, b| {
            let mut keys = orders
                .iter()
                .map(|(k, asc)| (k.as_str(), *asc))
                .collect::<Vec<_>>();
            if !keys.iter().any(|(k, _)| *k == "name") {
                keys.push(("name", true));
            }
            if !keys.iter().any(|(k, _)| *k == "version_number") {
                keys.push(("version_number", false));
            }
            for (key, ascending) in keys {
                let ord = match key {
                    "name" => a.model_name.cmp(&b.model_name),
                    "version_number" => mapping::version_number(a).cmp(&mapping::version_number(b)),
                    "creation_timestamp" => a.created_at.cmp(&b.created_at),
                    _ => a.updated_at.cmp(&b.updated_at),
                };
                let ord = if ascending { ord } else { ord.reverse() };
                if ord.is_ne() {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
        let more = matched.len() > offset + max_results;
        let model_versions = matched
            .iter()
            .skip(offset)
            .take(max_results)
            .map(|r| view.model_version(r))
            .collect::<Result<Vec<_>>>()?;
        json(&types::ModelVersionPage {
            model_versions,
            next_page_token: more.then(|| page_token(offset + max_results)),
        })
    }
}

/// The MLflow versions a filter can match, read through the narrowest index it names: the
/// (model_name, version) index for `name =` or `name LIKE 'prefix%'`, the tag index for
/// `tags.k = 'v'`, else every row.
fn candidates(view: &View, filter: &Filter) -> Result<Vec<Row>> {
    let name = match (filter.exact_name(), filter.name_prefix()) {
        (Some(exact), _) => NameFilter::Exact(exact.to_owned()),
        (None, Some(prefix)) => NameFilter::Prefix(prefix.to_owned()),
        (None, None) => NameFilter::Any,
    };
    let query = Query {
        name,
        tags_all: filter
            .tag_equalities()
            .into_iter()
            .map(|(k, v)| mapping::tag_text(k, v))
            .collect(),
        limit: usize::MAX,
        ..Query::default()
    };
    Ok(search::search(&view.rows, &query)?
        .rows
        .into_iter()
        .filter(|r| mapping::version_number(r).is_some())
        .collect())
}

fn json<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| {
        MlflowError::new(
            ErrorCode::InternalError,
            format!("cannot encode the answer: {e}"),
        )
    })
}
