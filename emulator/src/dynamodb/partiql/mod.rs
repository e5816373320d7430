//! PartiQL for DynamoDB: the statements of ExecuteStatement, BatchExecuteStatement and
//! ExecuteTransaction.
//!
//! `lexer` → `parser` (an `ast::Statement`) → `plan` (parameters bound, the table looked
//! up, the statement mapped onto a Query, Scan, PutItem, UpdateItem, DeleteItem or
//! condition check). The operations in `ops/` run the plans through the existing
//! machinery, so a statement behaves, is charged and throttled exactly as the request it
//! maps to.
//!
//! The subset is DynamoDB's: `SELECT` (projection or `*`, `FROM "table"` or
//! `"table"."index"`, `WHERE`, `ORDER BY` a key), `INSERT INTO t VALUE {...}`,
//! `UPDATE t SET ... REMOVE ... WHERE <key> [RETURNING ...]`, `DELETE FROM t WHERE <key>
//! [RETURNING ALL OLD *]` and, in write transactions, `EXISTS(SELECT ...)`; literals for
//! every attribute type but binary (`'s'`, numbers, `TRUE`, `NULL`, `[lists]`, `{'maps':
//! ...}`, `<<sets>>`), binary values through `?` parameters.

pub mod ast;
pub mod execute;
pub mod lexer;
pub mod parser;
pub mod plan;

use super::error::{DynamoError, Result};
use super::value::AttributeValue;
use ast::Statement;
use parser::ParseError;

/// Parses `statement` and checks that `params` supply each of its `?`s.
pub fn parse(statement: &str, params: &[AttributeValue]) -> Result<Statement> {
    parse_as(statement, params, |name| {
        format!("Unsupported operation: {name}")
    })
}

/// [`parse`] for a statement of BatchExecuteStatement, which words an operation other than
/// the four it runs as its own.
pub fn parse_in_batch(statement: &str, params: &[AttributeValue]) -> Result<Statement> {
    parse_as(statement, params, |_| {
        "Invalid operation. Only select, insert, update and delete operations are valid".to_owned()
    })
}

fn parse_as(
    statement: &str,
    params: &[AttributeValue],
    unsupported_operation: impl FnOnce(&str) -> String,
) -> Result<Statement> {
    let parsed = parser::parse(statement).map_err(|e| match e {
        ParseError::Malformed => DynamoError::validation(format!(
            "Statement wasn't well formed, can't be processed: {statement}"
        )),
        ParseError::Unsupported(message) => DynamoError::validation(message),
        ParseError::Operation(name) => DynamoError::validation(unsupported_operation(&name)),
    })?;
    plan::check_insert_format(&parsed)?;
    if parser::parameter_count(&parsed) > params.len() {
        return Err(DynamoError::validation(
            "Number of parameters in request and statement don't match.",
        ));
    }
    Ok(parsed)
}
