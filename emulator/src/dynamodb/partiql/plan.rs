//! The planner: binds a parsed statement's parameters and maps it onto the operations the
//! service already has, checked against the table it names.
//!
//! - `SELECT` becomes a Query when its `WHERE` holds an equality (or `IN`: one Query per
//!   distinct value, in key order) on the partition key of the table or index it reads, with the first condition on the sort key (`=`,
//!   `<`, `<=`, `>`, `>=`, `BETWEEN`, `begins_with`) as the key condition and every other
//!   term of the top-level `AND`s as the filter; otherwise it becomes a Scan filtered by
//!   the whole `WHERE`. A filter that still names a key attribute (`sk = 1 OR sk = 2`) makes
//!   it a Scan too, since a Query filter may not.
//! - `INSERT` becomes a PutItem that must not replace an item, `UPDATE` an UpdateItem that
//!   must find its item, `DELETE` a DeleteItem; each names its item by equalities on every
//!   key attribute, and the `WHERE`'s other terms are the write's condition.
//! - `EXISTS(SELECT ...)` becomes a condition check on one item.
//!
//! Conditions and updates become the expression language's trees (`expr`), so evaluation,
//! updates and their errors are the expression language's. Texts of the errors raised here
//! were taken from DynamoDB Local, which runs the service's PartiQL front end.

use std::sync::Arc;

use super::super::DynamoDb;
use super::super::catalog::{KeySchema, ScalarType, TableMeta};
use super::super::error::{DynamoError, ErrorCode, Result};
use super::super::expr::{
    Comparator, Condition, Operand, Path, PathElement, SetValue, UpdateAction, UpdateOperand,
};
use super::super::item;
use super::super::number::NumberError;
use super::super::page;
use super::super::value::{AttributeType, AttributeValue, Item, Number};
use super::ast::{
    BinaryOp, Expr, ExprKind, Literal, Returning, Select, Statement, Step, Target, UpdateClause,
};

/// A statement mapped onto the service's operations.
pub enum Plan {
    Select(Box<SelectPlan>),
    Insert(WritePlan),
    Update(WritePlan),
    Delete(WritePlan),
    Exists(WritePlan),
}

impl Plan {
    /// Whether the statement only reads.
    pub fn is_read(&self) -> bool {
        matches!(self, Plan::Select(_))
    }
}

/// How a `SELECT` reads.
pub struct SelectPlan {
    pub meta: Arc<TableMeta>,
    pub index: Option<String>,
    pub read: Read,
    pub filter: Option<Condition>,
    /// The projected paths; `None` for `*`.
    pub projection: Option<Vec<Path>>,
    /// `ORDER BY <sort key> DESC` reads backward.
    pub forward: bool,
}

/// A Query per partition-key value, in order, or a Scan.
pub enum Read {
    Query {
        /// The partition key of the table or index read.
        partition_key: String,
        partitions: Vec<AttributeValue>,
        /// Whether the values came from an `IN` (even of one value).
        listed: bool,
        sort: Option<Condition>,
    },
    Scan,
}

/// A write on one item.
pub struct WritePlan {
    pub meta: Arc<TableMeta>,
    /// The whole item for `INSERT`, the key attributes otherwise.
    pub item: Item,
    /// `UPDATE`'s actions, in the order written.
    pub actions: Vec<UpdateAction>,
    /// The write's condition: for `INSERT` that no item has the key, for `UPDATE` that the
    /// item exists and the `WHERE`'s terms beyond the key hold, for `DELETE` that those
    /// terms hold of the item if it exists (deleting nothing succeeds), for `EXISTS` the
    /// terms.
    pub condition: Option<Condition>,
    pub returning: Option<Returning>,
}

impl SelectPlan {
    /// The key of the one item the plan reads, when it reads one by its whole primary key
    /// on the table, with no other condition: what batches and transactions may read.
    pub fn point_key(&self) -> Option<Item> {
        let Read::Query {
            partition_key,
            partitions,
            listed: false,
            sort,
        } = &self.read
        else {
            return None;
        };
        let ([partition], None, None) = (partitions.as_slice(), &self.index, &self.filter) else {
            return None;
        };
        let mut key = Item::new();
        key.insert(partition_key.clone(), partition.clone());
        match (&self.meta.key_schema.sort, sort) {
            (None, None) => {}
            (Some(sort_key), Some(Condition::Compare(Comparator::Eq, a, b))) => {
                let value = match (a, b) {
                    (Operand::Path(p), Operand::Value(v))
                    | (Operand::Value(v), Operand::Path(p))
                        if p.head() == sort_key.name =>
                    {
                        v
                    }
                    _ => return None,
                };
                key.insert(sort_key.name.clone(), value.clone());
            }
            _ => return None,
        }
        Some(key)
    }
}

impl WritePlan {
    /// The key of the item written.
    pub fn key(&self) -> Item {
        key_attributes(&self.meta.key_schema)
            .filter_map(|(name, _)| Some((name.to_owned(), self.item.get(name)?.clone())))
            .collect()
    }
}

impl Plan {
    /// The table and key of the one item the statement reads or writes, if it names one.
    pub fn target(&self) -> Option<(&TableMeta, Item)> {
        match self {
            Plan::Select(select) => Some((&select.meta, select.point_key()?)),
            Plan::Insert(write)
            | Plan::Update(write)
            | Plan::Delete(write)
            | Plan::Exists(write) => Some((&write.meta, write.key())),
        }
    }
}

fn invalid(message: impl Into<String>) -> DynamoError {
    DynamoError::validation(message)
}

const NO_KEY_EQUALITY: &str =
    "Where clause does not contain a mandatory equality on all key attributes";
const SINGLE_TABLE: &str =
    "FROM clause may only contain a single table name in data manipulation statements";

/// Plans `statement` in `region`, binding its `?`s to `params`.
pub fn plan(
    db: &DynamoDb,
    region: &str,
    statement: &Statement,
    params: &[AttributeValue],
) -> Result<Plan> {
    let b = Binder { params };
    match statement {
        Statement::Select(select) => {
            Ok(Plan::Select(Box::new(plan_select(db, region, select, &b)?)))
        }
        Statement::Exists(select) => {
            if select.from.index.is_some() {
                return Err(invalid(SINGLE_TABLE));
            }
            let meta = table(db, region, &select.from.table)?;
            let (key, condition) = key_and_condition(&meta.key_schema, select.filter.as_ref(), &b)?;
            Ok(Plan::Exists(WritePlan {
                meta,
                item: key,
                actions: Vec::new(),
                condition,
                returning: None,
            }))
        }
        Statement::Insert(insert) => {
            let meta = write_table(db, region, &insert.into)?;
            let ExprKind::Tuple(pairs) = &insert.value.kind else {
                return Err(insert_format(&insert.value));
            };
            let item = b.tuple(pairs)?;
            check_item_keys(&meta.key_schema, &item)?;
            let condition = Some(Condition::AttributeNotExists(partition_path(&meta)));
            Ok(Plan::Insert(WritePlan {
                meta,
                item,
                actions: Vec::new(),
                condition,
                returning: None,
            }))
        }
        Statement::Update(update) => {
            let meta = write_table(db, region, &update.target)?;
            let actions = update
                .clauses
                .iter()
                .map(|clause| b.update_action(clause))
                .collect::<Result<Vec<_>>>()?;
            let (key, rest) = key_and_condition(&meta.key_schema, update.filter.as_ref(), &b)?;
            let must_exist = Condition::AttributeExists(partition_path(&meta));
            let condition = Some(match rest {
                Some(rest) => Condition::And(Box::new(must_exist), Box::new(rest)),
                None => must_exist,
            });
            Ok(Plan::Update(WritePlan {
                meta,
                item: key,
                actions,
                condition,
                returning: update.returning,
            }))
        }
        Statement::Delete(delete) => {
            if let Some(returning) = delete.returning
                && returning != Returning::AllOld
            {
                return Err(invalid(format!(
                    "Invalid returning clause: {returning}. Only RETURNING ALL OLD * is allowed \
                     in DELETE statements."
                )));
            }
            let meta = write_table(db, region, &delete.from)?;
            let (key, rest) = key_and_condition(&meta.key_schema, delete.filter.as_ref(), &b)?;
            let condition = rest.map(|rest| {
                Condition::Or(
                    Box::new(Condition::AttributeNotExists(partition_path(&meta))),
                    Box::new(rest),
                )
            });
            Ok(Plan::Delete(WritePlan {
                meta,
                item: key,
                actions: Vec::new(),
                condition,
                returning: delete.returning,
            }))
        }
    }
}

/// An `INSERT` whose value is not a `{...}` tuple: refused before its parameters are
/// counted, so callers check it first ([`check_insert_format`]).
fn insert_format(value: &Expr) -> DynamoError {
    invalid(format!(
        "Unsupported format in item expression. Please use struct format {{...}} to express \
         item values for insert statement. at {}",
        value.span
    ))
}

/// Refuses an `INSERT` of anything but a tuple.
pub fn check_insert_format(statement: &Statement) -> Result<()> {
    match statement {
        Statement::Insert(insert) if !matches!(insert.value.kind, ExprKind::Tuple(_)) => {
            Err(insert_format(&insert.value))
        }
        _ => Ok(()),
    }
}

fn partition_path(meta: &TableMeta) -> Path {
    Path::attribute(meta.key_schema.partition.name.clone())
}

/// The table a statement names, with PartiQL's answer for a missing one.
fn table(db: &DynamoDb, region: &str, name: &str) -> Result<Arc<TableMeta>> {
    item::live_table(db, region, name).map_err(|e| {
        if e.code == ErrorCode::ResourceNotFoundException {
            DynamoError::new(
                ErrorCode::ResourceNotFoundException,
                "Cannot do operations on a non-existent table",
            )
        } else {
            e
        }
    })
}

/// The table an `INSERT`, `UPDATE` or `DELETE` writes: never an index.
fn write_table(db: &DynamoDb, region: &str, target: &Target) -> Result<Arc<TableMeta>> {
    if target.index.is_some() {
        return Err(invalid(SINGLE_TABLE));
    }
    table(db, region, &target.table)
}

fn type_matches(value: &AttributeValue, t: ScalarType) -> bool {
    matches!(
        (value, t),
        (AttributeValue::S(_), ScalarType::S)
            | (AttributeValue::N(_), ScalarType::N)
            | (AttributeValue::B(_), ScalarType::B)
    )
}

/// The order of key values of one type: S by UTF-8 bytes, N by value, B by bytes.
fn key_order(a: &AttributeValue, b: &AttributeValue) -> std::cmp::Ordering {
    match (a, b) {
        (AttributeValue::S(a), AttributeValue::S(b)) => a.as_bytes().cmp(b.as_bytes()),
        (AttributeValue::N(a), AttributeValue::N(b)) => a.cmp(b),
        (AttributeValue::B(a), AttributeValue::B(b)) => a.cmp(b),
        _ => std::cmp::Ordering::Equal,
    }
}

fn key_type_mismatch(name: &str) -> DynamoError {
    invalid(format!(
        "Key attribute's data type should match its data type in table's schema: Key {name}"
    ))
}

fn key_attributes(schema: &KeySchema) -> impl Iterator<Item = (&str, ScalarType)> {
    std::iter::once(&schema.partition)
        .chain(&schema.sort)
        .map(|k| (k.name.as_str(), k.attribute_type))
}

/// An `INSERT`'s item must hold every key attribute, each of its declared type.
fn check_item_keys(schema: &KeySchema, item: &Item) -> Result<()> {
    for (name, t) in key_attributes(schema) {
        match item.get(name) {
            None => {
                return Err(invalid(format!(
                    "Key attribute should be present in the item: Key {name}"
                )));
            }
            Some(v) if !type_matches(v, t) => return Err(key_type_mismatch(name)),
            Some(_) => {}
        }
    }
    Ok(())
}

/// The top-level `AND` terms of a `WHERE`, left to right.
fn and_terms(filter: Option<&Expr>) -> Vec<&Expr> {
    fn walk<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        match &e.kind {
            ExprKind::Binary(BinaryOp::And, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            _ => out.push(e),
        }
    }
    let mut out = Vec::new();
    if let Some(filter) = filter {
        walk(filter, &mut out);
    }
    out
}

/// The name of a path of one step.
fn top_level_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Path(steps) => match steps.as_slice() {
            [Step::Name(name)] => Some(name),
            _ => None,
        },
        _ => None,
    }
}

/// Whether an expression stands for a value (not a path, an operator or a function).
fn is_value(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Literal(_)
            | ExprKind::Param(_)
            | ExprKind::List(_)
            | ExprKind::Bag(_)
            | ExprKind::Tuple(_)
            | ExprKind::Negate(_)
            | ExprKind::Ion(_)
    )
}

/// `name = value` or `value = name`: the name and the value's expression.
fn equality(e: &Expr) -> Option<(&str, &Expr)> {
    let ExprKind::Binary(BinaryOp::Eq, a, b) = &e.kind else {
        return None;
    };
    match (top_level_name(a), top_level_name(b)) {
        (Some(name), None) if is_value(b) => Some((name, b)),
        (None, Some(name)) if is_value(a) => Some((name, a)),
        _ => None,
    }
}

/// Splits a write's `WHERE` into the item's key (an equality on every key attribute) and
/// the condition made of its other terms.
fn key_and_condition(
    schema: &KeySchema,
    filter: Option<&Expr>,
    b: &Binder<'_>,
) -> Result<(Item, Option<Condition>)> {
    let mut key = Item::new();
    let mut rest = Vec::new();
    for term in and_terms(filter) {
        let Some((name, value)) = equality(term) else {
            rest.push(term);
            continue;
        };
        let Some((_, t)) = key_attributes(schema).find(|(key_name, _)| *key_name == name) else {
            rest.push(term);
            continue;
        };
        let value = b.value(value)?;
        if !type_matches(&value, t) {
            return Err(key_type_mismatch(name));
        }
        match key.get(name) {
            Some(existing) if *existing != value => {
                return Err(invalid(format!(
                    "Multiple conditions on same key {name}. Only single item \
                     Update/Insert/Delete are supported"
                )));
            }
            _ => {
                key.insert(name.to_owned(), value);
            }
        }
    }
    if key_attributes(schema).any(|(name, _)| !key.contains_key(name)) {
        return Err(invalid(NO_KEY_EQUALITY));
    }
    Ok((key, b.conjunction(&rest)?))
}

fn plan_select(db: &DynamoDb, region: &str, select: &Select, b: &Binder<'_>) -> Result<SelectPlan> {
    let projection = select
        .projection
        .as_ref()
        .map(|items| {
            items
                .iter()
                .map(|e| match &e.kind {
                    ExprKind::Path(steps) => Ok(path(steps)),
                    _ => Err(invalid(format!("Unexpected path component at {}", e.span))),
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    let meta = table(db, region, &select.from.table)?;
    let schema = match &select.from.index {
        None => meta.key_schema.clone(),
        Some(name) => meta
            .index(name)
            .ok_or_else(|| page::index_not_found(name))?
            .1
            .key_schema
            .clone(),
    };
    let mut forward = true;
    if let Some(order) = &select.order_by {
        if select.filter.is_none() {
            return Err(invalid(
                "Must have WHERE clause in the statement when using ORDER BY clause.",
            ));
        }
        if !schema.is_key_attribute(&order.name) {
            return Err(invalid(format!(
                "Variable reference {} in ORDER BY clause must be part of the primary key",
                order.name
            )));
        }
        forward = !(order.descending && schema.partition.name != order.name);
    }

    let terms = and_terms(select.filter.as_ref());
    let mut partitions: Option<(usize, Vec<AttributeValue>, bool)> = None;
    let mut sort: Option<(usize, Condition)> = None;
    for (i, term) in terms.iter().enumerate() {
        if partitions.is_none()
            && let Some(values) = partition_values(term, &schema, b)?
        {
            let listed = matches!(term.kind, ExprKind::In(..));
            partitions = Some((i, values, listed));
        } else if sort.is_none()
            && let Some(condition) = sort_condition(term, &schema, b)?
        {
            sort = Some((i, condition));
        }
    }
    let read_filter = |skip: &[usize]| -> Result<Option<Condition>> {
        let rest: Vec<&Expr> = terms
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(_, t)| *t)
            .collect();
        b.conjunction(&rest)
    };
    let scan = |filter: Option<Condition>, projection: Option<Vec<Path>>| SelectPlan {
        meta: Arc::clone(&meta),
        index: select.from.index.clone(),
        read: Read::Scan,
        filter,
        projection,
        forward: true,
    };
    let Some((partition_term, partitions, listed)) = partitions else {
        return Ok(scan(read_filter(&[])?, projection));
    };
    let skip: Vec<usize> = std::iter::once(partition_term)
        .chain(sort.as_ref().map(|(i, _)| *i))
        .collect();
    let filter = read_filter(&skip)?;
    let names_key = filter
        .as_ref()
        .is_some_and(|f| key_attributes(&schema).any(|(name, _)| f.references_attribute(name)));
    if names_key {
        return Ok(scan(read_filter(&[])?, projection));
    }
    Ok(SelectPlan {
        meta: Arc::clone(&meta),
        index: select.from.index.clone(),
        read: Read::Query {
            partition_key: schema.partition.name.clone(),
            partitions,
            listed,
            sort: sort.map(|(_, c)| c),
        },
        filter,
        projection,
        forward,
    })
}

/// The partition-key values of `pk = v` or `pk IN [v, ...]`, type-checked.
fn partition_values(
    term: &Expr,
    schema: &KeySchema,
    b: &Binder<'_>,
) -> Result<Option<Vec<AttributeValue>>> {
    let (name, t) = (
        schema.partition.name.as_str(),
        schema.partition.attribute_type,
    );
    let values = match &term.kind {
        ExprKind::In(left, list) if top_level_name(left) == Some(name) => {
            let (ExprKind::List(items) | ExprKind::Bag(items)) = &list.kind else {
                return Ok(None);
            };
            if items.is_empty() || !items.iter().all(is_value) {
                return Ok(None);
            }
            items
                .iter()
                .map(|e| b.value(e))
                .collect::<Result<Vec<_>>>()?
        }
        _ => match equality(term) {
            Some((n, value)) if n == name => vec![b.value(value)?],
            _ => return Ok(None),
        },
    };
    if values.iter().any(|v| !type_matches(v, t)) {
        return Err(key_type_mismatch(name));
    }
    // Each partition once, in key order (as DynamoDB Local reads an `IN`).
    let mut values = values;
    values.sort_by(key_order);
    values.dedup();
    Ok(Some(values))
}

/// A condition on the sort key that a key condition can hold, type-checked.
fn sort_condition(term: &Expr, schema: &KeySchema, b: &Binder<'_>) -> Result<Option<Condition>> {
    let Some(sort) = &schema.sort else {
        return Ok(None);
    };
    let (name, t) = (sort.name.as_str(), sort.attribute_type);
    let values: Vec<&Expr> = match &term.kind {
        ExprKind::Binary(op, left, right)
            if comparator(*op).is_some_and(|c| c != Comparator::Ne) =>
        {
            match (top_level_name(left), top_level_name(right)) {
                (Some(n), None) if n == name && is_value(right) => vec![right],
                (None, Some(n)) if n == name && is_value(left) => vec![left],
                _ => return Ok(None),
            }
        }
        ExprKind::Between(subject, low, high)
            if top_level_name(subject) == Some(name) && is_value(low) && is_value(high) =>
        {
            vec![low, high]
        }
        ExprKind::Call(function, args)
            if function.eq_ignore_ascii_case("begins_with")
                && args.len() == 2
                && top_level_name(&args[0]) == Some(name)
                && is_value(&args[1]) =>
        {
            vec![&args[1]]
        }
        _ => return Ok(None),
    };
    for value in values {
        if !type_matches(&b.value(value)?, t) {
            return Err(key_type_mismatch(name));
        }
    }
    Ok(Some(b.condition(term)?))
}

fn comparator(op: BinaryOp) -> Option<Comparator> {
    Some(match op {
        BinaryOp::Eq => Comparator::Eq,
        BinaryOp::Ne => Comparator::Ne,
        BinaryOp::Lt => Comparator::Lt,
        BinaryOp::Le => Comparator::Le,
        BinaryOp::Gt => Comparator::Gt,
        BinaryOp::Ge => Comparator::Ge,
        _ => return None,
    })
}

fn path(steps: &[Step]) -> Path {
    Path(
        steps
            .iter()
            .map(|s| match s {
                Step::Name(n) => PathElement::Attribute(n.clone()),
                Step::Index(i) => PathElement::Index(*i),
            })
            .collect(),
    )
}

/// The name a projected path's value gets in the answer: its last attribute name with the
/// list indexes after it (`m.k` → `k`, `l[1]` → `l[1]`), as DynamoDB names them.
pub fn projected_name(path: &Path) -> String {
    let elements = path.elements();
    let last_name = elements
        .iter()
        .rposition(|e| matches!(e, PathElement::Attribute(_)))
        .unwrap_or(0);
    let mut name = String::new();
    for element in &elements[last_name..] {
        match element {
            PathElement::Attribute(a) => name.push_str(a),
            PathElement::Index(i) => {
                name.push('[');
                name.push_str(&i.to_string());
                name.push(']');
            }
        }
    }
    name
}

/// Binds expressions to the request's parameters.
struct Binder<'p> {
    params: &'p [AttributeValue],
}

impl Binder<'_> {
    /// The terms joined by `AND`, or `None` for no terms.
    fn conjunction(&self, terms: &[&Expr]) -> Result<Option<Condition>> {
        let mut out: Option<Condition> = None;
        for term in terms {
            let c = self.condition(term)?;
            out = Some(match out {
                None => c,
                Some(prev) => Condition::And(Box::new(prev), Box::new(c)),
            });
        }
        Ok(out)
    }

    /// A `WHERE` (or a term of it) as a condition.
    fn condition(&self, e: &Expr) -> Result<Condition> {
        let not_boolean =
            || invalid("WHERE clause must contain an expression that resolves to a boolean");
        Ok(match &e.kind {
            ExprKind::Binary(BinaryOp::And, a, b) => {
                Condition::And(Box::new(self.condition(a)?), Box::new(self.condition(b)?))
            }
            ExprKind::Binary(BinaryOp::Or, a, b) => {
                Condition::Or(Box::new(self.condition(a)?), Box::new(self.condition(b)?))
            }
            ExprKind::Binary(op @ (BinaryOp::Add | BinaryOp::Sub), ..) => {
                return Err(unsupported_operator(*op));
            }
            ExprKind::Binary(op, a, b) => {
                let cmp = comparator(*op).expect("the other operators are answered above");
                Condition::Compare(cmp, self.operand(a)?, self.operand(b)?)
            }
            ExprKind::Not(inner) => Condition::Not(Box::new(self.condition(inner)?)),
            ExprKind::Between(subject, low, high) => Condition::Between(
                self.operand(subject)?,
                self.operand(low)?,
                self.operand(high)?,
            ),
            ExprKind::In(subject, list) => {
                let items = match &list.kind {
                    ExprKind::List(items) | ExprKind::Bag(items)
                        if !items.is_empty() && matches!(subject.kind, ExprKind::Path(_)) =>
                    {
                        items
                    }
                    _ => {
                        return Err(invalid(
                            "IN operator must have a left hand argument of type Variable \
                             Reference and right hand argument of type Seq with at least one \
                             member",
                        ));
                    }
                };
                Condition::In(
                    self.operand(subject)?,
                    items
                        .iter()
                        .map(|i| self.operand(i))
                        .collect::<Result<_>>()?,
                )
            }
            ExprKind::IsMissing(subject, negated) => {
                let path = self.path_of(subject)?;
                if *negated {
                    Condition::AttributeExists(path)
                } else {
                    Condition::AttributeNotExists(path)
                }
            }
            ExprKind::IsNull(subject, negated) => {
                let is_null = Condition::AttributeType(self.operand(subject)?, AttributeType::Null);
                if *negated {
                    Condition::Not(Box::new(is_null))
                } else {
                    is_null
                }
            }
            ExprKind::Call(name, args) => self.function(name, args)?,
            _ => return Err(not_boolean()),
        })
    }

    fn function(&self, name: &str, args: &[Expr]) -> Result<Condition> {
        let function = name.to_ascii_lowercase();
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(invalid(format!(
                    "Incorrect number of arguments supplied for function: {name}"
                )))
            }
        };
        Ok(match function.as_str() {
            "begins_with" => {
                arity(2)?;
                Condition::BeginsWith(self.operand(&args[0])?, self.operand(&args[1])?)
            }
            "contains" => {
                arity(2)?;
                Condition::Contains(self.operand(&args[0])?, self.operand(&args[1])?)
            }
            "attribute_type" => {
                arity(2)?;
                let descriptor = match self.value(&args[1])? {
                    AttributeValue::S(s) => s,
                    _ => String::new(),
                };
                let t = AttributeType::from_descriptor(&descriptor).ok_or_else(|| {
                    invalid(format!(
                        "Invalid attribute type name found in type parameter of \
                         attribute_type function: {descriptor}"
                    ))
                })?;
                Condition::AttributeType(self.operand(&args[0])?, t)
            }
            "exists" | "size" | "list_append" | "if_not_exists" | "set_add" | "set_delete" => {
                return Err(invalid(
                    "WHERE clause must contain an expression that resolves to a boolean",
                ));
            }
            _ => return Err(invalid(format!("Unrecognized function: {name}"))),
        })
    }

    fn path_of(&self, e: &Expr) -> Result<Path> {
        match &e.kind {
            ExprKind::Path(steps) => Ok(path(steps)),
            _ => Err(invalid(
                "WHERE clause must contain an expression that resolves to a boolean",
            )),
        }
    }

    fn operand(&self, e: &Expr) -> Result<Operand> {
        Ok(match &e.kind {
            ExprKind::Path(steps) => Operand::Path(path(steps)),
            ExprKind::Call(name, args) if name.eq_ignore_ascii_case("size") && args.len() == 1 => {
                Operand::Size(Box::new(self.operand(&args[0])?))
            }
            ExprKind::Call(name, _) => {
                return Err(invalid(format!("Unrecognized function: {name}")));
            }
            ExprKind::Binary(op @ (BinaryOp::Add | BinaryOp::Sub), ..) => {
                return Err(unsupported_operator(*op));
            }
            _ if is_value(e) => Operand::Value(self.value(e)?),
            _ => {
                return Err(invalid(
                    "WHERE clause must contain an expression that resolves to a boolean",
                ));
            }
        })
    }

    fn update_action(&self, clause: &UpdateClause) -> Result<UpdateAction> {
        let (target, value) = match clause {
            UpdateClause::Remove(target) => return Ok(UpdateAction::Remove(self.path_of(target)?)),
            UpdateClause::Set(target, value) => (self.path_of(target)?, value),
        };
        Ok(match &value.kind {
            ExprKind::Binary(op @ (BinaryOp::Add | BinaryOp::Sub), a, b) => {
                let (a, b) = (self.update_operand(a)?, self.update_operand(b)?);
                UpdateAction::Set(
                    target,
                    if *op == BinaryOp::Add {
                        SetValue::Plus(a, b)
                    } else {
                        SetValue::Minus(a, b)
                    },
                )
            }
            ExprKind::Call(name, args) if name.eq_ignore_ascii_case("list_append") => {
                let [a, b] = args.as_slice() else {
                    return Err(invalid(format!(
                        "Incorrect number of arguments supplied for function: {name}"
                    )));
                };
                UpdateAction::Set(
                    target,
                    SetValue::ListAppend(self.update_operand(a)?, self.update_operand(b)?),
                )
            }
            ExprKind::Call(name, args)
                if name.eq_ignore_ascii_case("set_add")
                    || name.eq_ignore_ascii_case("set_delete") =>
            {
                let [set, change] = args.as_slice() else {
                    return Err(invalid(format!(
                        "Incorrect number of arguments supplied for function: {name}"
                    )));
                };
                let adding = name.eq_ignore_ascii_case("set_add");
                if !matches!(&set.kind, ExprKind::Path(steps) if path(steps) == target) {
                    return Err(invalid(format!(
                        "The first argument to {} must equal the assignment value",
                        if adding { "SET_ADD" } else { "SET_DELETE" }
                    )));
                }
                let change = self.value(change)?;
                if adding {
                    UpdateAction::Add(target, change)
                } else {
                    UpdateAction::Delete(target, change)
                }
            }
            _ => UpdateAction::Set(target, SetValue::Operand(self.update_operand(value)?)),
        })
    }

    fn update_operand(&self, e: &Expr) -> Result<UpdateOperand> {
        Ok(match &e.kind {
            ExprKind::Path(steps) => UpdateOperand::Path(path(steps)),
            ExprKind::Call(name, args) if name.eq_ignore_ascii_case("if_not_exists") => {
                let [p, fallback] = args.as_slice() else {
                    return Err(invalid(format!(
                        "Incorrect number of arguments supplied for function: {name}"
                    )));
                };
                UpdateOperand::IfNotExists(
                    self.path_of(p)?,
                    Box::new(self.update_operand(fallback)?),
                )
            }
            ExprKind::Call(name, _) => {
                return Err(invalid(format!("Unrecognized function: {name}")));
            }
            _ => UpdateOperand::Value(self.value(e)?),
        })
    }

    /// A literal (or parameter) as an attribute value.
    fn value(&self, e: &Expr) -> Result<AttributeValue> {
        let unsupported = |what: &str, span| {
            invalid(format!(
                "Unsupported data type: {what} under key root at {span}"
            ))
        };
        Ok(match &e.kind {
            ExprKind::Literal(Literal::Str(s)) => AttributeValue::S(s.clone()),
            ExprKind::Literal(Literal::Number(text)) => AttributeValue::N(number(text)?),
            ExprKind::Literal(Literal::Bool(v)) => AttributeValue::Bool(*v),
            ExprKind::Literal(Literal::Null) => AttributeValue::Null,
            ExprKind::Literal(Literal::Missing) => return Err(unsupported("MISSING", e.span)),
            ExprKind::Param(i) => self.params.get(*i).cloned().ok_or_else(|| {
                invalid("Number of parameters in request and statement don't match.")
            })?,
            ExprKind::Negate(inner) => match &inner.kind {
                ExprKind::Literal(Literal::Number(text)) => {
                    let n = number(text)?;
                    if n.is_zero() && text.contains(['.', 'e', 'E']) {
                        return Err(invalid(format!(
                            "Negative zero decimal is not supported under key root at {}",
                            inner.span
                        )));
                    }
                    AttributeValue::N(Number::ZERO.checked_sub(&n)?)
                }
                _ => match self.value(inner)? {
                    AttributeValue::N(n) => AttributeValue::N(Number::ZERO.checked_sub(&n)?),
                    _ => return Err(unsupported("-", e.span)),
                },
            },
            ExprKind::List(items) => {
                AttributeValue::L(items.iter().map(|i| self.value(i)).collect::<Result<_>>()?)
            }
            ExprKind::Tuple(pairs) => AttributeValue::M(self.tuple(pairs)?),
            ExprKind::Bag(items) => self.set(items, e)?,
            ExprKind::Ion(text) => {
                return Err(invalid(format!(
                    "Ion Literals are not supported: {} under key root at {}",
                    ion_type(text),
                    e.span
                )));
            }
            ExprKind::Path(steps) => {
                let shown = match steps.first() {
                    Some(Step::Name(n)) => n.clone(),
                    _ => String::new(),
                };
                return Err(unsupported(&shown, e.span));
            }
            ExprKind::Binary(op, ..) => return Err(unsupported(operator_text(*op), e.span)),
            ExprKind::Call(name, _) => return Err(unsupported(name, e.span)),
            ExprKind::Not(_) => return Err(unsupported("NOT", e.span)),
            ExprKind::Between(..) => return Err(unsupported("BETWEEN", e.span)),
            ExprKind::In(..) => return Err(unsupported("IN", e.span)),
            ExprKind::IsMissing(..) | ExprKind::IsNull(..) => {
                return Err(unsupported("IS", e.span));
            }
        })
    }

    /// `{'name': value, ...}`: a map.
    fn tuple(&self, pairs: &[(Expr, Expr)]) -> Result<Item> {
        let mut map = Item::new();
        for (key, value) in pairs {
            let ExprKind::Literal(Literal::Str(name)) = &key.kind else {
                return Err(invalid(format!(
                    "Tuple keys must be of type String. Actual type: {} under root at {}",
                    node_name(key),
                    key.span
                )));
            };
            if map.contains_key(name) {
                return Err(invalid(format!(
                    "Duplicate keys in tuple. Key: {name} under root at {}",
                    key.span
                )));
            }
            map.insert(name.clone(), self.value(value)?);
        }
        Ok(map)
    }

    /// `<<...>>`: a string, number or binary set.
    fn set(&self, items: &[Expr], bag: &Expr) -> Result<AttributeValue> {
        if items.is_empty() {
            return Err(invalid(format!(
                "Empty bags are not supported at {}",
                bag.span
            )));
        }
        let values = items
            .iter()
            .map(|i| self.value(i))
            .collect::<Result<Vec<_>>>()?;
        let mixed = || {
            invalid(
                "Unsupported data type in Bag. DynamoDB only supports either numbers or strings \
                 in bags",
            )
        };
        let duplicates = || invalid("Input collection contains duplicates");
        let set = match &values[0] {
            AttributeValue::S(_) => {
                let mut out: Vec<String> = Vec::with_capacity(values.len());
                for v in values {
                    let AttributeValue::S(s) = v else {
                        return Err(mixed());
                    };
                    if out.contains(&s) {
                        return Err(duplicates());
                    }
                    out.push(s);
                }
                AttributeValue::Ss(out)
            }
            AttributeValue::N(_) => {
                let mut out: Vec<Number> = Vec::with_capacity(values.len());
                for v in values {
                    let AttributeValue::N(n) = v else {
                        return Err(mixed());
                    };
                    if out.contains(&n) {
                        return Err(duplicates());
                    }
                    out.push(n);
                }
                AttributeValue::Ns(out)
            }
            AttributeValue::B(_) => {
                let mut out: Vec<Vec<u8>> = Vec::with_capacity(values.len());
                for v in values {
                    let AttributeValue::B(b) = v else {
                        return Err(mixed());
                    };
                    if out.contains(&b) {
                        return Err(duplicates());
                    }
                    out.push(b);
                }
                AttributeValue::Bs(out)
            }
            _ => return Err(mixed()),
        };
        Ok(set)
    }
}

/// A number literal, with PartiQL's words for one DynamoDB cannot hold.
fn number(text: &str) -> Result<Number> {
    Number::try_parse(text).map_err(|e| match e {
        NumberError::Precision => invalid("DynamoDB only supports precision up to 38 digits"),
        other => other.to_dynamo_error(text),
    })
}

fn unsupported_operator(op: BinaryOp) -> DynamoError {
    invalid(format!(
        "Unsupported operator in Condition Expression. Operator: {}",
        operator_text(op)
    ))
}

fn operator_text(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::And => "AND",
        BinaryOp::Or => "OR",
        BinaryOp::Eq => "=",
        BinaryOp::Ne => "<>",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
    }
}

/// PartiQL's name for an expression node, as its messages name them.
fn node_name(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Path(_) => "VariableReference",
        ExprKind::Param(_) => "Parameter",
        ExprKind::Literal(_) | ExprKind::Ion(_) => "Literal",
        ExprKind::List(_) => "ListExpr",
        ExprKind::Bag(_) => "BagExpr",
        ExprKind::Tuple(_) => "StructExpr",
        ExprKind::Call(..) => "CallExpr",
        _ => "Operator",
    }
}

/// The Ion type of an Ion literal's text, as the service names it.
fn ion_type(text: &str) -> &'static str {
    let t = text.trim();
    if !t.is_empty()
        && t.trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        "INT"
    } else if t.parse::<f64>().is_ok() {
        "DECIMAL"
    } else if t.starts_with('"') {
        "STRING"
    } else if t == "true" || t == "false" {
        "BOOL"
    } else if t.starts_with("null") {
        "NULL"
    } else if t.starts_with('[') {
        "LIST"
    } else if t.starts_with('{') {
        "STRUCT"
    } else {
        "SYMBOL"
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::dynamodb::catalog::ScalarType;
    use crate::dynamodb::item::testing::{REGION, create_table, service};
    use crate::dynamodb::partiql;

    fn planned(db: &DynamoDb, statement: &str, params: &[AttributeValue]) -> Result<Plan> {
        plan(db, REGION, &partiql::parse(statement, params)?, params)
    }

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.to_owned())
    }

    fn n(v: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(v).unwrap())
    }

    async fn table() -> DynamoDb {
        let db = service();
        create_table(&db, "tbl", ScalarType::S, Some(ScalarType::N)).await;
        db
    }

    #[tokio::test]
    async fn selects_become_queries_only_on_a_partition_equality() {
        let db = table().await;
        let query = |statement: &str| match planned(&db, statement, &[]).unwrap() {
            Plan::Select(select) => match select.read {
                Read::Query {
                    partitions, sort, ..
                } => Some((partitions, sort.is_some(), select.filter.is_some())),
                Read::Scan => None,
            },
            _ => panic!("a select"),
        };
        assert_eq!(
            query("SELECT * FROM tbl WHERE pk = 'a' AND sk > 1 AND v = 1"),
            Some((vec![s("a")], true, true))
        );
        assert_eq!(
            query("SELECT * FROM tbl WHERE pk IN ['b', 'a', 'b']"),
            Some((vec![s("a"), s("b")], false, false))
        );
        assert_eq!(query("SELECT * FROM tbl WHERE pk = 'a' OR pk = 'b'"), None);
        assert_eq!(
            query("SELECT * FROM tbl WHERE pk = 'a' AND (sk = 1 OR sk = 2)"),
            None
        );
        assert_eq!(query("SELECT * FROM tbl WHERE sk = 1"), None);
    }

    #[tokio::test]
    async fn point_keys_and_write_conditions() {
        let db = table().await;
        let Plan::Select(select) = planned(
            &db,
            "SELECT * FROM tbl WHERE sk = ? AND pk = ?",
            &[n("2"), s("a")],
        )
        .unwrap() else {
            panic!("a select")
        };
        assert_eq!(
            select.point_key(),
            Some(Item::from([
                ("pk".to_owned(), s("a")),
                ("sk".to_owned(), n("2"))
            ]))
        );
        let Plan::Select(select) =
            planned(&db, "SELECT * FROM tbl WHERE pk IN ['a'] AND sk = 1", &[]).unwrap()
        else {
            panic!("a select")
        };
        assert_eq!(select.point_key(), None, "an IN is never a point read");

        let condition = |statement: &str| match planned(&db, statement, &[]).unwrap() {
            Plan::Insert(w) | Plan::Update(w) | Plan::Delete(w) | Plan::Exists(w) => {
                w.condition.map(|c| c.to_string())
            }
            Plan::Select(_) => panic!("a write"),
        };
        assert_eq!(
            condition("INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1}").as_deref(),
            Some("attribute_not_exists(pk)")
        );
        assert_eq!(
            condition("UPDATE tbl SET v = 1 WHERE pk = 'a' AND sk = 1 AND v = 2").as_deref(),
            Some("attribute_exists(pk) AND v = :v0")
        );
        assert_eq!(
            condition("DELETE FROM tbl WHERE pk = 'a' AND sk = 1").as_deref(),
            None
        );
        assert_eq!(
            condition("DELETE FROM tbl WHERE v <> 2 AND pk = 'a' AND sk = 1").as_deref(),
            Some("attribute_not_exists(pk) OR v <> :v0")
        );
    }

    /// A value as a PartiQL literal.
    fn literal(value: &AttributeValue) -> String {
        let list = |items: Vec<String>| items.join(", ");
        match value {
            AttributeValue::S(s) => format!("'{}'", s.replace('\'', "''")),
            AttributeValue::N(n) => n.to_string(),
            AttributeValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            AttributeValue::Null => "NULL".to_owned(),
            AttributeValue::L(items) => format!("[{}]", list(items.iter().map(literal).collect())),
            AttributeValue::M(map) => format!(
                "{{{}}}",
                list(
                    map.iter()
                        .map(|(k, v)| format!("{}: {}", literal(&s(k)), literal(v)))
                        .collect()
                )
            ),
            AttributeValue::Ss(set) => {
                format!("<<{}>>", list(set.iter().map(|e| literal(&s(e))).collect()))
            }
            AttributeValue::Ns(set) => {
                format!("<<{}>>", list(set.iter().map(|e| e.to_string()).collect()))
            }
            AttributeValue::B(_) | AttributeValue::Bs(_) => unreachable!("no binary literals"),
        }
    }

    fn number() -> impl Strategy<Value = Number> {
        (any::<i64>(), -20i32..20).prop_map(|(mantissa, exponent)| {
            Number::parse(&format!("{mantissa}E{exponent}")).expect("in range")
        })
    }

    fn value() -> impl Strategy<Value = AttributeValue> {
        let leaf = prop_oneof![
            ".{0,6}".prop_map(AttributeValue::S),
            number().prop_map(AttributeValue::N),
            any::<bool>().prop_map(AttributeValue::Bool),
            Just(AttributeValue::Null),
            prop::collection::btree_set(".{0,4}", 1..4)
                .prop_map(|set| AttributeValue::Ss(set.into_iter().collect())),
            prop::collection::btree_set(any::<i32>(), 1..4).prop_map(|set| {
                AttributeValue::Ns(
                    set.into_iter()
                        .map(|i| Number::from_i64(i.into()))
                        .collect(),
                )
            }),
        ];
        leaf.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(AttributeValue::L),
                prop::collection::btree_map(".{0,4}", inner, 0..3)
                    .prop_map(|m| AttributeValue::M(m.into_iter().collect::<Item>())),
            ]
        })
    }

    proptest! {
        /// Every non-binary value written as a literal binds back to itself.
        #[test]
        fn literals_round_trip(value in value()) {
            let source = literal(&value);
            let statement = format!("INSERT INTO t VALUE {{'v': {source}}}");
            let Ok(Statement::Insert(insert)) = partiql::parse(&statement, &[]) else {
                panic!("{statement} parses");
            };
            let bound = Binder { params: &[] }.value(&insert.value).unwrap();
            prop_assert_eq!(bound, AttributeValue::M(Item::from([("v".to_owned(), value)])));
        }
    }
}
