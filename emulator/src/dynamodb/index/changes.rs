//! UpdateTable's `GlobalSecondaryIndexUpdates`: creating a global index (filled from the
//! table's items in the same transaction), deleting one, and changing one's provisioned
//! throughput, with the service's rules (texts checked against DynamoDB Local).
//!
//! A created index is described CREATING with `Backfilling` until the table's activation
//! delay has passed, as the service describes an index being filled; its entries are
//! complete from the moment the UpdateTable answer is sent.

use redb::ReadableTable;

use super::definition::{self, TableContext};
use crate::dynamodb::catalog::{self, BillingMode, IndexKind, KeyAttribute, ScalarType, TableMeta};
use crate::dynamodb::error::{DynamoError, ErrorCode, Result};
use crate::dynamodb::index::entries;
use crate::dynamodb::item;
use crate::dynamodb::ops::create_table::Violations;
use crate::dynamodb::types::table::{AttributeDefinition, GlobalSecondaryIndexUpdate};
use crate::storage::Txn;
use crate::storage::tables::dynamodb_items;

/// The member constraints of the updates, reported with the request's others.
pub(crate) fn check_members(updates: &[GlobalSecondaryIndexUpdate], v: &mut Violations) {
    let creates: Vec<_> = updates.iter().filter_map(|u| u.create.clone()).collect();
    definition::check_members(Some(&creates), "globalSecondaryIndexUpdates", v);
}

/// Applies `updates` to `meta` inside UpdateTable's write closure: checks each against the
/// table as committed, then creates (and fills) or drops the index tables. `now` and
/// `activation_delay` are in seconds.
pub fn apply(
    txn: &Txn<'_>,
    meta: &mut TableMeta,
    updates: &[GlobalSecondaryIndexUpdate],
    definitions: Option<&[AttributeDefinition]>,
    now: f64,
    activation_delay: f64,
) -> Result<()> {
    let online = updates
        .iter()
        .filter(|u| u.create.is_some() || u.delete.is_some())
        .count();
    if online > 1 {
        return Err(DynamoError::new(
            ErrorCode::LimitExceededException,
            "Subscriber limit exceeded: Only 1 online index can be created or deleted \
             simultaneously per table",
        ));
    }
    // Every check first: a closure that fails must not have written.
    for update in updates {
        match (&update.create, &update.update, &update.delete) {
            (Some(create), None, None) => {
                let name = create.index_name.as_deref().unwrap_or_default();
                if meta.index(name).is_some() {
                    return Err(DynamoError::validation(
                        "Attempting to create an index which already exists",
                    ));
                }
                if meta.global_indexes.len() >= definition::MAX_GLOBAL_INDEXES {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: GlobalSecondaryIndex count \
                         exceeds the per-table limit of {}",
                        definition::MAX_GLOBAL_INDEXES
                    )));
                }
            }
            (None, Some(change), None) => {
                let name = change.index_name.as_deref().unwrap_or_default();
                if !meta.global_indexes.iter().any(|i| i.name == name) {
                    return Err(DynamoError::resource_not_found());
                }
                if change.provisioned_throughput.is_none() {
                    return Err(DynamoError::validation(
                        "1 validation error detected: Value null at \
                         'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput' \
                         failed to satisfy constraint: Member must not be null",
                    ));
                }
                if meta.billing_mode == BillingMode::PayPerRequest {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: ProvisionedThroughput \
                         should not be specified for index: {name} when BillingMode is \
                         PAY_PER_REQUEST"
                    )));
                }
            }
            (None, None, Some(delete)) => {
                let name = delete.index_name.as_deref().unwrap_or_default();
                if !meta.global_indexes.iter().any(|i| i.name == name) {
                    return Err(DynamoError::resource_not_found());
                }
            }
            _ => {
                return Err(DynamoError::validation(
                    "Update global secondary index action is null",
                ));
            }
        }
    }
    for update in updates {
        if let Some(create) = &update.create {
            create_index(txn, meta, create, definitions, now + activation_delay)?;
        } else if let Some(change) = &update.update {
            let name = change.index_name.as_deref().unwrap_or_default();
            let pt = change.provisioned_throughput.unwrap_or_default();
            let index = meta
                .global_indexes
                .iter_mut()
                .find(|i| i.name == name)
                .expect("checked above");
            index.provisioned = Some((
                pt.read_capacity_units.unwrap_or(1).max(1) as u64,
                pt.write_capacity_units.unwrap_or(1).max(1) as u64,
            ));
        } else if let Some(delete) = &update.delete {
            let name = delete.index_name.as_deref().unwrap_or_default();
            let position = meta
                .global_indexes
                .iter()
                .position(|i| i.name == name)
                .expect("checked above");
            let index = meta.global_indexes.remove(position);
            txn.delete_table(dynamodb_items(&index.entries_table_name()))?;
            catalog::remove_index_size(txn, index.id)?;
            meta.write_generation += 1;
        }
    }
    Ok(())
}

/// Keeps the global indexes' capacity in step with a billing mode switch: a table switched to
/// PROVISIONED needs every global index's capacity (given with the switch, as index
/// updates); one switched to PAY_PER_REQUEST drops them.
pub fn check_index_billing(old: &TableMeta, new: &mut TableMeta) -> Result<()> {
    match (old.billing_mode, new.billing_mode) {
        (BillingMode::PayPerRequest, BillingMode::Provisioned) => {
            if let Some(index) = new.global_indexes.iter().find(|i| i.provisioned.is_none()) {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: ProvisionedThroughput must be \
                     specified for index: {}",
                    index.name
                )));
            }
        }
        (BillingMode::Provisioned, BillingMode::PayPerRequest) => {
            for index in &mut new.global_indexes {
                index.provisioned = None;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Defines the index and fills it from the table's items.
fn create_index(
    txn: &Txn<'_>,
    meta: &mut TableMeta,
    spec: &crate::dynamodb::types::table::SecondaryIndex,
    definitions: Option<&[AttributeDefinition]>,
    active_at: f64,
) -> Result<()> {
    // The table's definitions, with the request's for attributes it did not define.
    let mut merged = meta.attribute_definitions.clone();
    for d in definitions.unwrap_or_default() {
        let name = d.attribute_name.clone().unwrap_or_default();
        if !merged.iter().any(|m| m.name == name) {
            merged.push(KeyAttribute {
                name,
                attribute_type: match d.attribute_type.as_deref() {
                    Some("N") => ScalarType::N,
                    Some("B") => ScalarType::B,
                    _ => ScalarType::S,
                },
            });
        }
    }
    let context = TableContext {
        key_schema: &meta.key_schema,
        definitions: &merged,
        provisioned: meta.billing_mode == BillingMode::Provisioned,
    };
    let mut index = definition::build_one(IndexKind::Global, spec, &context)?;
    index.id = catalog::next_table_id(txn)?;
    index.active_at = active_at;
    for key in std::iter::once(&index.key_schema.partition).chain(&index.key_schema.sort) {
        if !meta
            .attribute_definitions
            .iter()
            .any(|d| d.name == key.name)
        {
            meta.attribute_definitions.push(key.clone());
        }
    }
    txn.create_table(dynamodb_items(&index.entries_table_name()))?;

    // Fill the index. Items whose index key has the wrong type are left out, as the service's
    // backfill leaves them out (it reports them as violations).
    let items = item::open_items(txn, meta)?;
    let mut entries_table = txn.open(dynamodb_items(&index.entries_table_name()))?;
    let mut size: i64 = 0;
    let mut probe = meta.clone();
    probe.global_indexes = vec![index.clone()];
    probe.local_indexes.clear();
    for entry in items
        .read()
        .iter()
        .map_err(crate::storage::StorageError::from)?
    {
        let (key, value) = entry.map_err(crate::storage::StorageError::from)?;
        let stored = value.value();
        let it = item::decode_stored(stored)?;
        if entries::check_item(&probe, &it, entries::Origin::Item).is_err() {
            continue;
        }
        let Some(entry_key) = entries::entry_key(&index, &it, key.value())? else {
            continue;
        };
        let (projection, projected_size) =
            entries::projection_of(&index, &meta.key_schema, &it, stored)?;
        entries_table.insert(entry_key.as_slice(), projection.as_ref())?;
        size += projected_size as i64;
    }
    drop(entries_table);
    drop(items);
    catalog::adjust_index_size(txn, index.id, size)?;
    meta.global_indexes.push(index);
    meta.write_generation += 1;
    Ok(())
}
