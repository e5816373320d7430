//! The catalog of DynamoDB tables: durable in redb (`dynamodb_catalog`), cached in a
//! `DashMap` so that every data-plane request finds its table without a storage read.
//!
//! Invariant: the cache is changed only after the write that changed the stored catalog
//! has committed, and only by the operation that made that write.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use dashmap::DashMap;
use redb::{ReadTransaction, ReadableTable};
use serde::{Deserialize, Serialize};

use super::error::{DynamoError, Result};
use super::streams::TableStream;
use crate::storage::tables::{DYNAMODB_CATALOG, DYNAMODB_TABLE_IDS, META};
use crate::storage::{StorageError, Store, Txn};

/// The scalar types a key attribute may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttribute {
    pub name: String,
    pub attribute_type: ScalarType,
}

/// A table's primary key: partition (HASH) key and optional sort (RANGE) key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySchema {
    pub partition: KeyAttribute,
    pub sort: Option<KeyAttribute>,
}

impl KeySchema {
    pub fn is_key_attribute(&self, name: &str) -> bool {
        self.partition.name == name || self.sort.as_ref().is_some_and(|s| s.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillingMode {
    Provisioned,
    PayPerRequest,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::Provisioned => "PROVISIONED",
            BillingMode::PayPerRequest => "PAY_PER_REQUEST",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionedThroughput {
    pub read_capacity_units: u64,
    pub write_capacity_units: u64,
    /// Epoch seconds of the last increase / decrease, as DescribeTable reports them.
    pub last_increase: Option<f64>,
    pub last_decrease: Option<f64>,
    pub decreases_today: u64,
}

/// Which attributes a secondary index holds besides the index and table keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Projection {
    All,
    KeysOnly,
    /// The named non-key attributes, in the order the request listed them.
    Include(Vec<String>),
}

impl Projection {
    pub fn type_str(&self) -> &'static str {
        match self {
            Projection::All => "ALL",
            Projection::KeysOnly => "KEYS_ONLY",
            Projection::Include(_) => "INCLUDE",
        }
    }
}

/// A global or local secondary index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexMeta {
    /// Never reused (drawn from the table ids); names the redb table holding the entries.
    pub id: u64,
    pub name: String,
    pub key_schema: KeySchema,
    pub projection: Projection,
    /// A global index's own provisioned capacity (read, write units) while the table is
    /// PROVISIONED; always `None` for a local index.
    pub provisioned: Option<(u64, u64)>,
    /// Epoch seconds at which a CREATING index turns ACTIVE.
    pub active_at: f64,
}

impl IndexMeta {
    pub fn entries_table_name(&self) -> String {
        crate::storage::tables::dynamodb_index_name(self.id)
    }

    /// Whether the index holds `name` (a key of the index or of the table, or projected).
    pub fn projects(&self, table_keys: &KeySchema, name: &str) -> bool {
        match &self.projection {
            Projection::All => true,
            Projection::KeysOnly => {
                self.key_schema.is_key_attribute(name) || table_keys.is_key_attribute(name)
            }
            Projection::Include(names) => {
                self.key_schema.is_key_attribute(name)
                    || table_keys.is_key_attribute(name)
                    || names.iter().any(|n| n == name)
            }
        }
    }
}

/// Whether an index is global or local.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Global,
    Local,
}

/// Everything stored about one table. Its JSON form is a storage record, not a wire shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableMeta {
    /// Never reused; names the redb table holding the items.
    pub id: u64,
    pub region: String,
    pub name: String,
    pub arn: String,
    /// The service's TableId (a UUID).
    pub table_id: String,
    pub key_schema: KeySchema,
    /// AttributeDefinitions as given at creation, in order.
    pub attribute_definitions: Vec<KeyAttribute>,
    pub billing_mode: BillingMode,
    /// The provisioned capacity. Always `Some` while `billing_mode` is PROVISIONED; a table
    /// switched to PAY_PER_REQUEST keeps its last settings here (DescribeTable still reports
    /// their Last*DateTime), so read `billing_mode` to learn which mode applies.
    pub provisioned: Option<ProvisionedThroughput>,
    /// Epoch seconds.
    pub created_at: f64,
    /// Epoch seconds at which a CREATING table turns ACTIVE.
    pub active_at: f64,
    /// Epoch seconds at which the table last became PAY_PER_REQUEST (at creation or by
    /// UpdateTable): BillingModeSummary's LastUpdateToPayPerRequestDateTime. Kept after a
    /// switch back to PROVISIONED, as the service keeps it.
    pub billing_mode_updated_at: Option<f64>,
    pub deletion_protection: bool,
    /// Set when the class was named at creation or changed since; absent means STANDARD.
    pub table_class: Option<String>,
    pub tags: Vec<(String, String)>,
    /// Epoch seconds of the last TableClass change by UpdateTable.
    #[serde(default)]
    pub table_class_updated_at: Option<f64>,
    /// The table's WarmThroughput (read, write units per second): the highest capacity it
    /// was ever provisioned with, and at least 12000/4000 once it has been on demand.
    /// (0, 0) in records written before this field existed: derived when described.
    #[serde(default)]
    pub warm_throughput: (u64, u64),
    /// Bumped by every change to what an item write maintains besides the item: the
    /// table's indexes and its stream (mirrored in the `meta` table, see
    /// [`write_generation`]), so that a write prepared with an older description notices.
    #[serde(default, alias = "index_generation")]
    pub write_generation: u64,
    #[serde(default)]
    pub global_indexes: Vec<IndexMeta>,
    #[serde(default)]
    pub local_indexes: Vec<IndexMeta>,
    /// The last UpdateTimeToLive; `None` while TTL was never enabled.
    #[serde(default)]
    pub time_to_live: Option<TimeToLive>,
    /// The latest stream; `None` while no stream was ever enabled.
    #[serde(default)]
    pub stream: Option<TableStream>,
}

/// A table's Time to Live setting as UpdateTimeToLive last left it (`dynamodb::ttl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeToLive {
    pub attribute_name: String,
    pub enabled: bool,
    /// Epoch seconds until which the change is in progress (ENABLING or DISABLING).
    pub settles_at: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStatus {
    Creating,
    Active,
    Deleting,
}

impl TableStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TableStatus::Creating => "CREATING",
            TableStatus::Active => "ACTIVE",
            TableStatus::Deleting => "DELETING",
        }
    }
}

impl TableMeta {
    pub fn items_table_name(&self) -> String {
        crate::storage::tables::dynamodb_items_name(self.id)
    }

    /// The index named `name`, global or local.
    pub fn index(&self, name: &str) -> Option<(IndexKind, &IndexMeta)> {
        let global = self.global_indexes.iter().map(|i| (IndexKind::Global, i));
        let local = self.local_indexes.iter().map(|i| (IndexKind::Local, i));
        global.chain(local).find(|(_, i)| i.name == name)
    }

    /// Every secondary index, global first.
    pub fn indexes(&self) -> impl Iterator<Item = &IndexMeta> {
        self.global_indexes.iter().chain(&self.local_indexes)
    }

    /// The type an attribute must have to be written: key attributes of the table or of an
    /// index have the type their definition gives.
    pub fn defined_type(&self, name: &str) -> Option<ScalarType> {
        self.attribute_definitions
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.attribute_type)
    }

    pub fn status(&self) -> TableStatus {
        if now_epoch_seconds() < self.active_at {
            TableStatus::Creating
        } else {
            TableStatus::Active
        }
    }
}

pub fn now_epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn catalog_key(region: &str, name: &str) -> String {
    format!("{region}/{name}")
}

/// Tables by region, then by name: two levels so that a lookup borrows the request's
/// strings instead of building an owned key.
#[derive(Default)]
pub struct Catalog {
    regions: DashMap<String, Arc<DashMap<String, Arc<TableMeta>>>>,
    /// Serializes [`Catalog::refresh`]: without it, two control-plane writes that commit in
    /// one order could update the cache in the other and leave it stale. Held for one read
    /// (about a microsecond), so a std mutex on the async worker is fine.
    refresh_lock: std::sync::Mutex<()>,
}

impl Catalog {
    /// Reads every stored table description into the cache.
    pub fn load(store: &Store) -> std::result::Result<Catalog, StorageError> {
        let catalog = Catalog::default();
        let txn = store.read()?;
        let table = match txn.open_table(DYNAMODB_CATALOG) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(catalog),
            Err(e) => return Err(e.into()),
        };
        for entry in table.iter().map_err(redb::Error::from)? {
            let (_, value) = entry.map_err(redb::Error::from)?;
            let meta: TableMeta = serde_json::from_slice(value.value()).map_err(|e| {
                StorageError::from(redb::Error::Io(std::io::Error::other(format!(
                    "corrupt catalog record: {e}"
                ))))
            })?;
            catalog.insert(meta);
        }
        Ok(catalog)
    }

    pub fn get(&self, region: &str, name: &str) -> Option<Arc<TableMeta>> {
        let tables = self.regions.get(region)?;
        tables.get(name).map(|e| Arc::clone(&e))
    }

    /// The table, or the service's ResourceNotFoundException.
    pub fn require(&self, region: &str, name: &str) -> Result<Arc<TableMeta>> {
        self.get(region, name)
            .ok_or_else(|| DynamoError::table_not_found(name))
    }

    /// Names of the region's tables, sorted as ListTables returns them.
    pub fn names(&self, region: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .regions
            .get(region)
            .map(|tables| tables.iter().map(|e| e.key().clone()).collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    pub fn insert(&self, meta: TableMeta) {
        let tables = Arc::clone(&self.regions.entry(meta.region.clone()).or_default());
        tables.insert(meta.name.clone(), Arc::new(meta));
    }

    /// Every table of every region.
    pub fn all(&self) -> Vec<Arc<TableMeta>> {
        self.regions
            .iter()
            .flat_map(|tables| {
                tables
                    .iter()
                    .map(|e| Arc::clone(e.value()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    pub fn remove(&self, region: &str, name: &str) {
        if let Some(tables) = self.regions.get(region) {
            tables.remove(name);
        }
    }

    /// Makes the cached entry for `region`/`name` equal to the stored catalog record (or
    /// removes it). Control-plane operations call this after their write has committed:
    /// refreshes run one at a time and each reads the latest committed state, so the cache
    /// ends up equal to storage whatever order concurrent operations finish in.
    pub fn refresh(
        &self,
        store: &Store,
        region: &str,
        name: &str,
    ) -> std::result::Result<(), StorageError> {
        let _guard = self
            .refresh_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let txn = store.read()?;
        let stored = match txn.open_table(DYNAMODB_CATALOG) {
            Ok(table) => table
                .get(catalog_key(region, name).as_str())?
                .and_then(|v| serde_json::from_slice::<TableMeta>(v.value()).ok()),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(e.into()),
        };
        match stored {
            Some(meta) => self.insert(meta),
            None => self.remove(region, name),
        }
        Ok(())
    }
}

/// Reads a table's stored description inside a write transaction (the authoritative copy
/// for serializable checks such as "does this table still exist").
pub fn stored_meta(
    txn: &Txn<'_>,
    region: &str,
    name: &str,
) -> std::result::Result<Option<TableMeta>, StorageError> {
    let table = txn.open(DYNAMODB_CATALOG)?;
    let Some(value) = table.get(catalog_key(region, name).as_str())? else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(value.value()).ok())
}

/// True when table `id` is still the live table under its name. Every data-plane write
/// asks this on the writer thread, so it reads the small id index rather than parsing the
/// whole stored description.
pub fn is_live(txn: &Txn<'_>, meta: &TableMeta) -> std::result::Result<bool, StorageError> {
    let ids = txn.open(DYNAMODB_TABLE_IDS)?;
    let live = ids.get(catalog_key(&meta.region, &meta.name).as_str())?;
    Ok(live.is_some_and(|id| id.value() == meta.id))
}

pub fn store_meta(txn: &Txn<'_>, meta: &TableMeta) -> std::result::Result<(), StorageError> {
    let bytes = serde_json::to_vec(meta).expect("a TableMeta always serializes");
    let key = catalog_key(&meta.region, &meta.name);
    txn.open(DYNAMODB_CATALOG)?
        .insert(key.as_str(), bytes.as_slice())?;
    txn.open(DYNAMODB_TABLE_IDS)?
        .insert(key.as_str(), meta.id)?;
    Ok(())
}

pub fn remove_meta(
    txn: &Txn<'_>,
    region: &str,
    name: &str,
) -> std::result::Result<(), StorageError> {
    let key = catalog_key(region, name);
    txn.open(DYNAMODB_CATALOG)?.remove(key.as_str())?;
    txn.open(DYNAMODB_TABLE_IDS)?.remove(key.as_str())?;
    Ok(())
}

fn write_generation_key(id: u64) -> String {
    // Named when only index changes bumped it; kept so that stored counters stay valid.
    format!("dynamodb.index_generation.{id}")
}

/// The write generation of table `id` as committed (0 until its indexes or stream first
/// change). Item writes compare it with the description they were prepared with: a
/// description from before an index was created or deleted, or a stream enabled or
/// disabled, must not be used to write, or the write would miss (or resurrect) the index's
/// entries or the stream's records.
pub fn write_generation(txn: &Txn<'_>, id: u64) -> std::result::Result<u64, StorageError> {
    let table = txn.open(META)?;
    let value = table.get(write_generation_key(id).as_str())?;
    Ok(value
        .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(0))
}

/// Records `meta.write_generation` as committed (with the description that has it).
pub fn store_write_generation(
    txn: &Txn<'_>,
    meta: &TableMeta,
) -> std::result::Result<(), StorageError> {
    txn.open(META)?.insert(
        write_generation_key(meta.id).as_str(),
        meta.write_generation.to_le_bytes().as_slice(),
    )?;
    Ok(())
}

/// Allocates the next table id; ids are never reused.
pub fn next_table_id(txn: &Txn<'_>) -> std::result::Result<u64, StorageError> {
    const KEY: &str = "dynamodb.next_table_id";
    let mut table = txn.open(META)?;
    let next = table
        .get(KEY)?
        .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(1);
    table.insert(KEY, (next + 1).to_le_bytes().as_slice())?;
    Ok(next)
}

// ---------------------------------------------------------------------------------------
// TableSizeBytes

fn table_size_key(id: u64) -> String {
    format!("dynamodb.table_size.{id}")
}

/// Adds `delta_bytes` (negative to subtract) to the TableSizeBytes that DescribeTable reports
/// for `meta`'s table; the sum saturates at 0.
///
/// Item writes call this inside their write closure, in the same transaction as the item
/// change, with the difference between the new and the old item's size (`size::item_size`):
/// +new for an insert, new − old for a replace, −old for a delete. The counter then never
/// disagrees with the items, even after a crash. It lives in the `meta` table under
/// `dynamodb.table_size.<id>` (little-endian u64) and DeleteTable removes it. ItemCount needs
/// no counter: it is the items table's length, which redb keeps.
pub fn adjust_table_size(
    txn: &Txn<'_>,
    meta: &TableMeta,
    delta_bytes: i64,
) -> std::result::Result<(), StorageError> {
    adjust_size_counter(txn, &table_size_key(meta.id), delta_bytes)
}

/// The IndexSizeBytes counter of index `id`, kept like TableSizeBytes (under
/// `dynamodb.index_size.<id>`) by the index entry writes.
pub fn adjust_index_size(
    txn: &Txn<'_>,
    id: u64,
    delta_bytes: i64,
) -> std::result::Result<(), StorageError> {
    adjust_size_counter(txn, &index_size_key(id), delta_bytes)
}

/// The IndexSizeBytes counter of index `id` (0 when nothing was ever written).
pub fn index_size(txn: &ReadTransaction, id: u64) -> std::result::Result<u64, StorageError> {
    size_counter(txn, &index_size_key(id))
}

fn index_size_key(id: u64) -> String {
    format!("dynamodb.index_size.{id}")
}

/// Drops index `id`'s IndexSizeBytes counter (DeleteTable, index deletion) and returns its
/// last value.
pub fn remove_index_size(txn: &Txn<'_>, id: u64) -> std::result::Result<u64, StorageError> {
    remove_size_counter(txn, &index_size_key(id))
}

fn adjust_size_counter(
    txn: &Txn<'_>,
    key: &str,
    delta_bytes: i64,
) -> std::result::Result<(), StorageError> {
    if delta_bytes == 0 {
        return Ok(());
    }
    let mut table = txn.open(META)?;
    let current = table
        .get(key)?
        .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(0);
    let next = current.saturating_add_signed(delta_bytes);
    table.insert(key, next.to_le_bytes().as_slice())?;
    Ok(())
}

/// The TableSizeBytes counter of table `id` (0 when nothing was ever written).
pub fn table_size(txn: &ReadTransaction, id: u64) -> std::result::Result<u64, StorageError> {
    size_counter(txn, &table_size_key(id))
}

fn size_counter(txn: &ReadTransaction, key: &str) -> std::result::Result<u64, StorageError> {
    let table = match txn.open_table(META) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    Ok(table
        .get(key)?
        .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(0))
}

/// Drops table `id`'s TableSizeBytes counter (DeleteTable) and returns its last value.
pub fn remove_table_size(txn: &Txn<'_>, id: u64) -> std::result::Result<u64, StorageError> {
    remove_size_counter(txn, &table_size_key(id))
}

fn remove_size_counter(txn: &Txn<'_>, key: &str) -> std::result::Result<u64, StorageError> {
    let mut table = txn.open(META)?;
    let removed = table
        .remove(key)?
        .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(0);
    Ok(removed)
}
