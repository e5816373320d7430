//! The seed's column constraints, checked before anything is stored. Sizes count characters,
//! as PostgreSQL's `VARCHAR(n)` does; NUL is refused because PostgreSQL's text types cannot
//! hold it (and the indexes use it as their separator).

use serde_json::{Map, Value};

use super::error::{RegistryError, Result};

pub const MODEL_NAME_MAX: usize = 255;
pub const VERSION_MAX: usize = 50;
pub const OWNER_MAX: usize = 100;
pub const TAG_MAX: usize = 1000;

/// `value` fits a `VARCHAR(max)` column called `field`.
pub fn varchar(field: &str, value: &str, max: usize) -> Result<()> {
    let chars = value.chars().count();
    if chars > max {
        return Err(RegistryError::invalid(format!(
            "{field} must be at most {max} characters (got {chars})"
        )));
    }
    if value.contains('\0') {
        return Err(RegistryError::invalid(format!(
            "{field} must not contain the NUL character"
        )));
    }
    Ok(())
}

/// A key column: `varchar` and not empty.
pub fn key_column(field: &str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() {
        return Err(RegistryError::invalid(format!("{field} must not be empty")));
    }
    varchar(field, value, max)
}

pub fn model_name(value: &str) -> Result<()> {
    key_column("model_name", value, MODEL_NAME_MAX)
}

pub fn version(value: &str) -> Result<()> {
    key_column("version", value, VERSION_MAX)
}

pub fn owner(value: &str) -> Result<()> {
    varchar("owner", value, OWNER_MAX)
}

/// Every tag fits `VARCHAR(1000)`; duplicates are dropped, first occurrence kept.
pub fn tags(tags: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for (i, tag) in tags.into_iter().enumerate() {
        varchar(&format!("tags[{i}]"), &tag, TAG_MAX)?;
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

/// `metadata` is a JSON object (or null, the column being nullable).
pub fn metadata(value: Option<Value>) -> Result<Option<Map<String, Value>>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(RegistryError::invalid("metadata must be a JSON object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_count_characters_and_name_the_field() {
        assert!(model_name(&"é".repeat(255)).is_ok());
        let e = model_name(&"a".repeat(256)).unwrap_err();
        assert_eq!(
            e.message,
            "model_name must be at most 255 characters (got 256)"
        );
        let e = tags(vec!["ok".into(), "x".repeat(1001)]).unwrap_err();
        assert_eq!(
            e.message,
            "tags[1] must be at most 1000 characters (got 1001)"
        );
        assert_eq!(
            version("").unwrap_err().message,
            "version must not be empty"
        );
        assert_eq!(
            owner("a\0b").unwrap_err().message,
            "owner must not contain the NUL character"
        );
    }

    #[test]
    fn duplicate_tags_are_dropped() {
        assert_eq!(
            tags(vec!["a".into(), "b".into(), "a".into()]).unwrap(),
            vec!["a".to_owned(), "b".to_owned()]
        );
    }
}
