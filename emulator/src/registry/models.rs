//! Registered models and their aliases: the two small tables the MLflow surface adds beside
//! the rows.
//!
//! | table | key | value |
//! |---|---|---|
//! | `registry_registered_models` | model_name | JSON `RegisteredModel` |
//! | `registry_aliases` | model_name ‖ 0 ‖ alias | the version it points to |
//!
//! A registered model exists once either API has created it (the native API creates one for
//! a name's first version). Its `next_version` counter hands out MLflow version numbers
//! atomically inside the write closure; numbers are never reused, and one a native row holds
//! already is skipped.

use redb::{ReadTransaction, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::rows::{name_version_key, open_read, prefix_end};
use crate::storage::tables::{REGISTRY_ALIASES, REGISTRY_REGISTERED_MODELS};
use crate::storage::{StorageError, Txn};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredModel {
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub description: Option<String>,
    /// Key-value tags, in key order.
    pub tags: Vec<(String, String)>,
    /// The next MLflow version number to try.
    pub next_version: u64,
}

impl RegisteredModel {
    pub fn new(name: String, now: i64) -> RegisteredModel {
        RegisteredModel {
            name,
            created_at: now,
            updated_at: now,
            description: None,
            tags: Vec::new(),
            next_version: 1,
        }
    }

    /// Sets tag `key` to `value`, keeping the tags in key order.
    pub fn set_tag(&mut self, key: String, value: String) {
        match self.tags.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => self.tags[i].1 = value,
            Err(i) => self.tags.insert(i, (key, value)),
        }
    }
}

fn corrupted(what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::from(redb::StorageError::Corrupted(format!("{what}: {e}")))
}

fn decode(bytes: &[u8]) -> Result<RegisteredModel, StorageError> {
    serde_json::from_slice(bytes).map_err(|e| corrupted("registered model", e))
}

fn get_model(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    name: &str,
) -> Result<Option<RegisteredModel>, StorageError> {
    match table.get(name)? {
        Some(v) => Ok(Some(decode(v.value())?)),
        None => Ok(None),
    }
}

/// (alias, version) pairs of `name`, in alias order.
fn aliases_of(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    name: &str,
) -> Result<Vec<(String, String)>, StorageError> {
    let from = name_version_key(name, "");
    let to = prefix_end(&from);
    let mut out = Vec::new();
    for entry in table.range::<&[u8]>(from.as_slice()..to.as_slice())? {
        let (k, v) = entry?;
        let alias = String::from_utf8(k.value()[from.len()..].to_vec())
            .map_err(|e| corrupted("alias key", e))?;
        let version =
            String::from_utf8(v.value().to_vec()).map_err(|e| corrupted("alias value", e))?;
        out.push((alias, version));
    }
    Ok(out)
}

/// Reads from a snapshot; an absent table reads as empty.
pub struct Snapshot<'a>(pub &'a ReadTransaction);

impl Snapshot<'_> {
    fn open<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        definition: TableDefinition<'static, K, V>,
    ) -> Result<Option<redb::ReadOnlyTable<K, V>>, StorageError> {
        open_read(self.0, definition)
    }

    pub fn model(&self, name: &str) -> Result<Option<RegisteredModel>, StorageError> {
        match self.open(REGISTRY_REGISTERED_MODELS)? {
            Some(t) => get_model(&t, name),
            None => Ok(None),
        }
    }

    /// Every registered model, in name order.
    pub fn models(&self) -> Result<Vec<RegisteredModel>, StorageError> {
        let Some(t) = self.open(REGISTRY_REGISTERED_MODELS)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for entry in t.iter()? {
            out.push(decode(entry?.1.value())?);
        }
        Ok(out)
    }

    pub fn aliases(&self, name: &str) -> Result<Vec<(String, String)>, StorageError> {
        match self.open(REGISTRY_ALIASES)? {
            Some(t) => aliases_of(&t, name),
            None => Ok(Vec::new()),
        }
    }

    pub fn alias(&self, name: &str, alias: &str) -> Result<Option<String>, StorageError> {
        let Some(t) = self.open(REGISTRY_ALIASES)? else {
            return Ok(None);
        };
        match t.get(name_version_key(name, alias).as_slice())? {
            Some(v) => Ok(Some(
                String::from_utf8(v.value().to_vec()).map_err(|e| corrupted("alias value", e))?,
            )),
            None => Ok(None),
        }
    }
}

/// Reads and writes inside a write closure.
pub struct Writer<'a, 't>(pub &'a Txn<'t>);

impl Writer<'_, '_> {
    pub fn model(&self, name: &str) -> Result<Option<RegisteredModel>, StorageError> {
        let t = self.0.open(REGISTRY_REGISTERED_MODELS)?;
        get_model(t.read(), name)
    }

    pub fn put_model(&self, model: &RegisteredModel) -> Result<(), StorageError> {
        let bytes = serde_json::to_vec(model).expect("registered models always serialize");
        self.0
            .open(REGISTRY_REGISTERED_MODELS)?
            .insert(model.name.as_str(), bytes.as_slice())?;
        Ok(())
    }

    pub fn remove_model(&self, name: &str) -> Result<(), StorageError> {
        self.0.open(REGISTRY_REGISTERED_MODELS)?.remove(name)?;
        Ok(())
    }

    pub fn aliases(&self, name: &str) -> Result<Vec<(String, String)>, StorageError> {
        let t = self.0.open(REGISTRY_ALIASES)?;
        aliases_of(t.read(), name)
    }

    pub fn set_alias(&self, name: &str, alias: &str, version: &str) -> Result<(), StorageError> {
        self.0
            .open(REGISTRY_ALIASES)?
            .insert(name_version_key(name, alias).as_slice(), version.as_bytes())?;
        Ok(())
    }

    pub fn remove_alias(&self, name: &str, alias: &str) -> Result<(), StorageError> {
        self.0
            .open(REGISTRY_ALIASES)?
            .remove(name_version_key(name, alias).as_slice())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_stay_in_key_order_and_are_replaced() {
        let mut m = RegisteredModel::new("m".into(), 0);
        m.set_tag("b".into(), "1".into());
        m.set_tag("a".into(), "2".into());
        m.set_tag("b".into(), "3".into());
        assert_eq!(
            m.tags,
            vec![("a".into(), "2".into()), ("b".into(), "3".into())]
        );
    }
}
