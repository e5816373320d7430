//! TransactGetItems: up to 100 point reads from one consistent snapshot.
//!
//! ```text
//! {"TransactItems":[{"Get":{"TableName":"Orders","Key":{"pk":{"S":"o1"}}}},
//!                   {"Get":{"TableName":"Stock","Key":{"pk":{"S":"s1"}},"ProjectionExpression":"n"}}]}
//! → {"Responses":[{"Item":{..}},{"Item":{"n":{"N":"4"}}}]}
//! ```
//!
//! Every read shares one redb read transaction, so the answer is a snapshot no write is
//! half-way through. `Responses` follows the request order; a missing item answers `{}`, an
//! item the projection leaves nothing of `{"Item":{}}` (checked against DynamoDB Local).
//! Each Get costs twice a strongly consistent read of its item, two units for a missing one.
//!
//! Errors, in the service's order: member constraints together, then each Get's projection
//! and placeholder names, then its table (ResourceNotFoundException), then key values (empty
//! or oversized ones refused), then two Gets of one item ("Transaction request cannot include
//! multiple operations on one item"). A `Key` whose attributes are missing or of the wrong
//! type cancels the transaction (TransactionCanceledException with reason `ValidationError`,
//! as the service answers; DynamoDB Local answers the exception without reasons).

use std::collections::HashSet;

use super::super::DynamoDb;
use super::super::capacity::{self, Tally};
use super::super::error::{DynamoError, Result};
use super::super::expr::{self, ExpressionAttributes};
use super::super::item::{self, ParameterUse, StoredItem, Violations};
use super::super::throttle::Access;
use super::super::transaction::{self, CAPACITY_FACTOR, Target};
use super::super::types::transaction::{TransactGetItemsInput, TransactGetItemsOutput};
use super::transact_write_items::check_list_length;

/// Answers with the response body, written by hand so stored items are spliced in.
pub fn transact_get_items(
    db: &DynamoDb,
    region: &str,
    (input, deferred): (TransactGetItemsInput, Option<DynamoError>),
) -> Result<Vec<u8>> {
    let mut v = Violations::new();
    let rcc = item::return_consumed_capacity(input.return_consumed_capacity.as_deref(), &mut v);
    match &input.transact_items {
        None => v.null("transactItems"),
        Some(items) => {
            check_list_length(items.len(), &mut v);
            for (i, item) in items.iter().enumerate() {
                let at = format!("transactItems.{}.member.get", i + 1);
                match &item.get {
                    None => v.null(&at),
                    Some(get) => {
                        if get.key.is_none() {
                            v.null(&format!("{at}.key"));
                        }
                        item::table_name(
                            get.table_name.as_deref(),
                            &format!("{at}.tableName"),
                            &mut v,
                        );
                    }
                }
            }
        }
    }
    v.into_result()?;
    let gets: Vec<_> = input
        .transact_items
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.get.expect("checked above"))
        .collect();

    let mut projections = Vec::with_capacity(gets.len());
    for get in &gets {
        item::check_parameter_use(&ParameterUse {
            expressions: &[("ProjectionExpression", get.projection_expression.is_some())],
            legacy: &[],
            has_names: get.expression_attribute_names.is_some(),
            has_values: false,
        })?;
        let mut attrs = ExpressionAttributes::new(get.expression_attribute_names.as_ref(), None);
        let projection = get
            .projection_expression
            .as_deref()
            .map(|src| expr::parse_projection(src, &mut attrs))
            .transpose()?;
        attrs.finish()?;
        projections.push(projection);
    }
    let mut metas = Vec::with_capacity(gets.len());
    for get in &gets {
        let name = item::resolve_table_name(get.table_name.as_deref().unwrap_or_default());
        metas.push(item::live_table(db, region, name)?);
    }
    // Attribute-value errors are reported after the request's checks and the table lookups.
    if let Some(e) = deferred {
        return Err(e);
    }
    let mut keys = Vec::with_capacity(gets.len());
    for (get, meta) in gets.iter().zip(&metas) {
        keys.push(Target::key(
            &meta.key_schema,
            get.key.as_ref().expect("checked above"),
        )?);
    }
    let mut seen = HashSet::with_capacity(keys.len());
    for (key, meta) in keys.iter().zip(&metas) {
        if let Ok(key) = key
            && !seen.insert((meta.id, key))
        {
            return Err(transaction::duplicate_target());
        }
    }
    if keys.iter().any(Result::is_err) {
        let reasons: Vec<_> = keys
            .into_iter()
            .map(|key| match key {
                Ok(_) => transaction::no_reason(),
                Err(message) => transaction::validation_reason(message),
            })
            .collect();
        return Err(transaction::cancelled(&reasons));
    }

    db.throttle
        .admit_transaction(metas.iter().map(|m| &**m), Access::Read, "TransactGetItems")?;
    let txn = db.store.read()?;
    let mut tally = Tally::new();
    let mut responses = Vec::with_capacity(keys.len());
    for ((key, meta), projection) in keys.into_iter().zip(&metas).zip(&projections) {
        let key = key.expect("every key matched, checked above");
        let guard = item::get_stored(&txn, meta, &key)?;
        let stored = guard
            .as_ref()
            .map(|g| StoredItem::parse(g.value()))
            .transpose()?;
        let size = stored.as_ref().map_or(0, |s| s.size);
        tally.charge(
            &meta.name,
            CAPACITY_FACTOR * capacity::read_units(size, true),
        );
        responses.push(match (stored, projection) {
            (None, _) => None,
            (Some(stored), None) => Some(stored.json.to_vec()),
            (Some(stored), Some(projection)) => Some(
                serde_json::to_vec(&projection.apply(&stored.decode()?))
                    .expect("an Item always serializes"),
            ),
        });
    }
    db.throttle.charge_tally(&metas, Access::Read, &tally);
    Ok(TransactGetItemsOutput {
        responses,
        consumed_capacity: tally.into_list(rcc),
    }
    .to_body())
}
