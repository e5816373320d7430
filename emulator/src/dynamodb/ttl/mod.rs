//! Time to Live: a table's TTL setting, what makes an item expired, and the sweeper that
//! deletes expired items in the background (`sweeper`).
//!
//! The setting lives in the table's catalog record (`catalog::TimeToLive`). A change is
//! ENABLING or DISABLING until `--table-activation-delay-ms` has passed (at once by default),
//! and a second change inside that window is refused as the service refuses one inside its
//! hour. The service also refuses a second change for about half an hour after the first has
//! settled; this emulator does not, so that tests can switch TTL off and on.
//!
//! An item is expired when its TTL attribute is a Number of epoch seconds before now, and not
//! more than five years before now (the service never deletes those). Expired items stay
//! readable until the sweeper deletes them, as on the service, which deletes them within
//! days; here within one `--ttl-sweep-interval` for tables of moderate size.

pub mod sweeper;

use super::catalog::TimeToLive;
use super::value::AttributeValue;

/// What DescribeTimeToLive reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtlStatus {
    Enabling,
    Enabled,
    Disabling,
    Disabled,
}

impl TtlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TtlStatus::Enabling => "ENABLING",
            TtlStatus::Enabled => "ENABLED",
            TtlStatus::Disabling => "DISABLING",
            TtlStatus::Disabled => "DISABLED",
        }
    }
}

/// The status of a table's TTL at `now`, and the attribute it names (none once disabled).
pub fn status(ttl: Option<&TimeToLive>, now: f64) -> (TtlStatus, Option<&str>) {
    let Some(ttl) = ttl else {
        return (TtlStatus::Disabled, None);
    };
    let settled = now >= ttl.settles_at;
    match (ttl.enabled, settled) {
        (true, false) => (TtlStatus::Enabling, Some(&ttl.attribute_name)),
        (true, true) => (TtlStatus::Enabled, Some(&ttl.attribute_name)),
        (false, false) => (TtlStatus::Disabling, Some(&ttl.attribute_name)),
        (false, true) => (TtlStatus::Disabled, None),
    }
}

/// The attribute whose expiry the sweeper acts on: set once TTL is ENABLED.
pub fn active_attribute(ttl: Option<&TimeToLive>, now: f64) -> Option<&str> {
    match status(ttl, now) {
        (TtlStatus::Enabled, attribute) => attribute,
        _ => None,
    }
}

/// How far in the past an expiry may be for the item to be deleted.
const MAX_AGE_SECONDS: f64 = 5.0 * 365.0 * 86_400.0;

/// Whether an item whose TTL attribute holds `value` has expired at `now` (epoch seconds).
/// Anything but a Number never expires.
pub fn is_expired(value: &AttributeValue, now: f64) -> bool {
    match value {
        AttributeValue::N(n) => {
            let at = n.to_f64();
            at < now && at >= now - MAX_AGE_SECONDS
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::value::Number;

    fn n(v: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(v).unwrap())
    }

    #[test]
    fn a_change_is_in_progress_until_it_settles() {
        let enabled = TimeToLive {
            attribute_name: "exp".into(),
            enabled: true,
            settles_at: 100.0,
        };
        assert_eq!(status(None, 0.0), (TtlStatus::Disabled, None));
        assert_eq!(
            status(Some(&enabled), 99.0),
            (TtlStatus::Enabling, Some("exp"))
        );
        assert_eq!(
            status(Some(&enabled), 100.0),
            (TtlStatus::Enabled, Some("exp"))
        );
        assert_eq!(active_attribute(Some(&enabled), 99.0), None);
        assert_eq!(active_attribute(Some(&enabled), 100.0), Some("exp"));
        let disabled = TimeToLive {
            enabled: false,
            ..enabled
        };
        assert_eq!(
            status(Some(&disabled), 99.0),
            (TtlStatus::Disabling, Some("exp"))
        );
        assert_eq!(status(Some(&disabled), 100.0), (TtlStatus::Disabled, None));
        assert_eq!(active_attribute(Some(&disabled), 100.0), None);
    }

    #[test]
    fn only_numbers_in_the_recent_past_are_expired() {
        let now = 1_800_000_000.0;
        assert!(is_expired(&n("1799999999"), now));
        assert!(is_expired(&n("1799999999.5"), now));
        assert!(!is_expired(&n("1800000000"), now));
        assert!(!is_expired(&n("1800000001"), now));
        assert!(!is_expired(&AttributeValue::S("1".into()), now));
        // More than five years old: never deleted.
        assert!(!is_expired(&n("1"), now));
        assert!(is_expired(&n("1650000000"), now));
        assert!(!is_expired(&n("-5"), now));
    }
}
