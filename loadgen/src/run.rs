//! The load driver. Open loop (default): a pacer wakes at least every millisecond and
//! starts every operation whose intended start has come, up to an in-flight cap; an
//! operation later than `max_lag` is dropped and counted instead. Closed loop: `concurrency`
//! workers each send their next operation as soon as the last one answered, to find the
//! peak rate (reported as such: closed-loop latencies understate what users would see).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::feature_serving::FeatureServing;
use crate::keys::KeyChooser;
use crate::recorder::{Outcome, Recorder};
use crate::scenario::{Operation, Scenario};
use crate::schedule::Schedule;

/// How to drive the load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Open {
        /// Operations later than this are dropped, not sent.
        max_lag: Duration,
        /// At most this many operations in flight.
        max_in_flight: usize,
    },
    Closed {
        concurrency: usize,
    },
}

/// What a run did in its measured window (after the warm-up).
#[derive(Debug)]
pub struct RunResult {
    pub recorder: Recorder,
    pub measured: Duration,
    /// Operations the schedule intended in the measured window (open loop).
    pub intended: u64,
    pub mode: Mode,
    /// The wall-clock time the measured window began (after the warm-up).
    pub measured_from: std::time::SystemTime,
}

/// The next operation: when it is due, what it is, and its keys.
struct Planned {
    at: Duration,
    operation: Operation,
    users: Vec<u64>,
    feature: u64,
}

/// Chooses operations by weight and their keys, from one seeded generator.
struct Planner {
    rng: SmallRng,
    cumulative: Vec<(u32, Operation)>,
    total_weight: u32,
    keys: KeyChooser,
    features: u64,
}

impl Planner {
    fn new(scenario: &Scenario, stream: u64) -> Planner {
        let mut total = 0;
        let cumulative = scenario
            .operations
            .iter()
            .map(|op| {
                total += op.weight;
                (total, op.operation)
            })
            .collect();
        Planner {
            rng: SmallRng::seed_from_u64(
                scenario.seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ),
            cumulative,
            total_weight: total,
            keys: KeyChooser::new(scenario.keys, scenario.setup.users),
            features: scenario.setup.features_per_user,
        }
    }

    fn plan(&mut self, at: Duration) -> Planned {
        let pick = self.rng.random_range(0..self.total_weight);
        let operation = self
            .cumulative
            .iter()
            .find(|(upto, _)| pick < *upto)
            .map(|(_, op)| *op)
            .expect("the pick is below the total weight");
        let count = match operation {
            Operation::BatchGetItem { batch_size } => batch_size,
            _ => 1,
        };
        let users = (0..count).map(|_| self.keys.next(&mut self.rng)).collect();
        let feature = self.rng.random_range(0..self.features);
        Planned {
            at,
            operation,
            users,
            feature,
        }
    }
}

pub async fn run(workload: FeatureServing, scenario: &Scenario, mode: Mode) -> RunResult {
    let recorder = Arc::new(Mutex::new(Recorder::default()));
    let total = scenario.warmup + scenario.duration;
    let measured_from = std::time::SystemTime::now() + scenario.warmup;
    let (intended, measured) = match mode {
        Mode::Open {
            max_lag,
            max_in_flight,
        } => {
            open_loop(
                &workload,
                scenario,
                total,
                max_lag,
                max_in_flight,
                &recorder,
            )
            .await
        }
        Mode::Closed { concurrency } => {
            closed_loop(&workload, scenario, total, concurrency, &recorder).await
        }
    };
    let recorder = Arc::try_unwrap(recorder)
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
        .unwrap_or_else(|shared| shared.lock().expect("no task holds it").clone());
    RunResult {
        recorder,
        measured,
        intended,
        mode,
        measured_from,
    }
}

/// The open loop. The pacer is an OS thread of its own, sleeping with the operating
/// system's timer (tens of microseconds of slack) rather than the async runtime's
/// millisecond wheel, so that an operation starts within a fraction of a millisecond of
/// its intended time; it hands each operation to the runtime.
async fn open_loop(
    workload: &FeatureServing,
    scenario: &Scenario,
    total: Duration,
    max_lag: Duration,
    max_in_flight: usize,
    recorder: &Arc<Mutex<Recorder>>,
) -> (u64, Duration) {
    let slots = max_in_flight.max(1);
    let permits = Arc::new(Semaphore::new(slots));
    let runtime = tokio::runtime::Handle::current();
    let pacer = {
        let (workload, recorder, permits) =
            (workload.clone(), Arc::clone(recorder), Arc::clone(&permits));
        let scenario = scenario.clone();
        std::thread::Builder::new()
            .name("loadgen-pacer".into())
            .spawn(move || {
                pace(
                    &runtime, &workload, &scenario, total, max_lag, &permits, &recorder,
                )
            })
            .expect("the pacer thread starts")
    };
    let intended = tokio::task::spawn_blocking(move || pacer.join())
        .await
        .expect("the pacer is joined")
        .expect("the pacer does not panic");
    // Every operation in flight has finished when every slot is free again.
    let slots = u32::try_from(slots).unwrap_or(u32::MAX);
    drop(permits.acquire_many(slots).await);
    (intended, scenario.duration)
}

fn pace(
    runtime: &tokio::runtime::Handle,
    workload: &FeatureServing,
    scenario: &Scenario,
    total: Duration,
    max_lag: Duration,
    permits: &Arc<Semaphore>,
    recorder: &Arc<Mutex<Recorder>>,
) -> u64 {
    let mut planner = Planner::new(scenario, 0);
    let mut schedule_rng = SmallRng::seed_from_u64(scenario.seed.wrapping_add(1));
    let mut schedule = Schedule::new(scenario.arrival);
    let start = Instant::now();
    let mut intended = 0u64;
    let mut next = planner.plan(schedule.next(&mut schedule_rng));
    while next.at < total {
        let now = start.elapsed();
        if next.at > now {
            std::thread::sleep((next.at - now).min(Duration::from_millis(1)));
            continue;
        }
        let measured = next.at >= scenario.warmup;
        if now - next.at > max_lag {
            if measured {
                intended += 1;
                lock(recorder).drop_late(next.operation.name());
            }
            next = planner.plan(schedule.next(&mut schedule_rng));
            continue;
        }
        let Ok(permit) = Arc::clone(permits).try_acquire_owned() else {
            // At the in-flight cap: the operation waits (its lag grows) until a slot frees.
            std::thread::sleep(Duration::from_micros(100));
            continue;
        };
        if measured {
            intended += 1;
        }
        let intended_at = start + next.at;
        let measured_from = start + scenario.warmup;
        let (workload, recorder) = (workload.clone(), Arc::clone(recorder));
        let planned = std::mem::replace(&mut next, planner.plan(schedule.next(&mut schedule_rng)));
        runtime.spawn(async move {
            let sent = Instant::now();
            let result = workload
                .execute(planned.operation, &planned.users, planned.feature)
                .await;
            let done = Instant::now();
            if measured {
                let mut recorder = lock(&recorder);
                recorder.record(
                    planned.operation.name(),
                    outcome(&result),
                    done - intended_at,
                    done - sent,
                    sent - intended_at,
                );
                if result.is_ok() {
                    let second = done.saturating_duration_since(measured_from).as_secs() as usize;
                    recorder.record_interval(planned.operation.name(), second, done - intended_at);
                }
                match &result {
                    Ok(units) => recorder.add_capacity(planned.operation.name(), *units),
                    Err(e) => recorder.note_error(planned.operation.name(), e),
                }
            }
            // Released last: a free slot means the operation is fully accounted for.
            drop(permit);
        });
    }
    intended
}

async fn closed_loop(
    workload: &FeatureServing,
    scenario: &Scenario,
    total: Duration,
    concurrency: usize,
    recorder: &Arc<Mutex<Recorder>>,
) -> (u64, Duration) {
    let start = Instant::now();
    let mut workers = JoinSet::new();
    for worker in 0..concurrency.max(1) {
        let mut planner = Planner::new(scenario, worker as u64 + 1);
        let (workload, recorder) = (workload.clone(), Arc::clone(recorder));
        let warmup = scenario.warmup;
        workers.spawn(async move {
            while start.elapsed() < total {
                let planned = planner.plan(Duration::ZERO);
                let sent = Instant::now();
                let result = workload
                    .execute(planned.operation, &planned.users, planned.feature)
                    .await;
                let done = Instant::now();
                if sent - start >= warmup {
                    let mut recorder = lock(&recorder);
                    recorder.record(
                        planned.operation.name(),
                        outcome(&result),
                        done - sent,
                        done - sent,
                        Duration::ZERO,
                    );
                    if result.is_ok() {
                        let second = (done - start - warmup).as_secs() as usize;
                        recorder.record_interval(planned.operation.name(), second, done - sent);
                    }
                    match &result {
                        Ok(units) => recorder.add_capacity(planned.operation.name(), *units),
                        Err(e) => recorder.note_error(planned.operation.name(), e),
                    }
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    (0, scenario.duration)
}

fn outcome(result: &anyhow::Result<f64>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(_) => Outcome::Error,
    }
}

fn lock(recorder: &Mutex<Recorder>) -> std::sync::MutexGuard<'_, Recorder> {
    recorder
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
