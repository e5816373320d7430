//! The load driver. Open loop (default): a pacer wakes at least every millisecond and
//! starts every operation whose intended start has come, up to an in-flight cap; an
//! operation later than `max_lag` is dropped and counted instead. Closed loop: `concurrency`
//! workers each send their next operation as soon as the last one answered, to find the
//! peak rate (reported as such: closed-loop latencies understate what users would see).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::plan::{Planned, Planner};
use crate::recorder::{Outcome, Recorder};
use crate::scenario::Scenario;
use crate::workload::Workload;

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
    /// The CPU time the loadgen process used in the measured window (with the embedded
    /// target, the emulator's share included).
    pub process_cpu: Option<Duration>,
}

pub async fn run(workload: Workload, scenario: &Scenario, mode: Mode) -> RunResult {
    let recorder = Arc::new(Mutex::new(Recorder::default()));
    let total = scenario.warmup + scenario.duration;
    let measured_from = std::time::SystemTime::now() + scenario.warmup;
    let warmup = scenario.warmup;
    let cpu_at_measured_start = tokio::spawn(async move {
        tokio::time::sleep(warmup).await;
        process_cpu()
    });
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
    let process_cpu = match (cpu_at_measured_start.await.ok().flatten(), process_cpu()) {
        (Some(start), Some(end)) => Some(end.saturating_sub(start)),
        _ => None,
    };
    RunResult {
        recorder,
        measured,
        intended,
        mode,
        measured_from,
        process_cpu,
    }
}

/// The CPU time (user and system) this process has used so far, from `/proc/self/stat`
/// (Linux; `None` elsewhere). Its fields 14 and 15 count clock ticks of USER_HZ, which the
/// kernel fixes at 100 per second for `/proc`.
pub fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it follow its ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The open loop. The pacer is an OS thread of its own, sleeping with the operating
/// system's timer (tens of microseconds of slack) rather than the async runtime's
/// millisecond wheel, so that an operation starts within a fraction of a millisecond of
/// its intended time; it hands each operation to the runtime.
async fn open_loop(
    workload: &Workload,
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
    workload: &Workload,
    scenario: &Scenario,
    total: Duration,
    max_lag: Duration,
    permits: &Arc<Semaphore>,
    recorder: &Arc<Mutex<Recorder>>,
) -> u64 {
    let mut planner = Planner::new(scenario, 0);
    let start = Instant::now();
    let mut intended = 0u64;
    let mut next = planner.next_due();
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
            next = planner.next_due();
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
        let planned = std::mem::replace(&mut next, planner.next_due());
        runtime.spawn(async move {
            let sent = Instant::now();
            let result = workload.execute(&planned).await;
            if measured {
                record(
                    &recorder,
                    &planned,
                    &result,
                    intended_at,
                    sent,
                    measured_from,
                );
            }
            // Released last: a free slot means the operation is fully accounted for.
            drop(permit);
        });
    }
    intended
}

async fn closed_loop(
    workload: &Workload,
    scenario: &Scenario,
    total: Duration,
    concurrency: usize,
    recorder: &Arc<Mutex<Recorder>>,
) -> (u64, Duration) {
    let start = Instant::now();
    let measured_from = start + scenario.warmup;
    let mut workers = JoinSet::new();
    for worker in 0..concurrency.max(1) {
        let mut planner = Planner::new(scenario, worker as u64 + 1);
        let (workload, recorder) = (workload.clone(), Arc::clone(recorder));
        workers.spawn(async move {
            while start.elapsed() < total {
                let planned = planner.pick(Duration::ZERO);
                let sent = Instant::now();
                let result = workload.execute(&planned).await;
                if sent >= measured_from {
                    record(&recorder, &planned, &result, sent, sent, measured_from);
                }
            }
        });
    }
    // Periodic operations keep their period beside the workers, each timed from its tick.
    for (stream, (operation, every)) in Planner::periodic(scenario).into_iter().enumerate() {
        let mut planner = Planner::new(scenario, (concurrency + stream) as u64 + 1);
        let (workload, recorder) = (workload.clone(), Arc::clone(recorder));
        workers.spawn(async move {
            let mut tick = start;
            while tick.duration_since(start) < total {
                tokio::time::sleep_until(tick.into()).await;
                let planned = planner.keyed(tick - start, operation);
                let sent = Instant::now();
                let result = workload.execute(&planned).await;
                if tick >= measured_from {
                    record(&recorder, &planned, &result, tick, sent, measured_from);
                }
                tick += every;
            }
        });
    }
    while workers.join_next().await.is_some() {}
    (0, scenario.duration)
}

/// Records one finished operation: latency from its intended start, service time from its
/// send, and the lag between them; its capacity, or its error.
fn record(
    recorder: &Mutex<Recorder>,
    planned: &Planned,
    result: &anyhow::Result<f64>,
    intended_at: Instant,
    sent: Instant,
    measured_from: Instant,
) {
    let done = Instant::now();
    let name = planned.operation.name();
    let mut recorder = lock(recorder);
    recorder.record(
        name,
        outcome(result),
        done - intended_at,
        done - sent,
        sent - intended_at,
    );
    match result {
        Ok(units) => {
            let second = done.saturating_duration_since(measured_from).as_secs() as usize;
            recorder.record_interval(name, second, done - intended_at);
            recorder.add_capacity(name, *units);
        }
        Err(e) => recorder.note_error(name, e),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_cpu_grows_with_work() {
        let before = process_cpu().expect("/proc/self/stat is readable on Linux");
        // A fixed amount of work, not of wall time: on a loaded machine it simply takes longer.
        let mut x = 0u64;
        for _ in 0..100_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let used = process_cpu().unwrap() - before;
        assert!(used >= Duration::from_millis(30), "{used:?}");
    }
}
