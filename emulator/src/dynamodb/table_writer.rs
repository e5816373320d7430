//! Every change to a table's items goes through a [`TableWriter`], inside a write closure,
//! so that what must change with an item changes in the same transaction: the table's
//! TableSizeBytes counter, and whatever else the table keeps beside its items.
//!
//! Invariant: a write closure that fails must not have written anything, because the
//! group-commit writer commits whatever a closure did, whatever it returns. Callers therefore
//! evaluate conditions and validate every new item before the first `put` or `delete`.

use super::catalog::{self, TableMeta};
use super::error::Result;
use super::item::{self, ItemsTable, Replaced};
use crate::storage::Txn;

/// One table opened for writing inside a write closure.
pub struct TableWriter<'t> {
    txn: &'t Txn<'t>,
    meta: &'t TableMeta,
    items: ItemsTable<'t>,
}

impl<'t> TableWriter<'t> {
    /// Opens `meta`'s items, after checking that the table is still the live one under its
    /// name (it may have been deleted since the request looked it up).
    pub fn open(txn: &'t Txn<'t>, meta: &'t TableMeta) -> Result<TableWriter<'t>> {
        item::ensure_live(txn, meta)?;
        Ok(TableWriter {
            txn,
            meta,
            items: item::open_items(txn, meta)?,
        })
    }

    pub fn meta(&self) -> &TableMeta {
        self.meta
    }

    /// The stored bytes under `key`, copied out.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        item::get_stored_in(&self.items, key)
    }

    /// Writes an item, encoded as `stored` (`item::encode_stored`), under `key`; says what
    /// it replaced, with the old bytes when `keep_old`.
    pub fn put(&mut self, key: &[u8], stored: &[u8], keep_old: bool) -> Result<Option<Replaced>> {
        let replaced = item::insert(&mut self.items, key, stored, keep_old)?;
        let new_size = item::stored_size(stored)?;
        self.account_size(replaced.as_ref().map(|r| r.size), Some(new_size))?;
        Ok(replaced)
    }

    /// Removes the item under `key`; says what it removed, with the old bytes when
    /// `keep_old`.
    pub fn delete(&mut self, key: &[u8], keep_old: bool) -> Result<Option<Replaced>> {
        let removed = item::remove(&mut self.items, key, keep_old)?;
        self.account_size(removed.as_ref().map(|r| r.size), None)?;
        Ok(removed)
    }

    fn account_size(&self, old: Option<usize>, new: Option<usize>) -> Result<()> {
        let delta = new.unwrap_or(0) as i64 - old.unwrap_or(0) as i64;
        Ok(catalog::adjust_table_size(self.txn, self.meta, delta)?)
    }
}
