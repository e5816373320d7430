//! Scan: every item of a table, one page at a time, optionally as one segment of a
//! parallel scan.
//!
//! ```text
//! {"TableName":"t","Segment":1,"TotalSegments":4,"Limit":100}
//! → {"Items":[..],"Count":100,"ScannedCount":100,"LastEvaluatedKey":{..}}
//! ```
//!
//! Items are read in stored-key order, which begins with the partition key's hash: the order
//! looks random, like the service's. Segment `i` of `n` is the contiguous range of keys whose
//! hash falls in the `i`-th of `n` equal slices of the hash space (`keys::segment_bounds`),
//! so the segments together hold every item exactly once. The page runs inline on the async
//! worker: it is bounded by `Limit` and by 1 MB of items read.

use std::ops::Bound;

use super::super::DynamoDb;
use super::super::capacity;
use super::super::error::{DynamoError, Result};
use super::super::expr::{self, ExpressionAttributes, ExpressionKind};
use super::super::item::{self, ParameterUse, Violations};
use super::super::keys::{self, KeyRange};
use super::super::legacy::{self, ConditionalOperator};
use super::super::page::{self, PageSpec};
use super::super::throttle::Access;
use super::super::types::query::{ScanInput, ScanOutput};
use crate::storage::StorageError;
use crate::storage::tables::dynamodb_items;

/// The model's limit on `TotalSegments`.
const MAX_TOTAL_SEGMENTS: i32 = 1_000_000;

/// Answers one Scan. `deferred` is the attribute-value error `json::decode_deferred` held
/// back, reported after the table lookup as the service does.
///
/// The checks run in DynamoDB Local's order: the members' model constraints, the table, the
/// index, which parameters go together, the held-back value errors, the expressions, the
/// start key against the key schema, `Select` with the projection, the segment parameters,
/// paths into key attributes, and last whether the start key lies in the segment.
pub fn scan(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (ScanInput, Option<DynamoError>),
) -> Result<ScanOutput> {
    let mut v = Violations::new();
    let table_name = item::table_name(input.table_name.as_deref(), "tableName", &mut v);
    page::check_index_name(input.index_name.as_deref(), &mut v);
    let select = page::Select::parse(input.select.as_deref(), &mut v);
    let limit = page::limit(input.limit, &mut v);
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    check_segment_constraints(input.segment, input.total_segments, &mut v);
    let conditional_operator =
        ConditionalOperator::parse(input.conditional_operator.as_deref(), &mut v);
    v.into_result()?;

    let meta = item::live_table(db, region, table_name)?;
    let consistent = input.consistent_read.unwrap_or(false);
    let source = page::Source::resolve(&meta, input.index_name.as_deref(), consistent)?;
    let schema = source.key_schema();

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
        ],
        legacy: &[
            ("AttributesToGet", has_attributes_to_get),
            (
                "ScanFilter",
                legacy::has_entries(input.scan_filter.as_ref()),
            ),
            ("ConditionalOperator", input.conditional_operator.is_some()),
        ],
        has_names: input.expression_attribute_names.is_some(),
        has_values: input.expression_attribute_values.is_some(),
    })?;
    if let Some(e) = deferred {
        return Err(e);
    }

    let mut attrs = ExpressionAttributes::new(
        input.expression_attribute_names.as_ref(),
        input.expression_attribute_values.as_ref(),
    );
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
    attrs.finish()?;
    let filter = match filter_expression {
        Some(filter) => Some(filter),
        None => legacy::filter(input.scan_filter.as_ref(), conditional_operator)?,
    };

    let start_key = input
        .exclusive_start_key
        .as_ref()
        .map(|start| source.start_key(start))
        .transpose()?;
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
    let mut range = match segment(input.segment, input.total_segments)? {
        Some((segment, total)) => {
            let (start, end) = keys::segment_bounds(segment, total);
            KeyRange {
                start: Bound::Included(start),
                end: end.map_or(Bound::Unbounded, Bound::Excluded),
            }
        }
        None => KeyRange {
            start: Bound::Unbounded,
            end: Bound::Unbounded,
        },
    };
    page::check_key_paths(schema, filter.as_ref(), projection.as_ref())?;
    let reads_through =
        source.reads_through(select, filter.as_ref(), projection.as_ref(), false)?;
    if let Some(key) = start_key {
        if !range.contains(&key) {
            return Err(DynamoError::validation(
                "Exclusive start key must lie within the segment",
            ));
        }
        range.start = Bound::Excluded(key);
    }

    db.throttle
        .admit(&meta, Access::Read, input.index_name.as_deref(), "Scan")?;
    // Read inline: a page is bounded by Limit and by 1 MB of items read.
    let txn = db.store.read()?;
    let name = source.storage_name();
    let key_names = source.start_key_names();
    let read_through = page::ReadThroughTable::new(&txn, &meta, reads_through)?;
    let page = match txn.open_table(dynamodb_items(&name)) {
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
            page::read_page(entries, &spec)?
        }
    };

    let charge = page.charge(&source, consistent);
    db.throttle.charge(&meta, Access::Read, &charge);
    let mut output = page.into_output(shape);
    output.consumed_capacity = capacity::charged(&meta.name, &charge, rcc);
    Ok(output)
}

/// The model's ranges: `Segment` 0..=999999, `TotalSegments` 1..=1000000.
fn check_segment_constraints(segment: Option<i32>, total: Option<i32>, v: &mut Violations) {
    if let Some(s) = segment {
        if s < 0 {
            v.push(
                s,
                "segment",
                "Member must have value greater than or equal to 0",
            );
        } else if s > MAX_TOTAL_SEGMENTS - 1 {
            v.push(
                s,
                "segment",
                "Member must have value less than or equal to 999999",
            );
        }
    }
    if let Some(t) = total {
        if t < 1 {
            v.push(
                t,
                "totalSegments",
                "Member must have value greater than or equal to 1",
            );
        } else if t > MAX_TOTAL_SEGMENTS {
            v.push(
                t,
                "totalSegments",
                "Member must have value less than or equal to 1000000",
            );
        }
    }
}

/// `Segment` and `TotalSegments` go together, and the segment is zero-based. Both are in
/// range (checked by [`check_segment_constraints`]).
fn segment(segment: Option<i32>, total: Option<i32>) -> Result<Option<(u32, u32)>> {
    match (segment, total) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(DynamoError::validation(
            "The TotalSegments parameter is required but was not present in the request when \
             Segment parameter is present",
        )),
        (None, Some(_)) => Err(DynamoError::validation(
            "The Segment parameter is required but was not present in the request when \
             parameter TotalSegments is present",
        )),
        (Some(s), Some(t)) if s >= t => Err(DynamoError::validation(format!(
            "The Segment parameter is zero-based and must be less than parameter \
             TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
        ))),
        (Some(s), Some(t)) => Ok(Some((s.unsigned_abs(), t.unsigned_abs()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint_errors(segment: Option<i32>, total: Option<i32>) -> Option<String> {
        let mut v = Violations::new();
        check_segment_constraints(segment, total, &mut v);
        v.into_result().err().map(|e| e.message)
    }

    #[test]
    fn segments_follow_the_model_ranges() {
        assert_eq!(constraint_errors(Some(0), Some(1)), None);
        assert_eq!(constraint_errors(Some(999_999), Some(1_000_000)), None);
        assert_eq!(
            constraint_errors(Some(-1), Some(0)).unwrap(),
            "2 validation errors detected: Value '-1' at 'segment' failed to satisfy \
             constraint: Member must have value greater than or equal to 0; Value '0' at \
             'totalSegments' failed to satisfy constraint: Member must have value greater \
             than or equal to 1"
        );
        assert_eq!(
            constraint_errors(Some(1_000_000), Some(1_000_001)).unwrap(),
            "2 validation errors detected: Value '1000000' at 'segment' failed to satisfy \
             constraint: Member must have value less than or equal to 999999; Value \
             '1000001' at 'totalSegments' failed to satisfy constraint: Member must have \
             value less than or equal to 1000000"
        );
    }

    #[test]
    fn segment_and_total_segments_go_together() {
        assert_eq!(segment(None, None).unwrap(), None);
        assert_eq!(segment(Some(2), Some(3)).unwrap(), Some((2, 3)));
        assert_eq!(
            segment(Some(0), None).unwrap_err().message,
            "The TotalSegments parameter is required but was not present in the request when \
             Segment parameter is present"
        );
        assert_eq!(
            segment(None, Some(2)).unwrap_err().message,
            "The Segment parameter is required but was not present in the request when \
             parameter TotalSegments is present"
        );
        assert_eq!(
            segment(Some(3), Some(3)).unwrap_err().message,
            "The Segment parameter is zero-based and must be less than parameter \
             TotalSegments: Segment: 3 is not less than TotalSegments: 3"
        );
    }
}
