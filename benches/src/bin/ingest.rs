//! Timestream ingest rate: records per second acknowledged by WriteRecords on a durable
//! emulator (on disk, `--durability immediate`: every answer waits for its batch's fsync).
//!
//! The emulator runs in this process on a loopback port; `CONNECTIONS` keep-alive HTTP/1.1
//! connections each send WriteRecords requests of 100 records back to back, for `WARMUP`
//! then `DURATION`. A request is one model's drift metrics at one instant: CommonAttributes
//! carry the model and the time, each record one feature's PSI, so every record is a new
//! one (no duplicates). Bodies are built by splicing the time into a prepared template, and
//! requests carry SigV4-shaped headers (the emulator does not verify signatures), so the
//! client costs little next to the server; both share this machine's cores.
//!
//! ```sh
//! cargo run --release -p benches --bin ingest -- [connections] [seconds] [out-dir]
//! ```
//!
//! Prints one JSON summary and, given `out-dir`, writes it there as `summary.json`. Besides
//! the wall-clock rate it reports the CPU time the storage writer thread (which applies
//! every write, one batch at a time) and all other threads spent per record during the
//! measured window, read from `/proc/self/task`: on a machine shared with other work the
//! wall-clock rate says little, while `1 / writer CPU per record` is the rate one free core
//! for the writer would sustain.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use emulator::{Config, Emulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// mimalloc rather than glibc's allocator: requests allocate on tokio's workers and the
/// storage writer frees on its own thread, a pattern glibc's arenas serve slowly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RECORDS_PER_REQUEST: usize = 100;
const WARMUP: Duration = Duration::from_secs(2);

/// A minimal keep-alive HTTP/1.1 client for one connection.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(addr: std::net::SocketAddr) -> Connection {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Connection {
            stream,
            buffer: Vec::with_capacity(4096),
        }
    }

    /// Sends one request and returns the status and body of its answer.
    async fn call(&mut self, target: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let head = format!(
            "POST / HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/x-amz-json-1.0\r\n\
             x-amz-target: Timestream_20181101.{target}\r\nx-amz-date: 20260101T000000Z\r\n\
             authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/timestream/aws4_request, \
             SignedHeaders=host, Signature=0\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        self.stream.write_all(head.as_bytes()).await.expect("write");
        self.stream.write_all(body).await.expect("write");
        self.buffer.clear();
        let mut chunk = [0u8; 8192];
        let (header_end, length, status) = loop {
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buffer[..end]).expect("ASCII head");
                let status = head[9..12].parse().expect("status");
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .expect("content-length");
                break (end + 4, length, status);
            }
        };
        while self.buffer.len() < header_end + length {
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
        (
            status,
            self.buffer[header_end..header_end + length].to_vec(),
        )
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The request body for connection `model` at `time_ms`, as two halves around the time.
fn template(model: usize) -> (String, String) {
    let records: Vec<String> = (0..RECORDS_PER_REQUEST)
        .map(|f| {
            format!(
                r#"{{"Dimensions":[{{"Name":"feature","Value":"feature_{f:03}"}}],"MeasureName":"psi","MeasureValue":"0.{:04}"}}"#,
                (f * 37 + model) % 10_000
            )
        })
        .collect();
    let head = format!(
        r#"{{"DatabaseName":"ml-monitoring","TableName":"drift","CommonAttributes":{{"Dimensions":[{{"Name":"model_id","Value":"model-{model:03}"}},{{"Name":"region","Value":"us-east-1"}}],"MeasureValueType":"DOUBLE","Time":""#
    );
    let tail = format!(r#""}},"Records":[{}]}}"#, records.join(","));
    (head, tail)
}

/// CPU seconds (user + system) spent so far by this process's threads: the storage
/// writer's, and everyone else's.
fn thread_cpu_seconds() -> (f64, f64) {
    let mut writer = 0.0;
    let mut others = 0.0;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return (0.0, 0.0);
    };
    for task in tasks.flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: state is the 3rd field, utime the 14th.
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
            f.iter().filter_map(|t| t.parse::<f64>().ok()).sum()
        });
        // The kernel reports in USER_HZ, 100 on Linux.
        let seconds = ticks / 100.0;
        if comm.trim() == "drydock-writer" {
            writer += seconds;
        } else {
            others += seconds;
        }
    }
    (writer, others)
}

#[derive(Default)]
struct Totals {
    records: AtomicU64,
    requests: AtomicU64,
}

async fn client(
    addr: std::net::SocketAddr,
    model: usize,
    start_ms: i64,
    measuring: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    totals: Arc<Totals>,
) -> Vec<u32> {
    let mut conn = Connection::open(addr).await;
    let (head, tail) = template(model);
    let mut latencies_us = Vec::new();
    let mut body = Vec::with_capacity(head.len() + tail.len() + 16);
    let mut time_ms = start_ms;
    while !stop.load(Ordering::Relaxed) {
        body.clear();
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(time_ms.to_string().as_bytes());
        body.extend_from_slice(tail.as_bytes());
        let sent = Instant::now();
        let (status, answer) = conn.call("WriteRecords", &body).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
        if measuring.load(Ordering::Relaxed) {
            latencies_us.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            totals
                .records
                .fetch_add(RECORDS_PER_REQUEST as u64, Ordering::Relaxed);
            totals.requests.fetch_add(1, Ordering::Relaxed);
        }
        time_ms += 1;
    }
    latencies_us
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let connections: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let out_dir = args.next();

    let data = tempfile::tempdir().expect("data dir");
    let mut config = Config::ephemeral_on_disk(data.path());
    config.retention_sweep_interval = 0.0;
    let running = Emulator::start(config).await.expect("the emulator starts");
    let addr = running.addr();
    let mut setup = Connection::open(addr).await;
    for (target, body) in [
        ("CreateDatabase", r#"{"DatabaseName":"ml-monitoring"}"#),
        (
            "CreateTable",
            r#"{"DatabaseName":"ml-monitoring","TableName":"drift"}"#,
        ),
    ] {
        let (status, answer) = setup.call(target, body.as_bytes()).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    }

    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after the epoch")
        .as_millis() as i64;
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let totals = Arc::new(Totals::default());
    let clients: Vec<_> = (0..connections)
        .map(|model| {
            tokio::spawn(client(
                addr,
                model,
                now_ms - 3_600_000,
                Arc::clone(&measuring),
                Arc::clone(&stop),
                Arc::clone(&totals),
            ))
        })
        .collect();
    tokio::time::sleep(WARMUP).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    let cpu_before = thread_cpu_seconds();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let cpu_after = thread_cpu_seconds();
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for c in clients {
        latencies.extend(c.await.expect("client"));
    }
    latencies.sort_unstable();
    running.shutdown().await;

    let records = totals.records.load(Ordering::Relaxed);
    let requests = totals.requests.load(Ordering::Relaxed);
    let per_record_us = |seconds: f64| seconds * 1e6 / records.max(1) as f64;
    let writer_us = per_record_us(cpu_after.0 - cpu_before.0);
    let others_us = per_record_us(cpu_after.1 - cpu_before.1);
    let summary = format!(
        "{{\n  \"benchmark\": \"timestream-ingest\",\n  \"durability\": \"immediate\",\n  \
         \"connections\": {connections},\n  \"records_per_request\": {RECORDS_PER_REQUEST},\n  \
         \"seconds\": {elapsed:.2},\n  \"records\": {records},\n  \"requests\": {requests},\n  \
         \"records_per_second\": {:.0},\n  \"requests_per_second\": {:.0},\n  \
         \"latency_ms\": {{\"p50\": {:.3}, \"p99\": {:.3}, \"p999\": {:.3}, \"max\": {:.3}}},\n  \
         \"cpu_us_per_record\": {{\"writer_thread\": {writer_us:.3}, \"other_threads\": {others_us:.3}}},\n  \
         \"writer_bound_records_per_second\": {:.0},\n  \
         \"cores\": {},\n  \"load_average_1m\": {}\n}}\n",
        records as f64 / elapsed,
        requests as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 99.9),
        percentile(&latencies, 100.0),
        1e6 / writer_us.max(f64::EPSILON),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next().map(str::to_owned))
            .unwrap_or_else(|| "null".to_owned()),
    );
    print!("{summary}");
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(&dir).expect("out dir");
        std::fs::write(std::path::Path::new(&dir).join("summary.json"), summary)
            .expect("summary.json");
    }
}
