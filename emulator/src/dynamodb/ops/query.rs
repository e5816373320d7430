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
use super::super::legacy::{self, ConditionalOperator};
use super::super::page::{self, PageSpec};
use super::super::throttle::Access;
use super::super::types::legacy::Conditions;
use super::super::types::query::{QueryInput, QueryOutput};
use crate::storage::StorageError;
use crate::storage::tables::dynamodb_items;

/// Answers one Query. `deferred` is the attribute-value error `json::decode_deferred` held
/// back, reported after the table lookup as the service does.
///
/// The checks run in DynamoDB Local's order: the members' model constraints, the table, the
/// index, which parameters go together, the held-back value errors, the expressions, the key
/// condition (or the legacy `KeyConditions`, then `QueryFilter`), paths into key attributes,
/// the start key, the filter's use of key attributes, and last `Select` with the projection
/// (then duplicates in the legacy `AttributesToGet`).
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
    let conditional_operator =
        ConditionalOperator::parse(input.conditional_operator.as_deref(), &mut v);
    v.into_result()?;

    let meta = item::live_table(db, region, table_name)?;
    let consistent = input.consistent_read.unwrap_or(false);
    let source = page::Source::resolve(&meta, input.index_name.as_deref(), consistent)?;
    let schema = source.key_schema();

    let has_kce = input.key_condition_expression.is_some();
    let has_attributes_to_get = input
        .attributes_to_get
        .as_ref()
        .is_some_and(|a| !a.is_empty());
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
            ("AttributesToGet", has_attributes_to_get),
            (
                "QueryFilter",
                legacy::has_entries(input.query_filter.as_ref()),
            ),
            ("ConditionalOperator", input.conditional_operator.is_some()),
            (
                "KeyConditions",
                has_kce && legacy::has_entries(input.key_conditions.as_ref()),
            ),
        ],
        has_names: input.expression_attribute_names.is_some(),
        has_values: input.expression_attribute_values.is_some(),
    })?;
    let key_condition_member = match (
        input.key_condition_expression.as_deref(),
        input.key_conditions.as_ref(),
    ) {
        (Some(src), _) => KeyConditionSource::Expression(src),
        (None, Some(conditions)) => KeyConditionSource::Legacy(conditions),
        (None, None) => {
            return Err(DynamoError::validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified \
                 in the request.",
            ));
        }
    };
    if let Some(e) = deferred {
        return Err(e);
    }

    let mut attrs = ExpressionAttributes::new(
        input.expression_attribute_names.as_ref(),
        input.expression_attribute_values.as_ref(),
    );
    // The service's order: filter, projection, key condition (as a condition), unused
    // placeholders, and only then the key condition against the schema; the legacy
    // KeyConditions, then QueryFilter.
    let filter_expression = input
        .filter_expression
        .as_deref()
        .map(|src| expr::parse_condition(src, ExpressionKind::Filter, &mut attrs))
        .transpose()?;
    let projection_expression = input
        .projection_expression
        .as_deref()
        .map(|src| expr::parse_projection(src, &mut attrs))
        .transpose()?;
    let key_condition_source = match key_condition_member {
        KeyConditionSource::Expression(src) => KeyConditionSource::Expression(
            expr::parse_condition(src, ExpressionKind::KeyCondition, &mut attrs)?,
        ),
        KeyConditionSource::Legacy(conditions) => KeyConditionSource::Legacy(conditions),
    };
    attrs.finish()?;
    let key_condition = match &key_condition_source {
        KeyConditionSource::Expression(tree) => expr::key_condition(tree, schema)?,
        KeyConditionSource::Legacy(conditions) => legacy::key_condition(conditions, schema)?,
    };
    let filter = match filter_expression {
        Some(filter) => Some(filter),
        None => legacy::filter(input.query_filter.as_ref(), conditional_operator)?,
    };
    page::check_key_paths(schema, filter.as_ref(), projection_expression.as_ref())?;

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
    if input.filter_expression.is_some() {
        check_filter_keys(filter.as_ref(), schema, filter_on_key_expression)?;
    } else {
        check_filter_keys(filter.as_ref(), schema, legacy::query_filter_on_key)?;
    }
    let shape = page::shape(
        select,
        page::projection_member(input.projection_expression.is_some(), has_attributes_to_get),
        input.index_name.is_some(),
    )?;
    let projection = match projection_expression {
        Some(projection) => Some(projection),
        None => {
            legacy::attributes_to_get(input.attributes_to_get.as_deref(), legacy::same_name_twice)?
        }
    };
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

/// Where the key condition comes from: `KeyConditionExpression` (its text `E`, then its
/// parsed tree, not yet checked against the key schema) or the legacy `KeyConditions`.
enum KeyConditionSource<'r, E> {
    Expression(E),
    Legacy(&'r Conditions),
}

/// The service refuses a filter on the key attributes of a Query (they belong in the key
/// condition), naming the partition key first; `refusal` words it for the filter's member.
fn check_filter_keys(
    filter: Option<&expr::Condition>,
    schema: &KeySchema,
    refusal: fn(&str) -> DynamoError,
) -> Result<()> {
    let Some(filter) = filter else {
        return Ok(());
    };
    let key_names =
        std::iter::once(&schema.partition.name).chain(schema.sort.as_ref().map(|s| &s.name));
    for name in key_names {
        if filter.references_attribute(name) {
            return Err(refusal(name));
        }
    }
    Ok(())
}

fn filter_on_key_expression(name: &str) -> DynamoError {
    DynamoError::validation(format!(
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: \
         {name}"
    ))
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
