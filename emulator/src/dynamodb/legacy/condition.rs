//! One legacy `Condition` (an attribute name, a `ComparisonOperator` and its
//! `AttributeValueList`): the service's checks, and its translation into the expression AST.
//!
//! The checks, in the order DynamoDB Local makes them for each condition (conditions are
//! taken in request order, and the first problem is reported):
//! 1. the operator is one of the thirteen: "Comparison type does not exist in DynamoDB";
//! 2. the number of values (none for `NULL`/`NOT_NULL`, two for `BETWEEN`, at least one for
//!    `IN`, one otherwise): "Invalid number of argument(s) for the EQ ComparisonOperator";
//! 3. all values of one type;
//! 4. the type suits the operator: `EQ`/`NE` take any type; `CONTAINS`/`NOT_CONTAINS` a
//!    scalar (S, N, B, BOOL, NULL); `BEGINS_WITH` S or B; the others S, N or B;
//! 5. `BETWEEN` bounds in order.
//!
//! Evaluation matches the expression that each condition becomes, with one exception found
//! with DynamoDB Local: `NOT_CONTAINS` is false for a missing attribute (where
//! `NOT contains(a, :v)` is true), so it becomes `attribute_exists(a) AND NOT contains(..)`.

use std::cmp::Ordering;

use super::super::error::{DynamoError, Result};
use super::super::expr::{Comparator, Condition, Operand, Path};
use super::super::types::legacy;
use super::super::value::AttributeValue;

/// `ComparisonOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonOperator {
    Eq,
    Ne,
    Le,
    Lt,
    Ge,
    Gt,
    NotNull,
    Null,
    Contains,
    NotContains,
    BeginsWith,
    In,
    Between,
}

impl ComparisonOperator {
    pub fn from_wire(s: &str) -> Option<ComparisonOperator> {
        use ComparisonOperator as Op;
        Some(match s {
            "EQ" => Op::Eq,
            "NE" => Op::Ne,
            "LE" => Op::Le,
            "LT" => Op::Lt,
            "GE" => Op::Ge,
            "GT" => Op::Gt,
            "NOT_NULL" => Op::NotNull,
            "NULL" => Op::Null,
            "CONTAINS" => Op::Contains,
            "NOT_CONTAINS" => Op::NotContains,
            "BEGINS_WITH" => Op::BeginsWith,
            "IN" => Op::In,
            "BETWEEN" => Op::Between,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        use ComparisonOperator as Op;
        match self {
            Op::Eq => "EQ",
            Op::Ne => "NE",
            Op::Le => "LE",
            Op::Lt => "LT",
            Op::Ge => "GE",
            Op::Gt => "GT",
            Op::NotNull => "NOT_NULL",
            Op::Null => "NULL",
            Op::Contains => "CONTAINS",
            Op::NotContains => "NOT_CONTAINS",
            Op::BeginsWith => "BEGINS_WITH",
            Op::In => "IN",
            Op::Between => "BETWEEN",
        }
    }

    fn takes(self, count: usize) -> bool {
        use ComparisonOperator as Op;
        match self {
            Op::Null | Op::NotNull => count == 0,
            Op::Between => count == 2,
            Op::In => count >= 1,
            _ => count == 1,
        }
    }

    fn accepts(self, value: &AttributeValue) -> bool {
        use AttributeValue as V;
        use ComparisonOperator as Op;
        match self {
            Op::Eq | Op::Ne => true,
            Op::Contains | Op::NotContains => {
                matches!(value, V::S(_) | V::N(_) | V::B(_) | V::Bool(_) | V::Null)
            }
            Op::BeginsWith => matches!(value, V::S(_) | V::B(_)),
            _ => matches!(value, V::S(_) | V::N(_) | V::B(_)),
        }
    }
}

/// A condition that passed the checks: what the rest of the translation works from.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked<'r> {
    pub name: &'r str,
    pub operator: ComparisonOperator,
    pub values: &'r [AttributeValue],
}

/// The service's wrapping of a parameter's value error.
pub fn invalid(message: &str) -> DynamoError {
    DynamoError::validation(format!(
        "One or more parameter values were invalid: {message}"
    ))
}

/// The message for a `ComparisonOperator` that is missing or not one of the thirteen.
fn unknown_operator() -> DynamoError {
    DynamoError::validation("Comparison type does not exist in DynamoDB")
}

/// The argument-count message for `operator`.
fn wrong_count(operator: &str) -> DynamoError {
    invalid(&format!(
        "Invalid number of argument(s) for the {operator} ComparisonOperator"
    ))
}

/// Checks one condition (steps 1 to 5 of the module's list).
pub fn check<'r>(name: &'r str, condition: &'r legacy::Condition) -> Result<Checked<'r>> {
    check_parts(
        name,
        condition.comparison_operator.as_deref(),
        condition.attribute_value_list.as_deref().unwrap_or(&[]),
    )
}

/// Checks a condition given as its operator (as sent) and values.
pub fn check_parts<'r>(
    name: &'r str,
    operator: Option<&str>,
    values: &'r [AttributeValue],
) -> Result<Checked<'r>> {
    let operator = operator
        .and_then(ComparisonOperator::from_wire)
        .ok_or_else(unknown_operator)?;
    check_values(operator, values)?;
    Ok(Checked {
        name,
        operator,
        values,
    })
}

/// Steps 2 to 5 for an operator already known.
fn check_values(operator: ComparisonOperator, values: &[AttributeValue]) -> Result<()> {
    if !operator.takes(values.len()) {
        return Err(wrong_count(operator.as_str()));
    }
    if let Some((first, rest)) = values.split_first() {
        let kind = first.attribute_type();
        if rest.iter().any(|v| v.attribute_type() != kind) {
            return Err(invalid(
                "AttributeValues inside AttributeValueList must be of same type",
            ));
        }
        if !operator.accepts(first) {
            return Err(invalid(&format!(
                "ComparisonOperator {} is not valid for {} AttributeValue type",
                operator.as_str(),
                kind.descriptor()
            )));
        }
    }
    if let [low, high] = values
        && operator == ComparisonOperator::Between
        && order(low, high) == Some(Ordering::Greater)
    {
        return Err(DynamoError::validation(
            "The BETWEEN condition was provided a range where the lower bound is greater than \
             the upper bound",
        ));
    }
    Ok(())
}

/// The order of two scalars of one type, as the service sorts them.
fn order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(a), AttributeValue::N(b)) => Some(a.cmp(b)),
        (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

impl Checked<'_> {
    /// The expression the condition stands for, on the top-level attribute it names.
    pub fn to_condition(&self) -> Condition {
        use ComparisonOperator as Op;
        let path = || Path::attribute(self.name);
        let attribute = || Operand::Path(path());
        let value = |i: usize| Operand::Value(self.values[i].clone());
        let compare = |cmp| Condition::Compare(cmp, attribute(), value(0));
        match self.operator {
            Op::Eq => compare(Comparator::Eq),
            Op::Ne => compare(Comparator::Ne),
            Op::Le => compare(Comparator::Le),
            Op::Lt => compare(Comparator::Lt),
            Op::Ge => compare(Comparator::Ge),
            Op::Gt => compare(Comparator::Gt),
            Op::NotNull => Condition::AttributeExists(path()),
            Op::Null => Condition::AttributeNotExists(path()),
            Op::Contains => Condition::Contains(attribute(), value(0)),
            Op::NotContains => Condition::And(
                Box::new(Condition::AttributeExists(path())),
                Box::new(Condition::Not(Box::new(Condition::Contains(
                    attribute(),
                    value(0),
                )))),
            ),
            Op::BeginsWith => Condition::BeginsWith(attribute(), value(0)),
            Op::In => Condition::In(
                attribute(),
                self.values.iter().cloned().map(Operand::Value).collect(),
            ),
            Op::Between => Condition::Between(attribute(), value(0), value(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::value::{Item, Number};

    fn n(s: &str) -> AttributeValue {
        AttributeValue::N(s.parse::<Number>().unwrap())
    }

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    fn condition(op: &str, values: Vec<AttributeValue>) -> legacy::Condition {
        legacy::Condition {
            attribute_value_list: Some(values),
            comparison_operator: Some(op.into()),
        }
    }

    fn error(op: &str, values: Vec<AttributeValue>) -> String {
        check("a", &condition(op, values)).unwrap_err().message
    }

    #[test]
    fn argument_counts_follow_the_operator() {
        let cases: [(&str, usize, bool); 10] = [
            ("NULL", 0, true),
            ("NULL", 1, false),
            ("NOT_NULL", 0, true),
            ("EQ", 0, false),
            ("EQ", 1, true),
            ("EQ", 2, false),
            ("IN", 0, false),
            ("IN", 3, true),
            ("BETWEEN", 1, false),
            ("BETWEEN", 2, true),
        ];
        for (op, count, ok) in cases {
            let values: Vec<AttributeValue> = (0..count).map(|i| n(&i.to_string())).collect();
            let c = condition(op, values);
            let result = check("a", &c);
            assert_eq!(result.is_ok(), ok, "{op} with {count}");
            if !ok {
                assert_eq!(
                    result.unwrap_err().message,
                    format!(
                        "One or more parameter values were invalid: Invalid number of \
                         argument(s) for the {op} ComparisonOperator"
                    )
                );
            }
        }
        // A missing list is an empty one.
        let missing = legacy::Condition {
            attribute_value_list: None,
            comparison_operator: Some("EQ".into()),
        };
        assert!(check("a", &missing).is_err());
    }

    #[test]
    fn operators_must_exist() {
        for op in [None, Some("FOO"), Some("eq")] {
            let c = legacy::Condition {
                attribute_value_list: None,
                comparison_operator: op.map(str::to_owned),
            };
            assert_eq!(
                check("a", &c).unwrap_err().message,
                "Comparison type does not exist in DynamoDB"
            );
        }
    }

    #[test]
    fn value_types_must_suit_the_operator() {
        assert_eq!(
            error("IN", vec![n("1"), s("x")]),
            "One or more parameter values were invalid: AttributeValues inside \
             AttributeValueList must be of same type"
        );
        assert_eq!(
            error("LT", vec![AttributeValue::Ss(vec!["a".into()])]),
            "One or more parameter values were invalid: ComparisonOperator LT is not valid \
             for SS AttributeValue type"
        );
        assert_eq!(
            error("BEGINS_WITH", vec![n("1")]),
            "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not \
             valid for N AttributeValue type"
        );
        assert_eq!(
            error("CONTAINS", vec![AttributeValue::L(vec![])]),
            "One or more parameter values were invalid: ComparisonOperator CONTAINS is not \
             valid for L AttributeValue type"
        );
        assert!(
            check(
                "a",
                &condition("CONTAINS", vec![AttributeValue::Bool(true)])
            )
            .is_ok()
        );
        assert!(check("a", &condition("EQ", vec![AttributeValue::M(Item::new())])).is_ok());
        assert!(check("a", &condition("IN", vec![AttributeValue::Null])).is_err());
        assert_eq!(
            error("BETWEEN", vec![n("3"), n("1")]),
            "The BETWEEN condition was provided a range where the lower bound is greater than \
             the upper bound"
        );
        assert!(check("a", &condition("BETWEEN", vec![s("a"), s("a")])).is_ok());
    }

    fn holds(op: &str, values: Vec<AttributeValue>, item: &Item) -> bool {
        check("a", &condition(op, values))
            .unwrap()
            .to_condition()
            .evaluate(item)
    }

    #[test]
    fn translations_evaluate_as_the_service_does() {
        let mut item = Item::new();
        item.insert("a".into(), n("10"));
        let empty = Item::new();
        assert!(holds("EQ", vec![n("1E1")], &item));
        assert!(!holds("EQ", vec![n("1")], &empty));
        assert!(holds("NE", vec![n("1")], &empty));
        assert!(holds("GE", vec![n("10")], &item));
        assert!(!holds("LT", vec![s("z")], &item));
        assert!(holds("NOT_NULL", vec![], &item));
        assert!(holds("NULL", vec![], &empty));
        assert!(holds("IN", vec![n("3"), n("10")], &item));
        assert!(holds("BETWEEN", vec![n("10"), n("11")], &item));
        // NOT_CONTAINS needs the attribute; of another type it holds.
        assert!(!holds("NOT_CONTAINS", vec![s("x")], &empty));
        assert!(holds("NOT_CONTAINS", vec![s("x")], &item));
        let mut text = Item::new();
        text.insert("a".into(), s("str1"));
        assert!(holds("BEGINS_WITH", vec![s("st")], &text));
        assert!(holds("CONTAINS", vec![s("r1")], &text));
        assert!(!holds("NOT_CONTAINS", vec![s("r1")], &text));
    }
}
