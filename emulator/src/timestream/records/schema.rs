//! The names a table has seen, in `timestream_schema`: what the service derives a table's
//! columns from, and what fixes the type of each measure.
//!
//! Key: table id (`u64` big-endian) ‖ kind (`d` dimension, `m` measure name, `a`
//! multi-measure attribute) ‖ the name's UTF-8 bytes. Value: empty for a dimension, the
//! type's tag (`MeasureType::tag`) for a measure name or an attribute. One table's entries
//! are one key range, dropped with the table.

use redb::{ReadTransaction, ReadableTable};

use super::MeasureType;
use crate::storage::tables::TIMESTREAM_SCHEMA;
use crate::storage::{StorageError, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Dimension,
    Measure,
    Attribute,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Kind::Dimension => b'd',
            Kind::Measure => b'm',
            Kind::Attribute => b'a',
        }
    }
}

pub(super) fn key(table_id: u64, kind: Kind, name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(9 + name.len());
    key.extend_from_slice(&table_id.to_be_bytes());
    key.push(kind.byte());
    key.extend_from_slice(name.as_bytes());
    key
}

/// What a table's records have used so far, each list in name order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableSchema {
    pub dimensions: Vec<String>,
    /// Measure names and their type (MULTI for multi-measure records).
    pub measures: Vec<(String, MeasureType)>,
    /// Attributes of multi-measure records and their type, table-wide.
    pub attributes: Vec<(String, MeasureType)>,
}

/// Reads table `table_id`'s schema from a snapshot.
pub fn schema(txn: &ReadTransaction, table_id: u64) -> Result<TableSchema, StorageError> {
    let table = match txn.open_table(TIMESTREAM_SCHEMA) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(TableSchema::default()),
        Err(e) => return Err(e.into()),
    };
    read(&table, table_id)
}

pub(super) fn read(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    table_id: u64,
) -> Result<TableSchema, StorageError> {
    let prefix = table_id.to_be_bytes();
    let end = (table_id + 1).to_be_bytes();
    let mut schema = TableSchema::default();
    for entry in table.range(prefix.as_slice()..end.as_slice())? {
        let (key, value) = entry?;
        let key = key.value();
        let name = std::str::from_utf8(&key[9..])
            .map_err(|_| corrupt())?
            .to_owned();
        let measure_type = || {
            value
                .value()
                .first()
                .copied()
                .and_then(MeasureType::from_tag)
                .ok_or_else(corrupt)
        };
        match key[8] {
            b'd' => schema.dimensions.push(name),
            b'm' => schema.measures.push((name, measure_type()?)),
            b'a' => schema.attributes.push((name, measure_type()?)),
            _ => return Err(corrupt()),
        }
    }
    Ok(schema)
}

fn corrupt() -> StorageError {
    StorageError::from(redb::StorageError::Corrupted(
        "timestream schema entry".to_owned(),
    ))
}

/// Looks an entry up inside a write closure: `None` when absent, else the measure type
/// (`None` inside for a dimension).
pub(super) fn get(
    table: &Table<'_, &'static [u8], &'static [u8]>,
    table_id: u64,
    kind: Kind,
    name: &str,
) -> Result<Option<Option<MeasureType>>, StorageError> {
    Ok(table
        .get(key(table_id, kind, name).as_slice())?
        .map(|v| v.value().first().copied().and_then(MeasureType::from_tag)))
}

pub(super) fn put(
    table: &mut Table<'_, &'static [u8], &'static [u8]>,
    table_id: u64,
    kind: Kind,
    name: &str,
    measure_type: Option<MeasureType>,
) -> Result<(), StorageError> {
    let value = measure_type.map(MeasureType::tag);
    table.insert(key(table_id, kind, name).as_slice(), value.as_slice())?;
    Ok(())
}
