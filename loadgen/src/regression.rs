//! `loadgen ci`: short runs of the scenarios against the embedded emulator, compared with a
//! committed baseline (`results/baseline.json`).
//!
//! Absolute latencies differ from machine to machine, so each run first calibrates: it
//! measures, in the same process, the median time of a request to a handler answering a
//! fixed 200 (the machine's HTTP floor). Every latency is then compared as a multiple of that
//! time, so a slower machine does not read as a regression, and only a change of the
//! emulator's own cost relative to the floor does.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::raw_client::RawClient;
use crate::recorder::Outcome;
use crate::run::RunResult;

/// One scenario's normalised figures: per operation, the p50 latency as a multiple of the
/// floor's median request time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScenarioFigures {
    pub p50_in_floor_requests: BTreeMap<String, f64>,
}

/// `results/baseline.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// The floor's median request time when the baseline was taken, for reference only.
    pub floor_request_us: f64,
    pub scenarios: BTreeMap<String, ScenarioFigures>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self).expect("a baseline always serializes");
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))
    }
}

/// The median time of one request to a fixed-200 handler served in this process, from
/// `requests` sequential requests after a warm-up. The median, not the mean: a request that
/// other processes preempt costs many times the others, and how many are preempted depends on
/// the machine's load, not on its speed.
pub async fn calibrate(requests: u32) -> Result<Duration> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route("/", axum::routing::post(|| async { "{}" }));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = RawClient::new(&format!("http://{addr}"), "us-east-1")?;
    for _ in 0..requests / 10 {
        client.call("GetItem", b"{}").await?;
    }
    let mut times = Vec::with_capacity(requests as usize);
    for _ in 0..requests.max(1) {
        let start = Instant::now();
        client.call("GetItem", b"{}").await?;
        times.push(start.elapsed());
    }
    server.abort();
    let middle = times.len() / 2;
    Ok(*times.select_nth_unstable(middle).1)
}

/// The normalised figures of one run.
pub fn figures(result: &RunResult, floor: Duration) -> ScenarioFigures {
    let floor_us = floor.as_secs_f64() * 1e6;
    let p50_in_floor_requests = result
        .recorder
        .operations()
        .into_iter()
        .filter_map(|name| {
            let series = result.recorder.get(&name, Outcome::Ok)?;
            let p50_us = series.latency.value_at_quantile(0.5) as f64;
            Some((name, p50_us / floor_us))
        })
        .collect();
    ScenarioFigures {
        p50_in_floor_requests,
    }
}

/// One operation compared with the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub scenario: String,
    pub operation: String,
    pub baseline: f64,
    pub current: f64,
    /// Current over baseline.
    pub ratio: f64,
    pub regressed: bool,
}

/// Compares `current` with `baseline`: an operation regressed when its normalised p50 is
/// more than `tolerance` times the baseline's. Operations missing from the baseline are not
/// compared.
pub fn compare(
    baseline: &Baseline,
    current: &BTreeMap<String, ScenarioFigures>,
    tolerance: f64,
) -> Vec<Comparison> {
    let mut out = Vec::new();
    for (scenario, figures) in current {
        let Some(base) = baseline.scenarios.get(scenario) else {
            continue;
        };
        for (operation, &now) in &figures.p50_in_floor_requests {
            let Some(&then) = base.p50_in_floor_requests.get(operation) else {
                continue;
            };
            let ratio = now / then;
            out.push(Comparison {
                scenario: scenario.clone(),
                operation: operation.clone(),
                baseline: then,
                current: now,
                ratio,
                regressed: ratio > tolerance,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures_of(pairs: &[(&str, f64)]) -> ScenarioFigures {
        ScenarioFigures {
            p50_in_floor_requests: pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        }
    }

    #[test]
    fn a_regression_is_a_ratio_beyond_the_tolerance() {
        let baseline = Baseline {
            floor_request_us: 30.0,
            scenarios: BTreeMap::from([(
                "feature-serving".to_owned(),
                figures_of(&[("GetItem", 10.0), ("PutItem", 20.0)]),
            )]),
        };
        let current = BTreeMap::from([
            (
                "feature-serving".to_owned(),
                figures_of(&[("GetItem", 14.0), ("PutItem", 70.0), ("Query", 5.0)]),
            ),
            ("unknown".to_owned(), figures_of(&[("GetItem", 1.0)])),
        ]);
        let compared = compare(&baseline, &current, 2.0);
        assert_eq!(
            compared.len(),
            2,
            "only operations in the baseline are compared"
        );
        let get = compared.iter().find(|c| c.operation == "GetItem").unwrap();
        assert!(!get.regressed);
        assert!((get.ratio - 1.4).abs() < 1e-9);
        let put = compared.iter().find(|c| c.operation == "PutItem").unwrap();
        assert!(put.regressed);
    }

    #[tokio::test]
    async fn calibration_measures_a_positive_floor() {
        let floor = calibrate(200).await.unwrap();
        assert!(floor > Duration::ZERO);
    }
}
