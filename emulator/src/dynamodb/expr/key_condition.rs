//! `KeyConditionExpression`: a condition, validated as any other, then checked against the
//! table's key schema in the service's order (established against DynamoDB Local):
//!
//! 1. A key attribute used with `.` or `[]` anywhere: "Key attributes must be scalars"
//!    (partition key first).
//! 2. Each term of the top-level `AND`s, left to right: an operator other than `=`, `<`,
//!    `<=`, `>`, `>=`, `BETWEEN`, `begins_with`; `size()`; no attribute, or a nested one, or
//!    two attributes; the attribute not first in `BETWEEN` / `begins_with`; an attribute
//!    that an earlier term already named.
//! 3. More than two terms.
//! 4. Against the schema: more terms than key attributes; no condition on the partition
//!    key; a partition-key value of the wrong type; a partition-key condition other than
//!    `=`; a second condition on something else than the sort key; a sort-key value of the
//!    wrong type.
//!
//! One deliberate difference: DynamoDB Local says "Query condition missed key schema
//! element"; the service names the element ("...: id"), and so do we.

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

fn error(message: &str) -> DynamoError {
    DynamoError::validation(message)
}

fn invalid_operator(operator: &str) -> DynamoError {
    DynamoError::validation(format!(
        "Invalid operator used in KeyConditionExpression: {operator}"
    ))
}

/// One condition on one key attribute.
struct KeyTerm<'c> {
    name: &'c str,
    sort: SortCondition,
}

fn flatten<'c>(cond: &'c Condition, terms: &mut Vec<&'c Condition>) {
    match cond {
        Condition::And(a, b) => {
            flatten(a, terms);
            flatten(b, terms);
        }
        other => terms.push(other),
    }
}

/// Step 2 for one term.
fn term(cond: &Condition) -> Result<KeyTerm<'_>> {
    let operands: Vec<&Operand> = match cond {
        Condition::Compare(Comparator::Ne, ..) => return Err(invalid_operator("<>")),
        Condition::Compare(_, a, b) | Condition::BeginsWith(a, b) => vec![a, b],
        Condition::Between(a, b, c) => vec![a, b, c],
        Condition::In(..) => return Err(invalid_operator("IN")),
        Condition::AttributeExists(_) => return Err(invalid_operator("attribute_exists")),
        Condition::AttributeNotExists(_) => return Err(invalid_operator("attribute_not_exists")),
        Condition::AttributeType(..) => return Err(invalid_operator("attribute_type")),
        Condition::Contains(..) => return Err(invalid_operator("contains")),
        Condition::Not(_) => return Err(invalid_operator("NOT")),
        Condition::Or(..) => return Err(invalid_operator("OR")),
        Condition::And(..) => unreachable!("flattened"),
    };
    if operands.iter().any(|op| matches!(op, Operand::Size(_))) {
        return Err(error(
            "KeyConditionExpressions cannot contain nested operations",
        ));
    }
    let mut paths = operands.iter().filter_map(|op| match op {
        Operand::Path(p) => Some(p),
        _ => None,
    });
    let Some(path) = paths.next() else {
        return Err(error(
            "Invalid condition in KeyConditionExpression: No key attribute specified",
        ));
    };
    if path.elements().len() > 1 {
        return Err(error(
            "KeyConditionExpressions cannot have conditions on nested attributes",
        ));
    }
    if paths.next().is_some() {
        return Err(error(
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one \
             condition",
        ));
    }
    let value = |op: &Operand| match op {
        Operand::Value(v) => v.clone(),
        // Step 2 left one path, and no size().
        _ => unreachable!("a value"),
    };
    let sort = match cond {
        Condition::Compare(cmp, a, b) => {
            // The key may stand on either side: `:v < k` is `k > :v`.
            let (v, cmp) = match (a, b) {
                (Operand::Path(_), v) => (value(v), *cmp),
                (v, _) => (value(v), flip(*cmp)),
            };
            match cmp {
                Comparator::Eq => SortCondition::Eq(v),
                Comparator::Lt => SortCondition::Lt(v),
                Comparator::Le => SortCondition::Le(v),
                Comparator::Gt => SortCondition::Gt(v),
                Comparator::Ge => SortCondition::Ge(v),
                Comparator::Ne => unreachable!("refused above"),
            }
        }
        Condition::Between(Operand::Path(_), low, high) => {
            SortCondition::Between(value(low), value(high))
        }
        Condition::BeginsWith(Operand::Path(_), prefix) => SortCondition::BeginsWith(value(prefix)),
        Condition::Between(..) => {
            return Err(error(
                "Invalid condition in KeyConditionExpression: BETWEEN operator must have the \
                 key attribute as its first operand",
            ));
        }
        _ => {
            return Err(error(
                "Invalid condition in KeyConditionExpression: begins_with operator must have \
                 the key attribute as its first operand",
            ));
        }
    };
    Ok(KeyTerm {
        name: path.head(),
        sort,
    })
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
    let keys: Vec<(&str, ScalarType)> = std::iter::once(&schema.partition)
        .chain(&schema.sort)
        .map(|k| (k.name.as_str(), k.attribute_type))
        .collect();

    // 1.
    for (key, _) in &keys {
        let mut nested = false;
        cond.visit_paths(&mut |p: &Path| nested |= p.head() == *key && p.elements().len() > 1);
        if nested {
            return Err(DynamoError::validation(format!(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are \
                 not allowed: Key: {key}"
            )));
        }
    }

    // 2. and 3., term by term.
    let mut conditions = Vec::with_capacity(2);
    flatten(cond, &mut conditions);
    let mut terms: Vec<KeyTerm<'_>> = Vec::with_capacity(conditions.len());
    for condition in conditions {
        let t = term(condition)?;
        if terms.iter().any(|u| u.name == t.name) {
            return Err(error(
                "KeyConditionExpressions must only contain one condition per key",
            ));
        }
        terms.push(t);
    }
    if terms.len() > 2 {
        return Err(error("Conditions can be of length 1 or 2 only"));
    }

    // 4.
    let not_supported = || error("Query key condition not supported");
    let mismatch = || {
        error(
            "One or more parameter values were invalid: Condition parameter type does not match \
             schema type",
        )
    };
    let missed = |name: &str| {
        DynamoError::validation(format!("Query condition missed key schema element: {name}"))
    };
    if terms.len() > keys.len() {
        return Err(not_supported());
    }
    let (partition_name, partition_type) = keys[0];
    let Some(i) = terms.iter().position(|t| t.name == partition_name) else {
        return Err(missed(partition_name));
    };
    let partition = terms.remove(i).sort;
    if values(&partition)
        .into_iter()
        .flatten()
        .any(|v| !type_matches(v, partition_type))
    {
        return Err(mismatch());
    }
    let SortCondition::Eq(partition) = partition else {
        return Err(not_supported());
    };
    let sort = match (terms.pop(), keys.get(1)) {
        (None, _) => None,
        (Some(t), Some(&(sort_name, sort_type))) if t.name == sort_name => {
            if values(&t.sort)
                .into_iter()
                .flatten()
                .any(|v| !type_matches(v, sort_type))
            {
                return Err(mismatch());
            }
            Some(t.sort)
        }
        (Some(_), Some(&(sort_name, _))) => return Err(missed(sort_name)),
        // More terms than keys was refused above.
        (Some(_), None) => return Err(not_supported()),
    };
    Ok(KeyCondition { partition, sort })
}
