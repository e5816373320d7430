//! The ML-monitoring pattern on Timestream: the seed's `ml_monitoring` table (dimensions
//! `model` and `host`, the measure `prediction_accuracy` as a double), fed by a pipeline that
//! writes one sample of a batch of series per call, and read by the seed's drift query, in
//! Timestream's own dialect: 5-minute averages and deviations over the last hour.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use aws_sdk_timestreamquery::Client as QueryClient;
use aws_sdk_timestreamwrite::Client as WriteClient;
use aws_sdk_timestreamwrite::types::{
    Dimension, MeasureValueType, Record, RetentionProperties, TimeUnit,
};

use crate::scenario::{MonitoringSetup, Operation};

/// The measure the drift query watches.
pub const MEASURE: &str = "prediction_accuracy";

/// The monitoring table and the clients that reach it.
#[derive(Clone)]
pub struct Monitoring {
    write: WriteClient,
    query: QueryClient,
    setup: MonitoringSetup,
}

/// What one call cost, in Timestream's units: 1 KiB write units for WriteRecords (the sum of
/// the records' metered sizes, as Timestream's pricing page computes it, without the discount
/// for dimensions repeated within a batch, so an upper bound), nothing for a query (queries
/// are billed by compute time, which a client cannot see).
pub type WriteUnits = f64;

pub fn model_name(index: u64) -> String {
    format!("model-{index:04}")
}

pub fn host_name(index: u64) -> String {
    format!("host-{index:04}")
}

impl Monitoring {
    pub fn new(write: WriteClient, query: QueryClient, setup: MonitoringSetup) -> Monitoring {
        Monitoring {
            write,
            query,
            setup,
        }
    }

    /// The seed's drift query in Timestream's dialect (the seed writes it with `time_bucket`
    /// and `INTERVAL 1 HOUR`, which Timestream rejects).
    pub fn drift_query(&self) -> String {
        format!(
            "SELECT measure_name, bin(time, 5m) AS bucket, \
             avg(measure_value::double) AS avg_value, stddev(measure_value::double) AS std_dev \
             FROM \"{}\".\"{}\" \
             WHERE measure_name = '{MEASURE}' AND time > ago(1h) \
             GROUP BY measure_name, bin(time, 5m) ORDER BY bucket",
            self.setup.database, self.setup.table
        )
    }

    /// Creates the database and the table (dropping an earlier table of the name, with 24
    /// hours of memory-store retention) and writes `preload` of history for every series.
    pub async fn set_up(&self, concurrency: usize) -> Result<()> {
        let (database, table) = (&self.setup.database, &self.setup.table);
        match self
            .write
            .create_database()
            .database_name(database)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conflict_exception()) => {}
            Err(e) => return Err(e).context("creating the monitoring database"),
        }
        match self
            .write
            .delete_table()
            .database_name(database)
            .table_name(table)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) => {}
            Err(e) => return Err(e).context("deleting the earlier monitoring table"),
        }
        self.write
            .create_table()
            .database_name(database)
            .table_name(table)
            .retention_properties(
                RetentionProperties::builder()
                    .memory_store_retention_period_in_hours(24)
                    .magnetic_store_retention_period_in_days(7)
                    .build()?,
            )
            .send()
            .await
            .context("creating the monitoring table")?;

        let now = epoch_millis(SystemTime::now());
        let step = self.setup.interval.as_millis() as u64;
        let steps = (self.setup.preload.as_millis() as u64 / step).max(1);
        let first = now.saturating_sub(steps * step);
        // One call per series and run of 100 samples: the series' dimensions are common.
        let calls: Vec<(u64, u64)> = (0..self.setup.series())
            .flat_map(|series| (0..steps).step_by(100).map(move |from| (series, from)))
            .collect();
        let mut calls = calls.into_iter();
        let mut in_flight = tokio::task::JoinSet::new();
        loop {
            while in_flight.len() < concurrency.max(1) {
                let Some((series, from)) = calls.next() else {
                    break;
                };
                let this = self.clone();
                let samples: Vec<u64> = (from..(from + 100).min(steps))
                    .map(|s| first + s * step)
                    .collect();
                in_flight.spawn(async move { this.write_history(series, &samples).await });
            }
            match in_flight.join_next().await {
                Some(done) => done.context("a loading task panicked")??,
                None => return Ok(()),
            }
        }
    }

    async fn write_history(&self, series: u64, times_ms: &[u64]) -> Result<()> {
        let records = times_ms
            .iter()
            .map(|&t| {
                Record::builder()
                    .measure_value(accuracy(series, t).to_string())
                    .time(t.to_string())
                    .build()
            })
            .collect();
        self.write
            .write_records()
            .database_name(&self.setup.database)
            .table_name(&self.setup.table)
            .common_attributes(
                self.series_record(series)
                    .measure_name(MEASURE)
                    .measure_value_type(MeasureValueType::Double)
                    .time_unit(TimeUnit::Milliseconds)
                    .build(),
            )
            .set_records(Some(records))
            .send()
            .await
            .context("loading history")?;
        Ok(())
    }

    fn series_record(
        &self,
        series: u64,
    ) -> aws_sdk_timestreamwrite::types::builders::RecordBuilder {
        let (model, host) = (series / self.setup.hosts, series % self.setup.hosts);
        Record::builder()
            .dimensions(dimension("model", &model_name(model)))
            .dimensions(dimension("host", &host_name(host)))
    }

    /// Runs one operation; `first_series` starts a WriteRecords batch. Answers the write
    /// units the call metered.
    pub async fn execute(&self, operation: Operation, first_series: u64) -> Result<WriteUnits> {
        match operation {
            Operation::WriteRecords { batch_size } => {
                self.write_sample(first_series, batch_size).await
            }
            Operation::DriftQuery => self.run_drift_query().await.map(|_| 0.0),
            other => anyhow::bail!("{} is not a Timestream operation", other.name()),
        }
    }

    async fn write_sample(&self, first_series: u64, batch_size: usize) -> Result<WriteUnits> {
        let now = epoch_millis(SystemTime::now());
        let series_count = self.setup.series();
        let batch = (0..batch_size as u64)
            .map(|i| (first_series + i) % series_count)
            .take(series_count as usize);
        let mut records = Vec::with_capacity(batch_size);
        let mut metered_bytes = 0;
        for series in batch {
            let (model, host) = (series / self.setup.hosts, series % self.setup.hosts);
            let value = accuracy(series, now).to_string();
            metered_bytes += 8
                + "model".len()
                + model_name(model).len()
                + "host".len()
                + host_name(host).len()
                + MEASURE.len()
                + 8;
            records.push(self.series_record(series).measure_value(value).build());
        }
        let out = self
            .write
            .write_records()
            .database_name(&self.setup.database)
            .table_name(&self.setup.table)
            .common_attributes(
                Record::builder()
                    .measure_name(MEASURE)
                    .measure_value_type(MeasureValueType::Double)
                    .time(now.to_string())
                    .time_unit(TimeUnit::Milliseconds)
                    .build(),
            )
            .set_records(Some(records))
            .send()
            .await?;
        let ingested = out.records_ingested().map_or(0, |r| r.total());
        if ingested as usize != batch_size.min(series_count as usize) {
            anyhow::bail!("WriteRecords ingested {ingested} of {batch_size} records");
        }
        Ok(metered_bytes.div_ceil(1024) as f64)
    }

    /// The drift query, every page of it; answers the rows it returned.
    pub async fn run_drift_query(&self) -> Result<usize> {
        let query = self.drift_query();
        let mut rows = 0;
        let mut next_token = None;
        loop {
            let out = self
                .query
                .query()
                .query_string(&query)
                .set_next_token(next_token)
                .send()
                .await?;
            rows += out.rows().len();
            next_token = out.next_token().map(str::to_owned);
            if next_token.is_none() {
                return Ok(rows);
            }
        }
    }
}

fn dimension(name: &str, value: &str) -> Dimension {
    Dimension::builder()
        .name(name)
        .value(value)
        .build()
        .expect("a dimension has its name and value")
}

fn epoch_millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as u64
}

/// A series' accuracy at a time: deterministic, around 0.9, drifting slowly by series.
fn accuracy(series: u64, time_ms: u64) -> f64 {
    let phase = (time_ms / 60_000) as f64 / 30.0 + series as f64;
    0.9 + 0.05 * phase.sin()
}
