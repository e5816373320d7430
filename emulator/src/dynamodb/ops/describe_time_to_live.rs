//! DescribeTimeToLive.
//!
//! ```text
//! {"TableName": "sessions"}
//! → {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}}
//! ```
//!
//! A read of the catalog cache; see `dynamodb::ttl` for the statuses.

use super::describe_table::resolve_table_name;
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::now_epoch_seconds;
use crate::dynamodb::error::Result;
use crate::dynamodb::ttl;
use crate::dynamodb::types::ttl::{
    DescribeTimeToLiveInput, DescribeTimeToLiveOutput, TimeToLiveDescription,
};

pub async fn describe_time_to_live(
    db: &DynamoDb,
    region: &str,
    input: DescribeTimeToLiveInput,
) -> Result<DescribeTimeToLiveOutput> {
    let name = resolve_table_name(db, region, input.table_name)?;
    let meta = db.catalog.require(region, &name)?;
    let (status, attribute) = ttl::status(meta.time_to_live.as_ref(), now_epoch_seconds());
    Ok(DescribeTimeToLiveOutput {
        time_to_live_description: TimeToLiveDescription {
            time_to_live_status: status.as_str().to_owned(),
            attribute_name: attribute.map(str::to_owned),
        },
    })
}
