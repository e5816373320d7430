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

    /// Every control-plane operation through the dispatcher: raw JSON in, raw JSON out.
    #[tokio::test]
    async fn the_control_plane_answers_raw_requests() {
        use crate::dynamodb::Operation;
        let db = db();
        let call = |op: Operation, body: &'static str| {
            let db = &db;
            async move {
                let bytes = db.execute("us-east-1", op, body.as_bytes()).await?;
                Ok::<serde_json::Value, crate::dynamodb::error::DynamoError>(
                    serde_json::from_slice(&bytes).expect("json"),
                )
            }
        };
        let arn = "arn:aws:dynamodb:us-east-1:000000000000:table/raw";
        let created = call(
            Operation::CreateTable,
            r#"{"TableName": "raw", "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}"#,
        )
        .await
        .expect("created");
        assert_eq!(created["TableDescription"]["TableArn"], arn);
        let described = call(Operation::DescribeTable, r#"{"TableName": "raw"}"#)
            .await
            .expect("described");
        assert_eq!(described["Table"]["TableStatus"], "ACTIVE");
        assert_eq!(
            call(Operation::ListTables, "{}").await.expect("listed"),
            json!({"TableNames": ["raw"]})
        );
        assert_eq!(
            call(
                Operation::TagResource,
                r#"{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/raw",
                    "Tags": [{"Key": "k", "Value": "v"}]}"#
            )
            .await
            .expect("tagged"),
            json!({})
        );
        assert_eq!(
            call(
                Operation::ListTagsOfResource,
                r#"{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/raw",
                    "NextToken": "ignored"}"#
            )
            .await
            .expect("listed"),
            json!({"Tags": [{"Key": "k", "Value": "v"}]})
        );
        call(
            Operation::UntagResource,
            r#"{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/raw",
                "TagKeys": ["k"]}"#,
        )
        .await
        .expect("untagged");
        let updated = call(
            Operation::UpdateTable,
            r#"{"TableName": "raw", "DeletionProtectionEnabled": true}"#,
        )
        .await
        .expect("updated");
        assert_eq!(
            updated["TableDescription"]["DeletionProtectionEnabled"],
            true
        );
        assert_eq!(
            call(Operation::DescribeLimits, "{}").await.expect("limits")["TableMaxReadCapacityUnits"],
            40000
        );
        assert_eq!(
            call(Operation::DescribeEndpoints, "{}")
                .await
                .expect("endpoints")["Endpoints"][0]["CachePeriodInMinutes"],
            1440
        );
        let refused = call(Operation::DeleteTable, r#"{"TableName": "raw"}"#)
            .await
            .expect_err("protected");
        assert_eq!(
            refused.code,
            crate::dynamodb::error::ErrorCode::ValidationException
        );
        let wrong_type = call(Operation::ListTables, r#"{"Limit": "5"}"#)
            .await
            .expect_err("a string limit");
        assert_eq!(
            wrong_type.code,
            crate::dynamodb::error::ErrorCode::SerializationException
        );
    }
}
