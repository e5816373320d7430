//! Time to Live: UpdateTimeToLive, DescribeTimeToLive and the sweeper deleting expired items.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{ScalarAttributeType, TimeToLiveSpecification, TimeToLiveStatus};
use emulator::Config;

use crate::util::*;

fn spec(enabled: bool, attribute: &str) -> TimeToLiveSpecification {
    TimeToLiveSpecification::builder()
        .enabled(enabled)
        .attribute_name(attribute)
        .build()
        .unwrap()
}

fn epoch_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn ttl_status(client: &Client, table: &str) -> (TimeToLiveStatus, Option<String>) {
    let out = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .unwrap();
    let d = out.time_to_live_description().unwrap();
    (
        d.time_to_live_status().unwrap().clone(),
        d.attribute_name().map(str::to_owned),
    )
}

#[tokio::test]
async fn update_and_describe_time_to_live() {
    let h = Harness::start().await;
    let table = h.table("ttl");
    create_hash_table(&h.client, &table, "pk", ScalarAttributeType::S).await;
    assert_eq!(
        ttl_status(&h.client, &table).await,
        (TimeToLiveStatus::Disabled, None)
    );
    let out = h
        .client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(spec(true, "expires_at"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.time_to_live_specification(),
        Some(&spec(true, "expires_at"))
    );
    // DynamoDB Local, like this emulator by default, settles at once.
    assert_eq!(
        ttl_status(&h.client, &table).await,
        (TimeToLiveStatus::Enabled, Some("expires_at".to_owned()))
    );
    let again = h
        .client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(spec(true, "expires_at"))
        .send()
        .await;
    assert_error(
        again,
        "ValidationException",
        "TimeToLive is already enabled",
    );
    let disable = h
        .client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(spec(false, "expires_at"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        disable.time_to_live_specification(),
        Some(&spec(false, "expires_at"))
    );
    assert_eq!(
        ttl_status(&h.client, &table).await,
        (TimeToLiveStatus::Disabled, None)
    );
    let again = h
        .client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(spec(false, "expires_at"))
        .send()
        .await;
    assert_error(
        again,
        "ValidationException",
        "TimeToLive is already disabled",
    );
}

#[tokio::test]
async fn a_change_is_in_progress_for_the_activation_delay() {
    let h = Harness::start_with(Config {
        table_activation_delay_ms: 300,
        ..Config::ephemeral()
    })
    .await;
    let table = h.table("slow");
    create_hash_table(&h.client, &table, "pk", ScalarAttributeType::S).await;
    let update = |enabled: bool| {
        h.client
            .update_time_to_live()
            .table_name(&table)
            .time_to_live_specification(spec(enabled, "exp"))
            .send()
    };
    // The table itself is CREATING for the delay.
    assert_error_starts(
        update(true).await,
        "ResourceInUseException",
        "Attempt to change a resource which is still in use",
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut result = update(true).await;
    while result.is_err() {
        assert!(Instant::now() < deadline, "the table never turns ACTIVE");
        tokio::time::sleep(Duration::from_millis(20)).await;
        result = update(true).await;
    }
    assert_eq!(
        ttl_status(&h.client, &table).await,
        (TimeToLiveStatus::Enabling, Some("exp".to_owned()))
    );
    assert_error(
        update(false).await,
        "ValidationException",
        "Time to live has been modified multiple times within a fixed interval",
    );
    while ttl_status(&h.client, &table).await.0 == TimeToLiveStatus::Enabling {
        assert!(Instant::now() < deadline, "TTL never settles");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        ttl_status(&h.client, &table).await,
        (TimeToLiveStatus::Enabled, Some("exp".to_owned()))
    );
    update(false).await.unwrap();
    assert_eq!(
        ttl_status(&h.client, &table).await,
        (TimeToLiveStatus::Disabling, Some("exp".to_owned()))
    );
}

#[tokio::test]
async fn the_sweeper_deletes_expired_items_only() {
    let h = Harness::start_with(Config {
        ttl_sweep_interval: 0.05,
        ..Config::ephemeral()
    })
    .await;
    let table = h.table("sessions");
    create_hash_table(&h.client, &table, "pk", ScalarAttributeType::S).await;
    let now = epoch_seconds();
    let items = [
        ("expired", Some(n(&(now - 60).to_string()))),
        ("later", Some(n(&(now + 3600).to_string()))),
        ("text", Some(s("0"))),
        ("none", None),
    ];
    for (pk, exp) in &items {
        let mut it = item(&[("pk", s(pk))]);
        if let Some(exp) = exp {
            it.insert("exp".to_owned(), exp.clone());
        }
        h.client
            .put_item()
            .table_name(&table)
            .set_item(Some(it))
            .send()
            .await
            .unwrap();
    }
    // Not enabled yet: the expired item stays.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(count(&h.client, &table).await, 4);

    h.client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(spec(true, "exp"))
        .send()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&h.client, &table).await != 3 {
        assert!(
            Instant::now() < deadline,
            "the expired item is never deleted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let expired = h
        .client
        .get_item()
        .table_name(&table)
        .key("pk", s("expired"))
        .send()
        .await
        .unwrap();
    assert!(expired.item().is_none());
    let described = h
        .client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    assert_eq!(described.table().unwrap().item_count(), Some(3));
    h.stop().await;
}

#[tokio::test]
async fn expired_items_are_read_until_they_are_deleted() {
    let h = Harness::start_with(Config {
        ttl_sweep_interval: 0.0,
        ..Config::ephemeral()
    })
    .await;
    let table = h.table("kept");
    create_hash_table(&h.client, &table, "pk", ScalarAttributeType::S).await;
    h.client
        .update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(spec(true, "exp"))
        .send()
        .await
        .unwrap();
    h.client
        .put_item()
        .table_name(&table)
        .item("pk", s("a"))
        .item("exp", n("1700000000"))
        .send()
        .await
        .unwrap();
    let got = h
        .client
        .get_item()
        .table_name(&table)
        .key("pk", s("a"))
        .send()
        .await
        .unwrap();
    assert!(got.item().is_some());
    assert_eq!(count(&h.client, &table).await, 1);
}

async fn count(client: &Client, table: &str) -> i32 {
    client
        .scan()
        .table_name(table)
        .send()
        .await
        .unwrap()
        .count()
}
