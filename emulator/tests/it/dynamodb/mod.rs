//! DynamoDB through `aws-sdk-dynamodb` (and raw HTTP where the SDK cannot go).

mod batch;
mod errors;
mod indexes;
mod items;
mod legacy;
mod model;
mod partiql;
mod protocol;
mod query_scan;
mod regions;
mod streams;
mod tables;
mod throttling;
mod transactions;
mod ttl;
