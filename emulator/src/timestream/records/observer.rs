//! How a reader that keeps its own copy of a table's records (the Query API's in-memory
//! columns) learns what each committed write changed.
//!
//! Observers are called after the write's commit (and, with a write-ahead log, its fsync),
//! on the task that made the write, never on the storage writer thread. Writes of one table
//! commit in some order but their notifications may arrive in another, so an observer
//! applies them in a way that does not depend on the order, which the version rules make
//! possible:
//! - [`RecordObserver::records_written`] carries every record a write inserted or replaced
//!   (duplicates that changed nothing are left out). Apply each as an upsert by identity
//!   (dimensions, measure name, time) in which the higher version wins; two records of one
//!   identity with the same version are identical.
//! - [`RecordObserver::table_dropped`] is final: the id is never used again, so later
//!   notifications for it are to be ignored.
//! - [`RecordObserver::records_expired`] says that every record of the table older than a
//!   time has left storage; records older than it that arrive later are to be ignored.
//!
//! To build a copy, register the observer first, then load what a read snapshot holds
//! (`records::scan`): a write committed in between arrives twice, which the upsert absorbs.

use std::sync::{Arc, RwLock};

use super::StoredRecord;

/// Told of every committed change to Timestream records. Calls must be quick (they run on
/// a request's task): hand heavy work to a thread of your own.
pub trait RecordObserver: Send + Sync {
    /// `records` of table `table_id` were inserted or replaced by a higher version.
    fn records_written(&self, table_id: u64, records: &[StoredRecord]);

    /// Table `table_id` and all its records are gone.
    fn table_dropped(&self, table_id: u64);

    /// Every record of table `table_id` with a time before `before` (nanoseconds since the
    /// epoch) is gone.
    fn records_expired(&self, table_id: u64, before: i64);
}

/// The registered observers.
#[derive(Default)]
pub struct Observers(RwLock<Vec<Arc<dyn RecordObserver>>>);

impl Observers {
    pub fn register(&self, observer: Arc<dyn RecordObserver>) {
        self.0.write().expect("observers lock").push(observer);
    }

    fn each(&self, f: impl Fn(&dyn RecordObserver)) {
        for observer in self.0.read().expect("observers lock").iter() {
            f(observer.as_ref());
        }
    }

    pub fn records_written(&self, table_id: u64, records: &[StoredRecord]) {
        if !records.is_empty() {
            self.each(|o| o.records_written(table_id, records));
        }
    }

    pub fn table_dropped(&self, table_id: u64) {
        self.each(|o| o.table_dropped(table_id));
    }

    pub fn records_expired(&self, table_id: u64, before: i64) {
        self.each(|o| o.records_expired(table_id, before));
    }
}
