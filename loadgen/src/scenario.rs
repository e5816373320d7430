//! Scenario files (`scenarios/*.toml`): what to set up, which operations to replay with
//! which weights, how keys and arrivals are distributed, for how long. A scenario is checked
//! whole before any load is sent; an invalid one is refused with a message naming the field.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub service: Service,
    pub duration: Duration,
    pub warmup: Duration,
    pub seed: u64,
    pub setup: FeatureTable,
    pub keys: KeyDistribution,
    pub arrival: Arrival,
    pub operations: Vec<OperationMix>,
    /// Overrides of the service's targets (`targets.toml`).
    pub targets: TargetOverrides,
}

/// The service a scenario exercises, which names its row in the target table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    DynamoDb,
}

impl Service {
    pub fn targets_key(self) -> &'static str {
        match self {
            Service::DynamoDb => "dynamodb",
        }
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

/// How keys (users) are chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyDistribution {
    Uniform,
    /// YCSB-style zipfian over the users, `theta` in (0, 1).
    Zipfian {
        theta: f64,
    },
    /// The most recently written users are the most likely (zipfian from the newest).
    Latest {
        theta: f64,
    },
    /// `share` of the operations go to the first `fraction` of the users.
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

/// One operation of the mix.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationMix {
    pub operation: Operation,
    pub weight: u32,
}

/// The operations of the feature-serving pattern.
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
}

impl Operation {
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetItem => "GetItem",
            Operation::Query => "Query",
            Operation::BatchGetItem { .. } => "BatchGetItem",
            Operation::PutItem => "PutItem",
            Operation::UpdateItem => "UpdateItem",
        }
    }
}

/// Target overrides a scenario may carry.
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
    service: String,
    duration: String,
    #[serde(default)]
    warmup: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
    setup: RawSetup,
    keys: RawKeys,
    arrival: RawArrival,
    operations: Vec<RawOperation>,
    #[serde(default)]
    targets: TargetOverrides,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetup {
    table: String,
    users: u64,
    features_per_user: u64,
    value_bytes: usize,
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
    weight: u32,
    batch_size: Option<usize>,
}

/// The most keys BatchGetItem takes in one call.
const MAX_BATCH_GET: usize = 100;

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
        let service = match raw.service.as_str() {
            "dynamodb" => Service::DynamoDb,
            other => {
                return Err(err(
                    "service",
                    format!("unknown service {other:?}; this version replays: dynamodb"),
                ));
            }
        };
        let duration = parse_duration(&raw.duration).map_err(|p| err("duration", p))?;
        if duration.is_zero() {
            return Err(err("duration", "must be longer than 0".into()));
        }
        let warmup = match &raw.warmup {
            Some(w) => parse_duration(w).map_err(|p| err("warmup", p))?,
            None => Duration::ZERO,
        };
        if raw.setup.table.is_empty() {
            return Err(err("setup.table", "must not be empty".into()));
        }
        if raw.setup.users == 0 {
            return Err(err("setup.users", "must be at least 1".into()));
        }
        if raw.setup.features_per_user == 0 {
            return Err(err("setup.features_per_user", "must be at least 1".into()));
        }
        if raw.setup.value_bytes > 350 * 1024 {
            return Err(err(
                "setup.value_bytes",
                "must keep items under DynamoDB's 400 KB".into(),
            ));
        }
        let theta = |name: &str| -> Result<f64, ScenarioError> {
            match raw.keys.theta {
                Some(t) if t > 0.0 && t < 1.0 => Ok(t),
                Some(t) => Err(err("keys.theta", format!("{t} is not in (0, 1)"))),
                None => Err(err(
                    "keys.theta",
                    format!("required by the {name} distribution"),
                )),
            }
        };
        let keys = match raw.keys.distribution.as_str() {
            "uniform" => KeyDistribution::Uniform,
            "zipfian" => KeyDistribution::Zipfian {
                theta: theta("zipfian")?,
            },
            "latest" => KeyDistribution::Latest {
                theta: theta("latest")?,
            },
            "hotspot" => {
                let unit = |name: &str, v: Option<f64>| match v {
                    Some(v) if v > 0.0 && v <= 1.0 => Ok(v),
                    Some(v) => Err(err(name, format!("{v} is not in (0, 1]"))),
                    None => Err(err(name, "required by the hotspot distribution".into())),
                };
                KeyDistribution::Hotspot {
                    fraction: unit("keys.fraction", raw.keys.fraction)?,
                    share: unit("keys.share", raw.keys.share)?,
                }
            }
            other => {
                return Err(err(
                    "keys.distribution",
                    format!("unknown distribution {other:?}: uniform, zipfian, latest or hotspot"),
                ));
            }
        };
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
            if op.weight == 0 {
                return Err(err(&field("weight"), "must be at least 1".into()));
            }
            let operation = match (op.name.as_str(), op.batch_size) {
                ("GetItem", None) => Operation::GetItem,
                ("Query", None) => Operation::Query,
                ("PutItem", None) => Operation::PutItem,
                ("UpdateItem", None) => Operation::UpdateItem,
                ("BatchGetItem", Some(n)) if (1..=MAX_BATCH_GET).contains(&n) => {
                    Operation::BatchGetItem { batch_size: n }
                }
                ("BatchGetItem", Some(n)) => {
                    return Err(err(
                        &field("batch_size"),
                        format!("{n} is not in 1..={MAX_BATCH_GET}"),
                    ));
                }
                ("BatchGetItem", None) => {
                    return Err(err(
                        &field("batch_size"),
                        "required for BatchGetItem".into(),
                    ));
                }
                (_, Some(_)) if is_known(&op.name) => {
                    return Err(err(
                        &field("batch_size"),
                        format!("only BatchGetItem takes a batch_size, not {}", op.name),
                    ));
                }
                (other, _) => {
                    return Err(err(
                        &field("name"),
                        format!(
                            "unknown operation {other:?}: GetItem, Query, BatchGetItem, PutItem \
                             or UpdateItem"
                        ),
                    ));
                }
            };
            operations.push(OperationMix {
                operation,
                weight: op.weight,
            });
        }
        Ok(Scenario {
            name: raw.name,
            service,
            duration,
            warmup,
            seed: raw.seed.unwrap_or(1),
            setup: FeatureTable {
                table: raw.setup.table,
                users: raw.setup.users,
                features_per_user: raw.setup.features_per_user,
                value_bytes: raw.setup.value_bytes,
            },
            keys,
            arrival,
            operations,
            targets: raw.targets,
        })
    }
}

fn is_known(name: &str) -> bool {
    matches!(
        name,
        "GetItem" | "Query" | "BatchGetItem" | "PutItem" | "UpdateItem"
    )
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
service = "dynamodb"
duration = "2s"
warmup = "500ms"
[setup]
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
        assert_eq!(s.seed, 1);
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
            (VALID.replace("users = 100", "users = 0"), "setup.users"),
            (
                VALID.replace("\"zipfian\"", "\"pareto\""),
                "keys.distribution",
            ),
            (
                VALID.replace("users = 100", "users = \"many\""),
                "setup.users",
            ),
            (
                VALID.replace("table = \"ml-features\"", "tabel = \"x\""),
                "setup.tabel",
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
        let scenario = Scenario::load(&dir.join("feature-serving.toml")).unwrap();
        assert_eq!(scenario.setup.table, "ml-features");
    }
}
