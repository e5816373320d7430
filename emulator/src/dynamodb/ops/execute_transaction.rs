//! ExecuteTransaction: up to 100 PartiQL statements run all or nothing, all reads or all
//! writes.
//!
//! ```text
//! {"TransactStatements":[
//!    {"Statement":"INSERT INTO Orders VALUE {'pk': ?}","Parameters":[{"S":"o1"}]},
//!    {"Statement":"UPDATE Stock SET n = n - 1 WHERE pk = 's1' AND n >= 1"},
//!    {"Statement":"EXISTS(SELECT * FROM Users WHERE pk = 'u1' AND active = TRUE)"}],
//!  "ClientRequestToken":"4f1c..."}
//! → {"Responses":[]}   or   TransactionCanceledException with one reason per statement
//! ```
//!
//! Writes become the actions of a TransactWriteItems and run through
//! `transaction::write_transaction` (serializable, all or nothing, `ClientRequestToken`
//! idempotency bound to the statements and their parameters, capacity doubled): `INSERT` a
//! Put that must not replace an item (a `ValidationError` reason "Duplicate primary key exists
//! in table" when it would), `UPDATE` an Update that must find its item, `DELETE` a Delete,
//! `EXISTS(SELECT ...)` a ConditionCheck. Reads are the Gets of a TransactGetItems (one
//! snapshot), each a `SELECT` of one item by its whole key.
//!
//! Checked against DynamoDB Local, in this order: member constraints; an empty statement
//! ("ExecutePartiQLTransaction can not have empty statement."); each statement's syntax and
//! parameters; then, each naming its statement ("Validation failed in TransactStatements[i]:
//! ..."), `RETURNING`, an index, a `SELECT` not of one item, an `EXISTS` without a condition;
//! reads mixed with writes; each table (ResourceNotFoundException "Requested resource not
//! found"); then every problem a write statement has with its table (a missing key
//! attribute, a key of the wrong type, an update of a key) cancels the transaction with a
//! `ValidationError` reason, as the service cancels TransactWriteItems.

use std::sync::Arc;

use super::super::DynamoDb;
use super::super::catalog::TableMeta;
use super::super::error::{DynamoError, ErrorCode, Result};
use super::super::expr::{self, Condition, ExpressionAttributes, ExpressionText, Path};
use super::super::item::{self, Violations};
use super::super::json;
use super::super::partiql;
use super::super::partiql::ast::{Statement, Target as StatementTarget};
use super::super::partiql::execute;
use super::super::partiql::plan::{self, Plan, WritePlan};
use super::super::throttle::Access;
use super::super::transaction::{self, ConditionFailure, MAX_ACTIONS, Target, Token, WriteAction};
use super::super::types::partiql::{
    ExecuteTransactionInput, ExecuteTransactionOutput, ParameterizedStatement,
};
use super::super::types::transaction::{Get, TransactGetItem, TransactGetItemsInput};
use super::super::value::{AttributeValue, Item};
use super::transact_get_items::transact_get_items;
use super::transact_write_items::check_client_request_token;

/// Answers with the response body: a read transaction's is TransactGetItems'.
pub async fn execute_transaction(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (ExecuteTransactionInput, Option<DynamoError>),
) -> Result<Vec<u8>> {
    let mut v = Violations::new();
    check_client_request_token(input.client_request_token.as_deref(), &mut v);
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    let statements = match input.transact_statements {
        None => {
            v.null("transactStatements");
            Vec::new()
        }
        Some(statements) => statements,
    };
    if statements.len() > MAX_ACTIONS {
        v.push(
            "[..]",
            "transactStatements",
            "Member must have length less than or equal to 100",
        );
    }
    let mut old_on_failure = Vec::with_capacity(statements.len());
    for s in &statements {
        old_on_failure.push(item::return_old_on_condition_failure(
            s.return_values_on_condition_check_failure.as_deref(),
            &mut v,
        ));
    }
    v.into_result()?;
    if let Some(e) = deferred {
        return Err(e);
    }
    if statements.is_empty()
        || statements
            .iter()
            .any(|s| s.statement.as_deref().unwrap_or_default().is_empty())
    {
        return Err(DynamoError::validation(
            "ExecutePartiQLTransaction can not have empty statement.",
        ));
    }

    let parsed = statements
        .iter()
        .map(|s| {
            partiql::parse(
                s.statement.as_deref().unwrap_or_default(),
                s.parameters.as_deref().unwrap_or_default(),
            )
        })
        .collect::<Result<Vec<_>>>()?;
    for (i, statement) in parsed.iter().enumerate() {
        check_statement(statement).map_err(|message| statement_error(i, message))?;
    }
    let reads = parsed
        .iter()
        .filter(|s| matches!(s, Statement::Select(_)))
        .count();
    if reads > 0 && reads < parsed.len() {
        return Err(DynamoError::validation(
            "ExecuteTransaction API does not support both read and write operations in the \
             same request.",
        ));
    }
    let mut metas = Vec::with_capacity(parsed.len());
    for statement in &parsed {
        metas.push(item::live_table(db, region, &target_of(statement).table)?);
    }

    if reads > 0 {
        return read(
            db,
            region,
            &parsed,
            &statements,
            input.return_consumed_capacity,
        );
    }
    let token = input.client_request_token.map(|token| Token {
        token,
        request: serde_json::to_string(&statements).expect("statements always serialize"),
    });
    let mut actions = Vec::with_capacity(parsed.len());
    for (index, (((statement, request), meta), old_on_failure)) in parsed
        .iter()
        .zip(&statements)
        .zip(metas)
        .zip(old_on_failure)
        .enumerate()
    {
        let params = request.parameters.as_deref().unwrap_or_default();
        actions.push(write_action(
            db,
            region,
            (index, statement, params),
            meta,
            old_on_failure,
        )?);
    }
    db.throttle.admit_transaction(
        actions.iter().map(|a| &*a.meta),
        Access::Write,
        "ExecuteTransaction",
    )?;
    let metas: Vec<Arc<TableMeta>> = actions.iter().map(|a| Arc::clone(&a.meta)).collect();
    let outcome = transaction::write_transaction(db, region, actions, token)
        .await
        .map_err(|e| {
            if e.code == ErrorCode::IdempotentParameterMismatchException {
                DynamoError::new(
                    e.code,
                    "Specified idempotent token was used with different request parameters \
                     within the idempotency window",
                )
            } else {
                e
            }
        })?;
    let tally = outcome.tally();
    db.throttle.charge_tally(&metas, Access::Write, &tally);
    Ok(json::encode(&ExecuteTransactionOutput {
        responses: Vec::new(),
        consumed_capacity: tally.into_list(rcc),
    }))
}

fn target_of(statement: &Statement) -> &StatementTarget {
    match statement {
        Statement::Select(s) | Statement::Exists(s) => &s.from,
        Statement::Insert(i) => &i.into,
        Statement::Update(u) => &u.target,
        Statement::Delete(d) => &d.from,
    }
}

/// What a transaction refuses in a statement, whatever its table holds.
fn check_statement(statement: &Statement) -> std::result::Result<(), &'static str> {
    let returning = match statement {
        Statement::Update(u) => u.returning.is_some(),
        Statement::Delete(d) => d.returning.is_some(),
        _ => false,
    };
    if returning {
        return Err("RETURNING clause is not supported in ExecuteTransaction.");
    }
    if target_of(statement).index.is_some() {
        return Err("Operations on indices are not supported in transactions");
    }
    match statement {
        Statement::Exists(select)
            if select.projection.is_some()
                || select.filter.is_none()
                || select.order_by.is_some() =>
        {
            Err("EXISTS() must contain a single item read with additional condition")
        }
        _ => Ok(()),
    }
}

/// The statement's action; a problem with its table cancels the transaction.
fn write_action(
    db: &DynamoDb,
    region: &str,
    (index, statement, params): (usize, &Statement, &[AttributeValue]),
    meta: Arc<TableMeta>,
    old_on_failure: bool,
) -> Result<WriteAction> {
    let invalid = |meta: Arc<TableMeta>, message: String| WriteAction {
        meta,
        target: Target::Invalid(message),
        condition: None,
        old_on_failure,
        on_failure: ConditionFailure::Conditional,
    };
    let planned = match plan::plan(db, region, statement, params) {
        Ok(Plan::Exists(WritePlan {
            condition: None, ..
        })) => return Err(exists_error(index)),
        Ok(planned) => planned,
        Err(e) if e.code == ErrorCode::ValidationException => {
            if matches!(statement, Statement::Exists(_)) {
                return Err(exists_error(index));
            }
            return Ok(invalid(meta, e.message));
        }
        Err(e) => return Err(e),
    };
    let action = |target, on_failure| WriteAction {
        meta: Arc::clone(&meta),
        target,
        condition: planned_condition(&planned),
        old_on_failure,
        on_failure,
    };
    Ok(match &planned {
        Plan::Insert(insert) => {
            let size = item::check_item_size(&insert.item)?;
            action(
                Target::put(&meta, insert.item.clone(), size)?,
                ConditionFailure::DuplicateItem,
            )
        }
        Plan::Update(update) => {
            let target = match update_target(&meta, update) {
                Ok(target) => target,
                Err(e) if e.code == ErrorCode::ValidationException => {
                    Target::Invalid(execute::unnamed_expression(e).message)
                }
                Err(e) => return Err(e),
            };
            action(target, ConditionFailure::Conditional)
        }
        Plan::Delete(delete) => {
            let target = match Target::key(&meta.key_schema, &delete.item)? {
                Ok(key) => Target::Delete { key },
                Err(message) => Target::Invalid(message),
            };
            action(target, ConditionFailure::Conditional)
        }
        Plan::Exists(check) => {
            let target = match Target::key(&meta.key_schema, &check.item)? {
                Ok(key) => Target::ConditionCheck { key },
                Err(message) => Target::Invalid(message),
            };
            action(target, ConditionFailure::Exists)
        }
        Plan::Select(_) => unreachable!("reads are not mixed with writes, checked above"),
    })
}

/// A planned write's condition.
fn planned_condition(planned: &Plan) -> Option<Condition> {
    match planned {
        Plan::Insert(write) | Plan::Update(write) | Plan::Delete(write) | Plan::Exists(write) => {
            write.condition.clone()
        }
        Plan::Select(_) => None,
    }
}

const EXISTS_SINGLE_ITEM: &str =
    "EXISTS() must contain a single item read with additional condition";

/// The refusal of an `EXISTS` that does not read one item with a condition.
fn exists_error(index: usize) -> DynamoError {
    statement_error(index, EXISTS_SINGLE_ITEM)
}

fn statement_error(index: usize, message: &str) -> DynamoError {
    DynamoError::validation(format!(
        "Validation failed in TransactStatements[{index}]: {message}"
    ))
}

/// An `UPDATE`'s action: its update parsed as an UpdateExpression (with that language's
/// checks: overlapping paths, ...) and checked not to touch the key.
fn update_target(meta: &TableMeta, update: &WritePlan) -> Result<Target> {
    let mut text = ExpressionText::default();
    let printed = text.print_update_actions(&update.actions);
    let names = execute::names_of(&text);
    let values = execute::values_of(&text);
    let mut attrs = ExpressionAttributes::new(names.as_ref(), values.as_ref());
    let parsed = expr::parse_update(&printed, &mut attrs)?;
    parsed.check_keys(&meta.key_schema)?;
    Ok(match Target::key(&meta.key_schema, &update.item)? {
        Ok(key) => Target::Update {
            key,
            key_item: update.item.clone(),
            update: Some(parsed),
        },
        Err(message) => Target::Invalid(message),
    })
}

/// A read transaction: TransactGetItems of each `SELECT`'s item.
fn read(
    db: &DynamoDb,
    region: &str,
    parsed: &[Statement],
    statements: &[ParameterizedStatement],
    return_consumed_capacity: Option<String>,
) -> Result<Vec<u8>> {
    let mut gets = Vec::with_capacity(parsed.len());
    let mut renames: Vec<Option<Vec<Path>>> = Vec::with_capacity(parsed.len());
    for (i, (statement, request)) in parsed.iter().zip(statements).enumerate() {
        let params = request.parameters.as_deref().unwrap_or_default();
        let Plan::Select(select) = plan::plan(db, region, statement, params)? else {
            unreachable!("only reads, checked above")
        };
        let key = select.point_key().ok_or_else(|| {
            statement_error(
                i,
                "Select statements within ExecuteTransaction must specify the primary key in \
                 the where clause.",
            )
        })?;
        let mut text = ExpressionText::default();
        let projection = select
            .projection
            .as_deref()
            .map(|paths| execute::print_projection(&mut text, paths));
        renames.push(select.projection.clone().filter(|p| execute::is_nested(p)));
        gets.push(TransactGetItem {
            get: Some(Get {
                key: Some(key),
                table_name: Some(select.meta.name.clone()),
                projection_expression: projection,
                expression_attribute_names: execute::names_of(&text),
            }),
        });
    }
    let body = transact_get_items(
        db,
        region,
        (
            TransactGetItemsInput {
                transact_items: Some(gets),
                return_consumed_capacity,
            },
            None,
        ),
    )?;
    if renames.iter().all(Option::is_none) {
        return Ok(body);
    }
    rename_responses(&body, &renames)
}

/// TransactGetItems' answer with each nested projection's values under their PartiQL
/// names (`execute::rename`).
fn rename_responses(body: &[u8], renames: &[Option<Vec<Path>>]) -> Result<Vec<u8>> {
    let internal = |e: serde_json::Error| {
        tracing::error!(error = %e, "a transaction's answer does not decode");
        DynamoError::internal("Internal server error")
    };
    let mut answer: serde_json::Value = serde_json::from_slice(body).map_err(internal)?;
    let responses = answer
        .get_mut("Responses")
        .and_then(serde_json::Value::as_array_mut)
        .ok_or_else(|| DynamoError::internal("Internal server error"))?;
    for (response, paths) in responses.iter_mut().zip(renames) {
        let (Some(paths), Some(found)) = (paths, response.get_mut("Item")) else {
            continue;
        };
        let item: Item = serde_json::from_value(found.take()).map_err(internal)?;
        *found = serde_json::to_value(execute::rename(&item, paths)).map_err(internal)?;
    }
    Ok(serde_json::to_vec(&answer).expect("a JSON value always serializes"))
}
