//! What every item operation shares: finding the table, validating primary keys against the
//! key schema, the item size limit, the stored form of an item, point reads, and the checks
//! on request members (`ReturnValues`, legacy parameters, placeholder maps) that several
//! operations make the same way.
//!
//! # The stored form
//!
//! An item is stored under the key [`PrimaryKey::stored_key`] (see `keys`) as
//!
//! ```text
//! [item size: u32, little-endian] [the item as canonical DynamoDB JSON]
//! ```
//!
//! The JSON is what `serde_json` writes for an [`Item`] (attributes sorted by name, numbers
//! normalised), so GetItem without a projection splices it into its answer unchanged
//! ([`StoredItem::json`]). The size prefix is the item's size as the service counts it
//! (`size::item_size`), so capacity and the 1 MB page limit never need the item decoded.
//! [`encode_stored`] writes this form, [`StoredItem::parse`] and [`decode_stored`] read it.
//!
//! # Error texts
//!
//! Key problems are worded as the service words them (recorded against it by dynalite's test
//! suite; DynamoDB Local words several differently, noted beside each):
//! - PutItem names the attribute: "One or more parameter values were invalid: Missing the key
//!   pk in the item" and "... Type mismatch for key pk expected: S actual: N" (DynamoDB Local:
//!   "One of the required keys was not given a value", "... Type mismatch for key").
//! - Key maps (GetItem, UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem's DeleteRequest)
//!   and BatchWriteItem's PutRequest items: "The provided key element does not match the
//!   schema" for a missing, extra or mistyped key attribute.
//! - Empty key values (checked against DynamoDB Local): "One or more parameter values are not
//!   valid. The AttributeValue for a key attribute cannot contain an empty string value. Key:
//!   pk" (`binary value` for B).
//! - Key sizes: "One or more parameter values were invalid: Size of hashkey has exceeded the
//!   maximum size limit of2048 bytes" (sic, no space) and "... Aggregated size of all range
//!   keys has exceeded the size limit of 1024 bytes" (DynamoDB Local: "Hash primary key values
//!   must be under 2048 bytes, and range primary key values must be under 1024 bytes").

use std::sync::Arc;

use redb::{AccessGuard, ReadTransaction};

use super::DynamoDb;
use super::catalog::{self, KeyAttribute, KeySchema, ScalarType, TableMeta, TableStatus};
use super::error::{DynamoError, Result};
use super::keys;
use super::size;
use super::value::{AttributeValue, Item};
use crate::storage::tables::dynamodb_items;
use crate::storage::{StorageError, Table, Txn};

/// Most bytes a partition key value (S or B) may have.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// Most bytes a sort key value (S or B) may have.
pub const MAX_SORT_KEY_BYTES: usize = 1024;

/// Length of the size prefix of a stored item.
const SIZE_PREFIX: usize = 4;

// ---------------------------------------------------------------------------------------
// Tables

/// The table a data-plane request names, or the service's ResourceNotFoundException
/// ("Requested resource not found"), which is also the answer while the table is still
/// CREATING.
pub fn live_table(db: &DynamoDb, region: &str, name: &str) -> Result<Arc<TableMeta>> {
    match db.catalog.get(region, name) {
        Some(meta) if meta.status() != TableStatus::Creating => Ok(meta),
        _ => Err(DynamoError::resource_not_found()),
    }
}

/// Inside a write closure: fails with ResourceNotFoundException unless `meta` is still the
/// live table under its name, so a write racing a DeleteTable leaves no orphaned item.
pub fn ensure_live(txn: &Txn<'_>, meta: &TableMeta) -> Result<()> {
    if catalog::is_live(txn, meta)? {
        Ok(())
    } else {
        Err(DynamoError::resource_not_found())
    }
}

/// The `TableName` member: required, 3 to 255 characters of `[a-zA-Z0-9_.-]`, or a table
/// ARN (whose name part is returned). Violations are pushed onto `v` (and an empty name is
/// returned) so they can be reported together with the request's other constraint errors.
pub fn table_name<'a>(name: Option<&'a str>, member: &str, v: &mut Violations) -> &'a str {
    let Some(name) = name else {
        v.null(member);
        return "";
    };
    if let Some(rest) = name.strip_prefix("arn:") {
        // arn:aws:dynamodb:<region>:<account>:table/<name>
        if let Some((_, table)) = rest.rsplit_once(":table/")
            && is_valid_table_name(table)
        {
            return table;
        }
    }
    let valid_chars = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    if !valid_chars {
        v.push(
            name,
            member,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        );
    }
    if name.len() < 3 {
        v.push(
            name,
            member,
            "Member must have length greater than or equal to 3",
        );
    } else if name.len() > 255 {
        v.push(
            name,
            member,
            "Member must have length less than or equal to 255",
        );
    }
    name
}

/// The table name in a name or a table ARN (already checked by [`table_name`] or
/// [`check_request_items_table_name`]).
pub fn resolve_table_name(name: &str) -> &str {
    match name
        .strip_prefix("arn:")
        .and_then(|rest| rest.rsplit_once(":table/"))
    {
        Some((_, table)) => table,
        None => name,
    }
}

/// A table name used as a key of BatchGetItem's or BatchWriteItem's `RequestItems`, with the
/// service's map-key constraint message. (The service quotes the whole map, rendered by
/// Java, as the value; we quote only the offending name.)
pub fn check_request_items_table_name(name: &str, v: &mut Violations) {
    let mut own = Violations::new();
    table_name(Some(name), "requestItems", &mut own);
    if !own.is_empty() {
        v.push(
            format_args!("{{{name}=..}}"),
            "requestItems",
            "Map keys must satisfy constraint: [Member must have length less than or equal to \
             255, Member must have length greater than or equal to 3, Member must satisfy \
             regular expression pattern: [a-zA-Z0-9_.-]+]",
        );
    }
}

fn is_valid_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

// ---------------------------------------------------------------------------------------
// Constraint violations

/// Coral-level constraint violations (`Value 'x' at 'member' failed to satisfy constraint:
/// ...`), reported together as the service does: "2 validation errors detected: a; b".
#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, value: impl std::fmt::Display, member: &str, constraint: &str) {
        self.0.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A required member that is missing.
    pub fn null(&mut self, member: &str) {
        self.0.push(format!(
            "Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ));
    }

    /// An enumeration member: `parse` maps a known wire value; an unknown one is a violation
    /// ("Member must satisfy enum value set: [..]") and yields the default.
    pub fn enumeration<T: Default>(
        &mut self,
        value: Option<&str>,
        member: &str,
        enum_set: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> T {
        let Some(value) = value else {
            return T::default();
        };
        parse(value).unwrap_or_else(|| {
            self.push(
                value,
                member,
                &format!("Member must satisfy enum value set: {enum_set}"),
            );
            T::default()
        })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<()> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(DynamoError::validation(format!(
                "{n} validation error{} detected: {}",
                if n == 1 { "" } else { "s" },
                self.0.join("; ")
            ))),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Request members shared by the item operations

/// `ReturnValues`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnValues {
    #[default]
    None,
    AllOld,
    UpdatedOld,
    AllNew,
    UpdatedNew,
}

impl ReturnValues {
    /// The wire enum set, in the order the service lists it.
    pub const ENUM_SET: &'static str = "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]";

    pub fn from_wire(value: &str) -> Option<Self> {
        Some(match value {
            "NONE" => Self::None,
            "ALL_OLD" => Self::AllOld,
            "UPDATED_OLD" => Self::UpdatedOld,
            "ALL_NEW" => Self::AllNew,
            "UPDATED_NEW" => Self::UpdatedNew,
            _ => return None,
        })
    }

    /// Parses the member, pushing a violation for a value outside the enum.
    pub fn parse(value: Option<&str>, v: &mut Violations) -> Self {
        v.enumeration(value, "returnValues", Self::ENUM_SET, Self::from_wire)
    }

    /// PutItem and DeleteItem accept only NONE and ALL_OLD; the service refuses the others
    /// with this text (checked against DynamoDB Local).
    pub fn only_none_or_all_old(self) -> Result<Self> {
        match self {
            Self::None | Self::AllOld => Ok(self),
            _ => Err(DynamoError::validation(
                "Return values set to invalid value",
            )),
        }
    }
}

/// `ReturnValuesOnConditionCheckFailure`: whether a failed condition returns the old item.
pub fn return_old_on_condition_failure(value: Option<&str>, v: &mut Violations) -> bool {
    v.enumeration(
        value,
        "returnValuesOnConditionCheckFailure",
        "[ALL_OLD, NONE]",
        |s| match s {
            "ALL_OLD" => Some(true),
            "NONE" => Some(false),
            _ => None,
        },
    )
}

/// `ReturnItemCollectionMetrics` (NONE or SIZE): true for SIZE. Item collection metrics
/// concern tables with local secondary indexes only; for any other table the service
/// returns none.
pub fn check_return_item_collection_metrics(value: Option<&str>, v: &mut Violations) -> bool {
    v.enumeration(
        value,
        "returnItemCollectionMetrics",
        "[SIZE, NONE]",
        |s| match s {
            "SIZE" => Some(true),
            "NONE" => Some(false),
            _ => None,
        },
    )
}

/// The expression members of a write whose only expression is a `ConditionExpression`
/// (PutItem, DeleteItem): the parameter-use checks, then the parsed condition.
pub struct ConditionMembers<'a> {
    pub condition_expression: Option<&'a str>,
    pub conditional_operator: bool,
    pub expected: bool,
    pub names: Option<&'a std::collections::HashMap<String, String>>,
    pub values: Option<&'a std::collections::HashMap<String, super::value::AttributeValue>>,
}

pub fn parse_write_condition(m: &ConditionMembers<'_>) -> Result<Option<super::expr::Condition>> {
    check_parameter_use(&ParameterUse {
        expressions: &[("ConditionExpression", m.condition_expression.is_some())],
        legacy: &[
            ("ConditionalOperator", m.conditional_operator),
            ("Expected", m.expected),
        ],
        has_names: m.names.is_some(),
        has_values: m.values.is_some(),
    })?;
    let mut attrs = super::expr::ExpressionAttributes::new(m.names, m.values);
    let condition = m
        .condition_expression
        .map(|src| {
            super::expr::parse_condition(src, super::expr::ExpressionKind::Condition, &mut attrs)
        })
        .transpose()?;
    attrs.finish()?;
    Ok(condition)
}

/// The expression members of an update (UpdateItem, a transaction's Update).
pub struct UpdateMembers<'a> {
    pub update_expression: Option<&'a str>,
    pub condition_expression: Option<&'a str>,
    pub attribute_updates: bool,
    pub conditional_operator: bool,
    pub expected: bool,
    pub names: Option<&'a std::collections::HashMap<String, String>>,
    pub values: Option<&'a std::collections::HashMap<String, super::value::AttributeValue>>,
}

/// The parameter-use checks of an update, then its parsed update and condition.
pub fn parse_update_members(
    m: &UpdateMembers<'_>,
) -> Result<(
    Option<super::expr::UpdateExpression>,
    Option<super::expr::Condition>,
)> {
    check_parameter_use(&ParameterUse {
        expressions: &[
            ("UpdateExpression", m.update_expression.is_some()),
            ("ConditionExpression", m.condition_expression.is_some()),
        ],
        legacy: &[
            ("AttributeUpdates", m.attribute_updates),
            ("ConditionalOperator", m.conditional_operator),
            ("Expected", m.expected),
        ],
        has_names: m.names.is_some(),
        has_values: m.values.is_some(),
    })?;
    let mut attrs = super::expr::ExpressionAttributes::new(m.names, m.values);
    let update = m
        .update_expression
        .map(|src| super::expr::parse_update(src, &mut attrs))
        .transpose()?;
    let condition = m
        .condition_expression
        .map(|src| {
            super::expr::parse_condition(src, super::expr::ExpressionKind::Condition, &mut attrs)
        })
        .transpose()?;
    attrs.finish()?;
    Ok((update, condition))
}

/// The request members PutItem, UpdateItem and DeleteItem share, as they named them.
pub struct WriteMembers<'a> {
    pub table_name: Option<&'a str>,
    /// The member holding the item or key (`item` or `key`) and whether it was sent.
    pub target: (&'static str, bool),
    pub return_consumed_capacity: Option<&'a str>,
    pub return_values: Option<&'a str>,
    pub return_item_collection_metrics: Option<&'a str>,
    pub return_values_on_condition_check_failure: Option<&'a str>,
    /// The legacy `ConditionalOperator` that qualifies `Expected`.
    pub conditional_operator: Option<&'a str>,
}

/// The checked shared members of a single-item write.
pub struct WriteOptions<'a> {
    pub table_name: &'a str,
    pub return_consumed_capacity: super::capacity::ReturnConsumedCapacity,
    pub return_values: ReturnValues,
    pub old_on_failure: bool,
    /// `ReturnItemCollectionMetrics: SIZE`.
    pub collection_metrics: bool,
    pub conditional_operator: Option<super::legacy::ConditionalOperator>,
}

/// Checks the shared members of a single-item write, every constraint violation reported
/// together in the service's order.
pub fn check_write_members<'a>(m: &WriteMembers<'a>) -> Result<WriteOptions<'a>> {
    let mut v = Violations::new();
    let return_consumed_capacity = return_consumed_capacity(m.return_consumed_capacity, &mut v);
    let table_name = table_name(m.table_name, "tableName", &mut v);
    if !m.target.1 {
        v.null(m.target.0);
    }
    let return_values = ReturnValues::parse(m.return_values, &mut v);
    let collection_metrics =
        check_return_item_collection_metrics(m.return_item_collection_metrics, &mut v);
    let old_on_failure =
        return_old_on_condition_failure(m.return_values_on_condition_check_failure, &mut v);
    let conditional_operator =
        super::legacy::ConditionalOperator::parse(m.conditional_operator, &mut v);
    v.into_result()?;
    Ok(WriteOptions {
        table_name,
        return_consumed_capacity,
        return_values,
        old_on_failure,
        collection_metrics,
        conditional_operator,
    })
}

/// `ReturnConsumedCapacity`, pushing a violation for a value outside the enum.
pub fn return_consumed_capacity(
    value: Option<&str>,
    v: &mut Violations,
) -> super::capacity::ReturnConsumedCapacity {
    use super::capacity::ReturnConsumedCapacity as Rcc;
    v.enumeration(value, "returnConsumedCapacity", Rcc::ENUM_SET, |s| {
        Rcc::parse(Some(s)).ok()
    })
}

/// Which expression and legacy members a request carries, by wire name. The order of each
/// list is the order the service names them in its messages.
pub struct ParameterUse<'a> {
    /// Expression members (`UpdateExpression`, `ConditionExpression`, `ProjectionExpression`)
    /// and whether each was sent.
    pub expressions: &'a [(&'static str, bool)],
    /// Legacy members (`AttributeUpdates`, `AttributesToGet`, `ConditionalOperator`,
    /// `Expected`), alphabetically, and whether each was sent.
    pub legacy: &'a [(&'static str, bool)],
    pub has_names: bool,
    pub has_values: bool,
}

/// The service's checks on which parameters go together, in its order (checked against
/// DynamoDB Local):
/// 1. placeholder maps without an expression to use them: "ExpressionAttributeNames can only
///    be specified when using expressions"; "ExpressionAttributeValues can only be specified
///    when using expressions: ConditionExpression is null" (the expressions that take values,
///    joined with " and ", "are null" for several);
/// 2. legacy and expression members together: "Can not use both expression and
///    non-expression parameters in the same request: Non-expression parameters: {Expected}
///    Expression parameters: {ConditionExpression}".
///
/// Problems inside the maps (empty maps, malformed keys) are `expr::ExpressionAttributes`'s
/// to report, at the first parse.
pub fn check_parameter_use(p: &ParameterUse<'_>) -> Result<()> {
    // Nothing here allocates unless a check fails: this runs on every item request.
    let any_expression = p.expressions.iter().any(|(_, sent)| *sent);
    if p.has_names && !any_expression {
        return Err(DynamoError::validation(
            "ExpressionAttributeNames can only be specified when using expressions",
        ));
    }
    let takes_values = |name: &str| name != "ProjectionExpression";
    let values_usable = p
        .expressions
        .iter()
        .any(|(name, sent)| *sent && takes_values(name));
    if p.has_values && !values_usable {
        let value_expressions: Vec<&str> = p
            .expressions
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| takes_values(name))
            .collect();
        if !value_expressions.is_empty() {
            return Err(DynamoError::validation(format!(
                "ExpressionAttributeValues can only be specified when using expressions: {} {} \
                 null",
                value_expressions.join(" and "),
                if value_expressions.len() > 1 {
                    "are"
                } else {
                    "is"
                }
            )));
        }
    }
    if !any_expression || !p.legacy.iter().any(|(_, sent)| *sent) {
        return Ok(());
    }
    let sent = |list: &[(&'static str, bool)]| -> Vec<&'static str> {
        list.iter()
            .filter(|(_, sent)| *sent)
            .map(|(name, _)| *name)
            .collect()
    };
    Err(DynamoError::validation(format!(
        "Can not use both expression and non-expression parameters in the same request: \
         Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
        sent(p.legacy).join(", "),
        sent(p.expressions).join(", ")
    )))
}

// ---------------------------------------------------------------------------------------
// Primary keys

/// The key attribute values of one item, borrowed from the request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrimaryKey<'a> {
    pub partition: &'a AttributeValue,
    pub sort: Option<&'a AttributeValue>,
}

impl PrimaryKey<'_> {
    /// The redb key the item is stored under. The key was validated when this was built, so
    /// an encoding failure is an internal error.
    pub fn stored_key(&self) -> Result<Vec<u8>> {
        keys::item_key(self.partition, self.sort).map_err(|e| {
            tracing::error!(error = %e, "a validated key does not encode");
            DynamoError::internal("Internal server error")
        })
    }

    /// The key as an item holding only the key attributes (what UpdateItem creates when the
    /// item is missing).
    pub fn to_item(&self, schema: &KeySchema) -> Item {
        let mut item = Item::new();
        item.insert(schema.partition.name.clone(), self.partition.clone());
        if let (Some(sort), Some(value)) = (&schema.sort, self.sort) {
            item.insert(sort.name.clone(), value.clone());
        }
        item
    }
}

/// How a request's key problems are worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wording {
    /// PutItem: missing and mistyped attributes are named.
    Item,
    /// Key maps and BatchWriteItem's PutRequest: "The provided key element does not match
    /// the schema".
    Schema,
}

fn key_mismatch() -> DynamoError {
    DynamoError::validation("The provided key element does not match the schema")
}

/// The primary key of a whole item, for PutItem: every key attribute present with its
/// declared type, non-empty and within the size limits.
pub fn key_of_item<'a>(schema: &KeySchema, item: &'a Item) -> Result<PrimaryKey<'a>> {
    key_attributes(schema, item, Wording::Item)
}

/// The primary key of an item in BatchWriteItem's PutRequest: the same checks as
/// [`key_of_item`], with the schema-mismatch wording.
pub fn key_of_batch_item<'a>(schema: &KeySchema, item: &'a Item) -> Result<PrimaryKey<'a>> {
    key_attributes(schema, item, Wording::Schema)
}

/// A `Key` map (GetItem, UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem's
/// DeleteRequest, ExclusiveStartKey): exactly the key attributes, each of its declared
/// type, non-empty and within the size limits.
pub fn validate_key<'a>(schema: &KeySchema, key: &'a Item) -> Result<PrimaryKey<'a>> {
    let expected = 1 + usize::from(schema.sort.is_some());
    if key.len() != expected {
        return Err(key_mismatch());
    }
    key_attributes(schema, key, Wording::Schema)
}

fn key_attributes<'a>(
    schema: &KeySchema,
    item: &'a Item,
    wording: Wording,
) -> Result<PrimaryKey<'a>> {
    let partition = key_attribute(&schema.partition, item, wording, MAX_PARTITION_KEY_BYTES)?;
    let sort = match &schema.sort {
        Some(sort) => Some(key_attribute(sort, item, wording, MAX_SORT_KEY_BYTES)?),
        None => None,
    };
    Ok(PrimaryKey { partition, sort })
}

fn key_attribute<'a>(
    attribute: &KeyAttribute,
    item: &'a Item,
    wording: Wording,
    max_bytes: usize,
) -> Result<&'a AttributeValue> {
    let name = &attribute.name;
    let Some(value) = item.get(name) else {
        return Err(match wording {
            Wording::Item => DynamoError::validation(format!(
                "One or more parameter values were invalid: Missing the key {name} in the item"
            )),
            Wording::Schema => key_mismatch(),
        });
    };
    let bytes = match (attribute.attribute_type, value) {
        (ScalarType::S, AttributeValue::S(s)) => s.len(),
        (ScalarType::B, AttributeValue::B(b)) => b.len(),
        (ScalarType::N, AttributeValue::N(_)) => return Ok(value),
        (expected, actual) => {
            return Err(match wording {
                Wording::Item => DynamoError::validation(format!(
                    "One or more parameter values were invalid: Type mismatch for key {name} \
                     expected: {} actual: {}",
                    expected.as_str(),
                    actual.attribute_type().descriptor()
                )),
                Wording::Schema => key_mismatch(),
            });
        }
    };
    if bytes == 0 {
        let kind = if attribute.attribute_type == ScalarType::S {
            "string"
        } else {
            "binary"
        };
        return Err(DynamoError::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute \
             cannot contain an empty {kind} value. Key: {name}"
        )));
    }
    if bytes > max_bytes {
        return Err(DynamoError::validation(
            if max_bytes == MAX_PARTITION_KEY_BYTES {
                // The service's text has no space before the number.
                "One or more parameter values were invalid: Size of hashkey has exceeded the \
                 maximum size limit of2048 bytes"
            } else {
                "One or more parameter values were invalid: Aggregated size of all range keys \
                 has exceeded the size limit of 1024 bytes"
            },
        ));
    }
    Ok(value)
}

// ---------------------------------------------------------------------------------------
// Item size

/// The item's size as the service counts it, or the service's error when it exceeds 400 KB
/// ("Item size has exceeded the maximum allowed size"). PutItem and BatchWriteItem check
/// this before they look the table up, as the service does.
pub fn check_item_size(item: &Item) -> Result<usize> {
    let size = size::item_size(item);
    if size > size::MAX_ITEM_SIZE {
        return Err(DynamoError::validation(
            "Item size has exceeded the maximum allowed size",
        ));
    }
    Ok(size)
}

/// The size check UpdateItem makes on the updated item.
pub fn check_updated_item_size(item: &Item) -> Result<usize> {
    let size = size::item_size(item);
    if size > size::MAX_ITEM_SIZE {
        return Err(DynamoError::validation(
            "Item size to update has exceeded the maximum allowed size",
        ));
    }
    Ok(size)
}

// ---------------------------------------------------------------------------------------
// The stored form

/// Encodes `item`, whose size (`size::item_size`) is `size`, in the stored form.
pub fn encode_stored(item: &Item, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIZE_PREFIX + size + size / 2 + 16);
    let size = u32::try_from(size).expect("items are at most 400 KB");
    out.extend_from_slice(&size.to_le_bytes());
    serde_json::to_writer(&mut out, item).expect("an Item always serializes");
    out
}

/// A stored item, borrowed: its size and its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredItem<'a> {
    /// The item's size as the service counts it.
    pub size: usize,
    /// The item as canonical DynamoDB JSON, ready to splice into an answer.
    pub json: &'a [u8],
}

impl<'a> StoredItem<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<StoredItem<'a>> {
        let Some((size, json)) = bytes.split_first_chunk::<SIZE_PREFIX>() else {
            return Err(corrupt("a stored item is shorter than its size prefix"));
        };
        Ok(StoredItem {
            size: u32::from_le_bytes(*size) as usize,
            json,
        })
    }

    pub fn decode(&self) -> Result<Item> {
        serde_json::from_slice(self.json)
            .map_err(|e| corrupt(&format!("a stored item does not decode: {e}")))
    }
}

/// Decodes a stored item.
pub fn decode_stored(bytes: &[u8]) -> Result<Item> {
    StoredItem::parse(bytes)?.decode()
}

/// The size of a stored item, without decoding it.
pub fn stored_size(bytes: &[u8]) -> Result<usize> {
    Ok(StoredItem::parse(bytes)?.size)
}

fn corrupt(what: &str) -> DynamoError {
    tracing::error!("{what}");
    DynamoError::internal("Internal server error")
}

// ---------------------------------------------------------------------------------------
// Point reads

/// Reads the stored item under `key` from a read snapshot. The guard keeps the snapshot
/// alive and borrows the stored bytes without copying them.
pub fn get_stored(
    txn: &ReadTransaction,
    meta: &TableMeta,
    key: &[u8],
) -> Result<Option<AccessGuard<'static, &'static [u8]>>> {
    let name = meta.items_table_name();
    let table = match txn.open_table(dynamodb_items(&name)) {
        Ok(table) => table,
        // A table nothing was ever written to has no redb table yet.
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(StorageError::from(e).into()),
    };
    Ok(table.get(key).map_err(StorageError::from)?)
}

/// Opens `meta`'s items table inside a write closure (creating it if nothing was written
/// to it yet).
pub fn open_items<'t>(txn: &'t Txn<'_>, meta: &TableMeta) -> Result<ItemsTable<'t>> {
    let name = meta.items_table_name();
    Ok(txn.open(dynamodb_items(&name))?)
}

/// An items table opened inside a write closure.
pub type ItemsTable<'t> = Table<'t, &'static [u8], &'static [u8]>;

/// Reads the stored item under `key` from an open items table (for instance inside a write
/// closure), copied out.
pub fn get_stored_in(table: &ItemsTable<'_>, key: &[u8]) -> Result<Option<Vec<u8>>> {
    Ok(table.get(key)?.map(|guard| guard.value().to_vec()))
}

// ---------------------------------------------------------------------------------------
// Inside write closures

/// The service's ConditionalCheckFailedException for a write whose `ConditionExpression`
/// did not hold against `old` (the item as stored, if any). It carries the old item as
/// `Item` when the request set `ReturnValuesOnConditionCheckFailure` to `ALL_OLD` and
/// there was one.
pub fn condition_failed(old: Option<&Item>, return_old: bool) -> DynamoError {
    let error = DynamoError::conditional_check_failed();
    match old {
        Some(item) if return_old => error.with_extra(
            "Item",
            serde_json::to_value(item).expect("an Item always serializes"),
        ),
        _ => error,
    }
}

/// What a write replaced or removed: the old item's size, and its bytes when asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub size: usize,
    pub bytes: Option<Vec<u8>>,
}

impl Replaced {
    fn from_guard(guard: &AccessGuard<'_, &'static [u8]>, keep_bytes: bool) -> Result<Replaced> {
        let bytes = guard.value();
        Ok(Replaced {
            size: stored_size(bytes)?,
            bytes: keep_bytes.then(|| bytes.to_vec()),
        })
    }
}

/// Writes a stored item; says what it replaced (with the old bytes when `keep_old`).
pub fn insert(
    table: &mut ItemsTable<'_>,
    key: &[u8],
    stored: &[u8],
    keep_old: bool,
) -> Result<Option<Replaced>> {
    let old = table.insert(key, stored)?;
    old.map(|guard| Replaced::from_guard(&guard, keep_old))
        .transpose()
}

/// Removes a stored item; says what it removed (with the old bytes when `keep_old`).
pub fn remove(table: &mut ItemsTable<'_>, key: &[u8], keep_old: bool) -> Result<Option<Replaced>> {
    let old = table.remove(key)?;
    old.map(|guard| Replaced::from_guard(&guard, keep_old))
        .transpose()
}

/// Helpers for the item operations' tests: a service on an in-memory store, tables created
/// straight in the catalog, items written as DynamoDB JSON.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use super::super::DynamoDb;
    use super::super::catalog::{self, ScalarType, TableMeta};
    use super::super::error::DynamoError;
    use super::super::ops::create_table;
    use super::super::value::Item;
    use crate::config::Config;
    use crate::storage::Store;

    pub const REGION: &str = "us-east-1";

    pub fn service() -> DynamoDb {
        let store = Arc::new(Store::in_memory().expect("an in-memory store"));
        DynamoDb::open(store, &Config::ephemeral()).expect("an empty catalog loads")
    }

    /// Creates table `name` (through CreateTable) keyed by `pk` and, if given, `sk`.
    pub async fn create_table(
        db: &DynamoDb,
        name: &str,
        pk: ScalarType,
        sk: Option<ScalarType>,
    ) -> Arc<TableMeta> {
        let mut definitions = vec![format!(
            r#"{{"AttributeName":"pk","AttributeType":"{}"}}"#,
            pk.as_str()
        )];
        let mut schema = vec![r#"{"AttributeName":"pk","KeyType":"HASH"}"#.to_owned()];
        if let Some(sk) = sk {
            definitions.push(format!(
                r#"{{"AttributeName":"sk","AttributeType":"{}"}}"#,
                sk.as_str()
            ));
            schema.push(r#"{"AttributeName":"sk","KeyType":"RANGE"}"#.to_owned());
        }
        let body = format!(
            r#"{{"TableName":"{name}","AttributeDefinitions":[{}],"KeySchema":[{}],
                "BillingMode":"PAY_PER_REQUEST"}}"#,
            definitions.join(","),
            schema.join(",")
        );
        let input = serde_json::from_str(&body).expect("a valid CreateTable request");
        create_table::create_table(db, REGION, input)
            .await
            .expect("the table is created");
        db.catalog.get(REGION, name).expect("just created")
    }

    /// Removes table `name` from the stored catalog only, as a DeleteTable racing a write
    /// would have done by the time the write runs.
    pub async fn drop_stored_meta(db: &DynamoDb, name: &str) {
        let name = name.to_owned();
        db.store
            .write(move |txn| catalog::remove_meta(txn, REGION, &name).expect("removed"))
            .await
            .expect("the catalog write commits");
    }

    /// A request body decoded as the dispatcher decodes it: the input, and the attribute-value
    /// validation error `json::decode_deferred` held back, if any.
    pub fn request<T: serde::de::DeserializeOwned>(json: &str) -> (T, Option<DynamoError>) {
        super::super::json::decode_deferred(json.as_bytes()).expect("a decodable request")
    }

    /// An item (or key) written as DynamoDB JSON.
    pub fn item(json: &str) -> Item {
        serde_json::from_str(json).expect("valid DynamoDB JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::table_writer::TableWriter;
    use crate::dynamodb::value::Number;

    fn schema(sort: Option<ScalarType>) -> KeySchema {
        KeySchema {
            partition: KeyAttribute {
                name: "pk".into(),
                attribute_type: ScalarType::S,
            },
            sort: sort.map(|t| KeyAttribute {
                name: "sk".into(),
                attribute_type: t,
            }),
        }
    }

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    fn n(v: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(v).unwrap())
    }

    fn item(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.unwrap_err().message
    }

    #[test]
    fn put_item_keys_name_the_attribute() {
        let hs = schema(None);
        assert_eq!(
            message(key_of_item(&hs, &item(&[("x", s("a"))]))),
            "One or more parameter values were invalid: Missing the key pk in the item"
        );
        assert_eq!(
            message(key_of_item(&hs, &item(&[("pk", n("1"))]))),
            "One or more parameter values were invalid: Type mismatch for key pk expected: S \
             actual: N"
        );
        let hr = schema(Some(ScalarType::N));
        assert_eq!(
            message(key_of_item(&hr, &item(&[("pk", s("a"))]))),
            "One or more parameter values were invalid: Missing the key sk in the item"
        );
        assert_eq!(
            message(key_of_item(
                &hr,
                &item(&[("pk", s("a")), ("sk", AttributeValue::Ss(vec!["a".into()]))])
            )),
            "One or more parameter values were invalid: Type mismatch for key sk expected: N \
             actual: SS"
        );
        let ok = item(&[("pk", s("a")), ("sk", n("1")), ("other", s(""))]);
        let key = key_of_item(&hr, &ok).unwrap();
        assert_eq!(key.partition, &s("a"));
        assert_eq!(key.sort, Some(&n("1")));
        assert_eq!(key.to_item(&hr), item(&[("pk", s("a")), ("sk", n("1"))]));
    }

    #[test]
    fn key_maps_must_match_the_schema_exactly() {
        let hs = schema(None);
        let mismatch = "The provided key element does not match the schema";
        assert_eq!(message(validate_key(&hs, &Item::new())), mismatch);
        assert_eq!(
            message(validate_key(&hs, &item(&[("x", s("a"))]))),
            mismatch
        );
        assert_eq!(
            message(validate_key(&hs, &item(&[("pk", n("1"))]))),
            mismatch
        );
        assert_eq!(
            message(validate_key(&hs, &item(&[("pk", s("a")), ("x", s("b"))]))),
            mismatch
        );
        assert_eq!(
            message(validate_key(
                &schema(Some(ScalarType::S)),
                &item(&[("pk", s("a"))])
            )),
            mismatch
        );
        assert_eq!(
            message(key_of_batch_item(&hs, &item(&[("x", s("a"))]))),
            mismatch
        );
        assert!(validate_key(&hs, &item(&[("pk", s("a"))])).is_ok());
    }

    #[test]
    fn empty_and_oversized_key_values_are_refused() {
        let hs = schema(None);
        assert_eq!(
            message(validate_key(&hs, &item(&[("pk", s(""))]))),
            "One or more parameter values are not valid. The AttributeValue for a key \
             attribute cannot contain an empty string value. Key: pk"
        );
        let hb = schema(Some(ScalarType::B));
        assert_eq!(
            message(key_of_item(
                &hb,
                &item(&[("pk", s("a")), ("sk", AttributeValue::B(vec![]))])
            )),
            "One or more parameter values are not valid. The AttributeValue for a key \
             attribute cannot contain an empty binary value. Key: sk"
        );
        assert!(key_of_item(&hs, &item(&[("pk", s(&"a".repeat(2048)))])).is_ok());
        assert_eq!(
            message(key_of_item(&hs, &item(&[("pk", s(&"a".repeat(2049)))]))),
            "One or more parameter values were invalid: Size of hashkey has exceeded the \
             maximum size limit of2048 bytes"
        );
        let hr = schema(Some(ScalarType::S));
        assert!(validate_key(&hr, &item(&[("pk", s("a")), ("sk", s(&"é".repeat(512)))])).is_ok());
        assert_eq!(
            message(validate_key(
                &hr,
                &item(&[("pk", s("a")), ("sk", s(&"a".repeat(1025)))])
            )),
            "One or more parameter values were invalid: Aggregated size of all range keys has \
             exceeded the size limit of 1024 bytes"
        );
    }

    #[test]
    fn item_size_is_limited_to_400_kb() {
        let small = item(&[("pk", s("a"))]);
        assert_eq!(check_item_size(&small).unwrap(), size::item_size(&small));
        // name "pk" (2) + "a" (1) + name "b" (1) + value: one byte over.
        let big = item(&[("pk", s("a")), ("b", s(&"x".repeat(400 * 1024 - 3)))]);
        assert_eq!(
            message(check_item_size(&big)),
            "Item size has exceeded the maximum allowed size"
        );
        assert_eq!(
            message(check_updated_item_size(&big)),
            "Item size to update has exceeded the maximum allowed size"
        );
        let fits = item(&[("pk", s("a")), ("b", s(&"x".repeat(400 * 1024 - 4)))]);
        assert!(check_item_size(&fits).is_ok());
    }

    #[test]
    fn stored_form_round_trips_with_its_size() {
        let it = item(&[
            ("pk", s("a")),
            ("n", n("1.50")),
            ("b", AttributeValue::Bool(true)),
        ]);
        let size = size::item_size(&it);
        let bytes = encode_stored(&it, size);
        let stored = StoredItem::parse(&bytes).unwrap();
        assert_eq!(stored.size, size);
        assert_eq!(
            std::str::from_utf8(stored.json).unwrap(),
            r#"{"b":{"BOOL":true},"n":{"N":"1.5"},"pk":{"S":"a"}}"#
        );
        assert_eq!(decode_stored(&bytes).unwrap(), it);
        assert_eq!(stored_size(&bytes).unwrap(), size);
        assert!(StoredItem::parse(b"ab").is_err());
    }

    #[tokio::test]
    async fn writes_report_what_they_replace_and_keep_the_table_size() {
        let db = testing::service();
        let meta = testing::create_table(&db, "tbl", ScalarType::S, None).await;
        assert!(live_table(&db, testing::REGION, "tbl").is_ok());
        assert_eq!(
            live_table(&db, testing::REGION, "nope")
                .unwrap_err()
                .message,
            "Requested resource not found"
        );
        let it = testing::item(r#"{"pk":{"S":"a"},"n":{"N":"1"}}"#);
        let key = validate_key(&meta.key_schema, &testing::item(r#"{"pk":{"S":"a"}}"#))
            .unwrap()
            .stored_key()
            .unwrap();
        let txn = db.store.read().unwrap();
        assert!(get_stored(&txn, &meta, &key).unwrap().is_none());
        drop(txn);

        let size = size::item_size(&it);
        let stored = encode_stored(&it, size);
        let (m, k, s, i) = (Arc::clone(&meta), key.clone(), stored.clone(), it.clone());
        let (first, second, removed) = db
            .store
            .write(move |txn| -> Result<_> {
                let mut table = TableWriter::open(txn, &m)?;
                let first = table.put(&k, &i, &s, true)?;
                let second = table.put(&k, &i, &s, false)?;
                assert_eq!(table.get(&k)?.as_deref(), Some(&s[..]));
                let removed = table.delete(&k, true)?;
                table.put(&k, &i, &s, false)?;
                Ok((first, second, removed))
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first, None);
        assert_eq!(second, Some(Replaced { size, bytes: None }));
        assert_eq!(
            removed,
            Some(Replaced {
                size,
                bytes: Some(stored.clone())
            })
        );
        let txn = db.store.read().unwrap();
        let guard = get_stored(&txn, &meta, &key).unwrap().unwrap();
        assert_eq!(
            StoredItem::parse(guard.value()).unwrap().decode().unwrap(),
            it
        );
        assert_eq!(catalog::table_size(&txn, meta.id).unwrap(), size as u64);

        // A write that runs after a DeleteTable committed finds the table gone.
        testing::drop_stored_meta(&db, "tbl").await;
        let m = Arc::clone(&meta);
        let e = db
            .store
            .write(move |txn| ensure_live(txn, &m))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            e.code,
            super::super::error::ErrorCode::ResourceNotFoundException
        );
    }

    #[test]
    fn table_names_follow_the_service_constraints() {
        let mut v = Violations::new();
        assert_eq!(
            table_name(Some("good_name-1.x"), "tableName", &mut v),
            "good_name-1.x"
        );
        assert_eq!(
            table_name(
                Some("arn:aws:dynamodb:us-east-1:000000000000:table/Music"),
                "tableName",
                &mut v
            ),
            "Music"
        );
        assert!(v.is_empty());
        table_name(None, "tableName", &mut v);
        assert_eq!(
            v.into_result().unwrap_err().message,
            "1 validation error detected: Value null at 'tableName' failed to satisfy \
             constraint: Member must not be null"
        );
        let mut v = Violations::new();
        table_name(Some("a;"), "tableName", &mut v);
        assert_eq!(
            v.into_result().unwrap_err().message,
            "2 validation errors detected: Value 'a;' at 'tableName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; \
             Value 'a;' at 'tableName' failed to satisfy constraint: Member must have length \
             greater than or equal to 3"
        );
    }

    #[test]
    fn return_values_parse_and_restrict() {
        let mut v = Violations::new();
        assert_eq!(ReturnValues::parse(None, &mut v), ReturnValues::None);
        assert_eq!(
            ReturnValues::parse(Some("UPDATED_NEW"), &mut v),
            ReturnValues::UpdatedNew
        );
        assert!(v.is_empty());
        assert_eq!(
            message(ReturnValues::AllNew.only_none_or_all_old()),
            "Return values set to invalid value"
        );
        assert!(ReturnValues::AllOld.only_none_or_all_old().is_ok());
        ReturnValues::parse(Some("hi"), &mut v);
        assert!(return_old_on_condition_failure(Some("ALL_OLD"), &mut v));
        return_old_on_condition_failure(Some("x"), &mut v);
        assert_eq!(
            v.into_result().unwrap_err().message,
            "2 validation errors detected: Value 'hi' at 'returnValues' failed to satisfy \
             constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, \
             NONE, UPDATED_NEW]; Value 'x' at 'returnValuesOnConditionCheckFailure' failed to \
             satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]"
        );
    }

    #[test]
    fn parameter_use_follows_the_service_order() {
        let check = |exprs: &[(&'static str, bool)],
                     legacy: &[(&'static str, bool)],
                     names: bool,
                     values: bool| {
            check_parameter_use(&ParameterUse {
                expressions: exprs,
                legacy,
                has_names: names,
                has_values: values,
            })
        };
        let put = [("ConditionExpression", false)];
        let update = [("UpdateExpression", false), ("ConditionExpression", false)];
        assert!(check(&put, &[("Expected", false)], false, false).is_ok());
        assert_eq!(
            message(check(&put, &[], true, true)),
            "ExpressionAttributeNames can only be specified when using expressions"
        );
        assert_eq!(
            message(check(&put, &[], false, true)),
            "ExpressionAttributeValues can only be specified when using expressions: \
             ConditionExpression is null"
        );
        assert_eq!(
            message(check(&update, &[], false, true)),
            "ExpressionAttributeValues can only be specified when using expressions: \
             UpdateExpression and ConditionExpression are null"
        );
        assert_eq!(
            message(check(
                &[("UpdateExpression", true), ("ConditionExpression", true)],
                &[("AttributeUpdates", true), ("Expected", true)],
                false,
                false
            )),
            "Can not use both expression and non-expression parameters in the same request: \
             Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: \
             {UpdateExpression, ConditionExpression}"
        );
        // Legacy members alone are the translation's to check.
        assert!(check(&put, &[("Expected", true)], false, false).is_ok());
        // ProjectionExpression takes no values: GetItem has no expression that licenses them.
        assert!(check(&[("ProjectionExpression", true)], &[], true, true).is_ok());
    }
}
