//! Timestream's query language on Apache DataFusion.
//!
//! The caller owns the data: it answers which databases exist and hands a DataFusion
//! `TableProvider` for each table a query names ([`Catalog`]). This crate turns the
//! Timestream dialect into something DataFusion plans ([`dialect`]), adds Timestream's
//! functions ([`functions`]), runs the query and answers in Timestream's types and value
//! formats ([`result`]), with errors as the service words them ([`error`]).
//!
//! It is its own crate so that DataFusion, the one expensive dependency of the workspace,
//! is compiled only by what needs it.

pub mod dialect;
pub mod error;
pub mod functions;
pub mod result;
mod sequence;
mod timeseries;
mod unnest;

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

pub use datafusion;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider, TableProvider};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::{SessionContext, SessionState};
use datafusion::prelude::SessionConfig;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{Expr, Statement, visit_expressions};
use datafusion::sql::sqlparser::tokenizer::Location;

pub use dialect::{ParsedQuery, TableReference};
pub use error::{QueryError, QueryErrorKind};
pub use result::{Column, ColumnType, Datum, ResultSet, ScalarType, TimeSeriesPoint};

/// What a query can read: databases, and a table provider per table.
pub trait Catalog: Send + Sync {
    fn database_exists(&self, database: &str) -> bool;
    fn table(&self, database: &str, table: &str) -> Option<Arc<dyn TableProvider>>;
}

/// A configured DataFusion session with Timestream's functions; each query plans in a fresh
/// context made from it, holding only the tables the query names.
pub struct Engine {
    state: SessionState,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    pub fn new() -> Engine {
        let mut config = SessionConfig::new();
        let options = config.options_mut();
        // Trino (and so Timestream) sorts NULLs last whatever the direction.
        options.sql_parser.default_null_ordering = "nulls_last".to_owned();
        // Spans let planning errors name their line and column.
        options.sql_parser.collect_spans = true;
        let builder = SessionStateBuilder::new().with_config(config);
        Engine {
            state: functions::register(builder).build(),
        }
    }

    /// Runs a query to completion.
    pub async fn query(&self, sql: &str, catalog: &dyn Catalog) -> Result<ResultSet, QueryError> {
        let parsed = dialect::parse(sql)?;
        let (context, plan) = self.plan(&parsed, catalog).await?;
        let columns = output_columns(&plan)?;
        let batches = context
            .execute_logical_plan(plan)
            .await
            .map_err(QueryError::from_execution)?
            .collect()
            .await
            .map_err(QueryError::from_execution)?;
        result::result_set(columns, &batches)
    }

    /// Plans a query without running it: its result columns (PrepareQuery).
    pub async fn describe(
        &self,
        sql: &str,
        catalog: &dyn Catalog,
    ) -> Result<Vec<Column>, QueryError> {
        let parsed = dialect::parse(sql)?;
        let (_, plan) = self.plan(&parsed, catalog).await?;
        output_columns(&plan)
    }

    async fn plan(
        &self,
        parsed: &ParsedQuery,
        catalog: &dyn Catalog,
    ) -> Result<(SessionContext, datafusion::logical_expr::LogicalPlan), QueryError> {
        let context = SessionContext::new_with_state(self.state.clone());
        let default_catalog = context
            .catalog(&self.state.config().options().catalog.default_catalog)
            .ok_or_else(|| QueryError::internal("the session has no default catalog"))?;
        let mut schemas: HashMap<&str, Arc<MemorySchemaProvider>> = HashMap::new();
        for reference in &parsed.tables {
            let table = resolve(catalog, reference)?;
            let schema = match schemas.get(reference.database.as_str()) {
                Some(schema) => Arc::clone(schema),
                None => {
                    let schema = Arc::new(MemorySchemaProvider::new());
                    default_catalog
                        .register_schema(&reference.database, schema.clone())
                        .map_err(QueryError::from_planning)?;
                    schemas.insert(&reference.database, Arc::clone(&schema));
                    schema
                }
            };
            schema
                .register_table(reference.table.clone(), table)
                .map_err(QueryError::from_planning)?;
        }
        let statement = DfStatement::Statement(Box::new(parsed.statement.clone()));
        let plan = context
            .state()
            .statement_to_plan(statement)
            .await
            .map_err(|e| planning_error(e, &parsed.statement))?;
        Ok((context, plan))
    }
}

fn resolve(
    catalog: &dyn Catalog,
    reference: &TableReference,
) -> Result<Arc<dyn TableProvider>, QueryError> {
    let identifier = format!("{}.{}", reference.database, reference.table);
    let place = format!(
        "line {}:{}",
        reference.location.line, reference.location.column
    );
    if !catalog.database_exists(&reference.database) {
        return Err(QueryError::validation(format!(
            "Requested database '{}' not found for identifier '{identifier}' at {place}",
            reference.database
        )));
    }
    catalog
        .table(&reference.database, &reference.table)
        .ok_or_else(|| {
            QueryError::validation(format!(
                "Requested table '{}' not found for identifier '{identifier}' at {place}",
                reference.table
            ))
        })
}

fn output_columns(plan: &datafusion::logical_expr::LogicalPlan) -> Result<Vec<Column>, QueryError> {
    plan.schema()
        .fields()
        .iter()
        .map(|f| result::column(f))
        .collect()
}

/// DataFusion names unknown functions, and functions called with arguments of the wrong
/// types, without their place; the query text has it.
fn planning_error(e: datafusion::error::DataFusionError, statement: &Statement) -> QueryError {
    let text = e.find_root().to_string();
    let (name, message) = if let Some(name) = text
        .split_once("Invalid function '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(name, _)| name.to_owned())
    {
        let message = format!("Function '{name}' not registered");
        (name, message)
    } else if let Some((_, unexpected)) = text.split_once("Unexpected parameters (")
        && let Some((_, rest)) = unexpected.split_once(") for function ")
        && let Some((name, _)) = rest.split_once(". Expected: ")
    {
        // DataFusion appends its own list of candidates, which names no Timestream type.
        let unexpected = unexpected
            .split_once(". No function matches")
            .map_or(unexpected, |(ours, _)| ours);
        let message = format!("Unexpected parameters ({unexpected}");
        (name.to_owned(), message)
    } else if let Some((_, rest)) =
        text.split_once("No function matches the given name and argument types '")
        && let Some((call, _)) = rest.split_once("'. ")
        && let Some((name, arguments)) = call.split_once('(')
    {
        let arguments = arguments.strip_suffix(')').unwrap_or(arguments);
        let message = format!(
            "Unexpected parameters ({}) for function {name}",
            error::with_timestream_type_names(arguments)
        );
        (name.to_owned(), message)
    } else if let Some((_, expression)) = text.split_once("Cannot coerce arithmetic expression ")
        && let Some(expression) = expression.strip_suffix(" to valid types")
        && let Some(error) =
            arithmetic_error(&error::with_timestream_type_names(expression), statement)
    {
        return error;
    } else if text.contains("unnest() can only be applied to array, struct and null") {
        let message = "UNNEST takes a timeseries or an array".to_owned();
        ("unnest".to_owned(), message)
    } else {
        return with_column_place(QueryError::from_planning(e), statement);
    };
    let mut location = None;
    let _ = visit_expressions(statement, |expr| {
        if let Expr::Function(f) = expr
            && let Some(ident) = f.name.0.last().and_then(|p| p.as_ident())
            && ident.value.eq_ignore_ascii_case(&name)
        {
            location = Some(ident.span.start);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    QueryError::at(location.unwrap_or(Location::new(1, 1)), message)
}

/// Arithmetic on types it does not apply to (a timeseries, say), as Trino words it at the
/// expression: `'+' cannot be applied to timeseries(double), bigint`.
fn arithmetic_error(expression: &str, statement: &Statement) -> Option<QueryError> {
    use datafusion::sql::sqlparser::ast::{BinaryOperator, Spanned};
    let (left, operator, right, op) = [
        ("+", BinaryOperator::Plus),
        ("-", BinaryOperator::Minus),
        ("*", BinaryOperator::Multiply),
        ("/", BinaryOperator::Divide),
        ("%", BinaryOperator::Modulo),
    ]
    .into_iter()
    .find_map(|(symbol, op)| {
        let (left, right) = expression.split_once(&format!(" {symbol} "))?;
        Some((left, symbol, right, op))
    })?;
    let mut location = None;
    let _ = visit_expressions(statement, |expr| {
        if let Expr::BinaryOp {
            left, op: found, ..
        } = expr
            && *found == op
        {
            location = Some(left.span().start);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    Some(QueryError::at(
        location.unwrap_or(Location::new(1, 1)),
        format!("'{operator}' cannot be applied to {left}, {right}"),
    ))
}

/// An unknown column that DataFusion reports without its place (in an UNNEST's argument,
/// say) placed at its first mention.
fn with_column_place(error: QueryError, statement: &Statement) -> QueryError {
    let Some(column) = error
        .message
        .strip_prefix("Column '")
        .and_then(|rest| rest.strip_suffix("' does not exist"))
    else {
        return error;
    };
    let mut location = None;
    let _ = visit_expressions(statement, |expr| {
        let ident = match expr {
            Expr::Identifier(ident) => Some(ident),
            Expr::CompoundIdentifier(parts) => parts.last(),
            _ => None,
        };
        if let Some(ident) = ident
            && ident.value == column
        {
            location = Some(ident.span.start);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    match location {
        Some(location) => QueryError::at(location, &error.message),
        None => error,
    }
}

#[cfg(test)]
mod tests;
