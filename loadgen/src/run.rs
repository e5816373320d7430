//! The load driver. Open loop (default): a pacer task wakes at least every millisecond and
//! hands every operation whose intended start has come to an idle worker, up to an in-flight
//! cap;
//! an operation later than `max_lag` is dropped and counted instead. Closed loop:
//! `concurrency` workers each send their next operation as soon as the last one answered, to
//! find the peak rate (reported as such: closed-loop latencies understate what users would
//! see).
//!
//! Workers record into a few recorders rather than one (see [`Recorders`]), merged when the
//! run ends.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use crate::plan::{Planned, Planner};
use crate::recorder::{Outcome, Recorder};
use crate::scenario::Scenario;
use crate::timer::PreciseTimer;
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
    let total = scenario.warmup + scenario.duration;
    let measured_from = std::time::SystemTime::now() + scenario.warmup;
    let warmup = scenario.warmup;
    let cpu_at_measured_start = tokio::spawn(async move {
        tokio::time::sleep(warmup).await;
        process_cpu()
    });
    let (intended, recorder) = match mode {
        Mode::Open {
            max_lag,
            max_in_flight,
        } => open_loop(&workload, scenario, total, max_lag, max_in_flight).await,
        Mode::Closed { concurrency } => (
            0,
            closed_loop(&workload, scenario, total, concurrency).await,
        ),
    };
    let process_cpu = match (cpu_at_measured_start.await.ok().flatten(), process_cpu()) {
        (Some(start), Some(end)) => Some(end.saturating_sub(start)),
        _ => None,
    };
    RunResult {
        recorder,
        measured: scenario.duration,
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

/// An operation handed from the pacer to a worker.
struct Job {
    planned: Planned,
    intended_at: Instant,
    /// Due in the measured window (after the warm-up).
    measured: bool,
}

/// The open loop's workers: tasks started as the load needs them, up to the in-flight cap,
/// each running one operation at a time. A worker that finishes one puts itself back on the
/// idle stack; the pacer gives the next due operation to the one most recently idle, so a
/// light load keeps few workers (and connections) warm.
struct Workers {
    jobs: Vec<mpsc::Sender<Job>>,
    idle: Arc<Mutex<Vec<usize>>>,
    handles: Vec<JoinHandle<()>>,
    cap: usize,
    recorders: Recorders,
}

impl Workers {
    /// Hands `job` to an idle worker, starting one if none is idle and the cap allows;
    /// gives the job back when every allowed worker is busy.
    fn hand(&mut self, job: Job, workload: &Workload, measured_from: Instant) -> Result<(), Job> {
        let worker = match lock(&self.idle).pop() {
            Some(worker) => worker,
            None if self.jobs.len() < self.cap => {
                // One job at a time: a worker is handed one only while idle.
                let (sender, receiver) = mpsc::channel(1);
                let worker = self.jobs.len();
                self.jobs.push(sender);
                self.handles.push(tokio::spawn(work(
                    workload.clone(),
                    receiver,
                    Arc::clone(&self.idle),
                    worker,
                    self.recorders.clone(),
                    measured_from,
                )));
                worker
            }
            None => return Err(job),
        };
        self.jobs[worker]
            .try_send(job)
            .unwrap_or_else(|_| unreachable!("an idle worker has taken its last job"));
        Ok(())
    }
}

async fn work(
    workload: Workload,
    mut jobs: mpsc::Receiver<Job>,
    idle: Arc<Mutex<Vec<usize>>>,
    me: usize,
    recorders: Recorders,
    measured_from: Instant,
) {
    while let Some(job) = jobs.recv().await {
        let sent = Instant::now();
        let result = workload.execute(&job.planned).await;
        if job.measured {
            record(
                &mut lock(recorders.for_worker(me)),
                &job.planned,
                &result,
                job.intended_at,
                sent,
                measured_from,
            );
        }
        lock(&idle).push(me);
    }
}

/// The open loop: the pacer runs as a task of its own (not on the caller's thread, which
/// with `block_on` is outside the runtime's workers) and waits on a [`PreciseTimer`], so that
/// an operation starts within a fraction of a millisecond of its intended time.
async fn open_loop(
    workload: &Workload,
    scenario: &Scenario,
    total: Duration,
    max_lag: Duration,
    max_in_flight: usize,
) -> (u64, Recorder) {
    let pacer = tokio::spawn(pace(
        workload.clone(),
        scenario.clone(),
        total,
        max_lag,
        max_in_flight,
    ));
    let (intended, dropped, workers) = pacer.await.expect("the pacer does not panic");
    // The pacer has dropped every worker's sender: each finishes its operation and returns.
    for handle in workers.handles {
        handle.await.expect("a worker does not panic");
    }
    let mut recorder = workers.recorders.merged();
    recorder.merge(&dropped);
    (intended, recorder)
}

/// The shortest wait between the pacer's rounds: operations due within it are released
/// together, up to this late, rather than one wake-up each (at 100K operations a second they
/// are 10 µs apart). Waking an idle event loop costs more than a request on a virtual
/// machine: measured on one, rounds 50 µs apart made the generator run out of CPU at 60K/s,
/// 250 µs apart let it reach 90K/s with a schedule-lag p99 of 0.3 ms
/// (`results/2026-12-07_generator-throughput/`).
const PACER_ROUND: Duration = Duration::from_micros(250);

/// How long the pacer waits for a worker when all are busy (at the in-flight cap).
const WAIT_FOR_A_WORKER: Duration = Duration::from_micros(100);

/// Paces the run; answers the operations intended in the measured window, a recorder of
/// those dropped for lagging, and the workers, which hold the rest.
async fn pace(
    workload: Workload,
    scenario: Scenario,
    total: Duration,
    max_lag: Duration,
    max_in_flight: usize,
) -> (u64, Recorder, Workers) {
    let mut timer = PreciseTimer::new().expect("a timer for the pacer");
    let mut planner = Planner::new(&scenario, 0);
    let mut dropped = Recorder::default();
    let start = Instant::now();
    let measured_from = start + scenario.warmup;
    let mut workers = Workers {
        jobs: Vec::new(),
        idle: Arc::default(),
        handles: Vec::new(),
        cap: max_in_flight.max(1),
        recorders: Recorders::new(),
    };
    let mut intended = 0u64;
    let mut next = planner.next_due();
    while next.at < total {
        let now = start.elapsed();
        if next.at > now {
            let wake = next
                .at
                .max(now + PACER_ROUND)
                .min(now + Duration::from_millis(1));
            timer
                .sleep_until(start + wake)
                .await
                .expect("the pacer's timer works");
            continue;
        }
        let measured = next.at >= scenario.warmup;
        if now - next.at > max_lag {
            if measured {
                intended += 1;
                dropped.drop_late(next.operation.name());
            }
            next = planner.next_due();
            continue;
        }
        let job = Job {
            intended_at: start + next.at,
            planned: next,
            measured,
        };
        match workers.hand(job, &workload, measured_from) {
            Ok(()) => {
                if measured {
                    intended += 1;
                }
                next = planner.next_due();
            }
            Err(job) => {
                // At the in-flight cap: the operation waits (its lag grows) until a worker
                // is free.
                next = job.planned;
                timer
                    .sleep_until(Instant::now() + WAIT_FOR_A_WORKER)
                    .await
                    .expect("the pacer's timer works");
            }
        }
    }
    // Dropping the senders lets each worker end once its last operation is done.
    workers.jobs.clear();
    (intended, dropped, workers)
}

async fn closed_loop(
    workload: &Workload,
    scenario: &Scenario,
    total: Duration,
    concurrency: usize,
) -> Recorder {
    let start = Instant::now();
    let measured_from = start + scenario.warmup;
    let recorders = Recorders::new();
    let mut workers = JoinSet::new();
    for worker in 0..concurrency.max(1) {
        let mut planner = Planner::new(scenario, worker as u64 + 1);
        let (workload, recorders) = (workload.clone(), recorders.clone());
        workers.spawn(async move {
            while start.elapsed() < total {
                let planned = planner.pick(Duration::ZERO);
                let sent = Instant::now();
                let result = workload.execute(&planned).await;
                if sent >= measured_from {
                    let mut recorder = lock(recorders.for_worker(worker));
                    record(&mut recorder, &planned, &result, sent, sent, measured_from);
                }
            }
        });
    }
    // Periodic operations keep their period beside the workers, each timed from its tick.
    for (stream, (operation, every)) in Planner::periodic(scenario).into_iter().enumerate() {
        let mut planner = Planner::new(scenario, (concurrency + stream) as u64 + 1);
        let (workload, recorders) = (workload.clone(), recorders.clone());
        workers.spawn(async move {
            let mut tick = start;
            while tick.duration_since(start) < total {
                tokio::time::sleep_until(tick.into()).await;
                let planned = planner.keyed(tick - start, operation);
                let sent = Instant::now();
                let result = workload.execute(&planned).await;
                if tick >= measured_from {
                    let mut recorder = lock(recorders.for_worker(stream));
                    record(&mut recorder, &planned, &result, tick, sent, measured_from);
                }
                tick += every;
            }
        });
    }
    while let Some(worker) = workers.join_next().await {
        worker.expect("a worker does not panic");
    }
    recorders.merged()
}

/// The recorders the workers share: one per core rather than one for all (threads would
/// queue on its lock) or one per worker (hundreds of workers would each hold a full set of
/// histograms, a few hundred kilobytes apiece). Worker `i` records into recorder `i mod n`,
/// so two threads rarely want the same one at once.
#[derive(Clone)]
struct Recorders(Arc<[Mutex<Recorder>]>);

impl Recorders {
    fn new() -> Recorders {
        let n = std::thread::available_parallelism().map_or(1, usize::from);
        Recorders((0..n).map(|_| Mutex::default()).collect())
    }

    fn for_worker(&self, worker: usize) -> &Mutex<Recorder> {
        &self.0[worker % self.0.len()]
    }

    /// Every recorder's measurements in one; call once the workers are done.
    fn merged(&self) -> Recorder {
        let mut merged = Recorder::default();
        for recorder in self.0.iter() {
            merged.merge(&lock(recorder));
        }
        merged
    }
}

/// Records one finished operation: latency from its intended start, service time from its
/// send, and the lag between them; its capacity, or its error.
fn record(
    recorder: &mut Recorder,
    planned: &Planned,
    result: &anyhow::Result<f64>,
    intended_at: Instant,
    sent: Instant,
    measured_from: Instant,
) {
    let done = Instant::now();
    let name = planned.operation.name();
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
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
