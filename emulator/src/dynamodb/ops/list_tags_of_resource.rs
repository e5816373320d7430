//! ListTagsOfResource.
//!
//! ```text
//! {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/features"}
//! → {"Tags": [{"Key": "team", "Value": "ml"}]}
//! ```
//!
//! A read of the catalog cache. A table carries at most 50 tags and the service lists them on
//! one page, so no `NextToken` is ever returned, and one sent is ignored (the service answers
//! an unknown token with the first page). A table still CREATING is not found, as in the
//! service.

use super::tag_resource::{arn_not_found, required_resource_arn, table_of_resource_arn};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::TableStatus;
use crate::dynamodb::error::Result;
use crate::dynamodb::types::table::{ListTagsOfResourceInput, ListTagsOfResourceOutput, TagOutput};

pub async fn list_tags_of_resource(
    db: &DynamoDb,
    region: &str,
    input: ListTagsOfResourceInput,
) -> Result<ListTagsOfResourceOutput> {
    let arn = required_resource_arn(input.resource_arn)?;
    let name = table_of_resource_arn(db, region, &arn)?;
    let meta = db
        .catalog
        .get(region, &name)
        .filter(|m| m.status() != TableStatus::Creating)
        .ok_or_else(|| arn_not_found(&arn))?;
    Ok(ListTagsOfResourceOutput {
        tags: meta
            .tags
            .iter()
            .map(|(key, value)| TagOutput {
                key: key.clone(),
                value: value.clone(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::config::Config;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::ops::create_table::create_table;
    use crate::dynamodb::ops::create_table::tests::db;
    use crate::dynamodb::types::table::CreateTableInput;
    use crate::storage::Store;

    fn create_input() -> CreateTableInput {
        serde_json::from_value(json!({
            "TableName": "features",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": ""}],
        }))
        .expect("input")
    }

    fn list(arn: &str) -> ListTagsOfResourceInput {
        ListTagsOfResourceInput {
            resource_arn: Some(arn.to_owned()),
            next_token: None,
        }
    }

    const ARN: &str = "arn:aws:dynamodb:us-east-1:000000000000:table/features";

    #[tokio::test]
    async fn lists_the_tags_in_the_service_shape() {
        let db = db();
        create_table(&db, "us-east-1", create_input())
            .await
            .expect("created");
        let out = list_tags_of_resource(&db, "us-east-1", list(ARN))
            .await
            .expect("listed");
        assert_eq!(
            serde_json::to_value(&out).expect("json"),
            json!({"Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": ""}]})
        );
    }

    #[tokio::test]
    async fn a_missing_or_creating_table_is_not_found() {
        let db = db();
        let e = list_tags_of_resource(&db, "us-east-1", list(ARN))
            .await
            .expect_err("missing");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(
            e.message,
            format!("Requested resource not found: ResourceArn: {ARN} not found")
        );

        let config = Config {
            table_activation_delay_ms: 60_000,
            ..Config::ephemeral()
        };
        let slow =
            DynamoDb::open(Arc::new(Store::in_memory().expect("store")), &config).expect("open");
        create_table(&slow, "us-east-1", create_input())
            .await
            .expect("created");
        let e = list_tags_of_resource(&slow, "us-east-1", list(ARN))
            .await
            .expect_err("creating");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
    }

    #[tokio::test]
    async fn a_malformed_arn_is_a_validation_error() {
        let db = db();
        let e = list_tags_of_resource(&db, "us-east-1", list("not-an-arn"))
            .await
            .expect_err("malformed");
        assert_eq!(e.code, ErrorCode::ValidationException);
        assert_eq!(
            e.message,
            "One or more parameter values were invalid: ARNs must start with 'arn:': not-an-arn"
        );
        let e = list_tags_of_resource(&db, "us-east-1", ListTagsOfResourceInput::default())
            .await
            .expect_err("absent");
        assert_eq!(e.message, "Invalid TableArn");
    }
}
