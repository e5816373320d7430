//! PartiQL: ExecuteStatement's statements, parameters, pagination and errors, with the
//! answers DynamoDB Local gives (run with `DRYDOCK_IT_ENDPOINT` to check them there).
//!
//! One deliberate difference: an `INSERT` of an existing key answers
//! `DuplicateItemException` (the service model's name, which the SDKs map to their typed
//! error); DynamoDB Local sends `DuplicateItem`.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::execute_statement::ExecuteStatementOutput;
use aws_sdk_dynamodb::operation::execute_transaction::ExecuteTransactionError;
use aws_sdk_dynamodb::types::{
    AttributeValue, BatchStatementRequest, ParameterizedStatement, ReturnConsumedCapacity,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
};

use crate::util::*;

/// A table `pk` (S) + `sk` (N).
async fn range_table(h: &Harness, name: &str) -> String {
    let table = h.table(name);
    create_range_table(
        &h.client,
        &table,
        ("pk", ScalarAttributeType::S),
        ("sk", ScalarAttributeType::N),
    )
    .await;
    table
}

async fn run(h: &Harness, statement: &str) -> ExecuteStatementOutput {
    h.client
        .execute_statement()
        .statement(statement)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e:?}"))
}

async fn run_with(
    h: &Harness,
    statement: &str,
    params: Vec<AttributeValue>,
) -> ExecuteStatementOutput {
    h.client
        .execute_statement()
        .statement(statement)
        .set_parameters(Some(params))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e:?}"))
}

fn items(out: &ExecuteStatementOutput) -> Vec<Item> {
    out.items().iter().cloned().map(sorted_sets).collect()
}

#[tokio::test]
async fn insert_then_select_round_trips_every_literal() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-literals").await;
    let out = run(
        &h,
        &format!(
            "INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1, 's': 'it''s', 'n': 1.50, \
             'neg': -2e3, 't': TRUE, 'z': NULL, 'l': [1, 'x', [FALSE]], \
             'm': {{'k': 'v', 'inner': {{'d': 0.5}}}}, 'ss': <<'b', 'a'>>, 'ns': <<2, 1>>}}"
        ),
    )
    .await;
    assert!(out.items().is_empty());
    run_with(
        &h,
        &format!("INSERT INTO \"{t}\" VALUE {{'pk': ?, 'sk': ?, 'bin': ?, 'bs': ?}}"),
        vec![s("b"), n("2"), b(b"\x00\x01"), bs(&[b"x", b"y"])],
    )
    .await;

    let out = run(
        &h,
        &format!("SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 1"),
    )
    .await;
    assert_eq!(
        items(&out),
        vec![item(&[
            ("pk", s("a")),
            ("sk", n("1")),
            ("s", s("it's")),
            ("n", n("1.5")),
            ("neg", n("-2000")),
            ("t", AttributeValue::Bool(true)),
            ("z", AttributeValue::Null(true)),
            (
                "l",
                l(vec![n("1"), s("x"), l(vec![AttributeValue::Bool(false)])])
            ),
            ("m", m(&[("k", s("v")), ("inner", m(&[("d", n("0.5"))]))])),
            ("ss", ss(&["a", "b"])),
            ("ns", ns(&["1", "2"])),
        ])]
    );
    let out = run_with(
        &h,
        &format!("SELECT bin, bs FROM \"{t}\" WHERE pk = ?"),
        vec![s("b")],
    )
    .await;
    assert_eq!(
        items(&out),
        vec![item(&[("bin", b(b"\x00\x01")), ("bs", bs(&[b"x", b"y"]))])]
    );
    h.stop().await;
}

#[tokio::test]
async fn insert_of_an_existing_key_is_a_duplicate() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-dup").await;
    let insert = format!("INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1, 'v': 1}}");
    run(&h, &insert).await;
    let result = h.client.execute_statement().statement(&insert).send().await;
    let code = if h.is_emulator() {
        "DuplicateItemException"
    } else {
        "DuplicateItem"
    };
    assert_error(result, code, "Duplicate primary key exists in table");
    if h.is_emulator() {
        let e = h
            .client
            .execute_statement()
            .statement(&insert)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(e.is_duplicate_item_exception(), "{e:?}");
    }
    h.stop().await;
}

async fn seed(h: &Harness, t: &str) {
    for (pk, sk, v) in [("a", 1, "x"), ("a", 2, "y"), ("a", 3, "z"), ("b", 1, "x")] {
        run(
            h,
            &format!("INSERT INTO \"{t}\" VALUE {{'pk': '{pk}', 'sk': {sk}, 'v': '{v}'}}"),
        )
        .await;
    }
}

fn keys(out: &ExecuteStatementOutput) -> Vec<(String, String)> {
    out.items()
        .iter()
        .map(|i| {
            (
                i["pk"].as_s().unwrap().clone(),
                i["sk"].as_n().unwrap().clone(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn select_uses_key_conditions_filters_and_order() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-select").await;
    seed(&h, &t).await;
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("pk = 'a'", &[("a", "1"), ("a", "2"), ("a", "3")]),
        ("'a' = pk AND sk > 1", &[("a", "2"), ("a", "3")]),
        ("pk = 'a' AND sk BETWEEN 2 AND 3", &[("a", "2"), ("a", "3")]),
        ("pk = 'a' AND sk <= 2 AND v <> 'x'", &[("a", "2")]),
        ("pk = 'a' AND (sk = 1 OR sk = 3)", &[("a", "1"), ("a", "3")]),
        (
            "pk = 'a' ORDER BY sk DESC",
            &[("a", "3"), ("a", "2"), ("a", "1")],
        ),
        // Each partition once, in key order.
        (
            "pk IN ['b', 'a', 'b'] AND sk = 1",
            &[("a", "1"), ("b", "1")],
        ),
        ("pk IN ('a') AND v IS MISSING", &[]),
        ("pk = 'a' AND begins_with(v, 'y')", &[("a", "2")]),
    ];
    for (filter, expected) in cases {
        let out = run(&h, &format!("SELECT * FROM \"{t}\" WHERE {filter}")).await;
        assert_eq!(keys(&out), pairs(expected), "{filter}");
    }
    // Without a partition-key equality the statement scans.
    let out = run(
        &h,
        &format!("SELECT pk, sk FROM \"{t}\" WHERE sk = 1 AND v = 'x'"),
    )
    .await;
    let mut found = keys(&out);
    found.sort();
    assert_eq!(found, pairs(&[("a", "1"), ("b", "1")]));
    let out = run(&h, &format!("SELECT * FROM \"{t}\"")).await;
    assert_eq!(out.items().len(), 4);
    h.stop().await;
}

#[tokio::test]
async fn projections_name_nested_values_by_their_last_step() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-project").await;
    run(
        &h,
        &format!(
            "INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1, 'm': {{'k': TRUE}}, 'l': [1, 'two'], 'v': 3}}"
        ),
    )
    .await;
    let out = run(
        &h,
        &format!("SELECT m.k, l[1], v FROM \"{t}\" WHERE pk = 'a'"),
    )
    .await;
    assert_eq!(
        items(&out),
        vec![item(&[
            ("k", AttributeValue::Bool(true)),
            ("l[1]", s("two")),
            ("v", n("3")),
        ])]
    );
    let out = run(&h, &format!("SELECT \"nope\" FROM \"{t}\"")).await;
    assert_eq!(items(&out), vec![Item::new()]);
    h.stop().await;
}

#[tokio::test]
async fn limit_and_next_token_page_through_scans_and_in_lists() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-pages").await;
    seed(&h, &t).await;
    for statement in [
        format!("SELECT * FROM \"{t}\""),
        format!("SELECT * FROM \"{t}\" WHERE pk IN ['a', 'b']"),
        format!("SELECT * FROM \"{t}\" WHERE pk = 'a' OR pk = 'b'"),
    ] {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let out = h
                .client
                .execute_statement()
                .statement(&statement)
                .limit(1)
                .set_next_token(token.take())
                .send()
                .await
                .unwrap();
            assert!(out.items().len() <= 1, "{statement}");
            seen.extend(keys(&out));
            pages += 1;
            match out.next_token() {
                Some(next) => token = Some(next.to_owned()),
                None => break,
            }
            assert!(pages < 10, "{statement} does not end");
        }
        seen.sort();
        assert_eq!(
            seen,
            pairs(&[("a", "1"), ("a", "2"), ("a", "3"), ("b", "1")]),
            "{statement}"
        );
    }
    let result = h
        .client
        .execute_statement()
        .statement(format!("SELECT * FROM \"{t}\""))
        .next_token("garbage")
        .send()
        .await;
    assert_error(result, "ValidationException", "Invalid NextToken");
    h.stop().await;
}

#[tokio::test]
async fn update_and_delete_name_one_item_and_return_what_is_asked() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-write").await;
    seed(&h, &t).await;
    let key = "pk = 'a' AND sk = 1";
    let out = run(
        &h,
        &format!("UPDATE \"{t}\" SET v = 'w' SET n = 1 WHERE {key} RETURNING MODIFIED OLD *"),
    )
    .await;
    assert_eq!(items(&out), vec![item(&[("v", s("x"))])]);
    let out = run(
        &h,
        &format!("UPDATE \"{t}\" SET n = n + 2, l = list_append([1], [2]) WHERE {key} RETURNING MODIFIED NEW *"),
    )
    .await;
    assert_eq!(
        items(&out),
        vec![item(&[("n", n("3")), ("l", l(vec![n("1"), n("2")]))])]
    );
    let out = run(
        &h,
        &format!(
            "UPDATE \"{t}\" SET s = set_add(s, <<'p'>>) REMOVE l WHERE {key} RETURNING ALL NEW *"
        ),
    )
    .await;
    assert_eq!(
        items(&out),
        vec![item(&[
            ("pk", s("a")),
            ("sk", n("1")),
            ("v", s("w")),
            ("n", n("3")),
            ("s", ss(&["p"])),
        ])]
    );
    let out = run(
        &h,
        &format!("UPDATE \"{t}\" SET v = 'q' WHERE {key} RETURNING ALL OLD *"),
    )
    .await;
    assert_eq!(items(&out)[0]["v"], s("w"));
    let out = run(&h, &format!("UPDATE \"{t}\" SET v = 'r' WHERE {key}")).await;
    assert!(out.items().is_empty());

    // The WHERE's other terms are the write's condition.
    let result = h
        .client
        .execute_statement()
        .statement(format!(
            "UPDATE \"{t}\" SET v = 's' WHERE {key} AND v = 'nope'"
        ))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    let e = result.unwrap_err().into_service_error();
    assert!(e.is_conditional_check_failed_exception(), "{e:?}");
    // An UPDATE never creates its item.
    let result = h
        .client
        .execute_statement()
        .statement(format!(
            "UPDATE \"{t}\" SET v = 's' WHERE pk = 'new' AND sk = 1"
        ))
        .send()
        .await;
    assert_error(
        result,
        "ConditionalCheckFailedException",
        "The conditional request failed",
    );

    let out = run(
        &h,
        &format!("DELETE FROM \"{t}\" WHERE {key} RETURNING ALL OLD *"),
    )
    .await;
    assert_eq!(items(&out)[0]["v"], s("r"));
    // Deleting a missing item succeeds, even with a condition on its attributes.
    let out = run(&h, &format!("DELETE FROM \"{t}\" WHERE {key} AND v = 'r'")).await;
    assert!(out.items().is_empty());
    let result = h
        .client
        .execute_statement()
        .statement(format!(
            "DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 2 AND v = 'nope'"
        ))
        .send()
        .await;
    assert_error(
        result,
        "ConditionalCheckFailedException",
        "The conditional request failed",
    );
    let out = run(&h, &format!("SELECT * FROM \"{t}\" WHERE pk = 'a'")).await;
    assert_eq!(keys(&out), pairs(&[("a", "2"), ("a", "3")]));
    h.stop().await;
}

#[tokio::test]
async fn index_selects_read_the_index() {
    let h = Harness::start().await;
    let t = h.table("pq-index");
    h.client
        .create_table()
        .table_name(&t)
        .attribute_definitions(attr_def("pk", ScalarAttributeType::S))
        .attribute_definitions(attr_def("g", ScalarAttributeType::S))
        .key_schema(key_elem("pk", aws_sdk_dynamodb::types::KeyType::Hash))
        .global_secondary_indexes(
            aws_sdk_dynamodb::types::GlobalSecondaryIndex::builder()
                .index_name("by-g")
                .key_schema(key_elem("g", aws_sdk_dynamodb::types::KeyType::Hash))
                .projection(
                    aws_sdk_dynamodb::types::Projection::builder()
                        .projection_type(aws_sdk_dynamodb::types::ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    for (pk, g) in [("1", "x"), ("2", "x"), ("3", "y")] {
        run(
            &h,
            &format!("INSERT INTO \"{t}\" VALUE {{'pk': '{pk}', 'g': '{g}'}}"),
        )
        .await;
    }
    let out = run(
        &h,
        &format!("SELECT pk FROM \"{t}\".\"by-g\" WHERE g = 'x'"),
    )
    .await;
    let mut found: Vec<_> = out.items().iter().map(|i| i["pk"].clone()).collect();
    found.sort_by_key(|v| v.as_s().unwrap().clone());
    assert_eq!(found, vec![s("1"), s("2")]);
    let result = h
        .client
        .execute_statement()
        .statement(format!("SELECT * FROM \"{t}\".\"nope\" WHERE g = 'x'"))
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "The table does not have the specified index: nope",
    );
    let result = h
        .client
        .execute_statement()
        .statement(format!("SELECT * FROM \"{t}\".\"by-g\""))
        .consistent_read(true)
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "Consistent reads are not supported on global secondary indexes",
    );
    let result = h
        .client
        .execute_statement()
        .statement(format!("INSERT INTO \"{t}\".\"by-g\" VALUE {{'pk': '9'}}"))
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "FROM clause may only contain a single table name in data manipulation statements",
    );
    h.stop().await;
}

#[tokio::test]
async fn consumed_capacity_is_the_mapped_requests() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-capacity").await;
    seed(&h, &t).await;
    let out = h
        .client
        .execute_statement()
        .statement(format!("SELECT * FROM \"{t}\" WHERE pk IN ['a', 'b']"))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    if !h.is_emulator() {
        // DynamoDB Local reports no capacity for PartiQL statements.
        return h.stop().await;
    }
    let cc = out.consumed_capacity().unwrap();
    assert_eq!(cc.table_name(), Some(t.as_str()));
    // Two Queries, each an eventually consistent read of under 4 KB.
    assert_eq!(cc.capacity_units(), Some(1.0));
    let out = h
        .client
        .execute_statement()
        .statement(format!(
            "UPDATE \"{t}\" SET v = 'q' WHERE pk = 'a' AND sk = 1"
        ))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(out.consumed_capacity().unwrap().capacity_units(), Some(1.0));
    h.stop().await;
}

#[tokio::test]
async fn statements_are_refused_with_the_service_texts() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-errors").await;
    run(
        &h,
        &format!("INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1}}"),
    )
    .await;
    let cases: Vec<(String, Vec<AttributeValue>, &str, String)> = vec![
        (
            format!("SELEC * FROM \"{t}\""),
            vec![],
            "ValidationException",
            format!("Statement wasn't well formed, can't be processed: SELEC * FROM \"{t}\""),
        ),
        (
            "SELECT * FROM \"pq-missing-table\"".into(),
            vec![],
            "ResourceNotFoundException",
            "Cannot do operations on a non-existent table".into(),
        ),
        (
            format!("SELECT * FROM \"{t}\" WHERE pk = ?"),
            vec![],
            "ValidationException",
            "Number of parameters in request and statement don't match.".into(),
        ),
        (
            format!("SELECT * FROM \"{t}\" AS x"),
            vec![],
            "ValidationException",
            "Aliasing is not supported".into(),
        ),
        (
            format!("UPDATE \"{t}\" SET v = 1 WHERE pk = 'a'"),
            vec![],
            "ValidationException",
            "Where clause does not contain a mandatory equality on all key attributes".into(),
        ),
        (
            format!("DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 1 AND pk = 'b'"),
            vec![],
            "ValidationException",
            "Multiple conditions on same key pk. Only single item Update/Insert/Delete are supported"
                .into(),
        ),
        (
            format!("DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *"),
            vec![],
            "ValidationException",
            "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed \
             in DELETE statements."
                .into(),
        ),
        (
            format!("INSERT INTO \"{t}\" VALUE {{'pk': 'a'}}"),
            vec![],
            "ValidationException",
            "Key attribute should be present in the item: Key sk".into(),
        ),
        (
            format!("INSERT INTO \"{t}\" VALUE {{'pk': 1, 'sk': 1}}"),
            vec![],
            "ValidationException",
            "Key attribute's data type should match its data type in table's schema: Key pk"
                .into(),
        ),
        (
            format!("INSERT INTO \"{t}\" VALUE ?"),
            vec![],
            "ValidationException",
            format!(
                "Unsupported format in item expression. Please use struct format {{...}} to \
                 express item values for insert statement. at 1:{}:1",
                t.chars().count() + 22
            ),
        ),
        (
            format!("INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1, 'x': <<1, 'a'>>}}"),
            vec![],
            "ValidationException",
            "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in \
             bags"
                .into(),
        ),
        (
            format!("INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1, 'x': <<1, 1>>}}"),
            vec![],
            "ValidationException",
            "Input collection contains duplicates".into(),
        ),
        (
            format!("INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1}} RETURNING ALL OLD *"),
            vec![],
            "ValidationException",
            "RETURNING is not supported in INSERT".into(),
        ),
        (
            format!("UPDATE \"{t}\" SET pk = 'b' WHERE pk = 'a' AND sk = 1"),
            vec![],
            "ValidationException",
            "One or more parameter values were invalid: Cannot update attribute pk. This \
             attribute is part of the key"
                .into(),
        ),
        (
            format!("SELECT * FROM \"{t}\" WHERE v"),
            vec![],
            "ValidationException",
            "WHERE clause must contain an expression that resolves to a boolean".into(),
        ),
        (
            format!("SELECT * FROM \"{t}\" WHERE foo(v)"),
            vec![],
            "ValidationException",
            "Unrecognized function: foo".into(),
        ),
        (
            format!("SELECT * FROM \"{t}\" WHERE pk = 'a' ORDER BY v"),
            vec![],
            "ValidationException",
            "Variable reference v in ORDER BY clause must be part of the primary key".into(),
        ),
        (
            format!("SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 'x'"),
            vec![],
            "ValidationException",
            "Key attribute's data type should match its data type in table's schema: Key sk"
                .into(),
        ),
        (
            format!("EXISTS(SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 1)"),
            vec![],
            "ValidationException",
            "EXISTS can only be used in ExecuteTransaction write requests.".into(),
        ),
        (
            "DROP TABLE x".into(),
            vec![],
            "ValidationException",
            "Unsupported operation: DropTable".into(),
        ),
    ];
    for (statement, params, code, message) in cases {
        let mut request = h.client.execute_statement().statement(&statement);
        if !params.is_empty() {
            request = request.set_parameters(Some(params));
        }
        let (got_code, got_message) = error_of(request.send().await);
        assert_eq!(
            (got_code.as_str(), got_message.as_str()),
            (code, message.as_str()),
            "{statement}"
        );
    }
    h.stop().await;
}

fn batch_statement(statement: &str) -> BatchStatementRequest {
    BatchStatementRequest::builder()
        .statement(statement)
        .build()
        .unwrap()
}

#[tokio::test]
async fn batch_statements_answer_one_by_one_in_order() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-batch").await;
    seed(&h, &t).await;
    let out = h
        .client
        .batch_execute_statement()
        .statements(batch_statement(&format!(
            "INSERT INTO \"{t}\" VALUE {{'pk': 'c', 'sk': 1}}"
        )))
        .statements(batch_statement(&format!(
            "INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1}}"
        )))
        .statements(
            BatchStatementRequest::builder()
                .statement(format!(
                    "UPDATE \"{t}\" SET v = 'n' WHERE pk = 'a' AND sk = 2 AND v = 'nope'"
                ))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build()
                .unwrap(),
        )
        .statements(batch_statement(&format!(
            "DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 3 RETURNING ALL OLD *"
        )))
        .statements(batch_statement(
            "INSERT INTO \"pq-missing-table\" VALUE {'pk': 'a'}",
        ))
        .statements(batch_statement("SELEC"))
        .statements(batch_statement(&format!(
            "UPDATE \"{t}\" SET v = 1 WHERE pk = 'b'"
        )))
        .send()
        .await
        .unwrap();
    let responses = out.responses();
    assert_eq!(responses.len(), 7);
    assert!(responses[0].error().is_none());
    assert_eq!(responses[0].table_name(), Some(t.as_str()));
    let error = |i: usize| {
        let e = responses[i].error().unwrap();
        (
            e.code().unwrap().as_str().to_owned(),
            e.message().unwrap().to_owned(),
        )
    };
    assert_eq!(
        error(1),
        (
            "DuplicateItem".to_owned(),
            "Duplicate primary key exists in table".to_owned()
        )
    );
    assert_eq!(
        error(2),
        (
            "ConditionalCheckFailed".to_owned(),
            "The conditional request failed".to_owned()
        )
    );
    assert_eq!(
        responses[2]
            .error()
            .unwrap()
            .item()
            .cloned()
            .map(sorted_sets),
        Some(item(&[("pk", s("a")), ("sk", n("2")), ("v", s("y"))]))
    );
    assert_eq!(responses[2].table_name(), Some(t.as_str()));
    assert_eq!(
        responses[3].item().cloned(),
        Some(item(&[("pk", s("a")), ("sk", n("3")), ("v", s("z"))]))
    );
    assert_eq!(
        error(4),
        (
            "ResourceNotFound".to_owned(),
            "Cannot do operations on a non-existent table".to_owned()
        )
    );
    assert_eq!(responses[4].table_name(), None);
    assert_eq!(
        error(5),
        (
            "ValidationError".to_owned(),
            "Invalid operation. Only select, insert, update and delete operations are valid"
                .to_owned()
        )
    );
    assert_eq!(
        error(6),
        (
            "ValidationError".to_owned(),
            "Where clause does not contain a mandatory equality on all key attributes".to_owned()
        )
    );

    let out = h
        .client
        .batch_execute_statement()
        .statements(batch_statement(&format!(
            "SELECT * FROM \"{t}\" WHERE pk = 'c' AND sk = 1"
        )))
        .statements(
            BatchStatementRequest::builder()
                .statement(format!("SELECT v FROM \"{t}\" WHERE pk = ? AND sk = ?"))
                .parameters(s("a"))
                .parameters(n("1"))
                .consistent_read(true)
                .build()
                .unwrap(),
        )
        .statements(batch_statement(&format!(
            "SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 3"
        )))
        .statements(batch_statement(&format!(
            "SELECT * FROM \"{t}\" WHERE pk = 'a'"
        )))
        .statements(batch_statement(&format!(
            "SELECT * FROM \"{t}\" WHERE pk IN ['b'] AND sk = 1"
        )))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let responses = out.responses();
    assert_eq!(
        responses[0].item().cloned(),
        Some(item(&[("pk", s("c")), ("sk", n("1"))]))
    );
    assert_eq!(responses[1].item().cloned(), Some(item(&[("v", s("x"))])));
    assert_eq!(responses[2].item(), None, "a deleted item");
    assert_eq!(responses[2].table_name(), Some(t.as_str()));
    for i in [3, 4] {
        assert_eq!(
            responses[i].error().unwrap().message(),
            Some("Only single item select is supported")
        );
    }
    if h.is_emulator() {
        // Three point reads: two eventually consistent half units and one whole unit.
        let cc = out.consumed_capacity();
        assert_eq!(cc.len(), 1);
        assert_eq!(cc[0].capacity_units(), Some(2.0));
    }
    h.stop().await;
}

#[tokio::test]
async fn batches_are_refused_whole_for_mixing_duplicates_and_size() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-batch-refused").await;
    let read = batch_statement(&format!("SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 1"));
    let write = |sk: usize| {
        batch_statement(&format!(
            "INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': {sk}}}"
        ))
    };
    let send = |statements: Vec<BatchStatementRequest>| {
        h.client
            .batch_execute_statement()
            .set_statements(Some(statements))
            .send()
    };
    assert_error(
        send(vec![read.clone(), write(1)]).await,
        "ValidationException",
        "Read and write requests together in the same batch is not supported.",
    );
    assert_error(
        send(vec![read.clone(), read.clone()]).await,
        "ValidationException",
        "Provided list of item keys contains duplicates",
    );
    assert_error(
        send((0..26).map(|_| read.clone()).collect()).await,
        "ValidationException",
        "BatchGetItem cannot fetch more than 25 items",
    );
    assert_error(
        send((0..26).map(write).collect()).await,
        "ValidationException",
        "BatchWriteItem cannot write more than 25 items",
    );
    assert_error(
        send(vec![batch_statement("")]).await,
        "ValidationException",
        "The statement was empty.",
    );
    if h.is_emulator() {
        // A refused batch runs none of its statements.
        assert_error(
            send(vec![write(5), write(5)]).await,
            "ValidationException",
            "Provided list of item keys contains duplicates",
        );
        let out = run(&h, &format!("SELECT * FROM \"{t}\"")).await;
        assert!(out.items().is_empty());
    }
    h.stop().await;
}

fn tx_statement(statement: &str) -> ParameterizedStatement {
    ParameterizedStatement::builder()
        .statement(statement)
        .build()
        .unwrap()
}

/// The codes and messages of a TransactionCanceledException's reasons.
fn cancellation<T: std::fmt::Debug>(
    result: Result<T, SdkError<ExecuteTransactionError, HttpResponse>>,
) -> Vec<(String, Option<String>)> {
    match result.map_err(|e| e.into_service_error()) {
        Err(ExecuteTransactionError::TransactionCanceledException(e)) => e
            .cancellation_reasons()
            .iter()
            .map(|r| {
                (
                    r.code().unwrap_or_default().to_owned(),
                    r.message().map(str::to_owned),
                )
            })
            .collect(),
        other => panic!("expected TransactionCanceledException, got {other:?}"),
    }
}

#[tokio::test]
async fn transactions_write_all_or_nothing() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-tx").await;
    seed(&h, &t).await;
    let send = |statements: Vec<ParameterizedStatement>| {
        h.client
            .execute_transaction()
            .set_transact_statements(Some(statements))
            .send()
    };
    let out = send(vec![
        ParameterizedStatement::builder()
            .statement(format!("INSERT INTO \"{t}\" VALUE {{'pk': ?, 'sk': 1}}"))
            .parameters(s("c"))
            .build()
            .unwrap(),
        tx_statement(&format!(
            "UPDATE \"{t}\" SET n = 1 WHERE pk = 'a' AND sk = 1 AND v = 'x'"
        )),
        tx_statement(&format!("DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 2")),
        tx_statement(&format!(
            "EXISTS(SELECT * FROM \"{t}\" WHERE pk = 'b' AND sk = 1 AND v = 'x')"
        )),
    ])
    .await
    .unwrap();
    assert!(out.responses().is_empty());
    let all = run(&h, &format!("SELECT * FROM \"{t}\" WHERE pk IN ['a', 'c']")).await;
    assert_eq!(keys(&all), pairs(&[("a", "1"), ("a", "3"), ("c", "1")]));
    assert_eq!(items(&all)[0]["n"], n("1"));

    // One failing statement cancels every other.
    let reasons = cancellation(
        send(vec![
            tx_statement(&format!("INSERT INTO \"{t}\" VALUE {{'pk': 'd', 'sk': 1}}")),
            tx_statement(&format!("INSERT INTO \"{t}\" VALUE {{'pk': 'c', 'sk': 1}}")),
            tx_statement(&format!(
                "UPDATE \"{t}\" SET v = 'q' WHERE pk = 'gone' AND sk = 1"
            )),
            tx_statement(&format!(
                "EXISTS(SELECT * FROM \"{t}\" WHERE pk = 'b' AND sk = 1 AND v = 'nope')"
            )),
            tx_statement(&format!(
                "DELETE FROM \"{t}\" WHERE pk = 'gone' AND sk = 2 AND v = 'x'"
            )),
        ])
        .await,
    );
    let failed = Some("The conditional request failed".to_owned());
    assert_eq!(
        reasons,
        vec![
            ("None".to_owned(), None),
            (
                "ValidationError".to_owned(),
                Some("Duplicate primary key exists in table".to_owned())
            ),
            ("ConditionalCheckFailed".to_owned(), failed.clone()),
            // EXISTS words it with a full stop.
            ("ConditionalCheckFailed".to_owned(), failed.map(|f| f + ".")),
            ("None".to_owned(), None),
        ]
    );
    let out = run(&h, &format!("SELECT * FROM \"{t}\" WHERE pk = 'd'")).await;
    assert!(out.items().is_empty(), "the cancelled INSERT wrote nothing");

    // Key problems with the table cancel too.
    let reasons = cancellation(
        send(vec![tx_statement(&format!(
            "INSERT INTO \"{t}\" VALUE {{'pk': 'e'}}"
        ))])
        .await,
    );
    assert_eq!(
        reasons,
        vec![(
            "ValidationError".to_owned(),
            Some("Key attribute should be present in the item: Key sk".to_owned())
        )]
    );
    h.stop().await;
}

#[tokio::test]
async fn transactions_read_one_snapshot_of_whole_keys() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-tx-read").await;
    seed(&h, &t).await;
    let out = h
        .client
        .execute_transaction()
        .transact_statements(tx_statement(&format!(
            "SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 1"
        )))
        .transact_statements(tx_statement(&format!(
            "SELECT v FROM \"{t}\" WHERE pk = 'b' AND sk = 1"
        )))
        .transact_statements(tx_statement(&format!(
            "SELECT * FROM \"{t}\" WHERE pk = 'none' AND sk = 1"
        )))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let responses: Vec<Option<Item>> = out.responses().iter().map(|r| r.item().cloned()).collect();
    assert_eq!(
        responses,
        vec![
            Some(item(&[("pk", s("a")), ("sk", n("1")), ("v", s("x"))])),
            Some(item(&[("v", s("x"))])),
            None,
        ]
    );
    if h.is_emulator() {
        // Each read costs twice a strongly consistent read (two units for a missing item).
        assert_eq!(out.consumed_capacity()[0].capacity_units(), Some(6.0));
    }
    h.stop().await;
}

#[tokio::test]
async fn transaction_tokens_and_refusals() {
    let h = Harness::start().await;
    let t = range_table(&h, "pq-tx-refused").await;
    seed(&h, &t).await;
    let insert = |pk: &str| {
        h.client
            .execute_transaction()
            .transact_statements(tx_statement(&format!(
                "INSERT INTO \"{t}\" VALUE {{'pk': '{pk}', 'sk': 1}}"
            )))
            .client_request_token(h.table("token-1"))
            .send()
    };
    insert("f").await.unwrap();
    insert("f")
        .await
        .expect("a retry answers the first outcome");
    assert_error(
        insert("g").await,
        "IdempotentParameterMismatchException",
        "Specified idempotent token was used with different request parameters within the \
         idempotency window",
    );

    let cases: Vec<(Vec<String>, &str, String)> = vec![
        (
            vec![
                format!("SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 1"),
                format!("INSERT INTO \"{t}\" VALUE {{'pk': 'h', 'sk': 1}}"),
            ],
            "ValidationException",
            "ExecuteTransaction API does not support both read and write operations in the same \
             request."
                .into(),
        ),
        (
            vec![format!("SELECT * FROM \"{t}\" WHERE pk = 'a'")],
            "ValidationException",
            "Validation failed in TransactStatements[0]: Select statements within \
             ExecuteTransaction must specify the primary key in the where clause."
                .into(),
        ),
        (
            vec![
                format!("INSERT INTO \"{t}\" VALUE {{'pk': 'h', 'sk': 1}}"),
                format!("EXISTS(SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 1)"),
            ],
            "ValidationException",
            "Validation failed in TransactStatements[1]: EXISTS() must contain a single item \
             read with additional condition"
                .into(),
        ),
        (
            vec![format!(
                "DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 1 RETURNING ALL OLD *"
            )],
            "ValidationException",
            "Validation failed in TransactStatements[0]: RETURNING clause is not supported in \
             ExecuteTransaction."
                .into(),
        ),
        (
            vec![
                format!("INSERT INTO \"{t}\" VALUE {{'pk': 'h', 'sk': 1}}"),
                format!("UPDATE \"{t}\" SET v = 'q' WHERE pk = 'h' AND sk = 1"),
            ],
            "ValidationException",
            "Transaction request cannot include multiple operations on one item".into(),
        ),
        (
            vec!["INSERT INTO \"pq-missing-table\" VALUE {'pk': 'a'}".into()],
            "ResourceNotFoundException",
            "Requested resource not found".into(),
        ),
    ];
    for (statements, code, message) in cases {
        let result = h
            .client
            .execute_transaction()
            .set_transact_statements(Some(statements.iter().map(|s| tx_statement(s)).collect()))
            .send()
            .await;
        let (got_code, got_message) = error_of(result);
        assert_eq!(
            (got_code.as_str(), got_message.as_str()),
            (code, message.as_str()),
            "{statements:?}"
        );
    }
    let result = h
        .client
        .execute_transaction()
        .transact_statements(tx_statement(""))
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "ExecutePartiQLTransaction can not have empty statement.",
    );
    h.stop().await;
}
