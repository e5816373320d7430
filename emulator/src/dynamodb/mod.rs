//! DynamoDB (`X-Amz-Target: DynamoDB_20120810.*`).

pub mod error;
pub mod number;
pub mod value;
