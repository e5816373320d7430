//! Query and Scan: key conditions, order, pagination, filters, Select, parallel scans and the
//! SDK paginators.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnConsumedCapacity, ScalarAttributeType, Select,
};

use crate::util::*;

/// `events`: partition key `p` (S), sort key `t` (N); partitions "a", "b", "c" with
/// `t` = 0..20 each, `v` = 2t, and `kind` "even"/"odd".
async fn events(h: &Harness) -> String {
    let name = h.table("events");
    create_range_table(
        &h.client,
        &name,
        ("p", ScalarAttributeType::S),
        ("t", ScalarAttributeType::N),
    )
    .await;
    for p in ["a", "b", "c"] {
        for t in 0..20 {
            h.client
                .put_item()
                .table_name(&name)
                .set_item(Some(event(p, t)))
                .send()
                .await
                .unwrap();
        }
    }
    name
}

fn event(p: &str, t: i64) -> Item {
    item(&[
        ("p", s(p)),
        ("t", n(&t.to_string())),
        ("v", n(&(2 * t).to_string())),
        ("kind", s(if t % 2 == 0 { "even" } else { "odd" })),
    ])
}

fn ts(items: &[Item]) -> Vec<i64> {
    items
        .iter()
        .map(|it| match &it["t"] {
            aws_sdk_dynamodb::types::AttributeValue::N(v) => v.parse().unwrap(),
            other => panic!("t is {other:?}"),
        })
        .collect()
}

async fn query_ts(
    client: &Client,
    table: &str,
    cond: &str,
    values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
) -> Vec<i64> {
    let mut req = client
        .query()
        .table_name(table)
        .key_condition_expression(cond);
    for (k, v) in values {
        req = req.expression_attribute_values(*k, v.clone());
    }
    let out = req.send().await.unwrap_or_else(|e| panic!("{cond}: {e:?}"));
    assert_eq!(out.count() as usize, out.items().len());
    ts(out.items())
}

#[tokio::test]
async fn query_returns_one_partition_in_sort_key_order() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let out = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p")
        .expression_attribute_values(":p", s("b"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.count(), 20);
    assert_eq!(out.scanned_count(), 20);
    assert_eq!(out.last_evaluated_key, None);
    assert_eq!(
        out.items().to_vec(),
        (0..20).map(|t| event("b", t)).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn query_applies_every_sort_key_condition() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let p = (":p", s("a"));
    type Case<'a> = (&'a str, Vec<(&'a str, AttributeValue)>, Vec<i64>);
    let cases: Vec<Case> = vec![
        ("p = :p AND t = :x", vec![(":x", n("7"))], vec![7]),
        ("p = :p AND t < :x", vec![(":x", n("3"))], vec![0, 1, 2]),
        ("p = :p AND t <= :x", vec![(":x", n("3"))], vec![0, 1, 2, 3]),
        ("p = :p AND t > :x", vec![(":x", n("16"))], vec![17, 18, 19]),
        (
            "p = :p AND t >= :x",
            vec![(":x", n("16.5"))],
            vec![17, 18, 19],
        ),
        (
            "p = :p AND t BETWEEN :x AND :y",
            vec![(":x", n("4")), (":y", n("8"))],
            vec![4, 5, 6, 7, 8],
        ),
        ("p = :p AND t = :x", vec![(":x", n("100"))], vec![]),
        ("t < :x AND p = :p", vec![(":x", n("2"))], vec![0, 1]),
        ("(p = :p) AND (t < :x)", vec![(":x", n("1"))], vec![0]),
    ];
    for (cond, mut values, want) in cases {
        values.push(p.clone());
        assert_eq!(query_ts(&h.client, &t, cond, &values).await, want, "{cond}");
    }
}

#[tokio::test]
async fn query_begins_with_on_a_string_sort_key() {
    let h = Harness::start().await;
    let t = h.table("ml-features");
    create_ml_features(&h.client, &t).await;
    for f in ["emb_1", "emb_2", "ctr_7d", "emb", "em", "clicks"] {
        h.client
            .put_item()
            .table_name(&t)
            .item("user_id", s("u1"))
            .item("feature_name", s(f))
            .item("value", n("1"))
            .send()
            .await
            .unwrap();
    }
    h.client
        .put_item()
        .table_name(&t)
        .item("user_id", s("u2"))
        .item("feature_name", s("emb_9"))
        .send()
        .await
        .unwrap();
    let out = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("user_id = :u AND begins_with(feature_name, :prefix)")
        .expression_attribute_values(":u", s("u1"))
        .expression_attribute_values(":prefix", s("emb"))
        .send()
        .await
        .unwrap();
    let names: Vec<_> = out
        .items()
        .iter()
        .map(|it| it["feature_name"].as_s().unwrap().clone())
        .collect();
    assert_eq!(names, ["emb", "emb_1", "emb_2"]);
}

#[tokio::test]
async fn query_scan_index_forward_false_reverses_the_order() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let out = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p AND t BETWEEN :lo AND :hi")
        .expression_attribute_values(":p", s("c"))
        .expression_attribute_values(":lo", n("5"))
        .expression_attribute_values(":hi", n("9"))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap();
    assert_eq!(ts(out.items()), [9, 8, 7, 6, 5]);
}

/// Pages through a query with `Limit`, returning the pages' sort keys.
async fn query_pages(h: &Harness, t: &str, limit: i32, forward: bool) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut start = None;
    loop {
        let out = h
            .client
            .query()
            .table_name(t)
            .key_condition_expression("p = :p")
            .expression_attribute_values(":p", s("a"))
            .scan_index_forward(forward)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        pages.push(ts(out.items()));
        match out.last_evaluated_key.clone() {
            Some(lek) => {
                let last = out
                    .items()
                    .last()
                    .expect("a page with a LastEvaluatedKey has items");
                assert_eq!(
                    lek,
                    item(&[("p", last["p"].clone()), ("t", last["t"].clone())]),
                    "LastEvaluatedKey is the key of the last item returned"
                );
                start = Some(lek);
            }
            None => break,
        }
        assert!(pages.len() < 100, "pagination does not end");
    }
    pages
}

#[tokio::test]
async fn query_limit_pages_through_every_item_exactly_once() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let pages = query_pages(&h, &t, 3, true).await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [3, 3, 3, 3, 3, 3, 2]
    );
    assert_eq!(pages.concat(), (0..20).collect::<Vec<_>>());

    let pages = query_pages(&h, &t, 6, false).await;
    assert_eq!(pages.concat(), (0..20).rev().collect::<Vec<_>>());
}

#[tokio::test]
async fn query_limit_that_ends_on_the_last_item_still_returns_a_last_evaluated_key() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let pages = query_pages(&h, &t, 5, true).await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [5, 5, 5, 5, 0],
        "the fourth page fills the limit, so one more (empty) page is needed to learn the end"
    );
}

#[tokio::test]
async fn query_filter_expression_applies_after_the_limit() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let out = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p")
        .filter_expression("kind = :odd AND v > :ten")
        .expression_attribute_values(":p", s("a"))
        .expression_attribute_values(":odd", s("odd"))
        .expression_attribute_values(":ten", n("10"))
        .send()
        .await
        .unwrap();
    assert_eq!(ts(out.items()), [7, 9, 11, 13, 15, 17, 19]);
    assert_eq!(out.count(), 7);
    assert_eq!(out.scanned_count(), 20);

    let out = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p")
        .filter_expression("kind = :odd")
        .expression_attribute_values(":p", s("a"))
        .expression_attribute_values(":odd", s("odd"))
        .limit(4)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ts(out.items()),
        [1, 3],
        "Limit counts items read, not items returned"
    );
    assert_eq!(out.scanned_count(), 4);
    assert_eq!(
        out.last_evaluated_key,
        Some(item(&[("p", s("a")), ("t", n("3"))]))
    );
}

#[tokio::test]
async fn query_select_count_returns_counts_without_items() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let out = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p AND t >= :x")
        .filter_expression("kind = :even")
        .expression_attribute_values(":p", s("b"))
        .expression_attribute_values(":x", n("10"))
        .expression_attribute_values(":even", s("even"))
        .select(Select::Count)
        .send()
        .await
        .unwrap();
    assert_eq!(out.count(), 5);
    assert_eq!(out.scanned_count(), 10);
    assert_eq!(out.items, None);
}

#[tokio::test]
async fn query_projection_expression_limits_attributes() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let out = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p AND t < :x")
        .projection_expression("v, #k")
        .expression_attribute_names("#k", "kind")
        .expression_attribute_values(":p", s("a"))
        .expression_attribute_values(":x", n("2"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.items().to_vec(),
        [
            item(&[("v", n("0")), ("kind", s("even"))]),
            item(&[("v", n("2")), ("kind", s("odd"))])
        ]
    );
}

#[tokio::test]
async fn query_reports_consumed_capacity_by_bytes_read() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let out = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p")
        .expression_attribute_values(":p", s("a"))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    // 20 items of well under 4 KB in total: one read unit, halved for eventual consistency.
    assert_eq!(
        out.consumed_capacity.and_then(|c| c.capacity_units),
        Some(0.5)
    );
}

#[tokio::test]
async fn query_paginator_items_yield_every_item_in_order() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let items: Vec<Item> = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p")
        .expression_attribute_values(":p", s("c"))
        .limit(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(items, (0..20).map(|t| event("c", t)).collect::<Vec<_>>());
}

#[tokio::test]
async fn scan_returns_every_item_once() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let out = h.client.scan().table_name(&t).send().await.unwrap();
    assert_eq!(out.count(), 60);
    assert_eq!(out.scanned_count(), 60);
    let keys: BTreeSet<(String, i64)> = out
        .items()
        .iter()
        .map(|it| {
            (
                it["p"].as_s().unwrap().clone(),
                it["t"].as_n().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(keys.len(), 60);
    // Within one partition, a scan returns items in sort key order.
    for p in ["a", "b", "c"] {
        let in_p: Vec<i64> = out
            .items()
            .iter()
            .filter(|it| it["p"].as_s().unwrap() == p)
            .map(|it| it["t"].as_n().unwrap().parse().unwrap())
            .collect();
        assert_eq!(in_p, (0..20).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn scan_filter_and_select_count() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let out = h
        .client
        .scan()
        .table_name(&t)
        .filter_expression("v >= :x AND p <> :p")
        .expression_attribute_values(":x", n("30"))
        .expression_attribute_values(":p", s("b"))
        .select(Select::Count)
        .send()
        .await
        .unwrap();
    assert_eq!(out.count(), 10, "t 15..19 in partitions a and c");
    assert_eq!(out.scanned_count(), 60);
    assert_eq!(out.items, None);
}

#[tokio::test]
async fn parallel_scan_with_four_segments_covers_every_item_once() {
    let h = Harness::start().await;
    let t = h.table("wide");
    create_hash_table(&h.client, &t, "id", ScalarAttributeType::S).await;
    let all: BTreeSet<String> = (0..200).map(|i| format!("item-{i:03}")).collect();
    for id in &all {
        h.client
            .put_item()
            .table_name(&t)
            .item("id", s(id))
            .send()
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut per_segment = Vec::new();
    for segment in 0..4 {
        let mut start = None;
        let mut count = 0;
        loop {
            let out = h
                .client
                .scan()
                .table_name(&t)
                .segment(segment)
                .total_segments(4)
                .limit(17)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap();
            assert!(out.items().len() <= 17);
            count += out.items().len();
            seen.extend(
                out.items()
                    .iter()
                    .map(|it| it["id"].as_s().unwrap().clone()),
            );
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        per_segment.push(count);
    }
    assert_eq!(seen.len(), 200, "no item seen twice: {per_segment:?}");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), all);
    assert!(
        per_segment.iter().all(|&c| c > 0),
        "200 keys spread over every segment: {per_segment:?}"
    );
}

#[tokio::test]
async fn scan_paginator_with_small_pages_yields_every_item() {
    let h = Harness::start().await;
    let t = events(&h).await;
    let pages: Vec<_> = h
        .client
        .scan()
        .table_name(&t)
        .limit(8)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert!(pages.len() >= 8, "60 items at 8 per page");
    let items: Vec<Item> = pages
        .into_iter()
        .flat_map(|p| p.items.unwrap_or_default())
        .collect();
    assert_eq!(items.len(), 60);
    let mut got: Vec<(String, i64)> = items
        .iter()
        .map(|it| {
            (
                it["p"].as_s().unwrap().clone(),
                it["t"].as_n().unwrap().parse().unwrap(),
            )
        })
        .collect();
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 60);
}

#[tokio::test]
async fn query_pages_stop_at_one_megabyte() {
    let h = Harness::start().await;
    let t = h.table("large");
    create_range_table(
        &h.client,
        &t,
        ("p", ScalarAttributeType::S),
        ("t", ScalarAttributeType::N),
    )
    .await;
    // 30 items of ~100 KB: 3 MB in one partition.
    let blob = "x".repeat(100 * 1024);
    for i in 0..30 {
        h.client
            .put_item()
            .table_name(&t)
            .item("p", s("big"))
            .item("t", n(&i.to_string()))
            .item("blob", s(&blob))
            .send()
            .await
            .unwrap();
    }
    let out = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p")
        .expression_attribute_values(":p", s("big"))
        .send()
        .await
        .unwrap();
    let n_items = out.items().len();
    assert!(
        (9..=11).contains(&n_items),
        "a 1 MB page holds about 10 items of 100 KB, got {n_items}"
    );
    assert!(out.last_evaluated_key.is_some());
    let all: Vec<Item> = h
        .client
        .query()
        .table_name(&t)
        .key_condition_expression("p = :p")
        .expression_attribute_values(":p", s("big"))
        .projection_expression("t")
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(ts(&all), (0..30).collect::<Vec<_>>());
}
