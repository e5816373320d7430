//! `ExpressionAttributeNames` and `ExpressionAttributeValues` of one request, shared by all
//! its expressions, with the service's checks on them.

use std::collections::HashMap;

use super::super::error::{DynamoError, Result};
use super::super::value::AttributeValue;
use super::{ExpressionKind, java};

/// The placeholders of one request. Build it once, parse every expression of the request
/// with it, then call [`finish`](Self::finish): placeholders no expression used are an error,
/// as in the service.
///
/// Problems with the maps themselves ("must not be empty", a key that is not `#name` or
/// `:name`, an empty attribute name) are found by `new` but reported by the first parse, so
/// that they come before any expression error and after the request checks the caller makes
/// between the two, as in the service.
#[derive(Debug)]
pub struct ExpressionAttributes<'r> {
    names: Option<&'r HashMap<String, String>>,
    values: Option<&'r HashMap<String, AttributeValue>>,
    /// Keys used so far; requests have a handful, so a vector beats a set.
    used_names: Vec<&'r str>,
    used_values: Vec<&'r str>,
    invalid: Option<DynamoError>,
}

impl<'r> ExpressionAttributes<'r> {
    pub fn new(
        names: Option<&'r HashMap<String, String>>,
        values: Option<&'r HashMap<String, AttributeValue>>,
    ) -> ExpressionAttributes<'r> {
        let invalid = names
            .and_then(check_names)
            .or_else(|| values.and_then(check_values));
        ExpressionAttributes {
            names,
            values,
            used_names: Vec::new(),
            used_values: Vec::new(),
            invalid,
        }
    }

    /// No placeholders at all.
    pub fn none() -> ExpressionAttributes<'static> {
        ExpressionAttributes {
            names: None,
            values: None,
            used_names: Vec::new(),
            used_values: Vec::new(),
            invalid: None,
        }
    }

    /// The error found in the maps themselves, if any.
    pub(crate) fn check_maps(&self) -> Result<()> {
        match &self.invalid {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// The attribute name `placeholder` (`#n`) stands for.
    pub(crate) fn name(&mut self, placeholder: &str, kind: ExpressionKind) -> Result<&'r str> {
        match self.names.and_then(|m| m.get_key_value(placeholder)) {
            Some((key, name)) => {
                if !self.used_names.contains(&key.as_str()) {
                    self.used_names.push(key);
                }
                Ok(name)
            }
            None => Err(DynamoError::validation(format!(
                "Invalid {}: An expression attribute name used in the document path is not \
                 defined; attribute name: {placeholder}",
                kind.name()
            ))),
        }
    }

    /// The value `placeholder` (`:v`) stands for.
    pub(crate) fn value(
        &mut self,
        placeholder: &str,
        kind: ExpressionKind,
    ) -> Result<&'r AttributeValue> {
        match self.values.and_then(|m| m.get_key_value(placeholder)) {
            Some((key, value)) => {
                if !self.used_values.contains(&key.as_str()) {
                    self.used_values.push(key);
                }
                Ok(value)
            }
            None => Err(DynamoError::validation(format!(
                "Invalid {}: An expression attribute value used in expression is not defined; \
                 attribute value: {placeholder}",
                kind.name()
            ))),
        }
    }

    /// A `:value` written where a name is due (`a.:v`): the service finds it among the
    /// values, or reports it as an undefined name.
    pub(crate) fn value_as_name(
        &mut self,
        placeholder: &str,
        kind: ExpressionKind,
    ) -> Result<&'r AttributeValue> {
        // Projections are resolved without the values (GetItem has none).
        let values = self.values.filter(|_| kind != ExpressionKind::Projection);
        match values.and_then(|m| m.get_key_value(placeholder)) {
            Some((key, value)) => {
                if !self.used_values.contains(&key.as_str()) {
                    self.used_values.push(key);
                }
                Ok(value)
            }
            None => Err(DynamoError::validation(format!(
                "Invalid {}: An expression attribute name used in the document path is not \
                 defined; attribute name: {placeholder}",
                kind.name()
            ))),
        }
    }

    /// Fails if a name or value was given that no expression used (names first), listing the
    /// unused keys in the order the service does.
    pub fn finish(self) -> Result<()> {
        self.check_maps()?;
        if let Some(names) = self.names {
            unused("ExpressionAttributeNames", names.keys(), &self.used_names)?;
        }
        if let Some(values) = self.values {
            unused(
                "ExpressionAttributeValues",
                values.keys(),
                &self.used_values,
            )?;
        }
        Ok(())
    }
}

fn unused<'a>(
    parameter: &str,
    keys: impl ExactSizeIterator<Item = &'a String>,
    used: &[&str],
) -> Result<()> {
    let total = keys.len();
    if used.len() == total {
        return Ok(());
    }
    let mut unused: Vec<&str> = keys
        .map(String::as_str)
        .filter(|k| !used.contains(k))
        .collect();
    // The service copies the keys into a Java HashSet and removes the used ones: the order is
    // that set's. Keys sharing a bucket keep the request's order, which a HashMap has lost;
    // they are taken shortest first, then in string order, which is the request's order for
    // the usual numbered keys (`:k4` before `:k29`).
    unused.sort_unstable_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    java::sort_in_hash_order(&mut unused, java::copied_capacity(total), |k| {
        java::string_hash(k)
    });
    Err(DynamoError::validation(format!(
        "Value provided in {parameter} unused in expressions: keys: {{{}}}",
        unused.join(", ")
    )))
}

/// `#name` / `:name` keys: the sigil and one or more of `[a-zA-Z0-9_]`.
fn valid_key(key: &str, sigil: u8) -> bool {
    let bytes = key.as_bytes();
    bytes.len() > 1
        && bytes[0] == sigil
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// The keys in the order the service checks them: its request map's (a Java HashMap).
fn in_service_order<V>(map: &HashMap<String, V>) -> Vec<(&String, &V)> {
    let mut entries: Vec<(&String, &V)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(b.0)));
    java::sort_in_hash_order(&mut entries, java::grown_capacity(map.len()), |(k, _)| {
        java::string_hash(k)
    });
    entries
}

fn check_names(names: &HashMap<String, String>) -> Option<DynamoError> {
    if names.is_empty() {
        return Some(DynamoError::validation(
            "ExpressionAttributeNames must not be empty",
        ));
    }
    // The usual case, without ordering the keys.
    if names
        .iter()
        .all(|(key, name)| valid_key(key, b'#') && !name.is_empty())
    {
        return None;
    }
    for (key, name) in in_service_order(names) {
        if !valid_key(key, b'#') {
            return Some(DynamoError::validation(format!(
                "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\""
            )));
        }
        if name.is_empty() {
            return Some(DynamoError::validation(format!(
                "ExpressionAttributeNames contains invalid value: Empty attribute name for key \
                 {key}"
            )));
        }
    }
    None
}

fn check_values(values: &HashMap<String, AttributeValue>) -> Option<DynamoError> {
    if values.is_empty() {
        return Some(DynamoError::validation(
            "ExpressionAttributeValues must not be empty",
        ));
    }
    if values.keys().all(|key| valid_key(key, b':')) {
        return None;
    }
    in_service_order(values)
        .into_iter()
        .find(|(key, _)| !valid_key(key, b':'))
        .map(|(key, _)| {
            DynamoError::validation(format!(
                "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{key}\""
            ))
        })
}
