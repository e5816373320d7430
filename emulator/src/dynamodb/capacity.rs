//! Consumed capacity as DynamoDB computes it, and the `ReturnConsumedCapacity` shapes.
//!
//! The arithmetic (checked against DynamoDB Local and the service's documentation):
//! - A read costs one unit per started 4 KB of item size; an eventually consistent read costs
//!   half. A point read of a missing item still costs one unit (0.5 eventually consistent).
//! - A Query or Scan page adds up the sizes of every item it read and rounds once
//!   ([`read_units`] on the total); an empty page still costs one unit.
//! - BatchGetItem rounds each item it found on its own and charges nothing for a missing key
//!   ([`batch_read_units`]).
//! - A write costs one unit per started 1 KB of the larger of the old and the new item; a
//!   write that finds no item and leaves none (a delete of a missing key) still costs one unit.
//!
//! - A write to a table with secondary indexes also writes each index whose entry it adds,
//!   changes or removes: one unit per started 1 KB of the projection written or removed, two
//!   writes when the item's index key changes (the old entry removed, the new one added), and
//!   nothing for an index the item is not in before or after, or whose entry stays the same.
//! - A read of an index is charged to the index; a local index reading through to the table
//!   charges the table for the items it read there.
//!
//! [`Tally`] collects the units an operation consumed per table (and per index) and turns
//! them into the `ConsumedCapacity` member the caller asked for with
//! [`ReturnConsumedCapacity`]: TOTAL sums them, INDEXES also lists each share.

use std::collections::BTreeMap;

use super::catalog::IndexKind;
use super::error::{DynamoError, Result};
use super::types::item::{Capacity, ConsumedCapacity};

/// One read capacity unit covers this many bytes.
pub const READ_UNIT_BYTES: usize = 4 * 1024;
/// One write capacity unit covers this many bytes.
pub const WRITE_UNIT_BYTES: usize = 1024;

/// What the request asked for in `ReturnConsumedCapacity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnConsumedCapacity {
    /// Nothing (also what an absent member means).
    #[default]
    None,
    /// `{"TableName": .., "CapacityUnits": ..}`.
    Total,
    /// The total plus `"Table": {"CapacityUnits": ..}` (and the indexes' shares).
    Indexes,
}

impl ReturnConsumedCapacity {
    /// The wire value's enum set, in the order the service lists it in its messages.
    pub const ENUM_SET: &'static str = "[INDEXES, TOTAL, NONE]";

    /// Parses the request member; an unknown value is the service's constraint error.
    pub fn parse(value: Option<&str>) -> Result<Self> {
        match value {
            None | Some("NONE") => Ok(Self::None),
            Some("TOTAL") => Ok(Self::Total),
            Some("INDEXES") => Ok(Self::Indexes),
            Some(other) => Err(DynamoError::validation(format!(
                "1 validation error detected: Value '{other}' at 'returnConsumedCapacity' \
                 failed to satisfy constraint: Member must satisfy enum value set: {}",
                Self::ENUM_SET
            ))),
        }
    }

    pub fn wanted(self) -> bool {
        self != Self::None
    }
}

/// Read units for `bytes` of item data read in one go (a point read, or a whole Query/Scan
/// page): one unit per started 4 KB, at least one, halved when eventually consistent.
pub fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(READ_UNIT_BYTES).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// Read units BatchGetItem charges for one key: each item found is rounded up on its own;
/// a key with no item costs nothing (as DynamoDB Local answers).
pub fn batch_read_units(item_size: Option<usize>, consistent: bool) -> f64 {
    item_size.map_or(0.0, |size| read_units(size, consistent))
}

/// Write units for one item write: one unit per started 1 KB of the larger of the item
/// before (`old_size`) and after (`new_size`), at least one.
pub fn write_units(old_size: Option<usize>, new_size: Option<usize>) -> f64 {
    let size = old_size.unwrap_or(0).max(new_size.unwrap_or(0));
    size.div_ceil(WRITE_UNIT_BYTES).max(1) as f64
}

/// Units one operation consumed on one table: on the table itself and on its indexes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Charge {
    pub table: f64,
    /// Index kind and name, and the units charged to it, in the order first charged.
    pub indexes: Vec<(IndexKind, String, f64)>,
}

impl Charge {
    /// Units on the table only.
    pub fn table(units: f64) -> Charge {
        Charge {
            table: units,
            indexes: Vec::new(),
        }
    }

    /// Adds `units` to an index's share.
    pub fn add_index(&mut self, kind: IndexKind, name: &str, units: f64) {
        match self.indexes.iter_mut().find(|(_, n, _)| n == name) {
            Some((_, _, total)) => *total += units,
            None => self.indexes.push((kind, name.to_owned(), units)),
        }
    }

    /// Adds another charge on the same table.
    pub fn add(&mut self, other: &Charge) {
        self.table += other.table;
        for (kind, name, units) in &other.indexes {
            self.add_index(*kind, name, *units);
        }
    }

    fn total(&self) -> f64 {
        self.table + self.indexes.iter().map(|(_, _, u)| u).sum::<f64>()
    }
}

/// `table_units` on the table plus the index shares of `indexes`.
pub fn charge_with(table_units: f64, indexes: &Charge) -> Charge {
    let mut charge = Charge::table(table_units);
    charge.add(indexes);
    charge
}

/// Units consumed per table by one operation, in the order tables were first charged.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    tables: Vec<(String, Charge)>,
}

impl Tally {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `units` to `table`'s share (adding `0.0` still lists the table).
    pub fn charge(&mut self, table: &str, units: f64) {
        self.charge_all(table, &Charge::table(units));
    }

    /// Adds a charge on the table and its indexes to `table`'s share.
    pub fn charge_all(&mut self, table: &str, charge: &Charge) {
        match self.tables.iter_mut().find(|(name, _)| name == table) {
            Some((_, total)) => total.add(charge),
            None => self.tables.push((table.to_owned(), charge.clone())),
        }
    }

    /// Each charged table's name and charge, in the order first charged.
    pub fn charges(&self) -> impl Iterator<Item = (&str, &Charge)> {
        self.tables
            .iter()
            .map(|(name, charge)| (name.as_str(), charge))
    }

    /// One `ConsumedCapacity` per charged table (BatchGetItem, BatchWriteItem), or `None`
    /// when the request did not ask for it.
    pub fn into_list(self, mode: ReturnConsumedCapacity) -> Option<Vec<ConsumedCapacity>> {
        mode.wanted().then(|| {
            self.tables
                .into_iter()
                .map(|(table, charge)| consumed(table, &charge, mode))
                .collect()
        })
    }
}

/// The single-table `ConsumedCapacity` member of a point operation, or `None` when the
/// request did not ask for it.
pub fn single(table: &str, units: f64, mode: ReturnConsumedCapacity) -> Option<ConsumedCapacity> {
    charged(table, &Charge::table(units), mode)
}

/// [`single`] for a charge that may include indexes.
pub fn charged(
    table: &str,
    charge: &Charge,
    mode: ReturnConsumedCapacity,
) -> Option<ConsumedCapacity> {
    mode.wanted()
        .then(|| consumed(table.to_owned(), charge, mode))
}

fn consumed(table_name: String, charge: &Charge, mode: ReturnConsumedCapacity) -> ConsumedCapacity {
    let indexes_wanted = mode == ReturnConsumedCapacity::Indexes;
    let shares = |wanted: IndexKind| -> Option<BTreeMap<String, Capacity>> {
        let map: BTreeMap<String, Capacity> = charge
            .indexes
            .iter()
            .filter(|(kind, _, _)| *kind == wanted)
            .map(|(_, name, units)| {
                (
                    name.clone(),
                    Capacity {
                        capacity_units: *units,
                    },
                )
            })
            .collect();
        (indexes_wanted && !map.is_empty()).then_some(map)
    };
    ConsumedCapacity {
        table_name,
        capacity_units: charge.total(),
        table: indexes_wanted.then_some(Capacity {
            capacity_units: charge.table,
        }),
        local_secondary_indexes: shares(IndexKind::Local),
        global_secondary_indexes: shares(IndexKind::Global),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_round_up_per_4kb_and_halve_when_eventually_consistent() {
        assert_eq!(read_units(0, true), 1.0);
        assert_eq!(read_units(0, false), 0.5);
        assert_eq!(read_units(1, false), 0.5);
        assert_eq!(read_units(4096, true), 1.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(4097, false), 1.0);
        assert_eq!(read_units(400 * 1024, true), 100.0);
    }

    #[test]
    fn batch_reads_charge_nothing_for_missing_items() {
        assert_eq!(batch_read_units(None, true), 0.0);
        assert_eq!(batch_read_units(Some(10), false), 0.5);
        assert_eq!(batch_read_units(Some(8193), true), 3.0);
    }

    #[test]
    fn writes_round_up_per_kb_of_the_larger_item() {
        assert_eq!(write_units(None, None), 1.0);
        assert_eq!(write_units(None, Some(1)), 1.0);
        assert_eq!(write_units(None, Some(1024)), 1.0);
        assert_eq!(write_units(None, Some(1025)), 2.0);
        assert_eq!(write_units(Some(3000), Some(10)), 3.0);
        assert_eq!(write_units(Some(10), None), 1.0);
    }

    #[test]
    fn return_consumed_capacity_parses_the_enum() {
        assert_eq!(
            ReturnConsumedCapacity::parse(None).unwrap(),
            ReturnConsumedCapacity::None
        );
        assert_eq!(
            ReturnConsumedCapacity::parse(Some("INDEXES")).unwrap(),
            ReturnConsumedCapacity::Indexes
        );
        let e = ReturnConsumedCapacity::parse(Some("hi")).unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'hi' at 'returnConsumedCapacity' failed to \
             satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
        );
    }

    #[test]
    fn shapes_follow_the_requested_mode() {
        assert!(single("t", 1.0, ReturnConsumedCapacity::None).is_none());
        let total = single("t", 0.5, ReturnConsumedCapacity::Total).unwrap();
        assert_eq!(
            serde_json::to_string(&total).unwrap(),
            r#"{"TableName":"t","CapacityUnits":0.5}"#
        );
        let indexes = single("t", 2.0, ReturnConsumedCapacity::Indexes).unwrap();
        assert_eq!(
            serde_json::to_string(&indexes).unwrap(),
            r#"{"TableName":"t","CapacityUnits":2.0,"Table":{"CapacityUnits":2.0}}"#
        );
    }

    #[test]
    fn tally_sums_per_table_in_first_charged_order() {
        let mut tally = Tally::new();
        tally.charge("b", 1.0);
        tally.charge("a", 0.0);
        tally.charge("b", 2.0);
        let list = tally.into_list(ReturnConsumedCapacity::Total).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].table_name.as_str(), list[0].capacity_units),
            ("b", 3.0)
        );
        assert_eq!(
            (list[1].table_name.as_str(), list[1].capacity_units),
            ("a", 0.0)
        );
        assert!(
            Tally::new()
                .into_list(ReturnConsumedCapacity::None)
                .is_none()
        );
    }
}
