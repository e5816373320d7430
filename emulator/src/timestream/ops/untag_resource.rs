//! UntagResource.
//!
//! ```text
//! {"ResourceARN": "arn:aws:timestream:...:database/ml-monitoring", "TagKeys": ["team"]} → {}
//! ```
//!
//! Keys the resource does not carry are ignored.

use super::tag_resource::update_tags;
use crate::timestream::Timestream;
use crate::timestream::error::Result;
use crate::timestream::types::{EmptyResponse, UntagResourceRequest};
use crate::timestream::validate::{self, MAX_TAGS, Violations};

pub async fn untag_resource(
    ts: &Timestream,
    region: &str,
    input: UntagResourceRequest,
) -> Result<EmptyResponse> {
    let mut v = Violations::new();
    let arn = validate::required(&input.resource_arn, "resourceARN", &mut v);
    if let Some(arn) = arn {
        validate::check_length(arn, "resourceARN", 1, 1011, &mut v);
    }
    match &input.tag_keys {
        None => v.null("tagKeys"),
        Some(keys) => {
            if keys.len() > MAX_TAGS {
                v.push(
                    format!("[{} keys]", keys.len()),
                    "tagKeys",
                    "Member must have length less than or equal to 200",
                );
            }
            for (i, key) in keys.iter().enumerate() {
                validate::check_length(key, &format!("tagKeys.{}.member", i + 1), 1, 128, &mut v);
            }
        }
    }
    v.into_result()?;
    let arn = arn.unwrap_or_default().to_owned();
    let keys = input.tag_keys.unwrap_or_default();
    update_tags(ts, region, arn, move |tags| {
        tags.retain(|(k, _)| !keys.contains(k));
        Ok(())
    })
    .await?;
    Ok(EmptyResponse {})
}
