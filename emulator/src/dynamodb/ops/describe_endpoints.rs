//! DescribeEndpoints.
//!
//! ```text
//! {} → {"Endpoints": [{"Address": "127.0.0.1:8000", "CachePeriodInMinutes": 1440}]}
//! ```
//!
//! The service names its regional endpoint (`dynamodb.<region>.amazonaws.com`, cached for a
//! day). An SDK that uses endpoint discovery sends its next requests to the address it gets,
//! so the emulator names itself (host:port, no scheme, the service's shape) once the server
//! knows its address (`DynamoDb::set_endpoint_address`), and the service's regional name only
//! when it runs without a server (embedded in tests). DynamoDB Local does not implement this
//! operation.

use crate::dynamodb::DynamoDb;
use crate::dynamodb::error::Result;
use crate::dynamodb::types::table::{DescribeEndpointsInput, DescribeEndpointsOutput, Endpoint};

/// How long clients may cache the answer: the service's value.
const CACHE_PERIOD_IN_MINUTES: i64 = 1440;

pub async fn describe_endpoints(
    db: &DynamoDb,
    region: &str,
    _input: DescribeEndpointsInput,
) -> Result<DescribeEndpointsOutput> {
    let address = db
        .endpoint_address()
        .map_or_else(|| format!("dynamodb.{region}.amazonaws.com"), str::to_owned);
    Ok(DescribeEndpointsOutput {
        endpoints: vec![Endpoint {
            address,
            cache_period_in_minutes: CACHE_PERIOD_IN_MINUTES,
        }],
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dynamodb::ops::create_table::tests::db;

    #[tokio::test]
    async fn names_the_emulator_once_it_knows_its_address() {
        let db = db();
        let out = describe_endpoints(&db, "eu-west-1", DescribeEndpointsInput::default())
            .await
            .expect("endpoints");
        assert_eq!(
            serde_json::to_value(&out).expect("json"),
            json!({"Endpoints": [
                {"Address": "dynamodb.eu-west-1.amazonaws.com", "CachePeriodInMinutes": 1440}
            ]})
        );
        db.set_endpoint_address("127.0.0.1:8000".to_owned());
        let out = describe_endpoints(&db, "eu-west-1", DescribeEndpointsInput::default())
            .await
            .expect("endpoints");
        assert_eq!(out.endpoints[0].address, "127.0.0.1:8000");
    }
}
