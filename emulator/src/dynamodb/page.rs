//! What Query and Scan share: the request checks they make the same way, and the page loop
//! that walks one redb range.
//!
//! A page follows the service's rules (checked against DynamoDB Local):
//! - `Limit` counts items *read*, before the filter; `ScannedCount` is the items read,
//!   `Count` the items that passed the filter.
//! - A page also stops once the sizes of the items read add up to 1 MB; the item that
//!   reaches the line is still part of the page.
//! - `LastEvaluatedKey` holds the key attributes of the last item read. It is present when
//!   `Limit` stopped the page (even if nothing follows, as the service answers) or when the
//!   size cap stopped it and more items remain in the range.
//! - Consumed capacity sums the sizes of every item read and rounds once for the page.
//!
//! The loop is allocation-light: items are stored with their size in front of their
//! canonical JSON (`item::StoredItem`), so an item that is neither filtered nor projected is
//! copied straight from storage into the answer without being decoded. A filtered or
//! projected item is decoded only in part: the top-level attributes the filter and the
//! projection read, and the key attributes; every other value is skipped unparsed. Evaluating
//! a filter or applying a projection to that part gives what it gives on the whole item,
//! since neither looks at any other attribute.

use std::fmt;

use redb::{AccessGuard, ReadTransaction};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::capacity::{self, Charge};
use super::catalog::{self, IndexKind, IndexMeta, KeySchema, TableMeta};
use super::error::{DynamoError, Result};
use super::expr::{Condition, Path, Projection};
use super::item::{self, StoredItem, Violations};
use super::keys;
use super::types::query::QueryOutput;
use super::value::{AttributeValue, Item};
use crate::storage::StorageError;
use crate::storage::tables::dynamodb_items;

/// The service stops a Query or Scan page when the items it read reach this many bytes.
pub const PAGE_BYTES: usize = 1024 * 1024;

/// `Select`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    AllAttributes,
    AllProjectedAttributes,
    SpecificAttributes,
    Count,
}

impl Select {
    /// The wire enum set, in the order the service lists it in its messages.
    pub const ENUM_SET: &'static str =
        "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]";

    pub fn from_wire(value: &str) -> Option<Select> {
        Some(match value {
            "ALL_ATTRIBUTES" => Select::AllAttributes,
            "ALL_PROJECTED_ATTRIBUTES" => Select::AllProjectedAttributes,
            "SPECIFIC_ATTRIBUTES" => Select::SpecificAttributes,
            "COUNT" => Select::Count,
            _ => return None,
        })
    }

    /// Parses the member, pushing a violation for a value outside the enum.
    pub fn parse(value: Option<&str>, v: &mut Violations) -> Option<Select> {
        v.enumeration(value, "select", Self::ENUM_SET, |s| {
            Self::from_wire(s).map(Some)
        })
    }
}

/// `Limit` (at least 1), pushing a violation otherwise.
pub fn limit(value: Option<i32>, v: &mut Violations) -> Option<usize> {
    let n = value?;
    if n < 1 {
        v.push(
            n,
            "limit",
            "Member must have value greater than or equal to 1",
        );
        return None;
    }
    usize::try_from(n).ok()
}

/// `IndexName` (3 to 255 characters of `[a-zA-Z0-9_.-]`), pushing violations otherwise.
pub fn check_index_name(name: Option<&str>, v: &mut Violations) {
    let Some(name) = name else { return };
    let valid_chars = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !valid_chars {
        v.push(
            name,
            "indexName",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        );
    }
    if name.len() < 3 {
        v.push(
            name,
            "indexName",
            "Member must have length greater than or equal to 3",
        );
    } else if name.len() > 255 {
        v.push(
            name,
            "indexName",
            "Member must have length less than or equal to 255",
        );
    }
}

/// What the answer's items hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Every attribute of each item.
    All,
    /// The attributes named by `ProjectionExpression`.
    Projected,
    /// No items, only `Count` and `ScannedCount`.
    Count,
}

/// The member carrying a request's projection, for [`shape`]'s messages.
pub fn projection_member(expression: bool, attributes_to_get: bool) -> Option<&'static str> {
    if expression {
        Some("ProjectionExpression")
    } else {
        attributes_to_get.then_some("AttributesToGet")
    }
}

/// The service's rules for `Select` with a projection (texts checked against DynamoDB
/// Local). `projection` names the member that carries it, `ProjectionExpression` or
/// `AttributesToGet`, if one was sent. `has_index` says whether `IndexName` was given: only
/// then is `ALL_PROJECTED_ATTRIBUTES` allowed.
pub fn shape(select: Option<Select>, projection: Option<&str>, has_index: bool) -> Result<Shape> {
    let cannot = |choice: &str| {
        DynamoError::validation(format!(
            "Cannot specify the {} when choosing to get {choice}",
            projection.unwrap_or_default()
        ))
    };
    match (select, projection.is_some()) {
        (None | Some(Select::AllAttributes), false) => Ok(Shape::All),
        (None | Some(Select::SpecificAttributes), true) => Ok(Shape::Projected),
        (Some(Select::Count), false) => Ok(Shape::Count),
        (Some(Select::AllAttributes), true) => Err(cannot("ALL_ATTRIBUTES")),
        (Some(Select::Count), true) => Err(cannot("only the Count")),
        (Some(Select::SpecificAttributes), false) => Err(DynamoError::validation(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get \
             SPECIFIC_ATTRIBUTES",
        )),
        (Some(Select::AllProjectedAttributes), true) => Err(cannot("ALL_PROJECTED_ATTRIBUTES")),
        (Some(Select::AllProjectedAttributes), false) if !has_index => {
            Err(DynamoError::validation(
                "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
            ))
        }
        // An index's entries hold its projection.
        (Some(Select::AllProjectedAttributes), false) => Ok(Shape::All),
    }
}

/// The service's answer when `IndexName` names an index the table does not have.
pub fn index_not_found(name: &str) -> DynamoError {
    DynamoError::validation(format!(
        "The table does not have the specified index: {name}"
    ))
}

/// What a Query or Scan reads: the table, or one of its secondary indexes.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub table: &'a TableMeta,
    pub index: Option<(IndexKind, &'a IndexMeta)>,
}

impl<'a> Source<'a> {
    /// The table or the index `IndexName` names, with the service's refusals: an unknown
    /// index, and a consistent read of a global index.
    pub fn resolve(
        table: &'a TableMeta,
        index_name: Option<&str>,
        consistent_read: bool,
    ) -> Result<Source<'a>> {
        let index = match index_name {
            None => None,
            Some(name) => Some(table.index(name).ok_or_else(|| index_not_found(name))?),
        };
        if consistent_read && matches!(index, Some((IndexKind::Global, _))) {
            return Err(DynamoError::validation(
                "Consistent reads are not supported on global secondary indexes",
            ));
        }
        Ok(Source { table, index })
    }

    /// The key schema the read is ordered and conditioned by.
    pub fn key_schema(&self) -> &'a KeySchema {
        match self.index {
            Some((_, index)) => &index.key_schema,
            None => &self.table.key_schema,
        }
    }

    /// The redb table holding what is read.
    pub fn storage_name(&self) -> String {
        match self.index {
            Some((_, index)) => index.entries_table_name(),
            None => self.table.items_table_name(),
        }
    }

    /// The key attributes of `LastEvaluatedKey`: the index's, then the table's.
    pub fn start_key_names(&self) -> Vec<String> {
        let mut names = key_names(self.key_schema());
        for name in key_names(&self.table.key_schema) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Checks `ExclusiveStartKey` and encodes it in the order of what is read.
    pub fn start_key(&self, start: &Item) -> Result<Vec<u8>> {
        let Some((_, index)) = self.index else {
            return check_start_key(&self.table.key_schema, start)?.stored_key();
        };
        // DynamoDB Local's words: the attributes must be exactly the index's and the table's
        // keys, each of its defined type.
        let names = self.start_key_names();
        if start.len() != names.len() || names.iter().any(|n| !start.contains_key(n)) {
            return Err(DynamoError::validation(
                "The provided starting key is invalid",
            ));
        }
        let schemas = [&index.key_schema, &self.table.key_schema];
        for key in schemas
            .iter()
            .flat_map(|schema| std::iter::once(&schema.partition).chain(&schema.sort))
        {
            if start[&key.name].attribute_type().descriptor() != key.attribute_type.as_str() {
                return Err(DynamoError::validation(
                    "Type mismatch for attribute to update",
                ));
            }
        }
        let table_key: Item = key_names(&self.table.key_schema)
            .into_iter()
            .map(|name| {
                let value = start[&name].clone();
                (name, value)
            })
            .collect();
        let item_key = item::validate_key(&self.table.key_schema, &table_key)
            .map_err(|e| {
                DynamoError::validation(format!(
                    "The provided starting key is invalid: {}",
                    e.message
                ))
            })?
            .stored_key()?;
        let sk = index
            .key_schema
            .sort
            .as_ref()
            .and_then(|s| start.get(&s.name));
        let pk = &start[&index.key_schema.partition.name];
        keys::index_entry_key(pk, sk, &item_key).map_err(|e| {
            DynamoError::validation(format!("The provided starting key is invalid: {e}"))
        })
    }

    /// Whether the answer must come from the table's items rather than from the index: a
    /// local index is read through to the table for attributes it does not project (the
    /// service charges the extra reads). A global index cannot be: it refuses
    /// `ALL_ATTRIBUTES` unless it projects everything, and a filter or projection naming
    /// attributes it does not project (Query reports the filter's first, Scan the
    /// projection's; texts checked against DynamoDB Local).
    pub fn reads_through(
        &self,
        select: Option<Select>,
        filter: Option<&Condition>,
        projection: Option<&Projection>,
        filter_first: bool,
    ) -> Result<bool> {
        let Some((kind, index)) = self.index else {
            return Ok(false);
        };
        if index.projection == catalog::Projection::All {
            return Ok(false);
        }
        let wants_all = select == Some(Select::AllAttributes);
        let mut filter_paths: Vec<&Path> = Vec::new();
        if let Some(filter) = filter {
            filter.visit_paths(&mut |p| filter_paths.push(p));
        }
        let projection_paths: Vec<&Path> = projection
            .map(|p| p.paths().iter().collect())
            .unwrap_or_default();
        let filter_outside = unprojected(index, &self.table.key_schema, &filter_paths);
        let projection_outside = unprojected(index, &self.table.key_schema, &projection_paths);
        if kind == IndexKind::Local {
            return Ok(wants_all || !filter_outside.is_empty() || !projection_outside.is_empty());
        }
        if wants_all {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not \
                 supported for global secondary index {} because its projection type is not ALL",
                index.name
            )));
        }
        let filter_error = (!filter_outside.is_empty()).then(|| {
            DynamoError::validation(format!(
                "One or more parameter values were invalid: Secondary index {} does not project \
                 one or more filter attributes: [{}]",
                index.name,
                filter_outside.join(", ")
            ))
        });
        let projection_error = (!projection_outside.is_empty()).then(|| {
            DynamoError::validation(format!(
                "One or more parameter values were invalid: Global secondary index {} does not \
                 project [{}]",
                index.name,
                projection_outside.join(", ")
            ))
        });
        let first = if filter_first {
            filter_error.or(projection_error)
        } else {
            projection_error.or(filter_error)
        };
        match first {
            Some(e) => Err(e),
            None => Ok(false),
        }
    }
}

/// The top-level attributes `paths` name that `index` does not project, sorted (as the
/// service lists them).
fn unprojected(index: &IndexMeta, table_keys: &KeySchema, paths: &[&Path]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for path in paths {
        let head = path.head();
        if !index.projects(table_keys, head) && !names.iter().any(|n| n == head) {
            names.push(head.to_owned());
        }
    }
    names.sort_unstable();
    names
}

/// Checks `ExclusiveStartKey` against the table's key schema, in the order and with the
/// words of DynamoDB Local: the number of attributes (an empty key is merely "invalid"),
/// then their names, then each value as a key value (type, emptiness, size).
pub fn check_start_key<'a>(schema: &KeySchema, key: &'a Item) -> Result<item::PrimaryKey<'a>> {
    let expected = 1 + usize::from(schema.sort.is_some());
    if !key.is_empty() && key.len() != expected {
        return Err(DynamoError::validation(
            "Exclusive Start Key must have same size as table's key schema",
        ));
    }
    let names_match = key.contains_key(&schema.partition.name)
        && schema
            .sort
            .as_ref()
            .is_none_or(|s| key.contains_key(&s.name));
    if !names_match {
        return Err(DynamoError::validation(
            "The provided starting key is invalid",
        ));
    }
    item::validate_key(schema, key).map_err(|e| {
        if e.message == "The provided key element does not match the schema" {
            // With the names right, only a value's type can be wrong.
            DynamoError::validation("Type mismatch for attribute to update")
        } else {
            // DynamoDB Local words an unusable start key value this way, Scan included.
            DynamoError::validation(format!(
                "The query can return at most one row and cannot be restarted. The provided \
                 starting key is invalid: {}",
                e.message
            ))
        }
    })
}

/// The service refuses document paths into key attributes (`pk.a`, `sk[0]`) in a filter or
/// a projection, naming the first such key in the filter, then in the projection.
pub fn check_key_paths(
    schema: &KeySchema,
    filter: Option<&Condition>,
    projection: Option<&Projection>,
) -> Result<()> {
    let mut nested_key: Option<String> = None;
    let mut check = |path: &Path| {
        if nested_key.is_none() && path.elements().len() > 1 && schema.is_key_attribute(path.head())
        {
            nested_key = Some(path.head().to_owned());
        }
    };
    if let Some(filter) = filter {
        filter.visit_paths(&mut check);
    }
    if let Some(projection) = projection {
        projection.paths().iter().for_each(&mut check);
    }
    match nested_key {
        None => Ok(()),
        Some(key) => Err(DynamoError::validation(format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not \
             allowed: Key: {key}"
        ))),
    }
}

/// Reads the table's stored item for an index entry (`Source::reads_through`): given the
/// entry's JSON, the item's stored bytes (`None` if the item is gone).
pub type ReadThrough<'a> = &'a dyn Fn(&[u8]) -> Result<Option<Vec<u8>>>;

/// The table's items, opened to read items through their index entries.
pub struct ReadThroughTable<'m> {
    items: Option<redb::ReadOnlyTable<&'static [u8], &'static [u8]>>,
    schema: &'m KeySchema,
    key_names: Vec<String>,
}

impl<'m> ReadThroughTable<'m> {
    /// Opens `meta`'s items in `txn` when `wanted`.
    pub fn new(txn: &ReadTransaction, meta: &'m TableMeta, wanted: bool) -> Result<Self> {
        let name = meta.items_table_name();
        let items = match txn.open_table(dynamodb_items(&name)) {
            Ok(table) if wanted => Some(table),
            Ok(_) | Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(StorageError::from(e).into()),
        };
        Ok(ReadThroughTable {
            items,
            schema: &meta.key_schema,
            key_names: key_names(&meta.key_schema),
        })
    }

    /// The stored item an index entry (its JSON) stands for.
    pub fn read(&self, entry: &[u8]) -> Result<Option<Vec<u8>>> {
        let Some(items) = &self.items else {
            return Ok(None);
        };
        let key = decode_attributes(entry, &self.key_names)?;
        let stored_key = item::validate_key(self.schema, &key)?.stored_key()?;
        let found = items
            .get(stored_key.as_slice())
            .map_err(StorageError::from)?;
        Ok(found.map(|guard| guard.value().to_vec()))
    }
}

/// How to read one page.
pub struct PageSpec<'a> {
    /// The attributes of `LastEvaluatedKey` (`Source::start_key_names`).
    pub key_names: &'a [String],
    pub read_through: Option<ReadThrough<'a>>,
    pub limit: Option<usize>,
    pub filter: Option<&'a Condition>,
    pub projection: Option<&'a Projection>,
    pub shape: Shape,
}

/// One page read from storage.
#[derive(Debug, Default)]
pub struct Page {
    /// The answer's items as JSON objects separated by commas: the inside of `Items`.
    pub items_json: Vec<u8>,
    pub count: u64,
    pub scanned_count: u64,
    /// The sizes of every item (or index entry) read, filtered out or not: what the page is
    /// charged for.
    pub bytes_read: usize,
    /// The sizes of the table's items read through an index's entries.
    pub bytes_read_through: usize,
    pub last_evaluated_key: Option<Item>,
}

impl Page {
    /// The read capacity the page consumed: on the table, or on the index read and on the
    /// table for the items read through its entries, each share rounded on its own.
    pub fn charge(&self, source: &Source<'_>, consistent: bool) -> Charge {
        let units = capacity::read_units(self.bytes_read, consistent);
        match source.index {
            None => Charge::table(units),
            Some((kind, index)) => {
                let through = if self.bytes_read_through > 0 {
                    capacity::read_units(self.bytes_read_through, consistent)
                } else {
                    0.0
                };
                let mut charge = Charge::table(through);
                charge.add_index(kind, &index.name, units);
                charge
            }
        }
    }

    /// The answer, without consumed capacity.
    pub fn into_output(self, shape: Shape) -> QueryOutput {
        QueryOutput {
            items_json: (shape != Shape::Count).then_some(self.items_json),
            count: self.count,
            scanned_count: self.scanned_count,
            last_evaluated_key: self.last_evaluated_key,
            consumed_capacity: None,
        }
    }
}

/// One entry of a redb range over an items table.
pub type Entry<'a> = std::result::Result<
    (
        AccessGuard<'a, &'static [u8]>,
        AccessGuard<'a, &'static [u8]>,
    ),
    redb::StorageError,
>;

/// Reads one page from `entries`, a redb range over an items table in answer order. The
/// range's bounds carry the key condition (or scan segment) and the start key, so every
/// entry belongs in the page until a limit stops it.
pub fn read_page<'a, I>(mut entries: I, spec: &PageSpec<'_>) -> Result<Page>
where
    I: Iterator<Item = Entry<'a>>,
{
    let mut page = Page::default();
    let projection = match spec.shape {
        Shape::Projected => spec.projection,
        Shape::All | Shape::Count => None,
    };
    let needed = needed_attributes(spec.filter, projection);
    let needs_decode = spec.filter.is_some() || projection.is_some();
    while let Some(entry) = entries.next() {
        let (_, value) = entry.map_err(StorageError::from)?;
        let entry_stored = StoredItem::parse(value.value())?;
        page.scanned_count += 1;
        page.bytes_read += entry_stored.size;
        let through = match spec.read_through {
            Some(read) => read(entry_stored.json)?,
            None => None,
        };
        let stored = match &through {
            Some(bytes) => {
                let item = StoredItem::parse(bytes)?;
                page.bytes_read_through += item.size;
                item
            }
            None => entry_stored,
        };

        let stop_by_limit = spec.limit.is_some_and(|l| page.scanned_count >= l as u64);
        let stop_by_size = !stop_by_limit && page.bytes_read >= PAGE_BYTES;
        let more = stop_by_limit
            || (stop_by_size
                && entries
                    .next()
                    .transpose()
                    .map_err(StorageError::from)?
                    .is_some());

        let decoded = if needs_decode {
            Some(decode_attributes(stored.json, &needed)?)
        } else {
            None
        };
        if more {
            let key = decode_attributes(entry_stored.json, spec.key_names)?;
            page.last_evaluated_key = Some(key);
        }
        let passes = match (spec.filter, &decoded) {
            (Some(filter), Some(item)) => filter.evaluate(item),
            _ => true,
        };
        if passes {
            page.count += 1;
            if spec.shape != Shape::Count {
                if !page.items_json.is_empty() {
                    page.items_json.push(b',');
                }
                match (projection, &decoded) {
                    (Some(projection), Some(item)) => {
                        serde_json::to_writer(&mut page.items_json, &projection.apply(item))
                            .expect("an Item always serializes");
                    }
                    _ => page.items_json.extend_from_slice(stored.json),
                }
            }
        }
        if stop_by_limit || stop_by_size {
            break;
        }
    }
    Ok(page)
}

/// The top-level attributes a page decodes to filter and project: those the filter and the
/// projection read. Built once per request.
fn needed_attributes(filter: Option<&Condition>, projection: Option<&Projection>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    };
    if let Some(filter) = filter {
        filter.visit_paths(&mut |path| add(path.head()));
    }
    if let Some(projection) = projection {
        projection.top_level_names().for_each(&mut add);
    }
    names
}

/// The key attributes' names.
pub fn key_names(schema: &KeySchema) -> Vec<String> {
    std::iter::once(&schema.partition.name)
        .chain(schema.sort.as_ref().map(|s| &s.name))
        .cloned()
        .collect()
}

/// Decodes the attributes named in `needed` from a stored item's JSON, skipping the others
/// without building them.
pub fn decode_attributes(json: &[u8], needed: &[String]) -> Result<Item> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let item = Attributes { needed }.deserialize(&mut de).map_err(|e| {
        tracing::error!(error = %e, "a stored item does not decode");
        DynamoError::internal("Internal server error")
    })?;
    Ok(item)
}

/// Reads a JSON object of attribute values, keeping the `needed` ones.
struct Attributes<'n> {
    needed: &'n [String],
}

impl<'de> DeserializeSeed<'de> for Attributes<'_> {
    type Value = Item;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Item, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Attributes<'_> {
    type Value = Item;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a stored item")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Item, A::Error> {
        let mut item = Item::new();
        while let Some(name) = map.next_key_seed(Name {
            needed: self.needed,
        })? {
            match name {
                Some(name) => {
                    let value: AttributeValue = map.next_value()?;
                    item.insert(name, value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(item)
    }
}

/// An attribute name: `Some(name)` when it is needed, `None` (and no allocation) otherwise.
struct Name<'n> {
    needed: &'n [String],
}

impl<'de> DeserializeSeed<'de> for Name<'_> {
    type Value = Option<String>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<String>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<Option<String>, E> {
        Ok(self
            .needed
            .iter()
            .any(|n| n == name)
            .then(|| name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::catalog::{KeyAttribute, ScalarType};
    use crate::dynamodb::value::{AttributeValue, Number};

    fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.unwrap_err().message
    }

    #[test]
    fn select_limit_and_index_name_follow_the_model_constraints() {
        let mut v = Violations::new();
        assert_eq!(Select::parse(Some("COUNT"), &mut v), Some(Select::Count));
        assert_eq!(Select::parse(None, &mut v), None);
        assert_eq!(limit(Some(5), &mut v), Some(5));
        assert_eq!(limit(None, &mut v), None);
        check_index_name(Some("idx"), &mut v);
        assert!(v.is_empty());

        assert_eq!(Select::parse(Some("BOGUS"), &mut v), None);
        assert_eq!(limit(Some(0), &mut v), None);
        check_index_name(Some("a b"), &mut v);
        assert_eq!(
            message(v.into_result()),
            "3 validation errors detected: Value 'BOGUS' at 'select' failed to satisfy \
             constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, \
             ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]; Value '0' at 'limit' failed to \
             satisfy constraint: Member must have value greater than or equal to 1; Value \
             'a b' at 'indexName' failed to satisfy constraint: Member must satisfy regular \
             expression pattern: [a-zA-Z0-9_.-]+"
        );
        let mut v = Violations::new();
        check_index_name(Some(&"x".repeat(256)), &mut v);
        assert!(
            message(v.into_result()).ends_with("Member must have length less than or equal to 255")
        );
    }

    #[test]
    fn select_and_projection_combine_as_the_service_allows() {
        use Select::*;
        const PE: Option<&str> = Some("ProjectionExpression");
        assert_eq!(shape(None, None, false).unwrap(), Shape::All);
        assert_eq!(shape(None, PE, false).unwrap(), Shape::Projected);
        assert_eq!(shape(Some(AllAttributes), None, false).unwrap(), Shape::All);
        assert_eq!(
            shape(Some(SpecificAttributes), PE, false).unwrap(),
            Shape::Projected
        );
        assert_eq!(shape(Some(Count), None, false).unwrap(), Shape::Count);
        let msg = |s, p, i| message(shape(Some(s), p, i));
        assert_eq!(
            msg(AllAttributes, PE, false),
            "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"
        );
        assert_eq!(
            msg(Count, PE, false),
            "Cannot specify the ProjectionExpression when choosing to get only the Count"
        );
        assert_eq!(
            msg(SpecificAttributes, None, false),
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get \
             SPECIFIC_ATTRIBUTES"
        );
        assert_eq!(
            msg(AllProjectedAttributes, None, false),
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        );
        assert_eq!(
            msg(AllProjectedAttributes, PE, true),
            "Cannot specify the ProjectionExpression when choosing to get \
             ALL_PROJECTED_ATTRIBUTES"
        );
        let atg = Some("AttributesToGet");
        assert_eq!(
            msg(Count, atg, false),
            "Cannot specify the AttributesToGet when choosing to get only the Count"
        );
        assert_eq!(shape(None, atg, true).unwrap(), Shape::Projected);
    }

    fn schema() -> KeySchema {
        KeySchema {
            partition: KeyAttribute {
                name: "pk".into(),
                attribute_type: ScalarType::S,
            },
            sort: Some(KeyAttribute {
                name: "sk".into(),
                attribute_type: ScalarType::N,
            }),
        }
    }

    fn key(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn start_keys_are_checked_in_the_service_order() {
        let s = |v: &str| AttributeValue::S(v.into());
        let n = |v: &str| AttributeValue::N(Number::parse(v).unwrap());
        let schema = schema();
        assert!(check_start_key(&schema, &key(&[("pk", s("a")), ("sk", n("1"))])).is_ok());
        assert_eq!(
            message(check_start_key(&schema, &key(&[("pk", s("a"))]))),
            "Exclusive Start Key must have same size as table's key schema"
        );
        assert_eq!(
            message(check_start_key(
                &schema,
                &key(&[("pk", s("a")), ("sk", n("1")), ("x", n("1"))])
            )),
            "Exclusive Start Key must have same size as table's key schema"
        );
        assert_eq!(
            message(check_start_key(
                &schema,
                &key(&[("pk", s("a")), ("x", n("1"))])
            )),
            "The provided starting key is invalid"
        );
        assert_eq!(
            message(check_start_key(&schema, &Item::new())),
            "The provided starting key is invalid"
        );
        assert_eq!(
            message(check_start_key(
                &schema,
                &key(&[("pk", s("a")), ("sk", s("1"))])
            )),
            "Type mismatch for attribute to update"
        );
        assert_eq!(
            message(check_start_key(
                &schema,
                &key(&[("pk", s("")), ("sk", n("1"))])
            )),
            "The query can return at most one row and cannot be restarted. The provided \
             starting key is invalid: One or more parameter values are not valid. The \
             AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
        );
    }

    #[test]
    fn last_evaluated_key_holds_only_the_key_attributes() {
        let json = br#"{"other":{"BOOL":true},"pk":{"S":"a"},"sk":{"N":"2"}}"#;
        let lek = decode_attributes(json, &key_names(&schema())).unwrap();
        assert_eq!(
            lek,
            key(&[
                ("pk", AttributeValue::S("a".into())),
                ("sk", AttributeValue::N(Number::parse("2").unwrap())),
            ])
        );
    }

    #[test]
    fn only_the_needed_attributes_are_decoded() {
        let json = br#"{"a":{"S":"x"},"big":{"L":[{"N":"1"},{"M":{"k":{"S":"v"}}}]},"n":{"N":"1.50"},"p\u0041":{"BOOL":true}}"#;
        let needed = ["n".to_owned(), "pA".to_owned(), "missing".to_owned()];
        let item = decode_attributes(json, &needed).unwrap();
        assert_eq!(item.len(), 2);
        assert_eq!(item["n"], AttributeValue::N(Number::parse("1.5").unwrap()));
        assert_eq!(item["pA"], AttributeValue::Bool(true));
        assert!(decode_attributes(b"{", &needed).is_err());
    }

    #[test]
    fn a_page_decodes_what_the_filter_and_projection_read() {
        use crate::dynamodb::expr::{self, ExpressionAttributes, ExpressionKind};
        let mut attrs = ExpressionAttributes::none();
        let filter = expr::parse_condition(
            "attribute_exists(a.b) AND size(c[1]) > size(pk)",
            ExpressionKind::Filter,
            &mut attrs,
        )
        .unwrap();
        let projection = expr::parse_projection("d, a.x, e", &mut attrs).unwrap();
        assert_eq!(
            needed_attributes(Some(&filter), Some(&projection)),
            ["a", "c", "pk", "d", "e"]
        );
        assert!(needed_attributes(None, None).is_empty());
        assert_eq!(key_names(&schema()), ["pk", "sk"]);
    }
}
