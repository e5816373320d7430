//! DescribeAccountSettings.
//!
//! ```text
//! {} → {"MaxQueryTCU": 200, "QueryPricingModel": "BYTES_SCANNED"}
//! ```
//!
//! The emulator meters queries as the bytes-scanned model does (`CumulativeBytesMetered` is
//! at least 10 MB a query); the compute-unit figure is the service's default maximum.

use crate::timestream::types::query::{
    DescribeAccountSettingsRequest, DescribeAccountSettingsResponse,
};

const MAX_QUERY_TCU: i64 = 200;

pub fn describe_account_settings(
    _input: DescribeAccountSettingsRequest,
) -> DescribeAccountSettingsResponse {
    DescribeAccountSettingsResponse {
        max_query_tcu: MAX_QUERY_TCU,
        query_pricing_model: "BYTES_SCANNED",
    }
}
