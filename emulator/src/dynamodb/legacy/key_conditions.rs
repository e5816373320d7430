//! `KeyConditions` → [`KeyCondition`], with the service's checks in DynamoDB Local's order:
//!
//! 1. every condition on its own ([`condition::check`]), in request order;
//! 2. one or two conditions: "Conditions must be at least length 1", "Conditions can be of
//!    length 1 or 2 only";
//! 3. the partition key's condition: missing ("Query condition missed key schema element"),
//!    without a value ("Only scalar types can be used as Hash Key values"), a value of the
//!    wrong type, an operator other than `EQ` ("Query key condition not supported");
//! 4. the other condition: on a table without a sort key "Query key condition not
//!    supported"; on another attribute than the sort key "missed key schema element";
//!    without a value ("... Range Key values"), a value of the wrong type, an operator that
//!    cannot select a key range (`NE`, `IN`, `CONTAINS`, `NOT_CONTAINS`: "Attempted
//!    conditional constraint is not an indexable operation").
//!
//! DynamoDB Local fails `NE` on a sort key with an internal error; the emulator gives it the
//! answer of the other operators that select no range.

use super::super::catalog::{KeyAttribute, KeySchema, ScalarType};
use super::super::error::{DynamoError, Result};
use super::super::expr::{KeyCondition, SortCondition};
use super::super::types::legacy::Conditions;
use super::super::value::AttributeValue;
use super::condition::{self, Checked, ComparisonOperator};

fn error(message: &str) -> DynamoError {
    DynamoError::validation(message)
}

fn missed() -> DynamoError {
    error("Query condition missed key schema element")
}

fn not_supported() -> DynamoError {
    error("Query key condition not supported")
}

/// Checks `KeyConditions` against the key schema of the table or index queried.
pub fn key_condition(conditions: &Conditions, schema: &KeySchema) -> Result<KeyCondition> {
    let checked = conditions
        .iter()
        .map(|(name, c)| condition::check(name, c))
        .collect::<Result<Vec<Checked<'_>>>>()?;
    match checked.len() {
        0 => return Err(error("Conditions must be at least length 1")),
        1 | 2 => {}
        _ => return Err(error("Conditions can be of length 1 or 2 only")),
    }
    let partition_key = &schema.partition;
    let Some(at) = checked.iter().position(|c| c.name == partition_key.name) else {
        return Err(missed());
    };
    let partition = &checked[at];
    let value = key_value(partition, partition_key, "Hash")?;
    if partition.operator != ComparisonOperator::Eq {
        return Err(not_supported());
    }
    let partition = value.clone();
    let Some(other) = checked.iter().enumerate().find(|(i, _)| *i != at) else {
        return Ok(KeyCondition {
            partition,
            sort: None,
        });
    };
    let other = other.1;
    let Some(sort_key) = &schema.sort else {
        return Err(not_supported());
    };
    if other.name != sort_key.name {
        return Err(missed());
    }
    key_value(other, sort_key, "Range")?;
    let values = other.values;
    let sort = match other.operator {
        ComparisonOperator::Eq => SortCondition::Eq(values[0].clone()),
        ComparisonOperator::Lt => SortCondition::Lt(values[0].clone()),
        ComparisonOperator::Le => SortCondition::Le(values[0].clone()),
        ComparisonOperator::Gt => SortCondition::Gt(values[0].clone()),
        ComparisonOperator::Ge => SortCondition::Ge(values[0].clone()),
        ComparisonOperator::BeginsWith => SortCondition::BeginsWith(values[0].clone()),
        ComparisonOperator::Between => SortCondition::Between(values[0].clone(), values[1].clone()),
        _ => {
            return Err(error(
                "Attempted conditional constraint is not an indexable operation",
            ));
        }
    };
    Ok(KeyCondition {
        partition,
        sort: Some(sort),
    })
}

/// The first value of a key's condition, which must have one of the key's type. `role` is
/// "Hash" or "Range", as the service names the key.
fn key_value<'c>(
    checked: &'c Checked<'_>,
    key: &KeyAttribute,
    role: &str,
) -> Result<&'c AttributeValue> {
    let Some(first) = checked.values.first() else {
        return Err(DynamoError::validation(format!(
            "Only scalar types can be used as {role} Key values"
        )));
    };
    let matches = matches!(
        (first, key.attribute_type),
        (AttributeValue::S(_), ScalarType::S)
            | (AttributeValue::N(_), ScalarType::N)
            | (AttributeValue::B(_), ScalarType::B)
    );
    if !matches {
        return Err(error(
            "One or more parameter values were invalid: Condition parameter type does not \
             match schema type",
        ));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(sort: bool) -> KeySchema {
        KeySchema {
            partition: KeyAttribute {
                name: "pk".into(),
                attribute_type: ScalarType::S,
            },
            sort: sort.then(|| KeyAttribute {
                name: "sk".into(),
                attribute_type: ScalarType::N,
            }),
        }
    }

    fn conditions(json: &str) -> Conditions {
        serde_json::from_str(json).unwrap()
    }

    fn check(json: &str, sort: bool) -> Result<KeyCondition> {
        key_condition(&conditions(json), &schema(sort))
    }

    fn error_of(json: &str, sort: bool) -> String {
        check(json, sort).unwrap_err().message
    }

    const PK: &str = r#""pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}"#;

    #[test]
    fn a_partition_equality_and_a_sort_range_translate() {
        let kc = check(&format!("{{{PK}}}"), true).unwrap();
        assert_eq!(kc.partition, AttributeValue::S("a".into()));
        assert_eq!(kc.sort, None);
        let kc = check(
            &format!(
                r#"{{"sk":{{"ComparisonOperator":"BETWEEN","AttributeValueList":[{{"N":"1"}},{{"N":"2"}}]}},{PK}}}"#
            ),
            true,
        )
        .unwrap();
        assert!(matches!(kc.sort, Some(SortCondition::Between(..))));
    }

    #[test]
    fn errors_come_in_the_service_order() {
        assert_eq!(error_of("{}", true), "Conditions must be at least length 1");
        assert_eq!(
            error_of(
                &format!(
                    r#"{{{PK},"sk":{{"ComparisonOperator":"NULL"}},"n":{{"ComparisonOperator":"NULL"}}}}"#
                ),
                true
            ),
            "Conditions can be of length 1 or 2 only"
        );
        assert_eq!(
            error_of(
                r#"{"sk":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}}"#,
                true
            ),
            "Query condition missed key schema element"
        );
        assert_eq!(
            error_of(r#"{"pk":{"ComparisonOperator":"NOT_NULL"}}"#, true),
            "Only scalar types can be used as Hash Key values"
        );
        // The partition key's type is checked before its operator.
        assert_eq!(
            error_of(
                r#"{"pk":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"1"}]}}"#,
                true
            ),
            "One or more parameter values were invalid: Condition parameter type does not \
             match schema type"
        );
        assert_eq!(
            error_of(
                r#"{"n":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]},"pk":{"ComparisonOperator":"GT","AttributeValueList":[{"S":"1"}]}}"#,
                true
            ),
            "Query key condition not supported"
        );
        assert_eq!(
            error_of(
                &format!(
                    r#"{{{PK},"n":{{"ComparisonOperator":"EQ","AttributeValueList":[{{"N":"1"}}]}}}}"#
                ),
                false
            ),
            "Query key condition not supported"
        );
        assert_eq!(
            error_of(
                &format!(
                    r#"{{{PK},"n":{{"ComparisonOperator":"EQ","AttributeValueList":[{{"N":"1"}}]}}}}"#
                ),
                true
            ),
            "Query condition missed key schema element"
        );
        assert_eq!(
            error_of(
                &format!(r#"{{{PK},"sk":{{"ComparisonOperator":"NULL"}}}}"#),
                true
            ),
            "Only scalar types can be used as Range Key values"
        );
        for op in ["IN", "NE", "CONTAINS", "NOT_CONTAINS"] {
            assert_eq!(
                error_of(
                    &format!(
                        r#"{{{PK},"sk":{{"ComparisonOperator":"{op}","AttributeValueList":[{{"N":"1"}}]}}}}"#
                    ),
                    true
                ),
                "Attempted conditional constraint is not an indexable operation"
            );
        }
        assert_eq!(
            error_of(
                &format!(
                    r#"{{{PK},"sk":{{"ComparisonOperator":"IN","AttributeValueList":[{{"S":"1"}}]}}}}"#
                ),
                true
            ),
            "One or more parameter values were invalid: Condition parameter type does not \
             match schema type"
        );
    }
}
