//! The group-commit writer: one thread owns every write transaction.
//!
//! redb admits one writer at a time and a durable commit costs an fsync (~0.2 ms here), so
//! committing per request would cap durable writes near 6K/s. Instead, request handlers send
//! their mutation over a channel; the writer drains whatever is queued, applies each mutation
//! in turn to one transaction (each sees the effects of those before it, so conditional
//! writes stay serializable), commits once, and only then answers every caller.
//!
//! A durable on-disk store goes further (see `wal.rs`): the batch is committed to redb
//! without fsync, its journal is appended to the write-ahead log and fdatasynced, and the
//! callers hear back after that fsync. Every `CHECKPOINT_INTERVAL` with pending records (or
//! `CHECKPOINT_BYTES` of log, or at shutdown) a durable redb commit records the last applied
//! sequence and the log is emptied.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use redb::{Database, WriteTransaction};
use tokio::sync::oneshot;

use super::StorageError;
use super::txn::Txn;
use super::wal::{self, Wal};

/// Most mutations applied in one transaction; bounds the latency a batch adds.
const MAX_BATCH: usize = 512;

/// With `Durability::None`, the longest an idle writer leaves commits unsynced.
const SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// With a write-ahead log, the longest records wait for a checkpoint.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(5);

/// With a write-ahead log, the log size that forces a checkpoint.
const CHECKPOINT_BYTES: u64 = 64 << 20;

/// A mutation applied inside the batch's transaction. It returns the continuation that
/// delivers its result once the commit's outcome is known.
type Job = Box<dyn FnOnce(&Txn<'_>) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), Arc<StorageError>>) + Send>;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub commits: u64,
    pub mutations: u64,
}

#[derive(Default)]
struct Counters {
    commits: Arc<AtomicU64>,
    mutations: AtomicU64,
}

pub(super) struct Writer {
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
}

impl Writer {
    /// `log` is the write-ahead log and the last sequence the database contains, for a
    /// durable on-disk store; without one, commits are non-durable and an idle writer syncs.
    pub(super) fn spawn(db: Arc<Database>, log: Option<(Wal, u64)>) -> Writer {
        let (sender, receiver) = mpsc::channel::<Job>();
        let counters = Arc::new(Counters::default());
        let thread_counters = Arc::clone(&counters);
        let mode = match log {
            Some((wal, last_seq)) => Mode::Logged(Log {
                wal,
                last_seq,
                checkpoint_seq: last_seq,
                broken: false,
            }),
            None => Mode::Lazy,
        };
        let thread = std::thread::Builder::new()
            .name("drydock-writer".into())
            .spawn(move || run(&db, mode, &receiver, &thread_counters))
            .expect("spawning the writer thread");
        Writer {
            sender: Mutex::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
            counters,
        }
    }

    fn enqueue<R, F>(
        &self,
        mutation: F,
    ) -> Result<oneshot::Receiver<Result<R, StorageError>>, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&Txn<'_>) -> R + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |txn| {
            let result = mutation(txn);
            Box::new(move |committed: Result<(), Arc<StorageError>>| {
                let _ = tx.send(committed.map(|()| result).map_err(|e| shared_error(&e)));
            })
        });
        let sender = self.sender.lock().expect("writer sender lock");
        match sender.as_ref().map(|s| s.send(job)) {
            Some(Ok(())) => Ok(rx),
            _ => Err(stopped()),
        }
    }

    pub(super) async fn submit<R, F>(&self, mutation: F) -> Result<R, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&Txn<'_>) -> R + Send + 'static,
    {
        let rx = self.enqueue(mutation)?;
        rx.await.unwrap_or_else(|_| Err(stopped()))
    }

    pub(super) fn submit_blocking<R, F>(&self, mutation: F) -> Result<R, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&Txn<'_>) -> R + Send + 'static,
    {
        let rx = self.enqueue(mutation)?;
        rx.blocking_recv().unwrap_or_else(|_| Err(stopped()))
    }

    /// The count of commits, shared, for watchers that act only after writes.
    pub(super) fn commit_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.counters.commits)
    }

    pub(super) fn stats(&self) -> WriterStats {
        WriterStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            mutations: self.counters.mutations.load(Ordering::Relaxed),
        }
    }

    /// Closes the queue and waits for the writer to commit what was already queued.
    pub(super) fn shutdown(&self) {
        self.sender.lock().expect("writer sender lock").take();
        if let Some(thread) = self.thread.lock().expect("writer thread lock").take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn stopped() -> StorageError {
    StorageError(redb::Error::Io(std::io::Error::other(
        "the storage writer has stopped",
    )))
}

/// Each waiting caller gets its own copy of a failed commit's error.
fn shared_error(e: &StorageError) -> StorageError {
    StorageError(redb::Error::Io(std::io::Error::other(e.to_string())))
}

/// How batches are made durable.
enum Mode {
    /// Non-durable commits; an idle writer syncs after `SYNC_INTERVAL` (`Durability::None`,
    /// and the in-memory store, where a sync costs no fsync).
    Lazy,
    /// Non-durable commits made durable by the write-ahead log, checkpointed now and then.
    Logged(Log),
}

struct Log {
    wal: Wal,
    /// The sequence of the last batch appended to the log.
    last_seq: u64,
    /// The sequence of the last batch a durable redb commit contains.
    checkpoint_seq: u64,
    /// An append failed: the log's tail may be torn, so until a checkpoint empties it every
    /// batch is made durable by a checkpoint of its own.
    broken: bool,
}

impl Log {
    /// A durable commit storing the last appended sequence, then an empty log: rewound
    /// while running (see `Wal`), truncated when `last`.
    fn checkpoint(&mut self, db: &Database, last: bool) -> Result<(), StorageError> {
        let started = std::time::Instant::now();
        let txn = begin(db, redb::Durability::Immediate)?;
        wal::store_checkpoint(&txn, self.last_seq)?;
        txn.commit()?;
        tracing::debug!(
            seq = self.last_seq,
            elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
            "checkpoint committed"
        );
        self.checkpoint_seq = self.last_seq;
        if last || self.broken {
            self.wal.truncate().map_err(redb::Error::from)?;
        } else {
            self.wal.rewind();
        }
        self.broken = false;
        Ok(())
    }

    /// Makes a committed batch's journal durable.
    fn persist(&mut self, db: &Database, journal: &[u8]) -> Result<(), StorageError> {
        if journal.is_empty() {
            return Ok(());
        }
        self.last_seq += 1;
        if !self.broken {
            match self.wal.append(self.last_seq, journal) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    tracing::error!(error = %e, "write-ahead log append failed; checkpointing");
                    self.broken = true;
                }
            }
        }
        self.checkpoint(db, false)
    }

    fn pending(&self) -> bool {
        self.last_seq != self.checkpoint_seq
    }
}

fn run(db: &Database, mut mode: Mode, receiver: &mpsc::Receiver<Job>, counters: &Counters) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    // Non-durable commits live only in memory until a durable one follows; `owed_since`
    // says one is owed (since when), and the writer pays it when idle (`Lazy`) or when
    // records have waited `CHECKPOINT_INTERVAL` (`Logged`).
    let mut owed_since: Option<Instant> = None;
    loop {
        let first = match owed_since {
            Some(since) => {
                let wait = match mode {
                    Mode::Logged(_) => CHECKPOINT_INTERVAL.saturating_sub(since.elapsed()),
                    _ => SYNC_INTERVAL,
                };
                match receiver.recv_timeout(wait) {
                    Ok(job) => job,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if settle(db, &mut mode, false) {
                            owed_since = None;
                        } else {
                            owed_since = Some(Instant::now());
                        }
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            None => match receiver.recv() {
                Ok(job) => job,
                Err(_) => break,
            },
        };
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let size = batch.len() as u64;
        commit_batch(db, &mut mode, &mut batch);
        counters.commits.fetch_add(1, Ordering::Relaxed);
        counters.mutations.fetch_add(size, Ordering::Relaxed);
        let owed = match &mode {
            Mode::Lazy => true,
            Mode::Logged(log) => log.pending(),
        };
        if owed && owed_since.is_none() {
            owed_since = Some(Instant::now());
        }
        if let Mode::Logged(log) = &mode
            && owed
            && (log.wal.size() >= CHECKPOINT_BYTES
                || owed_since.is_some_and(|t| t.elapsed() >= CHECKPOINT_INTERVAL))
            && settle(db, &mut mode, false)
        {
            owed_since = None;
        }
    }
    if owed_since.is_some() || matches!(mode, Mode::Logged(_)) {
        settle(db, &mut mode, true);
    }
}

/// Pays a durable commit owed: a sync (`Lazy`) or a checkpoint (`Logged`; `last` at
/// shutdown). True on success.
fn settle(db: &Database, mode: &mut Mode, last: bool) -> bool {
    match mode {
        Mode::Lazy => sync(db),
        Mode::Logged(log) => match log.checkpoint(db, last) {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "checkpoint failed");
                false
            }
        },
    }
}

/// An empty durable commit: makes every earlier non-durable commit permanent.
fn sync(db: &Database) -> bool {
    match begin(db, redb::Durability::Immediate).and_then(|txn| Ok(txn.commit()?)) {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, "durable sync commit failed");
            false
        }
    }
}

fn commit_batch(db: &Database, mode: &mut Mode, batch: &mut Vec<Job>) {
    let txn = match begin(db, redb::Durability::None) {
        Ok(txn) => txn,
        Err(e) => {
            // Dropping the jobs unanswered tells each caller the write did not happen.
            tracing::error!(error = %e, "cannot begin a write transaction");
            batch.clear();
            return;
        }
    };
    let journaled = Txn::new(&txn, matches!(mode, Mode::Logged(_)));
    let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        match catch_unwind(AssertUnwindSafe(|| job(&journaled))) {
            Ok(reply) => replies.push(reply),
            Err(_) => {
                // A panicking mutation may have written half of its change: nothing in this
                // transaction can be trusted, so every caller in the batch is told it failed.
                tracing::error!("a mutation panicked; the batch is rolled back");
                drop(journaled);
                drop(txn.abort());
                let error = Arc::new(StorageError(redb::Error::Io(std::io::Error::other(
                    "a mutation in this batch failed unexpectedly; nothing was written",
                ))));
                return fail_all(replies, &error);
            }
        }
    }
    let journal = journaled.into_journal();
    let mut outcome = txn.commit().map_err(StorageError::from);
    if let (Ok(()), Mode::Logged(log)) = (&outcome, mode) {
        outcome = log.persist(db, &journal);
    }
    let outcome = outcome.map_err(Arc::new);
    if let Err(e) = &outcome {
        tracing::error!(error = %e, "commit failed");
    }
    for reply in replies {
        reply(outcome.clone());
    }
}

fn begin(db: &Database, durability: redb::Durability) -> Result<WriteTransaction, StorageError> {
    let mut txn = db.begin_write()?;
    txn.set_durability(durability)?;
    Ok(txn)
}

fn fail_all(replies: Vec<Reply>, error: &Arc<StorageError>) {
    for reply in replies {
        reply(Err(Arc::clone(error)));
    }
}
