//! Judging a run against the seed's target table and reporting it: a k6-style line per
//! target (✓/✗ and the measured value), `summary.json`, and the exit code.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::recorder::{Outcome, Recorder, Series};
use crate::run::{Mode, RunResult};
use crate::scenario::Scenario;

/// Exit codes a CI job can act on.
pub mod exit {
    /// Every target met.
    pub const PASSED: i32 = 0;
    /// A target was missed.
    pub const FAILED: i32 = 1;
    /// The run cannot be judged: the generator fell behind, operations were dropped, or there
    /// were too few samples for a percentile.
    pub const INCONCLUSIVE: i32 = 3;
    /// The scenario or the configuration is invalid; nothing was sent.
    pub const BAD_CONFIGURATION: i32 = 4;
}

/// A row of `scenarios/targets.toml`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceTargets {
    pub label: String,
    pub latency_ms: String,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub seed_throughput_rps: u64,
}

/// How runs are judged beyond the latency targets.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunRules {
    pub min_rate_fraction: f64,
    pub min_samples_beyond: u64,
}

/// `scenarios/targets.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TargetTable {
    pub run: RunRules,
    #[serde(flatten)]
    pub services: BTreeMap<String, ServiceTargets>,
}

impl TargetTable {
    pub fn load(path: &Path) -> Result<TargetTable> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{}", path.display()))
    }
}

/// One operation's figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OperationSummary {
    pub operation: String,
    pub count: u64,
    pub errors: u64,
    pub dropped: u64,
    pub throughput_per_s: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub service_p99_ms: f64,
    pub schedule_lag_p99_ms: f64,
    /// Capacity units consumed per second (read units for reads, write units for writes).
    #[serde(default)]
    pub capacity_units_per_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

/// One judged target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Verdict {
    pub target: String,
    pub threshold: String,
    pub measured: String,
    /// `true` met, `false` missed, `None` not judged (too few samples).
    pub met: Option<bool>,
}

/// `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
    /// The scenario file, for `loadgen merge`.
    pub scenario_file: String,
    /// `i/N` when the run was one of N shards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    pub target: String,
    pub mode: String,
    pub seed: u64,
    pub measured_s: f64,
    pub intended_rate_per_s: Option<f64>,
    pub delivered_rate_per_s: f64,
    pub service_targets: ServiceTargets,
    pub operations: Vec<OperationSummary>,
    pub verdicts: Vec<Verdict>,
    pub exit_code: i32,
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn summarize(name: &str, recorder: &Recorder, measured_s: f64) -> OperationSummary {
    let ok = recorder.get(name, Outcome::Ok);
    let errors = recorder.get(name, Outcome::Error).map_or(0, Series::count);
    let count = ok.map_or(0, Series::count);
    let quantile = |q: f64| ok.map_or(0.0, |s| ms(s.latency.value_at_quantile(q)));
    OperationSummary {
        operation: name.to_owned(),
        count,
        errors,
        dropped: recorder.dropped.get(name).copied().unwrap_or(0),
        throughput_per_s: (count + errors) as f64 / measured_s,
        p50_ms: quantile(0.5),
        p90_ms: quantile(0.9),
        p99_ms: quantile(0.99),
        p999_ms: quantile(0.999),
        max_ms: ok.map_or(0.0, |s| ms(s.latency.max())),
        service_p99_ms: ok.map_or(0.0, |s| ms(s.service.value_at_quantile(0.99))),
        schedule_lag_p99_ms: ok.map_or(0.0, |s| ms(s.lag.value_at_quantile(0.99))),
        capacity_units_per_s: recorder.capacity_units.get(name).copied().unwrap_or(0.0)
            / measured_s,
        first_error: recorder.first_errors.get(name).cloned(),
    }
}

/// Judges `result` and builds the summary.
pub fn judge(
    scenario: &Scenario,
    target_name: &str,
    table: &TargetTable,
    result: &RunResult,
) -> Result<Summary> {
    let key = scenario.service.targets_key();
    let mut targets = table
        .services
        .get(key)
        .cloned()
        .with_context(|| format!("targets.toml has no [{key}] row"))?;
    if let Some(p50) = scenario.targets.p50_ms {
        targets.p50_ms = p50;
    }
    if let Some(p99) = scenario.targets.p99_ms {
        targets.p99_ms = p99;
    }
    let measured_s = result.measured.as_secs_f64();
    let operations: Vec<OperationSummary> = result
        .recorder
        .operations()
        .iter()
        .map(|name| summarize(name, &result.recorder, measured_s))
        .collect();
    let done: u64 = operations.iter().map(|o| o.count + o.errors).sum();
    let delivered = done as f64 / measured_s;
    let open = matches!(result.mode, Mode::Open { .. });
    let intended_rate = open.then(|| scenario.arrival.rate());

    let mut verdicts = Vec::new();
    let min_beyond = table.run.min_samples_beyond;
    for op in &operations {
        for (label, value, threshold, tail) in [
            ("p50", op.p50_ms, targets.p50_ms, 0.5),
            ("p99", op.p99_ms, targets.p99_ms, 0.01),
        ] {
            let enough = (op.count as f64 * tail) >= min_beyond as f64;
            verdicts.push(Verdict {
                target: format!("{} {label}", op.operation),
                threshold: format!("<= {threshold} ms"),
                measured: format!("{value:.2} ms ({} samples)", op.count),
                met: enough.then_some(value <= threshold),
            });
        }
        verdicts.push(Verdict {
            target: format!("{} errors", op.operation),
            threshold: "= 0".into(),
            measured: op.errors.to_string(),
            met: Some(op.errors == 0),
        });
    }
    if let Some(rate) = intended_rate {
        let dropped: u64 = operations.iter().map(|o| o.dropped).sum();
        verdicts.push(Verdict {
            target: "rate delivered".into(),
            threshold: format!(">= {:.0}% of {rate}/s", table.run.min_rate_fraction * 100.0),
            measured: format!("{delivered:.1}/s, {dropped} dropped for lag"),
            met: Some(delivered >= rate * table.run.min_rate_fraction && dropped == 0),
        });
    }
    let missed = verdicts
        .iter()
        .any(|v| v.met == Some(false) && !is_run_check(v));
    let inconclusive = verdicts
        .iter()
        .any(|v| v.met.is_none() || (is_run_check(v) && v.met == Some(false)));
    let exit_code = if inconclusive {
        exit::INCONCLUSIVE
    } else if missed {
        exit::FAILED
    } else {
        exit::PASSED
    };
    Ok(Summary {
        scenario: scenario.name.clone(),
        scenario_file: String::new(),
        shard: None,
        target: target_name.to_owned(),
        mode: match result.mode {
            Mode::Open { .. } => "open loop".into(),
            Mode::Closed { concurrency } => {
                format!("closed loop, {concurrency} workers (peak rate; latencies understate)")
            }
        },
        seed: scenario.seed,
        measured_s,
        intended_rate_per_s: intended_rate,
        delivered_rate_per_s: delivered,
        service_targets: targets,
        operations,
        verdicts,
        exit_code,
    })
}

/// What the run consumed, as the service reported it, in read and write units per second:
/// the provisioned capacity the measured rate needs (scaled to the intended rate when the
/// run delivered less).
fn capacity_lines(summary: &Summary) -> String {
    let is_write = |op: &str| {
        matches!(
            op,
            "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem"
        )
    };
    let (mut read, mut write) = (0.0, 0.0);
    for op in &summary.operations {
        if is_write(&op.operation) {
            write += op.capacity_units_per_s;
        } else {
            read += op.capacity_units_per_s;
        }
    }
    let mut out = format!("\ncapacity consumed: {read:.1} read units/s, {write:.1} write units/s");
    if let Some(intended) = summary.intended_rate_per_s
        && summary.delivered_rate_per_s > 0.0
    {
        let scale = intended / summary.delivered_rate_per_s;
        out += &format!(
            " (at the intended {intended}/s: {:.0} RCU and {:.0} WCU provisioned)",
            (read * scale).ceil(),
            (write * scale).ceil()
        );
    }
    out + "\n"
}

/// A check on the run itself, whose failure makes it inconclusive rather than failed.
fn is_run_check(verdict: &Verdict) -> bool {
    verdict.target == "rate delivered"
}

/// The terminal report: a table of operations, then one line per target.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let t = &summary.service_targets;
    out += &format!(
        "scenario {} against {} ({}), {:.0} s measured, {:.1} ops/s delivered{}\n",
        summary.scenario,
        summary.target,
        summary.mode,
        summary.measured_s,
        summary.delivered_rate_per_s,
        summary
            .intended_rate_per_s
            .map(|r| format!(" of {r} intended"))
            .unwrap_or_default()
    );
    out += &format!(
        "targets: {} {} ms (seed table; the managed service scales to {} requests/s)\n\n",
        t.label, t.latency_ms, t.seed_throughput_rps
    );
    out += "operation        count  errors     /s    p50 ms   p90 ms   p99 ms  p99.9 ms   max ms  lag p99\n";
    for op in &summary.operations {
        out += &format!(
            "{:<14} {:>7} {:>7} {:>6.0} {:>9.2} {:>8.2} {:>8.2} {:>9.2} {:>8.2} {:>8.2}\n",
            op.operation,
            op.count,
            op.errors,
            op.throughput_per_s,
            op.p50_ms,
            op.p90_ms,
            op.p99_ms,
            op.p999_ms,
            op.max_ms,
            op.schedule_lag_p99_ms
        );
        if let Some(e) = &op.first_error {
            out += &format!("    first error: {e}\n");
        }
    }
    out += &capacity_lines(summary);
    out += "\n";
    for v in &summary.verdicts {
        let mark = match v.met {
            Some(true) => "✓",
            Some(false) => "✗",
            None => "?",
        };
        out += &format!(
            "{mark} {:<24} {:<22} {}\n",
            v.target, v.threshold, v.measured
        );
    }
    out += &format!(
        "\n{}\n",
        match summary.exit_code {
            exit::PASSED => "every target met",
            exit::FAILED => "a target was missed",
            _ => "inconclusive: the run cannot be judged (see ? and the rate line)",
        }
    );
    out
}

/// Writes `summary.json` into `dir`.
pub fn write(summary: &Summary, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("summary.json");
    let json = serde_json::to_string_pretty(summary).expect("a summary always serializes");
    std::fs::write(&path, json + "\n").with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn table() -> TargetTable {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/targets.toml");
        TargetTable::load(&path).unwrap()
    }

    fn scenario() -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/feature-serving.toml");
        Scenario::load(&path).unwrap()
    }

    fn result_with(latency_ms: u64, samples: u64, mode: Mode, rate_fraction: f64) -> RunResult {
        let scenario = scenario();
        let mut recorder = Recorder::default();
        let measured = Duration::from_secs(10);
        let total = (scenario.arrival.rate() * 10.0 * rate_fraction) as u64;
        for i in 0..total {
            let latency = if i < samples {
                Duration::from_millis(latency_ms)
            } else {
                Duration::from_micros(500)
            };
            recorder.record("GetItem", Outcome::Ok, latency, latency, Duration::ZERO);
        }
        RunResult {
            recorder,
            measured,
            intended: total,
            mode,
            measured_from: std::time::SystemTime::UNIX_EPOCH,
        }
    }

    const OPEN: Mode = Mode::Open {
        max_lag: Duration::from_secs(1),
        max_in_flight: 100,
    };

    #[test]
    fn the_target_table_holds_the_seeds_rows() {
        let t = table();
        assert_eq!(t.services["dynamodb"].p99_ms, 10.0);
        assert_eq!(t.services["registry"].latency_ms, "2-5");
        assert_eq!(t.services["timestream"].p50_ms, 15.0);
        assert_eq!(t.run.min_rate_fraction, 0.99);
    }

    #[test]
    fn a_fast_full_run_passes_and_a_slow_tail_fails() {
        let fast = judge(
            &scenario(),
            "embedded",
            &table(),
            &result_with(1, 0, OPEN, 1.0),
        )
        .unwrap();
        assert_eq!(fast.exit_code, exit::PASSED, "{}", render(&fast));
        // 2% of the samples at 50 ms: p99 misses DynamoDB's 10 ms.
        let slow_tail = judge(
            &scenario(),
            "embedded",
            &table(),
            &result_with(50, 400, OPEN, 1.0),
        )
        .unwrap();
        assert_eq!(slow_tail.exit_code, exit::FAILED, "{}", render(&slow_tail));
        let p99 = slow_tail
            .verdicts
            .iter()
            .find(|v| v.target == "GetItem p99")
            .unwrap();
        assert_eq!(p99.met, Some(false));
    }

    #[test]
    fn a_run_that_fell_behind_or_is_too_short_is_inconclusive() {
        let behind = judge(
            &scenario(),
            "embedded",
            &table(),
            &result_with(1, 0, OPEN, 0.9),
        )
        .unwrap();
        assert_eq!(behind.exit_code, exit::INCONCLUSIVE);
        let mut short = result_with(1, 0, OPEN, 1.0);
        short.recorder = Recorder::default();
        for _ in 0..50 {
            short.recorder.record(
                "GetItem",
                Outcome::Ok,
                Duration::from_millis(1),
                Duration::from_millis(1),
                Duration::ZERO,
            );
        }
        let judged = judge(&scenario(), "embedded", &table(), &short).unwrap();
        let p99 = judged
            .verdicts
            .iter()
            .find(|v| v.target == "GetItem p99")
            .unwrap();
        assert_eq!(p99.met, None, "50 samples cannot judge a p99");
        assert_eq!(judged.exit_code, exit::INCONCLUSIVE);
    }
}
