//! Scenario files (`scenarios/*.toml`): what to set up, which operations to replay with
//! which weights, how keys and arrivals are distributed, for how long. A scenario is checked
//! whole before any load is sent; an invalid one is refused with a message naming the field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub duration: Duration,
    pub warmup: Duration,
    pub seed: u64,
    /// The feature table, when an operation reads or writes DynamoDB.
    pub dynamodb: Option<FeatureTable>,
    /// The model registry's rows, when an operation uses the registry.
    pub registry: Option<RegistrySetup>,
    /// The monitoring table, when an operation uses Timestream.
    pub timestream: Option<MonitoringSetup>,
    pub keys: KeyDistribution,
    pub arrival: Arrival,
    pub operations: Vec<OperationMix>,
    /// Overrides of the services' targets (`targets.toml`), by service.
    pub targets: BTreeMap<Service, TargetOverrides>,
}

/// A service loadgen replays, which names its row in the target table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    DynamoDb,
    Registry,
    Timestream,
}

impl Service {
    pub fn targets_key(self) -> &'static str {
        match self {
            Service::DynamoDb => "dynamodb",
            Service::Registry => "registry",
            Service::Timestream => "timestream",
        }
    }

    fn from_key(key: &str) -> Option<Service> {
        [Service::DynamoDb, Service::Registry, Service::Timestream]
            .into_iter()
            .find(|s| s.targets_key() == key)
    }
}

/// The feature table of the feature-serving pattern: `users` partitions of
/// `features_per_user` items, each with a value of `value_bytes` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureTable {
    pub table: String,
    pub users: u64,
    pub features_per_user: u64,
    pub value_bytes: usize,
}

/// The model registry as the seed's `model_registry` holds it: `models` names with
/// `versions_per_model` versions each (the newest in production, the one before in staging,
/// the rest in draft), each version tagged with `tags_per_version` of `tag_pool` tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrySetup {
    pub models: u64,
    pub versions_per_model: u64,
    pub tag_pool: u64,
    pub tags_per_version: u64,
}

/// The ML-monitoring table: `models` × `hosts` series (dimensions `model` and `host`), each
/// reporting the seed's `prediction_accuracy` and `latency_ms` measures every `interval`,
/// with `preload` of history written before the load starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringSetup {
    pub database: String,
    pub table: String,
    pub models: u64,
    pub hosts: u64,
    pub interval: Duration,
    pub preload: Duration,
}

impl MonitoringSetup {
    pub fn series(&self) -> u64 {
        self.models * self.hosts
    }
}

/// How keys (users, models, series) are chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyDistribution {
    Uniform,
    /// YCSB-style zipfian over the keys, `theta` in (0, 1).
    Zipfian {
        theta: f64,
    },
    /// The most recently written keys are the most likely (zipfian from the newest).
    Latest {
        theta: f64,
    },
    /// `share` of the operations go to the first `fraction` of the keys.
    Hotspot {
        fraction: f64,
        share: f64,
    },
}

/// When operations are due.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrival {
    /// Evenly spaced, `rate` per second.
    Constant { rate: f64 },
    /// Exponentially distributed gaps with mean 1/`rate`.
    Poisson { rate: f64 },
}

impl Arrival {
    /// The same process at another rate.
    pub fn with_rate(self, rate: f64) -> Arrival {
        match self {
            Arrival::Constant { .. } => Arrival::Constant { rate },
            Arrival::Poisson { .. } => Arrival::Poisson { rate },
        }
    }

    pub fn rate(self) -> f64 {
        match self {
            Arrival::Constant { rate } | Arrival::Poisson { rate } => rate,
        }
    }
}

/// One operation of the mix: drawn by weight from the arrival process, or run on its own
/// fixed period (a dashboard's drift query every minute, say).
#[derive(Debug, Clone, PartialEq)]
pub struct OperationMix {
    pub operation: Operation,
    pub share: Share,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Share {
    Weight(u32),
    Every(Duration),
}

/// The operations of the seed's patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// One feature of one user.
    GetItem,
    /// All features of one user.
    Query,
    /// One feature of `batch_size` users.
    BatchGetItem { batch_size: usize },
    /// The pipeline rewrites one feature.
    PutItem,
    /// The pipeline bumps one feature's counter.
    UpdateItem,
    /// A serving node resolves a model by (name, version).
    GetModelVersion,
    /// A serving node asks for a model's version in production.
    LatestProduction,
    /// Discovery: versions carrying a tag.
    SearchByTag,
    /// Discovery: versions in a status.
    SearchByStatus,
    /// Training registers a new version (draft).
    CreateModelVersion,
    /// A release moves a model's newest draft one step along the lifecycle.
    PromoteModelVersion,
    /// The monitoring pipeline writes one sample of `batch_size` series.
    WriteRecords { batch_size: usize },
    /// The seed's drift query: 5-minute averages and deviations over the last hour.
    DriftQuery,
}

impl Operation {
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetItem => "GetItem",
            Operation::Query => "Query",
            Operation::BatchGetItem { .. } => "BatchGetItem",
            Operation::PutItem => "PutItem",
            Operation::UpdateItem => "UpdateItem",
            Operation::GetModelVersion => "GetModelVersion",
            Operation::LatestProduction => "LatestProduction",
            Operation::SearchByTag => "SearchByTag",
            Operation::SearchByStatus => "SearchByStatus",
            Operation::CreateModelVersion => "CreateModelVersion",
            Operation::PromoteModelVersion => "PromoteModelVersion",
            Operation::WriteRecords { .. } => "WriteRecords",
            Operation::DriftQuery => "DriftQuery",
        }
    }

    pub fn service(self) -> Service {
        match self {
            Operation::GetItem
            | Operation::Query
            | Operation::BatchGetItem { .. }
            | Operation::PutItem
            | Operation::UpdateItem => Service::DynamoDb,
            Operation::GetModelVersion
            | Operation::LatestProduction
            | Operation::SearchByTag
            | Operation::SearchByStatus
            | Operation::CreateModelVersion
            | Operation::PromoteModelVersion => Service::Registry,
            Operation::WriteRecords { .. } | Operation::DriftQuery => Service::Timestream,
        }
    }

    /// Whether the operation changes data (what the capacity section counts as writes).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Operation::PutItem
                | Operation::UpdateItem
                | Operation::CreateModelVersion
                | Operation::PromoteModelVersion
                | Operation::WriteRecords { .. }
        )
    }

    /// The operation named `name`, given its batch size when it takes one.
    fn parse(name: &str, batch_size: Option<usize>) -> Result<Operation, (&'static str, String)> {
        let batched = |max: usize| match batch_size {
            Some(n) if (1..=max).contains(&n) => Ok(n),
            Some(n) => Err(("batch_size", format!("{n} is not in 1..={max}"))),
            None => Err(("batch_size", format!("required for {name}"))),
        };
        let operation = match name {
            "BatchGetItem" => Operation::BatchGetItem {
                batch_size: batched(MAX_BATCH_GET)?,
            },
            "WriteRecords" => Operation::WriteRecords {
                batch_size: batched(MAX_WRITE_RECORDS)?,
            },
            _ => {
                let operation = UNBATCHED
                    .iter()
                    .copied()
                    .find(|op| op.name() == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> = UNBATCHED
                            .iter()
                            .map(|op| op.name())
                            .chain(["BatchGetItem", "WriteRecords"])
                            .collect();
                        (
                            "name",
                            format!("unknown operation {name:?}: {}", known.join(", ")),
                        )
                    })?;
                if batch_size.is_some() {
                    return Err((
                        "batch_size",
                        format!("only BatchGetItem and WriteRecords take a batch_size, not {name}"),
                    ));
                }
                operation
            }
        };
        Ok(operation)
    }
}

const UNBATCHED: [Operation; 11] = [
    Operation::GetItem,
    Operation::Query,
    Operation::PutItem,
    Operation::UpdateItem,
    Operation::GetModelVersion,
    Operation::LatestProduction,
    Operation::SearchByTag,
    Operation::SearchByStatus,
    Operation::CreateModelVersion,
    Operation::PromoteModelVersion,
    Operation::DriftQuery,
];

/// Target overrides a scenario may carry for a service (`[targets.dynamodb]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetOverrides {
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// Why a scenario was refused: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {problem}")]
pub struct ScenarioError {
    pub file: String,
    pub field: String,
    pub problem: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    duration: String,
    #[serde(default)]
    warmup: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
    dynamodb: Option<RawFeatureTable>,
    registry: Option<RawRegistry>,
    timestream: Option<RawMonitoring>,
    keys: RawKeys,
    arrival: RawArrival,
    operations: Vec<RawOperation>,
    #[serde(default)]
    targets: BTreeMap<String, TargetOverrides>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeatureTable {
    table: String,
    users: u64,
    features_per_user: u64,
    value_bytes: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    models: u64,
    versions_per_model: u64,
    tag_pool: u64,
    tags_per_version: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMonitoring {
    database: String,
    table: String,
    models: u64,
    hosts: u64,
    interval: String,
    preload: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeys {
    distribution: String,
    theta: Option<f64>,
    fraction: Option<f64>,
    share: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArrival {
    process: String,
    rate: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperation {
    name: String,
    weight: Option<u32>,
    every: Option<String>,
    batch_size: Option<usize>,
}

/// The most keys BatchGetItem takes in one call.
const MAX_BATCH_GET: usize = 100;
/// The most records WriteRecords takes in one call.
const MAX_WRITE_RECORDS: usize = 100;

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            file: file.clone(),
            field: "(file)".into(),
            problem: e.to_string(),
        })?;
        Scenario::parse(&file, &text)
    }

    /// Parses and checks scenario `text` (from `file`, named in errors).
    pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let err = |field: &str, problem: String| ScenarioError {
            file: file.to_owned(),
            field: field.to_owned(),
            problem,
        };
        let raw: RawScenario = toml::from_str(text).map_err(|e| {
            let field = e
                .span()
                .map(|span| field_at(text, span.start))
                .unwrap_or_else(|| "(document)".into());
            err(&field, e.message().to_owned())
        })?;
        let duration = parse_duration(&raw.duration).map_err(|p| err("duration", p))?;
        if duration.is_zero() {
            return Err(err("duration", "must be longer than 0".into()));
        }
        let warmup = match &raw.warmup {
            Some(w) => parse_duration(w).map_err(|p| err("warmup", p))?,
            None => Duration::ZERO,
        };
        let dynamodb = raw
            .dynamodb
            .map(|t| feature_table(t).map_err(|(f, p)| err(&format!("dynamodb.{f}"), p)))
            .transpose()?;
        let registry = raw
            .registry
            .map(|r| registry_setup(r).map_err(|(f, p)| err(&format!("registry.{f}"), p)))
            .transpose()?;
        let timestream = raw
            .timestream
            .map(|m| monitoring_setup(m).map_err(|(f, p)| err(&format!("timestream.{f}"), p)))
            .transpose()?;
        let keys = key_distribution(&raw.keys).map_err(|(f, p)| err(&format!("keys.{f}"), p))?;
        if !(raw.arrival.rate.is_finite() && raw.arrival.rate > 0.0) {
            return Err(err("arrival.rate", "must be a positive number".into()));
        }
        let arrival = match raw.arrival.process.as_str() {
            "constant" => Arrival::Constant {
                rate: raw.arrival.rate,
            },
            "poisson" => Arrival::Poisson {
                rate: raw.arrival.rate,
            },
            other => {
                return Err(err(
                    "arrival.process",
                    format!("unknown process {other:?}: constant or poisson"),
                ));
            }
        };
        if raw.operations.is_empty() {
            return Err(err("operations", "needs at least one operation".into()));
        }
        let mut operations = Vec::with_capacity(raw.operations.len());
        for (i, op) in raw.operations.iter().enumerate() {
            let field = |name: &str| format!("operations[{i}].{name}");
            let operation =
                Operation::parse(&op.name, op.batch_size).map_err(|(f, p)| err(&field(f), p))?;
            let share = match (op.weight, &op.every) {
                (Some(0), None) => return Err(err(&field("weight"), "must be at least 1".into())),
                (Some(w), None) => Share::Weight(w),
                (None, Some(every)) => {
                    let every = parse_duration(every).map_err(|p| err(&field("every"), p))?;
                    if every < Duration::from_millis(10) {
                        return Err(err(&field("every"), "must be at least 10ms".into()));
                    }
                    Share::Every(every)
                }
                (Some(_), Some(_)) => {
                    return Err(err(
                        &field("every"),
                        "an operation has a weight or a period (every), not both".into(),
                    ));
                }
                (None, None) => {
                    return Err(err(
                        &field("weight"),
                        "required (or a period: every = \"1m\")".into(),
                    ));
                }
            };
            let (section, set_up) = match operation.service() {
                Service::DynamoDb => ("dynamodb", dynamodb.is_some()),
                Service::Registry => ("registry", registry.is_some()),
                Service::Timestream => ("timestream", timestream.is_some()),
            };
            if !set_up {
                return Err(err(
                    &field("name"),
                    format!("{} needs the scenario's [{section}] section", op.name),
                ));
            }
            operations.push(OperationMix { operation, share });
        }
        if !operations
            .iter()
            .any(|op| matches!(op.share, Share::Weight(_)))
        {
            return Err(err(
                "operations",
                "needs at least one operation with a weight (periodic ones run beside them)".into(),
            ));
        }
        let mut targets = BTreeMap::new();
        for (key, overrides) in raw.targets {
            let service = Service::from_key(&key).ok_or_else(|| {
                err(
                    &format!("targets.{key}"),
                    "unknown service: dynamodb, registry or timestream".into(),
                )
            })?;
            targets.insert(service, overrides);
        }
        Ok(Scenario {
            name: raw.name,
            duration,
            warmup,
            seed: raw.seed.unwrap_or(1),
            dynamodb,
            registry,
            timestream,
            keys,
            arrival,
            operations,
            targets,
        })
    }

    /// The services the scenario's operations use.
    pub fn services(&self) -> Vec<Service> {
        let mut services: Vec<Service> = self
            .operations
            .iter()
            .map(|op| op.operation.service())
            .collect();
        services.sort();
        services.dedup();
        services
    }

    /// The same scenario made small and short, for `loadgen ci`: it compares shapes, not
    /// capacity.
    pub fn shrunk(mut self, duration: Duration) -> Scenario {
        if let Some(table) = &mut self.dynamodb {
            table.users = table.users.min(2000);
        }
        if let Some(registry) = &mut self.registry {
            registry.models = registry.models.min(200);
        }
        if let Some(monitoring) = &mut self.timestream {
            monitoring.preload = monitoring.preload.min(Duration::from_secs(600));
        }
        self.duration = duration;
        self.warmup = Duration::from_secs(1);
        self
    }
}

type FieldError = (&'static str, String);

fn at_least_one(field: &'static str, value: u64) -> Result<u64, FieldError> {
    if value == 0 {
        Err((field, "must be at least 1".into()))
    } else {
        Ok(value)
    }
}

fn feature_table(raw: RawFeatureTable) -> Result<FeatureTable, FieldError> {
    if raw.table.is_empty() {
        return Err(("table", "must not be empty".into()));
    }
    if raw.value_bytes > 350 * 1024 {
        return Err((
            "value_bytes",
            "must keep items under DynamoDB's 400 KB".into(),
        ));
    }
    Ok(FeatureTable {
        table: raw.table,
        users: at_least_one("users", raw.users)?,
        features_per_user: at_least_one("features_per_user", raw.features_per_user)?,
        value_bytes: raw.value_bytes,
    })
}

fn registry_setup(raw: RawRegistry) -> Result<RegistrySetup, FieldError> {
    let tag_pool = at_least_one("tag_pool", raw.tag_pool)?;
    if raw.tags_per_version > tag_pool {
        return Err((
            "tags_per_version",
            format!(
                "{} is more than the tag_pool's {tag_pool}",
                raw.tags_per_version
            ),
        ));
    }
    Ok(RegistrySetup {
        models: at_least_one("models", raw.models)?,
        versions_per_model: at_least_one("versions_per_model", raw.versions_per_model)?,
        tag_pool,
        tags_per_version: raw.tags_per_version,
    })
}

fn monitoring_setup(raw: RawMonitoring) -> Result<MonitoringSetup, FieldError> {
    for (field, name) in [("database", &raw.database), ("table", &raw.table)] {
        if name.len() < 3 || name.len() > 256 {
            return Err((field, "Timestream names are 3 to 256 characters".into()));
        }
    }
    let interval = parse_duration(&raw.interval).map_err(|p| ("interval", p))?;
    if interval < Duration::from_millis(1) {
        return Err(("interval", "must be at least 1ms".into()));
    }
    let preload = parse_duration(&raw.preload).map_err(|p| ("preload", p))?;
    // Records older than the memory store's retention are refused without magnetic writes;
    // loadgen creates the table with 24 hours of memory retention.
    if preload > Duration::from_secs(23 * 3600) {
        return Err((
            "preload",
            "must be at most 23h (the memory store's window)".into(),
        ));
    }
    Ok(MonitoringSetup {
        database: raw.database,
        table: raw.table,
        models: at_least_one("models", raw.models)?,
        hosts: at_least_one("hosts", raw.hosts)?,
        interval,
        preload,
    })
}

fn key_distribution(raw: &RawKeys) -> Result<KeyDistribution, FieldError> {
    let theta = |name: &str| -> Result<f64, FieldError> {
        match raw.theta {
            Some(t) if t > 0.0 && t < 1.0 => Ok(t),
            Some(t) => Err(("theta", format!("{t} is not in (0, 1)"))),
            None => Err(("theta", format!("required by the {name} distribution"))),
        }
    };
    Ok(match raw.distribution.as_str() {
        "uniform" => KeyDistribution::Uniform,
        "zipfian" => KeyDistribution::Zipfian {
            theta: theta("zipfian")?,
        },
        "latest" => KeyDistribution::Latest {
            theta: theta("latest")?,
        },
        "hotspot" => {
            let unit = |name: &'static str, v: Option<f64>| match v {
                Some(v) if v > 0.0 && v <= 1.0 => Ok(v),
                Some(v) => Err((name, format!("{v} is not in (0, 1]"))),
                None => Err((name, "required by the hotspot distribution".into())),
            };
            KeyDistribution::Hotspot {
                fraction: unit("fraction", raw.fraction)?,
                share: unit("share", raw.share)?,
            }
        }
        other => {
            return Err((
                "distribution",
                format!("unknown distribution {other:?}: uniform, zipfian, latest or hotspot"),
            ));
        }
    })
}

/// The dotted field name at byte `offset` of a TOML document, as well as a line-based look
/// can tell: the last `[table]` header before it and the key on its line.
fn field_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line = &text[line_start..line_end];
    let key = line.split('=').next().unwrap_or("").trim();
    let table = before[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix('[').map(|rest| {
            rest.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned()
        })
    });
    match (table, key.is_empty() || key.starts_with('[')) {
        (Some(table), false) => format!("{table}.{key}"),
        (None, false) => key.to_owned(),
        (Some(table), true) => table,
        (None, true) => "(document)".into(),
    }
}

/// The files that sit beside the scenarios but are not scenarios: the target table and the
/// price table.
const NOT_SCENARIOS: [&str; 2] = ["targets.toml", "prices.toml"];

/// The scenario files in `dir`, in name order.
pub fn scenario_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        let is_table = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| NOT_SCENARIOS.contains(&n));
        if is_toml && !is_table {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// `"20s"`, `"500ms"`, `"2m"`, `"1h"`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .ok_or_else(|| format!("{text:?} has no unit (ms, s, m or h)"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a number"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown unit {other:?} in {text:?}: ms, s, m or h")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"
name = "t"
duration = "2s"
warmup = "500ms"
[dynamodb]
table = "ml-features"
users = 100
features_per_user = 4
value_bytes = 10
[keys]
distribution = "zipfian"
theta = 0.99
[arrival]
process = "constant"
rate = 100
[[operations]]
name = "GetItem"
weight = 3
[[operations]]
name = "BatchGetItem"
weight = 1
batch_size = 8
"#;

    fn error_of(text: &str) -> ScenarioError {
        Scenario::parse("s.toml", text).unwrap_err()
    }

    #[test]
    fn a_valid_scenario_parses_whole() {
        let s = Scenario::parse("s.toml", VALID).unwrap();
        assert_eq!(s.duration, Duration::from_secs(2));
        assert_eq!(s.warmup, Duration::from_millis(500));
        assert_eq!(s.keys, KeyDistribution::Zipfian { theta: 0.99 });
        assert_eq!(s.arrival, Arrival::Constant { rate: 100.0 });
        assert_eq!(
            s.operations[1].operation,
            Operation::BatchGetItem { batch_size: 8 }
        );
        assert_eq!(s.operations[0].share, Share::Weight(3));
        assert_eq!(s.seed, 1);
        assert_eq!(s.services(), [Service::DynamoDb]);
    }

    #[test]
    fn invalid_fields_are_named() {
        let cases = [
            (VALID.replace("\"2s\"", "\"2 parsecs\""), "duration"),
            (VALID.replace("theta = 0.99", "theta = 1.5"), "keys.theta"),
            (VALID.replace("rate = 100", "rate = -1"), "arrival.rate"),
            (
                VALID.replace("batch_size = 8", "batch_size = 500"),
                "operations[1].batch_size",
            ),
            (
                VALID.replace("weight = 3", "weight = 0"),
                "operations[0].weight",
            ),
            (
                VALID.replace("\"GetItem\"", "\"Scan\""),
                "operations[0].name",
            ),
            (VALID.replace("users = 100", "users = 0"), "dynamodb.users"),
            (
                VALID.replace("\"zipfian\"", "\"pareto\""),
                "keys.distribution",
            ),
            (
                VALID.replace("users = 100", "users = \"many\""),
                "dynamodb.users",
            ),
            (
                VALID.replace("table = \"ml-features\"", "tabel = \"x\""),
                "dynamodb.tabel",
            ),
            (
                VALID.replace("weight = 3", "every = \"1m\"\nweight = 3"),
                "operations[0].every",
            ),
            (
                VALID.replace("weight = 1\nbatch_size = 8", "every = \"1m\""),
                "operations[1].batch_size",
            ),
            (
                VALID.replace("\"GetItem\"", "\"DriftQuery\""),
                "operations[0].name",
            ),
            (
                VALID.replace("[keys]", "[targets.neptune]\np99_ms = 3\n[keys]"),
                "targets.neptune",
            ),
        ];
        for (text, field) in cases {
            let e = error_of(&text);
            assert_eq!(e.field, field, "{e}");
            assert_eq!(e.file, "s.toml");
        }
    }

    #[test]
    fn durations_take_their_units() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("10 days").is_err());
    }

    #[test]
    fn the_committed_scenarios_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let mut services = Vec::new();
        let paths = scenario_files(&dir).unwrap();
        assert_eq!(paths.len(), 4, "{paths:?}");
        for path in paths {
            let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            services.extend(scenario.services());
        }
        services.sort();
        services.dedup();
        assert_eq!(
            services,
            [Service::DynamoDb, Service::Registry, Service::Timestream],
            "every service has a scenario"
        );
    }

    #[test]
    fn periodic_operations_run_beside_weighted_ones() {
        let text = format!(
            "{VALID}\n[timestream]\ndatabase = \"ml-monitoring\"\ntable = \"ml_monitoring\"\n\
             models = 2\nhosts = 3\ninterval = \"10s\"\npreload = \"1h\"\n\
             [[operations]]\nname = \"DriftQuery\"\nevery = \"30s\"\n"
        );
        let s = Scenario::parse("s.toml", &text).unwrap();
        assert_eq!(s.operations[2].share, Share::Every(Duration::from_secs(30)));
        assert_eq!(s.timestream.as_ref().unwrap().series(), 6);
        assert_eq!(s.services(), [Service::DynamoDb, Service::Timestream]);

        let only_periodic = VALID.replace("weight = 3", "every = \"1s\"").replace(
            "weight = 1\nbatch_size = 8",
            "every = \"1s\"\nbatch_size = 8",
        );
        assert_eq!(error_of(&only_periodic).field, "operations");
    }

    #[test]
    fn targets_are_overridden_per_service() {
        let text = VALID.replace("[keys]", "[targets.dynamodb]\np99_ms = 2.5\n[keys]");
        let s = Scenario::parse("s.toml", &text).unwrap();
        assert_eq!(s.targets[&Service::DynamoDb].p99_ms, Some(2.5));
    }
}
