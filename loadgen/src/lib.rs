//! `loadgen`: replays the access patterns of the seed document against the embedded
//! emulator, a running endpoint, or real AWS, and judges the latency
//! it measured against the seed's target table.
//!
//! - `scenario`: scenario files and their validation.
//! - `keys`, `schedule`: key choice and the open-loop arrival schedule.
//! - `plan`: which operation runs next, when, on which keys (weighted and periodic).
//! - `target`: the system under test (an endpoint URL or real AWS) and its SDK clients.
//! - `workload`: a scenario's workloads together, set up and run by operation.
//! - `feature_serving`: the feature-serving pattern on DynamoDB (set-up and operations).
//! - `registry`: the model-registry pattern on the registry's REST API.
//! - `monitoring`: the ML-monitoring pattern on Timestream (ingestion and the drift query).
//! - `http1`: the lean HTTP/1.1 client the load goes through (pooled keep-alive connections).
//! - `decimal`: numbers written into request buffers without formatting machinery.
//! - `raw_client`: DynamoDB over `http1`, for endpoints that do not verify signatures.
//! - `run`: the open-loop pacer and its workers, and the closed-loop workers.
//! - `timer`: the pacer's microsecond timer on the async runtime.
//! - `recorder`: HdrHistograms per operation and outcome.
//! - `report`: the target table, verdicts, the terminal report, `summary.json`, exit codes.
//! - `cost`: the monthly cost of the consumed capacity, from `scenarios/prices.toml`.
//! - `distribution`: `.hgrm` percentile distributions, `.hlog` interval logs, the HTML report.
//! - `regression`: `loadgen ci`, short runs compared with a baseline normalised by the floor.

pub mod cost;
pub mod decimal;
pub mod distribution;
pub mod feature_serving;
pub mod http1;
pub mod keys;
pub mod monitoring;
pub mod plan;
pub mod raw_client;
pub mod recorder;
pub mod registry;
pub mod regression;
pub mod report;
pub mod run;
pub mod scenario;
pub mod schedule;
pub mod target;
pub mod timer;
pub mod workload;
