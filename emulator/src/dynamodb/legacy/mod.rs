//! The legacy (pre-expression) parameters, translated into the expression AST when a request
//! is decoded, so that evaluation, projection, capacity and everything after run on one path:
//!
//! | parameter | becomes |
//! |---|---|
//! | `AttributesToGet` | a [`Projection`] of top-level attributes ([`attributes_to_get`]) |
//! | `QueryFilter`, `ScanFilter` with `ConditionalOperator` | a filter [`Condition`] ([`filter`]) |
//! | `KeyConditions` | a [`KeyCondition`](super::expr::KeyCondition) ([`key_condition`]) |
//! | `Expected` with `ConditionalOperator` | a condition [`Condition`] ([`expected`]) |
//! | `AttributeUpdates` | an [`UpdateExpression`](super::expr::UpdateExpression) ([`attribute_updates`], applied with [`apply_updates`]) |
//!
//! Which parameters may go together is `item::check_parameter_use`'s: a legacy parameter and
//! an expression parameter of the same request are refused ("Can not use both expression and
//! non-expression parameters in the same request"), except `KeyConditions`, which the
//! service lets go with `FilterExpression` and `ProjectionExpression`.
//!
//! Texts and their order were taken from DynamoDB Local; where it fails with an internal
//! error, the emulator answers what the service's front end does (documented at each place).

mod attribute_updates;
mod condition;
mod expected;
mod key_conditions;

pub use attribute_updates::{apply_updates, attribute_updates};
pub use expected::expected;
pub use key_conditions::key_condition;

use super::error::{DynamoError, Result};
use super::expr::{Condition, Path, Projection};
use super::item::Violations;
use super::types::legacy::Conditions;

/// `ConditionalOperator`: how the entries of a filter or of `Expected` combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConditionalOperator {
    #[default]
    And,
    Or,
}

impl ConditionalOperator {
    /// The member's value, pushing a violation for one outside the enum. DynamoDB Local
    /// fails such a value with an internal error; the service's front end refuses it with
    /// its enum constraint, listing the values in this order.
    pub fn parse(value: Option<&str>, v: &mut Violations) -> Option<ConditionalOperator> {
        v.enumeration(value, "conditionalOperator", "[OR, AND]", |s| match s {
            "AND" => Some(Some(ConditionalOperator::And)),
            "OR" => Some(Some(ConditionalOperator::Or)),
            _ => None,
        })
    }

    fn combine(self, a: Condition, b: Condition) -> Condition {
        match self {
            ConditionalOperator::And => Condition::And(Box::new(a), Box::new(b)),
            ConditionalOperator::Or => Condition::Or(Box::new(a), Box::new(b)),
        }
    }
}

/// A legacy map or list counts as sent only with entries, as DynamoDB Local treats it (an
/// empty `QueryFilter` goes with a `FilterExpression`).
pub fn has_entries<T>(map: Option<&super::types::legacy::OrderedMap<T>>) -> bool {
    map.is_some_and(|m| !m.is_empty())
}

/// The service's check that `ConditionalOperator` qualifies two or more entries of the
/// filter or `Expected` (`entries`: their number, 0 when the member is absent).
fn check_conditional_operator(operator_sent: bool, entries: usize) -> Result<()> {
    if !operator_sent {
        return Ok(());
    }
    match entries {
        0 => Err(DynamoError::validation(
            "ConditionalOperator cannot be used without Filter or Expected",
        )),
        1 => Err(DynamoError::validation(
            "ConditionalOperator can only be used when Filter or Expected has two or more \
             elements",
        )),
        _ => Ok(()),
    }
}

/// `QueryFilter` or `ScanFilter` with the request's `ConditionalOperator`: each condition
/// checked in request order, then the operator's use, then the conditions joined by the
/// operator (AND when absent). `None` when there is no filter.
pub fn filter(
    conditions: Option<&Conditions>,
    operator: Option<ConditionalOperator>,
) -> Result<Option<Condition>> {
    let conditions = conditions
        .map(|c| {
            c.iter()
                .map(|(name, condition)| Ok(condition::check(name, condition)?.to_condition()))
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    join(conditions, operator)
}

/// The checked entries of a filter or of `Expected` joined by `ConditionalOperator`, after
/// the service's check of its use.
fn join(
    conditions: Vec<Condition>,
    operator: Option<ConditionalOperator>,
) -> Result<Option<Condition>> {
    check_conditional_operator(operator.is_some(), conditions.len())?;
    let operator = operator.unwrap_or_default();
    Ok(conditions.into_iter().reduce(|a, b| operator.combine(a, b)))
}

/// The message Query gives for a `QueryFilter` on a key attribute of what it reads.
pub fn query_filter_on_key(name: &str) -> DynamoError {
    DynamoError::validation(format!(
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: {name}"
    ))
}

/// `AttributesToGet` as a projection of top-level attributes (a name such as `a.b` is one
/// attribute's name, not a path). `None` when absent or empty (DynamoDB Local ignores an
/// empty list). A name given twice is refused with `duplicate`'s message.
pub fn attributes_to_get(
    names: Option<&[String]>,
    duplicate: impl FnOnce(&str) -> DynamoError,
) -> Result<Option<Projection>> {
    let Some(names) = names.filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(duplicate(name));
        }
    }
    Ok(Some(Projection::new(
        names.iter().map(|n| Path::attribute(n.as_str())).collect(),
    )))
}

/// The duplicate-name message of GetItem, Query and Scan.
pub fn same_name_twice(_: &str) -> DynamoError {
    DynamoError::validation("Cannot have two attributes with the same name")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::value::{AttributeValue, Item, Number};

    fn conditions(json: &str) -> Conditions {
        serde_json::from_str(json).unwrap()
    }

    fn item(pairs: &[(&str, i64)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    (*k).to_owned(),
                    AttributeValue::N(v.to_string().parse::<Number>().unwrap()),
                )
            })
            .collect()
    }

    const TWO: &str = r#"{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]},
                          "b":{"ComparisonOperator":"NOT_NULL"}}"#;

    #[test]
    fn filters_join_their_conditions() {
        let and = filter(Some(&conditions(TWO)), None).unwrap().unwrap();
        assert!(and.evaluate(&item(&[("a", 1), ("b", 0)])));
        assert!(!and.evaluate(&item(&[("a", 1)])));
        let or = filter(Some(&conditions(TWO)), Some(ConditionalOperator::Or))
            .unwrap()
            .unwrap();
        assert!(or.evaluate(&item(&[("a", 1)])));
        assert!(or.evaluate(&item(&[("b", 5)])));
        assert!(!or.evaluate(&item(&[("c", 5)])));
        assert_eq!(filter(None, None).unwrap(), None);
        assert_eq!(filter(Some(&conditions("{}")), None).unwrap(), None);
    }

    #[test]
    fn the_conditional_operator_needs_two_conditions() {
        let or = Some(ConditionalOperator::Or);
        assert_eq!(
            filter(None, or).unwrap_err().message,
            "ConditionalOperator cannot be used without Filter or Expected"
        );
        assert_eq!(
            filter(
                Some(&conditions(r#"{"a":{"ComparisonOperator":"NULL"}}"#)),
                Some(ConditionalOperator::And)
            )
            .unwrap_err()
            .message,
            "ConditionalOperator can only be used when Filter or Expected has two or more \
             elements"
        );
        // A bad condition is reported before the operator's use.
        assert_eq!(
            filter(
                Some(&conditions(r#"{"a":{"ComparisonOperator":"EQ"}}"#)),
                or
            )
            .unwrap_err()
            .message,
            "One or more parameter values were invalid: Invalid number of argument(s) for the \
             EQ ComparisonOperator"
        );
        let mut v = Violations::new();
        assert_eq!(ConditionalOperator::parse(Some("XOR"), &mut v), None);
        assert_eq!(
            v.into_result().unwrap_err().message,
            "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to \
             satisfy constraint: Member must satisfy enum value set: [OR, AND]"
        );
    }

    #[test]
    fn conditions_are_checked_in_request_order() {
        let c = conditions(
            r#"{"b":{"ComparisonOperator":"GT","AttributeValueList":[{"SS":["x"]}]},
                "a":{"ComparisonOperator":"EQ"}}"#,
        );
        assert_eq!(
            filter(Some(&c), None).unwrap_err().message,
            "One or more parameter values were invalid: ComparisonOperator GT is not valid for \
             SS AttributeValue type"
        );
    }

    #[test]
    fn attributes_to_get_projects_top_level_names() {
        let names = vec!["a.b".to_owned(), "c".to_owned()];
        let projection = attributes_to_get(Some(&names), same_name_twice)
            .unwrap()
            .unwrap();
        let mut it = Item::new();
        it.insert("a.b".into(), AttributeValue::Bool(true));
        it.insert("a".into(), AttributeValue::Bool(false));
        let projected = projection.apply(&it);
        assert_eq!(projected.keys().collect::<Vec<_>>(), ["a.b"]);
        assert_eq!(attributes_to_get(Some(&[]), same_name_twice).unwrap(), None);
        let twice = vec!["c".to_owned(), "c".to_owned()];
        assert_eq!(
            attributes_to_get(Some(&twice), same_name_twice)
                .unwrap_err()
                .message,
            "Cannot have two attributes with the same name"
        );
    }
}
