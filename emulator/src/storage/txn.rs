//! `Txn`: the write transaction a mutation closure receives.
//!
//! It wraps redb's `WriteTransaction` and is the only way a closure can write: every write
//! method applies the change to redb *and* appends its physical record (put key = value,
//! remove key, create table, drop table) to the batch's journal, which the writer appends to
//! the write-ahead log (`wal.rs`) before it acknowledges the batch. A write that went around
//! this type would be lost in a crash, so no `&WriteTransaction` is ever handed out.
//!
//! Reads go through the same tables: [`Table::read`] lends the redb table immutably, so only
//! redb's read methods are reachable.

use std::borrow::Borrow;
use std::cell::RefCell;

use redb::{AccessGuard, Key, TableDefinition, TableHandle, Value, WriteTransaction};

use super::StorageError;
use super::wal::{self, OpCode};

mod sealed {
    pub trait Sealed {}
    impl Sealed for (&'static str, &'static [u8]) {}
    impl Sealed for (&'static str, u64) {}
    impl Sealed for (&'static [u8], &'static [u8]) {}
}

/// The key and value type pairs the journal records and recovery replays.
pub trait Schema: sealed::Sealed {
    const TAG: u8;
}
impl Schema for (&'static str, &'static [u8]) {
    const TAG: u8 = wal::SCHEMA_STR_BYTES;
}
impl Schema for (&'static str, u64) {
    const TAG: u8 = wal::SCHEMA_STR_U64;
}
impl Schema for (&'static [u8], &'static [u8]) {
    const TAG: u8 = wal::SCHEMA_BYTES_BYTES;
}

/// One batch's write transaction, journaling every write when the store keeps a WAL.
pub struct Txn<'a> {
    inner: &'a WriteTransaction,
    journal: Option<RefCell<Vec<u8>>>,
}

impl<'a> Txn<'a> {
    pub(super) fn new(inner: &'a WriteTransaction, journaling: bool) -> Txn<'a> {
        Txn {
            inner,
            journal: journaling.then(|| RefCell::new(Vec::new())),
        }
    }

    /// The physical records of every write made so far (empty without a WAL).
    pub(super) fn into_journal(self) -> Vec<u8> {
        self.journal.map(RefCell::into_inner).unwrap_or_default()
    }

    fn record(&self, op: OpCode, schema: u8, name: &str, key: &[u8], value: &[u8]) {
        if let Some(journal) = &self.journal {
            wal::encode_op(&mut journal.borrow_mut(), op, schema, name, key, value);
        }
    }

    /// Opens table `definition` for reading and writing. A table that does not exist yet is
    /// created empty (readers treat an absent table and an empty one alike, so that creation
    /// needs no record; [`Txn::create_table`] records one).
    pub fn open<K, V>(
        &self,
        definition: TableDefinition<'_, K, V>,
    ) -> Result<Table<'_, K, V>, StorageError>
    where
        K: Key + 'static,
        V: Value + 'static,
        (K, V): Schema,
    {
        Ok(Table {
            inner: self.inner.open_table(definition)?,
            name: definition.name().to_owned(),
            txn: self.journal.as_ref(),
        })
    }

    /// Creates table `definition` (if absent), journaled.
    pub fn create_table<K, V>(
        &self,
        definition: TableDefinition<'_, K, V>,
    ) -> Result<(), StorageError>
    where
        K: Key + 'static,
        V: Value + 'static,
        (K, V): Schema,
    {
        drop(self.inner.open_table(definition)?);
        self.record(OpCode::Create, <(K, V)>::TAG, definition.name(), &[], &[]);
        Ok(())
    }

    /// Drops table `definition` and everything in it, journaled. False if it did not exist.
    pub fn delete_table<K, V>(
        &self,
        definition: TableDefinition<'_, K, V>,
    ) -> Result<bool, StorageError>
    where
        K: Key + 'static,
        V: Value + 'static,
        (K, V): Schema,
    {
        let existed = self.inner.delete_table(definition)?;
        self.record(OpCode::Drop, <(K, V)>::TAG, definition.name(), &[], &[]);
        Ok(existed)
    }
}

/// A table opened inside a [`Txn`]: writes are applied and journaled.
pub struct Table<'t, K: Key + 'static, V: Value + 'static> {
    inner: redb::Table<'t, K, V>,
    name: String,
    txn: Option<&'t RefCell<Vec<u8>>>,
}

impl<'t, K, V> Table<'t, K, V>
where
    K: Key + 'static,
    V: Value + 'static,
    (K, V): Schema,
{
    /// The redb table, lent immutably: only its read methods (`get`, `range`, `iter`,
    /// `len`) can be called through it.
    pub fn read(&self) -> &redb::Table<'t, K, V> {
        &self.inner
    }

    pub fn get<'k>(
        &self,
        key: impl Borrow<K::SelfType<'k>>,
    ) -> Result<Option<AccessGuard<'_, V>>, StorageError> {
        use redb::ReadableTable;
        Ok(self.inner.get(key)?)
    }

    /// Inserts `key` = `value`; returns the value it replaced.
    pub fn insert<'k, 'v>(
        &mut self,
        key: impl Borrow<K::SelfType<'k>>,
        value: impl Borrow<V::SelfType<'v>>,
    ) -> Result<Option<AccessGuard<'_, V>>, StorageError> {
        let (key, value) = (key.borrow(), value.borrow());
        let old = self.inner.insert(key, value)?;
        if let Some(journal) = self.txn {
            wal::encode_op(
                &mut journal.borrow_mut(),
                OpCode::Put,
                <(K, V)>::TAG,
                &self.name,
                K::as_bytes(key).as_ref(),
                V::as_bytes(value).as_ref(),
            );
        }
        Ok(old)
    }

    /// Removes `key`; returns the value it had.
    pub fn remove<'k>(
        &mut self,
        key: impl Borrow<K::SelfType<'k>>,
    ) -> Result<Option<AccessGuard<'_, V>>, StorageError> {
        let key = key.borrow();
        let old = self.inner.remove(key)?;
        if let Some(journal) = self.txn {
            wal::encode_op(
                &mut journal.borrow_mut(),
                OpCode::Remove,
                <(K, V)>::TAG,
                &self.name,
                K::as_bytes(key).as_ref(),
                &[],
            );
        }
        Ok(old)
    }
}
