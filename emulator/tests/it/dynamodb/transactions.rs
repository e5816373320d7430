//! TransactWriteItems and TransactGetItems: all or nothing, cancellation reasons in request
//! order, idempotency tokens, limits and capacity.
//!
//! Where DynamoDB Local answers differently from the service (the wording of key problems,
//! an update that fails on the stored item, capacity of several writes on one table), the
//! emulator's answer is asserted only against the emulator.

use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    CancellationReason, ConditionCheck, Delete, Get, Put, ReturnConsumedCapacity,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TransactGetItem, TransactWriteItem,
    Update,
};

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;

use crate::util::*;

fn put(table: &str, it: Item) -> TransactWriteItem {
    TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(it))
                .build()
                .unwrap(),
        )
        .build()
}

fn put_if(table: &str, it: Item, condition: &str) -> TransactWriteItem {
    TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(it))
                .condition_expression(condition)
                .build()
                .unwrap(),
        )
        .build()
}

fn add_one(table: &str, key: Item) -> TransactWriteItem {
    TransactWriteItem::builder()
        .update(
            Update::builder()
                .table_name(table)
                .set_key(Some(key))
                .update_expression("ADD n :one")
                .expression_attribute_values(":one", n("1"))
                .build()
                .unwrap(),
        )
        .build()
}

fn delete(table: &str, key: Item) -> TransactWriteItem {
    TransactWriteItem::builder()
        .delete(
            Delete::builder()
                .table_name(table)
                .set_key(Some(key))
                .build()
                .unwrap(),
        )
        .build()
}

fn check(table: &str, key: Item, condition: &str, all_old: bool) -> TransactWriteItem {
    let mut builder = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key))
        .condition_expression(condition);
    if all_old {
        builder = builder
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    }
    TransactWriteItem::builder()
        .condition_check(builder.build().unwrap())
        .build()
}

fn get(table: &str, key: Item) -> TransactGetItem {
    TransactGetItem::builder()
        .get(
            Get::builder()
                .table_name(table)
                .set_key(Some(key))
                .build()
                .unwrap(),
        )
        .build()
}

fn key(id: &str) -> Item {
    item(&[("id", s(id))])
}

async fn table(h: &Harness, name: &str) -> String {
    let table = h.table(name);
    create_hash_table(&h.client, &table, "id", ScalarAttributeType::S).await;
    table
}

async fn stored(h: &Harness, table: &str, id: &str) -> Option<Item> {
    h.client
        .get_item()
        .table_name(table)
        .set_key(Some(key(id)))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

/// The cancellation reasons of a TransactionCanceledException; panics on anything else.
fn reasons<T: std::fmt::Debug>(
    result: Result<T, SdkError<TransactWriteItemsError, HttpResponse>>,
) -> Vec<CancellationReason> {
    match result.map_err(|e| e.into_service_error()) {
        Err(TransactWriteItemsError::TransactionCanceledException(e)) => {
            assert_eq!(
                e.message().unwrap_or_default(),
                format!(
                    "Transaction cancelled, please refer cancellation reasons for specific \
                     reasons [{}]",
                    e.cancellation_reasons()
                        .iter()
                        .map(|r| r.code().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            );
            e.cancellation_reasons().to_vec()
        }
        other => panic!("expected TransactionCanceledException, got {other:?}"),
    }
}

fn codes(reasons: &[CancellationReason]) -> Vec<&str> {
    reasons
        .iter()
        .map(|r| r.code().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn a_transaction_writes_everything_or_nothing() {
    let h = Harness::start().await;
    let a = table(&h, "tx_a").await;
    let b = table(&h, "tx_b").await;
    for (t, id) in [(&a, "x"), (&b, "y")] {
        h.client
            .put_item()
            .table_name(t)
            .set_item(Some(item(&[("id", s(id)), ("n", n("1"))])))
            .send()
            .await
            .unwrap();
    }
    let actions = |guard: &str| {
        vec![
            put(&a, item(&[("id", s("new")), ("v", s("fresh"))])),
            add_one(&a, key("x")),
            delete(&b, key("y")),
            check(&b, key("guard"), guard, false),
        ]
    };

    let result = h
        .client
        .transact_write_items()
        .set_transact_items(Some(actions("attribute_exists(id)")))
        .send()
        .await;
    assert_eq!(
        codes(&reasons(result)),
        ["None", "None", "None", "ConditionalCheckFailed"]
    );
    assert_eq!(stored(&h, &a, "new").await, None);
    assert_eq!(
        stored(&h, &a, "x").await,
        Some(item(&[("id", s("x")), ("n", n("1"))]))
    );
    assert!(stored(&h, &b, "y").await.is_some());

    h.client
        .transact_write_items()
        .set_transact_items(Some(actions("attribute_not_exists(id)")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stored(&h, &a, "new").await,
        Some(item(&[("id", s("new")), ("v", s("fresh"))]))
    );
    assert_eq!(
        stored(&h, &a, "x").await,
        Some(item(&[("id", s("x")), ("n", n("2"))]))
    );
    assert_eq!(stored(&h, &b, "y").await, None);
    assert_eq!(
        stored(&h, &b, "guard").await,
        None,
        "a check writes nothing"
    );
}

#[tokio::test]
async fn cancellation_reasons_follow_the_request_order() {
    let h = Harness::start().await;
    let t = table(&h, "tx_reasons").await;
    h.client
        .put_item()
        .table_name(&t)
        .set_item(Some(item(&[("id", s("taken")), ("v", s("old"))])))
        .send()
        .await
        .unwrap();
    h.client
        .put_item()
        .table_name(&t)
        .set_item(Some(item(&[("id", s("checked")), ("v", s("old"))])))
        .send()
        .await
        .unwrap();
    let with_value = TransactWriteItem::builder()
        .condition_check(
            ConditionCheck::builder()
                .table_name(&t)
                .set_key(Some(key("checked")))
                .condition_expression("v = :new")
                .expression_attribute_values(":new", s("new"))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build()
                .unwrap(),
        )
        .build();
    let result = h
        .client
        .transact_write_items()
        .transact_items(put_if(
            &t,
            item(&[("id", s("taken"))]),
            "attribute_not_exists(id)",
        ))
        .transact_items(put(&t, item(&[("id", s("free"))])))
        .transact_items(with_value)
        .send()
        .await;
    let got = reasons(result);
    assert_eq!(
        codes(&got),
        ["ConditionalCheckFailed", "None", "ConditionalCheckFailed"]
    );
    assert_eq!(got[0].message(), Some("The conditional request failed"));
    assert_eq!(got[0].item(), None, "no ALL_OLD asked for");
    assert_eq!(got[1].message(), None);
    assert_eq!(
        got[2].item(),
        Some(&item(&[("id", s("checked")), ("v", s("old"))]))
    );
    assert_eq!(stored(&h, &t, "free").await, None);
}

#[tokio::test]
async fn problems_found_while_running_cancel_with_validation_errors() {
    let h = Harness::start().await;
    let t = table(&h, "tx_invalid").await;
    let wrong_key = delete(&t, item(&[("id", n("1"))]));
    let missing_operand = TransactWriteItem::builder()
        .update(
            Update::builder()
                .table_name(&t)
                .set_key(Some(key("u")))
                .update_expression("SET a = b + :one")
                .expression_attribute_values(":one", n("1"))
                .build()
                .unwrap(),
        )
        .build();
    let result = h
        .client
        .transact_write_items()
        .transact_items(put(&t, item(&[("id", s("ok"))])))
        .transact_items(wrong_key)
        .send()
        .await;
    let key_reasons = reasons(result);
    assert_eq!(codes(&key_reasons), ["None", "ValidationError"]);
    if h.is_emulator() {
        // DynamoDB Local words it "Type mismatch for key".
        assert_eq!(
            key_reasons[1].message(),
            Some("The provided key element does not match the schema")
        );
        // The service cancels; DynamoDB Local answers a plain ValidationException.
        let result = h
            .client
            .transact_write_items()
            .transact_items(put(&t, item(&[("id", s("ok"))])))
            .transact_items(missing_operand)
            .send()
            .await;
        let update_reasons = reasons(result);
        assert_eq!(codes(&update_reasons), ["None", "ValidationError"]);
        assert_eq!(
            update_reasons[1].message(),
            Some("The provided expression refers to an attribute that does not exist in the item")
        );
    }
    assert_eq!(stored(&h, &t, "ok").await, None);
}

#[tokio::test]
async fn request_problems_are_refused_before_anything_runs() {
    let h = Harness::start().await;
    let t = table(&h, "tx_refused").await;
    let result = h
        .client
        .transact_write_items()
        .transact_items(put(&t, item(&[("id", s("same"))])))
        .transact_items(add_one(&t, key("same")))
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    );
    let result = h
        .client
        .transact_get_items()
        .transact_items(get(&t, key("same")))
        .transact_items(get(&t, key("same")))
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    );
    let result = h
        .client
        .transact_write_items()
        .set_transact_items(Some(
            (0..101)
                .map(|i| put(&t, item(&[("id", s(&i.to_string()))])))
                .collect(),
        ))
        .send()
        .await;
    let (code, message) = error_of(result);
    assert_eq!(code, "ValidationException");
    assert!(
        message.ends_with("Member must have length less than or equal to 100"),
        "{message}"
    );
    let result = h
        .client
        .transact_write_items()
        .transact_items(put(&t, item(&[("id", s(""))])))
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute \
         cannot contain an empty string value. Key: id",
    );
    let big = "x".repeat(400 * 1024);
    let result = h
        .client
        .transact_write_items()
        .transact_items(put(&t, item(&[("id", s("big")), ("b", s(&big))])))
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    );
    let result = h
        .client
        .transact_write_items()
        .transact_items(put(&t, item(&[("id", s("a"))])))
        .transact_items(put(&h.table("tx_missing"), item(&[("id", s("a"))])))
        .send()
        .await;
    let (code, _) = error_of(result);
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(stored(&h, &t, "a").await, None);
}

#[tokio::test]
async fn a_client_request_token_makes_a_retry_a_no_op() {
    let h = Harness::start().await;
    let t = table(&h, "tx_token").await;
    let send = |token: &'static str, action: TransactWriteItem| {
        h.client
            .transact_write_items()
            .client_request_token(token)
            .transact_items(action)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
    };
    let first = send("token-1", add_one(&t, key("counter"))).await.unwrap();
    let again = send("token-1", add_one(&t, key("counter"))).await.unwrap();
    assert_eq!(first.consumed_capacity(), again.consumed_capacity());
    assert_eq!(
        stored(&h, &t, "counter").await,
        Some(item(&[("id", s("counter")), ("n", n("1"))])),
        "the retry did not add again"
    );
    let result = send("token-1", add_one(&t, key("other"))).await;
    let (code, _) = error_of(result);
    assert_eq!(code, "IdempotentParameterMismatchException");
    assert_eq!(stored(&h, &t, "other").await, None);
    // A cancelled transaction binds nothing: its token is free for another request.
    let result = send(
        "token-2",
        check(&t, key("counter"), "attribute_not_exists(id)", false),
    )
    .await;
    assert_eq!(codes(&reasons(result)), ["ConditionalCheckFailed"]);
    send("token-2", add_one(&t, key("counter"))).await.unwrap();
    assert_eq!(
        stored(&h, &t, "counter").await,
        Some(item(&[("id", s("counter")), ("n", n("2"))]))
    );
}

#[tokio::test]
async fn transact_get_reads_one_snapshot_in_request_order() {
    let h = Harness::start().await;
    let a = table(&h, "tx_get_a").await;
    let b = table(&h, "tx_get_b").await;
    h.client
        .transact_write_items()
        .transact_items(put(&a, item(&[("id", s("1")), ("v", s("a1"))])))
        .transact_items(put(&b, item(&[("id", s("2")), ("v", s("b2"))])))
        .send()
        .await
        .unwrap();
    let projected = TransactGetItem::builder()
        .get(
            Get::builder()
                .table_name(&a)
                .set_key(Some(key("1")))
                .projection_expression("#v, absent")
                .expression_attribute_names("#v", "v")
                .build()
                .unwrap(),
        )
        .build();
    let out = h
        .client
        .transact_get_items()
        .transact_items(get(&b, key("2")))
        .transact_items(get(&a, key("nothing")))
        .transact_items(projected)
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let items: Vec<Option<&Item>> = out.responses().iter().map(|r| r.item()).collect();
    assert_eq!(
        items,
        [
            Some(&item(&[("id", s("2")), ("v", s("b2"))])),
            None,
            Some(&item(&[("v", s("a1"))])),
        ]
    );
    let mut units: Vec<(&str, f64)> = out
        .consumed_capacity()
        .iter()
        .map(|c| (c.table_name().unwrap(), c.capacity_units().unwrap()))
        .collect();
    units.sort_by(|x, y| x.0.cmp(y.0));
    // Each get costs two units, a missing item too.
    assert_eq!(units, [(a.as_str(), 4.0), (b.as_str(), 2.0)]);

    let result = h
        .client
        .transact_get_items()
        .transact_items(get(&a, key("1")))
        .transact_items(get(&a, item(&[("id", n("1"))])))
        .send()
        .await;
    match result.map_err(|e| e.into_service_error()) {
        Err(TransactGetItemsError::TransactionCanceledException(e)) if h.is_emulator() => {
            assert_eq!(codes(e.cancellation_reasons()), ["None", "ValidationError"]);
        }
        Err(TransactGetItemsError::TransactionCanceledException(_)) => {}
        other => panic!("expected TransactionCanceledException, got {other:?}"),
    }
}

#[tokio::test]
async fn transactional_capacity_is_doubled() {
    let h = Harness::start().await;
    let a = table(&h, "tx_cap_a").await;
    let b = table(&h, "tx_cap_b").await;
    h.client
        .put_item()
        .table_name(&b)
        .set_item(Some(key("old")))
        .send()
        .await
        .unwrap();
    let big = "x".repeat(1500);
    let out = h
        .client
        .transact_write_items()
        .transact_items(put(&a, item(&[("id", s("big")), ("b", s(&big))])))
        .transact_items(delete(&b, key("old")))
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let mut units: Vec<(&str, f64, f64)> = out
        .consumed_capacity()
        .iter()
        .map(|c| {
            (
                c.table_name().unwrap(),
                c.capacity_units().unwrap(),
                c.table().and_then(|t| t.capacity_units()).unwrap(),
            )
        })
        .collect();
    units.sort_by(|x, y| x.0.cmp(y.0));
    // 1.5 KB is two write units, doubled; the deleted item one, doubled.
    assert_eq!(units, [(a.as_str(), 4.0, 4.0), (b.as_str(), 2.0, 2.0)]);

    let out = h
        .client
        .transact_write_items()
        .transact_items(check(&a, key("big"), "attribute_exists(id)", false))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    // A check is a transactional read: 1.5 KB is one read unit, doubled.
    assert_eq!(out.consumed_capacity()[0].capacity_units(), Some(2.0));
    assert_eq!(out.consumed_capacity()[0].table(), None);
}
