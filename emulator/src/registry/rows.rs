//! Model-version rows in redb, and the indexes written in the same transaction as each row.
//!
//! A row is the seed's nine `model_registry` columns plus a revision (the ETag's source). Its
//! index entries are derived from it and rewritten by every write of it, inside the same
//! write closure, so after a crash an index never disagrees with the rows. Names, versions
//! and tags never contain NUL (PostgreSQL's text types cannot hold it, and the API refuses
//! it), so NUL separates the parts of a key and `name ‖ 0 ‖ version` sorts every index's
//! entries for one key value in (model_name, version) byte order, the order searches answer in.
//!
//! | table | key | value |
//! |---|---|---|
//! | `registry_rows` | model_id | the row (JSON `Row`) |
//! | `registry_name_version` | model_name ‖ 0 ‖ version | model_id (unique: one row per pair) |
//! | `registry_status` | status byte ‖ model_name ‖ 0 ‖ version | model_id |
//! | `registry_tags` | tag ‖ 0 ‖ model_name ‖ 0 ‖ version | model_id |
//! | `registry_transitions` | model_id ‖ revision (u64 BE) | JSON `Transition` |

use std::collections::BTreeSet;

use redb::{ReadTransaction, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::status::Status;
use crate::storage::tables::{
    REGISTRY_NAME_VERSION, REGISTRY_ROWS, REGISTRY_STATUS, REGISTRY_TAGS, REGISTRY_TRANSITIONS,
};
use crate::storage::{StorageError, Txn};

/// One model version: the seed's columns, times in milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub model_id: String,
    pub model_name: String,
    pub version: String,
    pub status: Status,
    pub created_at: i64,
    pub updated_at: i64,
    pub metadata: Option<Map<String, Value>>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    /// Bumped by every write of the row; the ETag names it.
    pub revision: u64,
}

impl Row {
    /// The strong entity tag of this revision of this row.
    pub fn etag(&self) -> String {
        format!("\"{}.{}\"", self.model_id, self.revision)
    }

    fn index_keys(&self) -> IndexKeys {
        IndexKeys {
            name_version: name_version_key(&self.model_name, &self.version),
            status: status_key(self.status, &self.model_name, &self.version),
            tags: self
                .tags
                .iter()
                .map(|t| tag_key(t, &self.model_name, &self.version))
                .collect(),
        }
    }
}

/// A status change: who moved the row, from where (None at creation), to where, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub from: Option<Status>,
    pub to: Status,
    pub changed_by: Option<String>,
    pub changed_at: i64,
}

struct IndexKeys {
    name_version: Vec<u8>,
    status: Vec<u8>,
    tags: BTreeSet<Vec<u8>>,
}

pub fn name_version_key(name: &str, version: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() + 1 + version.len());
    key.extend_from_slice(name.as_bytes());
    key.push(0);
    key.extend_from_slice(version.as_bytes());
    key
}

pub fn status_key(status: Status, name: &str, version: &str) -> Vec<u8> {
    let mut key = vec![status.index_byte()];
    key.extend(name_version_key(name, version));
    key
}

pub fn tag_key(tag: &str, name: &str, version: &str) -> Vec<u8> {
    let mut key = tag_prefix(tag);
    key.extend(name_version_key(name, version));
    key
}

/// The prefix every entry of `tag` in the tag index starts with.
pub fn tag_prefix(tag: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(tag.len() + 1);
    key.extend_from_slice(tag.as_bytes());
    key.push(0);
    key
}

fn transition_key(model_id: &str, revision: u64) -> Vec<u8> {
    let mut key = model_id.as_bytes().to_vec();
    key.extend_from_slice(&revision.to_be_bytes());
    key
}

fn corrupted(what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::from(redb::StorageError::Corrupted(format!("{what}: {e}")))
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(bytes).map_err(|e| corrupted(what, e))
}

fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    serde_json::to_vec(record).expect("registry records always serialize")
}

fn model_id_text(bytes: &[u8]) -> Result<String, StorageError> {
    String::from_utf8(bytes.to_vec()).map_err(|e| corrupted("registry index entry", e))
}

fn get_row(
    rows: &impl ReadableTable<&'static str, &'static [u8]>,
    model_id: &str,
) -> Result<Option<Row>, StorageError> {
    match rows.get(model_id)? {
        Some(v) => Ok(Some(decode("registry row", v.value())?)),
        None => Ok(None),
    }
}

fn get_id(
    index: &impl ReadableTable<&'static [u8], &'static [u8]>,
    key: &[u8],
) -> Result<Option<String>, StorageError> {
    match index.get(key)? {
        Some(v) => Ok(Some(model_id_text(v.value())?)),
        None => Ok(None),
    }
}

/// The model_ids of the index entries in `[from, to)`, in key order, with their keys.
pub type Entries = Vec<(Vec<u8>, String)>;

fn range_entries(
    index: &impl ReadableTable<&'static [u8], &'static [u8]>,
    from: std::ops::Bound<&[u8]>,
    to: &[u8],
    limit: usize,
) -> Result<Entries, StorageError> {
    let mut out = Vec::new();
    for entry in index.range::<&[u8]>((from, std::ops::Bound::Excluded(to)))? {
        if out.len() == limit {
            break;
        }
        let (k, v) = entry?;
        out.push((k.value().to_vec(), model_id_text(v.value())?));
    }
    Ok(out)
}

/// The first key after every key starting with `prefix` (a prefix of all 0xFF has none:
/// names and tags are UTF-8, which never contains 0xFF).
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return end;
        }
    }
    vec![0xFF]
}

/// Table `definition` of a snapshot, or None if it was never created (it reads as empty).
pub fn open_read<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &ReadTransaction,
    definition: TableDefinition<'static, K, V>,
) -> Result<Option<redb::ReadOnlyTable<K, V>>, StorageError> {
    match txn.open_table(definition) {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Reads from a snapshot; an absent redb table reads as empty.
pub struct Snapshot(ReadTransaction);

impl Snapshot {
    pub fn new(txn: ReadTransaction) -> Snapshot {
        Snapshot(txn)
    }

    fn open<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        definition: TableDefinition<'static, K, V>,
    ) -> Result<Option<redb::ReadOnlyTable<K, V>>, StorageError> {
        open_read(&self.0, definition)
    }

    /// The read transaction, for the other registry tables read alongside the rows.
    pub fn transaction(&self) -> &ReadTransaction {
        &self.0
    }

    pub fn row(&self, model_id: &str) -> Result<Option<Row>, StorageError> {
        match self.open(REGISTRY_ROWS)? {
            Some(rows) => get_row(&rows, model_id),
            None => Ok(None),
        }
    }

    pub fn row_by_name_version(
        &self,
        name: &str,
        version: &str,
    ) -> Result<Option<Row>, StorageError> {
        let Some(index) = self.open(REGISTRY_NAME_VERSION)? else {
            return Ok(None);
        };
        match get_id(&index, &name_version_key(name, version))? {
            Some(id) => self.row(&id),
            None => Ok(None),
        }
    }

    /// Up to `limit` entries of the (model_name, version) index after `after` (or from
    /// `from`), below `to`.
    pub fn name_version_entries(
        &self,
        from: std::ops::Bound<&[u8]>,
        to: &[u8],
        limit: usize,
    ) -> Result<Entries, StorageError> {
        match self.open(REGISTRY_NAME_VERSION)? {
            Some(index) => range_entries(&index, from, to, limit),
            None => Ok(Vec::new()),
        }
    }

    /// Up to `limit` entries of the status index in `[from, to)`.
    pub fn status_entries(
        &self,
        from: std::ops::Bound<&[u8]>,
        to: &[u8],
        limit: usize,
    ) -> Result<Entries, StorageError> {
        match self.open(REGISTRY_STATUS)? {
            Some(index) => range_entries(&index, from, to, limit),
            None => Ok(Vec::new()),
        }
    }

    /// Up to `limit` entries of the tag index in `[from, to)`.
    pub fn tag_entries(
        &self,
        from: std::ops::Bound<&[u8]>,
        to: &[u8],
        limit: usize,
    ) -> Result<Entries, StorageError> {
        match self.open(REGISTRY_TAGS)? {
            Some(index) => range_entries(&index, from, to, limit),
            None => Ok(Vec::new()),
        }
    }

    /// The version of `name` in `status` created last (ties: the greater version).
    pub fn latest_in_status(
        &self,
        name: &str,
        status: Status,
    ) -> Result<Option<Row>, StorageError> {
        let prefix = status_key(status, name, "");
        let entries = self.status_entries(
            std::ops::Bound::Included(&prefix),
            &prefix_end(&prefix),
            usize::MAX,
        )?;
        let mut latest: Option<Row> = None;
        for (_, id) in entries {
            let Some(row) = self.row(&id)? else { continue };
            if latest
                .as_ref()
                .is_none_or(|l| (row.created_at, &row.version) > (l.created_at, &l.version))
            {
                latest = Some(row);
            }
        }
        Ok(latest)
    }

    /// The row's status changes, oldest first.
    pub fn transitions(&self, model_id: &str) -> Result<Vec<Transition>, StorageError> {
        let Some(table) = self.open(REGISTRY_TRANSITIONS)? else {
            return Ok(Vec::new());
        };
        let from = model_id.as_bytes().to_vec();
        let to = prefix_end(&from);
        let mut out = Vec::new();
        for entry in table.range::<&[u8]>(from.as_slice()..to.as_slice())? {
            let (k, v) = entry?;
            // Another model_id may extend this one only by more characters; ours are UUIDs
            // of one length, so every key here is ours plus exactly 8 bytes.
            if k.value().len() == from.len() + 8 {
                out.push(decode("registry transition", v.value())?);
            }
        }
        Ok(out)
    }
}

/// Reads and writes of rows inside a write closure.
pub struct Writer<'a, 't>(pub &'a Txn<'t>);

impl Writer<'_, '_> {
    pub fn row(&self, model_id: &str) -> Result<Option<Row>, StorageError> {
        let rows = self.0.open(REGISTRY_ROWS)?;
        get_row(rows.read(), model_id)
    }

    pub fn model_id_of(&self, name: &str, version: &str) -> Result<Option<String>, StorageError> {
        let index = self.0.open(REGISTRY_NAME_VERSION)?;
        get_id(index.read(), &name_version_key(name, version))
    }

    /// Every row of model `name`, in version order.
    pub fn rows_of(&self, name: &str) -> Result<Vec<Row>, StorageError> {
        let from = name_version_key(name, "");
        let to = prefix_end(&from);
        let ids = {
            let index = self.0.open(REGISTRY_NAME_VERSION)?;
            range_entries(
                index.read(),
                std::ops::Bound::Included(from.as_slice()),
                &to,
                usize::MAX,
            )?
        };
        let mut out = Vec::with_capacity(ids.len());
        for (_, id) in ids {
            if let Some(row) = self.row(&id)? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Writes `row` and its index entries, replacing `old` (the same row as stored, if it
    /// was): entries `old` had and `row` has not are removed.
    pub fn put_row(&self, old: Option<&Row>, row: &Row) -> Result<(), StorageError> {
        let new_keys = row.index_keys();
        let old_keys = old.map(Row::index_keys);
        let id = row.model_id.as_bytes();
        self.0
            .open(REGISTRY_ROWS)?
            .insert(row.model_id.as_str(), encode(row).as_slice())?;

        let mut name_version = self.0.open(REGISTRY_NAME_VERSION)?;
        let mut status = self.0.open(REGISTRY_STATUS)?;
        let mut tags = self.0.open(REGISTRY_TAGS)?;
        if let Some(old) = &old_keys {
            if old.name_version != new_keys.name_version {
                name_version.remove(old.name_version.as_slice())?;
            }
            if old.status != new_keys.status {
                status.remove(old.status.as_slice())?;
            }
            for gone in old.tags.difference(&new_keys.tags) {
                tags.remove(gone.as_slice())?;
            }
        }
        if old_keys
            .as_ref()
            .is_none_or(|o| o.name_version != new_keys.name_version)
        {
            name_version.insert(new_keys.name_version.as_slice(), id)?;
        }
        if old_keys
            .as_ref()
            .is_none_or(|o| o.status != new_keys.status)
        {
            status.insert(new_keys.status.as_slice(), id)?;
        }
        for added in &new_keys.tags {
            if old_keys.as_ref().is_none_or(|o| !o.tags.contains(added)) {
                tags.insert(added.as_slice(), id)?;
            }
        }
        Ok(())
    }

    /// Removes `row`, its index entries and its transition history.
    pub fn delete_row(&self, row: &Row) -> Result<(), StorageError> {
        let keys = row.index_keys();
        self.0.open(REGISTRY_ROWS)?.remove(row.model_id.as_str())?;
        self.0
            .open(REGISTRY_NAME_VERSION)?
            .remove(keys.name_version.as_slice())?;
        self.0
            .open(REGISTRY_STATUS)?
            .remove(keys.status.as_slice())?;
        let mut tags = self.0.open(REGISTRY_TAGS)?;
        for key in &keys.tags {
            tags.remove(key.as_slice())?;
        }
        let mut transitions = self.0.open(REGISTRY_TRANSITIONS)?;
        let from = row.model_id.as_bytes().to_vec();
        let to = prefix_end(&from);
        let keys: Vec<Vec<u8>> = transitions
            .read()
            .range::<&[u8]>(from.as_slice()..to.as_slice())?
            .map(|entry| entry.map(|(k, _)| k.value().to_vec()))
            .collect::<Result<_, _>>()?;
        for key in keys.iter().filter(|k| k.len() == from.len() + 8) {
            transitions.remove(key.as_slice())?;
        }
        Ok(())
    }

    /// Records a status change of the row at `revision` (the revision the change produced).
    pub fn append_transition(
        &self,
        model_id: &str,
        revision: u64,
        transition: &Transition,
    ) -> Result<(), StorageError> {
        self.0.open(REGISTRY_TRANSITIONS)?.insert(
            transition_key(model_id, revision).as_slice(),
            encode(transition).as_slice(),
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_sort_by_name_then_version_and_split_back() {
        let a = status_key(Status::Draft, "fraud", "2");
        let b = status_key(Status::Draft, "fraud-v2", "1");
        let c = status_key(Status::Draft, "fraudulent", "1");
        // The NUL after a name sorts it before every longer name it is a prefix of.
        assert!(a < b && b < c);
        let t = tag_key("team=risk", "fraud", "1.0");
        assert_eq!(t, b"team=risk\x00fraud\x001.0".to_vec());
    }

    #[test]
    fn prefix_end_is_the_first_key_past_the_prefix() {
        assert_eq!(prefix_end(b"ab"), b"ac".to_vec());
        assert_eq!(prefix_end(b"a\xff"), b"b".to_vec());
        assert!(prefix_end(b"fraud\0").as_slice() > b"fraud\0zzzz".as_slice());
    }
}
