//! `--throttle`: requests beyond a table's capacity are refused, and batches hand back what
//! capacity cannot take, as the service does.
//!
//! The assertions rest on counts, never on timing: the burst a provisioned table keeps is
//! 300 seconds of its capacity, and a request admitted on a small positive balance is
//! charged in full, so a 400 KB write leaves a 1-unit table about 100 seconds in debt,
//! far longer than any of these tests runs.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemError, BatchWriteItemOutput};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeyType,
    KeysAndAttributes, Projection, ProjectionType, ProvisionedThroughput, Put, PutRequest,
    ScalarAttributeType, TransactWriteItem, WriteRequest,
};
use emulator::{Config, ThrottleMode};

use crate::util::*;

const TABLE_EXCEEDED: &str = "The level of configured provisioned throughput for the table \
     was exceeded. Consider increasing your provisioning level with the UpdateTable API.";

async fn harness(mode: ThrottleMode) -> Harness {
    Harness::start_with(Config {
        throttle: mode,
        ..Config::ephemeral()
    })
    .await
}

fn throughput(read: i64, write: i64) -> ProvisionedThroughput {
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .unwrap()
}

/// A PROVISIONED table keyed by `id` (S) with this capacity.
async fn provisioned_table(h: &Harness, name: &str, read: i64, write: i64) -> String {
    let table = h.table(name);
    h.client
        .create_table()
        .table_name(&table)
        .attribute_definitions(attr_def("id", ScalarAttributeType::S))
        .key_schema(key_elem("id", KeyType::Hash))
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput(read, write))
        .send()
        .await
        .unwrap();
    table
}

/// An item of about `kb` KB (a write of it costs `kb` units, a strongly consistent read
/// of it `kb / 4`).
fn sized(id: &str, kb: usize) -> Item {
    item(&[("id", s(id)), ("pad", s(&"x".repeat(kb * 1024 - 20)))])
}

fn put_request(it: Item) -> WriteRequest {
    WriteRequest::builder()
        .put_request(PutRequest::builder().set_item(Some(it)).build().unwrap())
        .build()
}

async fn put(h: &Harness, table: &str, it: Item) -> Result<(), PutItemError> {
    h.client
        .put_item()
        .table_name(table)
        .set_item(Some(it))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.into_service_error())
}

#[tokio::test]
async fn a_burst_beyond_300_seconds_of_capacity_is_throttled() {
    let h = harness(ThrottleMode::Provisioned).await;
    let table = provisioned_table(&h, "burst", 1, 1).await;
    let mut accepted = 0;
    let refused = loop {
        match put(&h, &table, item(&[("id", s(&accepted.to_string()))])).await {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted < 5000, "never throttled");
    };
    // 300 units of burst, plus whatever trickled in at 1 unit a second meanwhile.
    assert!(
        accepted >= 300,
        "only {accepted} writes before the first refusal"
    );
    let PutItemError::ProvisionedThroughputExceededException(e) = &refused else {
        panic!("expected ProvisionedThroughputExceededException, got {refused:?}");
    };
    assert_eq!(e.message(), Some(TABLE_EXCEEDED));
    let reasons = e.throttling_reasons();
    assert_eq!(reasons.len(), 1);
    assert_eq!(
        reasons[0].reason(),
        Some("TableWriteProvisionedThroughputExceeded")
    );
    assert!(
        reasons[0]
            .resource()
            .unwrap()
            .ends_with(&format!(":table/{table}"))
    );

    // Reads draw on their own capacity.
    h.client
        .get_item()
        .table_name(&table)
        .key("id", s("0"))
        .send()
        .await
        .unwrap();

    let metrics = raw_request(h.addr(), "GET", "/metrics", &[], b"")
        .await
        .text();
    let line = format!(
        "drydock_throttled_total{{service=\"dynamodb\",region=\"us-east-1\",table=\"{table}\",operation=\"PutItem\"}} 1"
    );
    assert!(metrics.lines().any(|l| l == line), "{metrics}");
    assert!(metrics.lines().any(|l| l
        == "drydock_errors_total{service=\"dynamodb\",operation=\"PutItem\",code=\"ProvisionedThroughputExceededException\"} 1"));
    h.stop().await;
}

#[tokio::test]
async fn a_write_admitted_on_a_positive_balance_is_charged_in_full() {
    let h = harness(ThrottleMode::Provisioned).await;
    let table = provisioned_table(&h, "debt", 1, 1).await;
    // 300 units of burst; the 400 KB write is admitted and leaves about 100 units owed.
    put(&h, &table, sized("big", 400)).await.unwrap();
    let e = put(&h, &table, item(&[("id", s("small"))]))
        .await
        .unwrap_err();
    assert!(
        matches!(e, PutItemError::ProvisionedThroughputExceededException(_)),
        "{e:?}"
    );
    // The refused write did nothing.
    let got = h
        .client
        .get_item()
        .table_name(&table)
        .key("id", s("small"))
        .send()
        .await
        .unwrap();
    assert!(got.item.is_none());

    // Every other write operation is held back the same way.
    let e = h
        .client
        .update_item()
        .table_name(&table)
        .key("id", s("big"))
        .update_expression("SET n = :n")
        .expression_attribute_values(":n", n("1"))
        .send()
        .await;
    assert_error(e, "ProvisionedThroughputExceededException", TABLE_EXCEEDED);
    let e = h
        .client
        .delete_item()
        .table_name(&table)
        .key("id", s("big"))
        .send()
        .await;
    assert_error(e, "ProvisionedThroughputExceededException", TABLE_EXCEEDED);

    // A batch of which nothing can be written is refused whole.
    let e = h
        .client
        .batch_write_item()
        .request_items(&table, vec![put_request(item(&[("id", s("b"))]))])
        .send()
        .await;
    assert_error(e, "ProvisionedThroughputExceededException", TABLE_EXCEEDED);

    // More capacity (UpdateTable) repays the debt faster: 100 units owed at 10,000 a
    // second are repaid in a hundredth of a second, not the 100 s at 1 unit a second.
    h.client
        .update_table()
        .table_name(&table)
        .provisioned_throughput(throughput(1, 10_000))
        .send()
        .await
        .unwrap();
    let mut attempts = 0;
    while put(&h, &table, item(&[("id", s("after"))])).await.is_err() {
        attempts += 1;
        assert!(
            attempts < 200,
            "still throttled after the capacity increase"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    h.stop().await;
}

#[tokio::test]
async fn a_transaction_on_a_table_out_of_capacity_is_cancelled() {
    let h = harness(ThrottleMode::Provisioned).await;
    let table = provisioned_table(&h, "transacted", 1, 1).await;
    let free = h.table("free");
    create_hash_table(&h.client, &free, "id", ScalarAttributeType::S).await;
    put(&h, &table, sized("big", 400)).await.unwrap();
    let put_on = |table: &str| {
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(table)
                    .set_item(Some(item(&[("id", s("t"))])))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let e = h
        .client
        .transact_write_items()
        .transact_items(put_on(&table))
        .transact_items(put_on(&free))
        .send()
        .await;
    assert_error(
        e,
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons \
         [ProvisionedThroughputExceeded, None]",
    );
    let got = h
        .client
        .get_item()
        .table_name(&free)
        .key("id", s("t"))
        .send()
        .await
        .unwrap();
    assert!(got.item.is_none(), "a cancelled transaction writes nothing");
    h.stop().await;
}

#[tokio::test]
async fn batch_write_item_returns_what_capacity_cannot_take_in_unprocessed_items() {
    let h = harness(ThrottleMode::Provisioned).await;
    let table = provisioned_table(&h, "batched", 5, 1).await;
    let free = h.table("free");
    create_hash_table(&h.client, &free, "id", ScalarAttributeType::S).await;
    // 300 units of burst, 290 spent: about 10 left (plus a unit a second meanwhile).
    put(&h, &table, sized("big", 290)).await.unwrap();

    let requests: Vec<WriteRequest> = (0..24)
        .map(|i| put_request(item(&[("id", s(&format!("k{i:02}")))])))
        .collect();
    let out = h
        .client
        .batch_write_item()
        .request_items(&table, requests)
        .request_items(&free, vec![put_request(item(&[("id", s("f"))]))])
        .send()
        .await
        .unwrap();
    let unprocessed = out.unprocessed_items.unwrap_or_default();
    assert!(
        !unprocessed.contains_key(&free),
        "on-demand tables are not throttled"
    );
    let held_back = unprocessed.get(&table).cloned().unwrap_or_default();
    assert!(
        !held_back.is_empty() && held_back.len() < 20,
        "{} of 24 requests held back; about 14 expected",
        held_back.len()
    );
    let held_back: Vec<String> = held_back
        .iter()
        .map(|w| match &w.put_request().unwrap().item()["id"] {
            AttributeValue::S(id) => id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    // Written: exactly the requests that were not handed back.
    for i in 0..24 {
        let id = format!("k{i:02}");
        let got = h
            .client
            .get_item()
            .table_name(&table)
            .key("id", s(&id))
            .send()
            .await
            .unwrap();
        assert_eq!(got.item.is_some(), !held_back.contains(&id), "{id}");
    }
    h.stop().await;
}

#[tokio::test]
async fn reads_beyond_read_capacity_are_throttled_and_batch_get_hands_keys_back() {
    let h = harness(ThrottleMode::Provisioned).await;
    let table = provisioned_table(&h, "reads", 1, 10).await;
    for i in 0..3 {
        put(&h, &table, sized(&format!("r{i}"), 390)).await.unwrap();
    }
    // A strongly consistent Scan of the three items (about 1.1 MB) costs about 290 units;
    // two of them overdraw the 300 units of burst.
    for _ in 0..2 {
        h.client
            .scan()
            .table_name(&table)
            .consistent_read(true)
            .send()
            .await
            .unwrap();
    }
    let e = h
        .client
        .get_item()
        .table_name(&table)
        .key("id", s("r0"))
        .send()
        .await;
    assert_error(e, "ProvisionedThroughputExceededException", TABLE_EXCEEDED);
    let e = h
        .client
        .query()
        .table_name(&table)
        .key_condition_expression("id = :id")
        .expression_attribute_values(":id", s("r0"))
        .send()
        .await;
    assert_error(e, "ProvisionedThroughputExceededException", TABLE_EXCEEDED);

    // Alone, the throttled table fails the batch; beside a table that can serve, its keys
    // come back unprocessed with their settings.
    let keys = KeysAndAttributes::builder()
        .keys(item(&[("id", s("r0"))]))
        .consistent_read(true)
        .build()
        .unwrap();
    let e = h
        .client
        .batch_get_item()
        .request_items(&table, keys.clone())
        .send()
        .await;
    assert_error(e, "ProvisionedThroughputExceededException", TABLE_EXCEEDED);
    let free = h.table("free");
    create_hash_table(&h.client, &free, "id", ScalarAttributeType::S).await;
    let out = h
        .client
        .batch_get_item()
        .request_items(&table, keys)
        .request_items(
            &free,
            KeysAndAttributes::builder()
                .keys(item(&[("id", s("x"))]))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let unprocessed = out.unprocessed_keys.unwrap_or_default();
    let back = &unprocessed[&table];
    assert_eq!(back.keys().len(), 1);
    assert_eq!(back.consistent_read(), Some(true));
    assert!(!unprocessed.contains_key(&free));
    assert!(out.responses.unwrap()[&table].is_empty());
    h.stop().await;
}

#[tokio::test]
async fn a_global_index_short_of_write_capacity_throttles_the_tables_writes() {
    let h = harness(ThrottleMode::Provisioned).await;
    let table = h.table("gsi");
    h.client
        .create_table()
        .table_name(&table)
        .attribute_definitions(attr_def("id", ScalarAttributeType::S))
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("g")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(key_elem("id", KeyType::Hash))
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput(100, 100))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_g")
                .key_schema(key_elem("g", KeyType::Hash))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .provisioned_throughput(throughput(1, 1))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut big = sized("a", 390);
    big.insert("g".to_owned(), s("g"));
    // The index takes the projection's 390 units: 300 of burst, and about 90 owed.
    put(&h, &table, big).await.unwrap();
    let e = put(&h, &table, item(&[("id", s("b"))])).await.unwrap_err();
    let PutItemError::ProvisionedThroughputExceededException(e) = &e else {
        panic!("{e:?}");
    };
    assert_eq!(
        e.message(),
        Some(
            "The level of configured provisioned throughput for one or more global secondary \
             indexes of the table was exceeded. Consider increasing your provisioning level \
             for the under-provisioned global secondary indexes with the UpdateTable API"
        )
    );
    let reason = &e.throttling_reasons()[0];
    assert_eq!(
        reason.reason(),
        Some("IndexWriteProvisionedThroughputExceeded")
    );
    assert!(reason.resource().unwrap().ends_with("/index/by_g"));
    h.stop().await;
}

/// 25 items of 399 KB in one BatchWriteItem: 9,975 write units.
async fn bulk_load(
    h: &Harness,
    table: &str,
) -> Result<BatchWriteItemOutput, SdkError<BatchWriteItemError>> {
    let requests: Vec<WriteRequest> = (0..25)
        .map(|i| put_request(sized(&i.to_string(), 399)))
        .collect();
    h.client
        .batch_write_item()
        .request_items(table, requests)
        .send()
        .await
}

#[tokio::test]
async fn on_demand_tables_are_throttled_beyond_their_initial_throughput_only_in_mode_all() {
    // More than the 4,000 write units a second a new on-demand table serves at once.
    let h = harness(ThrottleMode::Provisioned).await;
    let table = h.table("on_demand");
    create_hash_table(&h.client, &table, "id", ScalarAttributeType::S).await;
    let out = bulk_load(&h, &table).await.unwrap();
    assert!(out.unprocessed_items.unwrap_or_default().is_empty());
    h.stop().await;

    let h = harness(ThrottleMode::All).await;
    let table = h.table("on_demand");
    create_hash_table(&h.client, &table, "id", ScalarAttributeType::S).await;
    let out = bulk_load(&h, &table).await.unwrap();
    let held_back = out.unprocessed_items.unwrap_or_default()[&table].len();
    assert!(
        (5..25).contains(&held_back),
        "{held_back} of 25 held back; about 15 expected"
    );
    h.stop().await;
}
