//! Runtime configuration, shared by the binary's flags and the embedding API.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// How a write is made permanent before it is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DurabilityMode {
    /// fsync before every acknowledgement (one fsync per group-committed batch).
    Immediate,
    /// No fsync: after a crash the store is consistent but the last moments of
    /// acknowledged writes may be missing.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Which DynamoDB tables refuse requests beyond their capacity (`dynamodb::throttle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThrottleMode {
    /// Never: every request is served.
    Off,
    /// PROVISIONED tables and their global secondary indexes, at their provisioned capacity
    /// with up to 300 seconds of unused capacity kept as burst.
    Provisioned,
    /// Also PAY_PER_REQUEST tables, above twice their previous peak.
    All,
}

/// Drydock's emulator: DynamoDB, DynamoDB Streams, Timestream and a model registry on one port.
#[derive(Debug, Clone, Parser)]
#[command(name = "emulator", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "DRYDOCK_HOST", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "DRYDOCK_PORT", default_value_t = 8000)]
    pub port: u16,

    /// Directory holding the database file.
    #[arg(long, env = "DRYDOCK_DATA_DIR", default_value = "./drydock-data")]
    pub data_dir: PathBuf,

    /// Keep everything in memory; nothing survives a restart.
    #[arg(long, env = "DRYDOCK_IN_MEMORY")]
    pub in_memory: bool,

    /// When a write is acknowledged: after fsync (immediate) or before it (none).
    #[arg(long, env = "DRYDOCK_DURABILITY", value_enum, default_value_t = DurabilityMode::Immediate)]
    pub durability: DurabilityMode,

    /// Log line format on stderr.
    #[arg(long, env = "DRYDOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Region used when a request carries no SigV4 credential scope.
    #[arg(long, env = "DRYDOCK_REGION", default_value = "us-east-1")]
    pub region: String,

    /// Account id used in ARNs.
    #[arg(long, env = "DRYDOCK_ACCOUNT_ID", default_value = "000000000000")]
    pub account_id: String,

    /// How long a new table stays CREATING before it turns ACTIVE (milliseconds).
    #[arg(long, env = "DRYDOCK_TABLE_ACTIVATION_DELAY_MS", default_value_t = 0)]
    pub table_activation_delay_ms: u64,

    /// Seconds between two sweeps deleting expired items of tables with Time to Live
    /// enabled (fractions allowed); 0 turns the sweeper off.
    #[arg(long, env = "DRYDOCK_TTL_SWEEP_INTERVAL", default_value_t = 5.0, value_parser = parse_interval)]
    pub ttl_sweep_interval: f64,

    /// How long DynamoDB stream records stay readable, in seconds (fractions allowed): the
    /// service's 24 hours by default.
    #[arg(long, env = "DRYDOCK_STREAM_RETENTION", default_value_t = 86_400.0, value_parser = parse_retention)]
    pub stream_retention: f64,

    /// Seconds between two sweeps removing Timestream records past their table's retention
    /// (fractions allowed); 0 turns the sweeper off.
    #[arg(long, env = "DRYDOCK_RETENTION_SWEEP_INTERVAL", default_value_t = 60.0, value_parser = parse_interval)]
    pub retention_sweep_interval: f64,

    /// Refuse DynamoDB requests beyond a table's capacity, as the service throttles them.
    #[arg(long, env = "DRYDOCK_THROTTLE", value_enum, default_value_t = ThrottleMode::Off)]
    pub throttle: ThrottleMode,

    /// Threads serving requests (the binary's; an embedding caller brings its own runtime).
    /// By default one fewer than the machine's cores, and at least one.
    #[arg(long, env = "DRYDOCK_WORKER_THREADS")]
    pub worker_threads: Option<NonZeroUsize>,
}

impl Config {
    /// An in-memory emulator on an ephemeral loopback port: what tests and benches want.
    pub fn ephemeral() -> Self {
        Config {
            port: 0,
            in_memory: true,
            ..Self::default()
        }
    }

    /// A durable emulator on an ephemeral loopback port, storing in `data_dir`.
    pub fn ephemeral_on_disk(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            port: 0,
            data_dir: data_dir.into(),
            ..Self::default()
        }
    }

    pub fn table_activation_delay(&self) -> Duration {
        Duration::from_millis(self.table_activation_delay_ms)
    }

    /// The TTL sweeper's interval; zero when it is off.
    pub fn ttl_sweep_interval(&self) -> Duration {
        Duration::from_secs_f64(self.ttl_sweep_interval)
    }

    /// The request-serving threads to start. A local emulator shares the machine with its
    /// clients (the code under test, loadgen), so by default it leaves them a core: on two
    /// cores, one worker served 95K GetItem/s to a wrk client where two, contending with
    /// the client for the cores, served 77K.
    pub fn worker_threads(&self) -> usize {
        self.worker_threads.map_or_else(
            || {
                std::thread::available_parallelism()
                    .map_or(1, |cores| cores.get().saturating_sub(1).max(1))
            },
            NonZeroUsize::get,
        )
    }

    /// The Timestream retention sweeper's interval; zero when it is off.
    pub fn retention_sweep_interval(&self) -> Duration {
        Duration::from_secs_f64(self.retention_sweep_interval)
    }
}

impl Config {
    pub fn stream_retention(&self) -> Duration {
        Duration::from_secs_f64(self.stream_retention)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::parse_from(["emulator"])
    }
}

/// A number of seconds: finite, not negative, at most a day.
fn parse_interval(value: &str) -> Result<f64, String> {
    let seconds: f64 = value
        .parse()
        .map_err(|_| format!("'{value}' is not a number of seconds"))?;
    if !(0.0..=86_400.0).contains(&seconds) {
        return Err(format!("'{value}' is not between 0 and 86400 seconds"));
    }
    Ok(seconds)
}

/// A retention period: more than 0 seconds, at most the service's 24 hours.
fn parse_retention(value: &str) -> Result<f64, String> {
    let seconds = parse_interval(value)?;
    if seconds == 0.0 {
        return Err("a retention period must be longer than 0 seconds".to_owned());
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_interval_is_a_bounded_number_of_seconds() {
        let parse = |v: &str| Config::try_parse_from(["emulator", "--ttl-sweep-interval", v]);
        assert_eq!(
            parse("0.25").unwrap().ttl_sweep_interval(),
            Duration::from_millis(250)
        );
        assert!(parse("0").unwrap().ttl_sweep_interval().is_zero());
        assert!(parse("-1").is_err());
        assert!(parse("NaN").is_err());
        assert!(parse("soon").is_err());
        assert_eq!(
            Config::default().ttl_sweep_interval(),
            Duration::from_secs(5)
        );
        assert_eq!(
            Config::default().retention_sweep_interval(),
            Duration::from_secs(60)
        );
        let retention = Config::try_parse_from(["emulator", "--retention-sweep-interval", "0"]);
        assert!(retention.unwrap().retention_sweep_interval().is_zero());
    }

    #[test]
    fn worker_threads_leave_a_core_for_clients_unless_given() {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        assert_eq!(Config::default().worker_threads(), (cores - 1).max(1));
        let given = Config::try_parse_from(["emulator", "--worker-threads", "3"]);
        assert_eq!(given.unwrap().worker_threads(), 3);
        assert!(Config::try_parse_from(["emulator", "--worker-threads", "0"]).is_err());
    }
}
