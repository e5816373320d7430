//! Evaluating conditions on an item, as the service does:
//! - an operand whose path does not resolve makes `<>` true and every other comparison,
//!   `BETWEEN`, `IN`, `begins_with` and `contains` false;
//! - `=` and `<>` compare any two values: different types are unequal, sets are equal as
//!   sets, numbers numerically;
//! - `<`, `<=`, `>`, `>=`, `BETWEEN` order two values of the same type among N (numerically),
//!   S (by UTF-8 bytes) and B (by unsigned bytes); anything else is false;
//! - `begins_with` takes two S or two B; `contains` a substring of an S, a byte string in a B,
//!   an element of a set (of the element's type), or an element of a list;
//! - `size` is the length of an S in UTF-16 code units (as Java counts; DynamoDB Local agrees,
//!   `size("😀")` is 2 and `size("é")` 1), the length of a B in bytes, the number of elements
//!   of a set, list or map; of any other type it does not resolve.

use std::cmp::Ordering;

use super::super::number::Number;
use super::super::value::{AttributeValue, Item};
use super::ast::{Comparator, Condition, Operand};

/// An operand's value: borrowed from the item or the expression, or computed by `size`.
enum Resolved<'a> {
    Borrowed(&'a AttributeValue),
    Number(Number),
}

impl Resolved<'_> {
    fn get(&self) -> ResolvedRef<'_> {
        match self {
            Resolved::Borrowed(v) => ResolvedRef::Value(v),
            Resolved::Number(n) => ResolvedRef::Number(n),
        }
    }
}

/// A view that avoids building an `AttributeValue` for `size` results.
#[derive(Clone, Copy)]
enum ResolvedRef<'a> {
    Value(&'a AttributeValue),
    Number(&'a Number),
}

fn resolve<'a>(op: &'a Operand, item: &'a Item) -> Option<Resolved<'a>> {
    match op {
        Operand::Path(p) => p.get(item).map(Resolved::Borrowed),
        Operand::Value(v) => Some(Resolved::Borrowed(v)),
        Operand::Size(inner) => {
            let inner = resolve(inner, item)?;
            let len = match inner.get() {
                ResolvedRef::Number(_) => return None,
                ResolvedRef::Value(v) => size_of(v)?,
            };
            Some(Resolved::Number(Number::from_u64(len as u64)))
        }
    }
}

/// `size()` of a value, if it has one.
pub(crate) fn size_of(v: &AttributeValue) -> Option<usize> {
    Some(match v {
        // Java's String.length(): UTF-16 code units ("é" is 1, "😀" is 2).
        AttributeValue::S(s) if s.is_ascii() => s.len(),
        AttributeValue::S(s) => s.encode_utf16().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::N(_) | AttributeValue::Bool(_) | AttributeValue::Null => return None,
    })
}

impl Condition {
    /// Whether `item` satisfies the condition. An absent item is an empty one.
    pub fn evaluate(&self, item: &Item) -> bool {
        match self {
            Condition::Compare(cmp, a, b) => {
                let (Some(a), Some(b)) = (resolve(a, item), resolve(b, item)) else {
                    // A missing value is unequal to anything, itself included.
                    return *cmp == Comparator::Ne;
                };
                let (a, b) = (a.get(), b.get());
                match cmp {
                    Comparator::Eq => equal_ref(a, b),
                    Comparator::Ne => !equal_ref(a, b),
                    Comparator::Lt => order(a, b) == Some(Ordering::Less),
                    Comparator::Le => matches!(order(a, b), Some(Ordering::Less | Ordering::Equal)),
                    Comparator::Gt => order(a, b) == Some(Ordering::Greater),
                    Comparator::Ge => {
                        matches!(order(a, b), Some(Ordering::Greater | Ordering::Equal))
                    }
                }
            }
            Condition::Between(a, low, high) => {
                let (Some(a), Some(low), Some(high)) =
                    (resolve(a, item), resolve(low, item), resolve(high, item))
                else {
                    return false;
                };
                matches!(
                    order(a.get(), low.get()),
                    Some(Ordering::Greater | Ordering::Equal)
                ) && matches!(
                    order(a.get(), high.get()),
                    Some(Ordering::Less | Ordering::Equal)
                )
            }
            Condition::In(a, list) => {
                let Some(a) = resolve(a, item) else {
                    return false;
                };
                list.iter().any(|candidate| {
                    resolve(candidate, item).is_some_and(|c| equal_ref(a.get(), c.get()))
                })
            }
            Condition::AttributeExists(p) => p.get(item).is_some(),
            Condition::AttributeNotExists(p) => p.get(item).is_none(),
            Condition::AttributeType(a, t) => resolve(a, item).is_some_and(|v| match v.get() {
                ResolvedRef::Value(v) => v.attribute_type() == *t,
                ResolvedRef::Number(_) => *t == super::super::value::AttributeType::N,
            }),
            Condition::BeginsWith(a, b) => {
                let (Some(a), Some(b)) = (resolve(a, item), resolve(b, item)) else {
                    return false;
                };
                match (a.get(), b.get()) {
                    (
                        ResolvedRef::Value(AttributeValue::S(a)),
                        ResolvedRef::Value(AttributeValue::S(b)),
                    ) => a.starts_with(b.as_str()),
                    (
                        ResolvedRef::Value(AttributeValue::B(a)),
                        ResolvedRef::Value(AttributeValue::B(b)),
                    ) => a.starts_with(b),
                    _ => false,
                }
            }
            Condition::Contains(a, b) => {
                let (Some(a), Some(b)) = (resolve(a, item), resolve(b, item)) else {
                    return false;
                };
                contains(a.get(), b.get())
            }
            Condition::Not(c) => !c.evaluate(item),
            Condition::And(a, b) => a.evaluate(item) && b.evaluate(item),
            Condition::Or(a, b) => a.evaluate(item) || b.evaluate(item),
        }
    }
}

fn contains(haystack: ResolvedRef<'_>, needle: ResolvedRef<'_>) -> bool {
    let ResolvedRef::Value(haystack) = haystack else {
        return false;
    };
    match (haystack, needle) {
        (AttributeValue::S(s), ResolvedRef::Value(AttributeValue::S(n))) => s.contains(n.as_str()),
        // Not documented, but DynamoDB Local finds byte strings in binaries too.
        (AttributeValue::B(b), ResolvedRef::Value(AttributeValue::B(n))) => {
            n.is_empty() || b.windows(n.len()).any(|w| w == n.as_slice())
        }
        (AttributeValue::Ss(set), ResolvedRef::Value(AttributeValue::S(n))) => set.contains(n),
        (AttributeValue::Ns(set), ResolvedRef::Value(AttributeValue::N(n)))
        | (AttributeValue::Ns(set), ResolvedRef::Number(n)) => set.contains(n),
        (AttributeValue::Bs(set), ResolvedRef::Value(AttributeValue::B(n))) => set.contains(n),
        (AttributeValue::L(list), needle) => list
            .iter()
            .any(|e| equal_ref(ResolvedRef::Value(e), needle)),
        _ => false,
    }
}

fn equal_ref(a: ResolvedRef<'_>, b: ResolvedRef<'_>) -> bool {
    match (a, b) {
        (ResolvedRef::Value(a), ResolvedRef::Value(b)) => values_equal(a, b),
        (ResolvedRef::Number(a), ResolvedRef::Number(b)) => a == b,
        (ResolvedRef::Number(n), ResolvedRef::Value(AttributeValue::N(v)))
        | (ResolvedRef::Value(AttributeValue::N(v)), ResolvedRef::Number(n)) => n == v,
        _ => false,
    }
}

fn as_number(r: ResolvedRef<'_>) -> Option<&Number> {
    match r {
        ResolvedRef::Number(n) | ResolvedRef::Value(AttributeValue::N(n)) => Some(n),
        _ => None,
    }
}

fn order(a: ResolvedRef<'_>, b: ResolvedRef<'_>) -> Option<Ordering> {
    let number = as_number;
    if let (Some(a), Some(b)) = (number(a), number(b)) {
        return Some(a.cmp(b));
    }
    match (a, b) {
        (ResolvedRef::Value(AttributeValue::S(a)), ResolvedRef::Value(AttributeValue::S(b))) => {
            Some(a.as_bytes().cmp(b.as_bytes()))
        }
        (ResolvedRef::Value(AttributeValue::B(a)), ResolvedRef::Value(AttributeValue::B(b))) => {
            Some(a.as_slice().cmp(b.as_slice()))
        }
        _ => None,
    }
}

/// Equality as the service compares values: sets as sets, numbers numerically.
pub fn values_equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue as V;
    match (a, b) {
        (V::S(a), V::S(b)) => a == b,
        (V::N(a), V::N(b)) => a == b,
        (V::B(a), V::B(b)) => a == b,
        (V::Bool(a), V::Bool(b)) => a == b,
        (V::Null, V::Null) => true,
        (V::L(a), V::L(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| values_equal(a, b))
        }
        (V::M(a), V::M(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| values_equal(v, w)))
        }
        (V::Ss(a), V::Ss(b)) => same_set(a, b),
        (V::Ns(a), V::Ns(b)) => same_set(a, b),
        (V::Bs(a), V::Bs(b)) => same_set(a, b),
        _ => false,
    }
}

/// Sets hold no duplicates, so equal sizes and inclusion one way make them equal.
fn same_set<T: Ord>(a: &[T], b: &[T]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 16 {
        return a.iter().all(|x| b.contains(x));
    }
    let mut a: Vec<&T> = a.iter().collect();
    let mut b: Vec<&T> = b.iter().collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}
