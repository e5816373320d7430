//! `QueryError`: why a query was refused or failed, in the service's terms.

use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::tokenizer::Location;

/// The kind of failure, which the service maps to its exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryErrorKind {
    /// The query is not valid Timestream SQL, or names something that does not exist
    /// (`ValidationException`).
    Validation,
    /// The query is valid but failed while running (`QueryExecutionException`).
    Execution,
    /// A failure of the engine itself (`InternalServerException`).
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub kind: QueryErrorKind,
    pub message: String,
}

impl QueryError {
    pub fn validation(message: impl Into<String>) -> Self {
        QueryError {
            kind: QueryErrorKind::Validation,
            message: message.into(),
        }
    }

    /// A validation error at a place in the query, written as Timestream writes it:
    /// `line 3:5: <message>`.
    pub fn at(location: Location, message: impl std::fmt::Display) -> Self {
        Self::validation(format!(
            "line {}:{}: {message}",
            location.line, location.column
        ))
    }

    pub fn execution(message: impl Into<String>) -> Self {
        QueryError {
            kind: QueryErrorKind::Execution,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        QueryError {
            kind: QueryErrorKind::Internal,
            message: message.into(),
        }
    }

    /// Classifies an engine error: planning failures are the query's fault, failures while
    /// running are execution errors, and the engine's own are internal.
    pub(crate) fn from_planning(e: DataFusionError) -> Self {
        let location = e.diagnostic().and_then(|d| d.span).map(|span| span.start);
        let message = planning_message(&e);
        match (e.find_root(), location) {
            (DataFusionError::Internal(_), _) => Self::internal(e.to_string()),
            (_, Some(location)) if location.line > 0 => {
                Self::at(Location::new(location.line, location.column), message)
            }
            _ => Self::validation(message),
        }
    }

    pub(crate) fn from_execution(e: DataFusionError) -> Self {
        match e.find_root() {
            DataFusionError::Internal(_) => Self::internal(e.to_string()),
            DataFusionError::Plan(_) | DataFusionError::SchemaError(..) => Self::from_planning(e),
            root => Self::execution(strip_prefixes(&root.to_string()).to_owned()),
        }
    }
}

/// The engine's text for a planning error, reworded where Timestream's differs.
fn planning_message(e: &DataFusionError) -> String {
    use datafusion::common::SchemaError;
    match e.find_root() {
        DataFusionError::SchemaError(error, _)
            if let SchemaError::FieldNotFound { field, .. } = error.as_ref() =>
        {
            format!("Column '{}' does not exist", field.name)
        }
        root => with_timestream_type_names(strip_prefixes(&root.to_string())),
    }
}

/// The engine's messages name Arrow types (`List(non-null Struct("time": ...))`); the
/// service's name its own (`timeseries(double)`). Those a query can meet are renamed.
pub(crate) fn with_timestream_type_names(message: &str) -> String {
    use datafusion::arrow::datatypes::{DataType, Field, IntervalUnit};
    use std::sync::Arc;

    use crate::functions::TIMESTAMP;
    use crate::result::type_name;
    use crate::timeseries;

    let scalars = [
        DataType::Float64,
        DataType::Int64,
        DataType::Utf8,
        DataType::Boolean,
    ];
    let mut types: Vec<DataType> = scalars
        .iter()
        .map(|v| timeseries::data_type(v.clone()))
        .collect();
    types.extend(
        [true, false]
            .map(|nullable| DataType::List(Arc::new(Field::new_list_field(TIMESTAMP, nullable)))),
    );
    types.extend(scalars);
    types.extend([
        DataType::Utf8View,
        TIMESTAMP,
        DataType::Interval(IntervalUnit::MonthDayNano),
    ]);
    let mut renamings: Vec<(String, String)> = types
        .iter()
        .map(|t| (t.to_string(), type_name(t)))
        .collect();
    // Longest first, so that a type is renamed before the types inside it.
    renamings.sort_by_key(|(arrow, _)| std::cmp::Reverse(arrow.len()));
    let mut message = message.to_owned();
    for (arrow, timestream) in renamings {
        message = message.replace(&arrow, &timestream);
    }
    message
}

/// DataFusion prefixes its messages with their category ("Error during planning: ").
fn strip_prefixes(message: &str) -> &str {
    const PREFIXES: [&str; 6] = [
        "Error during planning: ",
        "Schema error: ",
        "Execution error: ",
        "Arrow error: ",
        "Optimizer rule 'simplify_expressions' failed\ncaused by\n",
        "This feature is not implemented: ",
    ];
    let mut message = message;
    while let Some(rest) = PREFIXES.iter().find_map(|p| message.strip_prefix(p)) {
        message = rest;
    }
    message
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}
