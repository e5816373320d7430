//! The entries items have in secondary indexes: which items have one (sparse indexes: an item
//! lacking an index key attribute has none), under which key, holding which attributes, and
//! the service's checks on index key values.

use std::borrow::Cow;

use crate::dynamodb::catalog::{IndexMeta, KeySchema, Projection, TableMeta};
use crate::dynamodb::error::{DynamoError, Result};
use crate::dynamodb::item;
use crate::dynamodb::keys;
use crate::dynamodb::size;
use crate::dynamodb::value::{AttributeValue, Item};

/// The key of the entry `item` (stored under `item_key`) has in `index`, if it has one.
pub fn entry_key(index: &IndexMeta, item: &Item, item_key: &[u8]) -> Result<Option<Vec<u8>>> {
    let Some(pk) = item.get(&index.key_schema.partition.name) else {
        return Ok(None);
    };
    let sk = match &index.key_schema.sort {
        Some(sort) => match item.get(&sort.name) {
            Some(value) => Some(value),
            None => return Ok(None),
        },
        None => None,
    };
    let key = keys::index_entry_key(pk, sk, item_key).map_err(|e| {
        tracing::error!(error = %e, index = %index.name, "a checked index key does not encode");
        DynamoError::internal("Internal server error")
    })?;
    Ok(Some(key))
}

/// What an index entry holds: `item`'s projection, stored like an item, and its size as the
/// service counts item sizes. An index projecting everything holds the item as stored.
pub fn projection_of<'s>(
    index: &IndexMeta,
    table_keys: &KeySchema,
    item: &Item,
    stored: &'s [u8],
) -> Result<(Cow<'s, [u8]>, usize)> {
    if index.projection == Projection::All {
        return Ok((Cow::Borrowed(stored), item::stored_size(stored)?));
    }
    let projected: Item = item
        .iter()
        .filter(|(name, _)| index.projects(table_keys, name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let size = size::item_size(&projected);
    Ok((Cow::Owned(item::encode_stored(&projected, size)), size))
}

/// Where the item being checked came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Given whole (PutItem, BatchWriteItem).
    Item,
    /// The result of applying an update to the stored item.
    UpdateExpression,
}

/// The service's checks on the index key attributes of an item about to be written: each
/// present one has the type its definition gives and is not empty. Indexes are visited as
/// the service visits them (global, then local, each from the last defined).
///
/// The texts are the service's; an empty value set by an update expression is worded
/// differently from one in an item given whole.
pub fn check_item(meta: &TableMeta, item: &Item, origin: Origin) -> Result<()> {
    let indexes = meta
        .global_indexes
        .iter()
        .rev()
        .chain(meta.local_indexes.iter().rev());
    for index in indexes {
        for key in std::iter::once(&index.key_schema.partition).chain(&index.key_schema.sort) {
            if meta.key_schema.is_key_attribute(&key.name) {
                continue;
            }
            let Some(value) = item.get(&key.name) else {
                continue;
            };
            let actual = value.attribute_type().descriptor();
            if actual != key.attribute_type.as_str() {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: Type mismatch for Index Key {} \
                     Expected: {} Actual: {actual} IndexName: {}",
                    key.name,
                    key.attribute_type.as_str(),
                    index.name
                )));
            }
            let empty = match value {
                AttributeValue::S(s) => s.is_empty().then_some("string"),
                AttributeValue::B(b) => b.is_empty().then_some("binary"),
                _ => None,
            };
            if let Some(kind) = empty {
                return Err(DynamoError::validation(match origin {
                    Origin::Item => format!(
                        "One or more parameter values are not valid. A value specified for a \
                         secondary index key is not supported. The AttributeValue for a key \
                         attribute cannot contain an empty {kind} value. IndexName: {}, \
                         IndexKey: {}",
                        index.name, key.name
                    ),
                    Origin::UpdateExpression => format!(
                        "One or more parameter values are not valid. The update expression \
                         attempted to update a secondary index key to a value that is not \
                         supported. The AttributeValue for a key attribute cannot contain an \
                         empty {kind} value."
                    ),
                }));
            }
        }
    }
    Ok(())
}
