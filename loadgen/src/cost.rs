//! The cost section: what the capacity a run consumed would cost per month on AWS, at the
//! rate it delivered and at the rate the scenario intended, from the price table in
//! `scenarios/prices.toml` (dated, with its source, for users to edit).

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::report::Summary;

const HOURS_PER_MONTH: f64 = 730.0;
const SECONDS_PER_MONTH: f64 = HOURS_PER_MONTH * 3600.0;

/// `scenarios/prices.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub dynamodb: DynamoDbPrices,
    pub timestream: TimestreamPrices,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbPrices {
    pub as_of: String,
    pub source: String,
    pub on_demand_per_million_read_request_units: f64,
    pub on_demand_per_million_write_request_units: f64,
    pub provisioned_per_rcu_hour: f64,
    pub provisioned_per_wcu_hour: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TimestreamPrices {
    pub as_of: String,
    pub source: String,
    pub per_million_1kib_writes: f64,
}

impl PriceTable {
    pub fn load(path: &Path) -> Result<PriceTable> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{}", path.display()))
    }
}

/// One line of the cost section, in US dollars per month.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MonthlyCost {
    pub item: String,
    pub at_delivered_rate_usd: f64,
    /// `None` in closed loop, which has no intended rate.
    pub at_intended_rate_usd: Option<f64>,
    /// Where the price came from and from when it holds.
    pub price: String,
}

/// The monthly costs of the capacity `summary` reports, priced by `prices`.
pub fn monthly_costs(summary: &Summary, prices: &PriceTable) -> Vec<MonthlyCost> {
    let scale = summary.intended_scale();
    let mut lines = Vec::new();
    let mut line = |item: &str, delivered: f64, price: String| {
        lines.push(MonthlyCost {
            item: item.to_owned(),
            at_delivered_rate_usd: delivered,
            at_intended_rate_usd: scale.map(|s| delivered * s),
            price,
        });
    };
    if summary.service_targets.contains_key("dynamodb") {
        let p = &prices.dynamodb;
        let dated = format!("{} as of {}", p.source, p.as_of);
        let read = summary.units_per_s("dynamodb", false);
        let write = summary.units_per_s("dynamodb", true);
        line(
            "DynamoDB on-demand",
            (read * p.on_demand_per_million_read_request_units
                + write * p.on_demand_per_million_write_request_units)
                * SECONDS_PER_MONTH
                / 1e6,
            dated.clone(),
        );
        // Provisioned at exactly the consumed rate: no headroom for peaks or auto scaling's
        // target utilisation, so a floor.
        line(
            "DynamoDB provisioned (no headroom)",
            (read * p.provisioned_per_rcu_hour + write * p.provisioned_per_wcu_hour)
                * HOURS_PER_MONTH,
            dated,
        );
    }
    if summary.service_targets.contains_key("timestream") {
        let p = &prices.timestream;
        line(
            "Timestream writes",
            summary.units_per_s("timestream", true) * p.per_million_1kib_writes * SECONDS_PER_MONTH
                / 1e6,
            format!("{} as of {}", p.source, p.as_of),
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_price_table_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/prices.toml");
        let prices = PriceTable::load(&path).unwrap();
        assert_eq!(
            prices.dynamodb.on_demand_per_million_write_request_units,
            0.625
        );
        assert!(prices.timestream.per_million_1kib_writes > 0.0);
    }
}
