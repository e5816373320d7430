//! Drydock's emulator: DynamoDB, DynamoDB Streams, Timestream and a model registry on one port, stored in redb.
//!
//! # Layout
//! - [`config`]: flags and the embedding configuration.
//! - `http`: the router; dispatches `POST /` on the `X-Amz-Target` prefix, serves
//!   `/health` and `/metrics`.
//! - `aws`: awsJson1_0 plumbing shared by the AWS services (request ids, regions, envelopes).
//! - [`dynamodb`]: the DynamoDB service: operations, expressions, key encoding, catalog.
//! - [`dynamodb_streams`]: the DynamoDB Streams API over the streams `dynamodb` writes.
//! - [`timestream`]: the Timestream Write API: databases, tables, tags and WriteRecords.
//! - `registry`: the model registry (`/registry/v1`), its indexes and read cache.
//! - [`storage`]: the redb database and its group-commit writer; knows nothing of HTTP or AWS.
//! - `metrics`: request counters and latency histograms.
//!
//! Embed it with [`Emulator::start`]:
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let running = emulator::Emulator::start(emulator::Config::ephemeral()).await?;
//! println!("DynamoDB endpoint: http://{}", running.addr());
//! running.shutdown().await;
//! # Ok(()) }
//! ```

mod aws;
pub mod config;
pub mod dynamodb;
pub mod dynamodb_streams;
mod http;
mod metrics;
mod periodic;
mod registry;
mod state;
pub mod storage;
pub mod timestream;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{Config, DurabilityMode, LogFormat, ThrottleMode};
use state::AppState;
use storage::{Durability, Store};

/// The emulator as a library: open storage, bind, serve.
pub struct Emulator;

/// A started emulator. Dropping it without [`RunningEmulator::shutdown`] leaves the server
/// running until the runtime stops.
pub struct RunningEmulator {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    router: axum::Router,
    store: Arc<Store>,
    ttl_sweeper: Option<periodic::PeriodicThread>,
    retention_sweeper: Option<periodic::PeriodicThread>,
    stream_retention: periodic::PeriodicThread,
}

impl Emulator {
    /// Opens the store, binds `config.host:config.port` (port 0 picks one) and serves in the
    /// background on the current tokio runtime.
    pub async fn start(config: Config) -> anyhow::Result<RunningEmulator> {
        let store = Arc::new(open_store(&config)?);
        let dynamodb = Arc::new(
            dynamodb::DynamoDb::open(Arc::clone(&store), &config)
                .context("loading the DynamoDB catalog")?,
        );
        let listener = TcpListener::bind((config.host, config.port))
            .await
            .with_context(|| format!("binding {}:{}", config.host, config.port))?;
        let addr = listener.local_addr()?;
        dynamodb.set_endpoint_address(addr.to_string());
        let ttl_sweeper =
            dynamodb::ttl::sweeper::start(Arc::clone(&dynamodb), config.ttl_sweep_interval());
        let stream_retention = dynamodb::streams::retention::start(Arc::clone(&dynamodb));
        let timestream = Arc::new(
            timestream::Timestream::open(Arc::clone(&store), &config)
                .context("loading Timestream records")?,
        );
        timestream.set_endpoint_address(addr.to_string());
        let retention_sweeper = timestream::retention::start(
            Arc::clone(&timestream),
            config.retention_sweep_interval(),
        );
        let state = Arc::new(AppState {
            config,
            store: Arc::clone(&store),
            metrics: metrics::Metrics::default(),
            dynamodb,
            timestream,
            registry: registry::Registry::open(Arc::clone(&store)),
        });
        let app = http::router(state);
        let router = app.clone();
        // Answers are small and clients wait for each one: without TCP_NODELAY, Nagle's
        // algorithm and delayed ACKs can hold a response back for tens of milliseconds.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(RunningEmulator {
            addr,
            router,
            stop,
            server,
            store,
            ttl_sweeper,
            retention_sweeper,
            stream_retention,
        })
    }
}

fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.in_memory {
        return Ok(Store::in_memory()?);
    }
    let durability = match config.durability {
        DurabilityMode::Immediate => Durability::Immediate,
        DurabilityMode::None => Durability::None,
    };
    Store::open(&config.data_dir, durability)
        .with_context(|| format!("opening the database in {}", config.data_dir.display()))
}

impl RunningEmulator {
    /// The same service the listener serves, for callers that want to skip the socket
    /// (benchmarks of the request path call it with `tower::ServiceExt::oneshot`).
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr`, what SDK clients take as their endpoint URL.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets in-flight requests finish, stops the sweepers (TTL,
    /// DynamoDB stream retention and Timestream retention), then commits and closes storage.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        match self.server.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "server stopped with an error"),
            Err(e) => tracing::error!(error = %e, "server task failed"),
        }
        let store = self.store;
        let sweeper = self.ttl_sweeper;
        let retention_sweeper = self.retention_sweeper;
        let stream_retention = self.stream_retention;
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(sweeper) = sweeper {
                sweeper.stop();
            }
            if let Some(sweeper) = retention_sweeper {
                sweeper.stop();
            }
            stream_retention.stop();
            store.shutdown();
        })
        .await;
    }
}
