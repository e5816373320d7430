//! Request metrics, rendered in the Prometheus text format at `GET /metrics`.
//!
//! Recording is a handful of relaxed atomic adds on a per-operation record found through a
//! sharded map, so it stays off the critical path of every request.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;

/// Upper bounds of the latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
    5.0,
];

#[derive(Default)]
struct OperationMetrics {
    requests: AtomicU64,
    /// One counter per bucket (non-cumulative); rendering accumulates them.
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_sum_nanos: AtomicU64,
}

/// A counter family kept by a service rather than here: its samples are
/// (`label="value",..`, count).
pub struct Counter<'a> {
    pub name: &'a str,
    pub help: &'a str,
    pub samples: Vec<(String, u64)>,
}

#[derive(Default)]
pub struct Metrics {
    operations: DashMap<(&'static str, &'static str), Arc<OperationMetrics>>,
    errors: DashMap<(&'static str, &'static str, &'static str), AtomicU64>,
}

impl Metrics {
    pub fn record(&self, service: &'static str, operation: &'static str, elapsed: Duration) {
        let entry = match self.operations.get(&(service, operation)) {
            Some(entry) => Arc::clone(&entry),
            None => Arc::clone(&self.operations.entry((service, operation)).or_default()),
        };
        entry.requests.fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|&le| seconds <= le) {
            entry.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        entry.latency_sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn record_error(&self, service: &'static str, operation: &'static str, code: &'static str) {
        if let Some(counter) = self.errors.get(&(service, operation, code)) {
            counter.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.errors
            .entry((service, operation, code))
            .or_default()
            .fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition; `gauges` are extra (name, help, value) lines and
    /// `counters` families counted elsewhere.
    pub fn render(&self, gauges: &[(&str, &str, f64)], counters: &[Counter<'_>]) -> String {
        let mut out = String::new();
        let mut ops: Vec<_> = self
            .operations
            .iter()
            .map(|e| (*e.key(), Arc::clone(e.value())))
            .collect();
        ops.sort_by_key(|(k, _)| *k);

        out.push_str(
            "# HELP drydock_requests_total Requests answered, by service and operation.\n",
        );
        out.push_str("# TYPE drydock_requests_total counter\n");
        for ((service, op), m) in &ops {
            let n = m.requests.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "drydock_requests_total{{service=\"{service}\",operation=\"{op}\"}} {n}"
            );
        }

        out.push_str(
            "# HELP drydock_errors_total Error responses, by service, operation and error code.\n",
        );
        out.push_str("# TYPE drydock_errors_total counter\n");
        let mut errors: Vec<_> = self
            .errors
            .iter()
            .map(|e| (*e.key(), e.value().load(Ordering::Relaxed)))
            .collect();
        errors.sort();
        for ((service, op, code), n) in errors {
            let _ = writeln!(
                out,
                "drydock_errors_total{{service=\"{service}\",operation=\"{op}\",code=\"{code}\"}} {n}"
            );
        }

        out.push_str("# HELP drydock_request_duration_seconds Time from request received to response ready.\n");
        out.push_str("# TYPE drydock_request_duration_seconds histogram\n");
        for ((service, op), m) in &ops {
            let labels = format!("service=\"{service}\",operation=\"{op}\"");
            let mut cumulative = 0;
            for (le, bucket) in LATENCY_BUCKETS.iter().zip(&m.buckets) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "drydock_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let count = m.requests.load(Ordering::Relaxed);
            let sum = m.latency_sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(
                out,
                "drydock_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "drydock_request_duration_seconds_sum{{{labels}}} {sum}"
            );
            let _ = writeln!(
                out,
                "drydock_request_duration_seconds_count{{{labels}}} {count}"
            );
        }

        for counter in counters {
            let name = counter.name;
            let _ = writeln!(out, "# HELP {name} {}\n# TYPE {name} counter", counter.help);
            for (labels, value) in &counter.samples {
                let _ = writeln!(out, "{name}{{{labels}}} {value}");
            }
        }

        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_accumulates_buckets_and_counts_errors() {
        let m = Metrics::default();
        m.record("dynamodb", "GetItem", Duration::from_micros(40));
        m.record("dynamodb", "GetItem", Duration::from_millis(3));
        m.record_error("dynamodb", "GetItem", "ValidationException");
        let throttled = Counter {
            name: "drydock_throttled_total",
            help: "Throttled.",
            samples: vec![("table=\"t\"".to_owned(), 3)],
        };
        let text = m.render(
            &[("drydock_storage_bytes", "Size of the database file.", 42.0)],
            &[throttled],
        );
        assert!(
            text.contains("drydock_requests_total{service=\"dynamodb\",operation=\"GetItem\"} 2")
        );
        assert!(text.contains(
            "drydock_request_duration_seconds_bucket{service=\"dynamodb\",operation=\"GetItem\",le=\"0.00005\"} 1"
        ));
        assert!(text.contains(
            "drydock_request_duration_seconds_bucket{service=\"dynamodb\",operation=\"GetItem\",le=\"0.005\"} 2"
        ));
        assert!(text.contains(
            "drydock_errors_total{service=\"dynamodb\",operation=\"GetItem\",code=\"ValidationException\"} 1"
        ));
        assert!(text.contains("drydock_storage_bytes 42"));
        assert!(text.contains(
            "# TYPE drydock_throttled_total counter\ndrydock_throttled_total{table=\"t\"} 3\n"
        ));
    }
}
