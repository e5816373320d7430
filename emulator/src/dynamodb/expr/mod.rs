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
//! ```ignore
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
//!   item is an empty one), [`Condition::references_attribute`].
//! - [`parse_update`] → [`UpdateExpression`]: [`UpdateExpression::check_keys`],
//!   [`UpdateExpression::apply`] → [`UpdatedPaths`] for `UPDATED_OLD`/`UPDATED_NEW`.
//! - [`parse_projection`] → [`Projection`]: [`Projection::apply`],
//!   [`Projection::top_level_names`].
//! - [`parse_key_condition`] → [`KeyCondition`]: the partition key's value and a
//!   [`SortCondition`], checked against the key schema.
//! - [`Path::get`] looks a document path up in an item; `to_expression()` and `Display`
//!   print any tree back in DynamoDB syntax.
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
//! Error texts and the order in which the service reports them were taken from DynamoDB
//! Local 3.3.1, whose expression handling is the service's, except where noted in the
//! module concerned. Known differences: numbers in `BETWEEN` errors are printed normalised
//! (`1.5`) where the service echoes the request's text (`1.50`); keys sharing a Java hash
//! bucket in an "unused" message are listed in string order rather than request order.

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
pub use update::UpdatedPaths;

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
