//! DynamoDB numbers (being written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number;
