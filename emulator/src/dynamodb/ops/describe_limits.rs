//! DescribeLimits.
//!
//! ```text
//! {} → {"AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000,
//!       "TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000}
//! ```
//!
//! The service's default quotas for an account in a region (the answer of DynamoDB Local
//! too). They are reported, not enforced.

use crate::dynamodb::DynamoDb;
use crate::dynamodb::error::Result;
use crate::dynamodb::types::table::{DescribeLimitsInput, DescribeLimitsOutput};

pub const ACCOUNT_MAX_CAPACITY_UNITS: i64 = 80_000;
pub const TABLE_MAX_CAPACITY_UNITS: i64 = 40_000;

pub async fn describe_limits(
    _db: &DynamoDb,
    _region: &str,
    _input: DescribeLimitsInput,
) -> Result<DescribeLimitsOutput> {
    Ok(DescribeLimitsOutput {
        account_max_read_capacity_units: ACCOUNT_MAX_CAPACITY_UNITS,
        account_max_write_capacity_units: ACCOUNT_MAX_CAPACITY_UNITS,
        table_max_read_capacity_units: TABLE_MAX_CAPACITY_UNITS,
        table_max_write_capacity_units: TABLE_MAX_CAPACITY_UNITS,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dynamodb::ops::create_table::tests::db;

    #[tokio::test]
    async fn reports_the_default_quotas_in_the_service_shape() {
        let out = describe_limits(&db(), "us-east-1", DescribeLimitsInput::default())
            .await
            .expect("limits");
        assert_eq!(
            serde_json::to_value(&out).expect("json"),
            json!({
                "AccountMaxReadCapacityUnits": 80000,
                "AccountMaxWriteCapacityUnits": 80000,
                "TableMaxReadCapacityUnits": 40000,
                "TableMaxWriteCapacityUnits": 40000,
            })
        );
    }
}
