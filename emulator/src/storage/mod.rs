//! `Store`: the one redb database behind every service, and its group-commit writer.
//!
//! This module knows nothing of HTTP or AWS. Services own their tables (see `tables.rs`
//! for the shared definitions) and encode their own records; they read through
//! [`Store::read`] and write by handing a closure to [`Store::write`].

pub mod tables;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::backends::InMemoryBackend;
use redb::{Database, ReadTransaction, ReadableDatabase, WriteTransaction};

use writer::Writer;
pub use writer::WriterStats;

/// Storage failures. They are rare (disk full, I/O errors) and always surface to clients
/// as internal errors, so one opaque type carrying redb's error suffices.
#[derive(Debug, thiserror::Error)]
#[error("storage error: {0}")]
pub struct StorageError(#[from] redb::Error);

macro_rules! storage_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for StorageError {
            fn from(e: $t) -> Self {
                StorageError(e.into())
            }
        }
    )*};
}
storage_error_from!(
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::DatabaseError,
    redb::SetDurabilityError
);

/// Whether a committed batch is fsynced before callers hear back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Immediate,
    None,
}

pub struct Store {
    db: Arc<Database>,
    writer: Writer,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (or creates) the database file `drydock.redb` in `data_dir`.
    pub fn open(data_dir: &Path, durability: Durability) -> Result<Store, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(redb::Error::from)?;
        let path = data_dir.join("drydock.redb");
        let db = Database::builder().create(&path)?;
        Ok(Self::with_database(db, durability, Some(path)))
    }

    /// A database that lives in memory only.
    pub fn in_memory() -> Result<Store, StorageError> {
        let db = Database::builder().create_with_backend(InMemoryBackend::new())?;
        Ok(Self::with_database(db, Durability::Immediate, None))
    }

    fn with_database(db: Database, durability: Durability, path: Option<PathBuf>) -> Store {
        let db = Arc::new(db);
        let writer = Writer::spawn(Arc::clone(&db), durability);
        Store { db, writer, path }
    }

    /// A read snapshot. Cheap (about a microsecond); never waits for the writer.
    pub fn read(&self) -> Result<ReadTransaction, StorageError> {
        Ok(self.db.begin_read()?)
    }

    /// Runs `mutation` inside the writer's next batch and returns its result once the batch
    /// is committed (and, with `Durability::Immediate`, on disk).
    ///
    /// Invariant for callers: a mutation makes all its checks before its first write, so a
    /// mutation that fails leaves nothing behind in the shared transaction.
    pub async fn write<R, F>(&self, mutation: F) -> Result<R, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&WriteTransaction) -> R + Send + 'static,
    {
        self.writer.submit(mutation).await
    }

    /// The same as [`Store::write`], for callers that are not async (start-up, sweepers).
    pub fn write_blocking<R, F>(&self, mutation: F) -> Result<R, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&WriteTransaction) -> R + Send + 'static,
    {
        self.writer.submit_blocking(mutation)
    }

    pub fn writer_stats(&self) -> WriterStats {
        self.writer.stats()
    }

    /// Size of the database file in bytes (0 in memory).
    pub fn file_size(&self) -> u64 {
        self.path
            .as_deref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len())
    }

    /// Stops the writer after it has committed everything already submitted.
    pub fn shutdown(&self) {
        self.writer.shutdown();
    }
}
