//! `Store`: the one redb database behind every service, and its group-commit writer.
//!
//! This module knows nothing of HTTP or AWS. Services own their tables (see `tables.rs`
//! for the shared definitions) and encode their own records; they read through
//! [`Store::read`] and write by handing a closure to [`Store::write`].
//!
//! Invariant: a write closure receives a [`Txn`], never redb's `WriteTransaction`, and
//! every write it makes goes through `Txn`/[`Table`], which journal it. A durable on-disk
//! store acknowledges a batch once its journal is fsynced in the write-ahead log
//! (`wal.rs`), not once redb has made it durable; a write that bypassed the journal would
//! be lost in a crash.

mod memory;
pub mod tables;
mod txn;
mod wal;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redb::{Database, ReadTransaction, ReadableDatabase};

use crate::periodic::PeriodicThread;

/// redb's page cache for an on-disk store. redb holds every page a non-durable commit
/// changed in this cache's write buffer (up to half of it) until the next durable commit, the
/// write-ahead log's checkpoint, which then writes and fsyncs them all while the writer
/// waits. At redb's 1 GiB default that was up to hundreds of megabytes, and checkpoints of
/// 0.1-0.5 s under a stream of fresh keys; with 32 MB and the writeback below, 11-88 ms.
const CACHE_BYTES: usize = 32 << 20;

/// How often pages written to the database file since the last look are written back to
/// disk, so that a checkpoint's fsync finds little left to write.
const WRITEBACK_INTERVAL: Duration = Duration::from_millis(100);

pub use txn::{Schema, Table, Txn};
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

/// Whether a committed batch is on disk before callers hear back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// On disk: the batch's records are fsynced in the write-ahead log (redb itself is made
    /// durable by periodic checkpoints). In memory: a durable redb commit per batch.
    Immediate,
    /// Nothing is fsynced before answering; an idle writer makes a durable commit.
    None,
}

pub struct Store {
    db: Arc<Database>,
    writer: Writer,
    path: Option<PathBuf>,
    writeback: Mutex<Option<PeriodicThread>>,
}

impl Store {
    /// Opens (or creates) the database file `drydock.redb` in `data_dir`, replaying the
    /// write-ahead log `drydock.wal` left by a crash (whatever `durability` is now).
    pub fn open(data_dir: &Path, durability: Durability) -> Result<Store, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(redb::Error::from)?;
        let path = data_dir.join("drydock.redb");
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)?;
        let wal_path = wal::path(data_dir);
        let last_seq = wal::recover(&db, &wal_path)?;
        let log = match durability {
            Durability::Immediate => Some((
                wal::Wal::open(&wal_path).map_err(redb::Error::from)?,
                last_seq,
            )),
            Durability::None => None,
        };
        let file = std::fs::File::open(&path).map_err(redb::Error::from)?;
        Ok(Self::with_database(db, log, Some((path, file))))
    }

    /// A database that lives in memory only (in `memory::ChunkedMemory`). Its commits skip
    /// redb's durable-commit work (measured: a single in-process PutItem 86 µs → 62 µs):
    /// there is no disk to make them durable on.
    pub fn in_memory() -> Result<Store, StorageError> {
        let db = Database::builder().create_with_backend(memory::ChunkedMemory::default())?;
        Ok(Self::with_database(db, None, None))
    }

    /// `file` is the database's path and a handle to it, for an on-disk store, whose pages
    /// are written back in the background.
    fn with_database(
        db: Database,
        log: Option<(wal::Wal, u64)>,
        file: Option<(PathBuf, std::fs::File)>,
    ) -> Store {
        let db = Arc::new(db);
        let writer = Writer::spawn(Arc::clone(&db), log);
        let (path, writeback) = match file {
            Some((path, handle)) => (Some(path), Some(start_writeback(handle, &writer))),
            None => (None, None),
        };
        Store {
            db,
            writer,
            path,
            writeback: Mutex::new(writeback),
        }
    }

    /// A read snapshot. Cheap (about a microsecond); never waits for the writer.
    pub fn read(&self) -> Result<ReadTransaction, StorageError> {
        Ok(self.db.begin_read()?)
    }

    /// Runs `mutation` inside the writer's next batch and returns its result once the batch
    /// is committed (and, with `Durability::Immediate`, on disk).
    ///
    /// Invariant for callers: a mutation makes all its checks before its first write, so a
    /// mutation that fails leaves nothing behind in the shared transaction. It writes only
    /// through the [`Txn`] it is given.
    pub async fn write<R, F>(&self, mutation: F) -> Result<R, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&Txn<'_>) -> R + Send + 'static,
    {
        self.writer.submit(mutation).await
    }

    /// The same as [`Store::write`], for callers that are not async (start-up, sweepers).
    pub fn write_blocking<R, F>(&self, mutation: F) -> Result<R, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&Txn<'_>) -> R + Send + 'static,
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

    /// Stops the writer after it has committed everything already submitted (and, with a
    /// write-ahead log, checkpointed it).
    pub fn shutdown(&self) {
        self.writer.shutdown();
        if let Some(writeback) = self.writeback.lock().expect("writeback lock").take() {
            writeback.stop();
        }
    }
}

/// Writes `file`'s dirty pages back every `WRITEBACK_INTERVAL` in which `writer` committed
/// (an idle store does no I/O).
fn start_writeback(file: std::fs::File, writer: &Writer) -> PeriodicThread {
    let commits = writer.commit_counter();
    let mut seen = commits.load(Ordering::Relaxed);
    PeriodicThread::start("drydock-writeback", WRITEBACK_INTERVAL, move |_| {
        let now = commits.load(Ordering::Relaxed);
        if now != seen {
            seen = now;
            if let Err(e) = file.sync_data() {
                tracing::warn!(error = %e, "writing the database file back failed");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use redb::{ReadableTableMetadata, TableDefinition};

    use super::*;

    const KV: TableDefinition<&str, &[u8]> = TableDefinition::new("test_kv");
    const IDS: TableDefinition<&str, u64> = TableDefinition::new("test_ids");

    fn bytes_table(name: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
        TableDefinition::new(name)
    }

    /// A batch of writes of every kind, acknowledged.
    fn write_all_kinds(store: &Store, round: u32) {
        store
            .write_blocking(move |txn| -> Result<(), StorageError> {
                let mut items = txn.open(bytes_table("test_items"))?;
                items.insert(round.to_be_bytes().as_slice(), b"item".as_slice())?;
                if round > 0 {
                    items.remove((round - 1).to_be_bytes().as_slice())?;
                }
                drop(items);
                txn.open(KV)?
                    .insert("round", round.to_le_bytes().as_slice())?;
                txn.open(IDS)?.insert("round", u64::from(round))?;
                txn.create_table(bytes_table("test_doomed"))?;
                txn.open(bytes_table("test_doomed"))?
                    .insert(b"x".as_slice(), b"y".as_slice())?;
                if round % 2 == 1 {
                    txn.delete_table(bytes_table("test_doomed"))?;
                }
                Ok(())
            })
            .expect("committed")
            .expect("written");
    }

    fn assert_state(store: &Store, round: u32) {
        let txn = store.read().expect("read");
        let items = txn.open_table(bytes_table("test_items")).expect("items");
        assert_eq!(items.len().expect("len"), 1);
        assert!(
            items
                .get(round.to_be_bytes().as_slice())
                .expect("get")
                .is_some()
        );
        let kv = txn.open_table(KV).expect("kv");
        let stored = kv.get("round").expect("get").expect("round");
        assert_eq!(stored.value(), round.to_le_bytes().as_slice());
        let ids = txn.open_table(IDS).expect("ids");
        assert_eq!(
            ids.get("round").expect("get").expect("id").value(),
            u64::from(round)
        );
        let doomed = txn.open_table(bytes_table("test_doomed"));
        if round % 2 == 1 {
            assert!(matches!(
                doomed,
                Err(redb::TableError::TableDoesNotExist(_))
            ));
        } else {
            assert_eq!(doomed.expect("doomed").len().expect("len"), 1);
        }
    }

    /// Copies the store's files as a SIGKILL would leave them (what the OS has, no flush).
    fn crash_copy(from: &Path, to: &Path) {
        for name in ["drydock.redb", "drydock.wal"] {
            std::fs::copy(from.join(name), to.join(name)).expect("copy");
        }
    }

    fn wal_len(dir: &Path) -> u64 {
        std::fs::metadata(wal::path(dir)).map_or(0, |m| m.len())
    }

    #[test]
    fn acknowledged_writes_survive_a_crash_through_the_log() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path(), Durability::Immediate).expect("store");
        for round in 0..20 {
            write_all_kinds(&store, round);
        }
        assert!(wal_len(dir.path()) > 0, "the batches are in the log");
        let crashed = tempfile::tempdir().expect("dir");
        crash_copy(dir.path(), crashed.path());
        store.shutdown();

        // Without the log, redb alone is back at its last durable commit.
        let no_log = tempfile::tempdir().expect("dir");
        std::fs::copy(
            crashed.path().join("drydock.redb"),
            no_log.path().join("drydock.redb"),
        )
        .expect("copy");
        let bare = Store::open(no_log.path(), Durability::Immediate).expect("store");
        assert!(
            bare.read()
                .expect("read")
                .open_table(KV)
                .is_err_and(|e| matches!(e, redb::TableError::TableDoesNotExist(_))),
            "redb alone does not have the writes"
        );
        drop(bare);

        let recovered = Store::open(crashed.path(), Durability::Immediate).expect("store");
        assert_state(&recovered, 19);
        assert_eq!(wal_len(crashed.path()), 0, "recovery empties the log");
        assert_eq!(wal::checkpoint_seq(&recovered.db).expect("seq"), 20);
        // New batches continue the sequence, and a second recovery finds them.
        write_all_kinds(&recovered, 20);
        let again = tempfile::tempdir().expect("dir");
        crash_copy(crashed.path(), again.path());
        let twice = Store::open(again.path(), Durability::Immediate).expect("store");
        assert_state(&twice, 20);
        assert_eq!(wal::checkpoint_seq(&twice.db).expect("seq"), 21);
    }

    #[test]
    fn replay_is_idempotent_and_stops_at_a_corrupt_record() {
        let dir = tempfile::tempdir().expect("dir");
        drop(Store::open(dir.path(), Durability::Immediate).expect("store"));
        let put = |seq: u64, value: &[u8]| {
            let mut ops = Vec::new();
            wal::encode_op(
                &mut ops,
                wal::OpCode::Put,
                wal::SCHEMA_STR_BYTES,
                "test_kv",
                b"k",
                value,
            );
            wal::encode_frame(seq, &ops)
        };
        let mut log = Vec::new();
        log.extend(put(1, b"one"));
        log.extend(put(2, b"two"));
        log.extend(put(1, b"stale")); // an older sequence is skipped
        let mut bad = put(3, b"three");
        let last = bad.len() - 1;
        bad[last] ^= 1;
        log.extend(bad);
        log.extend(put(4, b"four")); // after the corrupt record: never reached
        std::fs::write(wal::path(dir.path()), &log).expect("write log");

        let store = Store::open(dir.path(), Durability::Immediate).expect("store");
        let read = |store: &Store| {
            let txn = store.read().expect("read");
            let kv = txn.open_table(KV).expect("kv");
            kv.get("k").expect("get").expect("k").value().to_vec()
        };
        assert_eq!(read(&store), b"two");
        assert_eq!(wal::checkpoint_seq(&store.db).expect("seq"), 2);
        drop(store);

        // The same records again are at or below the checkpoint: nothing changes.
        std::fs::write(wal::path(dir.path()), &log).expect("write log");
        let store = Store::open(dir.path(), Durability::Immediate).expect("store");
        assert_eq!(read(&store), b"two");
        assert_eq!(wal::checkpoint_seq(&store.db).expect("seq"), 2);
    }

    #[test]
    fn frames_left_behind_a_rewound_log_are_skipped() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path(), Durability::Immediate).expect("store");
        for round in 0..3 {
            write_all_kinds(&store, round);
        }
        store.shutdown();
        drop(store);
        let put = |seq: u64, value: &[u8]| {
            let mut ops = Vec::new();
            wal::encode_op(
                &mut ops,
                wal::OpCode::Put,
                wal::SCHEMA_STR_BYTES,
                "test_kv",
                b"rewound",
                value,
            );
            wal::encode_frame(seq, &ops)
        };
        // A frame written after a rewind, then what is left of the log before it.
        let mut log = put(4, b"new");
        log.extend(put(2, b"stale"));
        log.extend(put(3, b"stale"));
        std::fs::write(wal::path(dir.path()), &log).expect("write log");
        let store = Store::open(dir.path(), Durability::Immediate).expect("store");
        let txn = store.read().expect("read");
        let kv = txn.open_table(KV).expect("kv");
        let value = kv.get("rewound").expect("get").expect("value");
        assert_eq!(value.value(), b"new");
        assert_eq!(wal::checkpoint_seq(&store.db).expect("seq"), 4);
    }

    #[test]
    fn shutdown_checkpoints_and_empties_the_log() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path(), Durability::Immediate).expect("store");
        for round in 0..5 {
            write_all_kinds(&store, round);
        }
        assert!(wal_len(dir.path()) > 0);
        store.shutdown();
        assert_eq!(wal_len(dir.path()), 0);
        drop(store);
        let store = Store::open(dir.path(), Durability::Immediate).expect("store");
        assert_eq!(wal::checkpoint_seq(&store.db).expect("seq"), 5);
        assert_state(&store, 4);
    }

    #[test]
    fn without_immediate_durability_nothing_is_logged() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path(), Durability::None).expect("store");
        write_all_kinds(&store, 0);
        assert_eq!(wal_len(dir.path()), 0);
        store.shutdown();
        drop(store);
        let store = Store::open(dir.path(), Durability::None).expect("store");
        assert_state(&store, 0);

        let memory = Store::in_memory().expect("store");
        write_all_kinds(&memory, 1);
        assert_state(&memory, 1);
    }
}
