//! Global and local secondary indexes.
//!
//! An index is a redb table of its own (`dynamodb_index_<id>`), kept in step with the
//! table's items by `TableWriter` in the same transaction as each item write. Its keys are
//! `keys::index_entry_key` (index key, then the item's stored key, so that items sharing
//! index key values have distinct entries); its values are the projected attributes, stored
//! like items, so that Query and Scan read an index the way they read a table.
//!
//! - `definition`: the index definitions of CreateTable and UpdateTable, checked.
//! - `changes`: UpdateTable's index creations (with backfill), deletions and updates.
//! - `collections`: item collection sizes of tables with local indexes (limit, metrics).
//! - `entries`: which entry an item has in an index, and the checks on index key values.

pub mod changes;
pub mod collections;
pub mod definition;
pub mod entries;
