//! TagResource.
//!
//! ```text
//! {"ResourceARN": "arn:aws:timestream:us-east-1:000000000000:database/ml-monitoring",
//!  "Tags": [{"Key": "team", "Value": "ml"}]} → {}
//! ```
//!
//! Databases and tables carry tags in their catalog records. Tags are upserted; a resource
//! keeps at most 200 (the model's `TagList` limit). The merge and the limit are decided
//! inside the write, so concurrent tag writes never lose one another. This file also holds
//! what UntagResource shares with it ([`update_tags`]).

use crate::timestream::Timestream;
use crate::timestream::catalog;
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{EmptyResponse, TagResourceRequest};
use crate::timestream::validate::{self, MAX_TAGS, Resource, Violations};

pub async fn tag_resource(
    ts: &Timestream,
    region: &str,
    input: TagResourceRequest,
) -> Result<EmptyResponse> {
    let mut v = Violations::new();
    let arn = validate::required(&input.resource_arn, "resourceARN", &mut v);
    if let Some(arn) = arn {
        validate::check_length(arn, "resourceARN", 1, 1011, &mut v);
    }
    if input.tags.is_none() {
        v.null("tags");
    }
    let tags = validate::check_tags(input.tags.as_deref().unwrap_or_default(), &mut v);
    v.into_result()?;
    let arn = arn.unwrap_or_default().to_owned();
    update_tags(ts, region, arn, move |existing| {
        validate::merge_tags(existing, tags);
        if existing.len() > MAX_TAGS {
            return Err(TimestreamError::validation(format!(
                "A resource can have at most {MAX_TAGS} tags."
            )));
        }
        Ok(())
    })
    .await?;
    Ok(EmptyResponse {})
}

/// Applies `change` to the tags of the database or table `arn` names, inside one write.
pub(crate) async fn update_tags(
    ts: &Timestream,
    region: &str,
    arn: String,
    change: impl FnOnce(&mut Vec<(String, String)>) -> Result<()> + Send + 'static,
) -> Result<()> {
    let resource = validate::resource_of_arn(&arn, region, &ts.account_id)?;
    let region = region.to_owned();
    ts.store
        .write(move |txn| -> Result<()> {
            let catalog = catalog::Writer(txn);
            let not_found = || TimestreamError::resource_arn_not_found(&arn);
            match resource {
                Resource::Database(name) => {
                    let mut record = catalog.database(&region, &name)?.ok_or_else(not_found)?;
                    change(&mut record.tags)?;
                    catalog.put_database(&region, &record)?;
                }
                Resource::Table { database, table } => {
                    let mut record = catalog
                        .table(&region, &database, &table)?
                        .ok_or_else(not_found)?;
                    change(&mut record.tags)?;
                    catalog.put_table(&region, &record)?;
                }
            }
            Ok(())
        })
        .await?
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::error::ErrorCode;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::create_table::create_table;
    use crate::timestream::ops::list_tags_for_resource::list_tags_for_resource;
    use crate::timestream::ops::tests::{REGION, input, service};
    use crate::timestream::ops::untag_resource::untag_resource;

    const DB: &str = "arn:aws:timestream:us-east-1:000000000000:database/metrics";
    const TABLE: &str = "arn:aws:timestream:us-east-1:000000000000:database/metrics/table/drift";

    fn listed(ts: &Timestream, arn: &str) -> Vec<(String, String)> {
        list_tags_for_resource(ts, REGION, input(json!({"ResourceARN": arn})))
            .expect("listed")
            .tags
            .into_iter()
            .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
            .collect()
    }

    #[tokio::test]
    async fn databases_and_tables_carry_tags() {
        let ts = service();
        create_database(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "Tags": [{"Key": "env", "Value": "prod"}]})),
        )
        .await
        .expect("db");
        create_table(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "TableName": "drift"})),
        )
        .await
        .expect("table");
        tag_resource(
            &ts,
            REGION,
            input(json!({"ResourceARN": DB, "Tags": [
                {"Key": "team", "Value": "ml"}, {"Key": "env", "Value": "dev"}]})),
        )
        .await
        .expect("tagged");
        assert_eq!(
            listed(&ts, DB),
            [("env".into(), "dev".into()), ("team".into(), "ml".into())]
        );
        tag_resource(
            &ts,
            REGION,
            input(json!({"ResourceARN": TABLE, "Tags": [{"Key": "k", "Value": ""}]})),
        )
        .await
        .expect("table tagged");
        assert_eq!(listed(&ts, TABLE), [("k".into(), String::new())]);
        untag_resource(
            &ts,
            REGION,
            input(json!({"ResourceARN": DB, "TagKeys": ["env", "nope"]})),
        )
        .await
        .expect("untagged");
        assert_eq!(listed(&ts, DB), [("team".into(), "ml".into())]);

        let ghost = "arn:aws:timestream:us-east-1:000000000000:database/ghost";
        let e = tag_resource(
            &ts,
            REGION,
            input(json!({"ResourceARN": ghost, "Tags": [{"Key": "k", "Value": "v"}]})),
        )
        .await
        .expect_err("missing");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
    }
}
