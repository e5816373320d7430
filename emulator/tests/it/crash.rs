//! Durability: acknowledged writes (DynamoDB items with their index entries and stream
//! records in step, and Timestream records) survive a SIGKILL of the `emulator` process, and
//! a clean restart of the library keeps every table and item.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue, BillingMode, GlobalSecondaryIndex, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_dynamodbstreams::types::{OperationType, ShardIteratorType};
use emulator::Config;
use emulator::storage::{Durability, Store};
use emulator::timestream::{catalog, records};

use crate::dynamodb_streams::api::{iterator, page};
use crate::util::*;

const WRITERS: usize = 8;

/// A child `emulator` process and the address it printed.
struct ChildEmulator {
    child: Child,
    addr: SocketAddr,
}

impl ChildEmulator {
    /// Starts the binary on an ephemeral port with `data_dir`, durability immediate, JSON logs,
    /// and waits (at most 20 s) for its "listening" line on stderr.
    fn start(data_dir: &Path) -> ChildEmulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emulator"))
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--durability",
                "immediate",
            ])
            .args(["--log-format", "json"])
            .arg("--data-dir")
            .arg(data_dir)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the emulator binary starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Reads stderr to the end so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            let mut seen = Vec::new();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = listening_addr(&line) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(Ok(addr));
                    }
                } else if tx.is_some() {
                    seen.push(line);
                }
            }
            if let Some(tx) = tx {
                let _ = tx.send(Err(seen.join("\n")));
            }
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Ok(addr)) => ChildEmulator { child, addr },
            Ok(Err(stderr)) => {
                let _ = child.kill();
                panic!("the emulator exited without a listening line; stderr:\n{stderr}")
            }
            Err(_) => {
                let _ = child.kill();
                panic!("no listening line on stderr within 20 s")
            }
        }
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reap.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL the emulator");
        self.child.wait().expect("reap the emulator");
    }
}

/// The address in the binary's "listening" log line: JSON (`"fields":{"message":"listening",
/// "addr":"127.0.0.1:PORT"}`) or text (`... listening addr=127.0.0.1:PORT`).
fn listening_addr(line: &str) -> Option<SocketAddr> {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(line) {
        let fields = json.get("fields")?;
        if fields.get("message")?.as_str()? != "listening" {
            return None;
        }
        return fields.get("addr")?.as_str()?.parse().ok();
    }
    if !line.contains("listening") {
        return None;
    }
    let rest = &line[line.find("addr=")? + "addr=".len()..];
    rest.split_whitespace().next()?.parse().ok()
}

fn value_for(writer: usize, seq: usize) -> String {
    format!("writer {writer} write {seq} {}", "x".repeat(seq % 200))
}

/// What one writer learned: keys acknowledged, and the counter values acknowledged and
/// attempted.
#[derive(Default)]
struct WriterLog {
    acked: Vec<(String, String, usize)>,
    counter_acked: Option<u64>,
    counter_attempted: Option<u64>,
}

async fn writer(client: Client, table: String, w: usize, stop_at: Instant) -> WriterLog {
    let mut log = WriterLog::default();
    let mut seq = 0;
    while Instant::now() < stop_at {
        let id = format!("w{w}-{seq:06}");
        let value = value_for(w, seq);
        let put = client
            .put_item()
            .table_name(&table)
            .item("id", s(&id))
            .item("v", s(&value))
            .item("seq", n(&seq.to_string()))
            .send()
            .await;
        if put.is_err() {
            break; // The process is gone.
        }
        log.acked.push((id, value, seq));

        let counter = seq as u64;
        log.counter_attempted = Some(counter);
        let update = client
            .update_item()
            .table_name(&table)
            .key("id", s(&format!("counter-{w}")))
            .update_expression("SET c = :c")
            .expression_attribute_values(":c", n(&counter.to_string()))
            .send()
            .await;
        if update.is_err() {
            break;
        }
        log.counter_acked = Some(counter);
        seq += 1;
    }
    log
}

/// The `crash` table: key `id`, with a global index `by_seq` on `seq` projecting everything
/// (the counter items have no `seq`: they are not in it), and a stream of new and old images.
async fn create_crash_table(client: &Client) {
    client
        .create_table()
        .table_name("crash")
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        )
        .attribute_definitions(attr_def("id", ScalarAttributeType::S))
        .attribute_definitions(attr_def("seq", ScalarAttributeType::N))
        .key_schema(key_elem("id", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_seq")
                .key_schema(key_elem("seq", KeyType::Hash))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Every item of the table, or of one of its indexes, by `id`.
async fn scan_all(client: &Client, table: &str, index: Option<&str>) -> BTreeMap<String, Item> {
    let mut out = BTreeMap::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_index_name(index.map(str::to_owned))
            // Global indexes are read eventually consistent only (here, always current).
            .consistent_read(index.is_none())
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan after restart");
        for it in page.items() {
            let id = it["id"].as_s().unwrap().clone();
            assert!(
                out.insert(id.clone(), it.clone()).is_none(),
                "{id} scanned twice"
            );
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return out;
        }
    }
}

/// The table as its stream tells it: every record of the stream, in order, applied to an
/// empty table (the crash table's attributes are strings and numbers).
async fn replay_stream(client: &Client, endpoint: &str) -> BTreeMap<String, Item> {
    let streams = streams_client(endpoint, REGION);
    let table = client
        .describe_table()
        .table_name("crash")
        .send()
        .await
        .unwrap();
    let arn = table
        .table()
        .unwrap()
        .latest_stream_arn()
        .unwrap()
        .to_owned();
    let mut iterator = iterator(&streams, &arn, ShardIteratorType::TrimHorizon, None).await;
    let convert = |image: &std::collections::HashMap<
        String,
        aws_sdk_dynamodbstreams::types::AttributeValue,
    >|
     -> Item {
        image
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    aws_sdk_dynamodbstreams::types::AttributeValue::S(v) => s(v),
                    aws_sdk_dynamodbstreams::types::AttributeValue::N(v) => n(v),
                    other => panic!("no {other:?} is written to the crash table"),
                };
                (name.clone(), value)
            })
            .collect()
    };
    let mut replayed = BTreeMap::new();
    let mut last_sequence = String::new();
    loop {
        let (records, next) = page(&streams, &iterator, None).await;
        if records.is_empty() {
            return replayed;
        }
        for record in &records {
            let body = record.dynamodb().unwrap();
            let sequence = body.sequence_number().unwrap();
            assert!(
                sequence > last_sequence.as_str(),
                "sequence numbers increase"
            );
            last_sequence = sequence.to_owned();
            let id = body.keys().unwrap()["id"].as_s().unwrap().clone();
            let old = body.old_image().map(convert);
            assert_eq!(
                old.as_ref(),
                replayed.get(&id),
                "{id}: the record's old image is the item its earlier records left"
            );
            match record.event_name().unwrap() {
                OperationType::Remove => {
                    replayed.remove(&id);
                }
                _ => {
                    replayed.insert(id, convert(body.new_image().unwrap()));
                }
            }
        }
        iterator = next.expect("an open shard has a next iterator");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let first = ChildEmulator::start(dir.path());
    let client = client(&first.endpoint(), REGION);
    create_crash_table(&client).await;

    // Writers run until well after the kill; the kill lands mid-load.
    let stop_at = Instant::now() + Duration::from_secs(6);
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(writer(client.clone(), "crash".to_owned(), w, stop_at)))
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    first.kill();
    let killed_at = Instant::now();
    let mut logs = Vec::new();
    for w in writers {
        logs.push(w.await.unwrap());
    }
    assert!(
        killed_at.elapsed() < Duration::from_secs(5),
        "writers noticed the kill promptly"
    );
    let acked: usize = logs.iter().map(|l| l.acked.len()).sum();
    assert!(
        logs.iter().all(|l| !l.acked.is_empty()),
        "every writer got writes in before the kill: {:?}",
        logs.iter().map(|l| l.acked.len()).collect::<Vec<_>>()
    );

    eprintln!("crash test: {acked} acknowledged writes from {WRITERS} writers before SIGKILL");

    let second = ChildEmulator::start(dir.path());
    let client = crate::util::client(&second.endpoint(), REGION);
    let stored = scan_all(&client, "crash", None).await;
    // The index holds exactly the items with a `seq`, as they are in the table.
    let indexed = scan_all(&client, "crash", Some("by_seq")).await;
    let expected: BTreeMap<String, Item> = stored
        .iter()
        .filter(|(_, it)| it.contains_key("seq"))
        .map(|(id, it)| (id.clone(), it.clone()))
        .collect();
    assert_eq!(
        indexed.len(),
        expected.len(),
        "index entries and indexed items agree in number"
    );
    assert!(
        indexed == expected,
        "index entries hold the items as stored"
    );
    // The stream holds exactly the changes that made the table what it is.
    let replayed = replay_stream(&client, &second.endpoint()).await;
    assert_eq!(
        replayed.len(),
        stored.len(),
        "the stream's items and the table's agree in number"
    );
    assert!(
        replayed == stored,
        "the stream replays to the table as stored"
    );

    let mut missing = Vec::new();
    for (w, log) in logs.iter().enumerate() {
        for (id, value, seq) in &log.acked {
            match stored.get(id) {
                Some(it) => assert_eq!(
                    (it.get("v"), it.get("seq")),
                    (
                        Some(&AttributeValue::S(value.clone())),
                        Some(&n(&seq.to_string()))
                    ),
                    "{id} has its acknowledged value"
                ),
                None => missing.push(id.clone()),
            }
        }
        let counter = stored
            .get(&format!("counter-{w}"))
            .and_then(|it| it.get("c"))
            .map(|c| c.as_n().unwrap().parse::<u64>().unwrap());
        if let Some(acked) = log.counter_acked {
            let got = counter.unwrap_or_else(|| panic!("counter-{w} lost (acknowledged {acked})"));
            let attempted = log.counter_attempted.unwrap();
            assert!(
                (acked..=attempted).contains(&got),
                "counter-{w} is {got}: the last acknowledged value was {acked}, the last \
                 attempted {attempted}"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {acked} acknowledged writes lost after SIGKILL, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    second.kill();
}

#[tokio::test]
async fn durable_store_keeps_tables_and_items_across_a_clean_restart() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_with(Config::ephemeral_on_disk(dir.path())).await;
    create_ml_features(&h.client, "ml-features").await;
    for f in ["ctr_7d", "emb_1"] {
        h.client
            .put_item()
            .table_name("ml-features")
            .item("user_id", s("u1"))
            .item("feature_name", s(f))
            .item("value", n("0.25"))
            .send()
            .await
            .unwrap();
    }
    h.stop().await;

    let h = Harness::start_with(Config::ephemeral_on_disk(dir.path())).await;
    let listed = h.client.list_tables().send().await.unwrap();
    assert_eq!(listed.table_names(), ["ml-features"]);
    let out = h
        .client
        .query()
        .table_name("ml-features")
        .key_condition_expression("user_id = :u")
        .expression_attribute_values(":u", s("u1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.items(),
        [
            item(&[
                ("user_id", s("u1")),
                ("feature_name", s("ctr_7d")),
                ("value", n("0.25"))
            ]),
            item(&[
                ("user_id", s("u1")),
                ("feature_name", s("emb_1")),
                ("value", n("0.25"))
            ]),
        ]
    );
    h.stop().await;
}

/// One Timestream writer: batches of 50 records of its own series, each record at its own
/// millisecond, until the process is gone. Returns the (time, value) pairs acknowledged.
async fn record_writer(
    ts: aws_sdk_timestreamwrite::Client,
    w: usize,
    base_ms: i64,
    stop_at: Instant,
) -> Vec<(i64, f64)> {
    use aws_sdk_timestreamwrite::types::{Dimension, Record};
    let mut acked = Vec::new();
    let mut seq = 0i64;
    while Instant::now() < stop_at {
        let batch: Vec<(i64, f64)> = (0..50)
            .map(|i| (base_ms + seq + i, (seq + i) as f64 / 4.0))
            .collect();
        let records = batch
            .iter()
            .map(|(time, value)| {
                Record::builder()
                    .measure_name("load")
                    .measure_value(value.to_string())
                    .time(time.to_string())
                    .build()
            })
            .collect();
        let common = Record::builder()
            .dimensions(
                Dimension::builder()
                    .name("writer")
                    .value(w.to_string())
                    .build()
                    .unwrap(),
            )
            .build();
        let sent = ts
            .write_records()
            .database_name("crash")
            .table_name("load")
            .common_attributes(common)
            .set_records(Some(records))
            .send()
            .await;
        if sent.is_err() {
            break; // The process is gone.
        }
        acked.extend(batch);
        seq += 50;
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_timestream_records_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let first = ChildEmulator::start(dir.path());
    let ts = timestream_client(&first.endpoint(), REGION);
    ts.create_database()
        .database_name("crash")
        .send()
        .await
        .unwrap();
    ts.create_table()
        .database_name("crash")
        .table_name("load")
        .send()
        .await
        .unwrap();

    let base_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - 60 * 60 * 1000;
    let stop_at = Instant::now() + Duration::from_secs(6);
    let writers: Vec<_> = (0..4)
        .map(|w| tokio::spawn(record_writer(ts.clone(), w, base_ms, stop_at)))
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    first.kill();
    let mut acked = Vec::new();
    for w in writers {
        acked.push(w.await.unwrap());
    }
    assert!(
        acked.iter().all(|a| !a.is_empty()),
        "every writer got records in before the kill"
    );
    let total: usize = acked.iter().map(Vec::len).sum();
    eprintln!("crash test: {total} acknowledged Timestream records before SIGKILL");

    // Recovery replays the write-ahead log; the records are read back with the read API.
    let store = Store::open(dir.path(), Durability::Immediate).unwrap();
    let table = catalog::Snapshot::new(store.read().unwrap())
        .table(REGION, "crash", "load")
        .unwrap()
        .expect("the table survived");
    let txn = store.read().unwrap();
    let mut stored = BTreeMap::new();
    for record in records::scan(&txn, table.id, Some("load"), ..).unwrap() {
        let record = record.unwrap();
        let records::MeasureValue::Single(records::Scalar::Double(value)) = record.value else {
            panic!("a DOUBLE record: {record:?}");
        };
        stored.insert((record.dimensions[0].1.clone(), record.time), value);
    }
    let mut missing = 0;
    for (w, acked) in acked.iter().enumerate() {
        for (time_ms, value) in acked {
            match stored.get(&(w.to_string(), time_ms * 1_000_000)) {
                Some(got) => assert_eq!(got, value, "writer {w} at {time_ms}"),
                None => missing += 1,
            }
        }
    }
    assert_eq!(
        missing, 0,
        "{missing} of {total} acknowledged records lost after SIGKILL"
    );
    store.shutdown();
}
