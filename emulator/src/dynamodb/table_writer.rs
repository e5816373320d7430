//! Every change to a table's items goes through a [`TableWriter`], inside a write closure,
//! so that what must change with an item changes in the same transaction: the table's
//! TableSizeBytes counter, and the entries of its secondary indexes (with their
//! IndexSizeBytes counters).
//!
//! Invariant: a write closure that fails must not have written anything, because the
//! group-commit writer commits whatever a closure did, whatever it returns. Callers therefore
//! evaluate conditions and validate every new item ([`TableWriter::check`]) before the first
//! `put` or `delete`.

use std::borrow::Cow;

use super::capacity::{self, Charge};
use super::catalog::{self, IndexKind, IndexMeta, TableMeta};
use super::error::Result;
use super::index::entries::{self, Origin};
use super::item::{self, ItemsTable, Replaced};
use super::value::Item;
use crate::storage::Txn;
use crate::storage::tables::dynamodb_items;

/// One table opened for writing inside a write closure.
pub struct TableWriter<'t> {
    txn: &'t Txn<'t>,
    /// The description the request was prepared with, or the committed one if the table's
    /// indexes changed since.
    meta: Cow<'t, TableMeta>,
    items: ItemsTable<'t>,
    indexes: Vec<(IndexMeta, IndexKind, ItemsTable<'t>)>,
    /// The write units the index entry writes consumed so far (`capacity`).
    index_charge: Charge,
}

impl<'t> TableWriter<'t> {
    /// Opens `meta`'s items and indexes, after checking that the table is still the live one
    /// under its name (it may have been deleted since the request looked it up).
    pub fn open(txn: &'t Txn<'t>, meta: &'t TableMeta) -> Result<TableWriter<'t>> {
        item::ensure_live(txn, meta)?;
        let meta = if catalog::index_generation(txn, meta.id)? == meta.index_generation {
            Cow::Borrowed(meta)
        } else {
            match catalog::stored_meta(txn, &meta.region, &meta.name)? {
                Some(stored) => Cow::Owned(stored),
                None => return Err(super::error::DynamoError::resource_not_found()),
            }
        };
        let mut indexes = Vec::with_capacity(meta.global_indexes.len() + meta.local_indexes.len());
        let kinds = meta
            .global_indexes
            .iter()
            .map(|i| (i, IndexKind::Global))
            .chain(meta.local_indexes.iter().map(|i| (i, IndexKind::Local)));
        for (index, kind) in kinds {
            let name = index.entries_table_name();
            indexes.push((index.clone(), kind, txn.open(dynamodb_items(&name))?));
        }
        Ok(TableWriter {
            txn,
            items: item::open_items(txn, &meta)?,
            meta,
            indexes,
            index_charge: Charge::default(),
        })
    }

    pub fn meta(&self) -> &TableMeta {
        &self.meta
    }

    /// The write units consumed on the table's indexes by the writes so far (its `table`
    /// share is zero: the caller charges the item writes).
    pub fn index_charge(&self) -> &Charge {
        &self.index_charge
    }

    /// The stored bytes under `key`, copied out.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        item::get_stored_in(&self.items, key)
    }

    /// The service's checks that `item` may be written to this table beyond its primary key
    /// (which the request's own checks cover): its index key values. [`TableWriter::put`]
    /// makes them too; a closure writing several items calls this for each before any write.
    pub fn check(&self, item: &Item, origin: Origin) -> Result<()> {
        entries::check_item(&self.meta, item, origin)
    }

    /// Writes `item`, encoded as `stored` (`item::encode_stored`), under `key`, with its
    /// index entries; says what it replaced, with the old bytes when `keep_old`.
    pub fn put(
        &mut self,
        key: &[u8],
        item: &Item,
        stored: &[u8],
        keep_old: bool,
    ) -> Result<Option<Replaced>> {
        self.check(item, Origin::Item)?;
        let need_old = keep_old || !self.indexes.is_empty();
        let replaced = item::insert(&mut self.items, key, stored, need_old)?;
        let new_size = item::stored_size(stored)?;
        self.account_size(replaced.as_ref().map(|r| r.size), Some(new_size))?;
        if !self.indexes.is_empty() {
            let old = replaced
                .as_ref()
                .and_then(|r| r.bytes.as_deref())
                .map(item::decode_stored)
                .transpose()?;
            self.update_indexes(key, old.as_ref(), Some((item, stored)))?;
        }
        Ok(replaced.map(|r| keep_only_if(r, keep_old)))
    }

    /// Removes the item under `key` and its index entries; says what it removed, with the
    /// old bytes when `keep_old`.
    pub fn delete(&mut self, key: &[u8], keep_old: bool) -> Result<Option<Replaced>> {
        let need_old = keep_old || !self.indexes.is_empty();
        let removed = item::remove(&mut self.items, key, need_old)?;
        self.account_size(removed.as_ref().map(|r| r.size), None)?;
        if !self.indexes.is_empty()
            && let Some(bytes) = removed.as_ref().and_then(|r| r.bytes.as_deref())
        {
            let old = item::decode_stored(bytes)?;
            self.update_indexes(key, Some(&old), None)?;
        }
        Ok(removed.map(|r| keep_only_if(r, keep_old)))
    }

    /// Moves each index from `old`'s entry to `new`'s (either may be absent).
    fn update_indexes(
        &mut self,
        key: &[u8],
        old: Option<&Item>,
        new: Option<(&Item, &[u8])>,
    ) -> Result<()> {
        let table_keys = &self.meta.key_schema;
        for (index, kind, entries_table) in &mut self.indexes {
            let old_key = match old {
                Some(old) => entries::entry_key(index, old, key)?,
                None => None,
            };
            let new_key = match new {
                Some((item, _)) => entries::entry_key(index, item, key)?,
                None => None,
            };
            let mut delta: i64 = 0;
            let mut units = 0.0;
            if let Some(old_key) = &old_key
                && new_key.as_ref() != Some(old_key)
                && let Some(removed) = entries_table.remove(old_key.as_slice())?
            {
                let size = item::stored_size(removed.value())?;
                delta -= size as i64;
                units += capacity::write_units(Some(size), None);
            }
            if let (Some(new_key), Some((item, stored))) = (&new_key, new) {
                let (projection, size) = entries::projection_of(index, table_keys, item, stored)?;
                match entries_table.insert(new_key.as_slice(), projection.as_slice())? {
                    Some(replaced) => {
                        let old_size = item::stored_size(replaced.value())?;
                        delta -= old_size as i64;
                        if replaced.value() != projection.as_slice() {
                            units += capacity::write_units(Some(old_size), Some(size));
                        }
                    }
                    None => units += capacity::write_units(None, Some(size)),
                }
                delta += size as i64;
            }
            if units > 0.0 {
                self.index_charge.add_index(*kind, &index.name, units);
            }
            catalog::adjust_index_size(self.txn, index.id, delta)?;
        }
        Ok(())
    }

    fn account_size(&self, old: Option<usize>, new: Option<usize>) -> Result<()> {
        let delta = new.unwrap_or(0) as i64 - old.unwrap_or(0) as i64;
        Ok(catalog::adjust_table_size(self.txn, &self.meta, delta)?)
    }
}

/// Drops the old bytes that were read only to maintain indexes.
fn keep_only_if(mut replaced: Replaced, keep_old: bool) -> Replaced {
    if !keep_old {
        replaced.bytes = None;
    }
    replaced
}
