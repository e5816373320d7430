//! Property: printing a tree and parsing the text back gives the same tree.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::super::number::Number;
use super::super::value::{AttributeType, AttributeValue, Item};
use super::*;

/// Names that print bare, and names that need a placeholder (reserved, keyword, not an
/// identifier). Paths on the left of an operator and on the right use different heads, so
/// that no condition repeats its first operand.
const LEFT: &[&str] = &["a", "name", "x y", "AND", "é"];
const RIGHT: &[&str] = &["b", "size", "Status", "#hash", "c_1"];
const INNER: &[&str] = &["k", "data", "in", "two words", "z9"];

fn path(heads: &'static [&'static str]) -> impl Strategy<Value = Path> {
    let element = prop_oneof![
        prop::sample::select(INNER).prop_map(|n| PathElement::Attribute(n.to_owned())),
        (0usize..40).prop_map(PathElement::Index),
    ];
    (
        prop::sample::select(heads),
        prop::collection::vec(element, 0..3),
    )
        .prop_map(|(head, rest)| {
            let mut elements = vec![PathElement::Attribute(head.to_owned())];
            elements.extend(rest);
            Path(elements)
        })
}

fn number() -> impl Strategy<Value = Number> {
    (any::<i64>(), -20i32..20).prop_map(|(mantissa, exponent)| {
        Number::parse(&format!("{mantissa}E{exponent}")).expect("in range")
    })
}

fn scalar() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        ".{0,8}".prop_map(AttributeValue::S),
        number().prop_map(AttributeValue::N),
        prop::collection::vec(any::<u8>(), 0..6).prop_map(AttributeValue::B),
    ]
}

fn value() -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        scalar(),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null),
        set(),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(AttributeValue::L),
            prop::collection::btree_map(".{0,4}", inner, 0..3)
                .prop_map(|m| AttributeValue::M(m.into_iter().collect::<Item>())),
        ]
    })
}

/// An operand on the right: a path of the right-hand heads or a value.
fn right(values: impl Strategy<Value = AttributeValue>) -> impl Strategy<Value = Operand> {
    prop_oneof![
        path(RIGHT).prop_map(Operand::Path),
        values.prop_map(Operand::Value),
    ]
}

fn left() -> impl Strategy<Value = Operand> {
    prop_oneof![
        3 => path(LEFT).prop_map(Operand::Path),
        1 => path(LEFT).prop_map(|p| Operand::Size(Box::new(Operand::Path(p)))),
    ]
}

fn comparator() -> impl Strategy<Value = Comparator> {
    prop::sample::select(
        &[
            Comparator::Eq,
            Comparator::Ne,
            Comparator::Lt,
            Comparator::Le,
            Comparator::Gt,
            Comparator::Ge,
        ][..],
    )
}

fn attribute_type() -> impl Strategy<Value = AttributeType> {
    prop::sample::select(
        &[
            AttributeType::S,
            AttributeType::N,
            AttributeType::B,
            AttributeType::Bool,
            AttributeType::Null,
            AttributeType::L,
            AttributeType::M,
            AttributeType::Ss,
            AttributeType::Ns,
            AttributeType::Bs,
        ][..],
    )
}

/// Conditions the service accepts: ordered comparisons of orderable values, `BETWEEN`
/// bounds in order, string or binary prefixes.
fn condition() -> impl Strategy<Value = Condition> {
    let leaf = prop_oneof![
        (comparator(), left(), right(scalar())).prop_map(|(c, a, b)| Condition::Compare(c, a, b)),
        (left(), right(value())).prop_map(|(a, b)| Condition::Compare(Comparator::Eq, a, b)),
        (left(), -1000i64..1000, 0i64..1000).prop_map(|(a, low, width)| {
            Condition::Between(
                a,
                Operand::Value(AttributeValue::N(Number::from(low))),
                Operand::Value(AttributeValue::N(Number::from(low + width))),
            )
        }),
        (left(), path(RIGHT), path(RIGHT)).prop_map(|(a, l, h)| Condition::Between(
            a,
            Operand::Path(l),
            Operand::Path(h)
        )),
        (left(), prop::collection::vec(right(value()), 1..4))
            .prop_map(|(a, list)| Condition::In(a, list)),
        path(LEFT).prop_map(Condition::AttributeExists),
        path(LEFT).prop_map(Condition::AttributeNotExists),
        (left(), attribute_type()).prop_map(|(a, t)| Condition::AttributeType(a, t)),
        (path(LEFT), right(".{0,3}".prop_map(AttributeValue::S)))
            .prop_map(|(a, b)| Condition::BeginsWith(Operand::Path(a), b)),
        (path(LEFT), right(value())).prop_map(|(a, b)| Condition::Contains(Operand::Path(a), b)),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Condition::Not(Box::new(c))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| Condition::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Condition::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn update_operand() -> impl Strategy<Value = UpdateOperand> {
    prop_oneof![
        path(RIGHT).prop_map(UpdateOperand::Path),
        value().prop_map(UpdateOperand::Value),
        (
            path(LEFT),
            prop_oneof![
                path(RIGHT).prop_map(UpdateOperand::Path),
                value().prop_map(UpdateOperand::Value),
            ]
        )
            .prop_map(|(p, f)| UpdateOperand::IfNotExists(p, Box::new(f))),
    ]
}

/// An operand of `+`/`-` (a number if known) or `list_append` (a list if known).
fn typed_operand(
    value: impl Strategy<Value = AttributeValue>,
) -> impl Strategy<Value = UpdateOperand> {
    prop_oneof![
        path(RIGHT).prop_map(UpdateOperand::Path),
        value.prop_map(UpdateOperand::Value),
    ]
}

fn set_value() -> impl Strategy<Value = SetValue> {
    let number = || number().prop_map(AttributeValue::N);
    let list = || prop::collection::vec(scalar(), 0..3).prop_map(AttributeValue::L);
    prop_oneof![
        update_operand().prop_map(SetValue::Operand),
        (typed_operand(number()), typed_operand(number())).prop_map(|(a, b)| SetValue::Plus(a, b)),
        (typed_operand(number()), typed_operand(number())).prop_map(|(a, b)| SetValue::Minus(a, b)),
        (typed_operand(list()), typed_operand(list()))
            .prop_map(|(a, b)| SetValue::ListAppend(a, b)),
    ]
}

fn set() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        prop::collection::btree_set(".{0,4}", 1..4)
            .prop_map(|s| AttributeValue::Ss(s.into_iter().collect())),
        prop::collection::btree_set(any::<i32>(), 1..4).prop_map(|s| {
            AttributeValue::Ns(s.into_iter().map(|n| Number::from(i64::from(n))).collect())
        }),
        prop::collection::btree_set(prop::collection::vec(any::<u8>(), 0..3), 1..3)
            .prop_map(|s: BTreeSet<Vec<u8>>| AttributeValue::Bs(s.into_iter().collect())),
    ]
}

/// Actions on distinct top-level attributes (`t0`, `t1`, …), so that no two paths overlap.
fn update() -> impl Strategy<Value = UpdateExpression> {
    let action = prop_oneof![
        set_value().prop_map(|v| (0u8, Some(v), None)),
        Just((1u8, None, None)),
        prop_oneof![number().prop_map(AttributeValue::N), set()].prop_map(|v| (2u8, None, Some(v))),
        set().prop_map(|v| (3u8, None, Some(v))),
    ];
    (
        prop::collection::vec((action, prop::collection::vec(0usize..5, 0..2)), 1..6),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(actions, _)| {
            let mut by_section: Vec<Vec<UpdateAction>> = vec![Vec::new(); 4];
            for (i, ((section, set_value, operand), indexes)) in actions.into_iter().enumerate() {
                let mut elements = vec![PathElement::Attribute(format!("t{i}"))];
                elements.extend(indexes.into_iter().map(PathElement::Index));
                let path = Path(elements);
                by_section[usize::from(section)].push(match section {
                    0 => UpdateAction::Set(path, set_value.expect("a value")),
                    1 => UpdateAction::Remove(path),
                    2 => UpdateAction::Add(path, operand.expect("an operand")),
                    _ => UpdateAction::Delete(path, operand.expect("an operand")),
                });
            }
            // The printer writes each section once, so actions come grouped by section.
            UpdateExpression::new(by_section.into_iter().flatten().collect())
        })
}

/// The placeholders of printed text, as a request would send them (empty maps left out).
fn attributes(text: &ExpressionText) -> ExpressionAttributes<'_> {
    ExpressionAttributes::new(
        (!text.names.is_empty()).then_some(&text.names),
        (!text.values.is_empty()).then_some(&text.values),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn printed_conditions_parse_back(cond in condition()) {
        let text = cond.to_expression();
        let mut attrs = attributes(&text);
        let parsed = parse_condition(&text.expression, ExpressionKind::Condition, &mut attrs);
        prop_assert_eq!(parsed.as_ref().map_err(|e| &e.message), Ok(&cond), "{}", text.expression);
        prop_assert!(attrs.finish().is_ok());
    }

    #[test]
    fn printed_updates_parse_back(update in update()) {
        let text = update.to_expression();
        let mut attrs = attributes(&text);
        let parsed = parse_update(&text.expression, &mut attrs);
        prop_assert_eq!(parsed.as_ref().map_err(|e| &e.message), Ok(&update), "{}", text.expression);
    }

    #[test]
    fn printed_projections_parse_back(paths in prop::collection::vec(path(LEFT), 1..5)) {
        // One path per top-level name, so none overlap.
        let mut seen = BTreeSet::new();
        let paths: Vec<Path> = paths.into_iter().filter(|p| seen.insert(p.head().to_owned())).collect();
        let projection = Projection::new(paths);
        let text = projection.to_expression();
        let mut attrs = attributes(&text);
        let parsed = parse_projection(&text.expression, &mut attrs);
        prop_assert_eq!(parsed.as_ref().map_err(|e| &e.message), Ok(&projection), "{}", text.expression);
    }
}
