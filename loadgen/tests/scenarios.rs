//! Each committed scenario, run briefly against the embedded emulator: the counts loadgen
//! reports must be what the emulator saw (its `/metrics` request counters).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use loadgen::feature_serving::{FeatureServing, dynamodb_client};
use loadgen::raw_client::RawClient;
use loadgen::recorder::Outcome;
use loadgen::report::{self, TargetTable};
use loadgen::run::{self, Mode};
use loadgen::scenario::{Arrival, Scenario};

fn scenarios_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// The emulator's request counter for a DynamoDB operation.
fn requests_seen(addr: std::net::SocketAddr, operation: &str) -> u64 {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let series =
        format!("drydock_requests_total{{service=\"dynamodb\",operation=\"{operation}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .map_or(0, |n| n.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feature_serving_counts_match_what_the_emulator_saw() {
    let mut scenario = Scenario::load(&scenarios_dir().join("feature-serving.toml")).unwrap();
    scenario.setup.users = 200;
    scenario.duration = Duration::from_secs(1);
    scenario.warmup = Duration::ZERO;
    scenario.arrival = Arrival::Poisson { rate: 400.0 };

    let running = emulator::Emulator::start(emulator::Config::ephemeral())
        .await
        .unwrap();
    let raw = RawClient::new(&running.endpoint_url(), "us-east-1").unwrap();
    let workload = FeatureServing::new(
        dynamodb_client(&running.endpoint_url(), "us-east-1"),
        Some(raw),
        scenario.setup.clone(),
    );
    workload.set_up(8).await.unwrap();
    let mode = Mode::Open {
        max_lag: Duration::from_secs(5),
        max_in_flight: 64,
    };
    let result = run::run(workload, &scenario, mode).await;

    let mut total = 0;
    for name in ["GetItem", "Query", "BatchGetItem", "PutItem", "UpdateItem"] {
        let ok = result
            .recorder
            .get(name, Outcome::Ok)
            .map_or(0, |s| s.count());
        let errors = result
            .recorder
            .get(name, Outcome::Error)
            .map_or(0, |s| s.count());
        assert_eq!(errors, 0, "{name}: {:?}", result.recorder.first_errors);
        assert_eq!(ok, requests_seen(running.addr(), name), "{name}");
        total += ok;
    }
    assert_eq!(
        total, result.intended,
        "every intended operation was sent and answered"
    );
    // Poisson arrivals at 400/s for 1 s: 400 ± 60 at 3 standard deviations.
    assert!((340..=460).contains(&total), "{total}");

    let table = TargetTable::load(&scenarios_dir().join("targets.toml")).unwrap();
    let summary = report::judge(&scenario, "embedded", &table, &result).unwrap();
    assert_eq!(
        summary.operations.iter().map(|o| o.count).sum::<u64>(),
        total
    );
    running.shutdown().await;
}
