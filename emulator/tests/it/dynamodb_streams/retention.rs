//! What time does to streams: records past retention are trimmed, and Time to Live
//! deletions name the service as their actor.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{StreamViewType, TimeToLiveSpecification};
use aws_sdk_dynamodbstreams::types::{OperationType, ShardIteratorType};
use emulator::Config;

use super::api::{iterator, page, shard_of, table_with_stream};
use crate::util::*;

#[tokio::test]
async fn records_past_retention_are_trimmed() {
    let h = Harness::start_with(Config {
        stream_retention: 1.0,
        ..Config::ephemeral()
    })
    .await;
    let streams = h.streams();
    let table = h.table("short");
    let arn = table_with_stream(&h, &table, StreamViewType::KeysOnly).await;
    let put = |pk: &'static str| {
        h.client
            .put_item()
            .table_name(&table)
            .set_item(Some(item(&[("pk", s(pk)), ("sk", n("1"))])))
            .send()
    };
    put("old").await.unwrap();
    let old_reader = iterator(&streams, &arn, ShardIteratorType::TrimHorizon, None).await;
    let (records, _) = page(&streams, &old_reader, None).await;
    let old_sequence = records[0]
        .dynamodb()
        .unwrap()
        .sequence_number()
        .unwrap()
        .to_owned();

    tokio::time::sleep(Duration::from_millis(1200)).await;
    put("new").await.unwrap();
    let trimmed = "The data you are trying to access has been trimmed.";
    assert_error(
        streams
            .get_records()
            .shard_iterator(&old_reader)
            .send()
            .await,
        "TrimmedDataAccessException",
        trimmed,
    );
    assert_error(
        streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard_of(&streams, &arn).await)
            .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
            .sequence_number(&old_sequence)
            .send()
            .await,
        "TrimmedDataAccessException",
        trimmed,
    );
    let fresh = iterator(&streams, &arn, ShardIteratorType::TrimHorizon, None).await;
    let (records, _) = page(&streams, &fresh, None).await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].dynamodb().unwrap().keys().unwrap()["pk"]
            .as_s()
            .unwrap(),
        "new"
    );
}

#[tokio::test]
async fn time_to_live_deletions_are_recorded_as_the_services() {
    let h = Harness::start_with(Config {
        ttl_sweep_interval: 0.05,
        ..Config::ephemeral()
    })
    .await;
    let streams = h.streams();
    let table = h.table("expiring");
    let arn = table_with_stream(&h, &table, StreamViewType::OldImage).await;
    h.client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("exp")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let past = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 60;
    let key = item(&[("pk", s("gone")), ("sk", n("1"))]);
    let mut expired = key.clone();
    expired.insert("exp".into(), n(&past.to_string()));
    h.client
        .put_item()
        .table_name(&table)
        .set_item(Some(expired))
        .send()
        .await
        .unwrap();
    let start = iterator(&streams, &arn, ShardIteratorType::TrimHorizon, None).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let records = loop {
        let (records, _) = page(&streams, &start, None).await;
        if records.len() == 2 || std::time::Instant::now() > deadline {
            break records;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(records.len(), 2, "the insert and the sweeper's delete");
    assert!(records[0].user_identity().is_none(), "a client's write");
    let remove = &records[1];
    assert_eq!(remove.event_name(), Some(&OperationType::Remove));
    let identity = remove.user_identity().expect("the service deleted it");
    assert_eq!(identity.r#type(), Some("Service"));
    assert_eq!(identity.principal_id(), Some("dynamodb.amazonaws.com"));
    assert_eq!(
        remove.dynamodb().unwrap().old_image().unwrap()["exp"]
            .as_n()
            .unwrap(),
        &past.to_string()
    );
}
