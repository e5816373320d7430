//! StreamSpecification on CreateTable and UpdateTable, and what DescribeTable reports of it.

use aws_sdk_dynamodb::types::{
    BillingMode, KeyType, ScalarAttributeType, StreamSpecification, StreamViewType,
};

use crate::util::*;

fn spec(enabled: bool, view_type: Option<StreamViewType>) -> StreamSpecification {
    StreamSpecification::builder()
        .stream_enabled(enabled)
        .set_stream_view_type(view_type)
        .build()
        .unwrap()
}

#[tokio::test]
async fn create_table_with_a_stream_describes_it() {
    let h = Harness::start().await;
    let table = h.table("streamed");
    let created = h
        .client
        .create_table()
        .table_name(&table)
        .attribute_definitions(attr_def("pk", ScalarAttributeType::S))
        .key_schema(key_elem("pk", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(spec(true, Some(StreamViewType::NewAndOldImages)))
        .send()
        .await
        .unwrap();
    let created = created.table_description().unwrap();
    let described = h
        .client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let described = described.table().unwrap();
    for d in [created, described] {
        assert_eq!(
            d.stream_specification(),
            Some(&spec(true, Some(StreamViewType::NewAndOldImages)))
        );
        let label = d.latest_stream_label().unwrap();
        assert_eq!(label.len(), "2026-12-07T13:42:40.516".len(), "{label}");
        assert_eq!(
            d.latest_stream_arn().unwrap(),
            format!("{}/stream/{label}", d.table_arn().unwrap())
        );
    }

    let (code, message) = error_of(
        h.client
            .create_table()
            .table_name(h.table("nameless"))
            .attribute_definitions(attr_def("pk", ScalarAttributeType::S))
            .key_schema(key_elem("pk", KeyType::Hash))
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(spec(true, None))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "One or more parameter values were invalid: Table is being created with a stream \
         enabled, UpdateViewType is required"
    );
}

#[tokio::test]
async fn update_table_enables_disables_and_reenables_streams() {
    let h = Harness::start().await;
    let table = h.table("toggled");
    create_hash_table(&h.client, &table, "pk", ScalarAttributeType::S).await;
    let update = |s: StreamSpecification| {
        h.client
            .update_table()
            .table_name(&table)
            .stream_specification(s)
            .send()
    };
    let describe = || async {
        h.client
            .describe_table()
            .table_name(&table)
            .send()
            .await
            .unwrap()
            .table
            .unwrap()
    };
    assert!(describe().await.latest_stream_arn().is_none());

    update(spec(true, Some(StreamViewType::KeysOnly)))
        .await
        .unwrap();
    let first = describe().await.latest_stream_arn().unwrap().to_owned();
    assert_error(
        update(spec(true, Some(StreamViewType::NewImage))).await,
        "ValidationException",
        &format!("Table already has an enabled stream: TableName: {table}"),
    );

    update(spec(false, None)).await.unwrap();
    let d = describe().await;
    assert_eq!(d.stream_specification(), None);
    assert_eq!(d.latest_stream_arn(), Some(first.as_str()));
    assert_error(
        update(spec(false, None)).await,
        "ValidationException",
        &format!("Table has no stream to disable: TableName: {table}"),
    );

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    update(spec(true, Some(StreamViewType::NewImage)))
        .await
        .unwrap();
    let d = describe().await;
    assert_ne!(d.latest_stream_arn(), Some(first.as_str()));
    assert_eq!(
        d.stream_specification(),
        Some(&spec(true, Some(StreamViewType::NewImage)))
    );
}
