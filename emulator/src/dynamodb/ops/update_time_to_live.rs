//! UpdateTimeToLive.
//!
//! ```text
//! {"TableName": "sessions",
//!  "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires_at"}}
//! → {"TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires_at"}}
//! ```
//!
//! The service's rules, in its order:
//! - member constraints: `tableName`, `timeToLiveSpecification` and both its members
//!   required, the attribute name 1 to 255 characters; counted together;
//! - then, against the table: not found, still CREATING (ResourceInUseException);
//! - enabling while enabled: "TimeToLive is already enabled" (same attribute) or "TimeToLive
//!   is active on a different AttributeName: current AttributeName is <name>"; disabling
//!   while disabled: "TimeToLive is already disabled", or naming another attribute than the
//!   enabled one: the different-AttributeName text;
//! - a change while the previous one is in progress: "Time to live has been modified
//!   multiple times within a fixed interval" (see `dynamodb::ttl` for how long that is).
//!
//! Any attribute may be named, key attributes included, as on the service.

use super::create_table::{Violations, being_created, required_table_name};
use super::describe_table::table_name_member;
use crate::dynamodb::DynamoDb;
use crate::dynamodb::catalog::{self, TableStatus, TimeToLive, now_epoch_seconds};
use crate::dynamodb::error::{DynamoError, Result};
use crate::dynamodb::types::ttl::{
    TimeToLiveSpecification, UpdateTimeToLiveInput, UpdateTimeToLiveOutput,
};

pub async fn update_time_to_live(
    db: &DynamoDb,
    region: &str,
    input: UpdateTimeToLiveInput,
) -> Result<UpdateTimeToLiveOutput> {
    let raw = required_table_name(input.table_name)?;
    let mut v = Violations::new();
    let table = table_name_member(db, region, raw, &mut v)?;
    let (enabled, attribute_name) = check_specification(input.time_to_live_specification, &mut v);
    v.into_result()?;

    let (region_owned, name) = (region.to_owned(), table.clone());
    let transition = db.activation_delay.as_secs_f64();
    let attribute = attribute_name.clone();
    db.store
        .write(move |txn| -> Result<()> {
            let Some(mut meta) = catalog::stored_meta(txn, &region_owned, &table)? else {
                return Err(DynamoError::table_not_found(&table));
            };
            if meta.status() == TableStatus::Creating {
                return Err(being_created(&table));
            }
            let now = now_epoch_seconds();
            check_change(meta.time_to_live.as_ref(), enabled, &attribute, now)?;
            // All checks are made; the write follows.
            meta.time_to_live = Some(TimeToLive {
                attribute_name: attribute,
                enabled,
                settles_at: now + transition,
            });
            catalog::store_meta(txn, &meta)?;
            Ok(())
        })
        .await??;
    db.catalog.refresh(&db.store, region, &name)?;
    Ok(UpdateTimeToLiveOutput {
        time_to_live_specification: TimeToLiveSpecification {
            enabled,
            attribute_name,
        },
    })
}

/// The specification's member constraints; the values it asks for once they hold.
fn check_specification(
    spec: Option<crate::dynamodb::types::ttl::TimeToLiveSpecificationInput>,
    v: &mut Violations,
) -> (bool, String) {
    let Some(spec) = spec else {
        v.null("timeToLiveSpecification");
        return (false, String::new());
    };
    let member = "timeToLiveSpecification.attributeName";
    match spec.attribute_name.as_deref() {
        None => v.null(member),
        Some("") => v.push(
            "",
            member,
            "Member must have length greater than or equal to 1",
        ),
        Some(name) if name.len() > 255 => v.push(
            name,
            member,
            "Member must have length less than or equal to 255",
        ),
        Some(_) => {}
    }
    if spec.enabled.is_none() {
        v.null("timeToLiveSpecification.enabled");
    }
    (
        spec.enabled.unwrap_or(false),
        spec.attribute_name.unwrap_or_default(),
    )
}

/// The service's refusals of a change given the table's current setting.
fn check_change(
    current: Option<&TimeToLive>,
    enable: bool,
    attribute: &str,
    now: f64,
) -> Result<()> {
    let active = current.filter(|ttl| ttl.enabled);
    let different = |ttl: &TimeToLive| {
        DynamoError::validation(format!(
            "TimeToLive is active on a different AttributeName: current AttributeName is {}",
            ttl.attribute_name
        ))
    };
    match (enable, active) {
        (true, Some(ttl)) if ttl.attribute_name == attribute => {
            return Err(DynamoError::validation("TimeToLive is already enabled"));
        }
        (true, Some(ttl)) => return Err(different(ttl)),
        (false, None) => return Err(DynamoError::validation("TimeToLive is already disabled")),
        (false, Some(ttl)) if ttl.attribute_name != attribute => return Err(different(ttl)),
        _ => {}
    }
    if current.is_some_and(|ttl| now < ttl.settles_at) {
        return Err(DynamoError::validation(
            "Time to live has been modified multiple times within a fixed interval",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::ScalarType;
    use crate::dynamodb::error::ErrorCode;
    use crate::dynamodb::item::testing::{REGION, create_table, service};
    use crate::dynamodb::ops::describe_time_to_live::describe_time_to_live;

    async fn update(db: &DynamoDb, body: &str) -> Result<UpdateTimeToLiveOutput> {
        update_time_to_live(db, REGION, serde_json::from_str(body).unwrap()).await
    }

    async fn describe(db: &DynamoDb) -> String {
        let out = describe_time_to_live(
            db,
            REGION,
            serde_json::from_str(r#"{"TableName":"tbl"}"#).unwrap(),
        )
        .await
        .unwrap();
        serde_json::to_string(&out).unwrap()
    }

    fn spec(enabled: bool, name: &str) -> String {
        format!(
            r#"{{"TableName":"tbl","TimeToLiveSpecification":{{"Enabled":{enabled},"AttributeName":"{name}"}}}}"#
        )
    }

    #[tokio::test]
    async fn enabling_and_disabling_follow_the_service_rules() {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, None).await;
        assert_eq!(
            describe(&db).await,
            r#"{"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}}"#
        );
        let message = |r: Result<UpdateTimeToLiveOutput>| r.unwrap_err().message;
        assert_eq!(
            message(update(&db, &spec(false, "exp")).await),
            "TimeToLive is already disabled"
        );
        let out = update(&db, &spec(true, "exp")).await.unwrap();
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}"#
        );
        assert_eq!(
            describe(&db).await,
            r#"{"TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED","AttributeName":"exp"}}"#
        );
        assert_eq!(
            message(update(&db, &spec(true, "exp")).await),
            "TimeToLive is already enabled"
        );
        let different =
            "TimeToLive is active on a different AttributeName: current AttributeName is exp";
        assert_eq!(message(update(&db, &spec(true, "other")).await), different);
        assert_eq!(message(update(&db, &spec(false, "other")).await), different);
        update(&db, &spec(false, "exp")).await.unwrap();
        assert_eq!(
            describe(&db).await,
            r#"{"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}}"#
        );
        // The key attribute may be the TTL attribute.
        update(&db, &spec(true, "pk")).await.unwrap();
    }

    #[test]
    fn a_change_in_progress_refuses_another() {
        let current = TimeToLive {
            attribute_name: "exp".into(),
            enabled: true,
            settles_at: 100.0,
        };
        assert_eq!(
            check_change(Some(&current), false, "exp", 99.0)
                .unwrap_err()
                .message,
            "Time to live has been modified multiple times within a fixed interval"
        );
        assert!(check_change(Some(&current), false, "exp", 100.0).is_ok());
        // The content checks come first.
        assert_eq!(
            check_change(Some(&current), true, "exp", 99.0)
                .unwrap_err()
                .message,
            "TimeToLive is already enabled"
        );
    }

    #[tokio::test]
    async fn members_are_checked_before_the_table() {
        let db = service();
        let e = update(&db, r#"{"TableName":"no"}"#).await.unwrap_err();
        assert_eq!(
            e.message,
            "2 validation errors detected: Value 'no' at 'tableName' failed to satisfy \
             constraint: Member must have length greater than or equal to 3; Value null at \
             'timeToLiveSpecification' failed to satisfy constraint: Member must not be null"
        );
        let long = "a".repeat(256);
        let e = update(
            &db,
            &format!(
                r#"{{"TableName":"nope","TimeToLiveSpecification":{{"AttributeName":"{long}"}}}}"#
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.message,
            format!(
                "2 validation errors detected: Value '{long}' at \
                 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member \
                 must have length less than or equal to 255; Value null at \
                 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not \
                 be null"
            )
        );
        let e = update(&db, &spec(true, "exp")).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(
            e.message,
            "Requested resource not found: Table: tbl not found"
        );
    }
}
