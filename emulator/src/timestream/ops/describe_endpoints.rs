//! DescribeEndpoints (Write and Query share it).
//!
//! ```text
//! {} → {"Endpoints": [{"Address": "http://127.0.0.1:8000", "CachePeriodInMinutes": 1440}]}
//! ```
//!
//! The service names its cell endpoint (`ingest-cell1.timestream.<region>.amazonaws.com`),
//! cached for a day. Clients that perform discovery (boto3 configured through
//! `AWS_ENDPOINT_URL*`) send their next requests to the address they get and keep an
//! `http://` address as it is, so the emulator names itself with its scheme once the server
//! knows its address, and the service's regional name only without a server.

use crate::timestream::Timestream;
use crate::timestream::types::{DescribeEndpointsRequest, DescribeEndpointsResponse, Endpoint};

/// How long clients may cache the answer: the service's value.
const CACHE_PERIOD_IN_MINUTES: i64 = 1440;

pub fn describe_endpoints(
    ts: &Timestream,
    region: &str,
    _input: DescribeEndpointsRequest,
) -> DescribeEndpointsResponse {
    let address = ts.endpoint_address().map_or_else(
        || format!("ingest.timestream.{region}.amazonaws.com"),
        |a| format!("http://{a}"),
    );
    DescribeEndpointsResponse {
        endpoints: vec![Endpoint {
            address,
            cache_period_in_minutes: CACHE_PERIOD_IN_MINUTES,
        }],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::ops::tests::{REGION, service};

    #[test]
    fn names_the_emulator_with_its_scheme() {
        let ts = service();
        let out = describe_endpoints(&ts, REGION, DescribeEndpointsRequest {});
        assert_eq!(
            out.endpoints[0].address,
            "ingest.timestream.us-east-1.amazonaws.com"
        );
        ts.set_endpoint_address("127.0.0.1:8000".to_owned());
        let out = describe_endpoints(&ts, REGION, DescribeEndpointsRequest {});
        assert_eq!(
            serde_json::to_value(&out).expect("json"),
            json!({"Endpoints": [{"Address": "http://127.0.0.1:8000", "CachePeriodInMinutes": 1440}]})
        );
    }
}
