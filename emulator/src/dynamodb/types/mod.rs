//! The JSON wire shapes of DynamoDB requests and responses, named as in the service model
//! (`PutItemInput`, `TableDescription`, …). Only these files define the wire format.

pub mod item;
pub mod legacy;
pub mod partiql;
pub mod query;
pub mod stream;
pub mod table;
pub mod transaction;
pub mod ttl;
