//! The emulator driven by real clients: one integration-test binary.
//!
//! - `util`: an in-process emulator per test, SDK clients for it, item builders, a raw HTTP
//!   client.
//! - `dynamodb`: the DynamoDB operations through `aws-sdk-dynamodb`, split by concern.
//! - `dynamodb_streams`: the Streams API through `aws-sdk-dynamodbstreams`.
//! - `timestream`: the Timestream Write operations through `aws-sdk-timestreamwrite`.
//! - `registry`: the model registry over plain HTTP.
//! - `crash`: a child `emulator` process killed with SIGKILL under write load.

mod crash;
mod dynamodb;
mod dynamodb_streams;
mod registry;
mod timestream;
mod util;
