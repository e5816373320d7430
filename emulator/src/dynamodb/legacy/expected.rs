//! `Expected` (PutItem, UpdateItem, DeleteItem) → a condition [`Condition`].
//!
//! Each entry, in request order, is one of three forms, checked as DynamoDB Local checks it:
//! 1. `Value` and `AttributeValueList` together are refused;
//! 2. with a `ComparisonOperator`: no `Exists` beside it, a `Value` or an
//!    `AttributeValueList` unless the operator is `NULL`/`NOT_NULL` ("Value or
//!    AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a"), then the
//!    checks of a filter condition, `Value` counting as a list of one;
//! 3. otherwise no `AttributeValueList`; `Exists` (true when absent) needs a `Value`, and
//!    `Exists: false` refuses one.
//!
//! `Exists: false` becomes `attribute_not_exists(a)`, a `Value` `a = :v`. The entries are
//! joined by `ConditionalOperator` (AND when absent), which needs two or more of them.

use std::slice;

use super::super::error::Result;
use super::super::expr::{Comparator, Condition, Operand, Path};
use super::super::types::legacy::{ExpectedAttributeValue, ExpectedAttributes};
use super::ConditionalOperator;
use super::condition::{self, invalid};

/// The condition `Expected` stands for; `None` when absent or empty.
pub fn expected(
    expected: Option<&ExpectedAttributes>,
    operator: Option<ConditionalOperator>,
) -> Result<Option<Condition>> {
    let conditions = expected
        .map(|e| {
            e.iter()
                .map(|(name, entry)| entry_condition(name, entry))
                .collect::<Result<Vec<Condition>>>()
        })
        .transpose()?
        .unwrap_or_default();
    super::join(conditions, operator)
}

fn entry_condition(name: &str, entry: &ExpectedAttributeValue) -> Result<Condition> {
    let for_attribute = |message: &str| invalid(&format!("{message} for Attribute: {name}"));
    if entry.value.is_some() && entry.attribute_value_list.is_some() {
        return Err(for_attribute(
            "Value and AttributeValueList cannot be used together",
        ));
    }
    if let Some(operator) = entry.comparison_operator.as_deref() {
        if entry.exists.is_some() {
            return Err(for_attribute(
                "Exists and ComparisonOperator cannot be used together",
            ));
        }
        let values = match (&entry.value, &entry.attribute_value_list) {
            (Some(value), _) => slice::from_ref(value),
            (None, Some(list)) => list.as_slice(),
            (None, None) if matches!(operator, "NULL" | "NOT_NULL") => &[],
            (None, None) => {
                return Err(for_attribute(&format!(
                    "Value or AttributeValueList must be used with ComparisonOperator: {operator}"
                )));
            }
        };
        return Ok(condition::check_parts(name, Some(operator), values)?.to_condition());
    }
    if entry.attribute_value_list.is_some() {
        return Err(for_attribute(
            "AttributeValueList can only be used with a ComparisonOperator",
        ));
    }
    match (entry.exists, &entry.value) {
        (Some(false), None) => Ok(Condition::AttributeNotExists(Path::attribute(name))),
        (Some(false), Some(_)) => Err(for_attribute("Value cannot be used when Exists is false")),
        (exists, None) => Err(for_attribute(&format!(
            "Value must be provided when Exists is {}",
            if exists.is_some() { "true" } else { "null" }
        ))),
        (_, Some(value)) => Ok(Condition::Compare(
            Comparator::Eq,
            Operand::Path(Path::attribute(name)),
            Operand::Value(value.clone()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::value::{AttributeValue, Item};

    fn parse(json: &str) -> ExpectedAttributes {
        serde_json::from_str(json).unwrap()
    }

    fn condition(json: &str, operator: Option<ConditionalOperator>) -> Result<Option<Condition>> {
        expected(Some(&parse(json)), operator)
    }

    fn error(json: &str) -> String {
        condition(json, None).unwrap_err().message
    }

    #[test]
    fn each_form_is_checked() {
        let invalid = "One or more parameter values were invalid: ";
        let cases = [
            (
                r#"{"a":{"Value":{"N":"1"},"AttributeValueList":[{"N":"1"}]}}"#,
                "Value and AttributeValueList cannot be used together for Attribute: a",
            ),
            (
                r#"{"a":{"Exists":true,"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}}"#,
                "Exists and ComparisonOperator cannot be used together for Attribute: a",
            ),
            (
                r#"{"a":{"ComparisonOperator":"FOO"}}"#,
                "Value or AttributeValueList must be used with ComparisonOperator: FOO for \
                 Attribute: a",
            ),
            (
                r#"{"a":{"Exists":false,"AttributeValueList":[{"N":"1"}]}}"#,
                "AttributeValueList can only be used with a ComparisonOperator for Attribute: a",
            ),
            (
                r#"{"a":{"Exists":true}}"#,
                "Value must be provided when Exists is true for Attribute: a",
            ),
            (
                r#"{"a":{}}"#,
                "Value must be provided when Exists is null for Attribute: a",
            ),
            (
                r#"{"a":{"Exists":false,"Value":{"N":"1"}}}"#,
                "Value cannot be used when Exists is false for Attribute: a",
            ),
            (
                r#"{"a":{"ComparisonOperator":"BETWEEN","Value":{"N":"1"}}}"#,
                "Invalid number of argument(s) for the BETWEEN ComparisonOperator",
            ),
        ];
        for (json, message) in cases {
            assert_eq!(error(json), format!("{invalid}{message}"), "{json}");
        }
        assert_eq!(
            error(r#"{"a":{"ComparisonOperator":"FOO","Value":{"N":"1"}}}"#),
            "Comparison type does not exist in DynamoDB"
        );
        // Entries are checked in request order.
        assert_eq!(
            error(r#"{"b":{"Exists":true},"a":{}}"#),
            format!("{invalid}Value must be provided when Exists is true for Attribute: b")
        );
    }

    #[test]
    fn entries_evaluate_as_the_service_does() {
        let mut item = Item::new();
        item.insert("n".into(), AttributeValue::N("1".parse().unwrap()));
        let holds = |json: &str, op| condition(json, op).unwrap().unwrap().evaluate(&item);
        assert!(holds(r#"{"n":{"Value":{"N":"1"}}}"#, None));
        assert!(holds(r#"{"n":{"Exists":true,"Value":{"N":"1"}}}"#, None));
        assert!(!holds(r#"{"n":{"Value":{"N":"2"}}}"#, None));
        assert!(holds(r#"{"z":{"Exists":false}}"#, None));
        assert!(!holds(r#"{"n":{"Exists":false}}"#, None));
        assert!(holds(
            r#"{"n":{"ComparisonOperator":"IN","Value":{"N":"1"}}}"#,
            None
        ));
        assert!(holds(r#"{"n":{"ComparisonOperator":"NOT_NULL"}}"#, None));
        let two = r#"{"n":{"Exists":false},"z":{"Exists":false}}"#;
        assert!(!holds(two, None));
        assert!(holds(two, Some(ConditionalOperator::Or)));
        assert_eq!(condition("{}", None).unwrap(), None);
        assert_eq!(
            condition(r#"{"n":{"Exists":false}}"#, Some(ConditionalOperator::Or))
                .unwrap_err()
                .message,
            "ConditionalOperator can only be used when Filter or Expected has two or more \
             elements"
        );
        assert_eq!(
            expected(None, Some(ConditionalOperator::And))
                .unwrap_err()
                .message,
            "ConditionalOperator cannot be used without Filter or Expected"
        );
    }
}
