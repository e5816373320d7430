//! Applying update expressions to an item, as the service does (checked against DynamoDB
//! Local):
//! - every value is computed from the item as it was before the update (`SET a = :v, b = a`
//!   gives `b` the old `a`); both operands of `+`, `-` and `list_append` are evaluated, then
//!   checked left to right (missing, then of the wrong type), and the fallback of
//!   `if_not_exists` must resolve even when it is not used;
//! - `SET` on a list index past the end appends; several such appends to one list go in
//!   index order;
//! - list indexes of `REMOVE` refer to the list before the update: `REMOVE l[0], l[2]`
//!   removes the first and third elements, and an index the list did not have is ignored even
//!   when a `SET` of the same update appends there;
//! - a written path whose parent does not exist, or is not a map (for `.name`) or a list
//!   (for `[i]`), fails the update; a `REMOVE` or `DELETE` of a missing last element does
//!   nothing;
//! - `ADD` adds to a number or unites sets, creating the attribute when missing; `DELETE`
//!   takes elements out of a set, and removes the attribute when none remain.

use std::cmp::Reverse;

use super::super::catalog::KeySchema;
use super::super::error::{DynamoError, Result};
use super::super::number::Number;
use super::super::value::{AttributeValue, Item};
use super::ast::{
    Path, PathElement, SetValue, UpdateAction, UpdateExpression, UpdateOperand, step,
};

fn missing_attribute() -> DynamoError {
    DynamoError::validation(
        "The provided expression refers to an attribute that does not exist in the item",
    )
}

/// The text of an update whose operand has the wrong type for the stored value.
pub const OPERAND_TYPE_ERROR: &str =
    "An operand in the update expression has an incorrect data type";

fn wrong_type() -> DynamoError {
    DynamoError::validation(OPERAND_TYPE_ERROR)
}

fn invalid_path() -> DynamoError {
    DynamoError::validation(
        "The document path provided in the update expression is invalid for update",
    )
}

/// The paths an update wrote, for `ReturnValues` `UPDATED_OLD` and `UPDATED_NEW`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdatedPaths {
    paths: Vec<Path>,
}

impl UpdatedPaths {
    /// The paths of the update's actions, in the order written.
    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    /// The attributes to return from `item` (the old or the new one): each top-level
    /// attribute, whole, for which some written path resolves in `item`. This is what
    /// DynamoDB Local answers: `SET m.q = :v` returns all of `m`, and `SET l[5] = :v` on a
    /// shorter list returns nothing, as `l[5]` resolves neither before nor after.
    pub fn project(&self, item: &Item) -> Item {
        let mut out = Item::new();
        for path in &self.paths {
            if out.contains_key(path.head()) || path.get(item).is_none() {
                continue;
            }
            if let Some((name, value)) = item.get_key_value(path.head()) {
                out.insert(name.clone(), value.clone());
            }
        }
        out
    }
}

impl UpdateExpression {
    /// Fails if an action writes a key attribute (or inside one), with the service's text;
    /// the partition key is named first.
    pub fn check_keys(&self, schema: &KeySchema) -> Result<()> {
        let keys = std::iter::once(&schema.partition).chain(&schema.sort);
        for key in keys {
            if self.actions().iter().any(|a| a.path().head() == key.name) {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: Cannot update attribute {}. \
                     This attribute is part of the key",
                    key.name
                )));
            }
        }
        Ok(())
    }

    /// Applies the update to `item` (an absent item is its key attributes alone). On error
    /// `item` is unchanged.
    ///
    /// Like the service, the actions are checked one by one, each one's path before its
    /// value, and the first problem is reported. The order is the service's (depth first
    /// through its hash maps of the paths), not the written one: `ADD bs :n, t[0] :ns` on an
    /// item where both fail reports the path `t[0]`, `DELETE n :ss, t[0] :bs` the type of `n`.
    pub fn apply(&self, item: &mut Item) -> Result<UpdatedPaths> {
        // Compute everything from the item as it is, then write.
        let mut puts: Vec<(&Path, AttributeValue)> = Vec::with_capacity(self.actions().len());
        let mut removes: Vec<&Path> = Vec::new();
        for action in self.in_application_order() {
            check_parent(action.path(), item)?;
            match action {
                UpdateAction::Set(path, value) => puts.push((path, set_value(value, item)?)),
                UpdateAction::Add(path, operand) => {
                    let sum = match path.get(item) {
                        None => operand.clone(),
                        Some(current) => add(current, operand)?,
                    };
                    puts.push((path, sum));
                }
                UpdateAction::Delete(path, operand) => {
                    if let Some(current) = path.get(item) {
                        match subtract(current, operand)? {
                            Some(rest) => puts.push((path, rest)),
                            None => removes.push(path),
                        }
                    }
                }
                UpdateAction::Remove(path) => {
                    if path.get(item).is_some() {
                        removes.push(path);
                    }
                }
            }
        }
        // Appends to one list land in index order.
        puts.sort_by(|a, b| a.0.cmp(b.0));
        for (path, value) in puts {
            // The parents were checked above and no write replaces another's parent (paths
            // do not overlap), so this cannot fail.
            put(item, path, value)?;
        }
        // Indexes refer to the lists as they were: remove from the back.
        removes.sort_by_key(|p| Reverse(*p));
        for path in removes {
            remove(item, path);
        }
        Ok(UpdatedPaths {
            paths: self.actions().iter().map(|a| a.path().clone()).collect(),
        })
    }
}

/// An operand's value; `None` for a path that does not resolve. Only a fallback of
/// `if_not_exists` that does not resolve is an error here: the service evaluates it even when
/// the path exists.
fn operand<'a>(op: &'a UpdateOperand, item: &'a Item) -> Result<Option<&'a AttributeValue>> {
    match op {
        UpdateOperand::Path(p) => Ok(p.get(item)),
        UpdateOperand::Value(v) => Ok(Some(v)),
        UpdateOperand::IfNotExists(p, fallback) => {
            let fallback = operand(fallback, item)?.ok_or_else(missing_attribute)?;
            Ok(Some(p.get(item).unwrap_or(fallback)))
        }
    }
}

/// An evaluated operand of `+`, `-` (a number) or `list_append` (a list).
fn typed<'a, T: ?Sized>(
    value: Option<&'a AttributeValue>,
    pick: impl Fn(&'a AttributeValue) -> Option<&'a T>,
) -> Result<&'a T> {
    pick(value.ok_or_else(missing_attribute)?).ok_or_else(wrong_type)
}

fn number(v: &AttributeValue) -> Option<&Number> {
    match v {
        AttributeValue::N(n) => Some(n),
        _ => None,
    }
}

fn list(v: &AttributeValue) -> Option<&[AttributeValue]> {
    match v {
        AttributeValue::L(l) => Some(l.as_slice()),
        _ => None,
    }
}

fn set_value(value: &SetValue, item: &Item) -> Result<AttributeValue> {
    // Both operands are evaluated, then checked left to right.
    match value {
        SetValue::Operand(op) => operand(op, item)?.cloned().ok_or_else(missing_attribute),
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
            let (a, b) = (operand(a, item)?, operand(b, item)?);
            let (a, b) = (typed(a, number)?, typed(b, number)?);
            Ok(AttributeValue::N(if matches!(value, SetValue::Plus(..)) {
                a.checked_add(b)?
            } else {
                a.checked_sub(b)?
            }))
        }
        SetValue::ListAppend(a, b) => {
            let (a, b) = (operand(a, item)?, operand(b, item)?);
            let (a, b) = (typed(a, list)?, typed(b, list)?);
            let mut joined = Vec::with_capacity(a.len() + b.len());
            joined.extend_from_slice(a);
            joined.extend_from_slice(b);
            Ok(AttributeValue::L(joined))
        }
    }
}

fn add(current: &AttributeValue, operand: &AttributeValue) -> Result<AttributeValue> {
    use AttributeValue as V;
    Ok(match (current, operand) {
        (V::N(a), V::N(b)) => V::N(a.checked_add(b)?),
        (V::Ss(a), V::Ss(b)) => V::Ss(union(a, b)),
        (V::Ns(a), V::Ns(b)) => V::Ns(union(a, b)),
        (V::Bs(a), V::Bs(b)) => V::Bs(union(a, b)),
        _ => return Err(wrong_type()),
    })
}

fn union<T: Clone + PartialEq>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = a.to_vec();
    for x in b {
        if !a.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

/// The set without the operand's elements; `None` when nothing is left.
fn subtract(current: &AttributeValue, operand: &AttributeValue) -> Result<Option<AttributeValue>> {
    use AttributeValue as V;
    fn rest<T: Clone + PartialEq>(a: &[T], b: &[T]) -> Option<Vec<T>> {
        let out: Vec<T> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
        (!out.is_empty()).then_some(out)
    }
    Ok(match (current, operand) {
        (V::Ss(a), V::Ss(b)) => rest(a, b).map(V::Ss),
        (V::Ns(a), V::Ns(b)) => rest(a, b).map(V::Ns),
        (V::Bs(a), V::Bs(b)) => rest(a, b).map(V::Bs),
        _ => return Err(wrong_type()),
    })
}

/// The parent of a written path must exist and hold a map (for `.name`) or a list (`[i]`).
fn check_parent(path: &Path, item: &Item) -> Result<()> {
    let elements = path.elements();
    let [PathElement::Attribute(first), middle @ .., last] = elements else {
        return Ok(());
    };
    let mut parent = item.get(first.as_str());
    for element in middle {
        parent = parent.and_then(|v| step(v, element));
    }
    match (parent, last) {
        (Some(AttributeValue::M(_)), PathElement::Attribute(_))
        | (Some(AttributeValue::L(_)), PathElement::Index(_)) => Ok(()),
        _ => Err(invalid_path()),
    }
}

fn step_mut<'a>(
    value: &'a mut AttributeValue,
    element: &PathElement,
) -> Option<&'a mut AttributeValue> {
    match (value, element) {
        (AttributeValue::M(map), PathElement::Attribute(name)) => map.get_mut(name.as_str()),
        (AttributeValue::L(list), PathElement::Index(i)) => list.get_mut(*i),
        _ => None,
    }
}

/// The container holding the last element of `path`.
fn parent_mut<'a>(item: &'a mut Item, path: &Path) -> Option<&'a mut AttributeValue> {
    let elements = path.elements();
    let (PathElement::Attribute(first), middle) = (&elements[0], &elements[1..elements.len() - 1])
    else {
        return None;
    };
    let mut value = item.get_mut(first.as_str())?;
    for element in middle {
        value = step_mut(value, element)?;
    }
    Some(value)
}

fn put(item: &mut Item, path: &Path, value: AttributeValue) -> Result<()> {
    let elements = path.elements();
    if let [PathElement::Attribute(name)] = elements {
        item.insert(name.clone(), value);
        return Ok(());
    }
    match (parent_mut(item, path), elements.last()) {
        (Some(AttributeValue::M(map)), Some(PathElement::Attribute(name))) => {
            map.insert(name.clone(), value);
            Ok(())
        }
        (Some(AttributeValue::L(list)), Some(PathElement::Index(i))) => {
            match list.get_mut(*i) {
                Some(slot) => *slot = value,
                None => list.push(value),
            }
            Ok(())
        }
        _ => Err(invalid_path()),
    }
}

fn remove(item: &mut Item, path: &Path) {
    let elements = path.elements();
    if let [PathElement::Attribute(name)] = elements {
        item.remove(name.as_str());
        return;
    }
    match (parent_mut(item, path), elements.last()) {
        (Some(AttributeValue::M(map)), Some(PathElement::Attribute(name))) => {
            map.remove(name.as_str());
        }
        (Some(AttributeValue::L(list)), Some(PathElement::Index(i))) if *i < list.len() => {
            list.remove(*i);
        }
        _ => {}
    }
}
