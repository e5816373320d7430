//! Runs a planned statement as the request it maps to: its conditions, updates and
//! projection are printed into one request's expressions (`expr::ExpressionText`) and the
//! operation (`ops::query`, `ops::scan`, `ops::put_item`, `ops::update_item`,
//! `ops::delete_item`) runs it, with its own checks, capacity and throttling.
//!
//! A `SELECT` with `IN` on the partition key runs one Query per value, in the order
//! written, until `Limit` items have been read; its `NextToken` says which value to resume
//! at and from which key (base64 of `{"p":<value index>,"k":<LastEvaluatedKey>}`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::super::DynamoDb;
use super::super::capacity::Charge;
use super::super::catalog::IndexKind;
use super::super::error::{DynamoError, ErrorCode, Result};
use super::super::expr::{Comparator, Condition, ExpressionKind, ExpressionText, Operand, Path};
use super::super::ops;
use super::super::types::item::{ConsumedCapacity, DeleteItemInput, PutItemInput, UpdateItemInput};
use super::super::types::query::{QueryInput, QueryOutput, ScanInput};
use super::super::value::{AttributeValue, Item};
use super::plan::{self, Plan, Read, SelectPlan, WritePlan};

/// What a statement's answer is made of.
pub struct Outcome {
    /// The answer's items as JSON objects separated by commas.
    pub items_json: Vec<u8>,
    pub next_token: Option<String>,
    /// The table charged, and what it was charged.
    pub table: String,
    pub charge: Charge,
}

/// The request members a statement runs with.
#[derive(Debug, Default)]
pub struct Options {
    pub limit: Option<i32>,
    pub consistent_read: bool,
    pub next_token: Option<String>,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    pub old_on_failure: bool,
}

const INDEXES: &str = "INDEXES";

/// Runs one planned statement.
pub async fn run(db: &DynamoDb, region: &str, plan: Plan, options: &Options) -> Result<Outcome> {
    let result = match plan {
        Plan::Select(select) => run_select(db, region, *select, options),
        Plan::Insert(insert) => run_insert(db, region, insert).await,
        Plan::Update(update) => run_update(db, region, update, options).await,
        Plan::Delete(delete) => run_delete(db, region, delete, options).await,
        Plan::Exists(_) => Err(DynamoError::validation(
            "EXISTS can only be used in ExecuteTransaction write requests.",
        )),
    };
    result.map_err(unnamed_expression)
}

/// The statement's request has no expression members, so the service's errors about an
/// expression do not name one: "Invalid FilterExpression: X" is "X" here.
pub fn unnamed_expression(mut e: DynamoError) -> DynamoError {
    if e.code == ErrorCode::ValidationException {
        for kind in [
            ExpressionKind::Condition,
            ExpressionKind::Filter,
            ExpressionKind::KeyCondition,
            ExpressionKind::Update,
            ExpressionKind::Projection,
        ] {
            if let Some(rest) = e
                .message
                .strip_prefix(&format!("Invalid {}: ", kind.name()))
            {
                e.message = rest.to_owned();
                break;
            }
        }
    }
    e
}

/// Where a paginated `SELECT` resumes.
#[derive(Debug, Default, Serialize, Deserialize)]
struct NextToken {
    /// The index of the partition-key value of an `IN` to resume at.
    #[serde(rename = "p")]
    partition: usize,
    /// The last key read.
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    key: Option<Item>,
}

impl NextToken {
    fn encode(&self) -> String {
        STANDARD.encode(serde_json::to_vec(self).expect("a token always serializes"))
    }

    fn decode(token: &str) -> Result<NextToken> {
        STANDARD
            .decode(token)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| DynamoError::validation("Invalid NextToken"))
    }
}

pub fn names_of(text: &ExpressionText) -> Option<std::collections::HashMap<String, String>> {
    (!text.names.is_empty()).then(|| text.names.clone())
}

pub fn values_of(
    text: &ExpressionText,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    (!text.values.is_empty()).then(|| text.values.clone())
}

fn run_select(db: &DynamoDb, region: &str, plan: SelectPlan, options: &Options) -> Result<Outcome> {
    let token = options
        .next_token
        .as_deref()
        .map(NextToken::decode)
        .transpose()?
        .unwrap_or_default();
    let mut text = ExpressionText::default();
    let filter = plan.filter.as_ref().map(|f| text.print_condition(f));
    let nested = plan.projection.as_deref().is_some_and(is_nested);
    let projection = plan
        .projection
        .as_deref()
        .map(|paths| print_projection(&mut text, paths));
    let table_name = plan.meta.name.clone();
    let mut charge = Charge::default();
    let mut items_json = Vec::new();
    let mut next: Option<NextToken> = None;
    match plan.read {
        Read::Scan => {
            let out = ops::scan::scan(
                db,
                region,
                (
                    ScanInput {
                        table_name: Some(table_name.clone()),
                        index_name: plan.index.clone(),
                        limit: options.limit,
                        consistent_read: Some(options.consistent_read),
                        exclusive_start_key: token.key,
                        return_consumed_capacity: Some(INDEXES.to_owned()),
                        filter_expression: filter,
                        projection_expression: projection,
                        expression_attribute_names: names_of(&text),
                        expression_attribute_values: values_of(&text),
                        ..ScanInput::default()
                    },
                    None,
                ),
            )?;
            charge.add(&charge_of(out.consumed_capacity.as_ref()));
            items_json = out.items_json.unwrap_or_default();
            next = out.last_evaluated_key.map(|key| NextToken {
                partition: 0,
                key: Some(key),
            });
        }
        Read::Query {
            partition_key,
            partitions,
            sort,
            ..
        } => {
            let mut start = token.key;
            let mut remaining = options.limit;
            let first = token.partition.min(partitions.len());
            for (i, value) in partitions.iter().enumerate().skip(first) {
                let mut key_text = text.clone();
                let equality = Condition::Compare(
                    Comparator::Eq,
                    Operand::Path(Path::attribute(partition_key.clone())),
                    Operand::Value(value.clone()),
                );
                let key_condition = match &sort {
                    Some(sort) => Condition::And(Box::new(equality), Box::new(sort.clone())),
                    None => equality,
                };
                let key_condition = key_text.print_condition(&key_condition);
                let out: QueryOutput = ops::query::query(
                    db,
                    region,
                    (
                        QueryInput {
                            table_name: Some(table_name.clone()),
                            index_name: plan.index.clone(),
                            limit: remaining,
                            consistent_read: Some(options.consistent_read),
                            scan_index_forward: Some(plan.forward),
                            exclusive_start_key: start.take(),
                            return_consumed_capacity: Some(INDEXES.to_owned()),
                            key_condition_expression: Some(key_condition),
                            filter_expression: filter.clone(),
                            projection_expression: projection.clone(),
                            expression_attribute_names: names_of(&key_text),
                            expression_attribute_values: values_of(&key_text),
                            ..QueryInput::default()
                        },
                        None,
                    ),
                )?;
                charge.add(&charge_of(out.consumed_capacity.as_ref()));
                if let Some(page) = out.items_json.filter(|j| !j.is_empty()) {
                    if !items_json.is_empty() {
                        items_json.push(b',');
                    }
                    items_json.extend_from_slice(&page);
                }
                if let Some(key) = out.last_evaluated_key {
                    next = Some(NextToken {
                        partition: i,
                        key: Some(key),
                    });
                    break;
                }
                if let Some(limit) = &mut remaining {
                    let read = i32::try_from(out.scanned_count).unwrap_or(i32::MAX);
                    *limit = limit.saturating_sub(read);
                    if *limit <= 0 {
                        if i + 1 < partitions.len() {
                            next = Some(NextToken {
                                partition: i + 1,
                                key: None,
                            });
                        }
                        break;
                    }
                }
            }
        }
    }
    if let Some(paths) = plan.projection.as_ref().filter(|_| nested) {
        items_json = rename_projected(&items_json, paths)?;
    }
    Ok(Outcome {
        items_json,
        next_token: next.map(|t| t.encode()),
        table: table_name,
        charge,
    })
}

/// Whether a projection names a nested path, whose value the answer holds under its
/// PartiQL name (see [`rename`]).
pub fn is_nested(paths: &[Path]) -> bool {
    paths.iter().any(|p| p.elements().len() > 1)
}

/// Prints a `SELECT`'s projection into `text`: its paths, or, when one is nested, the
/// top-level attributes they start at, read whole so that [`rename`] can pick the values
/// out (a projection expression would leave `l[1]` as `l[0]` of a shorter list).
pub fn print_projection(text: &mut ExpressionText, paths: &[Path]) -> String {
    if !is_nested(paths) {
        return text.print_paths(paths);
    }
    let mut heads: Vec<Path> = Vec::new();
    for path in paths {
        let head = Path::attribute(path.head());
        if !heads.contains(&head) {
            heads.push(head);
        }
    }
    text.print_paths(&heads)
}

/// The projected paths' values of `item` under their PartiQL names (see
/// [`plan::projected_name`]).
pub fn rename(item: &Item, paths: &[Path]) -> Item {
    paths
        .iter()
        .filter_map(|p| p.get(item).map(|v| (plan::projected_name(p), v.clone())))
        .collect()
}

/// Each item of a page with its projected paths [`rename`]d.
fn rename_projected(items_json: &[u8], paths: &[Path]) -> Result<Vec<u8>> {
    let mut array = Vec::with_capacity(items_json.len() + 2);
    array.push(b'[');
    array.extend_from_slice(items_json);
    array.push(b']');
    let items: Vec<Item> = serde_json::from_slice(&array).map_err(|e| {
        tracing::error!(error = %e, "a page's items do not decode");
        DynamoError::internal("Internal server error")
    })?;
    let mut out = Vec::with_capacity(items_json.len());
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &rename(item, paths)).expect("an Item always serializes");
    }
    Ok(out)
}

/// The charge a `ConsumedCapacity` (asked for with `INDEXES`) reports.
fn charge_of(consumed: Option<&ConsumedCapacity>) -> Charge {
    let Some(cc) = consumed else {
        return Charge::default();
    };
    let mut charge = Charge::table(
        cc.table
            .as_ref()
            .map_or(cc.capacity_units, |t| t.capacity_units),
    );
    for (kind, shares) in [
        (IndexKind::Global, &cc.global_secondary_indexes),
        (IndexKind::Local, &cc.local_secondary_indexes),
    ] {
        for (name, share) in shares.iter().flatten() {
            charge.add_index(kind, name, share.capacity_units);
        }
    }
    charge
}

fn old_on_failure(options: &Options) -> Option<String> {
    options.old_on_failure.then(|| "ALL_OLD".to_owned())
}

/// What an item write answers: the item its `RETURNING` asked for, and its charge.
fn write_outcome(
    table: String,
    attributes: Option<Item>,
    consumed: Option<&ConsumedCapacity>,
) -> Outcome {
    Outcome {
        items_json: attributes.map_or_else(Vec::new, |item| {
            serde_json::to_vec(&item).expect("an Item always serializes")
        }),
        next_token: None,
        charge: charge_of(consumed),
        table,
    }
}

async fn run_insert(db: &DynamoDb, region: &str, plan: WritePlan) -> Result<Outcome> {
    let mut text = ExpressionText::default();
    let condition = plan.condition.as_ref().map(|c| text.print_condition(c));
    let table = plan.meta.name.clone();
    let out = ops::put_item::put_item(
        db,
        region,
        (
            PutItemInput {
                table_name: Some(table.clone()),
                item: Some(plan.item),
                condition_expression: condition,
                expression_attribute_names: names_of(&text),
                return_consumed_capacity: Some(INDEXES.to_owned()),
                ..PutItemInput::default()
            },
            None,
        ),
    )
    .await
    .map_err(|e| {
        if e.code == ErrorCode::ConditionalCheckFailedException {
            DynamoError::new(
                ErrorCode::DuplicateItemException,
                "Duplicate primary key exists in table",
            )
        } else {
            e
        }
    })?;
    Ok(write_outcome(table, None, out.consumed_capacity.as_ref()))
}

async fn run_update(
    db: &DynamoDb,
    region: &str,
    plan: WritePlan,
    options: &Options,
) -> Result<Outcome> {
    let mut text = ExpressionText::default();
    let update = text.print_update_actions(&plan.actions);
    let condition = plan.condition.as_ref().map(|c| text.print_condition(c));
    let table = plan.meta.name.clone();
    let out = ops::update_item::update_item(
        db,
        region,
        (
            UpdateItemInput {
                table_name: Some(table.clone()),
                key: Some(plan.item),
                update_expression: Some(update),
                condition_expression: condition,
                expression_attribute_names: names_of(&text),
                expression_attribute_values: values_of(&text),
                return_values: plan.returning.map(|r| r.return_values().to_owned()),
                return_consumed_capacity: Some(INDEXES.to_owned()),
                return_values_on_condition_check_failure: old_on_failure(options),
                ..UpdateItemInput::default()
            },
            None,
        ),
    )
    .await?;
    Ok(write_outcome(
        table,
        out.attributes,
        out.consumed_capacity.as_ref(),
    ))
}

async fn run_delete(
    db: &DynamoDb,
    region: &str,
    plan: WritePlan,
    options: &Options,
) -> Result<Outcome> {
    let mut text = ExpressionText::default();
    let condition = plan.condition.as_ref().map(|c| text.print_condition(c));
    let table = plan.meta.name.clone();
    let out = ops::delete_item::delete_item(
        db,
        region,
        (
            DeleteItemInput {
                table_name: Some(table.clone()),
                key: Some(plan.item),
                condition_expression: condition,
                expression_attribute_names: names_of(&text),
                expression_attribute_values: values_of(&text),
                return_values: plan.returning.map(|r| r.return_values().to_owned()),
                return_consumed_capacity: Some(INDEXES.to_owned()),
                return_values_on_condition_check_failure: old_on_failure(options),
                ..DeleteItemInput::default()
            },
            None,
        ),
    )
    .await?;
    Ok(write_outcome(
        table,
        out.attributes,
        out.consumed_capacity.as_ref(),
    ))
}
