//! `loadgen`: replays the access patterns of the seed document against the embedded
//! emulator, a running endpoint, or any DynamoDB-compatible service, and judges the latency
//! it measured against the seed's target table.
//!
//! - `scenario`: scenario files and their validation.
//! - `keys`, `schedule`: key choice and the open-loop arrival schedule.
//! - `feature_serving`: the feature-serving pattern on DynamoDB (set-up and operations).
//! - `raw_client`: the lean HTTP client for endpoints that do not verify signatures.
//! - `run`: the open-loop pacer and the closed-loop workers.
//! - `recorder`: HdrHistograms per operation and outcome.
//! - `report`: the target table, verdicts, the terminal report, `summary.json`, exit codes.
//! - `distribution`: `.hgrm` percentile distributions, `.hlog` interval logs, the HTML report.
//! - `regression`: `loadgen ci`, short runs compared with a baseline normalised by the floor.

pub mod distribution;
pub mod feature_serving;
pub mod keys;
pub mod raw_client;
pub mod recorder;
pub mod regression;
pub mod report;
pub mod run;
pub mod scenario;
pub mod schedule;
