//! Secondary indexes: definitions on CreateTable and in DescribeTable, entries kept in step
//! with every kind of write (sparse, moved, removed), Query and Scan on an index with their
//! projections and pagination, and the service's refusals.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue, BillingMode, GlobalSecondaryIndex, IndexStatus, KeyType, LocalSecondaryIndex,
    Projection, ProjectionType, PutRequest, ScalarAttributeType, Select, WriteRequest,
};

use crate::util::*;

/// `orders`: key (customer S, order N); GSI `by_status` (status S, placed N) projecting
/// `total` only; GSI `by_sku` (sku S) projecting everything; LSI `by_total` (customer,
/// total N) projecting keys only.
async fn orders(h: &Harness) -> String {
    let name = h.table("orders");
    h.client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr_def("customer", ScalarAttributeType::S))
        .attribute_definitions(attr_def("order", ScalarAttributeType::N))
        .attribute_definitions(attr_def("status", ScalarAttributeType::S))
        .attribute_definitions(attr_def("placed", ScalarAttributeType::N))
        .attribute_definitions(attr_def("sku", ScalarAttributeType::S))
        .attribute_definitions(attr_def("total", ScalarAttributeType::N))
        .key_schema(key_elem("customer", KeyType::Hash))
        .key_schema(key_elem("order", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_status")
                .key_schema(key_elem("status", KeyType::Hash))
                .key_schema(key_elem("placed", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::Include)
                        .non_key_attributes("total")
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_sku")
                .key_schema(key_elem("sku", KeyType::Hash))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("by_total")
                .key_schema(key_elem("customer", KeyType::Hash))
                .key_schema(key_elem("total", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    name
}

fn order(customer: &str, order: i64, status: Option<&str>, sku: &str, total: i64) -> Item {
    let mut it = item(&[
        ("customer", s(customer)),
        ("order", n(&order.to_string())),
        ("placed", n(&(1000 + order).to_string())),
        ("sku", s(sku)),
        ("total", n(&total.to_string())),
        ("note", s("gift")),
    ]);
    if let Some(status) = status {
        it.insert("status".to_owned(), s(status));
    }
    it
}

async fn put(client: &Client, table: &str, it: Item) {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(it))
        .send()
        .await
        .unwrap();
}

fn numbers(items: &[Item], attr: &str) -> Vec<i64> {
    items
        .iter()
        .map(|it| match &it[attr] {
            AttributeValue::N(v) => v.parse().unwrap(),
            other => panic!("{attr} is {other:?}"),
        })
        .collect()
}

async fn query_status(client: &Client, table: &str, status: &str) -> Vec<Item> {
    client
        .query()
        .table_name(table)
        .index_name("by_status")
        .key_condition_expression("#s = :s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", s(status))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

#[tokio::test]
async fn describe_lists_the_indexes_with_their_counts() {
    let h = Harness::start().await;
    let table = orders(&h).await;
    put(&h.client, &table, order("ann", 1, Some("open"), "x", 10)).await;
    put(&h.client, &table, order("ann", 2, None, "y", 20)).await;

    let desc = h
        .client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let globals = desc.global_secondary_indexes.unwrap();
    assert_eq!(globals.len(), 2);
    let by_status = globals
        .iter()
        .find(|g| g.index_name() == Some("by_status"))
        .unwrap();
    assert_eq!(by_status.index_status, Some(IndexStatus::Active));
    assert_eq!(
        by_status.projection.as_ref().unwrap().non_key_attributes(),
        ["total".to_owned()]
    );
    assert!(by_status.index_arn().unwrap().ends_with("/index/by_status"));
    if h.is_emulator() {
        // The item without a status has no entry: the index is sparse.
        assert_eq!(by_status.item_count, Some(1));
        let by_sku = globals
            .iter()
            .find(|g| g.index_name() == Some("by_sku"))
            .unwrap();
        assert_eq!(by_sku.item_count, Some(2));
        assert_eq!(by_sku.index_size_bytes, desc.table_size_bytes);
    }
    let locals = desc.local_secondary_indexes.unwrap();
    assert_eq!(locals[0].index_name(), Some("by_total"));
    assert_eq!(
        locals[0].projection.as_ref().unwrap().projection_type,
        Some(ProjectionType::KeysOnly)
    );
}

#[tokio::test]
async fn index_entries_follow_puts_updates_and_deletes() {
    let h = Harness::start().await;
    let table = orders(&h).await;
    for i in 0..5 {
        put(
            &h.client,
            &table,
            order("ann", i, Some("open"), "x", 10 * i),
        )
        .await;
    }
    assert_eq!(
        numbers(&query_status(&h.client, &table, "open").await, "placed"),
        [1000, 1001, 1002, 1003, 1004]
    );

    // An update moves the item from one index partition to another.
    h.client
        .update_item()
        .table_name(&table)
        .key("customer", s("ann"))
        .key("order", n("1"))
        .update_expression("SET #s = :s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", s("shipped"))
        .send()
        .await
        .unwrap();
    // Removing the index key takes the item out of the index.
    h.client
        .update_item()
        .table_name(&table)
        .key("customer", s("ann"))
        .key("order", n("2"))
        .update_expression("REMOVE #s")
        .expression_attribute_names("#s", "status")
        .send()
        .await
        .unwrap();
    h.client
        .delete_item()
        .table_name(&table)
        .key("customer", s("ann"))
        .key("order", n("3"))
        .send()
        .await
        .unwrap();
    // A batch put replaces an item, keeping one entry for it.
    h.client
        .batch_write_item()
        .request_items(
            &table,
            vec![
                WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(order("ann", 4, Some("open"), "z", 99)))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            ],
        )
        .send()
        .await
        .unwrap();

    let open = query_status(&h.client, &table, "open").await;
    assert_eq!(numbers(&open, "placed"), [1000, 1004]);
    assert_eq!(numbers(&open, "total"), [0, 99]);
    // The projection: index keys, table keys and `total`, not `note` or `sku`.
    let mut names: Vec<&str> = open[0].keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["customer", "order", "placed", "status", "total"]);
    assert_eq!(
        numbers(&query_status(&h.client, &table, "shipped").await, "order"),
        [1]
    );
}

#[tokio::test]
async fn queries_on_an_index_page_through_items_sharing_a_key() {
    let h = Harness::start().await;
    let table = orders(&h).await;
    for i in 0..7 {
        put(
            &h.client,
            &table,
            order(&format!("c{i}"), i, None, "same", i),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let page = h
            .client
            .query()
            .table_name(&table)
            .index_name("by_sku")
            .key_condition_expression("sku = :k")
            .expression_attribute_values(":k", s("same"))
            .limit(3)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        seen.extend(numbers(page.items(), "order"));
        match page.last_evaluated_key {
            Some(key) => {
                // The start key holds the index key and the table key.
                let mut names: Vec<&str> = key.keys().map(String::as_str).collect();
                names.sort_unstable();
                assert_eq!(names, ["customer", "order", "sku"]);
                start = Some(key);
            }
            None => break,
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2, 3, 4, 5, 6]);

    // A start key needs exactly the index's and the table's keys, of their types.
    let start_with = |key: Item| {
        h.client
            .query()
            .table_name(&table)
            .index_name("by_sku")
            .key_condition_expression("sku = :k")
            .expression_attribute_values(":k", s("same"))
            .set_exclusive_start_key(Some(key))
            .send()
    };
    let full = item(&[("sku", s("same")), ("customer", s("c1")), ("order", n("1"))]);
    let mut missing = full.clone();
    missing.remove("order");
    assert_error(
        start_with(missing).await,
        "ValidationException",
        "The provided starting key is invalid",
    );
    let mut extra = full.clone();
    extra.insert("note".into(), s("x"));
    assert_error(
        start_with(extra).await,
        "ValidationException",
        "The provided starting key is invalid",
    );
    let mut mistyped = full.clone();
    mistyped.insert("order".into(), s("1"));
    assert_error(
        start_with(mistyped).await,
        "ValidationException",
        "Type mismatch for attribute to update",
    );
    let mut elsewhere = full.clone();
    elsewhere.insert("sku".into(), s("other"));
    assert_error(
        start_with(elsewhere).await,
        "ValidationException",
        "The provided starting key does not match the range key predicate",
    );

    let scanned = h
        .client
        .scan()
        .table_name(&table)
        .index_name("by_sku")
        .select(Select::Count)
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.count, 7);
}

#[tokio::test]
async fn sort_key_conditions_and_order_apply_to_the_index_key() {
    let h = Harness::start().await;
    let table = orders(&h).await;
    for (i, total) in [(1, 50), (2, 5), (3, 500), (4, 0)] {
        put(&h.client, &table, order("ann", i, None, "x", total)).await;
    }
    put(&h.client, &table, order("bob", 9, None, "x", 7)).await;
    let out = h
        .client
        .query()
        .table_name(&table)
        .index_name("by_total")
        .key_condition_expression("customer = :c AND #t BETWEEN :lo AND :hi")
        .expression_attribute_names("#t", "total")
        .expression_attribute_values(":c", s("ann"))
        .expression_attribute_values(":lo", n("5"))
        .expression_attribute_values(":hi", n("500"))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap();
    assert_eq!(numbers(out.items(), "total"), [500, 50, 5]);
    // KEYS_ONLY: index and table keys only.
    assert!(!out.items()[0].contains_key("note"));

    // A local index reads through to the table for what it does not project.
    let out = h
        .client
        .query()
        .table_name(&table)
        .index_name("by_total")
        .key_condition_expression("customer = :c AND #t > :lo")
        .expression_attribute_names("#t", "total")
        .expression_attribute_values(":c", s("ann"))
        .expression_attribute_values(":lo", n("40"))
        .select(Select::AllAttributes)
        .send()
        .await
        .unwrap();
    assert_eq!(numbers(out.items(), "total"), [50, 500]);
    assert_eq!(out.items()[0]["note"], s("gift"));
}

#[tokio::test]
async fn index_reads_are_refused_as_the_service_refuses_them() {
    let h = Harness::start().await;
    let table = orders(&h).await;
    let unknown = h
        .client
        .query()
        .table_name(&table)
        .index_name("nope")
        .key_condition_expression("sku = :k")
        .expression_attribute_values(":k", s("x"))
        .send()
        .await;
    assert_error(
        unknown,
        "ValidationException",
        "The table does not have the specified index: nope",
    );
    let consistent = h
        .client
        .query()
        .table_name(&table)
        .index_name("by_sku")
        .consistent_read(true)
        .key_condition_expression("sku = :k")
        .expression_attribute_values(":k", s("x"))
        .send()
        .await;
    assert_error(
        consistent,
        "ValidationException",
        "Consistent reads are not supported on global secondary indexes",
    );
    let all = h
        .client
        .scan()
        .table_name(&table)
        .index_name("by_status")
        .select(Select::AllAttributes)
        .send()
        .await;
    assert_error(
        all,
        "ValidationException",
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported \
         for global secondary index by_status because its projection type is not ALL",
    );
    // A global index answers only with what it projects; Query names the filter's
    // attributes first, Scan the projection's.
    let query = h
        .client
        .query()
        .table_name(&table)
        .index_name("by_status")
        .key_condition_expression("#s = :s")
        .filter_expression("note = :n")
        .projection_expression("sku, #t")
        .expression_attribute_names("#s", "status")
        .expression_attribute_names("#t", "total")
        .expression_attribute_values(":s", s("open"))
        .expression_attribute_values(":n", s("gift"))
        .send()
        .await;
    assert_error(
        query,
        "ValidationException",
        "One or more parameter values were invalid: Secondary index by_status does not project \
         one or more filter attributes: [note]",
    );
    let scan = h
        .client
        .scan()
        .table_name(&table)
        .index_name("by_status")
        .filter_expression("note = :n")
        .projection_expression("sku, #t, note.x")
        .expression_attribute_names("#t", "total")
        .expression_attribute_values(":n", s("gift"))
        .send()
        .await;
    assert_error(
        scan,
        "ValidationException",
        "One or more parameter values were invalid: Global secondary index by_status does not \
         project [note, sku]",
    );
}

#[tokio::test]
async fn index_key_values_are_checked_on_write() {
    let h = Harness::start().await;
    let table = orders(&h).await;
    let mut wrong_type = order("ann", 1, None, "x", 1);
    wrong_type.insert("status".to_owned(), n("1"));
    let e = h
        .client
        .put_item()
        .table_name(&table)
        .set_item(Some(wrong_type))
        .send()
        .await;
    // The service's full text (DynamoDB Local stops after "Index Key").
    let expected = "One or more parameter values were invalid: Type mismatch for Index Key status \
                    Expected: S Actual: N IndexName: by_status";
    if h.is_emulator() {
        assert_error(e, "ValidationException", expected);
    } else {
        assert_error_starts(e, "ValidationException", &expected[..70]);
    }
    let e = h
        .client
        .update_item()
        .table_name(&table)
        .key("customer", s("ann"))
        .key("order", n("1"))
        .update_expression("SET sku = :e")
        .expression_attribute_values(":e", s(""))
        .send()
        .await;
    assert_error(
        e,
        "ValidationException",
        "One or more parameter values are not valid. The update expression attempted to update \
         a secondary index key to a value that is not supported. The AttributeValue for a key \
         attribute cannot contain an empty string value.",
    );
    let e = h
        .client
        .put_item()
        .table_name(&table)
        .set_item(Some(order("ann", 1, Some(""), "x", 1)))
        .send()
        .await;
    assert_error(
        e,
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index \
         key is not supported. The AttributeValue for a key attribute cannot contain an empty \
         string value. IndexName: by_status, IndexKey: status",
    );
    // Nothing was written.
    let got = h
        .client
        .get_item()
        .table_name(&table)
        .key("customer", s("ann"))
        .key("order", n("1"))
        .send()
        .await
        .unwrap();
    assert!(got.item.is_none());
}

#[tokio::test]
async fn deleting_the_table_drops_its_indexes() {
    let h = Harness::start().await;
    let table = orders(&h).await;
    put(&h.client, &table, order("ann", 1, Some("open"), "x", 10)).await;
    h.client
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    if !h.is_emulator() {
        return;
    }
    let table = orders(&h).await;
    assert!(query_status(&h.client, &table, "open").await.is_empty());
}

#[tokio::test]
async fn an_index_created_later_holds_the_existing_items() {
    use aws_sdk_dynamodb::types::{
        CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
        GlobalSecondaryIndexUpdate,
    };
    let h = Harness::start().await;
    let table = h.table("late");
    create_hash_table(&h.client, &table, "id", ScalarAttributeType::S).await;
    for i in 0..6 {
        let mut it = item(&[("id", s(&format!("i{i}"))), ("n", n(&i.to_string()))]);
        if i % 2 == 0 {
            it.insert("team".to_owned(), s("red"));
        }
        put(&h.client, &table, it).await;
    }
    let create = h
        .client
        .update_table()
        .table_name(&table)
        .attribute_definitions(attr_def("team", ScalarAttributeType::S))
        .attribute_definitions(attr_def("n", ScalarAttributeType::N))
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .create(
                    CreateGlobalSecondaryIndexAction::builder()
                        .index_name("by_team")
                        .key_schema(key_elem("team", KeyType::Hash))
                        .key_schema(key_elem("n", KeyType::Range))
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::KeysOnly)
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let described = create.table_description.unwrap();
    assert_eq!(
        described.global_secondary_indexes()[0].index_name(),
        Some("by_team")
    );
    if !h.is_emulator() {
        // DynamoDB Local answers writes to a table whose index is being created with an
        // InternalFailure.
        return;
    }

    // Writes after the creation keep the index in step too.
    put(
        &h.client,
        &table,
        item(&[("id", s("late")), ("n", n("9")), ("team", s("red"))]),
    )
    .await;
    let mut found = Vec::new();
    for _ in 0..100 {
        let out = h
            .client
            .query()
            .table_name(&table)
            .index_name("by_team")
            .key_condition_expression("team = :t")
            .expression_attribute_values(":t", s("red"))
            .send()
            .await;
        // The service refuses queries while the index is being created.
        if let Ok(out) = out {
            found = numbers(out.items(), "n");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(found, [0, 2, 4, 9]);

    let second = h
        .client
        .update_table()
        .table_name(&table)
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .create(
                    CreateGlobalSecondaryIndexAction::builder()
                        .index_name("by_team")
                        .key_schema(key_elem("team", KeyType::Hash))
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::All)
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await;
    assert_error(
        second,
        "ValidationException",
        "Attempting to create an index which already exists",
    );

    h.client
        .update_table()
        .table_name(&table)
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .delete(
                    DeleteGlobalSecondaryIndexAction::builder()
                        .index_name("by_team")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let gone = h
        .client
        .query()
        .table_name(&table)
        .index_name("by_team")
        .key_condition_expression("team = :t")
        .expression_attribute_values(":t", s("red"))
        .send()
        .await;
    assert_error(
        gone,
        "ValidationException",
        "The table does not have the specified index: by_team",
    );
    // Writes after the deletion no longer touch it.
    put(
        &h.client,
        &table,
        item(&[("id", s("later")), ("team", s("blue")), ("n", n("1"))]),
    )
    .await;
}

#[tokio::test]
async fn writes_and_reads_charge_the_indexes_they_touch() {
    use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
    let h = Harness::start().await;
    let table = orders(&h).await;
    let units = |cc: Option<&aws_sdk_dynamodb::types::ConsumedCapacity>| {
        let cc = cc.unwrap();
        let mut shares: Vec<(String, f64)> = cc
            .global_secondary_indexes()
            .into_iter()
            .flatten()
            .chain(cc.local_secondary_indexes().into_iter().flatten())
            .map(|(name, c)| (name.clone(), c.capacity_units.unwrap()))
            .collect();
        shares.sort_by(|a, b| a.0.cmp(&b.0));
        (
            cc.capacity_units.unwrap(),
            cc.table.as_ref().unwrap().capacity_units.unwrap(),
            shares,
        )
    };
    let first = h
        .client
        .put_item()
        .table_name(&table)
        .set_item(Some(order("ann", 1, Some("open"), "x", 10)))
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    assert_eq!(
        units(first.consumed_capacity()),
        (
            4.0,
            1.0,
            vec![
                ("by_sku".to_owned(), 1.0),
                ("by_status".to_owned(), 1.0),
                ("by_total".to_owned(), 1.0)
            ]
        )
    );
    // Moving the item in `by_status` costs two writes there; the other entries are unchanged
    // except `by_sku`, which holds the whole item.
    let moved = h
        .client
        .put_item()
        .table_name(&table)
        .set_item(Some(order("ann", 1, Some("shipped"), "x", 10)))
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    assert_eq!(
        units(moved.consumed_capacity()),
        (
            4.0,
            1.0,
            vec![("by_sku".to_owned(), 1.0), ("by_status".to_owned(), 2.0)]
        )
    );
    let read = h
        .client
        .query()
        .table_name(&table)
        .index_name("by_total")
        .key_condition_expression("customer = :c")
        .expression_attribute_values(":c", s("ann"))
        .select(Select::AllAttributes)
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    assert_eq!(
        units(read.consumed_capacity()),
        (1.0, 0.5, vec![("by_total".to_owned(), 0.5)])
    );
}

#[tokio::test]
async fn writes_to_a_table_with_local_indexes_report_their_collection() {
    use aws_sdk_dynamodb::types::ReturnItemCollectionMetrics;
    let h = Harness::start().await;
    let table = orders(&h).await;
    let out = h
        .client
        .put_item()
        .table_name(&table)
        .set_item(Some(order("ann", 1, None, "x", 10)))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    if !h.is_emulator() {
        // DynamoDB Local does not report item collections.
        return;
    }
    let metrics = out.item_collection_metrics.unwrap();
    assert_eq!(
        metrics.item_collection_key.unwrap(),
        item(&[("customer", s("ann"))])
    );
    assert_eq!(metrics.size_estimate_range_gb.unwrap(), [0.0, 1.0]);
    let deleted = h
        .client
        .delete_item()
        .table_name(&table)
        .key("customer", s("ann"))
        .key("order", n("1"))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert!(deleted.item_collection_metrics.is_some());
    // Without SIZE, or on a table without local indexes, nothing is reported.
    let quiet = h
        .client
        .put_item()
        .table_name(&table)
        .set_item(Some(order("ann", 2, None, "x", 10)))
        .send()
        .await
        .unwrap();
    assert!(quiet.item_collection_metrics.is_none());
    let plain = h.table("plain");
    create_hash_table(&h.client, &plain, "id", ScalarAttributeType::S).await;
    let out = h
        .client
        .put_item()
        .table_name(&plain)
        .item("id", s("a"))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert!(out.item_collection_metrics.is_none());
}

#[tokio::test]
async fn a_switch_to_provisioned_gives_every_global_index_its_capacity() {
    use aws_sdk_dynamodb::types::{
        GlobalSecondaryIndexUpdate, ProvisionedThroughput, UpdateGlobalSecondaryIndexAction,
    };
    let h = Harness::start().await;
    let table = orders(&h).await;
    let throughput = |units: i64| {
        ProvisionedThroughput::builder()
            .read_capacity_units(units)
            .write_capacity_units(units)
            .build()
            .unwrap()
    };
    let update = |name: &str, units: i64| {
        GlobalSecondaryIndexUpdate::builder()
            .update(
                UpdateGlobalSecondaryIndexAction::builder()
                    .index_name(name)
                    .provisioned_throughput(throughput(units))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let missing = h
        .client
        .update_table()
        .table_name(&table)
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput(5))
        .global_secondary_index_updates(update("by_sku", 3))
        .send()
        .await;
    if h.is_emulator() {
        // DynamoDB Local fails this with an InternalFailure.
        assert_error(
            missing,
            "ValidationException",
            "One or more parameter values were invalid: ProvisionedThroughput must be specified \
             for index: by_status",
        );
    }
    h.client
        .update_table()
        .table_name(&table)
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput(5))
        .global_secondary_index_updates(update("by_sku", 3))
        .global_secondary_index_updates(update("by_status", 4))
        .send()
        .await
        .unwrap();
    let desc = h
        .client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let mut capacities: Vec<(String, i64)> = desc
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            (
                g.index_name().unwrap().to_owned(),
                g.provisioned_throughput
                    .as_ref()
                    .unwrap()
                    .read_capacity_units
                    .unwrap(),
            )
        })
        .collect();
    capacities.sort();
    assert_eq!(
        capacities,
        [("by_sku".to_owned(), 3), ("by_status".to_owned(), 4)]
    );
}
