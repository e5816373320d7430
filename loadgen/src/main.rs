//! The `loadgen` command line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use loadgen::cost::{self, PriceTable};
use loadgen::distribution;
use loadgen::regression;
use loadgen::report::{self, TargetTable, exit};
use loadgen::run::{self, Mode};
use loadgen::scenario::{Scenario, parse_duration};
use loadgen::target::Target;
use loadgen::workload::{DynamoDbClient, Workload};

/// mimalloc, as in the emulator's own binary, so that an embedded run measures the
/// emulator as it ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "loadgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: set up its data, replay its load, judge it against the target table.
    Run(Box<RunArgs>),
    /// Start the embedded, in-memory emulator on an ephemeral loopback port and print its
    /// endpoint URL; stops on Ctrl-C.
    Embedded,
    /// Combine the run directories of the shards of one scenario into one report.
    Merge(MergeArgs),
    /// The CI regression check: short runs of every scenario against the embedded emulator,
    /// compared with a committed baseline normalised by this machine's HTTP floor.
    Ci(CiArgs),
}

#[derive(clap::Args)]
struct MergeArgs {
    /// The shards' run directories.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Where the merged report goes.
    #[arg(long)]
    out: PathBuf,
    /// The target table.
    #[arg(long, default_value = "scenarios/targets.toml")]
    targets: PathBuf,
    /// The price table the cost section uses.
    #[arg(long, default_value = "scenarios/prices.toml")]
    prices: PathBuf,
}

/// `i/N`: shard `i` (from 1) of `N`.
fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("{text:?} is not i/N"))?;
    let i: u32 = i.parse().map_err(|_| format!("{i:?} is not a number"))?;
    let n: u32 = n.parse().map_err(|_| format!("{n:?} is not a number"))?;
    if n == 0 || i == 0 || i > n {
        return Err(format!("shard {i} of {n}: i must be in 1..=N"));
    }
    Ok((i, n))
}

#[derive(clap::Args)]
struct CiArgs {
    /// The baseline to compare with.
    #[arg(long, default_value = "results/baseline.json")]
    baseline: PathBuf,
    /// An operation regressed when its normalised p50 is more than this many times the
    /// baseline's.
    #[arg(long, default_value_t = 3.0)]
    tolerance: f64,
    /// Measure and write the baseline instead of comparing.
    #[arg(long)]
    update_baseline: bool,
    /// Each scenario's measured duration.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    duration: Duration,
    /// The directory of scenario files.
    #[arg(long, default_value = "scenarios")]
    scenarios: PathBuf,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The scenario file (e.g. scenarios/feature-serving.toml).
    scenario: PathBuf,
    /// What the load goes to: `embedded` (the emulator, started in-process on an ephemeral
    /// port), or `aws` (real AWS in --region, with the default credential chain). Giving
    /// --endpoint-url instead sends it to that endpoint.
    #[arg(long, value_enum, default_value_t = TargetKind::Embedded)]
    target: TargetKind,
    /// A running endpoint (the emulator, DynamoDB Local...) instead of the embedded emulator.
    #[arg(long, env = "LOADGEN_ENDPOINT_URL", conflicts_with = "target")]
    endpoint_url: Option<String>,
    /// Where the model registry's REST API is served (default: the endpoint's address).
    #[arg(long, env = "LOADGEN_REGISTRY_URL")]
    registry_url: Option<String>,
    /// The region requests are signed for (and, with --target aws, sent to).
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
    /// Fixes key choice, arrivals and data (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Overrides the scenario's measured duration (e.g. 30s, 2m).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Overrides the scenario's warm-up.
    #[arg(long, value_parser = parse_duration)]
    warmup: Option<Duration>,
    /// Overrides the scenario's arrival rate (operations per second).
    #[arg(long)]
    rate: Option<f64>,
    /// Open loop: operations later than this are dropped and counted, not sent.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    max_lag: Duration,
    /// Open loop: the most operations in flight at once.
    #[arg(long, default_value_t = 512)]
    max_in_flight: usize,
    /// Closed loop (peak-rate search): workers send back to back, no schedule.
    #[arg(long)]
    closed: bool,
    /// Closed loop: the number of workers.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// The target table.
    #[arg(long, default_value = "scenarios/targets.toml")]
    targets: PathBuf,
    /// The price table the cost section uses.
    #[arg(long, default_value = "scenarios/prices.toml")]
    prices: PathBuf,
    /// The run directory (default results/<UTC date>_loadgen-<scenario>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// How DynamoDB load is sent: `raw` pre-built requests over pooled HTTP/1.1 connections
    /// (for endpoints that do not verify signatures: the emulator, DynamoDB Local), or `sdk`,
    /// the official aws-sdk-dynamodb client (signing every request; what real AWS needs, and
    /// the default with --target aws).
    #[arg(long, value_enum)]
    client: Option<ClientKind>,
    /// Skip loading the scenario's data (it is already there from an earlier run).
    #[arg(long)]
    no_setup: bool,
    /// Load the scenario's data and stop (before shards run with --no-setup).
    #[arg(long)]
    setup_only: bool,
    /// Run shard i of N (`--shard 2/4`): a quarter of the rate, with its own key stream.
    /// Merge the shards' run directories with `loadgen merge`.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(u32, u32)>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ClientKind {
    Raw,
    Sdk,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TargetKind {
    Embedded,
    Aws,
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let code = match cli.command {
        Command::Embedded => runtime.block_on(embedded()).map(|()| exit::PASSED),
        Command::Run(args) => runtime.block_on(run_scenario(*args)),
        Command::Ci(args) => runtime.block_on(ci(args)),
        Command::Merge(args) => runtime.block_on(merge(args)),
    };
    match code {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            std::process::exit(exit::BAD_CONFIGURATION);
        }
    }
}

async fn embedded() -> Result<()> {
    let running = emulator::Emulator::start(emulator::Config::ephemeral()).await?;
    println!("{}", running.endpoint_url());
    tokio::signal::ctrl_c().await?;
    running.shutdown().await;
    Ok(())
}

async fn run_scenario(args: RunArgs) -> Result<i32> {
    let mut scenario = match Scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loadgen: invalid scenario: {e}");
            return Ok(exit::BAD_CONFIGURATION);
        }
    };
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(duration) = args.duration {
        scenario.duration = duration;
    }
    if let Some(warmup) = args.warmup {
        scenario.warmup = warmup;
    }
    if let Some(rate) = args.rate {
        scenario.arrival = scenario.arrival.with_rate(rate);
    }
    if let Some((i, n)) = args.shard {
        scenario.arrival = scenario
            .arrival
            .with_rate(scenario.arrival.rate() / f64::from(n));
        scenario.seed = scenario.seed.wrapping_add(u64::from(i) * 1_000_003);
    }
    let table = TargetTable::load(&args.targets)?;
    let prices = PriceTable::load(&args.prices)?;

    let (target, embedded, target_name) = match (&args.endpoint_url, args.target) {
        (Some(url), _) => (
            Target::Endpoint {
                url: url.clone(),
                region: args.region.clone(),
            },
            None,
            url.clone(),
        ),
        (None, TargetKind::Aws) => (
            Target::Aws {
                region: args.region.clone(),
            },
            None,
            format!("AWS {}", args.region),
        ),
        (None, TargetKind::Embedded) => {
            let running = emulator::Emulator::start(emulator::Config::ephemeral()).await?;
            let url = running.endpoint_url();
            (
                Target::Endpoint {
                    url,
                    region: args.region.clone(),
                },
                Some(running),
                "embedded emulator (in memory)".to_owned(),
            )
        }
    };
    let client = match (args.client, &target) {
        (Some(ClientKind::Raw), _) | (None, Target::Endpoint { .. }) => DynamoDbClient::Raw,
        (Some(ClientKind::Sdk), _) | (None, Target::Aws { .. }) => DynamoDbClient::Sdk,
    };
    let workload =
        Workload::connect(&scenario, &target, client, args.registry_url.as_deref()).await?;
    if !args.no_setup {
        eprintln!("loadgen: loading the scenario's data into {target_name}");
        workload
            .set_up(64)
            .await
            .context("setting up the scenario's data")?;
    }
    if args.setup_only {
        return Ok(exit::PASSED);
    }
    let mode = if args.closed {
        Mode::Closed {
            concurrency: args.concurrency,
        }
    } else {
        Mode::Open {
            max_lag: args.max_lag,
            max_in_flight: args.max_in_flight,
        }
    };
    eprintln!(
        "loadgen: {} for {:?} after {:?} of warm-up",
        scenario.name, scenario.duration, scenario.warmup
    );
    let result = run::run(workload, &scenario, mode).await;
    if let Some(running) = embedded {
        running.shutdown().await;
    }
    let mut summary = report::judge(&scenario, &target_name, &table, &result)?;
    summary.scenario_file = args.scenario.display().to_string();
    summary.shard = args.shard.map(|(i, n)| format!("{i}/{n}"));
    summary.monthly_costs = cost::monthly_costs(&summary, &prices);
    print!("{}", report::render(&summary));
    let dir = args.out.unwrap_or_else(|| default_out(&scenario.name));
    report::write(&summary, &dir)?;
    distribution::write(&result.recorder, &summary, result.measured_from, &dir)?;
    eprintln!(
        "loadgen: summary.json, report.html and one .hgrm per operation in {}",
        dir.display()
    );
    Ok(summary.exit_code)
}

async fn merge(args: MergeArgs) -> Result<i32> {
    let mut summaries = Vec::new();
    for dir in &args.runs {
        let path = dir.join("summary.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let summary: report::Summary =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        summaries.push(summary);
    }
    let first = &summaries[0];
    if let Some(other) = summaries.iter().find(|s| s.scenario != first.scenario) {
        anyhow::bail!(
            "the runs are of different scenarios ({} and {})",
            first.scenario,
            other.scenario
        );
    }
    let mut scenario =
        Scenario::load(Path::new(&first.scenario_file)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let intended_rate: Option<f64> = summaries.iter().map(|s| s.intended_rate_per_s).sum();
    if let Some(rate) = intended_rate {
        scenario.arrival = scenario.arrival.with_rate(rate);
    }
    let mut recorder = loadgen::recorder::Recorder::default();
    for (dir, summary) in args.runs.iter().zip(&summaries) {
        for op in &summary.operations {
            let path = dir.join(format!("{}.hlog", op.operation));
            let intervals = match std::fs::read(&path) {
                Ok(log) => distribution::read_interval_log(&log)
                    .with_context(|| format!("reading {}", path.display()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            };
            recorder.restore(&op.operation, intervals, op.errors);
            *recorder.dropped.entry(op.operation.clone()).or_default() += op.dropped;
            if let Some(e) = &op.first_error {
                recorder
                    .first_errors
                    .entry(op.operation.clone())
                    .or_insert_with(|| e.clone());
            }
        }
    }
    let measured_s = summaries.iter().map(|s| s.measured_s).fold(0.0, f64::max);
    let result = loadgen::run::RunResult {
        recorder,
        measured: Duration::from_secs_f64(measured_s),
        intended: 0,
        mode: if first.mode.starts_with("open") {
            Mode::Open {
                max_lag: Duration::ZERO,
                max_in_flight: 0,
            }
        } else {
            Mode::Closed {
                concurrency: summaries.len(),
            }
        },
        measured_from: std::time::SystemTime::now(),
        process_cpu: None,
    };
    let table = TargetTable::load(&args.targets)?;
    let target = format!("{} ({} shards merged)", first.target, summaries.len());
    let mut summary = report::judge(&scenario, &target, &table, &result)?;
    summary.scenario_file = first.scenario_file.clone();
    summary.monthly_costs = cost::monthly_costs(&summary, &PriceTable::load(&args.prices)?);
    print!("{}", report::render(&summary));
    report::write(&summary, &args.out)?;
    distribution::write(&result.recorder, &summary, result.measured_from, &args.out)?;
    eprintln!("loadgen: merged report in {}", args.out.display());
    Ok(summary.exit_code)
}

async fn ci(args: CiArgs) -> Result<i32> {
    let floor = regression::calibrate(2000).await?;
    eprintln!(
        "loadgen ci: a request to the fixed-200 handler takes {:.1} µs here",
        floor.as_secs_f64() * 1e6
    );
    let paths = loadgen::scenario::scenario_files(&args.scenarios)
        .with_context(|| format!("reading {}", args.scenarios.display()))?;
    let mut current = std::collections::BTreeMap::new();
    for path in paths {
        let scenario = match Scenario::load(&path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("loadgen ci: invalid scenario: {e}");
                return Ok(exit::BAD_CONFIGURATION);
            }
        };
        let scenario = without_unbuilt_operations(scenario.shrunk(args.duration));
        let running = emulator::Emulator::start(emulator::Config::ephemeral()).await?;
        let target = Target::Endpoint {
            url: running.endpoint_url(),
            region: "us-east-1".into(),
        };
        let workload = Workload::connect(&scenario, &target, DynamoDbClient::Raw, None).await?;
        workload.set_up(16).await?;
        let mode = Mode::Open {
            max_lag: Duration::from_secs(1),
            max_in_flight: 512,
        };
        let result = run::run(workload, &scenario, mode).await;
        running.shutdown().await;
        let errors = result.recorder.errors();
        if errors > 0 {
            eprintln!(
                "loadgen ci: {} had {errors} failed operations: {:?}",
                scenario.name, result.recorder.first_errors
            );
            return Ok(exit::FAILED);
        }
        current.insert(scenario.name.clone(), regression::figures(&result, floor));
    }
    if args.update_baseline {
        let baseline = regression::Baseline {
            floor_request_us: floor.as_secs_f64() * 1e6,
            scenarios: current,
        };
        baseline.save(&args.baseline)?;
        eprintln!(
            "loadgen ci: baseline written to {}",
            args.baseline.display()
        );
        return Ok(exit::PASSED);
    }
    let baseline = regression::Baseline::load(&args.baseline)?;
    let compared = regression::compare(&baseline, &current, args.tolerance);
    let scenario_width = compared.iter().map(|c| c.scenario.len()).max().unwrap_or(0);
    let operation_width = compared
        .iter()
        .map(|c| c.operation.len())
        .max()
        .unwrap_or(0);
    println!(
        "  {:<scenario_width$} {:<operation_width$} {:>8} {:>8} {:>6}  (p50 in floor requests)",
        "scenario", "operation", "baseline", "current", "ratio"
    );
    for c in &compared {
        println!(
            "{} {:<scenario_width$} {:<operation_width$} {:>8.1} {:>8.1} {:>6.2}",
            if c.regressed { "✗" } else { "✓" },
            c.scenario,
            c.operation,
            c.baseline,
            c.current,
            c.ratio
        );
    }
    let regressed = compared.iter().filter(|c| c.regressed).count();
    if regressed > 0 {
        println!(
            "{regressed} operation(s) slower than {}x the baseline",
            args.tolerance
        );
        Ok(exit::FAILED)
    } else {
        println!("no regression beyond {}x the baseline", args.tolerance);
        Ok(exit::PASSED)
    }
}

fn default_out(scenario: &str) -> PathBuf {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    Path::new("results").join(format!("{}_loadgen-{scenario}", civil_date(days as i64)))
}

/// `YYYY-MM-DD` of a day count since 1970-01-01, through the SDK's date formatting.
fn civil_date(days: i64) -> String {
    let midnight = DateTime::from_secs(days * 86_400)
        .fmt(DateTimeFormat::DateTime)
        .expect("a day count from the clock is in the formatter's range");
    midnight[..10].to_owned()
}

/// The scenario without the operations this build cannot serve from its embedded emulator:
/// without the `timestream-query` feature (CI's regression build leaves DataFusion out), the
/// periodic drift query is dropped and said so.
fn without_unbuilt_operations(mut scenario: Scenario) -> Scenario {
    if !cfg!(feature = "timestream-query") {
        let before = scenario.operations.len();
        scenario
            .operations
            .retain(|op| op.operation != loadgen::scenario::Operation::DriftQuery);
        if scenario.operations.len() < before {
            eprintln!(
                "loadgen ci: {}: DriftQuery left out (built without timestream-query)",
                scenario.name
            );
        }
    }
    scenario
}

#[cfg(test)]
mod tests {
    use super::civil_date;

    #[test]
    fn shards_are_i_of_n() {
        assert_eq!(super::parse_shard("2/4"), Ok((2, 4)));
        assert!(super::parse_shard("0/4").is_err());
        assert!(super::parse_shard("5/4").is_err());
        assert!(super::parse_shard("1-4").is_err());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_416), "2025-11-24");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
