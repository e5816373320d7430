//! Throttling as the service throttles, for capacity planning (`--throttle`; off by default).
//!
//! Each table and each global secondary index gets a limiter for reads and one for writes,
//! made on first use from the cached description and adjusted when its capacity settings
//! change (UpdateTable):
//! - PROVISIONED: a token bucket refilled continuously at the provisioned units per second
//!   that keeps up to [`BURST_SECONDS`] of unused capacity (the service's burst capacity).
//!   It starts full; a change of capacity keeps the balance (up to the new burst size).
//! - PAY_PER_REQUEST (`--throttle all` only): a bucket refilled at twice the previous peak
//!   per second that holds one second of it. The previous peak starts at half the table's
//!   warm throughput, so a new table serves 12,000 read and 4,000 write units a second at
//!   once (a table that was provisioned higher, more). A higher peak (the most units consumed
//!   in one second) counts once the [`PEAK_PERIOD_SECONDS`] period in which it was reached
//!   has ended.
//!
//! As in the service, a request is admitted while the capacity it draws on is positive and
//! charged what it actually consumed once it is done (a write's cost is only known after the
//! old item has been read), so a balance may go negative and hold back later requests. A
//! write draws on its table and on every global index of it (an index short of capacity
//! throttles its table's writes); a read on its table or on the global index it reads. Local
//! indexes share their table's capacity.
//!
//! With throttling off every entry point returns after one branch.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use dashmap::DashMap;
use serde_json::json;

use super::capacity::{Charge, Tally};
use super::catalog::{BillingMode, IndexKind, IndexMeta, TableMeta};
use super::error::{DynamoError, ErrorCode, Result};
use super::ops::create_table::ON_DEMAND_WARM_THROUGHPUT;
use super::ops::describe_table::warm_throughput;
use super::transaction;
use super::types::transaction::CancellationReason;
use crate::config::ThrottleMode;

/// Seconds of unused provisioned capacity a table keeps for bursts.
pub const BURST_SECONDS: f64 = 300.0;
/// How long a new on-demand peak waits before it raises the allowance.
pub const PEAK_PERIOD_SECONDS: f64 = 30.0 * 60.0;

const TABLE_EXCEEDED: &str = "The level of configured provisioned throughput for the table was \
     exceeded. Consider increasing your provisioning level with the UpdateTable API.";
const INDEX_EXCEEDED: &str = "The level of configured provisioned throughput for one or more \
     global secondary indexes of the table was exceeded. Consider increasing your provisioning \
     level for the under-provisioned global secondary indexes with the UpdateTable API";
const ON_DEMAND_TABLE_EXCEEDED: &str = "Throughput exceeds the current capacity of your table or \
     index. DynamoDB is automatically scaling your table or index so please try again shortly. \
     If exceptions persist, check if you have a hot key: \
     https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html";
const ON_DEMAND_INDEX_EXCEEDED: &str = "Throughput exceeds the current capacity for one or more \
     global secondary indexes. DynamoDB is automatically scaling your index so please try again \
     shortly.";

/// Which capacity a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl Access {
    fn as_str(self) -> &'static str {
        match self {
            Access::Read => "Read",
            Access::Write => "Write",
        }
    }
}

/// Seconds on a monotonic clock; tests supply their own.
pub trait Clock: Send + Sync {
    fn now(&self) -> f64;
}

struct MonotonicClock(Instant);

impl Clock for MonotonicClock {
    fn now(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

/// Capacity units accrued at `rate` a second up to `capacity`; spending may overdraw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    rate: f64,
    capacity: f64,
    balance: f64,
    updated: f64,
}

impl Bucket {
    /// A full bucket at `now`.
    pub fn full(rate: f64, capacity: f64, now: f64) -> Bucket {
        Bucket {
            rate,
            capacity,
            balance: capacity,
            updated: now,
        }
    }

    /// The units available at `now` (negative while an overdraft is being repaid).
    pub fn balance(&mut self, now: f64) -> f64 {
        self.refill(now);
        self.balance
    }

    pub fn spend(&mut self, units: f64, now: f64) {
        self.refill(now);
        self.balance -= units;
    }

    /// New rate and capacity from `now`, keeping the balance (up to the new capacity).
    fn resize(&mut self, rate: f64, capacity: f64, now: f64) {
        self.refill(now);
        self.rate = rate;
        self.capacity = capacity;
        self.balance = self.balance.min(capacity);
    }

    fn refill(&mut self, now: f64) {
        if now > self.updated {
            self.balance = (self.balance + (now - self.updated) * self.rate).min(self.capacity);
            self.updated = now;
        }
    }
}

/// An on-demand allowance: twice the previous peak a second, with one second of burst.
#[derive(Debug, Clone, PartialEq)]
pub struct OnDemand {
    previous_peak: f64,
    bucket: Bucket,
    /// The whole second being counted and the units consumed in it.
    second: f64,
    second_units: f64,
    /// The period whose peak is being found: its start and its busiest second so far.
    period_start: f64,
    period_peak: f64,
}

impl OnDemand {
    /// A table with `warm` units a second of warm throughput: its previous peak is half that.
    pub fn new(warm: f64, now: f64) -> OnDemand {
        OnDemand {
            previous_peak: warm / 2.0,
            bucket: Bucket::full(warm, warm, now),
            second: now.floor(),
            second_units: 0.0,
            period_start: now,
            period_peak: 0.0,
        }
    }

    /// Units a second served without throttling.
    pub fn allowance(&self) -> f64 {
        2.0 * self.previous_peak
    }

    pub fn balance(&mut self, now: f64) -> f64 {
        self.advance(now);
        self.bucket.balance(now)
    }

    pub fn spend(&mut self, units: f64, now: f64) {
        self.advance(now);
        self.second_units += units;
        self.bucket.spend(units, now);
    }

    fn advance(&mut self, now: f64) {
        let second = now.floor();
        if second > self.second {
            self.period_peak = self.period_peak.max(self.second_units);
            self.second = second;
            self.second_units = 0.0;
        }
        if now - self.period_start >= PEAK_PERIOD_SECONDS {
            if self.period_peak > self.previous_peak {
                self.previous_peak = self.period_peak;
                let allowance = self.allowance();
                self.bucket.resize(allowance, allowance, now);
            }
            self.period_start = now;
            self.period_peak = 0.0;
        }
    }
}

enum Limiter {
    Provisioned(Bucket),
    OnDemand(OnDemand),
}

impl Limiter {
    fn balance(&mut self, now: f64) -> f64 {
        match self {
            Limiter::Provisioned(bucket) => bucket.balance(now),
            Limiter::OnDemand(on_demand) => on_demand.balance(now),
        }
    }

    fn spend(&mut self, units: f64, now: f64) {
        match self {
            Limiter::Provisioned(bucket) => bucket.spend(units, now),
            Limiter::OnDemand(on_demand) => on_demand.spend(units, now),
        }
    }
}

/// The settings a table's or index's limiters follow: (read, write) units a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capacity {
    Provisioned(u64, u64),
    /// On demand, from this warm throughput.
    OnDemand(u64, u64),
}

struct Limits {
    capacity: Capacity,
    read: Limiter,
    write: Limiter,
}

impl Limits {
    fn new(capacity: Capacity, now: f64) -> Limits {
        let (read, write) = match capacity {
            Capacity::Provisioned(read, write) => (
                Limiter::Provisioned(provisioned_bucket(read, now)),
                Limiter::Provisioned(provisioned_bucket(write, now)),
            ),
            Capacity::OnDemand(read, write) => (
                Limiter::OnDemand(OnDemand::new(read as f64, now)),
                Limiter::OnDemand(OnDemand::new(write as f64, now)),
            ),
        };
        Limits {
            capacity,
            read,
            write,
        }
    }

    /// Follows a change of settings: provisioned buckets keep their balance, anything else
    /// starts afresh.
    fn update(&mut self, capacity: Capacity, now: f64) {
        match (&mut self.read, &mut self.write, capacity) {
            (
                Limiter::Provisioned(read),
                Limiter::Provisioned(write),
                Capacity::Provisioned(r, w),
            ) => {
                read.resize(r as f64, r as f64 * BURST_SECONDS, now);
                write.resize(w as f64, w as f64 * BURST_SECONDS, now);
                self.capacity = capacity;
            }
            _ => *self = Limits::new(capacity, now),
        }
    }

    fn limiter(&mut self, access: Access) -> &mut Limiter {
        match access {
            Access::Read => &mut self.read,
            Access::Write => &mut self.write,
        }
    }
}

fn provisioned_bucket(units: u64, now: f64) -> Bucket {
    let rate = units as f64;
    Bucket::full(rate, rate * BURST_SECONDS, now)
}

/// What a limiter guards: a table, or one of its global indexes.
#[derive(Debug, Clone, Copy)]
enum Resource<'m> {
    Table,
    Index(&'m IndexMeta),
}

/// The limiters of every table and global index, and counts of what they refused.
pub struct Throttle {
    mode: ThrottleMode,
    clock: Arc<dyn Clock>,
    /// By table or index id (both drawn from one sequence, never reused).
    limits: DashMap<u64, Limits>,
    /// Requests refused and batch requests left unprocessed, by region, table and operation.
    throttled: DashMap<(String, String, &'static str), AtomicU64>,
}

impl Throttle {
    pub fn new(mode: ThrottleMode) -> Throttle {
        Throttle::with_clock(mode, Arc::new(MonotonicClock(Instant::now())))
    }

    pub fn with_clock(mode: ThrottleMode, clock: Arc<dyn Clock>) -> Throttle {
        Throttle {
            mode,
            clock,
            limits: DashMap::new(),
            throttled: DashMap::new(),
        }
    }

    /// Refuses a request on `meta` (or its index `index`) with the service's error while the
    /// capacity it draws on is spent.
    #[inline]
    pub fn admit(
        &self,
        meta: &TableMeta,
        access: Access,
        index: Option<&str>,
        operation: &'static str,
    ) -> Result<()> {
        if self.mode == ThrottleMode::Off {
            return Ok(());
        }
        let now = self.clock.now();
        match self.scarcest(meta, access, index, now) {
            (balance, Some(resource)) if balance <= 0.0 => {
                self.count(meta, operation, 1);
                Err(refusal(meta, resource, access))
            }
            _ => Ok(()),
        }
    }

    /// How many of a batch's leading requests on `meta` may go ahead, given what each is
    /// expected to cost: as many as start while the capacity they draw on is positive. The
    /// others are counted as throttled. When none may, the error the service would answer
    /// if no table of the batch could go ahead.
    pub fn admit_batch(
        &self,
        meta: &TableMeta,
        access: Access,
        estimates: impl ExactSizeIterator<Item = f64>,
        operation: &'static str,
    ) -> Result<usize> {
        let requests = estimates.len();
        if self.mode == ThrottleMode::Off {
            return Ok(requests);
        }
        let now = self.clock.now();
        let (mut balance, resource) = self.scarcest(meta, access, None, now);
        let mut admitted = 0;
        for units in estimates {
            if balance <= 0.0 {
                break;
            }
            balance -= units;
            admitted += 1;
        }
        if admitted < requests {
            self.count(meta, operation, requests - admitted);
        }
        match resource {
            Some(resource) if admitted == 0 && requests > 0 => Err(refusal(meta, resource, access)),
            _ => Ok(admitted),
        }
    }

    /// Refuses a transaction whose actions (on `tables`, one per action) draw on spent
    /// capacity: cancelled, with a throttling reason for each such action.
    pub fn admit_transaction<'m>(
        &self,
        tables: impl Iterator<Item = &'m TableMeta>,
        access: Access,
        operation: &'static str,
    ) -> Result<()> {
        if self.mode == ThrottleMode::Off {
            return Ok(());
        }
        let now = self.clock.now();
        let mut refused = None;
        let reasons: Vec<CancellationReason> = tables
            .map(|meta| match self.scarcest(meta, access, None, now) {
                (balance, Some(resource)) if balance <= 0.0 => {
                    refused.get_or_insert(meta);
                    throttled_reason(meta, resource)
                }
                _ => transaction::no_reason(),
            })
            .collect();
        match refused {
            Some(meta) => {
                self.count(meta, operation, 1);
                Err(transaction::cancelled(&reasons))
            }
            None => Ok(()),
        }
    }

    /// Charges what a request on `meta` consumed: the table's share to the table, a global
    /// index's to the index, a local index's to the table.
    #[inline]
    pub fn charge(&self, meta: &TableMeta, access: Access, charge: &Charge) {
        if self.mode == ThrottleMode::Off {
            return;
        }
        let now = self.clock.now();
        let mut table_units = charge.table;
        for (kind, name, units) in &charge.indexes {
            match kind {
                IndexKind::Local => table_units += units,
                IndexKind::Global => {
                    if let Some(index) = meta.global_indexes.iter().find(|i| &i.name == name) {
                        self.spend(meta, Resource::Index(index), access, *units, now);
                    }
                }
            }
        }
        self.spend(meta, Resource::Table, access, table_units, now);
    }

    /// [`Throttle::charge`] for each table of a batch's tally.
    pub fn charge_tally(&self, metas: &[Arc<TableMeta>], access: Access, tally: &Tally) {
        if self.mode == ThrottleMode::Off {
            return;
        }
        for (name, charge) in tally.charges() {
            if let Some(meta) = metas.iter().find(|m| m.name == name) {
                self.charge(meta, access, charge);
            }
        }
    }

    /// Drops a deleted table's limiters.
    pub fn forget(&self, meta: &TableMeta) {
        if self.mode == ThrottleMode::Off {
            return;
        }
        self.limits.remove(&meta.id);
        for index in &meta.global_indexes {
            self.limits.remove(&index.id);
        }
    }

    /// Requests throttled so far: (region, table, operation, count), sorted.
    pub fn throttled_counts(&self) -> Vec<(String, String, &'static str, u64)> {
        let mut counts: Vec<_> = self
            .throttled
            .iter()
            .map(|e| {
                let (region, table, operation) = e.key();
                let n = e.value().load(Ordering::Relaxed);
                (region.clone(), table.clone(), *operation, n)
            })
            .collect();
        counts.sort();
        counts
    }

    /// The lowest balance among the capacities a request draws on, and whose it is (`None`
    /// when nothing limits it).
    fn scarcest<'m>(
        &self,
        meta: &'m TableMeta,
        access: Access,
        index: Option<&str>,
        now: f64,
    ) -> (f64, Option<Resource<'m>>) {
        let mut scarcest = (f64::INFINITY, None);
        for resource in drawn_on(meta, access, index) {
            let Some((id, capacity)) = self.capacity_of(meta, resource) else {
                continue;
            };
            let balance = self.with_limits(id, capacity, now, |limits| {
                limits.limiter(access).balance(now)
            });
            if balance < scarcest.0 {
                scarcest = (balance, Some(resource));
            }
        }
        scarcest
    }

    fn spend(
        &self,
        meta: &TableMeta,
        resource: Resource<'_>,
        access: Access,
        units: f64,
        now: f64,
    ) {
        if let Some((id, capacity)) = self.capacity_of(meta, resource) {
            self.with_limits(id, capacity, now, |limits| {
                limits.limiter(access).spend(units, now);
            });
        }
    }

    /// The id and the settings of a throttled table or index; `None` when it is not throttled.
    fn capacity_of(&self, meta: &TableMeta, resource: Resource<'_>) -> Option<(u64, Capacity)> {
        match (meta.billing_mode, resource) {
            (BillingMode::Provisioned, Resource::Table) => meta.provisioned.as_ref().map(|p| {
                let capacity = Capacity::Provisioned(p.read_capacity_units, p.write_capacity_units);
                (meta.id, capacity)
            }),
            (BillingMode::Provisioned, Resource::Index(index)) => index
                .provisioned
                .map(|(read, write)| (index.id, Capacity::Provisioned(read, write))),
            (BillingMode::PayPerRequest, _) if self.mode != ThrottleMode::All => None,
            (BillingMode::PayPerRequest, Resource::Table) => {
                let (read, write) = warm_throughput(meta);
                Some((meta.id, Capacity::OnDemand(read, write)))
            }
            (BillingMode::PayPerRequest, Resource::Index(index)) => {
                let (read, write) = ON_DEMAND_WARM_THROUGHPUT;
                Some((index.id, Capacity::OnDemand(read, write)))
            }
        }
    }

    fn with_limits<R>(
        &self,
        id: u64,
        capacity: Capacity,
        now: f64,
        f: impl FnOnce(&mut Limits) -> R,
    ) -> R {
        let mut limits = self
            .limits
            .entry(id)
            .or_insert_with(|| Limits::new(capacity, now));
        if limits.capacity != capacity {
            limits.update(capacity, now);
        }
        f(&mut limits)
    }

    fn count(&self, meta: &TableMeta, operation: &'static str, requests: usize) {
        let key = (meta.region.clone(), meta.name.clone(), operation);
        self.throttled
            .entry(key)
            .or_default()
            .fetch_add(requests as u64, Ordering::Relaxed);
    }
}

/// The table and indexes a request draws on: a write on its table and every global index;
/// a read on its table, or on the global index it reads.
fn drawn_on<'m>(meta: &'m TableMeta, access: Access, index: Option<&str>) -> Vec<Resource<'m>> {
    match access {
        Access::Write => std::iter::once(Resource::Table)
            .chain(meta.global_indexes.iter().map(Resource::Index))
            .collect(),
        Access::Read => {
            let global = index.and_then(|name| meta.global_indexes.iter().find(|i| i.name == name));
            vec![global.map_or(Resource::Table, Resource::Index)]
        }
    }
}

/// The service's answer to a request beyond `resource`'s capacity. The error names no
/// index; its `ThrottlingReasons` say which table or index and why.
fn refusal(meta: &TableMeta, resource: Resource<'_>, access: Access) -> DynamoError {
    let (code, message, limit) = refusal_kind(meta, resource);
    let (kind, arn) = match resource {
        Resource::Table => ("Table", meta.arn.clone()),
        Resource::Index(index) => ("Index", format!("{}/index/{}", meta.arn, index.name)),
    };
    let reason = format!("{kind}{}{limit}", access.as_str());
    DynamoError::new(code, message).with_extra(
        "ThrottlingReasons",
        json!([{"reason": reason, "resource": arn}]),
    )
}

/// The cancellation reason of a transaction's action beyond `resource`'s capacity.
fn throttled_reason(meta: &TableMeta, resource: Resource<'_>) -> CancellationReason {
    let (code, message, _) = refusal_kind(meta, resource);
    CancellationReason {
        code: match code {
            ErrorCode::ThrottlingException => "ThrottlingError",
            _ => "ProvisionedThroughputExceeded",
        },
        item: None,
        message: Some(message.to_owned()),
    }
}

/// The error code, message and limit type (of a `ThrottlingReason`) for `resource`.
fn refusal_kind(
    meta: &TableMeta,
    resource: Resource<'_>,
) -> (ErrorCode, &'static str, &'static str) {
    let on_demand = meta.billing_mode == BillingMode::PayPerRequest;
    match (on_demand, resource) {
        (false, Resource::Table) => (
            ErrorCode::ProvisionedThroughputExceededException,
            TABLE_EXCEEDED,
            "ProvisionedThroughputExceeded",
        ),
        (false, Resource::Index(_)) => (
            ErrorCode::ProvisionedThroughputExceededException,
            INDEX_EXCEEDED,
            "ProvisionedThroughputExceeded",
        ),
        (true, Resource::Table) => (
            ErrorCode::ThrottlingException,
            ON_DEMAND_TABLE_EXCEEDED,
            "KeyRangeThroughputExceeded",
        ),
        (true, Resource::Index(_)) => (
            ErrorCode::ThrottlingException,
            ON_DEMAND_INDEX_EXCEEDED,
            "KeyRangeThroughputExceeded",
        ),
    }
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
