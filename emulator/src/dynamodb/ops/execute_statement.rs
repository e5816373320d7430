//! ExecuteStatement: one PartiQL statement.
//!
//! ```text
//! {"Statement":"SELECT * FROM \"Music\" WHERE pk = ?","Parameters":[{"S":"a"}],"Limit":10}
//! → {"Items":[..],"NextToken":".."}
//! {"Statement":"INSERT INTO Music VALUE {'pk': 'b', 'n': 1}"} → {"Items":[]}
//! ```
//!
//! The statement is parsed and planned (`partiql`) and runs as the Query, Scan, PutItem,
//! UpdateItem or DeleteItem it maps to. A write answers `Items` holding the item its
//! `RETURNING` clause asks for, or none.

use super::super::DynamoDb;
use super::super::capacity;
use super::super::error::{DynamoError, Result};
use super::super::item::{self, Violations};
use super::super::page;
use super::super::partiql::{self, execute, plan};
use super::super::types::partiql::{ExecuteStatementInput, ExecuteStatementOutput};

pub async fn execute_statement(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (ExecuteStatementInput, Option<DynamoError>),
) -> Result<ExecuteStatementOutput> {
    let mut v = Violations::new();
    if input.statement.is_none() {
        v.null("statement");
    }
    page::limit(input.limit, &mut v);
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    let old_on_failure = item::return_old_on_condition_failure(
        input.return_values_on_condition_check_failure.as_deref(),
        &mut v,
    );
    v.into_result()?;
    if let Some(e) = deferred {
        return Err(e);
    }
    let params = input.parameters.unwrap_or_default();
    let statement = partiql::parse(input.statement.as_deref().unwrap_or_default(), &params)?;
    let plan = plan::plan(db, region, &statement, &params)?;
    let options = execute::Options {
        limit: input.limit,
        consistent_read: input.consistent_read.unwrap_or(false),
        next_token: input.next_token,
        old_on_failure,
    };
    let outcome = execute::run(db, region, plan, &options).await?;
    Ok(ExecuteStatementOutput {
        items_json: outcome.items_json,
        next_token: outcome.next_token,
        consumed_capacity: capacity::charged(&outcome.table, &outcome.charge, rcc),
    })
}
