//! Each committed scenario, run briefly against the embedded emulator: the counts loadgen
//! reports must be what the emulator saw (its `/metrics` request counters).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use loadgen::recorder::Outcome;
use loadgen::report::{self, TargetTable};
use loadgen::run::{self, Mode};
use loadgen::scenario::{Arrival, Scenario, Service, scenario_files};
use loadgen::target::Target;
use loadgen::workload::{DynamoDbClient, Workload};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// The emulator's request counters, summed by service.
fn requests_by_service(addr: std::net::SocketAddr) -> BTreeMap<String, u64> {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("drydock_requests_total{service=\"") else {
            continue;
        };
        let service = rest.split('"').next().unwrap().to_owned();
        let count: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        *counts.entry(service).or_default() += count;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenarios_counts_match_what_the_emulator_saw() {
    for path in scenario_files(&scenarios_dir()).unwrap() {
        let mut scenario = Scenario::load(&path)
            .unwrap()
            .shrunk(Duration::from_secs(1));
        scenario.warmup = Duration::ZERO;
        scenario.arrival = Arrival::Poisson { rate: 400.0 };

        let running = emulator::Emulator::start(emulator::Config::ephemeral())
            .await
            .unwrap();
        let target = Target::Endpoint {
            url: running.endpoint_url(),
            region: "us-east-1".into(),
        };
        let workload = Workload::connect(&scenario, &target, DynamoDbClient::Raw, None)
            .await
            .unwrap();
        workload.set_up(8).await.unwrap();
        let before = requests_by_service(running.addr());
        let mode = Mode::Open {
            max_lag: Duration::from_secs(5),
            max_in_flight: 64,
        };
        let result = run::run(workload, &scenario, mode).await;
        let after = requests_by_service(running.addr());

        let mut total = 0;
        let mut by_service: BTreeMap<Service, u64> = BTreeMap::new();
        for mix in &scenario.operations {
            let name = mix.operation.name();
            let ok = result
                .recorder
                .get(name, Outcome::Ok)
                .map_or(0, |s| s.count());
            let errors = result
                .recorder
                .get(name, Outcome::Error)
                .map_or(0, |s| s.count());
            assert_eq!(
                errors,
                0,
                "{}: {name}: {:?}",
                path.display(),
                result.recorder.first_errors
            );
            total += ok;
            *by_service.entry(mix.operation.service()).or_default() += ok;
        }
        for (service, sent) in by_service {
            let key = service.targets_key();
            let seen = after.get(key).copied().unwrap_or(0) - before.get(key).copied().unwrap_or(0);
            assert_eq!(seen, sent, "{}: {key} requests", path.display());
        }
        assert_eq!(
            total,
            result.intended,
            "{}: every intended operation was sent and answered",
            path.display()
        );
        // Poisson arrivals at 400/s for 1 s: 400 ± 60 at 3 standard deviations, plus the
        // periodic operations beside them.
        assert!((340..=470).contains(&total), "{}: {total}", path.display());

        let table = TargetTable::load(&scenarios_dir().join("targets.toml")).unwrap();
        let summary = report::judge(&scenario, "embedded", &table, &result).unwrap();
        assert_eq!(
            summary.operations.iter().map(|o| o.count).sum::<u64>(),
            total
        );
        running.shutdown().await;
    }
}
