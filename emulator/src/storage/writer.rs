//! The group-commit writer: one thread owns every write transaction.
//!
//! redb admits one writer at a time and a durable commit costs an fsync (~0.2 ms here), so
//! committing per request would cap durable writes near 6K/s. Instead, request handlers send
//! their mutation over a channel; the writer drains whatever is queued, applies each mutation
//! in turn to one transaction (each sees the effects of those before it, so conditional
//! writes stay serializable), commits once, and only then answers every caller.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use redb::{Database, WriteTransaction};
use tokio::sync::oneshot;

use super::{Durability, StorageError};

/// Most mutations applied in one transaction; bounds the latency a batch adds.
const MAX_BATCH: usize = 512;

/// With `Durability::None`, the longest an idle writer leaves commits unsynced.
const SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// A mutation applied inside the batch's transaction. It returns the continuation that
/// delivers its result once the commit's outcome is known.
type Job = Box<dyn FnOnce(&WriteTransaction) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), Arc<StorageError>>) + Send>;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub commits: u64,
    pub mutations: u64,
}

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    mutations: AtomicU64,
}

pub(super) struct Writer {
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
}

impl Writer {
    pub(super) fn spawn(db: Arc<Database>, durability: Durability) -> Writer {
        let (sender, receiver) = mpsc::channel::<Job>();
        let counters = Arc::new(Counters::default());
        let thread_counters = Arc::clone(&counters);
        let thread = std::thread::Builder::new()
            .name("drydock-writer".into())
            .spawn(move || run(&db, durability, &receiver, &thread_counters))
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
        F: FnOnce(&WriteTransaction) -> R + Send + 'static,
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
        F: FnOnce(&WriteTransaction) -> R + Send + 'static,
    {
        let rx = self.enqueue(mutation)?;
        rx.await.unwrap_or_else(|_| Err(stopped()))
    }

    pub(super) fn submit_blocking<R, F>(&self, mutation: F) -> Result<R, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&WriteTransaction) -> R + Send + 'static,
    {
        let rx = self.enqueue(mutation)?;
        rx.blocking_recv().unwrap_or_else(|_| Err(stopped()))
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

fn run(db: &Database, durability: Durability, receiver: &mpsc::Receiver<Job>, counters: &Counters) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    // Non-durable commits live only in memory until a durable one follows; `unsynced`
    // says one is owed, and an idle writer pays it after `SYNC_INTERVAL`.
    let mut unsynced = false;
    loop {
        let first = if unsynced {
            match receiver.recv_timeout(SYNC_INTERVAL) {
                Ok(job) => job,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    unsynced = !sync(db);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match receiver.recv() {
                Ok(job) => job,
                Err(_) => break,
            }
        };
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let size = batch.len() as u64;
        commit_batch(db, durability, &mut batch);
        counters.commits.fetch_add(1, Ordering::Relaxed);
        counters.mutations.fetch_add(size, Ordering::Relaxed);
        unsynced |= durability == Durability::None;
    }
    if unsynced {
        sync(db);
    }
}

/// An empty durable commit: makes every earlier non-durable commit permanent.
fn sync(db: &Database) -> bool {
    match begin(db, Durability::Immediate).and_then(|txn| Ok(txn.commit()?)) {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, "durable sync commit failed");
            false
        }
    }
}

fn commit_batch(db: &Database, durability: Durability, batch: &mut Vec<Job>) {
    let txn = match begin(db, durability) {
        Ok(txn) => txn,
        Err(e) => {
            // Dropping the jobs unanswered tells each caller the write did not happen.
            tracing::error!(error = %e, "cannot begin a write transaction");
            batch.clear();
            return;
        }
    };
    let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        match catch_unwind(AssertUnwindSafe(|| job(&txn))) {
            Ok(reply) => replies.push(reply),
            Err(_) => {
                // A panicking mutation may have written half of its change: nothing in this
                // transaction can be trusted, so every caller in the batch is told it failed.
                tracing::error!("a mutation panicked; the batch is rolled back");
                drop(txn.abort());
                let error = Arc::new(StorageError(redb::Error::Io(std::io::Error::other(
                    "a mutation in this batch failed unexpectedly; nothing was written",
                ))));
                return fail_all(replies, &error);
            }
        }
    }
    let outcome = txn.commit().map_err(|e| Arc::new(StorageError::from(e)));
    if let Err(e) = &outcome {
        tracing::error!(error = %e, "commit failed");
    }
    for reply in replies {
        reply(outcome.clone());
    }
}

fn begin(db: &Database, durability: Durability) -> Result<WriteTransaction, StorageError> {
    let mut txn = db.begin_write()?;
    txn.set_durability(match durability {
        Durability::Immediate => redb::Durability::Immediate,
        Durability::None => redb::Durability::None,
    })?;
    Ok(txn)
}

fn fail_all(replies: Vec<Reply>, error: &Arc<StorageError>) {
    for reply in replies {
        reply(Err(Arc::clone(error)));
    }
}
