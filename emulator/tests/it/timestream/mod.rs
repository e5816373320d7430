//! Timestream Write through `aws-sdk-timestreamwrite`, split by concern.
//!
//! - `control`: databases, tables, tags, DescribeEndpoints, and their errors.
//! - `write`: WriteRecords.
//! - `query`: the Query API through `aws-sdk-timestreamquery`.

mod control;
mod query;
mod write;
