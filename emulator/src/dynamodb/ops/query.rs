//! Query: the items of one partition, in sort-key order, one page at a time.
//!
//! ```text
//! {"TableName":"t","KeyConditionExpression":"pk = :p AND sk > :s",
//!  "ExpressionAttributeValues":{":p":{"S":"a"},":s":{"N":"1"}},"Limit":2}
//! → {"Items":[..],"Count":2,"ScannedCount":2,"LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"3"}}}
//! ```
//!
//! The key condition becomes one redb range inside the partition's key prefix (`keys`), read
//! forward or, with `ScanIndexForward: false`, backward; `ExclusiveStartKey` moves the
//! range's near end past the key. The page runs inline on the async worker: it is bounded by
//! `Limit` and by 1 MB of items read, a few milliseconds at most, less than the cost of
//! handing it to a blocking pool for the usual small page.

use std::ops::Bound;

use super::super::DynamoDb;
use super::super::capacity;
use super::super::catalog::KeySchema;
use super::super::error::{DynamoError, Result};
use super::super::expr::{self, ExpressionAttributes, ExpressionKind};
use super::super::item::{self, ParameterUse, Violations};
use super::super::keys::{self, KeyRange};
use super::super::page::{self, PageSpec, is_set};
use super::super::throttle::Access;
use super::super::types::query::{QueryInput, QueryOutput};
use crate::storage::StorageError;
use crate::storage::tables::dynamodb_items;

/// Answers one Query. `deferred` is the attribute-value error `json::decode_deferred` held
/// back, reported after the table lookup as the service does.
///
/// The checks run in DynamoDB Local's order: the members' model constraints, the table, the
/// index, which parameters go together, the held-back value errors, the expressions, paths
/// into key attributes, the start key, the filter's use of key attributes, and last `Select`
/// with the projection.
pub fn query(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (QueryInput, Option<DynamoError>),
) -> Result<QueryOutput> {
    let mut v = Violations::new();
    let table_name = item::table_name(input.table_name.as_deref(), "tableName", &mut v);
    page::check_index_name(input.index_name.as_deref(), &mut v);
    let select = page::Select::parse(input.select.as_deref(), &mut v);
    let limit = page::limit(input.limit, &mut v);
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    v.into_result()?;

    let meta = item::live_table(db, region, table_name)?;
    let consistent = input.consistent_read.unwrap_or(false);
    let source = page::Source::resolve(&meta, input.index_name.as_deref(), consistent)?;
    let schema = source.key_schema();

    let has_kce = input.key_condition_expression.is_some();
    item::check_parameter_use(&ParameterUse {
        expressions: &[
            (
                "ProjectionExpression",
                input.projection_expression.is_some(),
            ),
            ("FilterExpression", input.filter_expression.is_some()),
            ("KeyConditionExpression", has_kce),
        ],
        // The service lets a legacy KeyConditions go with the other expressions; only
        // KeyConditionExpression excludes it.
        legacy: &[
            ("AttributesToGet", is_set(input.attributes_to_get)),
            ("QueryFilter", is_set(input.query_filter)),
            ("ConditionalOperator", is_set(input.conditional_operator)),
            ("KeyConditions", has_kce && is_set(input.key_conditions)),
        ],
        has_names: input.expression_attribute_names.is_some(),
        has_values: input.expression_attribute_values.is_some(),
    })?;
    let Some(key_condition_src) = input.key_condition_expression.as_deref() else {
        if is_set(input.key_conditions) {
            return Err(item::legacy_parameters_unsupported(&["KeyConditions"]));
        }
        return Err(DynamoError::validation(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in \
             the request.",
        ));
    };
    if let Some(e) = deferred {
        return Err(e);
    }

    let mut attrs = ExpressionAttributes::new(
        input.expression_attribute_names.as_ref(),
        input.expression_attribute_values.as_ref(),
    );
    // The service's order: filter, projection, key condition (as a condition), unused
    // placeholders, and only then the key condition against the schema.
    let filter = input
        .filter_expression
        .as_deref()
        .map(|src| expr::parse_condition(src, ExpressionKind::Filter, &mut attrs))
        .transpose()?;
    let projection = input
        .projection_expression
        .as_deref()
        .map(|src| expr::parse_projection(src, &mut attrs))
        .transpose()?;
    let key_condition_tree =
        expr::parse_condition(key_condition_src, ExpressionKind::KeyCondition, &mut attrs)?;
    attrs.finish()?;
    let key_condition = expr::key_condition(&key_condition_tree, schema)?;
    page::check_key_paths(schema, filter.as_ref(), projection.as_ref())?;

    let range = match source.index {
        None => keys::query_range(&key_condition.partition, key_condition.sort_condition()),
        Some(_) => {
            keys::index_query_range(&key_condition.partition, key_condition.sort_condition())
        }
    }
    .map_err(|e| internal_key_error(&e))?;
    let forward = input.scan_index_forward.unwrap_or(true);
    let range = match &input.exclusive_start_key {
        Some(start) => after_start_key(&source.start_key(start)?, range, forward)?,
        None => range,
    };
    if let Some(filter) = &filter {
        check_filter_keys(filter, schema)?;
    }
    let shape = page::shape(
        select,
        input.projection_expression.is_some(),
        input.index_name.is_some(),
    )?;
    let reads_through = source.reads_through(select, filter.as_ref(), projection.as_ref(), true)?;

    db.throttle
        .admit(&meta, Access::Read, input.index_name.as_deref(), "Query")?;
    // Read inline: a page is bounded by Limit and by 1 MB of items read.
    let txn = db.store.read()?;
    let name = source.storage_name();
    let key_names = source.start_key_names();
    let read_through = page::ReadThroughTable::new(&txn, &meta, reads_through)?;
    let mut page = match txn.open_table(dynamodb_items(&name)) {
        // A table nothing was ever written to has no redb table yet.
        Err(redb::TableError::TableDoesNotExist(_)) => page::Page::default(),
        Err(e) => return Err(StorageError::from(e).into()),
        Ok(_) if range.is_empty() => page::Page::default(),
        Ok(table) => {
            let entries = table
                .range::<&[u8]>(range.as_slices())
                .map_err(StorageError::from)?;
            let read = |entry: &[u8]| read_through.read(entry);
            let spec = PageSpec {
                key_names: &key_names,
                read_through: reads_through.then_some(&read as page::ReadThrough<'_>),
                limit,
                filter: filter.as_ref(),
                projection: projection.as_ref(),
                shape,
            };
            if forward {
                page::read_page(entries, &spec)?
            } else {
                page::read_page(entries.rev(), &spec)?
            }
        }
    };
    if source.index.is_none() && schema.sort.is_none() {
        // A partition of a table without a sort key holds one item; DynamoDB Local never
        // offers to continue such a Query.
        page.last_evaluated_key = None;
    }

    let charge = page.charge(&source, consistent);
    db.throttle.charge(&meta, Access::Read, &charge);
    let mut output = page.into_output(shape);
    output.consumed_capacity = capacity::charged(&meta.name, &charge, rcc);
    Ok(output)
}

/// The service refuses a filter on the key attributes of a Query (they belong in the key
/// condition), naming the partition key first.
fn check_filter_keys(filter: &expr::Condition, schema: &KeySchema) -> Result<()> {
    let key_names =
        std::iter::once(&schema.partition.name).chain(schema.sort.as_ref().map(|s| &s.name));
    for name in key_names {
        if filter.references_attribute(name) {
            return Err(DynamoError::validation(format!(
                "Filter Expression can only contain non-primary key attributes: Primary key \
                 attribute: {name}"
            )));
        }
    }
    Ok(())
}

/// Narrows `range` to the keys after `start` in the direction of reading. The start key must
/// itself satisfy the key condition (lie within `range`); DynamoDB Local answers "does not
/// match the range key predicate" otherwise, for the partition key as for the sort key.
fn after_start_key(start: &[u8], range: KeyRange, forward: bool) -> Result<KeyRange> {
    let key = start.to_vec();
    if !range.contains(&key) {
        return Err(DynamoError::validation(
            "The provided starting key does not match the range key predicate",
        ));
    }
    Ok(if forward {
        KeyRange {
            start: Bound::Excluded(key),
            end: range.end,
        }
    } else {
        KeyRange {
            start: range.start,
            end: Bound::Excluded(key),
        }
    })
}

fn internal_key_error(e: &keys::KeyError) -> DynamoError {
    tracing::error!(error = %e, "a validated key condition does not encode");
    DynamoError::internal("Internal server error")
}

#[cfg(test)]
#[path = "query_scan_tests.rs"]
mod tests;
