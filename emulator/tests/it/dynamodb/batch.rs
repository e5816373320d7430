//! BatchGetItem and BatchWriteItem: multi-table requests, limits and duplicate keys.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{
    DeleteRequest, KeysAndAttributes, PutRequest, ReturnConsumedCapacity, ScalarAttributeType,
    WriteRequest,
};

use crate::util::*;

fn put_req(it: Item) -> WriteRequest {
    WriteRequest::builder()
        .put_request(PutRequest::builder().set_item(Some(it)).build().unwrap())
        .build()
}

fn delete_req(key: Item) -> WriteRequest {
    WriteRequest::builder()
        .delete_request(DeleteRequest::builder().set_key(Some(key)).build().unwrap())
        .build()
}

fn keys(ks: Vec<Item>) -> KeysAndAttributes {
    KeysAndAttributes::builder()
        .set_keys(Some(ks))
        .build()
        .unwrap()
}

async fn two_tables(h: &Harness) -> (String, String) {
    let a = h.table("batch_a");
    let b = h.table("batch_b");
    create_hash_table(&h.client, &a, "id", ScalarAttributeType::S).await;
    create_range_table(
        &h.client,
        &b,
        ("p", ScalarAttributeType::S),
        ("n", ScalarAttributeType::N),
    )
    .await;
    (a, b)
}

fn ids(items: &[Item], attr: &str) -> BTreeSet<String> {
    items
        .iter()
        .map(|it| match &it[attr] {
            aws_sdk_dynamodb::types::AttributeValue::S(v) => v.clone(),
            aws_sdk_dynamodb::types::AttributeValue::N(v) => v.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn batch_write_puts_and_deletes_across_tables_and_batch_get_reads_them_back() {
    let h = Harness::start().await;
    let (a, b) = two_tables(&h).await;
    let out = h
        .client
        .batch_write_item()
        .request_items(
            &a,
            (0..15)
                .map(|i| {
                    put_req(item(&[
                        ("id", s(&format!("k{i}"))),
                        ("v", n(&i.to_string())),
                    ]))
                })
                .collect(),
        )
        .request_items(
            &b,
            (0..10)
                .map(|i| put_req(item(&[("p", s("x")), ("n", n(&i.to_string()))])))
                .collect(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        out.unprocessed_items().is_none_or(|u| u.is_empty()),
        "nothing left unprocessed: {:?}",
        out.unprocessed_items()
    );

    h.client
        .batch_write_item()
        .request_items(
            &a,
            vec![
                delete_req(item(&[("id", s("k0"))])),
                delete_req(item(&[("id", s("k1"))])),
                delete_req(item(&[("id", s("never-existed"))])),
                put_req(item(&[("id", s("k2")), ("v", s("replaced"))])),
            ],
        )
        .send()
        .await
        .unwrap();

    let out = h
        .client
        .batch_get_item()
        .request_items(
            &a,
            keys(
                (0..15)
                    .map(|i| item(&[("id", s(&format!("k{i}")))]))
                    .collect(),
            ),
        )
        .request_items(
            &b,
            keys(
                (0..12)
                    .map(|i| item(&[("p", s("x")), ("n", n(&i.to_string()))]))
                    .collect(),
            ),
        )
        .send()
        .await
        .unwrap();
    let responses = out.responses().unwrap();
    let got_a = &responses[&a];
    assert_eq!(got_a.len(), 13);
    assert_eq!(
        ids(got_a, "id"),
        (2..15).map(|i| format!("k{i}")).collect::<BTreeSet<_>>()
    );
    let k2 = got_a.iter().find(|it| it["id"] == s("k2")).unwrap();
    assert_eq!(k2, &item(&[("id", s("k2")), ("v", s("replaced"))]));
    assert_eq!(
        ids(&responses[&b], "n"),
        (0..10).map(|i| i.to_string()).collect::<BTreeSet<_>>(),
        "keys 10 and 11 do not exist and are simply absent"
    );
    assert!(out.unprocessed_keys().is_none_or(|u| u.is_empty()));
}

#[tokio::test]
async fn batch_get_item_accepts_100_keys_and_applies_projection() {
    let h = Harness::start().await;
    let (a, _) = two_tables(&h).await;
    for chunk in (0..100).collect::<Vec<_>>().chunks(25) {
        h.client
            .batch_write_item()
            .request_items(
                &a,
                chunk
                    .iter()
                    .map(|i| {
                        put_req(item(&[
                            ("id", s(&format!("k{i}"))),
                            ("v", n(&i.to_string())),
                            ("other", s("hidden")),
                        ]))
                    })
                    .collect(),
            )
            .send()
            .await
            .unwrap();
    }
    let out = h
        .client
        .batch_get_item()
        .request_items(
            &a,
            KeysAndAttributes::builder()
                .set_keys(Some(
                    (0..100)
                        .map(|i| item(&[("id", s(&format!("k{i}")))]))
                        .collect(),
                ))
                .projection_expression("#v")
                .expression_attribute_names("#v", "v")
                .consistent_read(true)
                .build()
                .unwrap(),
        )
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let got = &out.responses().unwrap()[&a];
    assert_eq!(got.len(), 100);
    assert!(got.iter().all(|it| it.len() == 1 && it.contains_key("v")));
    assert_eq!(
        ids(got, "v"),
        (0..100).map(|i| i.to_string()).collect::<BTreeSet<_>>()
    );
    let cc = out.consumed_capacity();
    assert_eq!(cc.len(), 1);
    assert_eq!(cc[0].table_name(), Some(a.as_str()));
    assert_eq!(
        cc[0].capacity_units(),
        Some(100.0),
        "one strongly consistent unit per item"
    );
}

#[tokio::test]
async fn batch_get_item_rejects_more_than_100_keys() {
    let h = Harness::start().await;
    let (a, _) = two_tables(&h).await;
    let result = h
        .client
        .batch_get_item()
        .request_items(
            &a,
            keys(
                (0..101)
                    .map(|i| item(&[("id", s(&format!("k{i}")))]))
                    .collect(),
            ),
        )
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "Too many items requested for the BatchGetItem call",
    );
}

#[tokio::test]
async fn batch_get_item_counts_keys_across_tables_toward_100() {
    let h = Harness::start().await;
    let (a, b) = two_tables(&h).await;
    let result = h
        .client
        .batch_get_item()
        .request_items(
            &a,
            keys(
                (0..60)
                    .map(|i| item(&[("id", s(&format!("k{i}")))]))
                    .collect(),
            ),
        )
        .request_items(
            &b,
            keys(
                (0..41)
                    .map(|i| item(&[("p", s("x")), ("n", n(&i.to_string()))]))
                    .collect(),
            ),
        )
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "Too many items requested for the BatchGetItem call",
    );
}

#[tokio::test]
async fn batch_write_item_rejects_more_than_25_requests() {
    let h = Harness::start().await;
    let (a, _) = two_tables(&h).await;
    let result = h
        .client
        .batch_write_item()
        .request_items(
            &a,
            (0..26)
                .map(|i| put_req(item(&[("id", s(&format!("k{i}")))])))
                .collect(),
        )
        .send()
        .await;
    let (code, message) = error_of(result);
    assert_eq!(code, "ValidationException");
    assert!(
        message.starts_with("1 validation error detected: Value '{")
            && message.ends_with(
                "' at 'requestItems' failed to satisfy constraint: Map value must satisfy \
                 constraint: [Member must have length less than or equal to 25, Member must \
                 have length greater than or equal to 1]"
            ),
        "{message}"
    );
    let scan = h.client.scan().table_name(&a).send().await.unwrap();
    assert_eq!(scan.count(), 0, "nothing of a rejected batch is written");
}

#[tokio::test]
async fn batch_write_item_counts_requests_across_tables_toward_25() {
    let h = Harness::start().await;
    let (a, b) = two_tables(&h).await;
    let result = h
        .client
        .batch_write_item()
        .request_items(
            &a,
            (0..13)
                .map(|i| put_req(item(&[("id", s(&format!("k{i}")))])))
                .collect(),
        )
        .request_items(
            &b,
            (0..13)
                .map(|i| put_req(item(&[("p", s("x")), ("n", n(&i.to_string()))])))
                .collect(),
        )
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "Too many items requested for the BatchWriteItem call",
    );
}

#[tokio::test]
async fn batch_write_item_rejects_duplicate_keys() {
    let h = Harness::start().await;
    let (a, _) = two_tables(&h).await;
    let dup_puts = vec![
        put_req(item(&[("id", s("same")), ("v", n("1"))])),
        put_req(item(&[("id", s("same")), ("v", n("2"))])),
    ];
    let put_and_delete = vec![
        put_req(item(&[("id", s("same"))])),
        delete_req(item(&[("id", s("same"))])),
    ];
    for requests in [dup_puts, put_and_delete] {
        let result = h
            .client
            .batch_write_item()
            .request_items(&a, requests)
            .send()
            .await;
        assert_error(
            result,
            "ValidationException",
            "Provided list of item keys contains duplicates",
        );
    }
    let scan = h.client.scan().table_name(&a).send().await.unwrap();
    assert_eq!(scan.count(), 0);
}

#[tokio::test]
async fn batch_get_item_rejects_duplicate_keys() {
    let h = Harness::start().await;
    let (a, _) = two_tables(&h).await;
    let result = h
        .client
        .batch_get_item()
        .request_items(
            &a,
            keys(vec![item(&[("id", s("same"))]), item(&[("id", s("same"))])]),
        )
        .send()
        .await;
    assert_error(
        result,
        "ValidationException",
        "Provided list of item keys contains duplicates",
    );
}

#[tokio::test]
async fn batch_operations_on_a_missing_table_are_resource_not_found() {
    let h = Harness::start().await;
    let (a, _) = two_tables(&h).await;
    let ghost = h.table("ghost");
    let result = h
        .client
        .batch_write_item()
        .request_items(&a, vec![put_req(item(&[("id", s("k"))]))])
        .request_items(&ghost, vec![put_req(item(&[("id", s("k"))]))])
        .send()
        .await;
    assert_error(
        result,
        "ResourceNotFoundException",
        "Requested resource not found",
    );
    let scan = h.client.scan().table_name(&a).send().await.unwrap();
    assert_eq!(scan.count(), 0, "the request fails as a whole");

    let result = h
        .client
        .batch_get_item()
        .request_items(&ghost, keys(vec![item(&[("id", s("k"))])]))
        .send()
        .await;
    assert_error(
        result,
        "ResourceNotFoundException",
        "Requested resource not found",
    );
}

#[tokio::test]
async fn batch_write_item_rejects_an_item_missing_its_key() {
    let h = Harness::start().await;
    let (a, _) = two_tables(&h).await;
    let result = h
        .client
        .batch_write_item()
        .request_items(&a, vec![put_req(item(&[("other", s("x"))]))])
        .send()
        .await;
    // The service's text for this case in a batch is not on record; the code is.
    assert_eq!(error_of(result).0, "ValidationException");
}

#[tokio::test]
async fn batch_write_item_reports_consumed_capacity_per_table() {
    let h = Harness::start().await;
    let (a, b) = two_tables(&h).await;
    let out = h
        .client
        .batch_write_item()
        .request_items(
            &a,
            (0..3)
                .map(|i| put_req(item(&[("id", s(&format!("k{i}")))])))
                .collect(),
        )
        .request_items(
            &b,
            vec![put_req(item(&[
                ("p", s("x")),
                ("n", n("1")),
                ("pad", s(&"y".repeat(1500))),
            ]))],
        )
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let mut cc: Vec<(String, f64)> = out
        .consumed_capacity()
        .iter()
        .map(|c| {
            (
                c.table_name().unwrap().to_owned(),
                c.capacity_units().unwrap(),
            )
        })
        .collect();
    cc.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(cc, [(a, 3.0), (b, 2.0)]);
}
