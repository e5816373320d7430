//! UntagResource.
//!
//! ```text
//! {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/features",
//!  "TagKeys": ["team"]}
//! → {}
//! ```
//!
//! Removing a key the table does not carry is not an error. The keys are checked as
//! TagResource checks them (an `aws:` key is refused here too), and more than 50 keys is the
//! tag-count error although nothing would be added. See `tag_resource` for the texts.

use super::create_table::Violations;
use super::tag_resource::{
    MAX_TAGS, check_tag_key, live_tagged_table, required_resource_arn, table_of_resource_arn,
    too_many_tags,
};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog;
use crate::dynamodb::error::{DynamoError, Result};
use crate::dynamodb::types::table::{EmptyOutput, UntagResourceInput};

pub async fn untag_resource(
    db: &DynamoDb,
    region: &str,
    input: UntagResourceInput,
) -> Result<EmptyOutput> {
    let arn = required_resource_arn(input.resource_arn)?;
    let Some(keys) = input.tag_keys else {
        return Err(Violations::missing("tagKeys"));
    };
    let name = table_of_resource_arn(db, region, &arn)?;
    if keys.is_empty() {
        return Err(DynamoError::validation(
            "Atleast one Tag Key needs to be provided as Input.",
        ));
    }
    let keys = keys
        .iter()
        .map(|k| check_tag_key(k.as_deref()).map(str::to_owned))
        .collect::<Result<Vec<String>>>()?;
    if keys.len() > MAX_TAGS {
        return Err(too_many_tags());
    }

    let region_owned = region.to_owned();
    let table = name.clone();
    db.store
        .write(move |txn| -> Result<()> {
            let mut meta = live_tagged_table(txn, &region_owned, &table, &arn)?;
            let before = meta.tags.len();
            meta.tags.retain(|(k, _)| !keys.contains(k));
            if meta.tags.len() != before {
                catalog::store_meta(txn, &meta)?;
            }
            Ok(())
        })
        .await??;
    db.catalog.refresh(&db.store, region, &name)?;
    Ok(EmptyOutput {})
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::ops::create_table::create_table;
    use crate::dynamodb::ops::create_table::tests::db;
    use crate::dynamodb::types::table::CreateTableInput;

    const ARN: &str = "arn:aws:dynamodb:us-east-1:000000000000:table/features";

    fn untag(keys: &[&str]) -> UntagResourceInput {
        UntagResourceInput {
            resource_arn: Some(ARN.to_owned()),
            tag_keys: Some(keys.iter().map(|k| Some((*k).to_owned())).collect()),
        }
    }

    async fn with_tags() -> DynamoDb {
        let db = db();
        let input: CreateTableInput = serde_json::from_value(json!({
            "TableName": "features",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "ml"}],
        }))
        .expect("input");
        create_table(&db, "us-east-1", input)
            .await
            .expect("created");
        db
    }

    fn tags(db: &DynamoDb) -> Vec<(String, String)> {
        db.catalog
            .get("us-east-1", "features")
            .expect("table")
            .tags
            .clone()
    }

    #[tokio::test]
    async fn removes_present_keys_and_ignores_absent_ones() {
        let db = with_tags().await;
        untag_resource(&db, "us-east-1", untag(&["env", "never-set"]))
            .await
            .expect("untagged");
        assert_eq!(tags(&db), [("team".to_owned(), "ml".to_owned())]);
        untag_resource(&db, "us-east-1", untag(&["absent"]))
            .await
            .expect("a no-op is fine");
    }

    #[tokio::test]
    async fn rejects_bad_keys_and_requests() {
        let db = with_tags().await;
        let e = untag_resource(&db, "us-east-1", untag(&[]))
            .await
            .expect_err("empty");
        assert_eq!(
            e.message,
            "Atleast one Tag Key needs to be provided as Input."
        );
        let e = untag_resource(&db, "us-east-1", untag(&["aws:foo"]))
            .await
            .expect_err("aws:");
        assert_eq!(
            e.message,
            "Tag Key cannot be prefixed with aws:, Key: aws:foo"
        );
        let e = untag_resource(
            &db,
            "us-east-1",
            UntagResourceInput {
                resource_arn: Some(ARN.into()),
                tag_keys: None,
            },
        )
        .await
        .expect_err("missing");
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: \
             Member must not be null"
        );
        let many: Vec<String> = (0..51).map(|i| format!("k{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let e = untag_resource(&db, "us-east-1", untag(&many))
            .await
            .expect_err("51 keys");
        assert_eq!(
            e.message,
            "Number of Tags exceed the current limit for the provided ResourceArn"
        );
        assert_eq!(tags(&db).len(), 2, "nothing removed");

        let ghost = "arn:aws:dynamodb:us-east-1:000000000000:table/ghost";
        let e = untag_resource(
            &db,
            "us-east-1",
            UntagResourceInput {
                resource_arn: Some(ghost.into()),
                tag_keys: Some(vec![Some("k".into())]),
            },
        )
        .await
        .expect_err("missing table");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
    }
}
