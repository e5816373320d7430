//! The legacy (pre-expression) parameters through the SDK: `KeyConditions`, `QueryFilter`,
//! `ScanFilter`, `ConditionalOperator` and `AttributesToGet` on GetItem, BatchGetItem, Query
//! and Scan, `Expected` on PutItem, UpdateItem and DeleteItem, `AttributeUpdates`, and the
//! service's refusals. Expected answers were checked against DynamoDB
//! Local (`DRYDOCK_IT_ENDPOINT`).

use aws_sdk_dynamodb::types::{
    AttributeAction, AttributeValue, AttributeValueUpdate, BillingMode, ComparisonOperator,
    Condition, ConditionalOperator, ExpectedAttributeValue, GlobalSecondaryIndex, KeyType,
    KeysAndAttributes, Projection, ProjectionType, ScalarAttributeType, Select,
};

use crate::util::*;

/// `readings`: partition key `p` (S), sort key `t` (S, "t0".."t9"), with `n` = 10 * i,
/// `kind` "even"/"odd", `tags` a string set holding "x" when i is a multiple of 3 and "y"
/// otherwise, and `opt` only on the first five items; plus one item in partition "b".
async fn readings(h: &Harness) -> String {
    let name = h.table("readings");
    create_range_table(
        &h.client,
        &name,
        ("p", ScalarAttributeType::S),
        ("t", ScalarAttributeType::S),
    )
    .await;
    for i in 0..10 {
        let mut it = item(&[
            ("p", s("a")),
            ("t", s(&format!("t{i}"))),
            ("n", n(&(10 * i).to_string())),
            ("kind", s(if i % 2 == 0 { "even" } else { "odd" })),
            ("tags", ss(&[if i % 3 == 0 { "x" } else { "y" }])),
        ]);
        if i < 5 {
            it.insert("opt".into(), n("1"));
        }
        h.client
            .put_item()
            .table_name(&name)
            .set_item(Some(it))
            .send()
            .await
            .unwrap();
    }
    h.client
        .put_item()
        .table_name(&name)
        .set_item(Some(item(&[("p", s("b")), ("t", s("t0"))])))
        .send()
        .await
        .unwrap();
    name
}

fn cond(op: &str, values: &[AttributeValue]) -> Condition {
    Condition::builder()
        .comparison_operator(ComparisonOperator::from(op))
        .set_attribute_value_list((!values.is_empty()).then(|| values.to_vec()))
        .build()
        .unwrap()
}

fn in_a() -> Condition {
    cond("EQ", &[s("a")])
}

fn sort_keys(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|it| match &it["t"] {
            AttributeValue::S(v) => v.clone(),
            other => panic!("t is {other:?}"),
        })
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

#[tokio::test]
async fn key_conditions_select_the_partition_and_a_sort_key_range() {
    let h = Harness::start().await;
    let t = readings(&h).await;
    let cases: Vec<(Condition, Vec<&str>)> = vec![
        (cond("EQ", &[s("t3")]), vec!["t3"]),
        (cond("LT", &[s("t2")]), vec!["t0", "t1"]),
        (cond("LE", &[s("t2")]), vec!["t0", "t1", "t2"]),
        (cond("GT", &[s("t7")]), vec!["t8", "t9"]),
        (cond("GE", &[s("t8")]), vec!["t8", "t9"]),
        (cond("BETWEEN", &[s("t4"), s("t6")]), vec!["t4", "t5", "t6"]),
        (cond("BEGINS_WITH", &[s("t9")]), vec!["t9"]),
    ];
    for (sort, expected) in cases {
        let out = h
            .client
            .query()
            .table_name(&t)
            .key_conditions("p", in_a())
            .key_conditions("t", sort.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{sort:?}: {e:?}"));
        assert_eq!(sort_keys(out.items()), expected, "{sort:?}");
    }
    // The partition alone, backwards, one page at a time.
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let out = h
            .client
            .query()
            .table_name(&t)
            .key_conditions("p", in_a())
            .scan_index_forward(false)
            .limit(4)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        seen.extend(sort_keys(out.items()));
        start = out.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    assert_eq!(
        seen,
        ["t9", "t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1", "t0"]
    );
}

#[tokio::test]
async fn query_filters_combine_with_the_conditional_operator() {
    let h = Harness::start().await;
    let t = readings(&h).await;
    let query = |op: Option<ConditionalOperator>| {
        h.client
            .query()
            .table_name(&t)
            .key_conditions("p", in_a())
            .query_filter("kind", cond("EQ", &[s("even")]))
            .query_filter("n", cond("GE", &[n("50")]))
            .set_conditional_operator(op)
            .attributes_to_get("t")
            .send()
    };
    let and = query(None).await.unwrap();
    assert_eq!(sort_keys(and.items()), ["t6", "t8"]);
    assert_eq!((and.count(), and.scanned_count()), (2, 10));
    // Only the attributes asked for come back.
    assert!(and.items().iter().all(|it| it.len() == 1));
    let and = query(Some(ConditionalOperator::And)).await.unwrap();
    assert_eq!(sort_keys(and.items()), ["t6", "t8"]);
    let or = query(Some(ConditionalOperator::Or)).await.unwrap();
    assert_eq!(
        sort_keys(or.items()),
        ["t0", "t2", "t4", "t5", "t6", "t7", "t8", "t9"]
    );
    // KeyConditions may go with a FilterExpression and a ProjectionExpression.
    let out = h
        .client
        .query()
        .table_name(&t)
        .key_conditions("p", in_a())
        .filter_expression("attribute_exists(opt)")
        .projection_expression("t")
        .send()
        .await
        .unwrap();
    assert_eq!(sort_keys(out.items()), ["t0", "t1", "t2", "t3", "t4"]);
}

#[tokio::test]
async fn scan_filters_apply_every_comparison_operator() {
    let h = Harness::start().await;
    let t = readings(&h).await;
    let cases: Vec<(&str, Condition, i32)> = vec![
        ("n", cond("EQ", &[n("30")]), 1),
        ("n", cond("NE", &[n("30")]), 10),
        ("n", cond("LE", &[n("30")]), 4),
        ("n", cond("LT", &[n("30")]), 3),
        ("n", cond("GE", &[n("30")]), 7),
        ("n", cond("GT", &[n("30")]), 6),
        ("opt", cond("NOT_NULL", &[]), 5),
        ("opt", cond("NULL", &[]), 6),
        ("tags", cond("CONTAINS", &[s("x")]), 4),
        // NOT_CONTAINS needs the attribute: the item without tags is not counted.
        ("tags", cond("NOT_CONTAINS", &[s("x")]), 6),
        ("kind", cond("BEGINS_WITH", &[s("ev")]), 5),
        ("n", cond("IN", &[n("10"), n("20"), n("999")]), 2),
        ("n", cond("BETWEEN", &[n("15"), n("45")]), 3),
        ("kind", cond("EQ", &[ss(&["even"])]), 0),
    ];
    for (attribute, condition, expected) in cases {
        let out = h
            .client
            .scan()
            .table_name(&t)
            .scan_filter(attribute, condition.clone())
            .select(Select::Count)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{condition:?}: {e:?}"));
        assert_eq!(out.count(), expected, "{attribute} {condition:?}");
        assert_eq!(out.scanned_count(), 11);
    }
    let or = h
        .client
        .scan()
        .table_name(&t)
        .scan_filter("n", cond("LT", &[n("20")]))
        .scan_filter("kind", cond("NULL", &[]))
        .conditional_operator(ConditionalOperator::Or)
        .attributes_to_get("p")
        .attributes_to_get("t")
        .send()
        .await
        .unwrap();
    let mut found: Vec<(String, String)> = or
        .items()
        .iter()
        .map(|it| {
            let text = |k: &str| it[k].as_s().unwrap().clone();
            (text("p"), text("t"))
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("a".to_owned(), "t0".to_owned()),
            ("a".to_owned(), "t1".to_owned()),
            ("b".to_owned(), "t0".to_owned())
        ]
    );
}

#[tokio::test]
async fn attributes_to_get_projects_every_read() {
    let h = Harness::start().await;
    let t = readings(&h).await;
    let key = |sk: &str| item(&[("p", s("a")), ("t", s(sk))]);
    let got = h
        .client
        .get_item()
        .table_name(&t)
        .set_key(Some(key("t3")))
        .attributes_to_get("n")
        .attributes_to_get("missing")
        .attributes_to_get("t")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.item().cloned().unwrap(),
        item(&[("n", n("30")), ("t", s("t3"))])
    );
    // A name with a dot is one attribute's name, not a path.
    let got = h
        .client
        .get_item()
        .table_name(&t)
        .set_key(Some(key("t3")))
        .attributes_to_get("tags.x")
        .send()
        .await
        .unwrap();
    assert_eq!(got.item().cloned().unwrap(), Item::new());

    let batch = h
        .client
        .batch_get_item()
        .request_items(
            &t,
            KeysAndAttributes::builder()
                .keys(key("t1"))
                .keys(key("t2"))
                .attributes_to_get("kind")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut kinds: Vec<Item> = batch.responses().unwrap()[&t].clone();
    kinds.sort_by_key(|it| it["kind"].as_s().unwrap().clone());
    assert_eq!(
        kinds,
        [item(&[("kind", s("even"))]), item(&[("kind", s("odd"))])]
    );

    let scan = h
        .client
        .scan()
        .table_name(&t)
        .attributes_to_get("opt")
        .select(Select::SpecificAttributes)
        .send()
        .await
        .unwrap();
    assert_eq!(scan.count(), 11);
    assert_eq!(scan.items().iter().filter(|it| !it.is_empty()).count(), 5);
}

#[tokio::test]
async fn legacy_and_expression_parameters_do_not_mix() {
    let h = Harness::start().await;
    let t = readings(&h).await;
    let mixed = |legacy: &str, expression: &str| {
        format!(
            "Can not use both expression and non-expression parameters in the same request: \
             Non-expression parameters: {{{legacy}}} Expression parameters: {{{expression}}}"
        )
    };
    assert_error(
        h.client
            .get_item()
            .table_name(&t)
            .key("p", s("a"))
            .key("t", s("t1"))
            .attributes_to_get("n")
            .projection_expression("n")
            .send()
            .await,
        "ValidationException",
        &mixed("AttributesToGet", "ProjectionExpression"),
    );
    assert_error(
        h.client
            .query()
            .table_name(&t)
            .key_conditions("p", in_a())
            .query_filter("n", cond("NOT_NULL", &[]))
            .key_condition_expression("p = :p")
            .expression_attribute_values(":p", s("a"))
            .send()
            .await,
        "ValidationException",
        &mixed("QueryFilter, KeyConditions", "KeyConditionExpression"),
    );
    assert_error(
        h.client
            .scan()
            .table_name(&t)
            .filter_expression("attribute_exists(n)")
            .conditional_operator(ConditionalOperator::Or)
            .send()
            .await,
        "ValidationException",
        &mixed("ConditionalOperator", "FilterExpression"),
    );
    assert_error(
        h.client
            .batch_get_item()
            .request_items(
                &t,
                KeysAndAttributes::builder()
                    .keys(item(&[("p", s("a")), ("t", s("t1"))]))
                    .attributes_to_get("n")
                    .projection_expression("n")
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
        "ValidationException",
        &mixed("AttributesToGet", "ProjectionExpression"),
    );
    assert_error(
        h.client
            .query()
            .table_name(&t)
            .key_conditions("p", in_a())
            .expression_attribute_values(":v", s("a"))
            .send()
            .await,
        "ValidationException",
        "ExpressionAttributeValues can only be specified when using expressions: \
         FilterExpression and KeyConditionExpression are null",
    );
}

#[tokio::test]
async fn conditions_are_validated_as_the_service_does() {
    let h = Harness::start().await;
    let t = readings(&h).await;
    let invalid = "One or more parameter values were invalid: ";
    let cases: Vec<(Condition, String)> = vec![
        (
            cond("EQ", &[]),
            format!("{invalid}Invalid number of argument(s) for the EQ ComparisonOperator"),
        ),
        (
            cond("NULL", &[s("x")]),
            format!("{invalid}Invalid number of argument(s) for the NULL ComparisonOperator"),
        ),
        (
            cond("BETWEEN", &[n("1")]),
            format!("{invalid}Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
        ),
        (
            cond("IN", &[n("1"), s("x")]),
            format!("{invalid}AttributeValues inside AttributeValueList must be of same type"),
        ),
        (
            cond("LT", &[ss(&["x"])]),
            format!("{invalid}ComparisonOperator LT is not valid for SS AttributeValue type"),
        ),
        (
            cond("BEGINS_WITH", &[n("1")]),
            format!(
                "{invalid}ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"
            ),
        ),
        (
            cond("CONTAINS", &[l(vec![])]),
            format!("{invalid}ComparisonOperator CONTAINS is not valid for L AttributeValue type"),
        ),
        (
            cond("IN", &[AttributeValue::Bool(true)]),
            format!("{invalid}ComparisonOperator IN is not valid for BOOL AttributeValue type"),
        ),
        (
            cond("BETWEEN", &[n("5"), n("1")]),
            "The BETWEEN condition was provided a range where the lower bound is greater than \
             the upper bound"
                .to_owned(),
        ),
        (
            cond("SOMETIMES", &[n("5")]),
            "Comparison type does not exist in DynamoDB".to_owned(),
        ),
    ];
    for (condition, message) in cases {
        assert_error(
            h.client
                .scan()
                .table_name(&t)
                .scan_filter("n", condition)
                .send()
                .await,
            "ValidationException",
            &message,
        );
    }
    // ConditionalOperator qualifies two or more conditions.
    assert_error(
        h.client
            .scan()
            .table_name(&t)
            .conditional_operator(ConditionalOperator::And)
            .send()
            .await,
        "ValidationException",
        "ConditionalOperator cannot be used without Filter or Expected",
    );
    assert_error(
        h.client
            .query()
            .table_name(&t)
            .key_conditions("p", in_a())
            .query_filter("n", cond("NOT_NULL", &[]))
            .conditional_operator(ConditionalOperator::Or)
            .send()
            .await,
        "ValidationException",
        "ConditionalOperator can only be used when Filter or Expected has two or more elements",
    );
    // A filter on a key attribute is a Query's error only.
    assert_error(
        h.client
            .query()
            .table_name(&t)
            .key_conditions("p", in_a())
            .query_filter("t", cond("NOT_NULL", &[]))
            .send()
            .await,
        "ValidationException",
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: t",
    );
    let out = h
        .client
        .scan()
        .table_name(&t)
        .scan_filter("t", cond("EQ", &[s("t0")]))
        .select(Select::Count)
        .send()
        .await
        .unwrap();
    assert_eq!(out.count(), 2);
}

#[tokio::test]
async fn key_conditions_must_fit_the_key_schema() {
    let h = Harness::start().await;
    let t = readings(&h).await;
    let query = |conditions: Vec<(&str, Condition)>| {
        let mut q = h.client.query().table_name(&t);
        for (name, c) in conditions {
            q = q.key_conditions(name, c);
        }
        q.send()
    };
    let mismatch = "One or more parameter values were invalid: Condition parameter type does not \
                    match schema type";
    let cases: Vec<(Vec<(&str, Condition)>, &str)> = vec![
        (
            vec![],
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
        ),
        (
            vec![("t", cond("EQ", &[s("t1")]))],
            "Query condition missed key schema element",
        ),
        (
            vec![("p", cond("GT", &[s("a")]))],
            "Query key condition not supported",
        ),
        (vec![("p", cond("EQ", &[n("1")]))], mismatch),
        (
            vec![("p", cond("NOT_NULL", &[]))],
            "Only scalar types can be used as Hash Key values",
        ),
        (
            vec![("p", in_a()), ("n", cond("EQ", &[n("1")]))],
            "Query condition missed key schema element",
        ),
        (
            vec![("p", in_a()), ("t", cond("IN", &[s("t1")]))],
            "Attempted conditional constraint is not an indexable operation",
        ),
        (
            vec![("p", in_a()), ("t", cond("NULL", &[]))],
            "Only scalar types can be used as Range Key values",
        ),
        (vec![("p", in_a()), ("t", cond("EQ", &[n("1")]))], mismatch),
        (
            vec![
                ("p", in_a()),
                ("t", cond("EQ", &[s("t1")])),
                ("n", cond("EQ", &[n("1")])),
            ],
            "Conditions can be of length 1 or 2 only",
        ),
    ];
    for (conditions, message) in cases {
        let shown = format!("{conditions:?}");
        let (code, got) = error_of(query(conditions).await);
        assert_eq!(
            (code.as_str(), got.as_str()),
            ("ValidationException", message),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn attributes_to_get_is_refused_where_the_service_refuses_it() {
    let h = Harness::start().await;
    let t = readings(&h).await;
    assert_error(
        h.client
            .get_item()
            .table_name(&t)
            .key("p", s("a"))
            .key("t", s("t1"))
            .set_attributes_to_get(Some(strings(&["n", "n"])))
            .send()
            .await,
        "ValidationException",
        "Cannot have two attributes with the same name",
    );
    assert_error(
        h.client
            .batch_get_item()
            .request_items(
                &t,
                KeysAndAttributes::builder()
                    .keys(item(&[("p", s("a")), ("t", s("t1"))]))
                    .set_attributes_to_get(Some(strings(&["n", "n"])))
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
        "ValidationException",
        "One or more parameter values were invalid: Duplicate value in attribute name: n",
    );
    assert_error(
        h.client
            .scan()
            .table_name(&t)
            .attributes_to_get("n")
            .select(Select::Count)
            .send()
            .await,
        "ValidationException",
        "Cannot specify the AttributesToGet when choosing to get only the Count",
    );
    assert_error(
        h.client
            .query()
            .table_name(&t)
            .key_conditions("p", in_a())
            .attributes_to_get("n")
            .select(Select::AllAttributes)
            .send()
            .await,
        "ValidationException",
        "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES",
    );
}

fn exists(flag: bool) -> ExpectedAttributeValue {
    ExpectedAttributeValue::builder().exists(flag).build()
}

fn expect_value(value: AttributeValue) -> ExpectedAttributeValue {
    ExpectedAttributeValue::builder().value(value).build()
}

fn expect_cond(op: &str, values: &[AttributeValue]) -> ExpectedAttributeValue {
    ExpectedAttributeValue::builder()
        .comparison_operator(ComparisonOperator::from(op))
        .set_attribute_value_list((!values.is_empty()).then(|| values.to_vec()))
        .build()
}

fn update(action: Option<&str>, value: Option<AttributeValue>) -> AttributeValueUpdate {
    AttributeValueUpdate::builder()
        .set_action(action.map(AttributeAction::from))
        .set_value(value)
        .build()
}

/// `things`: partition key `pk` (S) holding one item, "u", with a number, a string, a string
/// set and a list.
async fn things(h: &Harness) -> String {
    let name = h.table("things");
    create_hash_table(&h.client, &name, "pk", ScalarAttributeType::S).await;
    h.client
        .put_item()
        .table_name(&name)
        .set_item(Some(item(&[
            ("pk", s("u")),
            ("n", n("1")),
            ("s", s("abc")),
            ("ss", ss(&["a", "b"])),
            ("l", l(vec![s("x")])),
        ])))
        .send()
        .await
        .unwrap();
    name
}

async fn stored(h: &Harness, table: &str, pk: &str) -> Option<Item> {
    h.client
        .get_item()
        .table_name(table)
        .key("pk", s(pk))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item()
        .cloned()
        .map(sorted_sets)
}

#[tokio::test]
async fn expected_conditions_guard_every_write() {
    let h = Harness::start().await;
    let t = things(&h).await;
    let failed = "The conditional request failed";
    // PutItem: create only if absent.
    h.client
        .put_item()
        .table_name(&t)
        .item("pk", s("new"))
        .expected("pk", exists(false))
        .send()
        .await
        .unwrap();
    assert_error(
        h.client
            .put_item()
            .table_name(&t)
            .item("pk", s("new"))
            .expected("pk", exists(false))
            .send()
            .await,
        "ConditionalCheckFailedException",
        failed,
    );
    // A value, a comparison, and the old item on failure.
    let refused = h
        .client
        .put_item()
        .table_name(&t)
        .item("pk", s("u"))
        .expected("n", expect_value(n("2")))
        .return_values_on_condition_check_failure(
            aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .send()
        .await
        .unwrap_err();
    match refused.into_service_error() {
        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(e) => {
            assert_eq!(e.item().unwrap()["s"], s("abc"));
        }
        other => panic!("expected ConditionalCheckFailedException, got {other:?}"),
    }
    h.client
        .update_item()
        .table_name(&t)
        .key("pk", s("u"))
        .expected("n", expect_cond("GT", &[n("0")]))
        .expected("s", expect_cond("BEGINS_WITH", &[s("ab")]))
        .attribute_updates("n", update(Some("ADD"), Some(n("1"))))
        .send()
        .await
        .unwrap();
    assert_eq!(stored(&h, &t, "u").await.unwrap()["n"], n("2"));
    // AND needs both, OR either.
    let delete = |op: ConditionalOperator| {
        h.client
            .delete_item()
            .table_name(&t)
            .key("pk", s("u"))
            .expected("n", exists(false))
            .expected("s", expect_value(s("abc")))
            .conditional_operator(op)
            .send()
    };
    assert_error(
        delete(ConditionalOperator::And).await,
        "ConditionalCheckFailedException",
        failed,
    );
    assert!(stored(&h, &t, "u").await.is_some());
    delete(ConditionalOperator::Or).await.unwrap();
    assert_eq!(stored(&h, &t, "u").await, None);
}

#[tokio::test]
async fn attribute_updates_put_add_and_delete() {
    let h = Harness::start().await;
    let t = things(&h).await;
    let out = h
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("u"))
        .attribute_updates("n", update(Some("ADD"), Some(n("5"))))
        .attribute_updates("ss", update(Some("ADD"), Some(ss(&["c"]))))
        .attribute_updates("l", update(Some("ADD"), Some(l(vec![s("y")]))))
        .attribute_updates("s", update(Some("DELETE"), None))
        .attribute_updates("fresh", update(Some("PUT"), Some(s("new"))))
        .attribute_updates("absent", update(Some("DELETE"), Some(ss(&["q"]))))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedOld)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sorted_sets(out.attributes().cloned().unwrap()),
        item(&[
            ("n", n("1")),
            ("ss", ss(&["a", "b"])),
            ("l", l(vec![s("x")])),
            ("s", s("abc"))
        ])
    );
    assert_eq!(
        stored(&h, &t, "u").await.unwrap(),
        item(&[
            ("pk", s("u")),
            ("n", n("6")),
            ("ss", ss(&["a", "b", "c"])),
            ("l", l(vec![s("x"), s("y")])),
            ("fresh", s("new")),
        ])
    );
    // Deleting every element removes the set.
    let out = h
        .client
        .update_item()
        .table_name(&t)
        .key("pk", s("u"))
        .attribute_updates("ss", update(Some("DELETE"), Some(ss(&["a", "b", "c"]))))
        .attribute_updates("fresh", update(Some("PUT"), Some(n("7"))))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.attributes().cloned().unwrap(),
        item(&[("fresh", n("7"))])
    );
    if h.is_emulator() {
        // PUT is the documented default action (DynamoDB Local leaves such an entry undone).
        h.client
            .update_item()
            .table_name(&t)
            .key("pk", s("u"))
            .attribute_updates("fresh", update(None, Some(n("8"))))
            .send()
            .await
            .unwrap();
        assert_eq!(stored(&h, &t, "u").await.unwrap()["fresh"], n("8"));
    }
    // An update of a missing item creates it.
    h.client
        .update_item()
        .table_name(&t)
        .key("pk", s("v"))
        .attribute_updates("count", update(Some("ADD"), Some(n("3"))))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stored(&h, &t, "v").await.unwrap(),
        item(&[("pk", s("v")), ("count", n("3"))])
    );
}

#[tokio::test]
async fn attribute_updates_follow_the_type_rules() {
    let h = Harness::start().await;
    let t = things(&h).await;
    let invalid = "One or more parameter values were invalid: ";
    let cases: Vec<(&str, AttributeValueUpdate, String)> = vec![
        (
            "s",
            update(Some("ADD"), Some(s("y"))),
            format!("{invalid}ADD action is not supported for the type STRING"),
        ),
        (
            "n",
            update(Some("ADD"), Some(AttributeValue::Bool(true))),
            format!("{invalid}ADD action is not supported for the type BOOLEAN"),
        ),
        (
            "n",
            update(Some("ADD"), None),
            format!("{invalid}Only DELETE action is allowed when no attribute value is specified"),
        ),
        (
            "n",
            update(Some("DELETE"), Some(n("1"))),
            format!("{invalid}DELETE action with value is not supported for the type NUMBER"),
        ),
        (
            "l",
            update(Some("DELETE"), Some(l(vec![s("x")]))),
            format!("{invalid}DELETE action with value is not supported for the type LIST"),
        ),
        (
            "pk",
            update(Some("PUT"), Some(s("z"))),
            format!("{invalid}Cannot update attribute pk. This attribute is part of the key"),
        ),
        (
            "n",
            update(Some("ADD"), Some(ss(&["x"]))),
            "Type mismatch for attribute to update".to_owned(),
        ),
        (
            "s",
            update(Some("ADD"), Some(n("1"))),
            "Type mismatch for attribute to update".to_owned(),
        ),
        (
            "ss",
            update(Some("DELETE"), Some(ns(&["1"]))),
            "Type mismatch for attribute to update".to_owned(),
        ),
        (
            "n",
            update(Some("SOMETIMES"), Some(n("1"))),
            "Member must satisfy enum value set: [ADD, DELETE, PUT]".to_owned(),
        ),
    ];
    for (attribute, change, message) in cases {
        let shown = format!("{attribute} {change:?}");
        let (code, got) = error_of(
            h.client
                .update_item()
                .table_name(&t)
                .key("pk", s("u"))
                .attribute_updates(attribute, change)
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), got.as_str()),
            ("ValidationException", message.as_str()),
            "{shown}"
        );
    }
    // Nothing was changed by the refused updates.
    assert_eq!(
        stored(&h, &t, "u").await.unwrap(),
        item(&[
            ("pk", s("u")),
            ("n", n("1")),
            ("s", s("abc")),
            ("ss", ss(&["a", "b"])),
            ("l", l(vec![s("x")])),
        ])
    );
}

#[tokio::test]
async fn expected_is_validated_as_the_service_does() {
    let h = Harness::start().await;
    let t = things(&h).await;
    let invalid = "One or more parameter values were invalid: ";
    let both = ExpectedAttributeValue::builder()
        .value(n("1"))
        .attribute_value_list(n("1"))
        .build();
    let exists_and_operator = ExpectedAttributeValue::builder()
        .exists(true)
        .comparison_operator(ComparisonOperator::Eq)
        .attribute_value_list(n("1"))
        .build();
    let list_alone = ExpectedAttributeValue::builder()
        .attribute_value_list(n("1"))
        .build();
    let cases: Vec<(ExpectedAttributeValue, String)> = vec![
        (
            exists(true),
            format!("{invalid}Value must be provided when Exists is true for Attribute: n"),
        ),
        (
            ExpectedAttributeValue::builder().build(),
            format!("{invalid}Value must be provided when Exists is null for Attribute: n"),
        ),
        (
            ExpectedAttributeValue::builder()
                .exists(false)
                .value(n("1"))
                .build(),
            format!("{invalid}Value cannot be used when Exists is false for Attribute: n"),
        ),
        (
            both,
            format!(
                "{invalid}Value and AttributeValueList cannot be used together for Attribute: n"
            ),
        ),
        (
            exists_and_operator,
            format!(
                "{invalid}Exists and ComparisonOperator cannot be used together for Attribute: n"
            ),
        ),
        (
            list_alone,
            format!(
                "{invalid}AttributeValueList can only be used with a ComparisonOperator for \
                 Attribute: n"
            ),
        ),
        (
            expect_cond("EQ", &[]),
            format!(
                "{invalid}Value or AttributeValueList must be used with ComparisonOperator: EQ \
                 for Attribute: n"
            ),
        ),
        (
            expect_cond("BETWEEN", &[n("1")]),
            format!("{invalid}Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
        ),
    ];
    for (entry, message) in cases {
        let shown = format!("{entry:?}");
        let (code, got) = error_of(
            h.client
                .delete_item()
                .table_name(&t)
                .key("pk", s("u"))
                .expected("n", entry)
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), got.as_str()),
            ("ValidationException", message.as_str()),
            "{shown}"
        );
    }
    assert_error(
        h.client
            .put_item()
            .table_name(&t)
            .item("pk", s("u"))
            .conditional_operator(ConditionalOperator::Or)
            .send()
            .await,
        "ValidationException",
        "ConditionalOperator cannot be used without Filter or Expected",
    );
    assert_error(
        h.client
            .put_item()
            .table_name(&t)
            .item("pk", s("u"))
            .expected("n", exists(true))
            .condition_expression("attribute_exists(n)")
            .send()
            .await,
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: \
         Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
    );
    assert_error(
        h.client
            .update_item()
            .table_name(&t)
            .key("pk", s("u"))
            .attribute_updates("n", update(Some("PUT"), Some(n("2"))))
            .update_expression("SET n = :v")
            .expression_attribute_values(":v", n("1"))
            .send()
            .await,
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: \
         Non-expression parameters: {AttributeUpdates} Expression parameters: \
         {UpdateExpression}",
    );
}

/// A table keyed by `pk` (S) with a KEYS_ONLY global index `byG` on `g` (S) and, with
/// `sorted`, `r` (N).
async fn indexed(h: &Harness, name: &str, sorted: bool) -> String {
    let t = h.table(name);
    let mut index = GlobalSecondaryIndex::builder()
        .index_name("byG")
        .key_schema(key_elem("g", KeyType::Hash))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        );
    let mut create = h
        .client
        .create_table()
        .table_name(&t)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr_def("pk", ScalarAttributeType::S))
        .attribute_definitions(attr_def("g", ScalarAttributeType::S))
        .key_schema(key_elem("pk", KeyType::Hash));
    if sorted {
        index = index.key_schema(key_elem("r", KeyType::Range));
        create = create.attribute_definitions(attr_def("r", ScalarAttributeType::N));
    }
    create
        .global_secondary_indexes(index.build().unwrap())
        .send()
        .await
        .unwrap();
    t
}

#[tokio::test]
async fn legacy_reads_of_an_index_follow_its_keys_and_projection() {
    let h = Harness::start().await;
    let t = indexed(&h, "tracks", true).await;
    for i in 1..=3 {
        h.client
            .put_item()
            .table_name(&t)
            .set_item(Some(item(&[
                ("pk", s(&format!("p{i}"))),
                ("g", s("G")),
                ("r", n(&i.to_string())),
                ("x", n(&i.to_string())),
            ])))
            .send()
            .await
            .unwrap();
    }
    let query = || {
        h.client
            .query()
            .table_name(&t)
            .index_name("byG")
            .key_conditions("g", cond("EQ", &[s("G")]))
    };
    let out = query()
        .key_conditions("r", cond("GE", &[n("2")]))
        .send()
        .await
        .unwrap();
    let mut found: Vec<Item> = out.items().to_vec();
    found.sort_by_key(|it| it["pk"].as_s().unwrap().clone());
    assert_eq!(
        found,
        [
            item(&[("pk", s("p2")), ("g", s("G")), ("r", n("2"))]),
            item(&[("pk", s("p3")), ("g", s("G")), ("r", n("3"))]),
        ]
    );
    // The table's key is an ordinary attribute of the index.
    let out = query()
        .query_filter("pk", cond("NOT_NULL", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(out.count(), 3);
    assert_error(
        query()
            .query_filter("r", cond("NOT_NULL", &[]))
            .send()
            .await,
        "ValidationException",
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: r",
    );
    assert_error(
        query().attributes_to_get("x").send().await,
        "ValidationException",
        "One or more parameter values were invalid: Global secondary index byG does not \
         project [x]",
    );
    assert_error(
        query()
            .query_filter("x", cond("NOT_NULL", &[]))
            .send()
            .await,
        "ValidationException",
        "One or more parameter values were invalid: Secondary index byG does not project one \
         or more filter attributes: [x]",
    );
    assert_error(
        h.client
            .query()
            .table_name(&t)
            .index_name("byG")
            .key_conditions("pk", cond("EQ", &[s("p1")]))
            .send()
            .await,
        "ValidationException",
        "Query condition missed key schema element",
    );
    assert_error(
        h.client
            .scan()
            .table_name(&t)
            .index_name("byG")
            .attributes_to_get("r")
            .select(Select::AllProjectedAttributes)
            .send()
            .await,
        "ValidationException",
        "Cannot specify the AttributesToGet when choosing to get ALL_PROJECTED_ATTRIBUTES",
    );
}

#[tokio::test]
async fn attribute_updates_of_index_keys_are_checked_as_whole_items() {
    let h = Harness::start().await;
    let t = indexed(&h, "keyed", false).await;
    let set_g = |value: AttributeValue| {
        h.client
            .update_item()
            .table_name(&t)
            .key("pk", s("p1"))
            .attribute_updates("g", update(Some("PUT"), Some(value)))
            .send()
    };
    assert_error_starts(
        set_g(n("1")).await,
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key",
    );
    assert_error(
        set_g(s("")).await,
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index \
         key is not supported. The AttributeValue for a key attribute cannot contain an empty \
         string value. IndexName: byG, IndexKey: g",
    );
    set_g(s("G")).await.unwrap();
    let out = h
        .client
        .query()
        .table_name(&t)
        .index_name("byG")
        .key_conditions("g", cond("EQ", &[s("G")]))
        .send()
        .await
        .unwrap();
    assert_eq!(out.items(), [item(&[("pk", s("p1")), ("g", s("G"))])]);
}
