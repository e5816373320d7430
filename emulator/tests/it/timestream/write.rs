//! WriteRecords through the official client: merging, types, the ingestion window, partial
//! success, versions and request errors.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_timestreamwrite::Client;
use aws_sdk_timestreamwrite::error::SdkError;
use aws_sdk_timestreamwrite::operation::write_records::{WriteRecordsError, WriteRecordsOutput};
use aws_sdk_timestreamwrite::types::{
    Dimension, MagneticStoreWriteProperties, MeasureValue, MeasureValueType, Record,
    RetentionProperties, TimeUnit,
};

use super::control::code_and_message;
use crate::util::Harness;

const HOUR_MS: i64 = 3_600_000;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after the epoch")
        .as_millis() as i64
}

fn dimension(name: &str, value: &str) -> Dimension {
    Dimension::builder()
        .name(name)
        .value(value)
        .build()
        .expect("dimension")
}

/// A DOUBLE record of `measure` for model `model` at `time_ms`.
fn record(model: &str, measure: &str, value: &str, time_ms: i64) -> Record {
    Record::builder()
        .dimensions(dimension("model_id", model))
        .measure_name(measure)
        .measure_value(value)
        .measure_value_type(MeasureValueType::Double)
        .time(time_ms.to_string())
        .build()
}

/// `ml-monitoring.drift`: 1 hour in the memory store, 2 days in the magnetic store, magnetic
/// writes enabled.
async fn create_drift_table(ts: &Client) {
    ts.create_database()
        .database_name("ml-monitoring")
        .send()
        .await
        .expect("database");
    ts.create_table()
        .database_name("ml-monitoring")
        .table_name("drift")
        .retention_properties(
            RetentionProperties::builder()
                .memory_store_retention_period_in_hours(1)
                .magnetic_store_retention_period_in_days(2)
                .build()
                .expect("retention"),
        )
        .magnetic_store_write_properties(
            MagneticStoreWriteProperties::builder()
                .enable_magnetic_store_writes(true)
                .build()
                .expect("magnetic"),
        )
        .send()
        .await
        .expect("table");
}

async fn write(
    ts: &Client,
    common: Option<Record>,
    records: Vec<Record>,
) -> Result<WriteRecordsOutput, SdkError<WriteRecordsError>> {
    ts.write_records()
        .database_name("ml-monitoring")
        .table_name("drift")
        .set_common_attributes(common)
        .set_records(Some(records))
        .send()
        .await
}

/// The rejected records of a RejectedRecordsException as (index, reason, existing version),
/// after checking the answer's status.
fn rejections(
    result: Result<WriteRecordsOutput, SdkError<WriteRecordsError>>,
) -> Vec<(i32, String, Option<i64>)> {
    let Err(SdkError::ServiceError(e)) = result else {
        panic!("expected RejectedRecordsException, got {result:?}");
    };
    assert_eq!(e.raw().status().as_u16(), 419);
    let WriteRecordsError::RejectedRecordsException(rejected) = e.err() else {
        panic!("expected RejectedRecordsException, got {:?}", e.err());
    };
    assert_eq!(
        rejected.message(),
        Some("One or more records have been rejected. See RejectedRecords for details.")
    );
    rejected
        .rejected_records()
        .iter()
        .map(|r| {
            (
                r.record_index(),
                r.reason().unwrap_or_default().to_owned(),
                r.existing_version(),
            )
        })
        .collect()
}

#[tokio::test]
async fn records_of_every_type_are_ingested_into_the_right_store() {
    let h = Harness::start().await;
    let ts = h.timestream();
    create_drift_table(&ts).await;
    let now = now_ms();
    let common = Record::builder()
        .dimensions(dimension("model_id", "fraud-v3"))
        .time(now.to_string())
        .build();
    let records = vec![
        Record::builder()
            .measure_name("psi")
            .measure_value("0.125")
            .build(),
        Record::builder()
            .measure_name("predictions")
            .measure_value("1200")
            .measure_value_type(MeasureValueType::Bigint)
            .build(),
        Record::builder()
            .measure_name("status")
            .measure_value("healthy")
            .measure_value_type(MeasureValueType::Varchar)
            .build(),
        Record::builder()
            .measure_name("drifted")
            .measure_value("false")
            .measure_value_type(MeasureValueType::Boolean)
            .build(),
        Record::builder()
            .dimensions(dimension("feature", "amount"))
            .measure_name("stats")
            .measure_value_type(MeasureValueType::Multi)
            .measure_values(
                MeasureValue::builder()
                    .name("mean")
                    .value("42.5")
                    .r#type(MeasureValueType::Double)
                    .build()
                    .expect("value"),
            )
            .measure_values(
                MeasureValue::builder()
                    .name("computed_at")
                    .value(now.to_string())
                    .r#type(MeasureValueType::Timestamp)
                    .build()
                    .expect("value"),
            )
            .build(),
        // Two hours old: past the memory store's hour, so it goes to the magnetic store.
        Record::builder()
            .measure_name("psi")
            .measure_value("0.5")
            .time(((now - 2 * HOUR_MS) / 1000).to_string())
            .time_unit(TimeUnit::Seconds)
            .build(),
    ];
    let out = write(&ts, Some(common), records).await.expect("written");
    let ingested = out.records_ingested().expect("counts");
    assert_eq!(
        (
            ingested.total(),
            ingested.memory_store(),
            ingested.magnetic_store()
        ),
        (6, 5, 1)
    );
}

#[tokio::test]
async fn bad_records_are_rejected_and_the_others_written() {
    let h = Harness::start().await;
    let ts = h.timestream();
    create_drift_table(&ts).await;
    let now = now_ms();
    let result = write(
        &ts,
        None,
        vec![
            record("m1", "psi", "0.1", now),
            // Beyond the 15 minutes ahead the service accepts.
            record("m1", "psi", "0.2", now + 20 * 60_000),
            // A second type for a measure name the first record fixed as DOUBLE.
            Record::builder()
                .dimensions(dimension("model_id", "m1"))
                .measure_name("psi")
                .measure_value("3")
                .measure_value_type(MeasureValueType::Bigint)
                .time((now + 1).to_string())
                .build(),
            record("m1", "ts_reserved", "1", now),
            record("m2", "psi", "0.3", now),
        ],
    )
    .await;
    let rejected = rejections(result);
    assert_eq!(
        rejected.iter().map(|r| r.0).collect::<Vec<_>>(),
        [1, 2, 3],
        "{rejected:?}"
    );
    assert!(
        rejected[0]
            .1
            .starts_with("The record timestamp is outside the time range ["),
        "{}",
        rejected[0].1
    );
    assert!(
        rejected[0].1.ends_with(") of the data ingestion window."),
        "{}",
        rejected[0].1
    );
    assert!(
        rejected[1]
            .1
            .contains("already has the measure value type DOUBLE"),
        "{}",
        rejected[1].1
    );
    assert!(rejected[2].1.contains("is reserved"), "{}", rejected[2].1);
    assert!(rejected.iter().all(|r| r.2.is_none()));

    // Records 0 and 4 were written: the same records again are duplicates, accepted.
    let again = write(
        &ts,
        None,
        vec![
            record("m1", "psi", "0.1", now),
            record("m2", "psi", "0.3", now),
        ],
    )
    .await
    .expect("duplicates are accepted");
    assert_eq!(again.records_ingested().expect("counts").total(), 2);
}

#[tokio::test]
async fn versions_decide_whether_a_record_is_updated() {
    let h = Harness::start().await;
    let ts = h.timestream();
    create_drift_table(&ts).await;
    let now = now_ms();
    let versioned = |value: &str, version: Option<i64>| {
        let mut r = record("m1", "psi", value, now);
        r.version = version;
        r
    };
    write(&ts, None, vec![versioned("0.1", None)])
        .await
        .expect("first write, version 1");
    assert_eq!(
        rejections(write(&ts, None, vec![versioned("0.2", None)]).await),
        [(
            0,
            "A record already exists with the same time, dimensions, measure name, and record \
             version. A higher record version must be specified in order to update the measure \
             value. Specifying record version is supported by the latest SDKs."
                .to_owned(),
            Some(1)
        )]
    );
    write(&ts, None, vec![versioned("0.2", Some(5))])
        .await
        .expect("a higher version updates");
    write(&ts, None, vec![versioned("0.2", Some(5))])
        .await
        .expect("the same value and version is a duplicate");
    assert_eq!(
        rejections(write(&ts, None, vec![versioned("0.2", Some(4))]).await),
        [(
            0,
            "The record version 4 is lower than the existing version 5. A higher version is \
             required to update the measure value."
                .to_owned(),
            Some(5)
        )]
    );
    let (code, message) = code_and_message(
        write(&ts, None, vec![versioned("0.3", Some(0))])
            .await
            .expect_err("version 0"),
    );
    assert_eq!(code, "ValidationException", "{message}");
}

#[tokio::test]
async fn request_errors_fail_the_whole_request() {
    let h = Harness::start().await;
    let ts = h.timestream();
    create_drift_table(&ts).await;
    let now = now_ms();

    let common = Record::builder()
        .dimensions(dimension("model_id", "m1"))
        .build();
    let (code, message) = code_and_message(
        write(&ts, Some(common), vec![record("m2", "psi", "0.1", now)])
            .await
            .expect_err("overlap"),
    );
    assert_eq!(code, "ValidationException");
    assert!(message.contains("model_id"), "{message}");

    let (code, message) = code_and_message(
        write(&ts, None, vec![record("m1", "psi", "0.1", now); 101])
            .await
            .expect_err("too many"),
    );
    assert_eq!(code, "ValidationException");
    assert!(
        message.ends_with(
            "at 'records' failed to satisfy constraint: Member must have length less than or \
             equal to 100"
        ),
        "{message}"
    );

    let mut bad_time = record("m1", "psi", "0.1", now);
    bad_time.time = Some("yesterday".to_owned());
    let (code, message) = code_and_message(
        write(&ts, None, vec![bad_time])
            .await
            .expect_err("bad time"),
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ValidationException", "Invalid time for record.")
    );

    let (code, message) = code_and_message(
        ts.write_records()
            .database_name("ml-monitoring")
            .table_name("nope")
            .records(record("m1", "psi", "0.1", now))
            .send()
            .await
            .expect_err("no table"),
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFoundException",
            "The table nope does not exist."
        )
    );
}
