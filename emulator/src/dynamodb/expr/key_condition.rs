//! `KeyConditionExpression`: a condition, validated as any other, then checked against the
//! table's key schema.

use super::super::catalog::{KeySchema, ScalarType};
use super::super::error::{DynamoError, Result};
use super::super::keys::SortKeyCondition;
use super::super::value::AttributeValue;
use super::ast::{Comparator, Condition, KeyCondition, Operand, Path, SortCondition};

impl KeyCondition {
    /// The sort-key condition in the form the key encoding takes.
    pub fn sort_condition(&self) -> Option<SortKeyCondition<'_>> {
        Some(match self.sort.as_ref()? {
            SortCondition::Eq(v) => SortKeyCondition::Eq(v),
            SortCondition::Lt(v) => SortKeyCondition::Lt(v),
            SortCondition::Le(v) => SortKeyCondition::Le(v),
            SortCondition::Gt(v) => SortKeyCondition::Gt(v),
            SortCondition::Ge(v) => SortKeyCondition::Ge(v),
            SortCondition::Between(lo, hi) => SortKeyCondition::Between(lo, hi),
            SortCondition::BeginsWith(v) => SortKeyCondition::BeginsWith(v),
        })
    }
}

fn invalid_operator(operator: &str) -> DynamoError {
    DynamoError::validation(format!(
        "Invalid operator used in KeyConditionExpression: {operator}"
    ))
}

/// One condition on one key attribute.
struct KeyTerm<'c> {
    path: &'c Path,
    sort: SortCondition,
}

/// The attribute and the condition of one term of the key condition.
fn term(cond: &Condition) -> Result<KeyTerm<'_>> {
    let nested =
        || DynamoError::validation("KeyConditionExpressions cannot contain nested operations");
    let value = |op: &Operand| match op {
        Operand::Value(v) => Some(v.clone()),
        _ => None,
    };
    let (path, sort) = match cond {
        Condition::Compare(Comparator::Ne, ..) => return Err(invalid_operator("<>")),
        Condition::Compare(cmp, a, b) => {
            // The key may stand on either side: `:v < k` is `k > :v`.
            let (path, v, cmp) = match (a, b) {
                (Operand::Path(p), other) => (p, other, *cmp),
                (other, Operand::Path(p)) => (p, other, flip(*cmp)),
                _ => return Err(nested()),
            };
            let v = value(v).ok_or_else(nested)?;
            let sort = match cmp {
                Comparator::Eq => SortCondition::Eq(v),
                Comparator::Lt => SortCondition::Lt(v),
                Comparator::Le => SortCondition::Le(v),
                Comparator::Gt => SortCondition::Gt(v),
                Comparator::Ge => SortCondition::Ge(v),
                Comparator::Ne => unreachable!("handled above"),
            };
            (path, sort)
        }
        Condition::Between(Operand::Path(p), lo, hi) => {
            let (Some(lo), Some(hi)) = (value(lo), value(hi)) else {
                return Err(nested());
            };
            (p, SortCondition::Between(lo, hi))
        }
        Condition::BeginsWith(Operand::Path(p), prefix) => (
            p,
            SortCondition::BeginsWith(value(prefix).ok_or_else(nested)?),
        ),
        Condition::Between(..) | Condition::BeginsWith(..) => return Err(nested()),
        Condition::In(..) => return Err(invalid_operator("IN")),
        Condition::AttributeExists(_) => return Err(invalid_operator("attribute_exists")),
        Condition::AttributeNotExists(_) => return Err(invalid_operator("attribute_not_exists")),
        Condition::AttributeType(..) => return Err(invalid_operator("attribute_type")),
        Condition::Contains(..) => return Err(invalid_operator("contains")),
        Condition::Not(_) => return Err(invalid_operator("NOT")),
        Condition::Or(..) => return Err(invalid_operator("OR")),
        Condition::And(..) => {
            return Err(DynamoError::validation(
                "KeyConditionExpressions must only contain one condition per key",
            ));
        }
    };
    if path.elements().len() > 1 {
        return Err(DynamoError::validation(format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not \
             allowed: Key: {}",
            path.head()
        )));
    }
    Ok(KeyTerm { path, sort })
}

fn flip(cmp: Comparator) -> Comparator {
    match cmp {
        Comparator::Lt => Comparator::Gt,
        Comparator::Le => Comparator::Ge,
        Comparator::Gt => Comparator::Lt,
        Comparator::Ge => Comparator::Le,
        other => other,
    }
}

fn type_matches(v: &AttributeValue, t: ScalarType) -> bool {
    matches!(
        (v, t),
        (AttributeValue::S(_), ScalarType::S)
            | (AttributeValue::N(_), ScalarType::N)
            | (AttributeValue::B(_), ScalarType::B)
    )
}

fn values(sort: &SortCondition) -> [Option<&AttributeValue>; 2] {
    match sort {
        SortCondition::Eq(v)
        | SortCondition::Lt(v)
        | SortCondition::Le(v)
        | SortCondition::Gt(v)
        | SortCondition::Ge(v)
        | SortCondition::BeginsWith(v) => [Some(v), None],
        SortCondition::Between(lo, hi) => [Some(lo), Some(hi)],
    }
}

/// Checks a validated condition against the key schema.
pub(crate) fn key_condition(cond: &Condition, schema: &KeySchema) -> Result<KeyCondition> {
    let terms = match cond {
        Condition::And(a, b) => vec![term(a)?, term(b)?],
        other => vec![term(other)?],
    };
    let missed = |name: &str| {
        DynamoError::validation(format!("Query condition missed key schema element: {name}"))
    };
    let partition_name = schema.partition.name.as_str();
    let sort_name = schema.sort.as_ref().map(|s| s.name.as_str());
    if terms.len() == 2 && terms[0].path.head() == terms[1].path.head() {
        return Err(DynamoError::validation(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    let mut partition = None;
    let mut sort = None;
    for term in terms {
        let name = term.path.head();
        if name == partition_name {
            partition = Some(term.sort);
        } else if Some(name) == sort_name {
            sort = Some(term.sort);
        } else {
            // A condition on something else: the key it should have named is missing.
            return Err(missed(if partition.is_none() {
                partition_name
            } else {
                sort_name.unwrap_or(partition_name)
            }));
        }
    }
    let Some(partition) = partition else {
        return Err(missed(partition_name));
    };
    let SortCondition::Eq(partition) = partition else {
        return Err(DynamoError::validation("Query key condition not supported"));
    };
    let mismatch = || {
        DynamoError::validation(
            "One or more parameter values were invalid: Condition parameter type does not match \
             schema type",
        )
    };
    if !type_matches(&partition, schema.partition.attribute_type) {
        return Err(mismatch());
    }
    if let (Some(sort), Some(key)) = (&sort, &schema.sort)
        && values(sort)
            .into_iter()
            .flatten()
            .any(|v| !type_matches(v, key.attribute_type))
    {
        return Err(mismatch());
    }
    Ok(KeyCondition { partition, sort })
}
