//! Drydock's emulator: DynamoDB, Timestream and a model registry on one port, stored in redb.

pub mod dynamodb;
