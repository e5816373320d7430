//! BatchExecuteStatement: up to 25 PartiQL statements, all reads or all writes, each
//! answered on its own.
//!
//! ```text
//! {"Statements":[{"Statement":"SELECT * FROM t WHERE pk = ?","Parameters":[{"S":"a"}]},
//!                {"Statement":"SELECT * FROM t WHERE pk = 'b'"}]}
//! → {"Responses":[{"TableName":"t","Item":{..}},{"TableName":"t"}]}
//! ```
//!
//! Behaviour (checked against DynamoDB Local):
//! - the request is refused as a whole (ValidationException) when a statement is empty
//!   ("The statement was empty."), when reads and writes are mixed, when it holds more than
//!   25 statements ("BatchGetItem cannot fetch more than 25 items" / "BatchWriteItem cannot
//!   write more than 25 items") and when two statements name one item ("Provided list of
//!   item keys contains duplicates"; DynamoDB Local runs the statements first, the emulator
//!   runs none);
//! - otherwise every statement gets a response in request order: a `SELECT` names one item
//!   by its whole primary key ("Only single item select is supported") and answers `Item`
//!   when the item exists; a write answers the item its `RETURNING` asks for; a statement
//!   that fails answers `Error {Code, Message[, Item]}` (`ValidationError`,
//!   `ConditionalCheckFailed` with the stored item for `ReturnValuesOnConditionCheckFailure:
//!   ALL_OLD`, `DuplicateItem`, `ResourceNotFound`, ...), with `TableName` once its table was
//!   found.
//!
//! Each statement runs as ExecuteStatement runs it, one after the other; `ConsumedCapacity`
//! sums them per table.

use std::collections::HashSet;

use super::super::DynamoDb;
use super::super::capacity::Tally;
use super::super::error::{DynamoError, ErrorCode, Result};
use super::super::item::{self, Violations};
use super::super::partiql::ast::Statement;
use super::super::partiql::plan::{self, Plan};
use super::super::partiql::{self, execute};
use super::super::types::partiql::{
    BatchExecuteStatementInput, BatchExecuteStatementOutput, BatchStatementError,
    BatchStatementResponse,
};
use super::super::value::Item;

/// Most statements one batch may carry.
pub const MAX_STATEMENTS: usize = 25;

pub async fn batch_execute_statement(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (BatchExecuteStatementInput, Option<DynamoError>),
) -> Result<BatchExecuteStatementOutput> {
    let mut v = Violations::new();
    if input.statements.is_none() {
        v.null("statements");
    }
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    let requests = input.statements.unwrap_or_default();
    for request in &requests {
        if request.statement.is_none() {
            v.null("statements.member.statement");
        }
    }
    let mut old_on_failure = Vec::with_capacity(requests.len());
    for request in &requests {
        old_on_failure.push(item::return_old_on_condition_failure(
            request.return_values_on_condition_check_failure.as_deref(),
            &mut v,
        ));
    }
    v.into_result()?;
    if let Some(e) = deferred {
        return Err(e);
    }
    if requests.is_empty() || requests.iter().any(|r| r.statement.as_deref() == Some("")) {
        return Err(DynamoError::validation("The statement was empty."));
    }

    let parsed: Vec<Result<Statement>> = requests
        .iter()
        .map(|r| {
            partiql::parse_in_batch(
                r.statement.as_deref().unwrap_or_default(),
                r.parameters.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    let reads = parsed
        .iter()
        .filter(|p| matches!(p, Ok(Statement::Select(_))))
        .count();
    let writes = parsed
        .iter()
        .filter(|p| {
            matches!(
                p,
                Ok(Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_))
            )
        })
        .count();
    if reads > 0 && writes > 0 {
        return Err(DynamoError::validation(
            "Read and write requests together in the same batch is not supported.",
        ));
    }
    if requests.len() > MAX_STATEMENTS {
        return Err(DynamoError::validation(if writes > 0 {
            "BatchWriteItem cannot write more than 25 items"
        } else {
            "BatchGetItem cannot fetch more than 25 items"
        }));
    }

    let planned: Vec<Result<Plan>> = parsed
        .into_iter()
        .zip(&requests)
        .map(|(statement, request)| {
            let statement = statement?;
            let plan = plan::plan(
                db,
                region,
                &statement,
                request.parameters.as_deref().unwrap_or_default(),
            )?;
            match &plan {
                Plan::Select(select) if select.point_key().is_none() => Err(
                    DynamoError::validation("Only single item select is supported"),
                ),
                _ => Ok(plan),
            }
        })
        .collect();
    let mut targets = HashSet::with_capacity(planned.len());
    for plan in planned.iter().flatten() {
        if let Some((meta, key)) = plan.target()
            && !targets.insert((meta.id, serde_json::to_vec(&key).unwrap_or_default()))
        {
            return Err(DynamoError::validation(
                "Provided list of item keys contains duplicates",
            ));
        }
    }
    drop(targets);

    let mut tally = Tally::new();
    let mut responses = Vec::with_capacity(planned.len());
    for ((plan, request), old_on_failure) in planned.into_iter().zip(&requests).zip(old_on_failure)
    {
        let plan = match plan {
            Ok(plan) => plan,
            Err(e) => {
                responses.push(failed(e, None));
                continue;
            }
        };
        let table = plan_table(&plan);
        let options = execute::Options {
            consistent_read: request.consistent_read.unwrap_or(false),
            old_on_failure,
            ..execute::Options::default()
        };
        match execute::run(db, region, plan, &options).await {
            Ok(outcome) => {
                tally.charge_all(&outcome.table, &outcome.charge);
                responses.push(BatchStatementResponse {
                    error: None,
                    table_name: Some(outcome.table),
                    item: first_item(&outcome.items_json)?,
                });
            }
            Err(e) => responses.push(failed(e, Some(table))),
        }
    }
    Ok(BatchExecuteStatementOutput {
        responses,
        consumed_capacity: tally.into_list(rcc),
    })
}

fn plan_table(plan: &Plan) -> String {
    match plan {
        Plan::Select(select) => select.meta.name.clone(),
        Plan::Insert(write) | Plan::Update(write) | Plan::Delete(write) | Plan::Exists(write) => {
            write.meta.name.clone()
        }
    }
}

/// The item of a one-item answer.
fn first_item(items_json: &[u8]) -> Result<Option<Item>> {
    if items_json.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(items_json).map(Some).map_err(|e| {
        tracing::error!(error = %e, "a statement's item does not decode");
        DynamoError::internal("Internal server error")
    })
}

/// A statement's error as its response: the batch's code for the exception, its message and
/// the stored item a failed condition returns.
fn failed(e: DynamoError, table_name: Option<String>) -> BatchStatementResponse {
    let code = match e.code {
        ErrorCode::ConditionalCheckFailedException => "ConditionalCheckFailed",
        ErrorCode::DuplicateItemException => "DuplicateItem",
        ErrorCode::ValidationException => "ValidationError",
        ErrorCode::ResourceNotFoundException => "ResourceNotFound",
        ErrorCode::ProvisionedThroughputExceededException => "ProvisionedThroughputExceeded",
        ErrorCode::ThrottlingException => "ThrottlingError",
        ErrorCode::ItemCollectionSizeLimitExceededException => "ItemCollectionSizeLimitExceeded",
        ErrorCode::RequestLimitExceeded => "RequestLimitExceeded",
        ErrorCode::TransactionConflictException => "TransactionConflict",
        _ => "InternalServerError",
    };
    let item = e
        .extra
        .get("Item")
        .and_then(|item| serde_json::from_value(item.clone()).ok());
    BatchStatementResponse {
        error: Some(BatchStatementError {
            code,
            message: e.message,
            item,
        }),
        table_name,
        item: None,
    }
}
