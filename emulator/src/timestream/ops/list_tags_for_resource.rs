//! ListTagsForResource.
//!
//! ```text
//! {"ResourceARN": "arn:aws:timestream:...:database/ml-monitoring"}
//! → {"Tags": [{"Key": "team", "Value": "ml"}]}
//! ```

use crate::timestream::Timestream;
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{ListTagsForResourceRequest, ListTagsForResourceResponse, Tag};
use crate::timestream::validate::{self, Resource, Violations};

pub fn list_tags_for_resource(
    ts: &Timestream,
    region: &str,
    input: ListTagsForResourceRequest,
) -> Result<ListTagsForResourceResponse> {
    let mut v = Violations::new();
    let arn = validate::required(&input.resource_arn, "resourceARN", &mut v);
    if let Some(arn) = arn {
        validate::check_length(arn, "resourceARN", 1, 1011, &mut v);
    }
    v.into_result()?;
    let arn = arn.unwrap_or_default();
    let not_found = || TimestreamError::resource_arn_not_found(arn);
    let snapshot = ts.snapshot()?;
    let tags = match validate::resource_of_arn(arn, region, &ts.account_id)? {
        Resource::Database(name) => {
            snapshot
                .database(region, &name)?
                .ok_or_else(not_found)?
                .tags
        }
        Resource::Table { database, table } => {
            snapshot
                .table(region, &database, &table)?
                .ok_or_else(not_found)?
                .tags
        }
    };
    Ok(ListTagsForResourceResponse {
        tags: tags
            .into_iter()
            .map(|(key, value)| Tag {
                key: Some(key),
                value: Some(value),
            })
            .collect(),
    })
}
