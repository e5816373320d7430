//! DynamoDB's expression language: condition, filter, key-condition, update and projection
//! expressions, parsed by hand-written recursive descent and evaluated on items, with the
//! service's error texts and order of checks.
//!
//! # Use
//!
//! One [`ExpressionAttributes`] per request holds its `ExpressionAttributeNames` and
//! `ExpressionAttributeValues`. Every expression of the request is parsed with it, which
//! resolves the placeholders into the tree, and [`ExpressionAttributes::finish`] then reports
//! placeholders no expression used:
//!
//! ```text
//! let mut attrs = ExpressionAttributes::new(input.names.as_ref(), input.values.as_ref());
//! let update = expr::parse_update(update_src, &mut attrs)?;
//! let condition = expr::parse_condition(cond_src, ExpressionKind::Condition, &mut attrs)?;
//! attrs.finish()?;
//! if !condition.evaluate(&old_item) { /* ConditionalCheckFailed */ }
//! update.check_keys(&schema)?;
//! let updated = update.apply(&mut new_item)?;
//! let returned = updated.project(&new_item);
//! ```
//!
//! - [`parse_condition`] → [`Condition`]: [`Condition::evaluate`] on an item (an absent
//!   item is an empty one), [`Condition::references_attribute`], [`Condition::visit_paths`].
//! - [`parse_update`] → [`UpdateExpression`]: [`UpdateExpression::check_keys`],
//!   [`UpdateExpression::apply`] → [`UpdatedPaths`], whose `project` gives the attributes
//!   `UPDATED_OLD` / `UPDATED_NEW` return.
//! - [`parse_projection`] → [`Projection`]: [`Projection::apply`],
//!   [`Projection::top_level_names`].
//! - [`parse_key_condition`] → [`KeyCondition`]: the partition key's value and a
//!   [`SortCondition`], checked against the key schema; or, in the service's order,
//!   `parse_condition(.., ExpressionKind::KeyCondition, ..)` and later [`key_condition`].
//! - [`Path::get`] looks a document path up in an item; `to_expression()` prints any tree
//!   back as request text with placeholders, `Display` as that text alone.
//!
//! # The service's order across a request's expressions
//!
//! Checked against DynamoDB Local; parse in this order so that a request with several bad
//! expressions fails as the service's does:
//! - UpdateItem: `UpdateExpression`, `ConditionExpression`, `finish`; the condition is
//!   evaluated before `check_keys`.
//! - Query: `FilterExpression`, `ProjectionExpression`, `KeyConditionExpression` (parsed as a
//!   condition), `finish`, then [`key_condition`] (even "Invalid operator used in
//!   KeyConditionExpression: OR" comes after an unused placeholder).
//! - Scan: `FilterExpression`, `ProjectionExpression`, `finish`.
//!
//! # Layout
//!
//! `lexer` (tokens, syntax-error text) → `parser` (raw tree, placeholders unresolved) →
//! `check` (the service's checks in its order, resolution into the `ast`) → `eval`
//! (conditions), `update`, `projection`, `key_condition`. `reserved` is the reserved-word
//! list, `attributes` the placeholder maps, `java` the Java hash-map order some messages
//! list names in, `print` the printer.
//!
//! # Fidelity
//!
//! Error texts, the order in which the service reports them, evaluation and update results
//! were taken from DynamoDB Local 3.3.1, whose expression handling is the service's: over
//! 12,000 cases recorded from it in `testdata/` are replayed by the tests. Notable findings are
//! documented where they are implemented (`size` counts UTF-16 units, `<>` is true of a
//! missing attribute, updates are applied in the service's hash order of their paths, ...).
//! Known differences:
//! - numbers in `BETWEEN` errors are printed normalised (`1.5`) where the service echoes
//!   the request's text (`1.50`);
//! - keys sharing a Java hash bucket in an "unused" message are listed shortest first, then
//!   in string order, where the service keeps the request's order (which a `HashMap` loses);
//! - "Query condition missed key schema element" names the element, as the service does;
//!   DynamoDB Local does not;
//! - the type list of `attribute_type(a, b)` errors is a Java enum set whose order changes
//!   between JVMs; we print one fixed order.

mod ast;
mod attributes;
mod check;
mod eval;
mod java;
mod key_condition;
mod lexer;
mod parser;
mod print;
mod projection;
mod reserved;
mod update;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use ast::{
    Comparator, Condition, KeyCondition, Operand, Path, PathElement, SetValue, SortCondition,
    UpdateAction, UpdateExpression, UpdateOperand,
};
pub use attributes::ExpressionAttributes;
pub use eval::values_equal;
pub use print::ExpressionText;
pub use projection::Projection;
pub use reserved::is_reserved;
pub use update::{OPERAND_TYPE_ERROR, UpdatedPaths};

use super::catalog::KeySchema;
use super::error::Result;

/// Which request parameter an expression came from: it names the expression in errors
/// ("Invalid FilterExpression: ...").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpressionKind {
    Condition,
    Filter,
    KeyCondition,
    Update,
    Projection,
}

impl ExpressionKind {
    /// The parameter's name.
    pub fn name(self) -> &'static str {
        match self {
            ExpressionKind::Condition => "ConditionExpression",
            ExpressionKind::Filter => "FilterExpression",
            ExpressionKind::KeyCondition => "KeyConditionExpression",
            ExpressionKind::Update => "UpdateExpression",
            ExpressionKind::Projection => "ProjectionExpression",
        }
    }
}

/// Parses a `ConditionExpression` or `FilterExpression` (`kind` names it in errors).
pub fn parse_condition(
    src: &str,
    kind: ExpressionKind,
    attrs: &mut ExpressionAttributes<'_>,
) -> Result<Condition> {
    attrs.check_maps()?;
    let parsed = parser::parse_condition(src, kind)?;
    check::condition(&parsed, kind, attrs)
}

/// Parses an `UpdateExpression`.
pub fn parse_update(src: &str, attrs: &mut ExpressionAttributes<'_>) -> Result<UpdateExpression> {
    attrs.check_maps()?;
    let parsed = parser::parse_update(src)?;
    check::update(&parsed, attrs)
}

/// Parses a `ProjectionExpression`.
pub fn parse_projection(src: &str, attrs: &mut ExpressionAttributes<'_>) -> Result<Projection> {
    attrs.check_maps()?;
    let raw = parser::parse_projection(src)?;
    Ok(Projection::new(check::projection(&raw, attrs)?))
}

/// Parses a `KeyConditionExpression` and checks it against the table's key schema.
///
/// The service checks the key schema only after every expression of the Query parsed and
/// no placeholder went unused; for its order of errors, parse with
/// `parse_condition(src, ExpressionKind::KeyCondition, ..)` and call [`key_condition`]
/// after [`ExpressionAttributes::finish`].
pub fn parse_key_condition(
    src: &str,
    attrs: &mut ExpressionAttributes<'_>,
    schema: &KeySchema,
) -> Result<KeyCondition> {
    let condition = parse_condition(src, ExpressionKind::KeyCondition, attrs)?;
    key_condition(&condition, schema)
}

/// Checks a parsed `KeyConditionExpression` against the table's key schema.
pub fn key_condition(condition: &Condition, schema: &KeySchema) -> Result<KeyCondition> {
    key_condition::key_condition(condition, schema)
}
