//! `CROSS JOIN UNNEST(x) AS t(a, b)`: a timeseries (or array) of each row expanded into rows.
//!
//! DataFusion cannot plan an UNNEST in FROM that reads a column of the relation before it (a
//! lateral reference), but it unnests in the select list. So the syntax tree is rewritten:
//!
//! ```text
//! FROM r AS q CROSS JOIN UNNEST(e) AS t(a, b)
//!   → FROM (SELECT "$unnest".* EXCLUDE ("$point"),
//!                  "$unnest_column"("$unnest"."$point", 0, ...) AS a,
//!                  "$unnest_column"("$unnest"."$point", 1, ...) AS b
//!           FROM (SELECT q.*, unnest(e) AS "$point" FROM r AS q) AS "$unnest") AS q
//! ```
//!
//! and references to `t.a` become `q.a`. A timeseries' points are rows of (time, value): they
//! become the columns `time` and `value` unless the alias names them; an array of other
//! values becomes one column, which the alias must name. The relation keeps its name, so its
//! columns are referred to as before. The relation expanded is the one the argument's column
//! is qualified by (else the one right before the UNNEST), across inner joins: `FROM a JOIN b
//! ON ... CROSS JOIN UNNEST(b.ts)` expands `b` inside the join, which gives the same rows.
//! `FROM UNNEST(ARRAY[...])` alone is DataFusion's own.

use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::sql::sqlparser::ast::{
    Expr, Ident, Join, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart, Query, Select,
    SetExpr, Spanned, TableAlias, TableFactor, TableWithJoins, Visit, VisitMut, Visitor,
    VisitorMut, visit_expressions_mut,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::{Location, Span};

use crate::error::QueryError;

const ARRAY: &str = "$array";
const RELATION: &str = "$relation";

/// Rewrites every `UNNEST` that follows a relation in `query`, at every depth.
pub fn rewrite(query: &mut Query) -> Result<(), QueryError> {
    match VisitMut::visit(query, &mut Folder) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

struct Folder;

/// Where an UNNEST's columns went: `alias.column` becomes `relation.column`, or
/// `relation."<internal>"` for a column whose name an earlier UNNEST of the same relation
/// already took.
struct Rename {
    alias: Ident,
    relation: Ident,
    internal: Vec<(String, Ident)>,
}

impl VisitorMut for Folder {
    type Break = QueryError;

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<QueryError> {
        let mut renames = Vec::new();
        let mut selects = Vec::new();
        selects_of(&mut query.body, &mut selects);
        for select in selects {
            if let Err(e) = fold_select(select, &mut renames) {
                return ControlFlow::Break(e);
            }
        }
        if !renames.is_empty() {
            let _ = visit_expressions_mut(query, |expr| {
                if let Expr::CompoundIdentifier(parts) = expr
                    && let [qualifier, column] = parts.as_mut_slice()
                    && let Some(rename) = renames.iter().find(|r| same_name(&r.alias, qualifier))
                {
                    let span = qualifier.span;
                    *qualifier = rename.relation.clone();
                    qualifier.span = span;
                    if let Some((_, internal)) = rename
                        .internal
                        .iter()
                        .find(|(name, _)| *name == normalized(column))
                    {
                        let span = column.span;
                        *column = internal.clone();
                        column.span = span;
                    }
                }
                ControlFlow::<()>::Continue(())
            });
        }
        ControlFlow::Continue(())
    }
}

/// The selects of a query body, through set operations (nested queries are visited apart).
fn selects_of<'a>(body: &'a mut SetExpr, out: &mut Vec<&'a mut Select>) {
    match body {
        SetExpr::Select(select) => out.push(select),
        SetExpr::SetOperation { left, right, .. } => {
            selects_of(left, out);
            selects_of(right, out);
        }
        _ => {}
    }
}

/// Names as the planner compares them: unquoted names are folded to lower case.
fn normalized(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_ascii_lowercase()
    }
}

fn same_name(a: &Ident, b: &Ident) -> bool {
    normalized(a) == normalized(b)
}

fn quoted(ident: &Ident) -> Ident {
    let mut quoted = Ident::with_quote('"', normalized(ident));
    quoted.span = ident.span;
    quoted
}

/// Folds each UNNEST of a select's FROM into the relation before it; `renames` receives
/// where each UNNEST's columns went.
fn fold_select(select: &mut Select, renames: &mut Vec<Rename>) -> Result<(), QueryError> {
    // `FROM r, UNNEST(...)` is `FROM r CROSS JOIN UNNEST(...)`.
    let mut i = 1;
    while i < select.from.len() {
        let item = &select.from[i];
        if item.joins.is_empty() && matches!(item.relation, TableFactor::UNNEST { .. }) {
            let unnest = select.from.remove(i);
            select.from[i - 1].joins.push(Join {
                relation: unnest.relation,
                global: false,
                join_operator: JoinOperator::CrossJoin(JoinConstraint::None),
            });
        } else {
            i += 1;
        }
    }
    for from in &mut select.from {
        // The columns the UNNESTs folded into each relation so far have added, by position
        // (0: the first relation, j + 1: the relation of join j).
        let mut added: Vec<Vec<String>> = vec![Vec::new(); from.joins.len() + 1];
        while let Some(k) = from
            .joins
            .iter()
            .position(|j| matches!(j.relation, TableFactor::UNNEST { .. }))
        {
            let join = from.joins.remove(k);
            let place = join.relation.span().start;
            if !matches!(
                join.join_operator,
                JoinOperator::CrossJoin(JoinConstraint::None)
            ) {
                return Err(QueryError::at(
                    place,
                    "UNNEST of a column is supported as CROSS JOIN UNNEST(...)",
                ));
            }
            // Across inner joins, expanding the relation the column belongs to is the same as
            // expanding the joined rows; across outer joins it is not.
            if !from.joins[..k].iter().all(|j| {
                matches!(
                    j.join_operator,
                    JoinOperator::Join(_) | JoinOperator::Inner(_) | JoinOperator::CrossJoin(_)
                )
            }) {
                return Err(QueryError::at(
                    place,
                    "UNNEST after an outer join is not supported; UNNEST before joining",
                ));
            }
            let target = expanded_relation(from, k, &join.relation);
            let slot = match target {
                0 => &mut from.relation,
                j => &mut from.joins[j - 1].relation,
            };
            let relation = std::mem::replace(slot, placeholder());
            *slot = fold(relation, join.relation, &mut added[target], renames)?;
        }
    }
    Ok(())
}

/// Which of the relations before UNNEST `k` (0: the first, j + 1: join j's) it expands a
/// column of: the one its argument's first qualified column names, else the one right
/// before it.
fn expanded_relation(from: &TableWithJoins, k: usize, unnest: &TableFactor) -> usize {
    let mut qualifier = None;
    let _ = Visit::visit(unnest, &mut QualifierFinder(&mut qualifier));
    let relations =
        std::iter::once(&from.relation).chain(from.joins[..k].iter().map(|j| &j.relation));
    qualifier
        .and_then(|q| {
            relations
                .enumerate()
                .find(|(_, r)| known_name(r).is_some_and(|name| same_name(&name, &q)))
                .map(|(i, _)| i)
        })
        .unwrap_or(k)
}

/// The first qualifier of a column reference.
struct QualifierFinder<'a>(&'a mut Option<Ident>);

impl Visitor for QualifierFinder<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::CompoundIdentifier(parts) = expr
            && let [qualifier, _] = parts.as_slice()
        {
            *self.0 = Some(qualifier.clone());
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

/// The name a relation is referred to by, if it has one.
fn known_name(relation: &TableFactor) -> Option<Ident> {
    match relation {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Some(a.name.clone())
        }
        TableFactor::Table { name, .. } => {
            name.0.last().and_then(ObjectNamePart::as_ident).cloned()
        }
        _ => None,
    }
}

/// What stands in a relation's place while it is folded.
fn placeholder() -> TableFactor {
    TableFactor::Table {
        name: ObjectName(Vec::new()),
        alias: None,
        args: None,
        with_hints: Vec::new(),
        version: None,
        with_ordinality: false,
        partitions: Vec::new(),
        json_path: None,
        sample: None,
        index_hints: Vec::new(),
    }
}

/// `relation CROSS JOIN unnest` as one derived table named as `relation`; `added` holds the
/// names of the columns earlier UNNESTs added to it.
fn fold(
    mut relation: TableFactor,
    unnest: TableFactor,
    added: &mut Vec<String>,
    renames: &mut Vec<Rename>,
) -> Result<TableFactor, QueryError> {
    let TableFactor::UNNEST {
        alias,
        mut array_exprs,
        with_offset,
        with_ordinality,
        ..
    } = unnest
    else {
        unreachable!("only UNNEST is folded")
    };
    let place = array_exprs
        .first()
        .map_or(Location::new(1, 1), |e| e.span().start);
    if with_offset || with_ordinality {
        return Err(QueryError::at(
            place,
            "UNNEST ... WITH ORDINALITY is not supported",
        ));
    }
    if array_exprs.len() != 1 {
        return Err(QueryError::at(
            place,
            "UNNEST of a column takes exactly one timeseries or array",
        ));
    }
    let array = array_exprs.remove(0);
    let name = relation_name(&mut relation, place)?;
    let (columns, aliased) = match &alias {
        Some(alias) if !alias.columns.is_empty() => (
            alias.columns.iter().map(|c| quoted(&c.name)).collect(),
            alias.columns.len(),
        ),
        _ => (
            vec![
                Ident::with_quote('"', "time"),
                Ident::with_quote('"', "value"),
            ],
            0,
        ),
    };
    let unnest_name = alias
        .as_ref()
        .map_or_else(|| "UNNEST".to_owned(), |a| a.name.value.clone());
    let mut internal = Vec::new();
    let columns: Vec<Ident> = columns
        .into_iter()
        .map(|column| {
            if !added.contains(&column.value) {
                added.push(column.value.clone());
                return column;
            }
            let unique = Ident::with_quote('"', format!("${unnest_name}.{}", column.value));
            internal.push((column.value, unique.clone()));
            unique
        })
        .collect();
    let accessors: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            format!(
                "\"$unnest_column\"(\"$unnest\".\"$point\", {index}, {aliased}, '{}', 'line {}:{}') AS {column}",
                unnest_name.replace('\'', "''"),
                place.line,
                place.column
            )
        })
        .collect();
    let template = format!(
        "SELECT * FROM (SELECT \"$unnest\".* EXCLUDE (\"$point\"), {} \
         FROM (SELECT {name}.*, unnest(\"{ARRAY}\") AS \"$point\" FROM \"{RELATION}\") AS \"$unnest\") AS {name}",
        accessors.join(", ")
    );
    let mut derived = template_relation(&template)?;
    let mut relation = Some(relation);
    let mut array = Some(array);
    let _ = VisitMut::visit(
        &mut derived,
        &mut Substitute {
            relation: &mut relation,
            array: &mut array,
            place,
        },
    );
    if let Some(alias) = alias {
        renames.push(Rename {
            alias: alias.name,
            relation: name,
            internal,
        });
    }
    Ok(derived)
}

/// The name `relation` is known by, giving it one if it has none.
fn relation_name(relation: &mut TableFactor, place: Location) -> Result<Ident, QueryError> {
    let (alias, default) = match relation {
        TableFactor::Table { name, alias, .. } => {
            let last = name.0.last().and_then(ObjectNamePart::as_ident).cloned();
            (alias, last)
        }
        TableFactor::Derived { alias, .. } => (alias, None),
        _ => {
            return Err(QueryError::at(
                place,
                "UNNEST of a column must follow a table, a WITH query or a subquery",
            ));
        }
    };
    let name = match (&*alias, default) {
        (Some(alias), _) => quoted(&alias.name),
        (None, Some(table)) => quoted(&table),
        (None, None) => Ident::with_quote('"', "$unnested"),
    };
    if alias.is_none() {
        *alias = Some(TableAlias {
            explicit: true,
            name: name.clone(),
            columns: Vec::new(),
            at: None,
        });
    }
    Ok(name)
}

/// The relation of the template's outer FROM.
fn template_relation(template: &str) -> Result<TableFactor, QueryError> {
    let mut parser = Parser::new(&GenericDialect {})
        .try_with_sql(template)
        .map_err(|e| QueryError::internal(e.to_string()))?;
    let query = parser
        .parse_query()
        .map_err(|e| QueryError::internal(e.to_string()))?;
    match *query.body {
        SetExpr::Select(mut select) if select.from.len() == 1 => Ok(select.from.remove(0).relation),
        _ => Err(QueryError::internal("the UNNEST template has one relation")),
    }
}

/// Puts the original relation and array expression, with their places in the query text, in
/// the template's stand-ins, and places the template's `unnest` call where UNNEST's argument
/// is, for errors to point at.
struct Substitute<'a> {
    relation: &'a mut Option<TableFactor>,
    array: &'a mut Option<Expr>,
    place: Location,
}

impl VisitorMut for Substitute<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, .. } = factor
            && name.to_string() == format!("\"{RELATION}\"")
            && let Some(relation) = self.relation.take()
        {
            *factor = relation;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr
            && let [ObjectNamePart::Identifier(name)] = f.name.0.as_mut_slice()
            && name.value == "unnest"
        {
            name.span = Span::new(self.place, self.place);
        }
        if let Expr::Identifier(ident) = expr
            && ident.value == ARRAY
            && let Some(array) = self.array.take()
        {
            *expr = array;
        }
        ControlFlow::Continue(())
    }
}

/// `"$unnest_column"(point, index, aliased, unnest name, place)`: column `index` of one
/// unnested element: a field of a row (a timeseries point is the row (time, value)), or the
/// element itself. `aliased` is how many column names the query gave (0: none), checked
/// against what the element has, with Trino's message.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct UnnestColumn {
    signature: Signature,
}

impl UnnestColumn {
    pub fn new() -> Self {
        UnnestColumn {
            signature: Signature::any(5, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for UnnestColumn {
    fn name(&self) -> &str {
        "$unnest_column"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        // `return_field_from_args` answers, from the literal arguments.
        plan_err!("$unnest_column needs its literal arguments")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let literal = |i: usize| args.scalar_arguments.get(i).copied().flatten();
        let (
            Some(ScalarValue::Int64(Some(index))),
            Some(ScalarValue::Int64(Some(aliased))),
            Some(ScalarValue::Utf8(Some(unnest))),
            Some(ScalarValue::Utf8(Some(place))),
        ) = (literal(1), literal(2), literal(3), literal(4))
        else {
            return plan_err!("$unnest_column takes literal arguments");
        };
        let element = args.arg_fields[0].data_type();
        let columns: Vec<&DataType> = match element {
            DataType::Struct(fields) => fields.iter().map(|f| f.data_type()).collect(),
            other => vec![other],
        };
        let available = i64::try_from(columns.len()).unwrap_or(i64::MAX);
        if *aliased == 0 && !matches!(element, DataType::Struct(_)) {
            return plan_err!(
                "{place}: UNNEST of an array needs a name for its column: UNNEST(x) AS t(name)"
            );
        }
        if *aliased != 0 && *aliased != available {
            return plan_err!(
                "{place}: Column alias list has {aliased} entries but '{unnest}' has {available} columns available"
            );
        }
        let Some(data_type) = usize::try_from(*index).ok().and_then(|i| columns.get(i)) else {
            return plan_err!("{place}: '{unnest}' has {available} columns available");
        };
        Ok(Arc::new(Field::new(
            self.name(),
            (*data_type).clone(),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let Some(ColumnarValue::Scalar(ScalarValue::Int64(Some(index)))) = args.args.get(1) else {
            return exec_err!("$unnest_column takes a literal index");
        };
        let index = usize::try_from(*index).unwrap_or(usize::MAX);
        let points = args.args[0].to_array(args.number_rows)?;
        let column = match points.data_type() {
            DataType::Struct(_) => Arc::clone(points.as_struct().column(index)),
            _ => points,
        };
        Ok(ColumnarValue::Array(column))
    }
}
