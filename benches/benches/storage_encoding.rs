//! Stored-key encoding, number parsing and the stored form of items.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use emulator::dynamodb::item::{decode_stored, encode_stored};
use emulator::dynamodb::keys;
use emulator::dynamodb::size::item_size;
use emulator::dynamodb::value::{AttributeValue, Item, Number};

fn feature_item() -> Item {
    let mut item = Item::new();
    item.insert("user_id".into(), AttributeValue::S("user-000042".into()));
    item.insert("feature_name".into(), AttributeValue::S("ctr_7d".into()));
    item.insert(
        "value".into(),
        AttributeValue::N(Number::parse("0.0375").unwrap()),
    );
    item.insert("payload".into(), AttributeValue::S("x".repeat(200)));
    item.insert(
        "embedding".into(),
        AttributeValue::L(
            (0..16)
                .map(|i| AttributeValue::N(Number::parse(&format!("0.{i}25")).unwrap()))
                .collect(),
        ),
    );
    item
}

fn bench_keys(c: &mut Criterion) {
    let pk = AttributeValue::S("user-000042".into());
    let sk_s = AttributeValue::S("ctr_7d".into());
    let sk_n = AttributeValue::N(Number::parse("1732445100.125").unwrap());
    c.bench_function("keys/item_key_s_s", |b| {
        b.iter(|| keys::item_key(black_box(&pk), Some(black_box(&sk_s))).unwrap())
    });
    c.bench_function("keys/item_key_s_n", |b| {
        b.iter(|| keys::item_key(black_box(&pk), Some(black_box(&sk_n))).unwrap())
    });
    c.bench_function("number/parse", |b| {
        b.iter(|| Number::parse(black_box("-12345.678901234567890123")).unwrap())
    });
    let n = Number::parse("-12345.678901234567890123").unwrap();
    c.bench_function("number/encode_ordered", |b| {
        b.iter(|| black_box(&n).encode_ordered_array())
    });
}

fn bench_items(c: &mut Criterion) {
    let item = feature_item();
    let size = item_size(&item);
    let stored = encode_stored(&item, size);
    c.bench_function("item/size", |b| b.iter(|| item_size(black_box(&item))));
    c.bench_function("item/encode", |b| {
        b.iter(|| encode_stored(black_box(&item), size))
    });
    c.bench_function("item/decode", |b| {
        b.iter(|| decode_stored(black_box(&stored)).unwrap())
    });
}

criterion_group!(benches, bench_keys, bench_items);
criterion_main!(benches);
