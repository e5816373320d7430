//! What TransactWriteItems and TransactGetItems share, and [`write_transaction`], which runs
//! a list of checked write actions all-or-nothing (also the engine of PartiQL's
//! ExecuteTransaction).
//!
//! # How a write transaction runs
//!
//! The whole transaction is one closure handed to the group-commit writer, so it is
//! serializable with every other write (the writer runs closures one at a time). Because the
//! writer commits whatever a closure wrote even when it fails, the closure works in two
//! passes: first it reads every target item, evaluates every condition and computes and
//! checks every new item, noting one cancellation reason per action; only if every reason
//! is `None` does it write, through one `TableWriter` per table.
//!
//! # Which problems cancel and which are refused
//!
//! As the service reports them (recorded against it by public conformance suites; DynamoDB
//! Local reports several of these differently):
//! - refused with a plain ValidationException before anything runs: member constraints,
//!   expressions that do not parse or leave a placeholder unused, a Put item over 400 KB,
//!   empty key values, two actions on one item; a missing table is ResourceNotFoundException;
//! - cancelled with reason `ValidationError`: a key whose attributes are missing or of the
//!   wrong type ("The provided key element does not match the schema" for key maps, PutItem's
//!   "Type mismatch for key" wording for a Put item), an index key of the wrong type, an
//!   update of a key attribute, and whatever goes wrong applying an update to the stored item
//!   (a missing operand, an updated item over 400 KB);
//! - cancelled with reason `ConditionalCheckFailed` ("The conditional request failed", the
//!   stored item as `Item` with `ReturnValuesOnConditionCheckFailure: ALL_OLD`).
//!
//! Every action gets a reason, in request order (`{"Code":"None"}` for one that would have
//! succeeded), and the exception's message lists their codes.
//!
//! # Capacity
//!
//! A transactional read or write costs twice its plain counterpart, rounded per item
//! first: each Put, Update and Delete twice the write units of the larger of the old and the
//! new item (index writes doubled too), each ConditionCheck and each Get twice the strongly
//! consistent read units of the item (two for a missing one).

pub mod tokens;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::DynamoDb;
use super::capacity::{self, Charge, Tally};
use super::catalog::{IndexKind, KeySchema, ScalarType, TableMeta};
use super::error::{DynamoError, ErrorCode, Result};
use super::expr::{Condition, UpdateExpression};
use super::index::entries::{self, Origin};
use super::item;
use super::table_writer::{PlannedWrite, TableWriter};
use super::types::item::ItemCollectionMetrics;
use super::types::transaction::CancellationReason;
use super::value::{AttributeValue, Item};

/// Most actions one transaction may carry.
pub const MAX_ACTIONS: usize = 100;
/// Most bytes of Put items one write transaction may carry.
pub const MAX_PAYLOAD_BYTES: usize = 4 * 1024 * 1024;
/// Transactional reads and writes cost this many times their plain counterparts.
pub const CAPACITY_FACTOR: f64 = 2.0;

const CONDITION_FAILED: &str = "The conditional request failed";

/// One write of a transaction, checked against its table and ready for the writer.
pub struct WriteAction {
    pub meta: Arc<TableMeta>,
    pub target: Target,
    pub condition: Option<Condition>,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    pub old_on_failure: bool,
    /// The reason a false condition cancels the transaction with.
    pub on_failure: ConditionFailure,
}

/// What a false condition cancels a transaction with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionFailure {
    /// `ConditionalCheckFailed`, with the stored item for `old_on_failure`.
    Conditional,
    /// PartiQL's `INSERT` of an existing key: `ValidationError`, "Duplicate primary key
    /// exists in table" (as the service answers ExecuteTransaction).
    DuplicateItem,
    /// PartiQL's `EXISTS`: `ConditionalCheckFailed`, worded with a full stop.
    Exists,
}

/// What a [`WriteAction`] does to its item.
pub enum Target {
    /// Writes `item` (encoded as `stored`, of `size` bytes) under `key`.
    Put {
        key: Vec<u8>,
        item: Item,
        stored: Vec<u8>,
        size: usize,
    },
    /// Applies `update` to the item under `key`, or to `key_item` (the key attributes alone)
    /// when there is none.
    Update {
        key: Vec<u8>,
        key_item: Item,
        update: Option<UpdateExpression>,
    },
    Delete {
        key: Vec<u8>,
    },
    /// Only evaluates the condition.
    ConditionCheck {
        key: Vec<u8>,
    },
    /// An action the service cancels with a `ValidationError` whatever is stored; the
    /// reason's message.
    Invalid(String),
}

impl Target {
    /// A Put of `item` (already size-checked: `size`) into `meta`'s table. A key attribute
    /// that is missing or of the wrong type, or an index key of the wrong type, makes it
    /// [`Target::Invalid`]; other key problems (empty or oversized values) are refused.
    pub fn put(meta: &TableMeta, item: Item, size: usize) -> Result<Target> {
        let key = match item::key_of_item(&meta.key_schema, &item) {
            Ok(key) => key.stored_key()?,
            Err(e) if !key_matches_schema(&meta.key_schema, &item, false) => {
                return Ok(Target::Invalid(e.message));
            }
            Err(e) => return Err(e),
        };
        if let Err(e) = entries::check_item(meta, &item, Origin::Item) {
            return Ok(Target::Invalid(e.message));
        }
        let stored = item::encode_stored(&item, size);
        Ok(Target::Put {
            key,
            item,
            stored,
            size,
        })
    }

    /// The stored key of a `Key` map, or the reason the action is cancelled for when the
    /// map does not match the schema ([`Target::Invalid`]'s message).
    pub fn key(schema: &KeySchema, key: &Item) -> Result<std::result::Result<Vec<u8>, String>> {
        match item::validate_key(schema, key) {
            Ok(key) => Ok(Ok(key.stored_key()?)),
            Err(e) if !key_matches_schema(schema, key, true) => Ok(Err(e.message)),
            Err(e) => Err(e),
        }
    }

    fn stored_key(&self) -> Option<&[u8]> {
        match self {
            Target::Put { key, .. }
            | Target::Update { key, .. }
            | Target::Delete { key }
            | Target::ConditionCheck { key } => Some(key),
            Target::Invalid(_) => None,
        }
    }
}

/// Whether `item` holds each key attribute of `schema` with its declared type (and, when
/// `exact`, nothing else). The service checks this while the transaction runs (a mismatch
/// cancels it), and the rest of the key checks before.
pub fn key_matches_schema(schema: &KeySchema, item: &Item, exact: bool) -> bool {
    let expected = 1 + usize::from(schema.sort.is_some());
    if exact && item.len() != expected {
        return false;
    }
    std::iter::once(&schema.partition)
        .chain(&schema.sort)
        .all(|attribute| {
            matches!(
                (attribute.attribute_type, item.get(&attribute.name)),
                (ScalarType::S, Some(AttributeValue::S(_)))
                    | (ScalarType::N, Some(AttributeValue::N(_)))
                    | (ScalarType::B, Some(AttributeValue::B(_)))
            )
        })
}

/// What a committed write transaction consumed, kept with its `ClientRequestToken` so a
/// retry can be answered alike.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// Per table, in the order of the first action on each.
    pub capacity: Vec<TableUnits>,
    /// `ItemCollectionMetrics` per table with local indexes.
    pub collections: BTreeMap<String, Vec<ItemCollectionMetrics>>,
}

/// Units one transaction consumed on one table and its indexes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableUnits {
    pub table: String,
    pub units: f64,
    /// `(global, index name, units)`.
    pub indexes: Vec<(bool, String, f64)>,
}

impl WriteOutcome {
    /// The units as a [`Tally`], for the `ConsumedCapacity` member.
    pub fn tally(&self) -> Tally {
        let mut tally = Tally::new();
        for table in &self.capacity {
            let mut charge = Charge::table(table.units);
            for (global, name, units) in &table.indexes {
                let kind = if *global {
                    IndexKind::Global
                } else {
                    IndexKind::Local
                };
                charge.add_index(kind, name, *units);
            }
            tally.charge_all(&table.table, &charge);
        }
        tally
    }
}

/// The `ClientRequestToken` of a write transaction and the canonical JSON of the request it
/// is bound to.
pub struct Token {
    pub token: String,
    pub request: String,
}

/// The service's ValidationException for two actions on one item.
pub fn duplicate_target() -> DynamoError {
    DynamoError::validation("Transaction request cannot include multiple operations on one item")
}

/// The service's TransactionCanceledException for `reasons` (one per action, in order).
pub fn cancelled(reasons: &[CancellationReason]) -> DynamoError {
    let codes: Vec<&str> = reasons.iter().map(|r| r.code).collect();
    DynamoError::new(
        ErrorCode::TransactionCanceledException,
        format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
            codes.join(", ")
        ),
    )
    .with_extra(
        "CancellationReasons",
        serde_json::to_value(reasons).expect("cancellation reasons always serialize"),
    )
}

/// The reason of an action that would have succeeded.
pub fn no_reason() -> CancellationReason {
    CancellationReason {
        code: "None",
        item: None,
        message: None,
    }
}

/// The reason of an action cancelled by a validation problem.
pub fn validation_reason(message: String) -> CancellationReason {
    CancellationReason {
        code: "ValidationError",
        item: None,
        message: Some(message),
    }
}

/// Runs `actions` as one transaction in `region`: every condition holds and every new item
/// is valid, and then all of them are written, or nothing is and the answer is the
/// TransactionCanceledException with one reason per action. With a `token`, a retry of the
/// same request within its lifetime answers the first outcome without writing again, and a
/// different request under the same token is refused.
pub async fn write_transaction(
    db: &DynamoDb,
    region: &str,
    actions: Vec<WriteAction>,
    token: Option<Token>,
) -> Result<WriteOutcome> {
    let mut seen = HashSet::with_capacity(actions.len());
    for action in &actions {
        if let Some(key) = action.target.stored_key()
            && !seen.insert((action.meta.id, key))
        {
            return Err(duplicate_target());
        }
    }
    drop(seen);
    // The distinct tables, in the order of their first action.
    let mut tables: Vec<Arc<TableMeta>> = Vec::new();
    let mut table_of = Vec::with_capacity(actions.len());
    for action in &actions {
        let index = match tables.iter().position(|t| t.id == action.meta.id) {
            Some(index) => index,
            None => {
                tables.push(Arc::clone(&action.meta));
                tables.len() - 1
            }
        };
        table_of.push(index);
    }
    let region = region.to_owned();
    db.store
        .write(move |txn| -> Result<WriteOutcome> {
            let now = now_ms();
            if let Some(token) = &token {
                tokens::sweep(txn, now)?;
                match tokens::lookup(txn, &region, &token.token, &token.request, now)? {
                    tokens::Lookup::Absent => {}
                    tokens::Lookup::Replay(outcome) => return Ok(outcome),
                    tokens::Lookup::Mismatch => return Err(tokens::mismatch()),
                }
            }
            let mut writers = Vec::with_capacity(tables.len());
            for meta in &tables {
                writers.push(TableWriter::open(txn, meta)?);
            }
            let mut reasons = Vec::with_capacity(actions.len());
            let mut plans = Vec::with_capacity(actions.len());
            for (action, &table) in actions.into_iter().zip(&table_of) {
                match plan(&writers[table], action)? {
                    Ok(plan) => {
                        reasons.push(no_reason());
                        plans.push((table, plan));
                    }
                    Err(reason) => reasons.push(reason),
                }
            }
            if reasons.iter().any(|r| r.code != "None") {
                return Err(cancelled(&reasons));
            }
            if let Some(position) = collection_overflow(&writers, &plans)? {
                reasons[position] = CancellationReason {
                    code: "ItemCollectionSizeLimitExceeded",
                    item: None,
                    message: Some("Collection size exceeded.".to_owned()),
                };
                return Err(cancelled(&reasons));
            }

            // Every check passed: only now does anything get written.
            let mut units = vec![0.0; tables.len()];
            for (table, plan) in plans {
                let writer = &mut writers[table];
                units[table] += CAPACITY_FACTOR
                    * match plan {
                        Plan::Put {
                            key,
                            item,
                            stored,
                            size,
                            old_size,
                        } => {
                            writer.put(&key, &item, &stored, false)?;
                            capacity::write_units(old_size, Some(size))
                        }
                        Plan::Delete { key, old_size } => {
                            writer.delete(&key, false)?;
                            capacity::write_units(old_size, None)
                        }
                        Plan::Check { old_size } => {
                            capacity::read_units(old_size.unwrap_or(0), true)
                        }
                    };
            }
            let mut outcome = WriteOutcome::default();
            for ((meta, writer), units) in tables.iter().zip(&writers).zip(units) {
                let side = writer.side_effects();
                outcome.capacity.push(TableUnits {
                    table: meta.name.clone(),
                    units,
                    indexes: side
                        .index_charge
                        .indexes
                        .iter()
                        .map(|(kind, name, units)| {
                            (
                                *kind == IndexKind::Global,
                                name.clone(),
                                CAPACITY_FACTOR * units,
                            )
                        })
                        .collect(),
                });
                if !side.collections.is_empty() {
                    outcome
                        .collections
                        .insert(meta.name.clone(), side.collections);
                }
            }
            if let Some(token) = token {
                tokens::record(txn, &region, &token, &outcome, now)?;
            }
            Ok(outcome)
        })
        .await?
}

/// One action's write, checked against the stored item.
enum Plan {
    Put {
        key: Vec<u8>,
        item: Item,
        stored: Vec<u8>,
        size: usize,
        old_size: Option<usize>,
    },
    Delete {
        key: Vec<u8>,
        old_size: Option<usize>,
    },
    Check {
        old_size: Option<usize>,
    },
}

/// The position (among all actions) of the first planned write that would take an item
/// collection past its limit, counting the transaction's writes to each table in order.
fn collection_overflow(
    writers: &[TableWriter<'_>],
    plans: &[(usize, Plan)],
) -> Result<Option<usize>> {
    for (table, writer) in writers.iter().enumerate() {
        let mut positions = Vec::new();
        let mut writes = Vec::new();
        for (position, (plan_table, plan)) in plans.iter().enumerate() {
            if *plan_table != table {
                continue;
            }
            let write = match plan {
                Plan::Put {
                    key, item, stored, ..
                } => PlannedWrite::Put { key, item, stored },
                Plan::Delete { key, .. } => PlannedWrite::Delete { key },
                Plan::Check { .. } => continue,
            };
            positions.push(position);
            writes.push(write);
        }
        if let Some(i) = writer.first_over_collection_limit(&writes)? {
            return Ok(Some(positions[i]));
        }
    }
    Ok(None)
}

/// Reads `action`'s item, evaluates its condition and, for an update, computes and checks
/// the new item: the write to make, or the reason the transaction is cancelled for. Writes
/// nothing.
fn plan(
    writer: &TableWriter<'_>,
    action: WriteAction,
) -> Result<std::result::Result<Plan, CancellationReason>> {
    let key = match &action.target {
        Target::Invalid(message) => return Ok(Err(validation_reason(message.clone()))),
        target => target
            .stored_key()
            .expect("a valid target has a key")
            .to_vec(),
    };
    let old_bytes = writer.get(&key)?;
    let old_size = old_bytes.as_deref().map(item::stored_size).transpose()?;
    let old = old_bytes.as_deref().map(item::decode_stored).transpose()?;
    if let Some(condition) = &action.condition
        && !condition.evaluate(old.as_ref().unwrap_or(&Item::new()))
    {
        return Ok(Err(match action.on_failure {
            ConditionFailure::Conditional => CancellationReason {
                code: "ConditionalCheckFailed",
                item: old.filter(|_| action.old_on_failure),
                message: Some(CONDITION_FAILED.into()),
            },
            ConditionFailure::Exists => CancellationReason {
                code: "ConditionalCheckFailed",
                item: old.filter(|_| action.old_on_failure),
                message: Some(format!("{CONDITION_FAILED}.")),
            },
            ConditionFailure::DuplicateItem => {
                validation_reason("Duplicate primary key exists in table".to_owned())
            }
        }));
    }
    let plan = match action.target {
        Target::Put {
            key,
            item,
            stored,
            size,
        } => {
            // The description may have gained an index since the request was checked.
            if let Err(e) = writer.check(&item, Origin::Item) {
                return Ok(Err(validation_reason(e.message)));
            }
            Plan::Put {
                key,
                item,
                stored,
                size,
                old_size,
            }
        }
        Target::Update {
            key,
            key_item,
            update,
        } => match updated(writer, old.unwrap_or(key_item), update.as_ref()) {
            Ok((item, size)) => Plan::Put {
                key,
                stored: item::encode_stored(&item, size),
                item,
                size,
                old_size,
            },
            Err(e) if e.code == ErrorCode::ValidationException => {
                return Ok(Err(validation_reason(e.message)));
            }
            Err(e) => return Err(e),
        },
        Target::Delete { key } => Plan::Delete { key, old_size },
        Target::ConditionCheck { .. } => Plan::Check { old_size },
        Target::Invalid(_) => unreachable!("answered above"),
    };
    Ok(Ok(plan))
}

/// `base` with `update` applied, checked as UpdateItem checks the item it writes; its size.
fn updated(
    writer: &TableWriter<'_>,
    mut base: Item,
    update: Option<&UpdateExpression>,
) -> Result<(Item, usize)> {
    if let Some(update) = update {
        update.apply(&mut base)?;
    }
    let size = item::check_updated_item_size(&base)?;
    writer.check(&base, Origin::UpdateExpression)?;
    Ok((base, size))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
