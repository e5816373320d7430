//! Request checks shared by the operations: the coral front end's constraint messages,
//! resource names, tags and resource ARNs.
//!
//! Constraints come from the service model and the API reference: database and table names
//! of 3 to 256 characters matching `[a-zA-Z0-9_.-]+` on creation, tag keys of 1 to 128 and
//! values of 0 to 256 characters, at most 200 tags in a list.

use super::error::{Result, TimestreamError};
use super::types::Tag;

/// The coral front end's validation errors, reported together as "N validation errors
/// detected: ...; ...".
#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, value: impl std::fmt::Display, member: &str, constraint: &str) {
        self.0.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A violation of a member the model marks sensitive, whose value is never echoed.
    pub fn push_sensitive(&mut self, member: &str, constraint: &str) {
        self.0.push(format!(
            "Value at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A required member that is missing.
    pub fn null(&mut self, member: &str) {
        self.0.push(format!(
            "Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<()> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(TimestreamError::validation(format!(
                "{n} validation error{} detected: {}",
                if n == 1 { "" } else { "s" },
                self.0.join("; ")
            ))),
        }
    }
}

/// A required string member: reports it missing and answers `None`.
pub fn required<'a>(
    value: &'a Option<String>,
    member: &str,
    v: &mut Violations,
) -> Option<&'a str> {
    if value.is_none() {
        v.null(member);
    }
    value.as_deref()
}

/// The name of a database or table being created.
pub fn check_new_name(name: &str, member: &str, v: &mut Violations) {
    let valid_chars = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    if !valid_chars {
        v.push(
            name,
            member,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        );
    }
    check_length(name, member, 3, 256, v);
}

/// The name of an existing database or table: any name that could have been created.
pub fn check_existing_name(name: &str, member: &str, v: &mut Violations) {
    check_length(name, member, 3, 256, v);
}

pub fn check_length(value: &str, member: &str, min: usize, max: usize, v: &mut Violations) {
    let chars = value.chars().count();
    if chars < min {
        v.push(
            value,
            member,
            &format!("Member must have length greater than or equal to {min}"),
        );
    } else if chars > max {
        v.push(
            value,
            member,
            &format!("Member must have length less than or equal to {max}"),
        );
    }
}

/// `check_length` for a sensitive member (a query string, a client token).
pub fn check_sensitive_length(
    value: &str,
    member: &str,
    min: usize,
    max: usize,
    v: &mut Violations,
) {
    let chars = value.chars().count();
    if chars < min {
        v.push_sensitive(
            member,
            &format!("Member must have length greater than or equal to {min}"),
        );
    } else if chars > max {
        v.push_sensitive(
            member,
            &format!("Member must have length less than or equal to {max}"),
        );
    }
}

/// An integer member's range.
pub fn check_range(value: i64, member: &str, min: i64, max: i64, v: &mut Violations) {
    if value < min {
        v.push(
            value,
            member,
            &format!("Member must have value greater than or equal to {min}"),
        );
    } else if value > max {
        v.push(
            value,
            member,
            &format!("Member must have value less than or equal to {max}"),
        );
    }
}

/// Most tags a list may carry, and so a resource.
pub const MAX_TAGS: usize = 200;

/// Checks a tag list (`member` is `tags`) and returns it as pairs.
pub fn check_tags(tags: &[Tag], v: &mut Violations) -> Vec<(String, String)> {
    if tags.len() > MAX_TAGS {
        v.push(
            format!("[{} tags]", tags.len()),
            "tags",
            "Member must have length less than or equal to 200",
        );
    }
    let mut pairs = Vec::with_capacity(tags.len());
    for (i, tag) in tags.iter().enumerate() {
        let at = format!("tags.{}.member", i + 1);
        let key = required(&tag.key, &format!("{at}.key"), v);
        let value = required(&tag.value, &format!("{at}.value"), v);
        if let Some(key) = key {
            check_length(key, &format!("{at}.key"), 1, 128, v);
        }
        if let Some(value) = value {
            check_length(value, &format!("{at}.value"), 0, 256, v);
        }
        if let (Some(key), Some(value)) = (key, value) {
            pairs.push((key.to_owned(), value.to_owned()));
        }
    }
    pairs
}

/// Upserts `new` into `tags`: existing keys take the new value in place, new keys follow.
pub fn merge_tags(tags: &mut Vec<(String, String)>, new: Vec<(String, String)>) {
    for (key, value) in new {
        match tags.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => tags.push((key, value)),
        }
    }
}

/// What a Timestream resource ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Database(String),
    Table { database: String, table: String },
}

/// Parses `arn:aws:timestream:<region>:<account>:database/<db>[/table/<table>]`. An ARN of
/// another region or account, or of no Timestream resource, names nothing here.
pub fn resource_of_arn(arn: &str, region: &str, account_id: &str) -> Result<Resource> {
    let not_found = || TimestreamError::resource_arn_not_found(arn);
    let mut parts = arn.splitn(6, ':');
    let fields: Vec<&str> = parts.by_ref().collect();
    let [prefix, _partition, service, arn_region, account, resource] = fields[..] else {
        return Err(not_found());
    };
    if prefix != "arn" || service != "timestream" || arn_region != region || account != account_id {
        return Err(not_found());
    }
    let segments: Vec<&str> = resource.split('/').collect();
    match segments[..] {
        ["database", database] if !database.is_empty() => {
            Ok(Resource::Database(database.to_owned()))
        }
        ["database", database, "table", table] if !database.is_empty() && !table.is_empty() => {
            Ok(Resource::Table {
                database: database.to_owned(),
                table: table.to_owned(),
            })
        }
        _ => Err(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_model_constraints() {
        let mut v = Violations::new();
        check_new_name("ml-monitoring", "databaseName", &mut v);
        check_new_name("a_b.c", "tableName", &mut v);
        assert!(v.is_empty());
        check_new_name("a/", "databaseName", &mut v);
        let e = v.into_result().expect_err("invalid");
        assert_eq!(
            e.message,
            "2 validation errors detected: Value 'a/' at 'databaseName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; \
             Value 'a/' at 'databaseName' failed to satisfy constraint: Member must have \
             length greater than or equal to 3"
        );
    }

    #[test]
    fn arns_name_databases_and_tables_of_this_region_and_account() {
        let of = |arn: &str| resource_of_arn(arn, "us-east-1", "000000000000");
        assert_eq!(
            of("arn:aws:timestream:us-east-1:000000000000:database/db").expect("db"),
            Resource::Database("db".into())
        );
        assert_eq!(
            of("arn:aws:timestream:us-east-1:000000000000:database/db/table/t").expect("table"),
            Resource::Table {
                database: "db".into(),
                table: "t".into()
            }
        );
        for arn in [
            "arn:aws:timestream:eu-west-1:000000000000:database/db",
            "arn:aws:timestream:us-east-1:111111111111:database/db",
            "arn:aws:dynamodb:us-east-1:000000000000:table/t",
            "database/db",
            "arn:aws:timestream:us-east-1:000000000000:database/db/index/x",
        ] {
            let e = of(arn).expect_err(arn);
            assert_eq!(e.message, format!("The resource {arn} does not exist."));
        }
    }
}
