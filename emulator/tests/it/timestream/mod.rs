//! Timestream Write through `aws-sdk-timestreamwrite`, split by concern.
//!
//! - `control`: databases, tables, tags, DescribeEndpoints, and their errors.
//! - `write`: WriteRecords.

mod control;
mod write;
