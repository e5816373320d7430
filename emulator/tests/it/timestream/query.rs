//! The Query API through the official client: results checked against values computed
//! here from the records written, pagination, cancellation, client tokens, refusals.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_timestreamquery::error::ProvideErrorMetadata;
use aws_sdk_timestreamquery::primitives::{DateTime, DateTimeFormat};
use aws_sdk_timestreamquery::types::{Datum, ScalarType};
use aws_sdk_timestreamwrite::Client as WriteClient;
use aws_sdk_timestreamwrite::types::{Dimension, MeasureValue, MeasureValueType, Record};

use crate::util::Harness;

const MINUTE_MS: i64 = 60_000;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after the epoch")
        .as_millis() as i64
}

/// One accuracy sample: model, time, value.
#[derive(Debug, Clone)]
struct Sample {
    model: &'static str,
    time_ms: i64,
    value: f64,
}

/// Three models' accuracy every 30 s over the last 90 minutes, values from the index.
fn samples(now: i64) -> Vec<Sample> {
    (0..180)
        .map(|i| Sample {
            model: ["m1", "m2", "m3"][usize::try_from(i % 3).expect("small")],
            time_ms: now - i * MINUTE_MS / 2,
            value: 0.75 + f64::from(u32::try_from(i % 23).expect("small")) / 200.0,
        })
        .collect()
}

async fn set_up(write: &WriteClient, samples: &[Sample]) {
    write
        .create_database()
        .database_name("ml-monitoring")
        .send()
        .await
        .expect("database");
    write
        .create_table()
        .database_name("ml-monitoring")
        .table_name("metrics")
        .send()
        .await
        .expect("table");
    for chunk in samples.chunks(100) {
        let records = chunk
            .iter()
            .map(|s| {
                Record::builder()
                    .dimensions(
                        Dimension::builder()
                            .name("model_id")
                            .value(s.model)
                            .build()
                            .expect("dimension"),
                    )
                    .measure_name("prediction_accuracy")
                    .measure_value(s.value.to_string())
                    .measure_value_type(MeasureValueType::Double)
                    .time(s.time_ms.to_string())
                    .build()
            })
            .collect();
        write
            .write_records()
            .database_name("ml-monitoring")
            .table_name("metrics")
            .set_records(Some(records))
            .send()
            .await
            .expect("records written");
    }
}

fn scalar(d: &Datum) -> &str {
    d.scalar_value().expect("a scalar")
}

/// `2026-11-24 10:45:00.000000000` for a time in milliseconds, from the SDK's own RFC 3339
/// formatter (`2026-11-24T10:45:00.5Z`), not the emulator's.
fn timestamp(ms: i64) -> String {
    let iso = DateTime::from_millis(ms)
        .fmt(DateTimeFormat::DateTime)
        .expect("in range");
    let iso = iso.trim_end_matches('Z').replace('T', " ");
    let (whole, fraction) = iso.split_once('.').unwrap_or((iso.as_str(), ""));
    format!("{whole}.{fraction:0<9}")
}

const DRIFT: &str = "SELECT measure_name, bin(time, 5m) AS bucket, \
    avg(measure_value::double) AS avg_value, stddev(measure_value::double) AS std_dev \
    FROM \"ml-monitoring\".\"metrics\" \
    WHERE measure_name = 'prediction_accuracy' AND time > ago(1h) \
    GROUP BY measure_name, bin(time, 5m) ORDER BY bucket";

#[tokio::test]
async fn the_drift_query_answers_buckets_computed_independently() {
    let h = Harness::start().await;
    let now = now_ms();
    let samples = samples(now);
    set_up(&h.timestream(), &samples).await;
    let q = h.timestream_query();
    let out = q.query().query_string(DRIFT).send().await.expect("query");

    let names: Vec<_> = out
        .column_info()
        .iter()
        .map(|c| c.name().unwrap_or(""))
        .collect();
    assert_eq!(names, ["measure_name", "bucket", "avg_value", "std_dev"]);
    let types: Vec<_> = out
        .column_info()
        .iter()
        .map(|c| c.r#type().and_then(|t| t.scalar_type()).cloned())
        .collect();
    assert_eq!(
        types,
        [
            ScalarType::Varchar,
            ScalarType::Timestamp,
            ScalarType::Double,
            ScalarType::Double
        ]
        .map(Some)
    );

    // The query's `now` is a little later than ours: drop samples on the hour's edge.
    let edge = |t: i64| (t - (now - 60 * MINUTE_MS)).abs() < 2000;
    let mut buckets: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for s in samples
        .iter()
        .filter(|s| s.time_ms > now - 60 * MINUTE_MS && !edge(s.time_ms))
    {
        buckets
            .entry(s.time_ms.div_euclid(5 * MINUTE_MS) * 5 * MINUTE_MS)
            .or_default()
            .push(s.value);
    }
    assert_eq!(out.rows().len(), buckets.len());
    for (row, (start, values)) in out.rows().iter().zip(&buckets) {
        let data = row.data();
        assert_eq!(scalar(&data[0]), "prediction_accuracy");
        assert_eq!(scalar(&data[1]), timestamp(*start));
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let got_mean: f64 = scalar(&data[2]).parse().expect("double");
        assert!((got_mean - mean).abs() < 1e-9, "{got_mean} vs {mean}");
        if values.len() == 1 {
            // The sample deviation of one value is NULL.
            assert_eq!(data[3].null_value(), Some(true));
            continue;
        }
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let got_sd: f64 = scalar(&data[3]).parse().expect("double");
        assert!((got_sd - sd).abs() < 1e-9, "{got_sd} vs {sd}");
    }
    let status = out.query_status().expect("status");
    assert_eq!(status.progress_percentage(), 100.0);
    assert!(status.cumulative_bytes_scanned() > 0);
    assert!(status.cumulative_bytes_metered() >= 10_000_000);
    h.stop().await;
}

#[tokio::test]
async fn pages_carry_the_query_id_and_columns_and_cover_every_row_once() {
    let h = Harness::start().await;
    let now = now_ms();
    let samples = samples(now);
    set_up(&h.timestream(), &samples).await;
    let q = h.timestream_query();
    let sql = "SELECT model_id, time, measure_value::double FROM \"ml-monitoring\".\"metrics\" \
               ORDER BY time DESC, model_id";
    let first = q
        .query()
        .query_string(sql)
        .max_rows(50)
        .send()
        .await
        .expect("first page");
    // More rows than MaxRows: the first page is empty and only points onward.
    assert!(first.rows().is_empty());
    let mut token = first.next_token().map(str::to_owned);
    let mut rows = Vec::new();
    let mut pages = 0;
    while let Some(t) = token {
        let page = q
            .query()
            .query_string(sql)
            .next_token(&t)
            .max_rows(50)
            .send()
            .await
            .expect("page");
        assert_eq!(page.query_id(), first.query_id());
        assert_eq!(page.column_info(), first.column_info());
        assert!(page.rows().len() <= 50);
        rows.extend(page.rows().iter().map(|r| {
            let d = r.data();
            (
                scalar(&d[0]).to_owned(),
                scalar(&d[1]).to_owned(),
                scalar(&d[2]).to_owned(),
            )
        }));
        token = page.next_token().map(str::to_owned);
        pages += 1;
    }
    assert_eq!(pages, samples.len().div_ceil(50));
    let mut expected: Vec<&Sample> = samples.iter().collect();
    expected.sort_by(|a, b| b.time_ms.cmp(&a.time_ms).then(a.model.cmp(b.model)));
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|s| {
            (
                s.model.to_owned(),
                timestamp(s.time_ms),
                s.value.to_string(),
            )
        })
        .collect();
    let rows: Vec<(String, String, String)> = rows
        .into_iter()
        .map(|(m, t, v)| (m, t, v.parse::<f64>().expect("double").to_string()))
        .collect();
    assert_eq!(rows, expected);

    // A token with another query string is refused.
    let e = q
        .query()
        .query_string("SELECT 1")
        .next_token(first.next_token().expect("token"))
        .send()
        .await
        .expect_err("another query");
    assert_eq!(e.code(), Some("ValidationException"));
    assert_eq!(e.message(), Some("Invalid pagination token"));
    h.stop().await;
}

#[tokio::test]
async fn nulls_aggregates_and_ordering_follow_trino() {
    let h = Harness::start().await;
    let now = now_ms();
    let samples = samples(now);
    set_up(&h.timestream(), &samples).await;
    // One record of another measure, with no model: its model_id is NULL.
    h.timestream()
        .write_records()
        .database_name("ml-monitoring")
        .table_name("metrics")
        .records(
            Record::builder()
                .dimensions(
                    Dimension::builder()
                        .name("region")
                        .value("eu")
                        .build()
                        .expect("dim"),
                )
                .measure_name("latency_ms")
                .measure_value("42")
                .measure_value_type(MeasureValueType::Bigint)
                .time(now.to_string())
                .build(),
        )
        .send()
        .await
        .expect("written");
    let q = h.timestream_query();
    let out = q
        .query()
        .query_string(
            "SELECT model_id, count(*), max(measure_value::double), count_if(measure_value::double > 0.8), \
             max_by(measure_value::bigint, time) FROM \"ml-monitoring\".\"metrics\" \
             GROUP BY model_id ORDER BY model_id DESC",
        )
        .send()
        .await
        .expect("query");
    let names: Vec<_> = out
        .column_info()
        .iter()
        .map(|c| c.name().unwrap_or(""))
        .collect();
    assert_eq!(names, ["model_id", "_col1", "_col2", "_col3", "_col4"]);
    let rows = out.rows();
    assert_eq!(rows.len(), 4);
    for (row, model) in rows.iter().zip(["m3", "m2", "m1"]) {
        let d = row.data();
        let of_model: Vec<&Sample> = samples.iter().filter(|s| s.model == model).collect();
        assert_eq!(scalar(&d[0]), model);
        assert_eq!(scalar(&d[1]), of_model.len().to_string());
        let max = of_model.iter().map(|s| s.value).fold(f64::MIN, f64::max);
        assert_eq!(scalar(&d[2]).parse::<f64>().expect("double"), max);
        let over = of_model.iter().filter(|s| s.value > 0.8).count();
        assert_eq!(scalar(&d[3]), over.to_string());
        assert_eq!(d[4].null_value(), Some(true));
    }
    // DESC, and still the NULL group last.
    let last = rows[3].data();
    assert_eq!(last[0].null_value(), Some(true));
    assert_eq!(scalar(&last[1]), "1");
    assert_eq!(last[2].null_value(), Some(true));
    assert_eq!(scalar(&last[3]), "0");
    assert_eq!(scalar(&last[4]), "42");
    h.stop().await;
}

/// A single-measure record of `name` with `value` of `ty` at `time_ms`, version `version`.
fn single(name: &str, value: &str, ty: MeasureValueType, time_ms: i64, version: i64) -> Record {
    Record::builder()
        .measure_name(name)
        .measure_value(value)
        .measure_value_type(ty)
        .time(time_ms.to_string())
        .version(version)
        .build()
}

fn attribute(name: &str, value: String, ty: MeasureValueType) -> MeasureValue {
    MeasureValue::builder()
        .name(name)
        .value(value)
        .r#type(ty)
        .build()
        .expect("measure value")
}

#[tokio::test]
async fn every_measure_type_reads_back_from_its_own_column() {
    let h = Harness::start().await;
    set_up(&h.timestream(), &[]).await;
    let now = now_ms();
    let stats = Record::builder()
        .measure_name("stats")
        .measure_value_type(MeasureValueType::Multi)
        .measure_values(attribute("mean", "42.5".into(), MeasureValueType::Double))
        .measure_values(attribute(
            "computed_at",
            (now - 1000).to_string(),
            MeasureValueType::Timestamp,
        ))
        .time(now.to_string())
        .build();
    let records = vec![
        single("psi", "0.125", MeasureValueType::Double, now, 1),
        single("predictions", "1200", MeasureValueType::Bigint, now, 1),
        single("status", "healthy", MeasureValueType::Varchar, now, 1),
        single("drifted", "false", MeasureValueType::Boolean, now, 1),
        stats,
        // A higher version of the same point replaces its value; an earlier point of the
        // same series arrives after a later one.
        single("status", "degraded", MeasureValueType::Varchar, now, 2),
        single("psi", "0.25", MeasureValueType::Double, now - MINUTE_MS, 1),
    ];
    h.timestream()
        .write_records()
        .database_name("ml-monitoring")
        .table_name("metrics")
        .common_attributes(
            Record::builder()
                .dimensions(
                    Dimension::builder()
                        .name("model_id")
                        .value("fraud-v3")
                        .build()
                        .expect("dimension"),
                )
                .build(),
        )
        .set_records(Some(records))
        .send()
        .await
        .expect("written");
    let out = h
        .timestream_query()
        .query()
        .query_string(
            "SELECT measure_name, time, measure_value::double, measure_value::bigint, \
             measure_value::varchar, measure_value::boolean, mean, computed_at \
             FROM \"ml-monitoring\".\"metrics\" ORDER BY measure_name, time",
        )
        .send()
        .await
        .expect("query");
    let rows: Vec<Vec<Option<&str>>> = out
        .rows()
        .iter()
        .map(|row| row.data().iter().map(|d| d.scalar_value()).collect())
        .collect();
    let at = timestamp(now);
    let at = Some(at.as_str());
    let earlier = timestamp(now - MINUTE_MS);
    let computed = timestamp(now - 1000);
    assert_eq!(
        rows,
        [
            vec![
                Some("drifted"),
                at,
                None,
                None,
                None,
                Some("false"),
                None,
                None
            ],
            vec![
                Some("predictions"),
                at,
                None,
                Some("1200"),
                None,
                None,
                None,
                None
            ],
            vec![
                Some("psi"),
                Some(earlier.as_str()),
                Some("0.25"),
                None,
                None,
                None,
                None,
                None
            ],
            vec![Some("psi"), at, Some("0.125"), None, None, None, None, None],
            vec![
                Some("stats"),
                at,
                None,
                None,
                None,
                None,
                Some("42.5"),
                Some(computed.as_str())
            ],
            vec![
                Some("status"),
                at,
                None,
                None,
                Some("degraded"),
                None,
                None,
                None
            ],
        ]
    );
    h.stop().await;
}

#[tokio::test]
async fn refusals_name_their_place_and_the_timestream_equivalent() {
    let h = Harness::start().await;
    set_up(&h.timestream(), &samples(now_ms())).await;
    let q = h.timestream_query();
    let seed = "SELECT measure_name,\n    time_bucket(time, 5m) as bucket,\n    AVG(measure_value::double) as avg_value\n\
                FROM \"ml-monitoring\".\"metrics\"\nWHERE measure_name = 'prediction_accuracy'\n\
                AND time > now() - INTERVAL 1 HOUR\nGROUP BY measure_name, bucket";
    let e = q
        .query()
        .query_string(seed)
        .send()
        .await
        .expect_err("INTERVAL 1 HOUR");
    assert_eq!(e.code(), Some("ValidationException"));
    let message = e.message().expect("message");
    assert!(
        message.starts_with("line 6:29: mismatched input '1'"),
        "{message}"
    );
    assert!(message.contains("ago(1h)"), "{message}");
    let fixed = seed.replace("now() - INTERVAL 1 HOUR", "ago(1h)");
    let e = q
        .query()
        .query_string(fixed)
        .send()
        .await
        .expect_err("time_bucket");
    let message = e.message().expect("message");
    assert!(
        message.starts_with("line 2:5: Function 'time_bucket' not registered"),
        "{message}"
    );
    assert!(message.contains("bin(time, 5m)"), "{message}");

    let e = q
        .query()
        .query_string("SELECT nope FROM \"ml-monitoring\".\"metrics\"")
        .send()
        .await
        .expect_err("column");
    assert_eq!(e.message(), Some("line 1:8: Column 'nope' does not exist"));
    let e = q
        .query()
        .query_string("SELECT * FROM \"abc\".\"sampleDB\" LIMIT 10")
        .send()
        .await
        .expect_err("database");
    assert_eq!(
        e.message(),
        Some("Requested database 'abc' not found for identifier 'abc.sampleDB' at line 1:15")
    );
    let e = q
        .query()
        .query_string("SELECT 1")
        .max_rows(1001)
        .send()
        .await
        .expect_err("max rows");
    assert_eq!(
        e.message(),
        Some(
            "1 validation error detected: Value '1001' at 'maxRows' failed to satisfy constraint: Member must have value less than or equal to 1000"
        )
    );
    let e = q
        .list_scheduled_queries()
        .send()
        .await
        .expect_err("scheduled queries");
    assert!(e.message().expect("message").contains("not supported"));
    h.stop().await;
}

#[tokio::test]
async fn cancel_prepare_client_tokens_and_account_settings() {
    let h = Harness::start().await;
    set_up(&h.timestream(), &samples(now_ms())).await;
    let q = h.timestream_query();
    let sql = "SELECT time FROM \"ml-monitoring\".\"metrics\"";
    let first = q
        .query()
        .query_string(sql)
        .max_rows(10)
        .send()
        .await
        .expect("query");
    let id = first.query_id().to_owned();
    let cancelled = q.cancel_query().query_id(&id).send().await.expect("cancel");
    assert_eq!(cancelled.cancellation_message(), None);
    let again = q
        .cancel_query()
        .query_id(&id)
        .send()
        .await
        .expect("cancel again");
    assert!(again.cancellation_message().is_some());
    let e = q
        .query()
        .query_string(sql)
        .next_token(first.next_token().expect("token"))
        .send()
        .await
        .expect_err("cancelled");
    assert_eq!(e.code(), Some("ConflictException"));

    let token = "0123456789abcdef0123456789abcdef";
    let one = q
        .query()
        .query_string("SELECT 1")
        .client_token(token)
        .send()
        .await
        .expect("one");
    let two = q
        .query()
        .query_string("SELECT 1")
        .client_token(token)
        .send()
        .await
        .expect("two");
    assert_eq!(one.query_id(), two.query_id());
    let e = q
        .query()
        .query_string("SELECT 2")
        .client_token(token)
        .send()
        .await
        .expect_err("reused token");
    assert_eq!(e.code(), Some("ValidationException"));

    let prepared = q
        .prepare_query()
        .query_string(DRIFT)
        .validate_only(true)
        .send()
        .await
        .expect("prepare");
    let names: Vec<_> = prepared
        .columns()
        .iter()
        .map(|c| c.name().unwrap_or(""))
        .collect();
    assert_eq!(names, ["measure_name", "bucket", "avg_value", "std_dev"]);

    let settings = q
        .describe_account_settings()
        .send()
        .await
        .expect("settings");
    assert_eq!(
        settings.query_pricing_model().map(|m| m.as_str()),
        Some("BYTES_SCANNED")
    );
    h.stop().await;
}

/// m9's accuracy: 1.0, 3.0 and 2.0 a minute apart, starting on a whole minute.
fn series_samples(now: i64) -> (i64, Vec<Sample>) {
    let start = (now - 10 * MINUTE_MS).div_euclid(MINUTE_MS) * MINUTE_MS;
    let samples = [1.0, 3.0, 2.0]
        .into_iter()
        .zip(0..)
        .map(|(value, i)| Sample {
            model: "m9",
            time_ms: start + i * MINUTE_MS,
            value,
        })
        .collect();
    (start, samples)
}

const SERIES: &str = "WITH s AS (\n\
    SELECT model_id, create_time_series(time, measure_value::double) AS ts, min(time) AS lo, max(time) AS hi\n\
    FROM \"ml-monitoring\".\"metrics\" WHERE measure_name = 'prediction_accuracy' GROUP BY model_id)\n";

#[tokio::test]
async fn timeseries_answer_as_time_series_values_and_interpolate_over_a_sequence() {
    let h = Harness::start().await;
    let (start, samples) = series_samples(now_ms());
    set_up(&h.timestream(), &samples).await;
    let q = h.timestream_query();
    let out = q
        .query()
        .query_string(format!(
            "{SERIES}SELECT model_id, ts, interpolate_linear(ts, sequence(lo, hi, 30s)) AS filled, \
             integral_trapezoidal(ts, 1m) AS area FROM s"
        ))
        .send()
        .await
        .expect("query");

    let columns = out.column_info();
    assert_eq!(columns[1].name(), Some("ts"));
    for column in &columns[1..3] {
        let measure = column
            .r#type()
            .and_then(|t| t.time_series_measure_value_column_info())
            .expect("a timeseries column");
        assert_eq!(measure.name(), None);
        assert_eq!(
            measure.r#type().and_then(|t| t.scalar_type()),
            Some(&ScalarType::Double)
        );
    }
    let points = |d: &Datum| -> Vec<(String, String)> {
        d.time_series_value()
            .iter()
            .map(|p| {
                (
                    p.time().to_owned(),
                    p.value()
                        .and_then(|v| v.scalar_value())
                        .expect("a value")
                        .to_owned(),
                )
            })
            .collect()
    };
    let expected = |values: &[&str]| -> Vec<(String, String)> {
        values
            .iter()
            .zip(0..)
            .map(|(v, i)| (timestamp(start + i * MINUTE_MS / 2), (*v).to_owned()))
            .collect()
    };
    let row = out.rows()[0].data();
    assert_eq!(scalar(&row[0]), "m9");
    let raw: Vec<(String, String)> = samples
        .iter()
        .map(|s| (timestamp(s.time_ms), format!("{:.1}", s.value)))
        .collect();
    assert_eq!(points(&row[1]), raw);
    // Every 30 s from the first point to the last: the points themselves, and halfway
    // between 1.0 and 3.0 (2.0) and between 3.0 and 2.0 (2.5).
    assert_eq!(
        points(&row[2]),
        expected(&["1.0", "2.0", "3.0", "2.5", "2.0"])
    );
    // Two one-minute trapezoids: (1 + 3) / 2 and (3 + 2) / 2.
    assert_eq!(scalar(&row[3]), "4.5");
    assert_eq!(
        columns[3].r#type().and_then(|t| t.scalar_type()),
        Some(&ScalarType::Double)
    );

    // PrepareQuery describes the same columns.
    let prepared = q
        .prepare_query()
        .query_string(format!("{SERIES}SELECT ts FROM s"))
        .validate_only(true)
        .send()
        .await
        .expect("prepare");
    let measure = prepared.columns()[0]
        .r#type()
        .and_then(|t| t.time_series_measure_value_column_info())
        .and_then(|m| m.r#type())
        .and_then(|t| t.scalar_type());
    assert_eq!(measure, Some(&ScalarType::Double));

    // UNNEST turns the interpolated series back into rows named time and value.
    let out = q
        .query()
        .query_string(format!(
            "{SERIES}, filled AS (SELECT model_id, interpolate_linear(ts, sequence(lo, hi, 30s)) AS f FROM s)\n\
             SELECT model_id, time, value FROM filled CROSS JOIN UNNEST(f) ORDER BY time"
        ))
        .send()
        .await
        .expect("unnested");
    let names: Vec<_> = out
        .column_info()
        .iter()
        .map(|c| c.name().unwrap_or(""))
        .collect();
    assert_eq!(names, ["model_id", "time", "value"]);
    let rows: Vec<(String, String)> = out
        .rows()
        .iter()
        .map(|r| {
            (
                scalar(&r.data()[1]).to_owned(),
                scalar(&r.data()[2]).to_owned(),
            )
        })
        .collect();
    assert_eq!(rows, expected(&["1.0", "2.0", "3.0", "2.5", "2.0"]));

    let e = q
        .query()
        .query_string(format!("{SERIES}SELECT interpolate_linear(ts, 1) FROM s"))
        .send()
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some("ValidationException"));
    assert!(
        e.message()
            .unwrap_or("")
            .starts_with("line 4:8: Unexpected parameters (timeseries(double), bigint)"),
        "{e:?}"
    );
    h.stop().await;
}
