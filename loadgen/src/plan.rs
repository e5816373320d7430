//! What runs next: operations drawn by weight at the arrival process's intended starts,
//! merged in time order with the operations that run on a fixed period, each with its keys
//! drawn from its service's key space (users, models or series).

use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::keys::KeyChooser;
use crate::scenario::{Operation, Scenario, Share};
use crate::schedule::Schedule;

/// One operation to run: when it is due (from the run's start), what it is, and its keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub at: Duration,
    pub operation: Operation,
    /// Users (DynamoDB), a model (registry) or the first series of a batch (Timestream).
    pub keys: Vec<u64>,
    /// Within the key: a user's feature, a model's version.
    pub sub_key: u64,
}

/// A key space: how many keys, chosen how, and how many sub-keys each has.
#[derive(Debug, Clone)]
struct KeySpace {
    chooser: KeyChooser,
    sub_keys: u64,
}

/// Chooses operations and their keys from one seeded generator.
pub struct Planner {
    rng: SmallRng,
    cumulative: Vec<(u32, Operation)>,
    total_weight: u32,
    users: Option<KeySpace>,
    models: Option<KeySpace>,
    /// The monitoring table's series; WriteRecords walks them in turn.
    series: u64,
    write_cursor: u64,
    schedule: Schedule,
    schedule_rng: SmallRng,
    next_arrival: Duration,
    /// Periodic operations: the next due time and the period.
    periodic: Vec<(Duration, Duration, Operation)>,
}

impl Planner {
    /// A planner for `scenario`; `stream` separates the key streams of closed-loop workers.
    pub fn new(scenario: &Scenario, stream: u64) -> Planner {
        let mut total = 0;
        let mut cumulative = Vec::new();
        let mut periodic = Vec::new();
        for op in &scenario.operations {
            match op.share {
                Share::Weight(w) => {
                    total += w;
                    cumulative.push((total, op.operation));
                }
                Share::Every(every) => periodic.push((Duration::ZERO, every, op.operation)),
            }
        }
        let users = scenario.dynamodb.as_ref().map(|t| KeySpace {
            chooser: KeyChooser::new(scenario.keys, t.users),
            sub_keys: t.features_per_user,
        });
        let models = scenario.registry.as_ref().map(|r| KeySpace {
            chooser: KeyChooser::new(scenario.keys, r.models),
            sub_keys: r.versions_per_model,
        });
        let mut schedule_rng = SmallRng::seed_from_u64(scenario.seed.wrapping_add(1));
        let mut schedule = Schedule::new(scenario.arrival);
        let next_arrival = schedule.next(&mut schedule_rng);
        Planner {
            rng: SmallRng::seed_from_u64(
                scenario.seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ),
            cumulative,
            total_weight: total,
            users,
            models,
            series: scenario.timestream.as_ref().map_or(1, |m| m.series()),
            write_cursor: 0,
            schedule,
            schedule_rng,
            next_arrival,
            periodic,
        }
    }

    /// The next operation in order of intended start (open loop).
    pub fn next_due(&mut self) -> Planned {
        let next_arrival = self.next_arrival;
        let due = self
            .periodic
            .iter_mut()
            .filter(|(at, _, _)| *at <= next_arrival)
            .min_by_key(|(at, _, _)| *at);
        if let Some(entry) = due {
            let (at, operation) = (entry.0, entry.2);
            entry.0 = at + entry.1;
            return self.keyed(at, operation);
        }
        let at = self.next_arrival;
        self.next_arrival = self.schedule.next(&mut self.schedule_rng);
        self.pick(at)
    }

    /// The next operation drawn by weight, due at `at` (closed-loop workers pass zero).
    pub fn pick(&mut self, at: Duration) -> Planned {
        let pick = self.rng.random_range(0..self.total_weight);
        let operation = self
            .cumulative
            .iter()
            .find(|(upto, _)| pick < *upto)
            .map(|(_, op)| *op)
            .expect("the pick is below the total weight");
        self.keyed(at, operation)
    }

    /// The operations that run on a period, for closed-loop runs (which have no schedule
    /// to merge them into).
    pub fn periodic(scenario: &Scenario) -> Vec<(Operation, Duration)> {
        scenario
            .operations
            .iter()
            .filter_map(|op| match op.share {
                Share::Every(every) => Some((op.operation, every)),
                Share::Weight(_) => None,
            })
            .collect()
    }

    /// `operation` at `at` with its keys.
    pub fn keyed(&mut self, at: Duration, operation: Operation) -> Planned {
        let draw = |space: &Option<KeySpace>, rng: &mut SmallRng, count: usize| {
            let space = space
                .as_ref()
                .expect("the scenario has the operation's section");
            let keys = (0..count).map(|_| space.chooser.next(rng)).collect();
            (keys, rng.random_range(0..space.sub_keys))
        };
        let (keys, sub_key) = match operation {
            Operation::BatchGetItem { batch_size } => draw(&self.users, &mut self.rng, batch_size),
            Operation::GetItem | Operation::Query | Operation::PutItem | Operation::UpdateItem => {
                draw(&self.users, &mut self.rng, 1)
            }
            Operation::GetModelVersion
            | Operation::LatestProduction
            | Operation::SearchByTag
            | Operation::SearchByStatus
            | Operation::CreateModelVersion
            | Operation::PromoteModelVersion => draw(&self.models, &mut self.rng, 1),
            Operation::WriteRecords { batch_size } => {
                let first = self.write_cursor;
                self.write_cursor = (first + batch_size as u64) % self.series;
                (vec![first], 0)
            }
            Operation::DriftQuery => (Vec::new(), 0),
        };
        Planned {
            at,
            operation,
            keys,
            sub_key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"
name = "t"
duration = "10s"
[dynamodb]
table = "ml-features"
users = 50
features_per_user = 4
value_bytes = 8
[registry]
models = 20
versions_per_model = 5
tag_pool = 10
tags_per_version = 2
[timestream]
database = "ml-monitoring"
table = "ml_monitoring"
models = 2
hosts = 5
interval = "10s"
preload = "10m"
[keys]
distribution = "uniform"
[arrival]
process = "constant"
rate = 10
[[operations]]
name = "GetItem"
weight = 1
[[operations]]
name = "GetModelVersion"
weight = 1
[[operations]]
name = "WriteRecords"
weight = 1
batch_size = 4
[[operations]]
name = "DriftQuery"
every = "1s"
"#;

    fn scenario() -> Scenario {
        Scenario::parse("t.toml", SCENARIO).unwrap()
    }

    #[test]
    fn periodic_operations_are_merged_in_time_order() {
        let mut planner = Planner::new(&scenario(), 0);
        let planned: Vec<Planned> = (0..40).map(|_| planner.next_due()).collect();
        assert!(planned.windows(2).all(|w| w[0].at <= w[1].at));
        let drift: Vec<Duration> = planned
            .iter()
            .filter(|p| p.operation == Operation::DriftQuery)
            .map(|p| p.at)
            .collect();
        // 40 operations at 10/s of arrivals plus one query a second span about 3.6 s.
        assert_eq!(
            drift,
            [0, 1, 2, 3].map(Duration::from_secs),
            "one query a second, from the start"
        );
        assert_eq!(planned.len() - drift.len(), 36);
    }

    #[test]
    fn keys_come_from_the_operations_key_space() {
        let mut planner = Planner::new(&scenario(), 0);
        for _ in 0..1000 {
            let p = planner.pick(Duration::ZERO);
            match p.operation {
                Operation::GetItem => {
                    assert!(p.keys[0] < 50 && p.sub_key < 4);
                }
                Operation::GetModelVersion => {
                    assert!(p.keys[0] < 20 && p.sub_key < 5);
                }
                Operation::WriteRecords { .. } => {
                    assert!(p.keys[0] < 10);
                    assert_eq!(
                        p.keys[0] % 2,
                        0,
                        "batches of 4 over 10 series walk 0, 4, 8, 2…"
                    );
                }
                other => panic!("{other:?} is not in the mix"),
            }
        }
    }

    #[test]
    fn the_same_seed_plans_the_same_run() {
        let (mut a, mut b) = (Planner::new(&scenario(), 3), Planner::new(&scenario(), 3));
        for _ in 0..100 {
            assert_eq!(a.next_due(), b.next_due());
        }
    }
}
