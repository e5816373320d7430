//! Property tests through the SDK: sort order of every key type, and random write sequences
//! checked against an in-memory model.

use std::collections::BTreeMap;
use std::str::FromStr;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ScalarAttributeType};
use bigdecimal::BigDecimal;
use proptest::prelude::*;

use crate::util::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A DynamoDB number in one of its many spellings: sign, integer digits, fraction, exponent.
fn number() -> impl Strategy<Value = String> {
    (
        prop::bool::ANY,
        "[0-9]{1,12}",
        prop::option::of("[0-9]{1,12}"),
        prop::option::of(-20i32..20),
    )
        .prop_map(|(neg, int, frac, exp)| {
            let mut s = String::new();
            if neg {
                s.push('-');
            }
            s.push_str(&int);
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            if let Some(e) = exp {
                s.push_str(&format!("E{e}"));
            }
            s
        })
}

/// Puts one item per sort key into partition "p" and returns the sort keys a forward Query
/// yields.
async fn query_sort_keys(
    h: &Harness,
    t: ScalarAttributeType,
    values: &[AttributeValue],
) -> Vec<AttributeValue> {
    let table = h.table("order");
    create_range_table(&h.client, &table, ("p", ScalarAttributeType::S), ("k", t)).await;
    for v in values {
        h.client
            .put_item()
            .table_name(&table)
            .item("p", s("p"))
            .item("k", v.clone())
            .send()
            .await
            .unwrap();
    }
    h.client
        .query()
        .table_name(&table)
        .key_condition_expression("p = :p")
        .expression_attribute_values(":p", s("p"))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|mut it| it.remove("k").unwrap())
        .collect()
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn query_orders_number_sort_keys_numerically(nums in prop::collection::vec(number(), 1..25)) {
        let mut model: BTreeMap<BigDecimal, ()> = BTreeMap::new();
        for v in &nums {
            model.insert(BigDecimal::from_str(v).unwrap().normalized(), ());
        }
        let got = runtime().block_on(async {
            let h = Harness::start().await;
            let values: Vec<_> = nums.iter().map(|v| n(v)).collect();
            query_sort_keys(&h, ScalarAttributeType::N, &values).await
        });
        let got: Vec<BigDecimal> = got
            .iter()
            .map(|v| BigDecimal::from_str(v.as_n().unwrap()).unwrap().normalized())
            .collect();
        let want: Vec<BigDecimal> = model.into_keys().collect();
        prop_assert_eq!(got, want, "equal numbers are one key; order is numeric");
    }

    #[test]
    fn query_orders_string_sort_keys_by_utf8_bytes(
        keys in prop::collection::btree_set("[a-zA-Z0-9 é€😀\u{7f}-\u{a0}]{1,6}", 1..25)
    ) {
        let got = runtime().block_on(async {
            let h = Harness::start().await;
            let values: Vec<_> = keys.iter().map(|v| s(v)).collect();
            query_sort_keys(&h, ScalarAttributeType::S, &values).await
        });
        let got: Vec<String> = got.iter().map(|v| v.as_s().unwrap().clone()).collect();
        // BTreeSet<String> orders by bytes, which for UTF-8 is code point order.
        let want: Vec<String> = keys.into_iter().collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn query_orders_binary_sort_keys_as_unsigned_bytes(
        keys in prop::collection::btree_set(prop::collection::vec(any::<u8>(), 1..6), 1..25)
    ) {
        let got = runtime().block_on(async {
            let h = Harness::start().await;
            let values: Vec<_> = keys.iter().map(|v| b(v)).collect();
            query_sort_keys(&h, ScalarAttributeType::B, &values).await
        });
        let got: Vec<Vec<u8>> = got.iter().map(|v| v.as_b().unwrap().as_ref().to_vec()).collect();
        let want: Vec<Vec<u8>> = keys.into_iter().collect();
        prop_assert_eq!(got, want);
    }
}

#[derive(Debug, Clone)]
enum Op {
    Put(u8, i64),
    Delete(u8),
    Add(u8, i64),
    PutIfAbsent(u8, i64),
    DeleteIfEquals(u8, i64),
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..6;
    let val = -5i64..5;
    prop_oneof![
        (key.clone(), val.clone()).prop_map(|(k, v)| Op::Put(k, v)),
        key.clone().prop_map(Op::Delete),
        (key.clone(), val.clone()).prop_map(|(k, v)| Op::Add(k, v)),
        (key.clone(), val.clone()).prop_map(|(k, v)| Op::PutIfAbsent(k, v)),
        (key, val).prop_map(|(k, v)| Op::DeleteIfEquals(k, v)),
    ]
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn random_writes_agree_with_a_model(ops in prop::collection::vec(op(), 1..40)) {
        runtime().block_on(check_against_model(ops));
    }
}

/// Applies `ops` through the SDK and to a `BTreeMap` model; every answer and the final table
/// must agree with the model.
async fn check_against_model(ops: Vec<Op>) {
    let h = Harness::start().await;
    let t = h.table("model");
    create_hash_table(&h.client, &t, "id", ScalarAttributeType::S).await;
    let mut model: BTreeMap<String, i64> = BTreeMap::new();
    for op in &ops {
        let (key, outcome) = match op {
            Op::Put(k, v) => {
                let key = format!("k{k}");
                let out = h
                    .client
                    .put_item()
                    .table_name(&t)
                    .item("id", s(&key))
                    .item("v", n(&v.to_string()))
                    .return_values(ReturnValue::AllOld)
                    .send()
                    .await
                    .unwrap();
                let old = out
                    .attributes
                    .map(|a| a["v"].as_n().unwrap().parse::<i64>().unwrap());
                assert_eq!(old, model.insert(key.clone(), *v), "{op:?} old value");
                (key, true)
            }
            Op::Delete(k) => {
                let key = format!("k{k}");
                let out = h
                    .client
                    .delete_item()
                    .table_name(&t)
                    .key("id", s(&key))
                    .return_values(ReturnValue::AllOld)
                    .send()
                    .await
                    .unwrap();
                let old = out
                    .attributes
                    .map(|a| a["v"].as_n().unwrap().parse::<i64>().unwrap());
                assert_eq!(old, model.remove(&key), "{op:?} old value");
                (key, true)
            }
            Op::Add(k, d) => {
                let key = format!("k{k}");
                let out = h
                    .client
                    .update_item()
                    .table_name(&t)
                    .key("id", s(&key))
                    .update_expression("ADD v :d")
                    .expression_attribute_values(":d", n(&d.to_string()))
                    .return_values(ReturnValue::UpdatedNew)
                    .send()
                    .await
                    .unwrap();
                let new = model.get(&key).copied().unwrap_or(0) + d;
                model.insert(key.clone(), new);
                assert_eq!(
                    out.attributes
                        .map(|a| a["v"].as_n().unwrap().parse::<i64>().unwrap()),
                    Some(new),
                    "{op:?}"
                );
                (key, true)
            }
            Op::PutIfAbsent(k, v) => {
                let key = format!("k{k}");
                let result = h
                    .client
                    .put_item()
                    .table_name(&t)
                    .item("id", s(&key))
                    .item("v", n(&v.to_string()))
                    .condition_expression("attribute_not_exists(id)")
                    .send()
                    .await;
                let absent = !model.contains_key(&key);
                if absent {
                    model.insert(key.clone(), *v);
                }
                (key, ok_or_ccf(result.map(|_| ()), op) == absent)
            }
            Op::DeleteIfEquals(k, v) => {
                let key = format!("k{k}");
                let result = h
                    .client
                    .delete_item()
                    .table_name(&t)
                    .key("id", s(&key))
                    .condition_expression("v = :v")
                    .expression_attribute_values(":v", n(&v.to_string()))
                    .send()
                    .await;
                let equal = model.get(&key) == Some(v);
                if equal {
                    model.remove(&key);
                }
                (key, ok_or_ccf(result.map(|_| ()), op) == equal)
            }
        };
        assert!(
            outcome,
            "{op:?} on {key}: the condition's outcome disagrees with the model"
        );
    }
    // The table holds exactly what the model holds.
    let scan = h
        .client
        .scan()
        .table_name(&t)
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let mut got: BTreeMap<String, i64> = BTreeMap::new();
    for it in scan.items() {
        got.insert(
            it["id"].as_s().unwrap().clone(),
            it["v"].as_n().unwrap().parse().unwrap(),
        );
    }
    assert_eq!(got, model, "after {ops:?}");
}

/// `true` if the call succeeded, `false` on ConditionalCheckFailedException; panics otherwise.
fn ok_or_ccf<E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<(), E>,
    op: &Op,
) -> bool {
    match result {
        Ok(()) => true,
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => false,
        Err(e) => panic!("{op:?}: {e:?}"),
    }
}
