//! What a run measured: per operation and outcome, HdrHistograms (1 µs to 60 s, 3
//! significant digits) of latency from the intended start, of service time from the actual
//! send, and of schedule lag; plus the operations dropped for lagging and the samples beyond
//! the histograms' range, counted apart rather than clamped.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

/// The largest value the histograms hold, in microseconds.
pub const MAX_MICROS: u64 = 60_000_000;

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Ok,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
        }
    }
}

/// The histograms of one operation and outcome.
#[derive(Debug, Clone)]
pub struct Series {
    pub latency: Histogram<u64>,
    pub service: Histogram<u64>,
    pub lag: Histogram<u64>,
    /// Samples not in the latency histogram: longer than [`MAX_MICROS`], or (read back by
    /// `loadgen merge`) failed operations, whose latencies the interval logs do not carry.
    pub not_in_histogram: u64,
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds")
}

impl Series {
    fn new() -> Series {
        Series {
            latency: new_histogram(),
            service: new_histogram(),
            lag: new_histogram(),
            not_in_histogram: 0,
        }
    }

    fn record(&mut self, latency: Duration, service: Duration, lag: Duration) {
        let micros = |d: Duration| (d.as_micros() as u64).max(1);
        if micros(latency) > MAX_MICROS {
            self.not_in_histogram += 1;
            return;
        }
        self.latency.record(micros(latency)).expect("within bounds");
        self.service
            .record(micros(service).min(MAX_MICROS))
            .expect("within bounds");
        self.lag
            .record(micros(lag).min(MAX_MICROS))
            .expect("within bounds");
    }

    fn merge(&mut self, other: &Series) {
        self.latency.add(&other.latency).expect("same bounds");
        self.service.add(&other.service).expect("same bounds");
        self.lag.add(&other.lag).expect("same bounds");
        self.not_in_histogram += other.not_in_histogram;
    }

    /// Every sample, in the histograms or beyond them.
    pub fn count(&self) -> u64 {
        self.latency.len() + self.not_in_histogram
    }
}

/// All of a run's measurements. Keyed by operation name, and looked up by `&str` on the
/// recording path, so that recording allocates nothing once an operation has its entries.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub series: BTreeMap<String, BTreeMap<Outcome, Series>>,
    /// Operations not sent because they were already later than `--max-lag`.
    pub dropped: BTreeMap<String, u64>,
    /// The first error each operation met, to show with the error count.
    pub first_errors: BTreeMap<String, String>,
    /// The capacity units each operation consumed, as the service reported them.
    pub capacity_units: BTreeMap<String, f64>,
    /// Per operation, the latencies of successful operations by the second (of the measured
    /// window) they completed in: the interval logs and the plots over time.
    pub intervals: BTreeMap<String, Vec<Histogram<u64>>>,
}

impl Recorder {
    pub fn record(
        &mut self,
        operation: &str,
        outcome: Outcome,
        latency: Duration,
        service: Duration,
        lag: Duration,
    ) {
        entry(&mut self.series, operation)
            .entry(outcome)
            .or_insert_with(Series::new)
            .record(latency, service, lag);
    }

    /// Adds a completed operation's latency to its second's interval histogram.
    pub fn record_interval(&mut self, operation: &str, second: usize, latency: Duration) {
        let intervals = entry(&mut self.intervals, operation);
        while intervals.len() <= second {
            intervals.push(new_histogram());
        }
        let micros = (latency.as_micros() as u64).clamp(1, MAX_MICROS);
        intervals[second].record(micros).expect("within bounds");
    }

    /// Rebuilds an operation's successful latencies from its interval histograms (what
    /// `loadgen merge` reads back from interval logs; service time and lag are not in them),
    /// with `errors` failed operations of unknown latency.
    pub fn restore(&mut self, operation: &str, intervals: Vec<Histogram<u64>>, errors: u64) {
        let outcomes = entry(&mut self.series, operation);
        let ok = outcomes.entry(Outcome::Ok).or_insert_with(Series::new);
        for h in &intervals {
            ok.latency.add(h).expect("same bounds");
        }
        if errors > 0 {
            let failed = outcomes.entry(Outcome::Error).or_insert_with(Series::new);
            failed.not_in_histogram += errors;
        }
        let mine = entry(&mut self.intervals, operation);
        while mine.len() < intervals.len() {
            mine.push(new_histogram());
        }
        for (mine, theirs) in mine.iter_mut().zip(&intervals) {
            mine.add(theirs).expect("same bounds");
        }
    }

    pub fn add_capacity(&mut self, operation: &str, units: f64) {
        *entry(&mut self.capacity_units, operation) += units;
    }

    pub fn note_error(&mut self, operation: &str, error: &anyhow::Error) {
        if !self.first_errors.contains_key(operation) {
            self.first_errors
                .insert(operation.to_owned(), format!("{error:#}"));
        }
    }

    pub fn drop_late(&mut self, operation: &str) {
        *entry(&mut self.dropped, operation) += 1;
    }

    /// Adds another recorder's measurements (from another worker or machine).
    pub fn merge(&mut self, other: &Recorder) {
        for (operation, outcomes) in &other.series {
            let ours = entry(&mut self.series, operation);
            for (outcome, series) in outcomes {
                ours.entry(*outcome)
                    .or_insert_with(Series::new)
                    .merge(series);
            }
        }
        for (operation, n) in &other.dropped {
            *self.dropped.entry(operation.clone()).or_default() += n;
        }
        for (operation, theirs) in &other.intervals {
            let ours = self.intervals.entry(operation.clone()).or_default();
            while ours.len() < theirs.len() {
                ours.push(new_histogram());
            }
            for (mine, other) in ours.iter_mut().zip(theirs) {
                mine.add(other).expect("same bounds");
            }
        }
        for (operation, units) in &other.capacity_units {
            *self.capacity_units.entry(operation.clone()).or_default() += units;
        }
        for (operation, error) in &other.first_errors {
            self.first_errors
                .entry(operation.clone())
                .or_insert_with(|| error.clone());
        }
    }

    /// The operations measured, in name order.
    pub fn operations(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .series
            .keys()
            .chain(self.dropped.keys())
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub fn get(&self, operation: &str, outcome: Outcome) -> Option<&Series> {
        self.series.get(operation)?.get(&outcome)
    }

    /// The failed operations, all operations together.
    pub fn errors(&self) -> u64 {
        self.series
            .values()
            .filter_map(|outcomes| outcomes.get(&Outcome::Error))
            .map(Series::count)
            .sum()
    }
}

/// The value of `key` in `map`, a default one inserted first if it has none; the key is
/// copied only then.
fn entry<'a, V: Default>(map: &'a mut BTreeMap<String, V>, key: &str) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_adds_counts_and_keeps_percentiles() {
        let mut a = Recorder::default();
        let mut b = Recorder::default();
        for i in 1..=100u64 {
            let d = Duration::from_millis(i);
            a.record("GetItem", Outcome::Ok, d, d, Duration::ZERO);
        }
        for i in 101..=200u64 {
            let d = Duration::from_millis(i);
            b.record("GetItem", Outcome::Ok, d, d, Duration::ZERO);
        }
        b.record(
            "GetItem",
            Outcome::Error,
            Duration::from_millis(5),
            Duration::from_millis(5),
            Duration::ZERO,
        );
        b.drop_late("PutItem");
        a.merge(&b);
        let ok = a.get("GetItem", Outcome::Ok).unwrap();
        assert_eq!(ok.count(), 200);
        let p50 = ok.latency.value_at_quantile(0.5);
        assert!((99_000..=101_000).contains(&p50), "{p50}");
        assert_eq!(a.get("GetItem", Outcome::Error).unwrap().count(), 1);
        assert_eq!(a.dropped["PutItem"], 1);
        assert_eq!(a.operations(), ["GetItem", "PutItem"]);
    }

    #[test]
    fn samples_beyond_the_range_are_counted_not_clamped() {
        let mut r = Recorder::default();
        let long = Duration::from_secs(61);
        r.record("Query", Outcome::Ok, long, long, Duration::ZERO);
        r.record(
            "Query",
            Outcome::Ok,
            Duration::from_millis(1),
            Duration::from_millis(1),
            Duration::ZERO,
        );
        let s = r.get("Query", Outcome::Ok).unwrap();
        assert_eq!(s.not_in_histogram, 1);
        assert_eq!(s.latency.len(), 1);
        assert_eq!(s.count(), 2);
        assert!(s.latency.max() < 2_000);
    }
}
