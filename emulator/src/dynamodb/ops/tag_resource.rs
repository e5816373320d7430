//! TagResource.
//!
//! ```text
//! {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/features",
//!  "Tags": [{"Key": "team", "Value": "ml"}]}
//! → {}
//! ```
//!
//! Tags live in the table's catalog record. TagResource upserts (a key already present gets
//! the new value); the whole request is refused if any tag is invalid or the merged set would
//! exceed 50 tags, and nothing is applied then. The merge and the limit are decided inside the
//! write, against the stored record, so concurrent tag writes never lose one another.
//!
//! The service's texts, as recorded against it (the tag APIs have their own wording):
//! - keys of 1 to 128 and values of 0 to 256 characters of letters, digits, white space and
//!   `_ . : / = + - @`: "The Tag Key provided is invalid, Key: k" / "The Tag Value provided is
//!   invalid, Value: v" (`null` when absent);
//! - "Tag Key cannot be prefixed with aws:, Key: aws:x" (any case);
//! - "Duplicate Tag Keys provided as input: Duplicate Tag Key found k";
//! - "Number of Tags exceed the current limit for the provided ResourceArn" (a
//!   ValidationException, not LimitExceededException);
//! - "Atleast one Tag needs to be provided as Input." (sic);
//! - a table that does not exist, or is still CREATING: ResourceNotFoundException "Requested
//!   resource not found: ResourceArn: <arn> not found".
//!
//! The service's ~1.5 s per-table tag write lock and its seconds of read-after-write lag in
//! ListTagsOfResource are not emulated: a tag write is visible at once.
//!
//! This file also holds what UntagResource and ListTagsOfResource share with it: resolving a
//! ResourceArn ([`table_of_resource_arn`]) and checking tag keys.

use super::create_table::Violations;
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::{self, TableMeta, TableStatus};
use crate::dynamodb::error::{DynamoError, ErrorCode, Result};
use crate::dynamodb::types::table::{EmptyOutput, Tag, TagResourceInput};

/// Most tags a table may carry.
pub(crate) const MAX_TAGS: usize = 50;
const MAX_KEY_CHARS: usize = 128;
const MAX_VALUE_CHARS: usize = 256;

pub async fn tag_resource(
    db: &DynamoDb,
    region: &str,
    input: TagResourceInput,
) -> Result<EmptyOutput> {
    let arn = required_resource_arn(input.resource_arn)?;
    let Some(tags) = input.tags else {
        return Err(Violations::missing("tags"));
    };
    let name = table_of_resource_arn(db, region, &arn)?;
    if tags.is_empty() {
        return Err(DynamoError::validation(
            "Atleast one Tag needs to be provided as Input.",
        ));
    }
    let tags = validate_tags(&tags)?;

    let region_owned = region.to_owned();
    let table = name.clone();
    db.store
        .write(move |txn| -> Result<()> {
            let mut meta = live_tagged_table(txn, &region_owned, &table, &arn)?;
            merge_tags(&mut meta.tags, tags);
            if meta.tags.len() > MAX_TAGS {
                return Err(too_many_tags());
            }
            catalog::store_meta(txn, &meta)?;
            Ok(())
        })
        .await??;
    db.catalog.refresh(&db.store, region, &name)?;
    Ok(EmptyOutput {})
}

/// Inside a write closure: the stored record of the table a tag operation names, or the tag
/// APIs' ResourceNotFoundException (also their answer while the table is CREATING).
pub(crate) fn live_tagged_table(
    txn: &crate::storage::Txn<'_>,
    region: &str,
    name: &str,
    arn: &str,
) -> Result<TableMeta> {
    match catalog::stored_meta(txn, region, name)? {
        Some(meta) if meta.status() != TableStatus::Creating => Ok(meta),
        _ => Err(arn_not_found(arn)),
    }
}

/// Upserts `new` into `tags`: existing keys take the new value in place, new keys follow.
fn merge_tags(tags: &mut Vec<(String, String)>, new: Vec<(String, String)>) {
    for (key, value) in new {
        match tags.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => tags.push((key, value)),
        }
    }
}

/// The ResourceNotFoundException of the tag APIs.
pub(crate) fn arn_not_found(arn: &str) -> DynamoError {
    DynamoError::new(
        ErrorCode::ResourceNotFoundException,
        format!("Requested resource not found: ResourceArn: {arn} not found"),
    )
}

pub(crate) fn too_many_tags() -> DynamoError {
    DynamoError::validation("Number of Tags exceed the current limit for the provided ResourceArn")
}

/// The `ResourceArn` member, which the tag APIs require before anything else.
pub(crate) fn required_resource_arn(arn: Option<String>) -> Result<String> {
    arn.ok_or_else(|| DynamoError::validation("Invalid TableArn"))
}

/// The name of the table a tag operation's `ResourceArn` names:
/// `arn:aws:dynamodb:<region>:<account>:table/<name>`, in the request's region.
pub(crate) fn table_of_resource_arn(db: &DynamoDb, region: &str, arn: &str) -> Result<String> {
    let invalid = |detail: String| {
        DynamoError::validation(format!(
            "One or more parameter values were invalid: {detail}"
        ))
    };
    let Some(rest) = arn.strip_prefix("arn:") else {
        return Err(invalid(format!("ARNs must start with 'arn:': {arn}")));
    };
    let mut parts = rest.splitn(5, ':');
    let (partition, service, arn_region, account, resource) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if service != "dynamodb" {
        return Err(invalid(format!(
            "Provided Arn is not a DynamoDB resource arn: {arn}"
        )));
    }
    if partition != "aws" || arn_region != region {
        return Err(DynamoError::validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
        )));
    }
    let Some(path) = resource.strip_prefix("table/") else {
        return Err(invalid(format!(
            "Provided Arn is not a DynamoDB resource arn: {arn}"
        )));
    };
    let mut segments = path.split('/');
    let name = segments.next().unwrap_or_default();
    match (segments.next(), segments.next(), segments.next()) {
        (None, _, _) => {}
        (Some("index"), Some(_), None) => {
            return Err(invalid(format!(
                "Invalid resource arn provided, only table or stream is accepted. Provided \
                 resource arn: {arn}"
            )));
        }
        // Streams are not implemented yet, so no stream exists to be tagged.
        (Some("stream"), Some(_), None) => return Err(arn_not_found(arn)),
        _ => {
            return Err(invalid(format!(
                "Provided Arn is not a DynamoDB resource arn: {arn}"
            )));
        }
    }
    // Another account's table is not one of ours (the service: AccessDeniedException).
    if account != db.account_id || name.is_empty() {
        return Err(arn_not_found(arn));
    }
    Ok(name.to_owned())
}

/// Checks every tag of a TagResource or CreateTable request and returns them as pairs. The
/// whole request fails on the first invalid tag.
pub(crate) fn validate_tags(tags: &[Tag]) -> Result<Vec<(String, String)>> {
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(tags.len());
    for tag in tags {
        let key = check_tag_key(tag.key.as_deref())?;
        let value = match tag.value.as_deref() {
            None => {
                return Err(DynamoError::validation(
                    "The Tag Value provided is invalid, Value: null",
                ));
            }
            Some(v) if v.chars().count() > MAX_VALUE_CHARS || !v.chars().all(tag_char) => {
                return Err(DynamoError::validation(format!(
                    "The Tag Value provided is invalid, Value: {v}"
                )));
            }
            Some(v) => v,
        };
        pairs.push((key.to_owned(), value.to_owned()));
    }
    for (i, (key, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(k, _)| k == key) {
            return Err(DynamoError::validation(format!(
                "Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}"
            )));
        }
    }
    Ok(pairs)
}

/// A tag key of TagResource, UntagResource or CreateTable.
pub(crate) fn check_tag_key(key: Option<&str>) -> Result<&str> {
    let Some(key) = key else {
        return Err(DynamoError::validation(
            "The Tag Key provided is invalid, Key: null",
        ));
    };
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_KEY_CHARS || !key.chars().all(tag_char) {
        return Err(DynamoError::validation(format!(
            "The Tag Key provided is invalid, Key: {key}"
        )));
    }
    if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(DynamoError::validation(format!(
            "Tag Key cannot be prefixed with aws:, Key: {key}"
        )));
    }
    Ok(key)
}

/// AWS's tag alphabet, `[\p{L}\p{Z}\p{N}_.:/=+\-@]`: letters and digits of any script,
/// space separators, and `_ . : / = + - @`.
fn tag_char(c: char) -> bool {
    c.is_alphabetic()
        || c.is_numeric()
        || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
        || matches!(
            c,
            ' ' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
                ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
        )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dynamodb::ops::create_table::create_table;
    use crate::dynamodb::ops::create_table::tests::db;
    use crate::dynamodb::ops::list_tags_of_resource::list_tags_of_resource;
    use crate::dynamodb::types::table::{CreateTableInput, ListTagsOfResourceInput};

    const ARN: &str = "arn:aws:dynamodb:us-east-1:000000000000:table/features";

    fn tag(key: &str, value: &str) -> Tag {
        Tag {
            key: Some(key.to_owned()),
            value: Some(value.to_owned()),
        }
    }

    fn tag_input(tags: Vec<Tag>) -> TagResourceInput {
        TagResourceInput {
            resource_arn: Some(ARN.to_owned()),
            tags: Some(tags),
        }
    }

    async fn with_table() -> DynamoDb {
        let db = db();
        let input: CreateTableInput = serde_json::from_value(json!({
            "TableName": "features",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "Tags": [{"Key": "env", "Value": "prod"}],
        }))
        .expect("input");
        create_table(&db, "us-east-1", input)
            .await
            .expect("created");
        db
    }

    async fn listed(db: &DynamoDb) -> Vec<(String, String)> {
        list_tags_of_resource(
            db,
            "us-east-1",
            ListTagsOfResourceInput {
                resource_arn: Some(ARN.to_owned()),
                next_token: None,
            },
        )
        .await
        .expect("listed")
        .tags
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn tag_keys_and_values_follow_the_service_rules() {
        let message = |tags: &[Tag]| validate_tags(tags).expect_err("invalid").message;
        assert_eq!(
            message(&[tag(&"k".repeat(129), "v")]),
            format!("The Tag Key provided is invalid, Key: {}", "k".repeat(129))
        );
        validate_tags(&[tag(&"k".repeat(128), &"v".repeat(256))]).expect("at the limits");
        assert_eq!(
            message(&[tag("k", &"v".repeat(257))]),
            format!(
                "The Tag Value provided is invalid, Value: {}",
                "v".repeat(257)
            )
        );
        assert_eq!(
            message(&[tag("", "v")]),
            "The Tag Key provided is invalid, Key: "
        );
        assert_eq!(
            message(&[Tag {
                key: Some("k".into()),
                value: None
            }]),
            "The Tag Value provided is invalid, Value: null"
        );
        assert_eq!(
            message(&[Tag {
                key: None,
                value: Some("v".into())
            }]),
            "The Tag Key provided is invalid, Key: null"
        );
        assert_eq!(
            message(&[tag("AWS:foo", "v")]),
            "Tag Key cannot be prefixed with aws:, Key: AWS:foo"
        );
        assert_eq!(
            message(&[tag("ok", "v"), tag("bad#char", "v")]),
            "The Tag Key provided is invalid, Key: bad#char"
        );
        assert_eq!(
            message(&[tag("k", "100%")]),
            "The Tag Value provided is invalid, Value: 100%"
        );
        assert_eq!(
            message(&[tag("dup", "a"), tag("dup", "b")]),
            "Duplicate Tag Keys provided as input: Duplicate Tag Key found dup"
        );
        validate_tags(&[
            tag("myaws:foo", "a+b-c=d.e_f:g/h@i"),
            tag("ключ", "café 表"),
            tag(" leading", ""),
            tag("Env", ""),
            tag("env", "x"),
        ])
        .expect("letters of any script, spaces, empty values, case-sensitive keys");
    }

    #[tokio::test]
    async fn tag_resource_upserts_and_lists_in_order() {
        let db = with_table().await;
        assert_eq!(
            listed(&db).await,
            pairs(&[("env", "prod")]),
            "tags given at creation"
        );
        tag_resource(
            &db,
            "us-east-1",
            tag_input(vec![tag("team", "ml"), tag("env", "dev")]),
        )
        .await
        .expect("tagged");
        assert_eq!(listed(&db).await, pairs(&[("env", "dev"), ("team", "ml")]));
    }

    #[tokio::test]
    async fn the_fifty_tag_limit_counts_the_merged_set() {
        let db = with_table().await;
        let many: Vec<Tag> = (1..50).map(|i| tag(&format!("k{i:02}"), "v")).collect();
        tag_resource(&db, "us-east-1", tag_input(many))
            .await
            .expect("50 with the creation tag");
        tag_resource(&db, "us-east-1", tag_input(vec![tag("k01", "new")]))
            .await
            .expect("replacing a value keeps 50");
        let e = tag_resource(
            &db,
            "us-east-1",
            tag_input(vec![tag("k01", "x"), tag("k51", "v")]),
        )
        .await
        .expect_err("51");
        assert_eq!(
            e.message,
            "Number of Tags exceed the current limit for the provided ResourceArn"
        );
        let tags = listed(&db).await;
        assert_eq!(tags.len(), 50);
        assert!(
            tags.contains(&("k01".to_owned(), "new".to_owned())),
            "nothing applied"
        );
    }

    #[tokio::test]
    async fn bad_requests_and_missing_tables() {
        let db = with_table().await;
        let e = tag_resource(&db, "us-east-1", TagResourceInput::default())
            .await
            .expect_err("no arn");
        assert_eq!(e.message, "Invalid TableArn");
        let e = tag_resource(
            &db,
            "us-east-1",
            TagResourceInput {
                resource_arn: Some(ARN.into()),
                tags: None,
            },
        )
        .await
        .expect_err("no tags");
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: \
             Member must not be null"
        );
        let e = tag_resource(&db, "us-east-1", tag_input(vec![]))
            .await
            .expect_err("empty");
        assert_eq!(e.message, "Atleast one Tag needs to be provided as Input.");

        let ghost = "arn:aws:dynamodb:us-east-1:000000000000:table/ghost";
        let e = tag_resource(
            &db,
            "us-east-1",
            TagResourceInput {
                resource_arn: Some(ghost.into()),
                tags: Some(vec![tag("k", "v")]),
            },
        )
        .await
        .expect_err("missing");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(
            e.message,
            format!("Requested resource not found: ResourceArn: {ghost} not found")
        );
    }

    #[test]
    fn resource_arns_are_parsed_as_the_service_does() {
        let db = db();
        let name = |arn: &str| table_of_resource_arn(&db, "us-east-1", arn);
        assert_eq!(name(ARN).expect("table"), "features");
        assert_eq!(
            name("features").expect_err("bare name").message,
            "One or more parameter values were invalid: ARNs must start with 'arn:': features"
        );
        assert_eq!(
            name("arn:aws:s3:::bucket").expect_err("s3").message,
            "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource \
             arn: arn:aws:s3:::bucket"
        );
        let other_region = "arn:aws:dynamodb:eu-west-1:000000000000:table/features";
        assert_eq!(
            name(other_region).expect_err("region").message,
            format!("Invalid TableArn: Invalid ResourceArn provided as input {other_region}")
        );
        let index = "arn:aws:dynamodb:us-east-1:000000000000:table/features/index/gsi";
        assert_eq!(
            name(index).expect_err("index").message,
            format!(
                "One or more parameter values were invalid: Invalid resource arn provided, only \
                 table or stream is accepted. Provided resource arn: {index}"
            )
        );
        let other_account = "arn:aws:dynamodb:us-east-1:111122223333:table/features";
        assert_eq!(
            name(other_account).expect_err("account").code,
            ErrorCode::ResourceNotFoundException
        );
    }
}
