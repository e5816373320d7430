//! Timestream's SQL dialect, mapped onto what DataFusion plans.
//!
//! Two passes over the query text:
//! - tokens: a duration literal (`5m`, `1h`, `15s`, `1d`, `10ms`, `100us`, `1ns`: an integer
//!   directly followed by its unit) becomes an interval literal, and an unquoted
//!   `INTERVAL 1 HOUR`, which Timestream's parser refuses, is refused here too;
//! - syntax tree: `measure_value::double` (and `::bigint`, `::varchar`, `::boolean`,
//!   `::timestamp`) is the name of a column, not a cast; functions the service does not have
//!   (`time_bucket`) are refused naming the Timestream equivalent; the top-level select's
//!   unnamed expressions are named `_col0`, `_col1`, ... by position, as the service names
//!   them; every `"database"."table"` reference is collected, with its place in the text,
//!   so the caller can resolve it against its catalog; an UNNEST that expands a column of
//!   the relation before it is rewritten into something DataFusion plans (`unnest`).
//!
//! Errors carry the line and column of the offending token, as the service's do.

use std::collections::HashSet;
use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    CastKind, Expr, Ident, ObjectName, ObjectNamePart, Query, Select, SelectItem, SetExpr,
    Statement, Value, Visit, Visitor, visit_expressions_mut, visit_relations,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion::sql::sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Word};

use crate::error::QueryError;

/// A query in Timestream's dialect, rewritten for DataFusion.
#[derive(Debug, Clone)]
pub struct ParsedQuery {
    pub statement: Statement,
    /// Every `database.table` the query reads, in order of appearance, without repeats.
    pub tables: Vec<TableReference>,
}

/// A table named in a query, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReference {
    pub database: String,
    pub table: String,
    pub location: Location,
}

/// The typed columns of a single-measure record, named as Timestream names them.
const MEASURE_VALUE_TYPES: [&str; 5] = ["double", "bigint", "varchar", "boolean", "timestamp"];

pub fn parse(sql: &str) -> Result<ParsedQuery, QueryError> {
    let dialect = GenericDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| QueryError::at(e.location, &e.message))?;
    let tokens = rewrite_tokens(tokens)?;
    let mut statements = Parser::new(&dialect)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| parser_error(&e))?;
    if statements.len() != 1 {
        return Err(QueryError::validation(
            "The query must consist of exactly one SQL statement",
        ));
    }
    let mut statement = statements.remove(0);
    let Statement::Query(query) = &mut statement else {
        return Err(QueryError::at(
            Location::new(1, 1),
            "Only SELECT queries are supported",
        ));
    };
    rewrite_expressions(query)?;
    name_unnamed_columns(query);
    crate::unnest::rewrite(query)?;
    let tables = table_references(query)?;
    Ok(ParsedQuery { statement, tables })
}

/// Turns duration literals into interval literals; refuses unquoted interval values.
fn rewrite_tokens(tokens: Vec<TokenWithSpan>) -> Result<Vec<TokenWithSpan>, QueryError> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut tokens = tokens.into_iter().peekable();
    while let Some(t) = tokens.next() {
        if let Token::Number(digits, false) = &t.token
            && let Some(Token::Word(unit)) = tokens.peek().map(|n| &n.token)
            && let Some(unit) = duration_unit(unit)
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            let literal = format!("{digits} {unit}");
            let unit_token = tokens.next().expect("peeked");
            out.push(TokenWithSpan::new(Token::make_keyword("INTERVAL"), t.span));
            out.push(TokenWithSpan::new(
                Token::SingleQuotedString(literal),
                t.span.union(&unit_token.span),
            ));
            continue;
        }
        if let Token::Word(Word {
            keyword: Keyword::INTERVAL,
            ..
        }) = &t.token
        {
            let next = tokens
                .clone()
                .find(|n| !matches!(n.token, Token::Whitespace(_)));
            if let Some(TokenWithSpan {
                token: Token::Number(value, _),
                span,
            }) = next
            {
                return Err(QueryError::at(
                    span.start,
                    format!(
                        "mismatched input '{value}'. Expecting: <string>. Timestream writes \
                         durations as literals such as 1h (ago(1h), bin(time, 5m)) or as \
                         INTERVAL '{value}' HOUR"
                    ),
                ));
            }
        }
        out.push(t);
    }
    Ok(out)
}

/// The interval unit of a duration literal's suffix, which must follow its digits directly.
fn duration_unit(word: &Word) -> Option<&'static str> {
    if word.quote_style.is_some() {
        return None;
    }
    Some(match word.value.to_ascii_lowercase().as_str() {
        "ns" => "nanosecond",
        "us" => "microsecond",
        "ms" => "millisecond",
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        _ => return None,
    })
}

/// sqlparser ends its messages with " at Line: L, Column: C"; the service starts them with
/// "line L:C: ".
fn parser_error(e: &ParserError) -> QueryError {
    let message = match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.as_str(),
        ParserError::RecursionLimitExceeded => "The query is nested too deeply",
    };
    if let Some((text, place)) = message.rsplit_once(" at Line: ")
        && let Some((line, column)) = place.split_once(", Column: ")
        && let (Ok(line), Ok(column)) = (line.parse(), column.parse())
    {
        return QueryError::at(Location::new(line, column), text);
    }
    QueryError::validation(message)
}

fn rewrite_expressions(query: &mut Query) -> Result<(), QueryError> {
    let flow = visit_expressions_mut(query, |expr| {
        match expr {
            Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: inner,
                data_type,
                ..
            } => {
                if let Expr::Identifier(ident) = inner.as_ref()
                    && ident.quote_style.is_none()
                    && ident.value.eq_ignore_ascii_case("measure_value")
                {
                    let ty = data_type.to_string().to_ascii_lowercase();
                    if MEASURE_VALUE_TYPES.contains(&ty.as_str()) {
                        let mut column = Ident::with_quote('"', format!("measure_value::{ty}"));
                        column.span = ident.span;
                        *expr = Expr::Identifier(column);
                    }
                }
            }
            Expr::Function(f) => {
                if let Some(e) = unsupported_function(&f.name) {
                    return ControlFlow::Break(e);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    match flow {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Functions of other time-series databases that users reach for, refused as the service
/// refuses any unknown function, with the Timestream equivalent named.
fn unsupported_function(name: &ObjectName) -> Option<QueryError> {
    let [ObjectNamePart::Identifier(ident)] = name.0.as_slice() else {
        return None;
    };
    let hint = match ident.value.to_ascii_lowercase().as_str() {
        "time_bucket" | "date_bin" => "group time into intervals with bin(time, 5m)",
        "interval" => "write durations as literals such as ago(1h) or bin(time, 5m)",
        _ => return None,
    };
    Some(QueryError::at(
        ident.span.start,
        format!(
            "Function '{}' not registered; in Timestream, {hint}",
            ident.value
        ),
    ))
}

/// Names the top-level select's unnamed expressions `_col<position>`, as the service does.
/// Plain and qualified column references keep their names; after a wildcard the positions
/// are unknown until planning, so later expressions keep the engine's names.
fn name_unnamed_columns(query: &mut Query) {
    let Some(select) = leftmost_select(&mut query.body) else {
        return;
    };
    for (position, item) in select.projection.iter_mut().enumerate() {
        match item {
            SelectItem::UnnamedExpr(expr) => {
                if matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
                    continue;
                }
                let expr = std::mem::replace(expr, Expr::value(Value::Null));
                *item = SelectItem::ExprWithAlias {
                    expr,
                    alias: Ident::with_quote('"', format!("_col{position}")),
                };
            }
            SelectItem::ExprWithAlias { .. } | SelectItem::ExprWithAliases { .. } => {}
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => return,
        }
    }
}

fn leftmost_select(body: &mut SetExpr) -> Option<&mut Select> {
    match body {
        SetExpr::Select(select) => Some(select),
        SetExpr::SetOperation { left, .. } => leftmost_select(left),
        SetExpr::Query(q) => leftmost_select(&mut q.body),
        _ => None,
    }
}

/// The tables a query reads. A one-part name is a common table expression's; a table needs
/// its database named.
fn table_references(query: &Query) -> Result<Vec<TableReference>, QueryError> {
    let mut ctes = CteNames(HashSet::new());
    let _ = query.visit(&mut ctes);
    let ctes = ctes.0;
    let mut tables = Vec::new();
    let flow = visit_relations(query, |name| {
        let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
        match parts.as_slice() {
            [table] if ctes.contains(&table.value) => {}
            [table] => {
                return ControlFlow::Break(QueryError::at(
                    table.span.start,
                    format!(
                        "Table '{}' needs its database: write \"database\".\"{}\"",
                        table.value, table.value
                    ),
                ));
            }
            [database, table] => {
                let reference = TableReference {
                    database: database.value.clone(),
                    table: table.value.clone(),
                    location: database.span.start,
                };
                if !tables.iter().any(|t: &TableReference| {
                    t.database == reference.database && t.table == reference.table
                }) {
                    tables.push(reference);
                }
            }
            _ => {
                let first = parts.first().map_or(Location::new(1, 1), |p| p.span.start);
                return ControlFlow::Break(QueryError::at(
                    first,
                    format!("Invalid table name '{name}'"),
                ));
            }
        }
        ControlFlow::Continue(())
    });
    match flow {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(tables),
    }
}

/// The names every `WITH` clause of a query defines, at any depth.
struct CteNames(HashSet<String>);

impl Visitor for CteNames {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.0.extend(
                with.cte_tables
                    .iter()
                    .map(|cte| cte.alias.name.value.clone()),
            );
        }
        ControlFlow::Continue(())
    }
}
