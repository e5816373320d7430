//! `ProjectionExpression`: which parts of an item to return.
//!
//! As the service does (checked against DynamoDB Local): selected list elements keep their
//! order and close up (`l[3], l[1]` of a four-element list gives a two-element list); a path
//! that does not resolve contributes nothing, and a map or list from which nothing was
//! selected is left out rather than returned empty.

use super::super::value::{AttributeValue, Item};
use super::ast::{Path, PathElement};

/// A parsed `ProjectionExpression`.
#[derive(Debug, Clone)]
pub struct Projection {
    paths: Vec<Path>,
    /// The paths as a tree, built once so that applying allocates only the output.
    tree: Vec<(String, Selection)>,
}

#[derive(Debug, Clone)]
enum Selection {
    Whole,
    Fields(Vec<(String, Selection)>),
    /// In index order.
    Elements(Vec<(usize, Selection)>),
}

/// Two projections are equal when they name the same paths in the same order.
impl PartialEq for Projection {
    fn eq(&self, other: &Projection) -> bool {
        self.paths == other.paths
    }
}

impl Projection {
    /// The projection of `paths`, which must not overlap (the parser guarantees it).
    pub fn new(paths: Vec<Path>) -> Projection {
        let mut tree = Vec::new();
        for path in &paths {
            if let Some((PathElement::Attribute(name), rest)) = path.elements().split_first() {
                let slot = match tree.iter().position(|(n, _)| n == name) {
                    Some(i) => &mut tree[i].1,
                    None => {
                        tree.push((name.clone(), placeholder(rest)));
                        &mut tree.last_mut().expect("just pushed").1
                    }
                };
                insert(slot, rest);
            }
        }
        Projection { paths, tree }
    }

    /// The paths in the order written.
    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    /// The distinct top-level attributes the projection reads, in the order first named.
    pub fn top_level_names(&self) -> impl Iterator<Item = &str> {
        self.tree.iter().map(|(name, _)| name.as_str())
    }

    /// The parts of `item` the projection selects.
    pub fn apply(&self, item: &Item) -> Item {
        let mut out = Item::new();
        for (name, selection) in &self.tree {
            if let Some(value) = item.get(name.as_str()).and_then(|v| select(v, selection)) {
                out.insert(name.clone(), value);
            }
        }
        out
    }
}

/// An empty selection of the kind the next element needs.
fn placeholder(rest: &[PathElement]) -> Selection {
    match rest.first() {
        None => Selection::Whole,
        Some(PathElement::Attribute(_)) => Selection::Fields(Vec::new()),
        Some(PathElement::Index(_)) => Selection::Elements(Vec::new()),
    }
}

fn insert(selection: &mut Selection, rest: &[PathElement]) {
    let Some((first, rest)) = rest.split_first() else {
        *selection = Selection::Whole;
        return;
    };
    match (selection, first) {
        (Selection::Fields(fields), PathElement::Attribute(name)) => {
            let i = match fields.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => {
                    fields.push((name.clone(), placeholder(rest)));
                    fields.len() - 1
                }
            };
            insert(&mut fields[i].1, rest);
        }
        (Selection::Elements(elements), PathElement::Index(index)) => {
            let i = match elements.binary_search_by_key(index, |(i, _)| *i) {
                Ok(i) => i,
                Err(i) => {
                    elements.insert(i, (*index, placeholder(rest)));
                    i
                }
            };
            insert(&mut elements[i].1, rest);
        }
        // Overlapping or conflicting paths are rejected before a projection is built.
        _ => {}
    }
}

fn select(value: &AttributeValue, selection: &Selection) -> Option<AttributeValue> {
    match (selection, value) {
        (Selection::Whole, v) => Some(v.clone()),
        (Selection::Fields(fields), AttributeValue::M(map)) => {
            let mut out = Item::new();
            for (name, sel) in fields {
                if let Some(v) = map.get(name.as_str()).and_then(|v| select(v, sel)) {
                    out.insert(name.clone(), v);
                }
            }
            (!out.is_empty()).then_some(AttributeValue::M(out))
        }
        (Selection::Elements(elements), AttributeValue::L(list)) => {
            let out: Vec<AttributeValue> = elements
                .iter()
                .filter_map(|(i, sel)| list.get(*i).and_then(|v| select(v, sel)))
                .collect();
            (!out.is_empty()).then_some(AttributeValue::L(out))
        }
        _ => None,
    }
}
