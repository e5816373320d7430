//! Error paths through the SDK: codes, and messages where the service's text is known
//! (DynamoDB Local 3.3.1 and dynalite's suite recorded against the service; where the two
//! differ, the service's text).

use aws_sdk_dynamodb::types::{AttributeValue, BillingMode, KeyType, ScalarAttributeType};

use crate::util::*;

async fn hash_table(h: &Harness) -> String {
    let name = h.table("errs");
    create_hash_table(&h.client, &name, "id", ScalarAttributeType::S).await;
    name
}

async fn range_table(h: &Harness) -> String {
    let name = h.table("errs_range");
    create_range_table(
        &h.client,
        &name,
        ("p", ScalarAttributeType::S),
        ("r", ScalarAttributeType::S),
    )
    .await;
    name
}

#[tokio::test]
async fn item_operations_on_a_missing_table_are_resource_not_found() {
    let h = Harness::start().await;
    let t = h.table("missing");
    let msg = "Requested resource not found";
    let c = &h.client;
    assert_error(
        c.get_item().table_name(&t).key("id", s("a")).send().await,
        "ResourceNotFoundException",
        msg,
    );
    assert_error(
        c.put_item().table_name(&t).item("id", s("a")).send().await,
        "ResourceNotFoundException",
        msg,
    );
    assert_error(
        c.update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET v = :v")
            .expression_attribute_values(":v", n("1"))
            .send()
            .await,
        "ResourceNotFoundException",
        msg,
    );
    assert_error(
        c.delete_item()
            .table_name(&t)
            .key("id", s("a"))
            .send()
            .await,
        "ResourceNotFoundException",
        msg,
    );
    assert_error(
        c.query()
            .table_name(&t)
            .key_condition_expression("id = :v")
            .expression_attribute_values(":v", s("a"))
            .send()
            .await,
        "ResourceNotFoundException",
        msg,
    );
    assert_error(
        c.scan().table_name(&t).send().await,
        "ResourceNotFoundException",
        msg,
    );
}

#[tokio::test]
async fn table_operations_on_a_missing_table_name_it() {
    let h = Harness::start().await;
    let t = h.table("missing");
    let msg = format!("Requested resource not found: Table: {t} not found");
    assert_error(
        h.client.describe_table().table_name(&t).send().await,
        "ResourceNotFoundException",
        &msg,
    );
    assert_error(
        h.client.delete_table().table_name(&t).send().await,
        "ResourceNotFoundException",
        &msg,
    );
}

#[tokio::test]
async fn create_table_twice_is_resource_in_use() {
    let h = Harness::start().await;
    let t = h.table("ml-features");
    create_ml_features(&h.client, &t).await;
    let result = h
        .client
        .create_table()
        .table_name(&t)
        .attribute_definitions(attr_def("user_id", ScalarAttributeType::S))
        .key_schema(key_elem("user_id", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    assert_error(
        result,
        "ResourceInUseException",
        &format!("Table already exists: {t}"),
    );
}

#[tokio::test]
async fn create_table_rejects_inconsistent_key_schema() {
    let h = Harness::start().await;
    let result = h
        .client
        .create_table()
        .table_name(h.table("bad1"))
        .attribute_definitions(attr_def("id", ScalarAttributeType::S))
        .key_schema(key_elem("other", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    assert_eq!(error_of(result).0, "ValidationException");

    let result = h
        .client
        .create_table()
        .table_name(h.table("bad2"))
        .attribute_definitions(attr_def("id", ScalarAttributeType::S))
        .attribute_definitions(attr_def("extra", ScalarAttributeType::S))
        .key_schema(key_elem("id", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    assert_eq!(error_of(result).0, "ValidationException");

    let result = h
        .client
        .create_table()
        .table_name(h.table("bad3"))
        .attribute_definitions(attr_def("id", ScalarAttributeType::S))
        .key_schema(key_elem("id", KeyType::Hash))
        .send()
        .await;
    assert_eq!(
        error_of(result).0,
        "ValidationException",
        "provisioned (the default) without throughput"
    );

    let listed = h.client.list_tables().send().await.unwrap();
    assert!(
        !listed
            .table_names()
            .iter()
            .any(|n| n.starts_with(&h.table("bad"))),
        "no rejected table was created: {:?}",
        listed.table_names()
    );
}

#[tokio::test]
async fn keys_that_do_not_match_the_schema_are_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    let rt = range_table(&h).await;
    let msg = "The provided key element does not match the schema";
    let c = &h.client;
    assert_error(
        c.get_item().table_name(&t).key("id", n("1")).send().await,
        "ValidationException",
        msg,
    );
    assert_error(
        c.get_item()
            .table_name(&t)
            .key("id", s("a"))
            .key("extra", s("b"))
            .send()
            .await,
        "ValidationException",
        msg,
    );
    assert_error(
        c.get_item()
            .table_name(&t)
            .key("other", s("a"))
            .send()
            .await,
        "ValidationException",
        msg,
    );
    assert_error(
        c.get_item().table_name(&rt).key("p", s("a")).send().await,
        "ValidationException",
        msg,
    );
    assert_error(
        c.delete_item()
            .table_name(&rt)
            .key("r", s("a"))
            .send()
            .await,
        "ValidationException",
        msg,
    );
    assert_error(
        c.update_item()
            .table_name(&t)
            .key("id", b(b"a"))
            .update_expression("SET v = :v")
            .expression_attribute_values(":v", n("1"))
            .send()
            .await,
        "ValidationException",
        msg,
    );
}

#[tokio::test]
async fn put_item_without_its_key_or_with_a_mistyped_key_is_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    assert_error(
        h.client
            .put_item()
            .table_name(&t)
            .item("other", s("a"))
            .send()
            .await,
        "ValidationException",
        // The service's text (dynalite's suite, recorded against it); DynamoDB Local says
        // "One of the required keys was not given a value".
        "One or more parameter values were invalid: Missing the key id in the item",
    );
    assert_error(
        h.client
            .put_item()
            .table_name(&t)
            .item("id", n("1"))
            .send()
            .await,
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N",
    );
}

#[tokio::test]
async fn empty_string_key_is_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    assert_error(
        h.client
            .put_item()
            .table_name(&t)
            .item("id", s(""))
            .send()
            .await,
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute \
         cannot contain an empty string value. Key: id",
    );
}

#[tokio::test]
async fn item_larger_than_400_kb_is_rejected_and_400_kb_is_accepted() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    // "id" + "k" + "v" + value = 409600 bytes exactly.
    let exact = 400 * 1024 - (2 + 1 + 1);
    h.client
        .put_item()
        .table_name(&t)
        .item("id", s("k"))
        .item("v", s(&"x".repeat(exact)))
        .send()
        .await
        .expect("an item of exactly 400 KB fits");
    assert_error(
        h.client
            .put_item()
            .table_name(&t)
            .item("id", s("k"))
            .item("v", s(&"x".repeat(exact + 1)))
            .send()
            .await,
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    );
    assert_error(
        h.client
            .update_item()
            .table_name(&t)
            .key("id", s("k"))
            .update_expression("SET w = :w")
            .expression_attribute_values(":w", s("yy"))
            .send()
            .await,
        "ValidationException",
        "Item size to update has exceeded the maximum allowed size",
    );
    let got = h
        .client
        .get_item()
        .table_name(&t)
        .key("id", s("k"))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        got["v"].as_s().unwrap().len(),
        exact,
        "the failed writes changed nothing"
    );
    assert!(!got.contains_key("w"));
}

#[tokio::test]
async fn partition_key_over_2048_bytes_and_sort_key_over_1024_bytes_are_rejected() {
    let h = Harness::start().await;
    let rt = range_table(&h).await;
    h.client
        .put_item()
        .table_name(&rt)
        .item("p", s(&"p".repeat(2048)))
        .item("r", s(&"r".repeat(1024)))
        .send()
        .await
        .expect("keys at the limits fit");
    assert_error(
        h.client
            .put_item()
            .table_name(&rt)
            .item("p", s(&"p".repeat(2049)))
            .item("r", s("r"))
            .send()
            .await,
        "ValidationException",
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum \
         size limit of2048 bytes",
    );
    assert_error(
        h.client
            .put_item()
            .table_name(&rt)
            .item("p", s("p"))
            .item("r", s(&"r".repeat(1025)))
            .send()
            .await,
        "ValidationException",
        "One or more parameter values were invalid: Aggregated size of all range keys has \
         exceeded the size limit of 1024 bytes",
    );
    assert_error(
        h.client
            .get_item()
            .table_name(&rt)
            .key("p", s(&"é".repeat(1025)))
            .key("r", s("r"))
            .send()
            .await,
        "ValidationException",
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum \
         size limit of2048 bytes",
    );
}

#[tokio::test]
async fn reserved_words_need_a_placeholder_in_every_expression() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    let c = &h.client;
    assert_error(
        c.update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET status = :v")
            .expression_attribute_values(":v", s("x"))
            .send()
            .await,
        "ValidationException",
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
    );
    assert_error(
        c.put_item()
            .table_name(&t)
            .item("id", s("a"))
            .condition_expression("attribute_not_exists(Count)")
            .send()
            .await,
        "ValidationException",
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Count",
    );
    assert_error(
        c.get_item()
            .table_name(&t)
            .key("id", s("a"))
            .projection_expression("id, name")
            .send()
            .await,
        "ValidationException",
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name",
    );
    assert_error(
        c.scan()
            .table_name(&t)
            .filter_expression("size(data) > :v")
            .expression_attribute_values(":v", n("1"))
            .send()
            .await,
        "ValidationException",
        "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: data",
    );
    // With a placeholder the same name is fine.
    c.update_item()
        .table_name(&t)
        .key("id", s("a"))
        .update_expression("SET #s = :v")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":v", s("x"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn unused_placeholders_are_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    let c = &h.client;
    assert_error(
        c.update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET v = :v")
            .expression_attribute_values(":v", s("x"))
            .expression_attribute_values(":w", s("y"))
            .send()
            .await,
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}",
    );
    assert_error(
        c.get_item()
            .table_name(&t)
            .key("id", s("a"))
            .expression_attribute_names("#n", "n")
            .send()
            .await,
        "ValidationException",
        "ExpressionAttributeNames can only be specified when using expressions",
    );
    assert_error(
        c.get_item()
            .table_name(&t)
            .key("id", s("a"))
            .projection_expression("id")
            .expression_attribute_names("#n", "n")
            .send()
            .await,
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}",
    );
}

#[tokio::test]
async fn undefined_placeholders_are_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    let c = &h.client;
    assert_error(
        c.update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET v = :missing")
            .expression_attribute_values(":v", s("x"))
            .send()
            .await,
        "ValidationException",
        "Invalid UpdateExpression: An expression attribute value used in expression is not \
         defined; attribute value: :missing",
    );
    assert_error(
        c.update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET #missing = :v")
            .expression_attribute_values(":v", s("x"))
            .send()
            .await,
        "ValidationException",
        "Invalid UpdateExpression: An expression attribute name used in the document path is \
         not defined; attribute name: #missing",
    );
    assert_error(
        c.put_item()
            .table_name(&t)
            .item("id", s("a"))
            .condition_expression("v = :v")
            .send()
            .await,
        "ValidationException",
        "Invalid ConditionExpression: An expression attribute value used in expression is not \
         defined; attribute value: :v",
    );
}

#[tokio::test]
async fn overlapping_update_paths_are_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    let c = &h.client;
    assert_error(
        c.update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET a = :v, a.b = :v")
            .expression_attribute_values(":v", s("x"))
            .send()
            .await,
        "ValidationException",
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or \
         rewrite one of these paths; path one: [a], path two: [a, b]",
    );
    assert_error(
        c.update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET a = :v REMOVE a")
            .expression_attribute_values(":v", s("x"))
            .send()
            .await,
        "ValidationException",
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or \
         rewrite one of these paths; path one: [a], path two: [a]",
    );
    assert_error(
        c.update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET a = :v SET b = :v")
            .expression_attribute_values(":v", s("x"))
            .send()
            .await,
        "ValidationException",
        "Invalid UpdateExpression: The \"SET\" section can only be used once in an update \
         expression;",
    );
}

#[tokio::test]
async fn updating_a_key_attribute_is_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    let msg = "One or more parameter values were invalid: Cannot update attribute id. This \
               attribute is part of the key";
    for expr in ["SET id = :v", "REMOVE id"] {
        let mut req = h
            .client
            .update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression(expr);
        if expr.contains(":v") {
            req = req.expression_attribute_values(":v", s("b"));
        }
        assert_error(req.send().await, "ValidationException", msg);
    }
}

#[tokio::test]
async fn update_operands_of_the_wrong_type_are_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    h.client
        .put_item()
        .table_name(&t)
        .item("id", s("a"))
        .item("str", s("x"))
        .item("num", n("1"))
        .item("list", l(vec![]))
        .send()
        .await
        .unwrap();
    let msg = "An operand in the update expression has an incorrect data type";
    let cases: [(&str, AttributeValue); 5] = [
        ("ADD str :v", n("1")),
        ("SET num = str + :v", n("1")),
        ("SET #l = list_append(str, :v)", l(vec![])),
        ("DELETE num :v", ss(&["1"])),
        ("ADD #l :v", ss(&["1"])),
    ];
    for (expr, v) in cases {
        let mut req = h
            .client
            .update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression(expr)
            .expression_attribute_values(":v", v);
        if expr.contains("#l") {
            req = req.expression_attribute_names("#l", "list");
        }
        assert_error(req.send().await, "ValidationException", msg);
    }
    assert_error(
        h.client
            .update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET q = nothing + :v")
            .expression_attribute_values(":v", n("1"))
            .send()
            .await,
        "ValidationException",
        "The provided expression refers to an attribute that does not exist in the item",
    );
    assert_error(
        h.client
            .update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET nothing.deep = :v")
            .expression_attribute_values(":v", n("1"))
            .send()
            .await,
        "ValidationException",
        "The document path provided in the update expression is invalid for update",
    );
}

#[tokio::test]
async fn expression_syntax_errors_name_the_token() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    assert_error(
        h.client
            .update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("SET a")
            .send()
            .await,
        "ValidationException",
        "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"a\"",
    );
    assert_error(
        h.client
            .put_item()
            .table_name(&t)
            .item("id", s("a"))
            .condition_expression("foo(a)")
            .send()
            .await,
        "ValidationException",
        "Invalid ConditionExpression: Invalid function name; function: foo",
    );
    assert_error(
        h.client
            .put_item()
            .table_name(&t)
            .item("id", s("a"))
            .condition_expression("a = a")
            .send()
            .await,
        "ValidationException",
        "Invalid ConditionExpression: The first operand must be distinct from the remaining \
         operands for this operator or function; operator: =, first operand: [a]",
    );
}

#[tokio::test]
async fn empty_sets_and_duplicate_set_members_are_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    let put = |v: AttributeValue| {
        h.client
            .put_item()
            .table_name(&t)
            .item("id", s("a"))
            .item("set", v)
            .send()
    };
    assert_error(
        put(ss(&[])).await,
        "ValidationException",
        "One or more parameter values were invalid: An string set  may not be empty",
    );
    assert_error(
        put(ns(&[])).await,
        "ValidationException",
        "One or more parameter values were invalid: An number set  may not be empty",
    );
    assert_error(
        put(bs(&[])).await,
        "ValidationException",
        "One or more parameter values were invalid: Binary sets should not be empty",
    );
    assert_error_starts(
        put(ss(&["a", "a"])).await,
        "ValidationException",
        "One or more parameter values were invalid: Input collection [a, a] contains duplicates",
    );
    // 1 and 1.0 are the same number.
    assert_eq!(
        error_of(put(ns(&["1", "1.0"])).await).0,
        "ValidationException"
    );
    assert_eq!(
        error_of(put(bs(&[b"x", b"x"])).await).0,
        "ValidationException"
    );
    assert_error(
        h.client
            .update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("ADD tags :v")
            .expression_attribute_values(":v", ss(&[]))
            .send()
            .await,
        "ValidationException",
        "ExpressionAttributeValues contains invalid value: One or more parameter values were \
         invalid: An string set  may not be empty for key :v",
    );
}

#[tokio::test]
async fn numbers_out_of_range_or_precision_are_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    let put = |v: &str| {
        h.client
            .put_item()
            .table_name(&t)
            .item("id", s("a"))
            .item("n", n(v))
            .send()
    };
    assert_error(
        put("1234567890123456789012345678901234567891").await,
        "ValidationException",
        "Attempting to store more than 38 significant digits in a Number",
    );
    assert_error(
        put("1e126").await,
        "ValidationException",
        "Number overflow. Attempting to store a number with magnitude larger than supported range",
    );
    assert_error(
        put("-1e-131").await,
        "ValidationException",
        "Number underflow. Attempting to store a number with magnitude smaller than supported \
         range",
    );
    assert_error(
        put("abc").await,
        "ValidationException",
        "The parameter cannot be converted to a numeric value: abc",
    );
}

#[tokio::test]
async fn arithmetic_overflow_is_rejected() {
    let h = Harness::start().await;
    let t = hash_table(&h).await;
    h.client
        .put_item()
        .table_name(&t)
        .item("id", s("a"))
        .item("n", n("9E+125"))
        .send()
        .await
        .unwrap();
    assert_error(
        h.client
            .update_item()
            .table_name(&t)
            .key("id", s("a"))
            .update_expression("ADD n :v")
            .expression_attribute_values(":v", n("9E+125"))
            .send()
            .await,
        "ValidationException",
        "Number overflow. Attempting to store a number with magnitude larger than supported range",
    );
}

#[tokio::test]
async fn query_rejects_missing_key_condition() {
    let h = Harness::start().await;
    let rt = range_table(&h).await;
    assert_error(
        h.client.query().table_name(&rt).send().await,
        "ValidationException",
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the \
         request.",
    );
}

#[tokio::test]
async fn query_rejects_key_conditions_without_an_equality_on_the_partition_key() {
    let h = Harness::start().await;
    let rt = range_table(&h).await;
    let q = |cond: &'static str| {
        h.client
            .query()
            .table_name(&rt)
            .key_condition_expression(cond)
            .expression_attribute_values(":v", s("b"))
            .send()
    };
    assert_error(
        q("r = :v").await,
        "ValidationException",
        "Query condition missed key schema element: p",
    );
    assert_error(
        q("p > :v").await,
        "ValidationException",
        "Query key condition not supported",
    );
    assert_error(
        q("p = :v OR r = :v").await,
        "ValidationException",
        "Invalid operator used in KeyConditionExpression: OR",
    );
    assert_eq!(
        error_of(q("p = :v AND other = :v").await).0,
        "ValidationException",
        "a key condition on a non-key attribute"
    );
}

// ---- errors only a hand-made request can provoke (raw HTTP, always in-process) ----

/// The `message` of an error body, under either spelling the service uses.
fn raw_message(body: &serde_json::Value) -> Option<&str> {
    body.get("message")
        .or_else(|| body.get("Message"))
        .and_then(|m| m.as_str())
}

async fn raw_harness() -> Harness {
    Harness::start_with(emulator::Config::ephemeral()).await
}

#[tokio::test]
async fn malformed_json_is_a_serialization_exception() {
    let h = raw_harness().await;
    for body in [
        &b"hi"[..],
        b"{",
        b"",
        b"{\"TableName\":\"t\",}",
        b"\xff\xfe",
    ] {
        let r = post_target(h.addr(), Some("DynamoDB_20120810.ListTables"), body).await;
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(body));
        assert_eq!(
            r.json()["__type"],
            "com.amazon.coral.service#SerializationException",
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[tokio::test]
async fn wrong_json_types_are_serialization_exceptions() {
    let h = raw_harness().await;
    create_hash_table(&h.client, "tbl", "id", ScalarAttributeType::S).await;
    let cases: [(&str, &str); 6] = [
        ("DescribeTable", r#"{"TableName":5}"#),
        ("ListTables", r#"{"Limit":"ten"}"#),
        ("GetItem", r#"{"TableName":"tbl","Key":"id"}"#),
        (
            "GetItem",
            r#"{"TableName":"tbl","Key":{"id":{"S":"a"}},"ConsistentRead":"yes"}"#,
        ),
        ("Scan", r#"[]"#),
        (
            "PutItem",
            r#"{"TableName":"tbl","Item":{"id":{"S":["a"]}}}"#,
        ),
    ];
    for (op, body) in cases {
        let r = post_target(
            h.addr(),
            Some(&format!("DynamoDB_20120810.{op}")),
            body.as_bytes(),
        )
        .await;
        assert_eq!(r.status, 400, "{op} {body}");
        assert_eq!(
            r.json()["__type"],
            "com.amazon.coral.service#SerializationException",
            "{op} {body}: {}",
            r.text()
        );
    }
}

#[tokio::test]
async fn attribute_values_with_no_or_two_types_are_rejected() {
    let h = raw_harness().await;
    create_hash_table(&h.client, "tbl", "id", ScalarAttributeType::S).await;
    let cases = [
        (
            r#"{"TableName":"tbl","Item":{"id":{"S":"a"},"v":{}}}"#,
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
        (
            r#"{"TableName":"tbl","Item":{"id":{"S":"a"},"v":{"S":"a","N":"1"}}}"#,
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
        ),
    ];
    for (body, message) in cases {
        let r = post_target(h.addr(), Some("DynamoDB_20120810.PutItem"), body.as_bytes()).await;
        assert_eq!(r.status, 400, "{body}");
        let json = r.json();
        assert_eq!(
            json["__type"], "com.amazon.coral.validate#ValidationException",
            "{body}"
        );
        assert_eq!(raw_message(&json), Some(message), "{body}");
    }
}

#[tokio::test]
async fn unknown_operation_is_unknown_operation_exception() {
    let h = raw_harness().await;
    for target in [
        "DynamoDB_20120810.Frobnicate",
        "DynamoDB_20120810.ListTable",
        "DynamoDB_20991231.ListTables",
        "whatever",
    ] {
        let r = post_target(h.addr(), Some(target), b"{}").await;
        assert_eq!(r.status, 400, "{target}");
        let body = r.json();
        assert_eq!(
            body["__type"], "com.amazon.coral.service#UnknownOperationException",
            "{target}"
        );
        assert!(
            raw_message(&body).unwrap_or_default().is_empty(),
            "the service sends no message: {body}"
        );
    }
}

#[tokio::test]
async fn missing_target_header_is_unknown_operation_exception() {
    let h = raw_harness().await;
    let r = post_target(h.addr(), None, b"{}").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
    assert!(r.header("x-amzn-requestid").is_some());
}

#[tokio::test]
async fn missing_required_members_are_validation_errors() {
    let h = raw_harness().await;
    let r = post_target(h.addr(), Some("DynamoDB_20120810.DescribeTable"), b"{}").await;
    assert_eq!(r.status, 400);
    let body = r.json();
    assert_eq!(
        body["__type"],
        "com.amazon.coral.validate#ValidationException"
    );
    // The service's wording has changed over time ("1 validation error detected: Value null at
    // 'tableName' ...", now "The parameter 'TableName' is required but was not present in the
    // request"); both name the member.
    let message = raw_message(&body).unwrap_or_default().to_ascii_lowercase();
    assert!(message.contains("tablename"), "{body}");
}
