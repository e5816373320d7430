//! Expression parse and evaluate: the work every conditional write and filtered read adds.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use emulator::dynamodb::expr::{self, ExpressionAttributes, ExpressionKind};
use emulator::dynamodb::value::{AttributeValue, Item, Number};

fn feature_item() -> Item {
    let mut item = Item::new();
    item.insert("user_id".into(), AttributeValue::S("user-000042".into()));
    item.insert("feature_name".into(), AttributeValue::S("ctr_7d".into()));
    item.insert(
        "value".into(),
        AttributeValue::N(Number::parse("0.0375").unwrap()),
    );
    item.insert("version".into(), AttributeValue::N(Number::from_i64(17)));
    item.insert(
        "tags".into(),
        AttributeValue::Ss(vec!["fresh".into(), "online".into()]),
    );
    item
}

fn bench_condition(c: &mut Criterion) {
    let names = HashMap::from([("#v".to_string(), "version".to_string())]);
    let values = HashMap::from([
        (":v".to_string(), AttributeValue::N(Number::from_i64(16))),
        (":t".to_string(), AttributeValue::S("online".into())),
    ]);
    let src = "attribute_exists(user_id) AND #v >= :v AND contains(tags, :t)";
    let item = feature_item();

    c.bench_function("condition/parse", |b| {
        b.iter(|| {
            let mut attrs = ExpressionAttributes::new(Some(&names), Some(&values));
            let condition =
                expr::parse_condition(black_box(src), ExpressionKind::Condition, &mut attrs)
                    .unwrap();
            attrs.finish().unwrap();
            condition
        })
    });

    let mut attrs = ExpressionAttributes::new(Some(&names), Some(&values));
    let condition = expr::parse_condition(src, ExpressionKind::Condition, &mut attrs).unwrap();
    c.bench_function("condition/evaluate", |b| {
        b.iter(|| condition.evaluate(black_box(&item)))
    });
}

fn bench_update(c: &mut Criterion) {
    let values = HashMap::from([
        (":one".to_string(), AttributeValue::N(Number::from_i64(1))),
        (
            ":x".to_string(),
            AttributeValue::N(Number::parse("0.04").unwrap()),
        ),
        (
            ":now".to_string(),
            AttributeValue::S("2026-11-24T10:45:00Z".into()),
        ),
    ]);
    let src =
        "SET #v = #v + :one, #val = :x, updated_at = if_not_exists(created_at, :now) REMOVE stale";
    let names = HashMap::from([
        ("#v".to_string(), "version".to_string()),
        ("#val".to_string(), "value".to_string()),
    ]);
    let item = feature_item();

    c.bench_function("update/parse", |b| {
        b.iter(|| {
            let mut attrs = ExpressionAttributes::new(Some(&names), Some(&values));
            let update = expr::parse_update(black_box(src), &mut attrs).unwrap();
            attrs.finish().unwrap();
            update
        })
    });

    let mut attrs = ExpressionAttributes::new(Some(&names), Some(&values));
    let update = expr::parse_update(src, &mut attrs).unwrap();
    c.bench_function("update/apply", |b| {
        b.iter_batched(
            || item.clone(),
            |mut item| update.apply(&mut item).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench_condition, bench_update);
criterion_main!(benches);
