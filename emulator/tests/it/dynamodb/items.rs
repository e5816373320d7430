//! Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem; attribute types,
//! numbers, conditions, ReturnValues, consumed capacity and update expressions.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnConsumedCapacity, ReturnValue, ReturnValuesOnConditionCheckFailure,
    ScalarAttributeType,
};

use crate::util::*;

async fn table(h: &Harness) -> String {
    let name = h.table("items");
    create_hash_table(&h.client, &name, "id", ScalarAttributeType::S).await;
    name
}

async fn put(client: &Client, table: &str, it: Item) {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(it))
        .send()
        .await
        .expect("put_item succeeds");
}

async fn get(client: &Client, table: &str, id: &str) -> Option<Item> {
    client
        .get_item()
        .table_name(table)
        .key("id", s(id))
        .consistent_read(true)
        .send()
        .await
        .expect("get_item succeeds")
        .item
}

fn every_type_item(id: &str) -> Item {
    item(&[
        ("id", s(id)),
        ("s", s("héllo wörld ✓")),
        ("n", n("-12.5")),
        ("b", b(&[0, 1, 2, 254, 255])),
        ("bool_t", AttributeValue::Bool(true)),
        ("bool_f", AttributeValue::Bool(false)),
        ("null", AttributeValue::Null(true)),
        (
            "l",
            l(vec![
                s("x"),
                n("1"),
                AttributeValue::Bool(false),
                l(vec![]),
                m(&[]),
                AttributeValue::Null(true),
            ]),
        ),
        (
            "m",
            m(&[
                ("nest", m(&[("deep", l(vec![n("2"), s("y")]))])),
                ("set", ss(&["p", "q"])),
            ]),
        ),
        ("ss", ss(&["b", "a", "c"])),
        ("ns", ns(&["3", "1", "-2.5"])),
        ("bs", bs(&[b"\x01", b"\x00\x02", b"\xff"])),
        ("empty_s", s("")),
        ("empty_b", b(&[])),
    ])
}

#[tokio::test]
async fn put_then_get_round_trips_every_attribute_type() {
    let h = Harness::start().await;
    let t = table(&h).await;
    put(&h.client, &t, every_type_item("all")).await;
    let got = get(&h.client, &t, "all").await.expect("item is present");
    assert_eq!(sorted_sets(got), sorted_sets(every_type_item("all")));
}

#[tokio::test]
async fn get_item_of_an_absent_key_returns_no_item() {
    let h = Harness::start().await;
    let t = table(&h).await;
    put(&h.client, &t, item(&[("id", s("present"))])).await;
    let out = h
        .client
        .get_item()
        .table_name(&t)
        .key("id", s("absent"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.item, None);
}

#[tokio::test]
async fn put_item_replaces_the_whole_item() {
    let h = Harness::start().await;
    let t = table(&h).await;
    put(&h.client, &t, item(&[("id", s("k")), ("a", n("1"))])).await;
    put(&h.client, &t, item(&[("id", s("k")), ("b", n("2"))])).await;
    assert_eq!(
        get(&h.client, &t, "k").await,
        Some(item(&[("id", s("k")), ("b", n("2"))]))
    );
}

#[tokio::test]
async fn numbers_keep_38_digits_and_come_back_normalised() {
    let h = Harness::start().await;
    let t = table(&h).await;
    let cases = [
        ("1.50", "1.5"),
        ("0012", "12"),
        ("1E+2", "100"),
        ("1e-5", "0.00001"),
        ("-0", "0"),
        ("0.0", "0"),
        ("-000.000100", "-0.0001"),
        ("+5", "5"),
        (
            "99999999999999999999999999999999999999",
            "99999999999999999999999999999999999999",
        ),
        (
            "-0.12345678901234567890123456789012345678",
            "-0.12345678901234567890123456789012345678",
        ),
        (
            "123456789012345678901234567890.12345678",
            "123456789012345678901234567890.12345678",
        ),
        (
            "12345678901234567890123456789012345678000",
            "12345678901234567890123456789012345678000",
        ),
    ];
    let mut it = item(&[("id", s("nums"))]);
    for (i, (input, _)) in cases.iter().enumerate() {
        it.insert(format!("n{i}"), n(input));
    }
    it.insert("set".into(), ns(&["1.0", "2.50", "300"]));
    put(&h.client, &t, it).await;
    let got = get(&h.client, &t, "nums").await.unwrap();
    for (i, (input, want)) in cases.iter().enumerate() {
        assert_eq!(
            got[&format!("n{i}")],
            n(want),
            "{input} is returned as {want}"
        );
    }
    assert_eq!(
        sorted_sets(item(&[("set", got["set"].clone())])),
        item(&[("set", ns(&["1", "2.5", "300"]))])
    );
}

#[tokio::test]
async fn number_keys_are_equal_by_value() {
    let h = Harness::start().await;
    let t = h.table("numkeys");
    create_hash_table(&h.client, &t, "id", ScalarAttributeType::N).await;
    h.client
        .put_item()
        .table_name(&t)
        .item("id", n("1.50"))
        .item("v", s("first"))
        .send()
        .await
        .unwrap();
    let out = h
        .client
        .get_item()
        .table_name(&t)
        .key("id", n("15E-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.item, Some(item(&[("id", n("1.5")), ("v", s("first"))])));
}

#[tokio::test]
async fn get_item_projection_returns_only_the_named_paths() {
    let h = Harness::start().await;
    let t = table(&h).await;
    put(&h.client, &t, every_type_item("p")).await;
    let out = h
        .client
        .get_item()
        .table_name(&t)
        .key("id", s("p"))
        .projection_expression("s, #m.nest.deep[1], l[0], l[5], absent")
        .expression_attribute_names("#m", "m")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.item,
        Some(item(&[
            ("s", s("héllo wörld ✓")),
            ("m", m(&[("nest", m(&[("deep", l(vec![s("y")]))]))])),
            ("l", l(vec![s("x"), AttributeValue::Null(true)])),
        ]))
    );
}

#[tokio::test]
async fn put_item_condition_that_holds_writes_and_one_that_fails_does_not() {
    let h = Harness::start().await;
    let t = table(&h).await;
    h.client
        .put_item()
        .table_name(&t)
        .set_item(Some(item(&[("id", s("c")), ("v", n("1"))])))
        .condition_expression("attribute_not_exists(id)")
        .send()
        .await
        .expect("no item yet, so the condition holds");

    let result = h
        .client
        .put_item()
        .table_name(&t)
        .set_item(Some(item(&[("id", s("c")), ("v", n("2"))])))
        .condition_expression("attribute_not_exists(id)")
        .send()
        .await;
    let err = result.expect_err("the item exists now");
    let service = err.into_service_error();
    assert!(
        matches!(service, PutItemError::ConditionalCheckFailedException(_)),
        "{service:?}"
    );
    assert_eq!(
        aws_sdk_dynamodb::error::ProvideErrorMetadata::message(&service),
        Some("The conditional request failed")
    );
    assert_eq!(
        get(&h.client, &t, "c").await,
        Some(item(&[("id", s("c")), ("v", n("1"))]))
    );

    h.client
        .put_item()
        .table_name(&t)
        .set_item(Some(item(&[("id", s("c")), ("v", n("3"))])))
        .condition_expression("v = :one AND size(id) = :len")
        .expression_attribute_values(":one", n("1"))
        .expression_attribute_values(":len", n("1"))
        .send()
        .await
        .expect("v is 1 and id has 1 character");
    assert_eq!(get(&h.client, &t, "c").await.unwrap()["v"], n("3"));
}

#[tokio::test]
async fn condition_functions_and_comparisons_evaluate_like_the_service() {
    let h = Harness::start().await;
    let t = table(&h).await;
    put(&h.client, &t, every_type_item("f")).await;
    let holds = [
        "attribute_exists(s)",
        "attribute_not_exists(nope)",
        "attribute_type(ss, :SS)",
        "attribute_type(#null, :NULL)",
        "begins_with(s, :he)",
        "contains(ss, :a)",
        "contains(s, :wor)",
        "contains(l, :x)",
        "size(l) = :six",
        "size(ss) = :three",
        "n BETWEEN :minus20 AND :zero",
        "n IN (:one, :minus12_5)",
        "n < :zero AND NOT n > :zero",
        "bool_t = :true OR bool_f = :true",
        "m.nest.deep[0] = :two",
        "#null = :null",
        "s <> :he",
        "b = :bytes",
        // A missing attribute is unequal to everything.
        "nope <> :one",
    ];
    let fails = [
        "attribute_exists(nope)",
        "attribute_type(s, :SS)",
        "begins_with(s, :wor)",
        "contains(ss, :he)",
        "n BETWEEN :zero AND :one",
        "nope = :one",
        "l[9] = :x",
    ];
    let values = item(&[
        (":SS", s("SS")),
        (":NULL", s("NULL")),
        (":he", s("hé")),
        (":a", s("a")),
        (":wor", s("wör")),
        (":x", s("x")),
        (":six", n("6")),
        (":three", n("3")),
        (":minus20", n("-20")),
        (":zero", n("0")),
        (":one", n("1")),
        (":minus12_5", n("-12.50")),
        (":true", AttributeValue::Bool(true)),
        (":two", n("2")),
        (":null", AttributeValue::Null(true)),
        (":bytes", b(&[0, 1, 2, 254, 255])),
    ]);
    for (expr, expect) in holds
        .iter()
        .map(|e| (e, true))
        .chain(fails.iter().map(|e| (e, false)))
    {
        // Only the placeholders the expression uses may be sent.
        let used: Item = values
            .iter()
            .filter(|(k, _)| {
                expr.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .any(|w| w == k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // A put of the same item: it writes only when the condition holds.
        let mut req = h
            .client
            .put_item()
            .table_name(&t)
            .set_item(Some(every_type_item("f")))
            .condition_expression(*expr)
            .set_expression_attribute_values((!used.is_empty()).then_some(used));
        if expr.contains("#null") {
            req = req.expression_attribute_names("#null", "null");
        }
        let result = req.send().await;
        match (expect, result) {
            (true, Ok(_)) => {}
            (false, Err(e)) => {
                let code =
                    aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&e).map(str::to_owned);
                assert_eq!(
                    code.as_deref(),
                    Some("ConditionalCheckFailedException"),
                    "{expr}: {e:?}"
                );
            }
            (true, Err(e)) => panic!("{expr} should hold: {e:?}"),
            (false, Ok(_)) => panic!("{expr} should not hold"),
        }
    }
}

#[tokio::test]
async fn put_item_return_values_all_old_returns_the_replaced_item() {
    let h = Harness::start().await;
    let t = table(&h).await;
    let out = h
        .client
        .put_item()
        .table_name(&t)
        .set_item(Some(item(&[("id", s("r")), ("v", n("1"))])))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(out.attributes, None, "nothing was replaced");
    let out = h
        .client
        .put_item()
        .table_name(&t)
        .set_item(Some(item(&[("id", s("r")), ("v", n("2"))])))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(out.attributes, Some(item(&[("id", s("r")), ("v", n("1"))])));
    let out = h
        .client
        .put_item()
        .table_name(&t)
        .set_item(Some(item(&[("id", s("r")), ("v", n("3"))])))
        .return_values(ReturnValue::None)
        .send()
        .await
        .unwrap();
    assert_eq!(out.attributes, None);
}

#[tokio::test]
async fn put_item_rejects_return_values_other_than_none_and_all_old() {
    let h = Harness::start().await;
    let t = table(&h).await;
    for rv in [
        ReturnValue::AllNew,
        ReturnValue::UpdatedOld,
        ReturnValue::UpdatedNew,
    ] {
        let result = h
            .client
            .put_item()
            .table_name(&t)
            .set_item(Some(item(&[("id", s("r"))])))
            .return_values(rv)
            .send()
            .await;
        assert_error(
            result,
            "ValidationException",
            "Return values set to invalid value",
        );
    }
}

#[tokio::test]
async fn update_item_return_values_cover_every_variant() {
    let h = Harness::start().await;
    let t = table(&h).await;
    let start = item(&[("id", s("u")), ("a", n("1")), ("b", s("keep"))]);
    let cases: [(ReturnValue, Option<Item>); 5] = [
        (ReturnValue::None, None),
        (
            ReturnValue::AllOld,
            Some(item(&[("id", s("u")), ("a", n("1")), ("b", s("keep"))])),
        ),
        (ReturnValue::UpdatedOld, Some(item(&[("a", n("1"))]))),
        (
            ReturnValue::AllNew,
            Some(item(&[
                ("id", s("u")),
                ("a", n("2")),
                ("b", s("keep")),
                ("c", s("new")),
            ])),
        ),
        (
            ReturnValue::UpdatedNew,
            Some(item(&[("a", n("2")), ("c", s("new"))])),
        ),
    ];
    for (rv, want) in cases {
        put(&h.client, &t, start.clone()).await;
        let out = h
            .client
            .update_item()
            .table_name(&t)
            .key("id", s("u"))
            .update_expression("SET a = a + :one, c = :new")
            .expression_attribute_values(":one", n("1"))
            .expression_attribute_values(":new", s("new"))
            .return_values(rv.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(out.attributes, want, "ReturnValues {rv:?}");
    }
}

#[tokio::test]
async fn delete_item_return_values_all_old_returns_the_deleted_item() {
    let h = Harness::start().await;
    let t = table(&h).await;
    put(&h.client, &t, item(&[("id", s("d")), ("v", ss(&["x"]))])).await;
    let out = h
        .client
        .delete_item()
        .table_name(&t)
        .key("id", s("d"))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.attributes,
        Some(item(&[("id", s("d")), ("v", ss(&["x"]))]))
    );
    assert_eq!(get(&h.client, &t, "d").await, None);
    let out = h
        .client
        .delete_item()
        .table_name(&t)
        .key("id", s("d"))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(out.attributes, None, "deleting nothing succeeds quietly");
}

#[tokio::test]
async fn delete_item_with_a_failing_condition_keeps_the_item() {
    let h = Harness::start().await;
    let t = table(&h).await;
    put(&h.client, &t, item(&[("id", s("d")), ("v", n("1"))])).await;
    let result = h
        .client
        .delete_item()
        .table_name(&t)
        .key("id", s("d"))
        .condition_expression("v = :two")
        .expression_attribute_values(":two", n("2"))
        .send()
        .await;
    assert_error(
        result,
        "ConditionalCheckFailedException",
        "The conditional request failed",
    );
    assert!(get(&h.client, &t, "d").await.is_some());
}

#[tokio::test]
async fn return_values_on_condition_check_failure_returns_the_current_item() {
    let h = Harness::start().await;
    let t = table(&h).await;
    put(&h.client, &t, item(&[("id", s("x")), ("v", n("1"))])).await;
    let err = h
        .client
        .update_item()
        .table_name(&t)
        .key("id", s("x"))
        .update_expression("SET v = :two")
        .condition_expression("v = :two")
        .expression_attribute_values(":two", n("2"))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await
        .expect_err("v is 1")
        .into_service_error();
    match err {
        UpdateItemError::ConditionalCheckFailedException(e) => {
            assert_eq!(e.item, Some(item(&[("id", s("x")), ("v", n("1"))])));
        }
        other => panic!("expected ConditionalCheckFailedException, got {other:?}"),
    }

    let err = h
        .client
        .put_item()
        .table_name(&t)
        .set_item(Some(item(&[("id", s("x"))])))
        .condition_expression("attribute_not_exists(id)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::None)
        .send()
        .await
        .expect_err("the item exists")
        .into_service_error();
    match err {
        PutItemError::ConditionalCheckFailedException(e) => assert_eq!(e.item, None),
        other => panic!("expected ConditionalCheckFailedException, got {other:?}"),
    }
}

#[tokio::test]
async fn consumed_capacity_is_counted_per_kilobyte_written_and_four_read() {
    let h = Harness::start().await;
    let t = table(&h).await;
    // Item size: "id" (2) + "big" (3) + value (3) + "pad" (3) + pad bytes.
    let sized = |id: &str, total: usize| {
        let pad = total - (2 + id.len() + 3);
        item(&[("id", s(id)), ("pad", s(&"x".repeat(pad)))])
    };
    let cases = [
        ("small", 100, 1.0, 0.5, 1.0),
        ("exact", 1024, 1.0, 0.5, 1.0),
        ("over", 1025, 2.0, 0.5, 1.0),
        ("four", 4096, 4.0, 0.5, 1.0),
        ("five", 5000, 5.0, 1.0, 2.0),
    ];
    for (id, size, write_units, eventual_units, strong_units) in cases {
        let out = h
            .client
            .put_item()
            .table_name(&t)
            .set_item(Some(sized(id, size)))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .unwrap();
        let cc = out.consumed_capacity.expect("consumed capacity");
        assert_eq!(cc.table_name(), Some(t.as_str()));
        assert_eq!(
            cc.capacity_units(),
            Some(write_units),
            "put of {size} bytes"
        );

        for (consistent, units) in [(false, eventual_units), (true, strong_units)] {
            let out = h
                .client
                .get_item()
                .table_name(&t)
                .key("id", s(id))
                .consistent_read(consistent)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .unwrap();
            assert_eq!(
                out.consumed_capacity.and_then(|c| c.capacity_units),
                Some(units),
                "get of {size} bytes, consistent={consistent}"
            );
        }
    }

    let out = h
        .client
        .put_item()
        .table_name(&t)
        .set_item(Some(sized("small", 100)))
        .send()
        .await
        .unwrap();
    assert_eq!(out.consumed_capacity, None, "not asked for, not returned");

    let out = h
        .client
        .delete_item()
        .table_name(&t)
        .key("id", s("over"))
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let cc = out.consumed_capacity.unwrap();
    assert_eq!(
        cc.capacity_units(),
        Some(2.0),
        "a delete costs the old item's size"
    );
    assert_eq!(cc.table().and_then(|c| c.capacity_units()), Some(2.0));
}

/// Runs one UpdateItem on a fresh copy of `start` and returns the item after it.
async fn apply_update(
    h: &Harness,
    t: &str,
    start: &Item,
    expr: &str,
    values: &[(&str, AttributeValue)],
    names: &[(&str, &str)],
) -> Result<Option<Item>, (String, String)> {
    put(&h.client, t, start.clone()).await;
    let mut req = h
        .client
        .update_item()
        .table_name(t)
        .key("id", start["id"].clone())
        .update_expression(expr)
        .return_values(ReturnValue::AllNew);
    for (k, v) in values {
        req = req.expression_attribute_values(*k, v.clone());
    }
    for (k, v) in names {
        req = req.expression_attribute_names(*k, *v);
    }
    match req.send().await {
        Ok(out) => Ok(out.attributes.map(sorted_sets)),
        Err(e) => {
            use aws_sdk_dynamodb::error::ProvideErrorMetadata;
            let e = e.into_service_error();
            Err((
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            ))
        }
    }
}

#[tokio::test]
async fn update_expressions_set_remove_add_delete_and_functions() {
    let h = Harness::start().await;
    let t = table(&h).await;
    let start = item(&[
        ("id", s("e")),
        ("count", n("10")),
        ("price", n("0.1")),
        ("tags", ss(&["a", "b", "c"])),
        ("nums", ns(&["1", "2"])),
        ("list", l(vec![s("x"), s("y"), s("z")])),
        ("map", m(&[("a", m(&[("b", n("1"))]))])),
        ("gone", s("soon")),
    ]);
    let with = |changes: &[(&str, Option<AttributeValue>)]| {
        let mut it = start.clone();
        for (k, v) in changes {
            match v {
                Some(v) => it.insert((*k).to_owned(), v.clone()),
                None => it.remove(*k),
            };
        }
        Some(sorted_sets(it))
    };
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, AttributeValue)>,
        Vec<(&'a str, &'a str)>,
        Option<Item>,
    );
    let cases: Vec<Case> = vec![
        (
            "SET fresh = :v",
            vec![(":v", s("new"))],
            vec![],
            with(&[("fresh", Some(s("new")))]),
        ),
        (
            "SET #c = #c + :n",
            vec![(":n", n("5"))],
            vec![("#c", "count")],
            with(&[("count", Some(n("15")))]),
        ),
        (
            "SET price = price + :p",
            vec![(":p", n("0.2"))],
            vec![],
            with(&[("price", Some(n("0.3")))]),
        ),
        (
            "SET #c = :n - #c",
            vec![(":n", n("4"))],
            vec![("#c", "count")],
            with(&[("count", Some(n("-6")))]),
        ),
        (
            "SET spare = if_not_exists(spare, :d), #c = if_not_exists(#c, :d)",
            vec![(":d", n("0"))],
            vec![("#c", "count")],
            with(&[("spare", Some(n("0")))]),
        ),
        (
            "SET #l = list_append(#l, :more)",
            vec![(":more", l(vec![s("w")]))],
            vec![("#l", "list")],
            with(&[("list", Some(l(vec![s("x"), s("y"), s("z"), s("w")])))]),
        ),
        (
            "SET #l = list_append(:front, #l)",
            vec![(":front", l(vec![n("0")]))],
            vec![("#l", "list")],
            with(&[("list", Some(l(vec![n("0"), s("x"), s("y"), s("z")])))]),
        ),
        (
            "SET #l[1] = :v, #l[10] = :w",
            vec![(":v", s("Y")), (":w", s("end"))],
            vec![("#l", "list")],
            with(&[("list", Some(l(vec![s("x"), s("Y"), s("z"), s("end")])))]),
        ),
        (
            "SET #m.a.c = :v",
            vec![(":v", b(b"\x07"))],
            vec![("#m", "map")],
            with(&[(
                "map",
                Some(m(&[("a", m(&[("b", n("1")), ("c", b(b"\x07"))]))])),
            )]),
        ),
        (
            "REMOVE gone, #l[0], #m.a.b",
            vec![],
            vec![("#l", "list"), ("#m", "map")],
            with(&[
                ("gone", None),
                ("list", Some(l(vec![s("y"), s("z")]))),
                ("map", Some(m(&[("a", m(&[]))]))),
            ]),
        ),
        (
            "ADD #c :n, newcount :n, tags :t, nums :ns",
            vec![
                (":n", n("-3")),
                (":t", ss(&["d", "a"])),
                (":ns", ns(&["3"])),
            ],
            vec![("#c", "count")],
            with(&[
                ("count", Some(n("7"))),
                ("newcount", Some(n("-3"))),
                ("tags", Some(ss(&["a", "b", "c", "d"]))),
                ("nums", Some(ns(&["1", "2", "3"]))),
            ]),
        ),
        (
            "ADD newset :t",
            vec![(":t", ss(&["q"]))],
            vec![],
            with(&[("newset", Some(ss(&["q"])))]),
        ),
        (
            "DELETE tags :t, nums :ns",
            vec![(":t", ss(&["a", "zz"])), (":ns", ns(&["1", "2"]))],
            vec![],
            with(&[("tags", Some(ss(&["b", "c"]))), ("nums", None)]),
        ),
        (
            "SET a1 = :v REMOVE gone ADD #c :one DELETE tags :t",
            vec![
                (":v", AttributeValue::Bool(true)),
                (":one", n("1")),
                (":t", ss(&["c"])),
            ],
            vec![("#c", "count")],
            with(&[
                ("a1", Some(AttributeValue::Bool(true))),
                ("gone", None),
                ("count", Some(n("11"))),
                ("tags", Some(ss(&["a", "b"]))),
            ]),
        ),
        (
            "SET dup = #m.a, #l = #l",
            vec![],
            vec![("#m", "map"), ("#l", "list")],
            with(&[("dup", Some(m(&[("b", n("1"))])))]),
        ),
    ];
    for (expr, values, names, want) in cases {
        let got = apply_update(&h, &t, &start, expr, &values, &names).await;
        assert_eq!(got, Ok(want), "{expr}");
    }
}

#[tokio::test]
async fn update_item_creates_a_missing_item() {
    let h = Harness::start().await;
    let t = table(&h).await;
    let out = h
        .client
        .update_item()
        .table_name(&t)
        .key("id", s("new"))
        .update_expression("SET hits = if_not_exists(hits, :zero) + :one")
        .expression_attribute_values(":zero", n("0"))
        .expression_attribute_values(":one", n("1"))
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.attributes,
        Some(item(&[("id", s("new")), ("hits", n("1"))]))
    );
    assert_eq!(
        get(&h.client, &t, "new").await,
        Some(item(&[("id", s("new")), ("hits", n("1"))]))
    );
}

#[tokio::test]
async fn update_item_with_only_remove_on_a_missing_item_creates_the_key() {
    let h = Harness::start().await;
    let t = table(&h).await;
    h.client
        .update_item()
        .table_name(&t)
        .key("id", s("bare"))
        .update_expression("REMOVE nothing")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get(&h.client, &t, "bare").await,
        Some(item(&[("id", s("bare"))]))
    );
}

#[tokio::test]
async fn update_item_with_a_failing_condition_changes_nothing() {
    let h = Harness::start().await;
    let t = table(&h).await;
    put(&h.client, &t, item(&[("id", s("k")), ("v", n("1"))])).await;
    let result = h
        .client
        .update_item()
        .table_name(&t)
        .key("id", s("k"))
        .update_expression("SET v = :v")
        .condition_expression("attribute_not_exists(id)")
        .expression_attribute_values(":v", n("9"))
        .send()
        .await;
    assert_error(
        result,
        "ConditionalCheckFailedException",
        "The conditional request failed",
    );
    assert_eq!(get(&h.client, &t, "k").await.unwrap()["v"], n("1"));
}

#[tokio::test]
async fn arithmetic_is_exact_to_38_digits() {
    let h = Harness::start().await;
    let t = table(&h).await;
    let start = item(&[
        ("id", s("a")),
        ("big", n("99999999999999999999999999999999999998")),
        ("frac", n("0.33333333333333333333333333333333333333")),
    ]);
    let got = apply_update(
        &h,
        &t,
        &start,
        "SET big = big + :one, frac = frac + frac",
        &[(":one", n("1"))],
        &[],
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(got["big"], n("99999999999999999999999999999999999999"));
    assert_eq!(got["frac"], n("0.66666666666666666666666666666666666666"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_adds_are_all_applied() {
    let h = Harness::start().await;
    let t = table(&h).await;
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let client = h.client.clone();
            let t = t.clone();
            tokio::spawn(async move {
                client
                    .update_item()
                    .table_name(&t)
                    .key("id", s("counter"))
                    .update_expression("ADD hits :one")
                    .expression_attribute_values(":one", n("1"))
                    .send()
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every ADD succeeds");
    }
    assert_eq!(
        get(&h.client, &t, "counter").await.unwrap()["hits"],
        n("64")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_conditional_creates_have_exactly_one_winner() {
    let h = Harness::start().await;
    let t = table(&h).await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let client = h.client.clone();
            let t = t.clone();
            tokio::spawn(async move {
                client
                    .put_item()
                    .table_name(&t)
                    .item("id", s("lock"))
                    .item("owner", n(&i.to_string()))
                    .condition_expression("attribute_not_exists(id)")
                    .send()
                    .await
                    .map(|_| i)
                    .map_err(|e| {
                        aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&e).map(str::to_owned)
                    })
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(i) => winners.push(i),
            Err(code) => assert_eq!(code.as_deref(), Some("ConditionalCheckFailedException")),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(
        get(&h.client, &t, "lock").await.unwrap()["owner"],
        n(&winners[0].to_string())
    );
}
