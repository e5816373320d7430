//! Judging a run against the seed's target table and reporting it: a k6-style line per
//! target (✓/✗ and the measured value), `summary.json`, and the exit code.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::cost::MonthlyCost;
use crate::recorder::{Outcome, Recorder, Series};
use crate::run::{Mode, RunResult};
use crate::scenario::{Operation, Scenario};

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
    /// The service whose targets judge it (its row in the target table).
    pub service: String,
    /// Whether it changes data (counted as writes in the capacity section).
    pub writes: bool,
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
    /// The target-table rows of the services the scenario uses, after its overrides.
    pub service_targets: BTreeMap<String, ServiceTargets>,
    pub operations: Vec<OperationSummary>,
    pub verdicts: Vec<Verdict>,
    pub exit_code: i32,
    /// The loadgen process's CPU in the measured window, in cores and per operation (with
    /// the embedded target, the emulator's share included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_cpu_cores: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_cpu_per_operation_us: Option<f64>,
    /// What the consumed capacity would cost per month (filled by `cost::monthly_costs`).
    #[serde(default)]
    pub monthly_costs: Vec<MonthlyCost>,
}

impl Summary {
    /// The capacity units per second the `service`'s reads (or writes) consumed.
    pub fn units_per_s(&self, service: &str, writes: bool) -> f64 {
        self.operations
            .iter()
            .filter(|op| op.service == service && op.writes == writes)
            .map(|op| op.capacity_units_per_s)
            .sum()
    }

    /// How much the intended rate exceeds the delivered one (open loop only).
    pub fn intended_scale(&self) -> Option<f64> {
        self.intended_rate_per_s
            .filter(|_| self.delivered_rate_per_s > 0.0)
            .map(|intended| intended / self.delivered_rate_per_s)
    }
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn summarize(operation: Operation, recorder: &Recorder, measured_s: f64) -> OperationSummary {
    let name = operation.name();
    let ok = recorder.get(name, Outcome::Ok);
    let errors = recorder.get(name, Outcome::Error).map_or(0, Series::count);
    let count = ok.map_or(0, Series::count);
    let quantile = |q: f64| ok.map_or(0.0, |s| ms(s.latency.value_at_quantile(q)));
    OperationSummary {
        operation: name.to_owned(),
        service: operation.service().targets_key().to_owned(),
        writes: operation.writes(),
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
    let mut service_targets = BTreeMap::new();
    for service in scenario.services() {
        let key = service.targets_key();
        let mut targets = table
            .services
            .get(key)
            .cloned()
            .with_context(|| format!("targets.toml has no [{key}] row"))?;
        if let Some(overrides) = scenario.targets.get(&service) {
            targets.p50_ms = overrides.p50_ms.unwrap_or(targets.p50_ms);
            targets.p99_ms = overrides.p99_ms.unwrap_or(targets.p99_ms);
        }
        service_targets.insert(key.to_owned(), targets);
    }
    let measured_s = result.measured.as_secs_f64();
    let recorded = result.recorder.operations();
    let operations: Vec<OperationSummary> = scenario
        .operations
        .iter()
        .map(|mix| mix.operation)
        .filter(|op| recorded.iter().any(|name| name == op.name()))
        .fold(Vec::new(), |mut unique: Vec<Operation>, op| {
            if !unique.iter().any(|u| u.name() == op.name()) {
                unique.push(op);
            }
            unique
        })
        .into_iter()
        .map(|op| summarize(op, &result.recorder, measured_s))
        .collect();
    let done: u64 = operations.iter().map(|o| o.count + o.errors).sum();
    let delivered = done as f64 / measured_s;
    let open = matches!(result.mode, Mode::Open { .. });
    let intended_rate = open.then(|| scenario.arrival.rate());

    let mut verdicts = Vec::new();
    let min_beyond = table.run.min_samples_beyond;
    for op in &operations {
        let targets = &service_targets[&op.service];
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
        service_targets,
        operations,
        verdicts,
        exit_code,
        process_cpu_cores: result.process_cpu.map(|cpu| cpu.as_secs_f64() / measured_s),
        process_cpu_per_operation_us: result
            .process_cpu
            .filter(|_| done > 0)
            .map(|cpu| cpu.as_secs_f64() * 1e6 / done as f64),
        monthly_costs: Vec::new(),
    })
}

/// What the run consumed, as the services reported or metered it, per second: DynamoDB's
/// read and write capacity units (the provisioned capacity the measured rate needs, scaled
/// to the intended rate when the run delivered less) and Timestream's 1 KiB write units.
fn capacity_lines(summary: &Summary) -> String {
    let scale = summary.intended_scale().unwrap_or(1.0);
    let mut out = String::from("\n");
    if summary.service_targets.contains_key("dynamodb") {
        let read = summary.units_per_s("dynamodb", false);
        let write = summary.units_per_s("dynamodb", true);
        out += &format!(
            "DynamoDB capacity consumed: {read:.1} read units/s, {write:.1} write units/s \
             (at the intended rate: {:.0} RCU and {:.0} WCU provisioned)\n",
            (read * scale).ceil(),
            (write * scale).ceil()
        );
    }
    if summary.service_targets.contains_key("timestream") {
        out += &format!(
            "Timestream writes metered: {:.1} write units (1 KiB)/s\n",
            summary.units_per_s("timestream", true)
        );
    }
    for cost in &summary.monthly_costs {
        out += &format!(
            "monthly cost, {}: ${:.2} at the delivered rate{} ({})\n",
            cost.item,
            cost.at_delivered_rate_usd,
            cost.at_intended_rate_usd
                .map(|usd| format!(", ${usd:.2} at the intended rate"))
                .unwrap_or_default(),
            cost.price
        );
    }
    out
}

/// A check on the run itself, whose failure makes it inconclusive rather than failed.
fn is_run_check(verdict: &Verdict) -> bool {
    verdict.target == "rate delivered"
}

/// The terminal report: a table of operations, then one line per target.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
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
    for t in summary.service_targets.values() {
        out += &format!(
            "targets: {} {} ms (seed table; the managed service scales to {} requests/s)\n",
            t.label, t.latency_ms, t.seed_throughput_rps
        );
    }
    out += "\n";
    out += "operation             count  errors     /s    p50 ms   p90 ms   p99 ms  p99.9 ms   max ms  lag p99\n";
    for op in &summary.operations {
        out += &format!(
            "{:<19} {:>7} {:>7} {:>6.0} {:>9.2} {:>8.2} {:>8.2} {:>9.2} {:>8.2} {:>8.2}\n",
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
    if let (Some(cores), Some(per_op)) = (
        summary.process_cpu_cores,
        summary.process_cpu_per_operation_us,
    ) {
        out += &format!(
            "\nloadgen process CPU: {cores:.2} cores, {per_op:.0} µs per operation{}\n",
            if summary.target.starts_with("embedded") {
                " (the embedded emulator's included)"
            } else {
                ""
            }
        );
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
            "{mark} {:<30} {:<22} {}\n",
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
            process_cpu: Some(Duration::from_secs(1)),
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
