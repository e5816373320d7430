//! Query and Scan against an in-memory service: validation texts, order, paging by `Limit`
//! and by 1 MB, filters, `Select`, consumed capacity, and parallel scans.

use std::collections::BTreeSet;
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::config::Config;
use crate::dynamodb::DynamoDb;
use crate::dynamodb::error::{DynamoError, ErrorCode};
use crate::dynamodb::json;
use crate::dynamodb::ops::create_table::create_table;
use crate::dynamodb::ops::put_item::put_item;
use crate::dynamodb::ops::query::query;
use crate::dynamodb::ops::scan::scan;
use crate::storage::Store;

const REGION: &str = "us-east-1";

fn service() -> DynamoDb {
    let store = Arc::new(Store::in_memory().expect("in-memory store"));
    DynamoDb::open(store, &Config::ephemeral()).expect("open the service")
}

/// Creates `name` with partition key `pk` (S) and, when `sort` names a type, sort key `sk`.
async fn create(db: &DynamoDb, name: &str, sort: Option<&str>) {
    let mut defs = vec![json!({"AttributeName": "pk", "AttributeType": "S"})];
    let mut schema = vec![json!({"AttributeName": "pk", "KeyType": "HASH"})];
    if let Some(t) = sort {
        defs.push(json!({"AttributeName": "sk", "AttributeType": t}));
        schema.push(json!({"AttributeName": "sk", "KeyType": "RANGE"}));
    }
    let input = serde_json::from_value(json!({
        "TableName": name,
        "AttributeDefinitions": defs,
        "KeySchema": schema,
        "BillingMode": "PAY_PER_REQUEST",
    }))
    .unwrap();
    create_table(db, REGION, input).await.unwrap();
}

async fn put(db: &DynamoDb, table: &str, item: Value) {
    let input = serde_json::from_value(json!({"TableName": table, "Item": item})).unwrap();
    put_item(db, REGION, (input, None)).await.unwrap();
}

/// Decodes `request` as the dispatcher does, holding attribute-value errors back.
fn decode<T: serde::de::DeserializeOwned>(request: &Value) -> (T, Option<DynamoError>) {
    json::decode_deferred(request.to_string().as_bytes()).expect("a decodable request")
}

fn run_query(db: &DynamoDb, request: Value) -> Result<Value, DynamoError> {
    let out = query(db, REGION, decode(&request))?;
    Ok(serde_json::from_slice(&out.to_body()).expect("the answer is JSON"))
}

fn run_scan(db: &DynamoDb, request: Value) -> Result<Value, DynamoError> {
    let out = scan(db, REGION, decode(&request))?;
    Ok(serde_json::from_slice(&out.to_body()).expect("the answer is JSON"))
}

fn validation(r: Result<Value, DynamoError>) -> String {
    let e = r.expect_err("a ValidationException");
    assert_eq!(e.code, ErrorCode::ValidationException, "{e}");
    e.message
}

/// The `sk` numbers of the answer's items, in order.
fn sks(answer: &Value) -> Vec<i64> {
    answer["Items"]
        .as_array()
        .expect("Items")
        .iter()
        .map(|item| item["sk"]["N"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// `events`: partitions "a" (sk 1..=10, v = 10·sk) and "b" (sk 1..=3).
async fn events(db: &DynamoDb) {
    create(db, "events", Some("N")).await;
    for sk in 1..=10 {
        put(
            db,
            "events",
            json!({"pk": {"S": "a"}, "sk": {"N": sk.to_string()}, "v": {"N": (10 * sk).to_string()},
                   "kind": {"S": if sk % 2 == 0 { "even" } else { "odd" }}}),
        )
        .await;
    }
    for sk in 1..=3 {
        put(
            db,
            "events",
            json!({"pk": {"S": "b"}, "sk": {"N": sk.to_string()}}),
        )
        .await;
    }
}

fn in_a(extra: Value) -> Value {
    let mut request = json!({
        "TableName": "events",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "a"}},
    });
    for (k, v) in extra.as_object().unwrap() {
        if k == "ExpressionAttributeValues" {
            for (name, value) in v.as_object().unwrap() {
                request[k][name] = value.clone();
            }
        } else {
            request[k] = v.clone();
        }
    }
    request
}

#[tokio::test]
async fn query_reads_one_partition_in_sort_key_order_both_ways() {
    let db = service();
    events(&db).await;
    let out = run_query(&db, in_a(json!({}))).unwrap();
    assert_eq!(sks(&out), (1..=10).collect::<Vec<_>>());
    assert_eq!(
        (out["Count"].as_u64(), out["ScannedCount"].as_u64()),
        (Some(10), Some(10))
    );
    assert!(out.get("LastEvaluatedKey").is_none());
    let out = run_query(&db, in_a(json!({"ScanIndexForward": false}))).unwrap();
    assert_eq!(sks(&out), (1..=10).rev().collect::<Vec<_>>());
}

#[tokio::test]
async fn query_sort_key_conditions_select_ranges() {
    let db = service();
    events(&db).await;
    let cases: &[(&str, Value, Vec<i64>)] = &[
        ("pk = :p AND sk = :a", json!({":a": {"N": "4"}}), vec![4]),
        (
            "pk = :p AND sk < :a",
            json!({":a": {"N": "4"}}),
            vec![1, 2, 3],
        ),
        (
            "pk = :p AND sk <= :a",
            json!({":a": {"N": "4"}}),
            vec![1, 2, 3, 4],
        ),
        (
            "pk = :p AND sk > :a",
            json!({":a": {"N": "8"}}),
            vec![9, 10],
        ),
        (
            "pk = :p AND sk >= :a",
            json!({":a": {"N": "8"}}),
            vec![8, 9, 10],
        ),
        (
            "pk = :p AND sk BETWEEN :a AND :b",
            json!({":a": {"N": "3"}, ":b": {"N": "5"}}),
            vec![3, 4, 5],
        ),
        (
            "pk = :p AND sk > :a",
            json!({":a": {"N": "2.5"}}),
            (3..=10).collect(),
        ),
    ];
    for (cond, values, expected) in cases {
        let out = run_query(
            &db,
            in_a(json!({"KeyConditionExpression": cond, "ExpressionAttributeValues": values})),
        )
        .unwrap_or_else(|e| panic!("{cond}: {e}"));
        assert_eq!(&sks(&out), expected, "{cond}");
    }
}

#[tokio::test]
async fn query_orders_strings_by_bytes_and_begins_with_selects_a_prefix() {
    let db = service();
    create(&db, "words", Some("S")).await;
    for w in ["b", "a", "ab", "aa", "Z", "é", "abc", "b\u{0}"] {
        put(&db, "words", json!({"pk": {"S": "p"}, "sk": {"S": w}})).await;
    }
    let words = |out: &Value| -> Vec<String> {
        out["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["sk"]["S"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = run_query(
        &db,
        json!({"TableName": "words", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "p"}}}),
    )
    .unwrap();
    assert_eq!(
        words(&all),
        ["Z", "a", "aa", "ab", "abc", "b", "b\u{0}", "é"]
    );
    let prefixed = run_query(
        &db,
        json!({"TableName": "words", "KeyConditionExpression": "pk = :p AND begins_with(sk, :x)",
               "ExpressionAttributeValues": {":p": {"S": "p"}, ":x": {"S": "ab"}}}),
    )
    .unwrap();
    assert_eq!(words(&prefixed), ["ab", "abc"]);
}

/// Reads every page of a request, following `LastEvaluatedKey`.
fn all_pages(run: impl Fn(Value) -> Result<Value, DynamoError>, request: Value) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut request = request;
    loop {
        let page = run(request.clone()).unwrap();
        let next = page.get("LastEvaluatedKey").cloned();
        pages.push(page);
        match next {
            Some(key) => request["ExclusiveStartKey"] = key,
            None => return pages,
        }
        assert!(pages.len() < 1000, "paging does not end");
    }
}

#[tokio::test]
async fn limit_pages_through_a_partition_forward_and_backward() {
    let db = service();
    events(&db).await;
    let pages = all_pages(|r| run_query(&db, r), in_a(json!({"Limit": 3})));
    let got: Vec<Vec<i64>> = pages.iter().map(sks).collect();
    // The fourth page is empty: Limit stopped the third exactly at the end, and the service
    // still offers a LastEvaluatedKey then.
    assert_eq!(
        got,
        vec![vec![1, 2, 3], vec![4, 5, 6], vec![7, 8, 9], vec![10]]
    );
    assert_eq!(
        pages[0]["LastEvaluatedKey"],
        json!({"pk": {"S": "a"}, "sk": {"N": "3"}})
    );

    let pages = all_pages(|r| run_query(&db, r), in_a(json!({"Limit": 5})));
    let got: Vec<Vec<i64>> = pages.iter().map(sks).collect();
    assert_eq!(got, vec![vec![1, 2, 3, 4, 5], vec![6, 7, 8, 9, 10], vec![]]);

    let pages = all_pages(
        |r| run_query(&db, r),
        in_a(json!({"Limit": 4, "ScanIndexForward": false})),
    );
    let got: Vec<Vec<i64>> = pages.iter().map(sks).collect();
    assert_eq!(got, vec![vec![10, 9, 8, 7], vec![6, 5, 4, 3], vec![2, 1]]);
}

#[tokio::test]
async fn limit_counts_items_read_before_the_filter() {
    let db = service();
    events(&db).await;
    let out = run_query(
        &db,
        in_a(
            json!({"FilterExpression": "v < :v", "ExpressionAttributeValues": {":v": {"N": "35"}},
                    "Limit": 4}),
        ),
    )
    .unwrap();
    assert_eq!(sks(&out), [1, 2, 3]);
    assert_eq!(
        (out["Count"].as_u64(), out["ScannedCount"].as_u64()),
        (Some(3), Some(4))
    );
    // The key of the last item read, though the filter dropped it.
    assert_eq!(
        out["LastEvaluatedKey"],
        json!({"pk": {"S": "a"}, "sk": {"N": "4"}})
    );

    let out = run_query(
        &db,
        in_a(json!({"FilterExpression": "kind = :k", "ExpressionAttributeValues": {":k": {"S": "odd"}},
                    "Limit": 1})),
    )
    .unwrap();
    assert_eq!(sks(&out), [1]);
    let out = run_query(
        &db,
        in_a(json!({"FilterExpression": "kind = :k", "ExpressionAttributeValues": {":k": {"S": "even"}},
                    "Limit": 1})),
    )
    .unwrap();
    assert_eq!(out["Items"], json!([]));
    assert_eq!(
        (out["Count"].as_u64(), out["ScannedCount"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(
        out["LastEvaluatedKey"],
        json!({"pk": {"S": "a"}, "sk": {"N": "1"}})
    );
}

#[tokio::test]
async fn select_count_and_projections_shape_the_answer() {
    let db = service();
    events(&db).await;
    let out = run_query(
        &db,
        in_a(json!({"Select": "COUNT", "FilterExpression": "v > :v",
                    "ExpressionAttributeValues": {":v": {"N": "20"}}})),
    )
    .unwrap();
    assert_eq!(out, json!({"Count": 8, "ScannedCount": 10}));

    let out = run_query(
        &db,
        in_a(
            json!({"ProjectionExpression": "v, #k", "ExpressionAttributeNames": {"#k": "kind"},
                    "Limit": 2}),
        ),
    )
    .unwrap();
    assert_eq!(
        out["Items"],
        json!([{"v": {"N": "10"}, "kind": {"S": "odd"}}, {"v": {"N": "20"}, "kind": {"S": "even"}}])
    );
    // The page's key is the full key even when the projection leaves it out.
    assert_eq!(
        out["LastEvaluatedKey"],
        json!({"pk": {"S": "a"}, "sk": {"N": "2"}})
    );

    let out = run_query(
        &db,
        in_a(json!({"Select": "SPECIFIC_ATTRIBUTES", "ProjectionExpression": "sk"})),
    )
    .unwrap();
    assert_eq!(sks(&out), (1..=10).collect::<Vec<_>>());
    assert_eq!(out["Items"][0], json!({"sk": {"N": "1"}}));
}

#[tokio::test]
async fn query_validation_follows_the_service_texts() {
    let db = service();
    events(&db).await;
    assert_eq!(
        validation(run_query(&db, json!({"TableName": "events"}))),
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the \
         request."
    );
    assert_eq!(
        validation(run_query(&db, in_a(json!({"FilterExpression": "sk > :p"})))),
        "Filter Expression can only contain non-primary key attributes: Primary key \
         attribute: sk"
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"FilterExpression": "sk = :p AND pk = :p"}))
        )),
        "Filter Expression can only contain non-primary key attributes: Primary key \
         attribute: pk"
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"Select": "ALL_ATTRIBUTES", "ProjectionExpression": "v"}))
        )),
        "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"Select": "ALL_PROJECTED_ATTRIBUTES"}))
        )),
        "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
    );
    assert_eq!(
        validation(run_query(&db, in_a(json!({"IndexName": "byKind"})))),
        "The table does not have the specified index: byKind"
    );
    assert_eq!(
        validation(run_query(&db, in_a(json!({"Limit": 0})))),
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: \
         Member must have value greater than or equal to 1"
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(
                json!({"QueryFilter": {"v": {"ComparisonOperator": "NOT_NULL"}},
                        "AttributesToGet": ["v"], "ConditionalOperator": "AND"})
            )
        )),
        "Can not use both expression and non-expression parameters in the same request: \
         Non-expression parameters: {AttributesToGet, QueryFilter, ConditionalOperator} \
         Expression parameters: {KeyConditionExpression}"
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"KeyConditions": {"pk": {"ComparisonOperator": "EQ",
                                                 "AttributeValueList": [{"S": "a"}]}}}))
        )),
        "Can not use both expression and non-expression parameters in the same request: \
         Non-expression parameters: {KeyConditions} Expression parameters: \
         {KeyConditionExpression}"
    );
    // Legacy parameters alone are translated: KeyConditions selects the partition.
    let legacy = run_query(
        &db,
        json!({"TableName": "events", "KeyConditions": {"pk": {"ComparisonOperator": "EQ",
               "AttributeValueList": [{"S": "a"}]}}, "Select": "COUNT"}),
    )
    .unwrap();
    assert_eq!(legacy["Count"], 10);
    // Empty legacy members count as absent, as DynamoDB Local treats them.
    assert!(run_query(&db, in_a(json!({"QueryFilter": {}, "AttributesToGet": []}))).is_ok());
}

#[tokio::test]
async fn query_start_keys_must_fit_the_schema_and_the_key_condition() {
    let db = service();
    events(&db).await;
    let with_start = |key: Value| in_a(json!({"ExclusiveStartKey": key}));
    assert_eq!(
        validation(run_query(&db, with_start(json!({"pk": {"S": "a"}})))),
        "Exclusive Start Key must have same size as table's key schema"
    );
    assert_eq!(
        validation(run_query(
            &db,
            with_start(json!({"pk": {"S": "a"}, "x": {"N": "1"}}))
        )),
        "The provided starting key is invalid"
    );
    assert_eq!(
        validation(run_query(
            &db,
            with_start(json!({"pk": {"S": "a"}, "sk": {"S": "1"}}))
        )),
        "Type mismatch for attribute to update"
    );
    assert_eq!(
        validation(run_query(
            &db,
            with_start(json!({"pk": {"S": "b"}, "sk": {"N": "2"}}))
        )),
        "The provided starting key does not match the range key predicate"
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"KeyConditionExpression": "pk = :p AND sk > :s",
                        "ExpressionAttributeValues": {":s": {"N": "3"}},
                        "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "2"}}}))
        )),
        "The provided starting key does not match the range key predicate"
    );
    // A start key need not be an existing item.
    let out = run_query(
        &db,
        with_start(json!({"pk": {"S": "a"}, "sk": {"N": "7.5"}})),
    )
    .unwrap();
    assert_eq!(sks(&out), [8, 9, 10]);
    let out = run_query(
        &db,
        in_a(
            json!({"ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "3"}},
                    "ScanIndexForward": false}),
        ),
    )
    .unwrap();
    assert_eq!(sks(&out), [2, 1]);
}

#[tokio::test]
async fn missing_tables_are_not_found() {
    let db = service();
    let e = run_query(
        &db,
        json!({"TableName": "nope", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "a"}}}),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
    let e = run_scan(&db, json!({"TableName": "nope"})).unwrap_err();
    assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
    assert_eq!(e.message, "Requested resource not found");
}

#[tokio::test]
async fn a_partition_without_sort_key_is_one_item_and_never_continues() {
    let db = service();
    create(&db, "users", None).await;
    put(
        &db,
        "users",
        json!({"pk": {"S": "u1"}, "name": {"S": "Ada"}}),
    )
    .await;
    put(&db, "users", json!({"pk": {"S": "u2"}})).await;
    let request = json!({"TableName": "users", "KeyConditionExpression": "pk = :p",
                         "ExpressionAttributeValues": {":p": {"S": "u1"}}, "Limit": 1});
    let out = run_query(&db, request.clone()).unwrap();
    assert_eq!(
        out,
        json!({"Items": [{"pk": {"S": "u1"}, "name": {"S": "Ada"}}],
                           "Count": 1, "ScannedCount": 1})
    );
    let mut restarted = request.clone();
    restarted["ExclusiveStartKey"] = json!({"pk": {"S": "u1"}});
    let out = run_query(&db, restarted).unwrap();
    assert_eq!(out, json!({"Items": [], "Count": 0, "ScannedCount": 0}));
    let mut elsewhere = request;
    elsewhere["ExclusiveStartKey"] = json!({"pk": {"S": "u2"}});
    assert_eq!(
        validation(run_query(&db, elsewhere)),
        "The provided starting key does not match the range key predicate"
    );
}

#[tokio::test]
async fn pages_stop_at_one_megabyte_read_and_capacity_counts_every_item_read() {
    let db = service();
    create(&db, "blobs", Some("N")).await;
    let data = "x".repeat(100_000);
    for sk in 1..=15 {
        put(
            &db,
            "blobs",
            json!({"pk": {"S": "big"}, "sk": {"N": sk.to_string()}, "d": {"S": data}}),
        )
        .await;
    }
    // Each item is 100,010 bytes: the eleventh crosses 1 MB.
    let request = json!({"TableName": "blobs", "KeyConditionExpression": "pk = :p",
                         "ExpressionAttributeValues": {":p": {"S": "big"}},
                         "ProjectionExpression": "sk", "ReturnConsumedCapacity": "TOTAL"});
    let first = run_query(&db, request.clone()).unwrap();
    assert_eq!(sks(&first), (1..=11).collect::<Vec<_>>());
    assert_eq!(
        first["LastEvaluatedKey"],
        json!({"pk": {"S": "big"}, "sk": {"N": "11"}})
    );
    // 11 × 100,010 bytes = 269 units of 4 KB, halved for an eventually consistent read.
    assert_eq!(
        first["ConsumedCapacity"],
        json!({"TableName": "blobs", "CapacityUnits": 134.5})
    );
    let mut next = request.clone();
    next["ExclusiveStartKey"] = first["LastEvaluatedKey"].clone();
    let second = run_query(&db, next).unwrap();
    assert_eq!(sks(&second), [12, 13, 14, 15]);
    assert!(second.get("LastEvaluatedKey").is_none());
    assert_eq!(second["ConsumedCapacity"]["CapacityUnits"], json!(49.0));

    // When the size cap falls on the last item of the range, nothing is left to continue.
    let mut tail = request.clone();
    tail["ExclusiveStartKey"] = json!({"pk": {"S": "big"}, "sk": {"N": "4"}});
    let out = run_query(&db, tail).unwrap();
    assert_eq!(sks(&out), (5..=15).collect::<Vec<_>>());
    assert!(out.get("LastEvaluatedKey").is_none());

    // A filter that drops everything still pays for, and pages by, what was read.
    let mut filtered = request;
    filtered["FilterExpression"] = json!("attribute_exists(nothing)");
    filtered["ConsistentRead"] = json!(true);
    filtered["ReturnConsumedCapacity"] = json!("INDEXES");
    let out = run_query(&db, filtered).unwrap();
    assert_eq!(
        (out["Count"].as_u64(), out["ScannedCount"].as_u64()),
        (Some(0), Some(11))
    );
    assert_eq!(
        out["ConsumedCapacity"],
        json!({"TableName": "blobs", "CapacityUnits": 269.0, "Table": {"CapacityUnits": 269.0}})
    );
}

#[tokio::test]
async fn an_empty_page_still_costs_a_read() {
    let db = service();
    events(&db).await;
    let out = run_query(
        &db,
        json!({"TableName": "events", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "none"}},
               "ReturnConsumedCapacity": "TOTAL"}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"Items": [], "Count": 0, "ScannedCount": 0,
               "ConsumedCapacity": {"TableName": "events", "CapacityUnits": 0.5}})
    );
}

/// The `(pk, sk)` of the answer's items.
fn keys_of(answer: &Value) -> Vec<(String, i64)> {
    answer["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["pk"]["S"].as_str().unwrap().to_owned(),
                i["sk"]["N"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn scan_pages_cover_every_item_once_and_filters_apply() {
    let db = service();
    events(&db).await;
    let everything = run_scan(&db, json!({"TableName": "events"})).unwrap();
    let all: BTreeSet<(String, i64)> = keys_of(&everything).into_iter().collect();
    assert_eq!(all.len(), 13);
    assert_eq!(everything["ScannedCount"], json!(13));

    let pages = all_pages(
        |r| run_scan(&db, r),
        json!({"TableName": "events", "Limit": 4}),
    );
    let paged: Vec<(String, i64)> = pages.iter().flat_map(keys_of).collect();
    assert_eq!(
        paged,
        keys_of(&everything),
        "pages continue in the same order"
    );

    // Scan filters may use key attributes.
    let out = run_scan(
        &db,
        json!({"TableName": "events", "FilterExpression": "pk = :p AND sk > :s",
               "ExpressionAttributeValues": {":p": {"S": "b"}, ":s": {"N": "1"}}}),
    )
    .unwrap();
    let mut got = keys_of(&out);
    got.sort();
    assert_eq!(got, [("b".to_owned(), 2), ("b".to_owned(), 3)]);
    assert_eq!(out["ScannedCount"], json!(13));
    assert_eq!(
        run_scan(&db, json!({"TableName": "events", "Select": "COUNT"})).unwrap(),
        json!({"Count": 13, "ScannedCount": 13})
    );
}

#[tokio::test]
async fn scan_validation_follows_the_service_texts() {
    let db = service();
    events(&db).await;
    let scan_with = |extra: Value| {
        let mut request = json!({"TableName": "events"});
        for (k, v) in extra.as_object().unwrap() {
            request[k] = v.clone();
        }
        run_scan(&db, request)
    };
    assert_eq!(
        validation(scan_with(json!({"Segment": 1}))),
        "The TotalSegments parameter is required but was not present in the request when \
         Segment parameter is present"
    );
    assert_eq!(
        validation(scan_with(json!({"TotalSegments": 2}))),
        "The Segment parameter is required but was not present in the request when parameter \
         TotalSegments is present"
    );
    assert_eq!(
        validation(scan_with(json!({"Segment": 3, "TotalSegments": 3}))),
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: \
         Segment: 3 is not less than TotalSegments: 3"
    );
    assert_eq!(
        validation(scan_with(json!({"Segment": 0, "TotalSegments": 1_000_001}))),
        "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy \
         constraint: Member must have value less than or equal to 1000000"
    );
    assert_eq!(
        validation(scan_with(json!({"ExpressionAttributeNames": {"#a": "v"}}))),
        "ExpressionAttributeNames can only be specified when using expressions"
    );
    assert_eq!(
        validation(scan_with(
            json!({"ExpressionAttributeValues": {":a": {"S": "v"}},
                                    "ProjectionExpression": "v"})
        )),
        "ExpressionAttributeValues can only be specified when using expressions: \
         FilterExpression is null"
    );
    assert_eq!(
        validation(scan_with(
            json!({"ScanFilter": {"v": {"ComparisonOperator": "NOT_NULL"}},
                                    "FilterExpression": "v > :x",
                                    "ExpressionAttributeValues": {":x": {"N": "1"}},
                                    "AttributesToGet": ["v"], "ConditionalOperator": "AND"})
        )),
        "Can not use both expression and non-expression parameters in the same request: \
         Non-expression parameters: {AttributesToGet, ScanFilter, ConditionalOperator} \
         Expression parameters: {FilterExpression}"
    );
    assert_eq!(
        validation(scan_with(json!({"Select": "SPECIFIC_ATTRIBUTES"}))),
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get \
         SPECIFIC_ATTRIBUTES"
    );
    assert_eq!(
        validation(scan_with(json!({"IndexName": "idx"}))),
        "The table does not have the specified index: idx"
    );
    assert_eq!(
        validation(scan_with(json!({"ExclusiveStartKey": {"pk": {"S": "a"}}}))),
        "Exclusive Start Key must have same size as table's key schema"
    );
}

#[tokio::test]
async fn a_segment_continues_only_from_its_own_keys() {
    let db = service();
    events(&db).await;
    let segment0 = run_scan(
        &db,
        json!({"TableName": "events", "Segment": 0, "TotalSegments": 2}),
    )
    .unwrap();
    let segment1 = run_scan(
        &db,
        json!({"TableName": "events", "Segment": 1, "TotalSegments": 2}),
    )
    .unwrap();
    // "a" and "b" hash into different halves or the same one; either way a key from the
    // other segment is refused, and a key from its own continues it.
    for (own, other, segment) in [(&segment0, &segment1, 0), (&segment1, &segment0, 1)] {
        if let Some(item) = other["Items"].as_array().unwrap().first() {
            let key = json!({"pk": item["pk"], "sk": item["sk"]});
            assert_eq!(
                validation(run_scan(
                    &db,
                    json!({"TableName": "events", "Segment": segment, "TotalSegments": 2,
                           "ExclusiveStartKey": key})
                )),
                "Exclusive start key must lie within the segment"
            );
        }
        let items = own["Items"].as_array().unwrap();
        if let Some(item) = items.first() {
            let key = json!({"pk": item["pk"], "sk": item["sk"]});
            let rest = run_scan(
                &db,
                json!({"TableName": "events", "Segment": segment, "TotalSegments": 2,
                       "ExclusiveStartKey": key}),
            )
            .unwrap();
            assert_eq!(keys_of(&rest), keys_of(own)[1..]);
        }
    }
}

/// Scans every segment of `total`, page by page with `limit`, and returns the keys read.
fn scan_segments(db: &DynamoDb, table: &str, total: u32, limit: Option<u32>) -> Vec<(String, i64)> {
    let mut keys = Vec::new();
    for segment in 0..total {
        let mut request = json!({"TableName": table, "Segment": segment, "TotalSegments": total});
        if let Some(limit) = limit {
            request["Limit"] = json!(limit);
        }
        for page in all_pages(|r| run_scan(db, r), request) {
            keys.extend(keys_of(&page));
        }
    }
    keys
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The segments of a parallel scan, however many, hold every item exactly once.
    #[test]
    fn parallel_scan_segments_partition_the_table(
        items in prop::collection::btree_set(("[a-z]{1,6}", 0i64..50), 0..60),
        total in 1u32..=64,
        limit in prop::option::of(1u32..=7),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let db = service();
        runtime.block_on(async {
            create(&db, "things", Some("N")).await;
            for (pk, sk) in &items {
                put(&db, "things", json!({"pk": {"S": pk}, "sk": {"N": sk.to_string()}})).await;
            }
        });
        let mut got = scan_segments(&db, "things", total, limit);
        let count = got.len();
        got.sort();
        got.dedup();
        prop_assert_eq!(got.len(), count, "an item was read by two segments");
        let got: BTreeSet<(String, i64)> = got.into_iter().collect();
        prop_assert_eq!(got, items);
    }
}

#[tokio::test]
async fn a_million_segments_still_cover_the_table() {
    let db = service();
    events(&db).await;
    // Each item lies in exactly the segment its partition hash falls in.
    let everything = keys_of(&run_scan(&db, json!({"TableName": "events"})).unwrap());
    let mut found = Vec::new();
    for pk in ["a", "b"] {
        let hash = crate::dynamodb::keys::partition_hash(
            &crate::dynamodb::value::AttributeValue::S(pk.into()),
        )
        .unwrap();
        let mut segment = ((u64::from(hash) * 1_000_000) >> 32) as u32;
        let starts_after = |segment: u32| {
            let (start, _) = crate::dynamodb::keys::segment_bounds(segment, 1_000_000);
            u32::from_be_bytes(start.try_into().unwrap()) > hash
        };
        while segment + 1 < 1_000_000 && !starts_after(segment + 1) {
            segment += 1;
        }
        while starts_after(segment) {
            segment -= 1;
        }
        let out = run_scan(
            &db,
            json!({"TableName": "events", "Segment": segment, "TotalSegments": 1_000_000}),
        )
        .unwrap();
        found.extend(keys_of(&out));
    }
    found.sort();
    let mut everything = everything;
    everything.sort();
    assert_eq!(found, everything);
}

#[tokio::test]
async fn value_errors_come_after_the_table_lookup_and_the_parameter_checks() {
    let db = service();
    events(&db).await;
    let bad_value = json!({":p": {"N": "abc"}});
    let e = run_query(
        &db,
        json!({"TableName": "nope", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": bad_value}),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
    assert_eq!(
        validation(run_query(
            &db,
            json!({"TableName": "events", "ExpressionAttributeValues": bad_value})
        )),
        "ExpressionAttributeValues can only be specified when using expressions: \
         FilterExpression and KeyConditionExpression are null"
    );
    let message = validation(run_query(
        &db,
        json!({"TableName": "events", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": bad_value, "Select": "COUNT",
               "ProjectionExpression": "v"}),
    ));
    assert!(
        message.starts_with("ExpressionAttributeValues contains invalid value: ")
            && message.ends_with(" for key :p"),
        "{message}"
    );
    let e = run_scan(
        &db,
        json!({"TableName": "nope", "FilterExpression": "v = :p",
               "ExpressionAttributeValues": bad_value}),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
}

#[tokio::test]
async fn checks_follow_dynamodb_locals_order() {
    let db = service();
    events(&db).await;
    // The index before Select, the start key before the filter, the filter before Select.
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"IndexName": "idx", "Select": "ALL_PROJECTED_ATTRIBUTES"}))
        )),
        "The table does not have the specified index: idx"
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"FilterExpression": "pk = :p",
                        "ExclusiveStartKey": {"pk": {"S": "zz"}, "sk": {"N": "1"}}}))
        )),
        "The provided starting key does not match the range key predicate"
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"FilterExpression": "pk = :p", "Select": "COUNT",
                        "ProjectionExpression": "v"}))
        )),
        "Filter Expression can only contain non-primary key attributes: Primary key \
         attribute: pk"
    );
    // Scan: the start key before Select, Select before the segment parameters.
    assert_eq!(
        validation(run_scan(
            &db,
            json!({"TableName": "events", "Select": "COUNT", "ProjectionExpression": "v",
                   "ExclusiveStartKey": {"a": {"S": "x"}}})
        )),
        "Exclusive Start Key must have same size as table's key schema"
    );
    assert_eq!(
        validation(run_scan(
            &db,
            json!({"TableName": "events", "Segment": 1, "Select": "COUNT",
                   "ProjectionExpression": "v"})
        )),
        "Cannot specify the ProjectionExpression when choosing to get only the Count"
    );
}

#[tokio::test]
async fn paths_into_key_attributes_are_refused_filter_first() {
    let db = service();
    events(&db).await;
    let nested = |key: &str| {
        format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not \
             allowed: Key: {key}"
        )
    };
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"ProjectionExpression": "pk.x, sk"}))
        )),
        nested("pk")
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"FilterExpression": "sk.y = :p", "ProjectionExpression": "pk.y"}))
        )),
        nested("sk")
    );
    // Before the filter's use of key attributes, and before the start key.
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"FilterExpression": "sk[0] = :p AND pk = :p"}))
        )),
        nested("sk")
    );
    assert_eq!(
        validation(run_query(
            &db,
            in_a(json!({"ProjectionExpression": "sk.y",
                        "ExclusiveStartKey": {"pk": {"S": "b"}}}))
        )),
        nested("sk")
    );
    // Scan: after the start key's schema checks.
    assert_eq!(
        validation(run_scan(
            &db,
            json!({"TableName": "events", "ProjectionExpression": "sk.y",
                   "ExclusiveStartKey": {"pk": {"S": "b"}, "sk": {"S": "x"}}})
        )),
        "Type mismatch for attribute to update"
    );
    assert_eq!(
        validation(run_scan(
            &db,
            json!({"TableName": "events", "FilterExpression": "pk.a = :p",
                   "ExpressionAttributeValues": {":p": {"S": "a"}}})
        )),
        nested("pk")
    );
    // Paths into other attributes are fine.
    assert!(
        run_scan(
            &db,
            json!({"TableName": "events", "ProjectionExpression": "v.a, kind[0]"})
        )
        .is_ok()
    );
}

#[tokio::test]
async fn query_reports_unused_placeholders_before_key_schema_problems() {
    let db = service();
    events(&db).await;
    let request = json!({
        "TableName": "events",
        "KeyConditionExpression": "pk = :p OR sk = :s",
        "ExpressionAttributeValues": {":p": {"S": "a"}, ":s": {"N": "1"}, ":unused": {"N": "2"}},
    });
    assert_eq!(
        validation(run_query(&db, request)),
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"
    );
    let request = json!({
        "TableName": "events",
        "KeyConditionExpression": "pk = :p OR sk = :s",
        "ExpressionAttributeValues": {":p": {"S": "a"}, ":s": {"N": "1"}},
    });
    assert_eq!(
        validation(run_query(&db, request)),
        "Invalid operator used in KeyConditionExpression: OR"
    );
}

/// The message a request, written as JSON text (so its maps keep their order), fails with.
fn legacy_error(db: &DynamoDb, operation: &str, request: &str) -> String {
    let bytes = request.as_bytes();
    let result = match operation {
        "Query" => query(db, REGION, json::decode_deferred(bytes).expect("decodable")).map(|_| ()),
        _ => scan(db, REGION, json::decode_deferred(bytes).expect("decodable")).map(|_| ()),
    };
    result.expect_err("a refusal").message
}

#[tokio::test]
async fn legacy_checks_follow_dynamodb_locals_order() {
    let db = service();
    events(&db).await;
    let invalid = "One or more parameter values were invalid: ";
    let pk = r#""pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}"#;
    let cases = [
        // KeyConditions, whole, before QueryFilter.
        (
            "Query",
            r#"{"TableName":"events","KeyConditions":{"sk":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"5"},{"N":"1"}]},"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}},"QueryFilter":{"v":{"ComparisonOperator":"EQ"}}}"#.to_owned(),
            "The BETWEEN condition was provided a range where the lower bound is greater than \
             the upper bound".to_owned(),
        ),
        (
            "Query",
            r#"{"TableName":"events","KeyConditions":{"sk":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}},"QueryFilter":{"v":{"ComparisonOperator":"EQ"}}}"#.to_owned(),
            "Query condition missed key schema element".to_owned(),
        ),
        // The filter's conditions, in request order, before the ConditionalOperator's use.
        (
            "Query",
            format!(r#"{{"TableName":"events","KeyConditions":{{{pk}}},"QueryFilter":{{"v":{{"ComparisonOperator":"GT","AttributeValueList":[{{"SS":["x"]}}]}},"kind":{{"ComparisonOperator":"EQ"}}}},"ConditionalOperator":"OR"}}"#),
            format!("{invalid}ComparisonOperator GT is not valid for SS AttributeValue type"),
        ),
        (
            "Scan",
            r#"{"TableName":"events","ScanFilter":{"kind":{"ComparisonOperator":"EQ"},"v":{"ComparisonOperator":"FOO"}},"ConditionalOperator":"OR"}"#.to_owned(),
            format!("{invalid}Invalid number of argument(s) for the EQ ComparisonOperator"),
        ),
        (
            "Scan",
            r#"{"TableName":"events","ScanFilter":{"v":{"ComparisonOperator":"FOO"},"kind":{"ComparisonOperator":"EQ"}}}"#.to_owned(),
            "Comparison type does not exist in DynamoDB".to_owned(),
        ),
        // Then a filter on a key, then Select, and last duplicate names.
        (
            "Query",
            format!(r#"{{"TableName":"events","KeyConditions":{{{pk}}},"QueryFilter":{{"v":{{"ComparisonOperator":"NULL"}}}},"ConditionalOperator":"OR","AttributesToGet":["v","v"]}}"#),
            "ConditionalOperator can only be used when Filter or Expected has two or more \
             elements".to_owned(),
        ),
        (
            "Query",
            format!(r#"{{"TableName":"events","KeyConditions":{{{pk}}},"QueryFilter":{{"sk":{{"ComparisonOperator":"NULL"}}}},"AttributesToGet":["v","v"]}}"#),
            "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk"
                .to_owned(),
        ),
        (
            "Scan",
            r#"{"TableName":"events","AttributesToGet":["v","v"],"Select":"COUNT"}"#.to_owned(),
            "Cannot specify the AttributesToGet when choosing to get only the Count".to_owned(),
        ),
        (
            "Scan",
            r#"{"TableName":"events","AttributesToGet":["v","v"]}"#.to_owned(),
            "Cannot have two attributes with the same name".to_owned(),
        ),
        // KeyConditions present but empty is not a missing key condition.
        (
            "Query",
            r#"{"TableName":"events","KeyConditions":{}}"#.to_owned(),
            "Conditions must be at least length 1".to_owned(),
        ),
    ];
    for (operation, request, message) in cases {
        assert_eq!(legacy_error(&db, operation, &request), message, "{request}");
    }
}
