//! ListStreams, DescribeStream, GetShardIterator and GetRecords.

use aws_sdk_dynamodb::types::{
    BillingMode, KeyType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_dynamodbstreams::Client as StreamsClient;
use aws_sdk_dynamodbstreams::types::{OperationType, Record, ShardIteratorType, StreamStatus};

use crate::util::*;

/// Creates `table` (`pk` S, `sk` N) with a stream of `view_type`; returns the stream ARN.
pub async fn table_with_stream(h: &Harness, table: &str, view_type: StreamViewType) -> String {
    let out = h
        .client
        .create_table()
        .table_name(table)
        .attribute_definitions(attr_def("pk", ScalarAttributeType::S))
        .attribute_definitions(attr_def("sk", ScalarAttributeType::N))
        .key_schema(key_elem("pk", KeyType::Hash))
        .key_schema(key_elem("sk", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(view_type)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    out.table_description()
        .unwrap()
        .latest_stream_arn()
        .unwrap()
        .to_owned()
}

/// The stream's only shard id.
pub async fn shard_of(streams: &StreamsClient, arn: &str) -> String {
    let d = streams
        .describe_stream()
        .stream_arn(arn)
        .send()
        .await
        .unwrap();
    let d = d.stream_description().unwrap();
    assert_eq!(d.shards().len(), 1);
    d.shards()[0].shard_id().unwrap().to_owned()
}

/// A shard iterator of `kind` (with `sequence` for the AT/AFTER kinds).
pub async fn iterator(
    streams: &StreamsClient,
    arn: &str,
    kind: ShardIteratorType,
    sequence: Option<&str>,
) -> String {
    let shard = shard_of(streams, arn).await;
    streams
        .get_shard_iterator()
        .stream_arn(arn)
        .shard_id(shard)
        .shard_iterator_type(kind)
        .set_sequence_number(sequence.map(str::to_owned))
        .send()
        .await
        .unwrap()
        .shard_iterator()
        .unwrap()
        .to_owned()
}

/// One GetRecords page: the records and the next iterator.
pub async fn page(
    streams: &StreamsClient,
    iterator: &str,
    limit: Option<i32>,
) -> (Vec<Record>, Option<String>) {
    let out = streams
        .get_records()
        .shard_iterator(iterator)
        .set_limit(limit)
        .send()
        .await
        .unwrap();
    (
        out.records().to_vec(),
        out.next_shard_iterator().map(str::to_owned),
    )
}

fn event_names(records: &[Record]) -> Vec<OperationType> {
    records
        .iter()
        .map(|r| r.event_name().unwrap().clone())
        .collect()
}

fn sequence_of(record: &Record) -> &str {
    record.dynamodb().unwrap().sequence_number().unwrap()
}

async fn put(h: &Harness, table: &str, pk: &str, v: &str) {
    h.client
        .put_item()
        .table_name(table)
        .set_item(Some(item(&[("pk", s(pk)), ("sk", n("1")), ("v", n(v))])))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn changes_are_read_back_in_order_with_their_images() {
    let h = Harness::start().await;
    let streams = h.streams();
    let table = h.table("orders");
    let arn = table_with_stream(&h, &table, StreamViewType::NewAndOldImages).await;
    put(&h, &table, "a", "1").await;
    put(&h, &table, "a", "1").await; // unchanged: no record
    h.client
        .update_item()
        .table_name(&table)
        .set_key(Some(item(&[("pk", s("a")), ("sk", n("1"))])))
        .update_expression("SET v = :v")
        .expression_attribute_values(":v", n("2"))
        .send()
        .await
        .unwrap();
    h.client
        .delete_item()
        .table_name(&table)
        .set_key(Some(item(&[("pk", s("a")), ("sk", n("1"))])))
        .send()
        .await
        .unwrap();

    let listed = streams
        .list_streams()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.streams().len(), 1);
    assert_eq!(listed.streams()[0].stream_arn(), Some(arn.as_str()));
    assert_eq!(listed.streams()[0].table_name(), Some(table.as_str()));

    let described = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .unwrap();
    let d = described.stream_description().unwrap();
    assert_eq!(d.stream_status(), Some(&StreamStatus::Enabled));
    assert_eq!(
        d.stream_view_type(),
        Some(&aws_sdk_dynamodbstreams::types::StreamViewType::NewAndOldImages)
    );
    assert_eq!(d.table_name(), Some(table.as_str()));
    assert_eq!(d.key_schema().len(), 2);
    assert!(d.creation_request_date_time().is_some());
    let range = d.shards()[0].sequence_number_range().unwrap();
    let starting = range.starting_sequence_number().unwrap().to_owned();
    assert_eq!(starting.len(), 21);
    assert_eq!(range.ending_sequence_number(), None, "the shard is open");

    let start = iterator(&streams, &arn, ShardIteratorType::TrimHorizon, None).await;
    let (records, next) = page(&streams, &start, None).await;
    assert_eq!(
        event_names(&records),
        [
            OperationType::Insert,
            OperationType::Modify,
            OperationType::Remove
        ]
    );
    let sequences: Vec<&str> = records.iter().map(sequence_of).collect();
    assert!(sequences[0] >= starting.as_str());
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    let modify = &records[1];
    assert_eq!(modify.event_source(), Some("aws:dynamodb"));
    assert_eq!(modify.aws_region(), Some(REGION));
    assert!(modify.user_identity().is_none());
    let body = modify.dynamodb().unwrap();
    assert_eq!(body.keys().unwrap()["pk"].as_s().unwrap(), "a");
    assert_eq!(body.old_image().unwrap()["v"].as_n().unwrap(), "1");
    assert_eq!(body.new_image().unwrap()["v"].as_n().unwrap(), "2");
    assert_eq!(body.size_bytes(), Some(27));
    assert!(body.approximate_creation_date_time().is_some());
    let remove = records[2].dynamodb().unwrap();
    assert!(remove.new_image().is_none());
    assert_eq!(remove.old_image().unwrap()["v"].as_n().unwrap(), "2");

    // The reader waits at the end of an open shard.
    let next = next.expect("an open shard has a next iterator");
    let (none, again) = page(&streams, &next, None).await;
    assert!(none.is_empty());
    put(&h, &table, "b", "3").await;
    let (later, _) = page(&streams, &again.unwrap(), None).await;
    assert_eq!(event_names(&later), [OperationType::Insert]);
}

#[tokio::test]
async fn iterator_types_and_limits_position_the_reader() {
    let h = Harness::start().await;
    let streams = h.streams();
    let table = h.table("positions");
    let arn = table_with_stream(&h, &table, StreamViewType::KeysOnly).await;
    put(&h, &table, "before", "1").await;
    let latest = iterator(&streams, &arn, ShardIteratorType::Latest, None).await;
    for key in ["k1", "k2", "k3"] {
        put(&h, &table, key, "1").await;
    }
    let (first_two, next) = page(&streams, &latest, Some(2)).await;
    let keys = |records: &[Record]| -> Vec<String> {
        records
            .iter()
            .map(|r| {
                r.dynamodb().unwrap().keys().unwrap()["pk"]
                    .as_s()
                    .unwrap()
                    .clone()
            })
            .collect()
    };
    assert_eq!(keys(&first_two), ["k1", "k2"]);
    assert!(first_two[0].dynamodb().unwrap().new_image().is_none());
    let (rest, _) = page(&streams, &next.unwrap(), Some(2)).await;
    assert_eq!(keys(&rest), ["k3"]);

    let k2 = sequence_of(&first_two[1]);
    let at = iterator(
        &streams,
        &arn,
        ShardIteratorType::AtSequenceNumber,
        Some(k2),
    )
    .await;
    assert_eq!(keys(&page(&streams, &at, None).await.0), ["k2", "k3"]);
    let after = iterator(
        &streams,
        &arn,
        ShardIteratorType::AfterSequenceNumber,
        Some(k2),
    )
    .await;
    assert_eq!(keys(&page(&streams, &after, None).await.0), ["k3"]);
    let horizon = iterator(&streams, &arn, ShardIteratorType::TrimHorizon, None).await;
    assert_eq!(
        keys(&page(&streams, &horizon, None).await.0),
        ["before", "k1", "k2", "k3"]
    );
}

#[tokio::test]
async fn a_disabled_stream_is_described_and_read_to_its_end() {
    let h = Harness::start().await;
    let streams = h.streams();
    let table = h.table("switched");
    let first = table_with_stream(&h, &table, StreamViewType::NewImage).await;
    put(&h, &table, "a", "1").await;
    put(&h, &table, "b", "1").await;
    let horizon = iterator(&streams, &first, ShardIteratorType::TrimHorizon, None).await;
    h.client
        .update_table()
        .table_name(&table)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    put(&h, &table, "c", "1").await;

    let d = streams
        .describe_stream()
        .stream_arn(&first)
        .send()
        .await
        .unwrap();
    let d = d.stream_description().unwrap();
    assert_eq!(d.stream_status(), Some(&StreamStatus::Disabled));
    let range = d.shards()[0].sequence_number_range().unwrap();
    let (records, next) = page(&streams, &horizon, None).await;
    assert_eq!(records.len(), 2, "nothing after the stream was disabled");
    assert_eq!(
        range.ending_sequence_number(),
        Some(sequence_of(&records[1]))
    );
    assert_eq!(
        next, None,
        "a closed shard read to its end has no next iterator"
    );

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    h.client
        .update_table()
        .table_name(&table)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::KeysOnly)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    h.client
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let listed = streams
        .list_streams()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = listed
        .streams()
        .iter()
        .filter_map(|s| s.stream_arn())
        .collect();
    assert_eq!(arns.len(), 2, "{arns:?}");
    assert_eq!(arns[0], first, "in creation order");
    for arn in arns {
        let d = streams
            .describe_stream()
            .stream_arn(arn)
            .send()
            .await
            .unwrap();
        assert_eq!(
            d.stream_description().unwrap().stream_status(),
            Some(&StreamStatus::Disabled),
            "a deleted table's streams are closed"
        );
    }
}

#[tokio::test]
async fn list_streams_pages_through_the_region() {
    let h = Harness::start().await;
    let streams = h.streams();
    let mut expected = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        expected.push(table_with_stream(&h, &h.table(name), StreamViewType::KeysOnly).await);
    }
    create_hash_table(&h.client, &h.table("plain"), "pk", ScalarAttributeType::S).await;
    let mut seen = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let out = streams
            .list_streams()
            .limit(2)
            .set_exclusive_start_stream_arn(start.clone())
            .send()
            .await
            .unwrap();
        seen.extend(
            out.streams()
                .iter()
                .filter_map(|s| s.stream_arn())
                .map(str::to_owned),
        );
        match out.last_evaluated_stream_arn() {
            Some(last) => start = Some(last.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    let other = streams_client(&format!("http://{}", h.addr()), "eu-west-1");
    assert!(
        other
            .list_streams()
            .send()
            .await
            .unwrap()
            .streams()
            .is_empty()
    );
}

#[tokio::test]
async fn bad_requests_get_the_services_errors() {
    let h = Harness::start().await;
    let streams = h.streams();
    let table = h.table("errors");
    let arn = table_with_stream(&h, &table, StreamViewType::KeysOnly).await;
    let shard = shard_of(&streams, &arn).await;
    let missing = arn.replace(&format!("table/{table}/"), "table/ghost/");
    assert_error(
        streams.describe_stream().stream_arn(&missing).send().await,
        "ResourceNotFoundException",
        &format!("Requested resource not found: Stream: {missing} not found"),
    );
    assert_error(
        streams.list_streams().limit(101).send().await,
        "ValidationException",
        "One or more parameter values were invalid: Limit cannot be greater than the maximum \
         allowed size: 100",
    );
    assert_error(
        streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id("shardId-00000000000000000000-00000000")
            .shard_iterator_type(ShardIteratorType::Latest)
            .send()
            .await,
        "ResourceNotFoundException",
        "Shard does not exist",
    );
    assert_error(
        streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(&shard)
            .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
            .send()
            .await,
        "ValidationException",
        "One or more parameter values were invalid: Invalid SequenceNumber",
    );
    assert_error(
        streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(&shard)
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .sequence_number("000000000000000000001")
            .send()
            .await,
        "ValidationException",
        "One or more parameter values were invalid: SequenceNumber should not be passed for \
         this iterator type",
    );
    assert_error(
        streams.get_records().shard_iterator("garbage").send().await,
        "ValidationException",
        "Invalid ShardIterator",
    );
    let it = iterator(&streams, &arn, ShardIteratorType::Latest, None).await;
    assert_error(
        streams
            .get_records()
            .shard_iterator(&it)
            .limit(1001)
            .send()
            .await,
        "ValidationException",
        "One or more parameter values were invalid: Limit should be less than or equal to 1000",
    );
    let forged = it.replace(&format!("table/{table}/"), "table/ghost/");
    assert_error(
        streams.get_records().shard_iterator(&forged).send().await,
        "ResourceNotFoundException",
        &format!("Requested resource not found: Stream: {missing} not found"),
    );
}

#[tokio::test]
async fn partiql_and_transaction_writes_are_recorded_too() {
    let h = Harness::start().await;
    let streams = h.streams();
    let table = h.table("statements");
    let arn = table_with_stream(&h, &table, StreamViewType::NewImage).await;
    let start = iterator(&streams, &arn, ShardIteratorType::TrimHorizon, None).await;
    h.client
        .execute_statement()
        .statement(format!(
            r#"INSERT INTO "{table}" VALUE {{'pk': 'p', 'sk': 1, 'v': 1}}"#
        ))
        .send()
        .await
        .unwrap();
    h.client
        .transact_write_items()
        .transact_items(
            aws_sdk_dynamodb::types::TransactWriteItem::builder()
                .put(
                    aws_sdk_dynamodb::types::Put::builder()
                        .table_name(&table)
                        .set_item(Some(item(&[("pk", s("t")), ("sk", n("1"))])))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (records, _) = page(&streams, &start, None).await;
    let keys: Vec<&str> = records
        .iter()
        .map(|r| {
            r.dynamodb().unwrap().keys().unwrap()["pk"]
                .as_s()
                .unwrap()
                .as_str()
        })
        .collect();
    assert_eq!(keys, ["p", "t"]);
    assert_eq!(
        records[0].dynamodb().unwrap().new_image().unwrap()["v"]
            .as_n()
            .unwrap(),
        "1"
    );
}
