//! Every redb table the emulator uses, and how its keys and values are encoded.
//!
//! | table | key | value |
//! |---|---|---|
//! | `meta` | setting name (`&str`) | little-endian counters or UTF-8 |
//! | `dynamodb_catalog` | `region/table-name` | JSON `TableMeta` record (`dynamodb::catalog`) |
//! | `dynamodb_table_ids` | `region/table-name` | id of the live table under that name (u64) |
//! | `dynamodb_items_<id>` | `dynamodb::keys` stored key | item size (u32 LE) ‖ item as canonical DynamoDB JSON (`dynamodb::item`) |
//! | `dynamodb_collections` | table id (u64 BE) ‖ partition prefix (`dynamodb::keys`) | size of the item collection (u64 LE), for tables with local indexes |
//! | `dynamodb_index_<id>` | `dynamodb::keys` index entry key (index key ‖ the item's stored key) | the item's projection, stored like an item |
//! | `dynamodb_streams` | `region/table-name/stream-label` | JSON `StreamMeta` record of a stream, enabled or closed, until its retention ends (`dynamodb::streams`) |
//! | `dynamodb_stream_<id>` | sequence number (u64 BE) | creation time in ms since the epoch (u64 LE) ‖ the stream record as GetRecords returns it (`dynamodb::streams::records`) |
//! | `dynamodb_transaction_tokens` | `region/ClientRequestToken` | JSON record of the TransactWriteItems the token is bound to and its answer, with its expiry (`dynamodb::transaction::tokens`) |
//! | `timestream_databases` | `region/database` | JSON `DatabaseRecord` (`timestream::catalog`) |
//! | `timestream_tables` | `region/database/table` | JSON `TableRecord` (`timestream::catalog`) |
//! | `timestream_records_<id>` | `timestream::records` key: measure name ‖ time ‖ series (dimensions by name) | version ‖ measure value(s) (`timestream::records`) |
//! | `timestream_schema` | table id (u64 BE) ‖ kind ‖ name (`timestream::records`) | measure type, for measure names and multi-measure attributes; empty for dimension names |
//! | `dynamodb_transaction_token_expiry` | expiry in ms since the epoch (u64 BE) ‖ `region/ClientRequestToken` | empty: the tokens in expiry order, so expired ones are swept by a range scan |
//! | `registry_rows` | model_id | JSON `Row`: the seed's `model_registry` columns and a revision (`registry::rows`) |
//! | `registry_name_version` | model_name ‖ 0 ‖ version | model_id; unique (model_name, version) |
//! | `registry_status` | status byte ‖ model_name ‖ 0 ‖ version | model_id |
//! | `registry_tags` | tag ‖ 0 ‖ model_name ‖ 0 ‖ version | model_id |
//! | `registry_transitions` | model_id ‖ revision (u64 BE) | JSON `Transition`: from, to, who, when |
//! | `registry_registered_models` | model_name | JSON `RegisteredModel`: description, tags, next MLflow version (`registry::models`) |
//! | `registry_aliases` | model_name ‖ 0 ‖ alias | the version the alias points to |
//!
//! Item, index, stream record and Timestream record tables are named by ids that are never reused, so a
//! table (or index, or stream) deleted and created again under the same name never sees its predecessor's
//! entries.

use redb::TableDefinition;

pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
pub const DYNAMODB_CATALOG: TableDefinition<&str, &[u8]> = TableDefinition::new("dynamodb_catalog");
pub const DYNAMODB_TABLE_IDS: TableDefinition<&str, u64> =
    TableDefinition::new("dynamodb_table_ids");
pub const DYNAMODB_COLLECTIONS: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("dynamodb_collections");
pub const DYNAMODB_STREAMS: TableDefinition<&str, &[u8]> = TableDefinition::new("dynamodb_streams");
pub const DYNAMODB_TRANSACTION_TOKENS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("dynamodb_transaction_tokens");
pub const DYNAMODB_TRANSACTION_TOKEN_EXPIRY: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("dynamodb_transaction_token_expiry");

/// The redb table name holding the items of DynamoDB table `id`.
pub fn dynamodb_items_name(id: u64) -> String {
    format!("dynamodb_items_{id}")
}

/// Items of one DynamoDB table. The definition borrows `name`, built by
/// [`dynamodb_items_name`].
pub fn dynamodb_items(name: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
    TableDefinition::new(name)
}

/// The redb table name holding the entries of secondary index `id`.
pub fn dynamodb_index_name(id: u64) -> String {
    format!("dynamodb_index_{id}")
}

/// The redb table name holding the records of DynamoDB stream `id`.
pub fn dynamodb_stream_records_name(id: u64) -> String {
    format!("dynamodb_stream_{id}")
}

/// Records of one DynamoDB stream. The definition borrows `name`, built by
/// [`dynamodb_stream_records_name`].
pub fn dynamodb_stream_records(name: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
    TableDefinition::new(name)
}

pub const TIMESTREAM_DATABASES: TableDefinition<&str, &[u8]> =
    TableDefinition::new("timestream_databases");
pub const TIMESTREAM_TABLES: TableDefinition<&str, &[u8]> =
    TableDefinition::new("timestream_tables");
pub const TIMESTREAM_SCHEMA: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("timestream_schema");

/// The redb table name holding the records of Timestream table `id`.
pub fn timestream_records_name(id: u64) -> String {
    format!("timestream_records_{id}")
}

/// Records of one Timestream table. The definition borrows `name`, built by
/// [`timestream_records_name`].
pub fn timestream_records(name: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
    TableDefinition::new(name)
}

pub const REGISTRY_ROWS: TableDefinition<&str, &[u8]> = TableDefinition::new("registry_rows");
pub const REGISTRY_NAME_VERSION: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("registry_name_version");
pub const REGISTRY_STATUS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("registry_status");
pub const REGISTRY_TAGS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("registry_tags");
pub const REGISTRY_TRANSITIONS: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("registry_transitions");
pub const REGISTRY_REGISTERED_MODELS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("registry_registered_models");
pub const REGISTRY_ALIASES: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("registry_aliases");
