//! The parsed expressions. Placeholders are resolved at parse time, so the tree holds
//! attribute names and values directly and evaluating it needs nothing but the item.

use std::fmt;

use super::super::value::{AttributeType, AttributeValue, Item};

/// One step of a document path: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathElement {
    Attribute(String),
    Index(usize),
}

/// A document path such as `a.b[2].c`: always starts with an attribute name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(pub Vec<PathElement>);

impl Path {
    /// A top-level attribute.
    pub fn attribute(name: impl Into<String>) -> Path {
        Path(vec![PathElement::Attribute(name.into())])
    }

    pub fn elements(&self) -> &[PathElement] {
        &self.0
    }

    /// The top-level attribute the path starts at.
    pub fn head(&self) -> &str {
        match self.0.first() {
            Some(PathElement::Attribute(name)) => name,
            // The parser never builds such a path.
            _ => "",
        }
    }

    /// The value at this path in `item`, if there is one.
    pub fn get<'a>(&self, item: &'a Item) -> Option<&'a AttributeValue> {
        let (first, rest) = self.0.split_first()?;
        let PathElement::Attribute(name) = first else {
            return None;
        };
        let mut value = item.get(name.as_str())?;
        for element in rest {
            value = step(value, element)?;
        }
        Some(value)
    }

    /// Whether one path is a prefix of the other (or they are equal).
    pub fn overlaps(&self, other: &Path) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a == b)
    }

    /// The form the service quotes paths in, `[a, b, [2]]`.
    pub fn service_form(&self) -> String {
        let mut out = String::from("[");
        for (i, element) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match element {
                PathElement::Attribute(name) => out.push_str(name),
                PathElement::Index(index) => {
                    out.push('[');
                    out.push_str(&index.to_string());
                    out.push(']');
                }
            }
        }
        out.push(']');
        out
    }
}

/// One step down from `value`.
pub(crate) fn step<'a>(
    value: &'a AttributeValue,
    element: &PathElement,
) -> Option<&'a AttributeValue> {
    match (value, element) {
        (AttributeValue::M(map), PathElement::Attribute(name)) => map.get(name.as_str()),
        (AttributeValue::L(list), PathElement::Index(i)) => list.get(*i),
        _ => None,
    }
}

impl AsRef<Path> for Path {
    fn as_ref(&self) -> &Path {
        self
    }
}

/// `a.b[2]`, names unquoted: for reading, not for sending (see [`super::ExpressionText`]).
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, element) in self.0.iter().enumerate() {
            match element {
                PathElement::Attribute(name) if i == 0 => f.write_str(name)?,
                PathElement::Attribute(name) => write!(f, ".{name}")?,
                PathElement::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A value in a condition: a document path, a `:placeholder`'s value or `size(...)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(AttributeValue),
    /// `size(operand)`: a number.
    Size(Box<Operand>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// A `ConditionExpression`, `FilterExpression` or (before its key-schema checks)
/// `KeyConditionExpression`.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Compare(Comparator, Operand, Operand),
    /// `operand BETWEEN low AND high`, both bounds inclusive.
    Between(Operand, Operand, Operand),
    /// `operand IN (a, b, ...)`: at most 100 candidates.
    In(Operand, Vec<Operand>),
    AttributeExists(Path),
    AttributeNotExists(Path),
    AttributeType(Operand, AttributeType),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    Not(Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
}

impl Condition {
    /// Whether any document path in the condition starts at the top-level attribute `name`.
    pub fn references_attribute(&self, name: &str) -> bool {
        let mut found = false;
        self.visit_paths(&mut |path| found |= path.head() == name);
        found
    }

    /// Calls `f` on every document path, left to right.
    pub fn visit_paths<'s>(&'s self, f: &mut impl FnMut(&'s Path)) {
        fn operand<'s>(op: &'s Operand, f: &mut impl FnMut(&'s Path)) {
            match op {
                Operand::Path(p) => f(p),
                Operand::Value(_) => {}
                Operand::Size(inner) => operand(inner, f),
            }
        }
        match self {
            Condition::Compare(_, a, b)
            | Condition::BeginsWith(a, b)
            | Condition::Contains(a, b) => {
                operand(a, f);
                operand(b, f);
            }
            Condition::Between(a, b, c) => {
                operand(a, f);
                operand(b, f);
                operand(c, f);
            }
            Condition::In(a, list) => {
                operand(a, f);
                for op in list {
                    operand(op, f);
                }
            }
            Condition::AttributeExists(p) | Condition::AttributeNotExists(p) => f(p),
            Condition::AttributeType(a, _) => operand(a, f),
            Condition::Not(c) => c.visit_paths(f),
            Condition::And(a, b) | Condition::Or(a, b) => {
                a.visit_paths(f);
                b.visit_paths(f);
            }
        }
    }
}

/// An `UpdateExpression`: its actions in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateExpression {
    actions: Vec<UpdateAction>,
    /// Indexes into `actions` in the order the service applies them (see
    /// [`super::check::application_order`]), which decides which error is reported first.
    order: Vec<usize>,
}

impl UpdateExpression {
    /// An update of `actions`, whose paths must not overlap (the parser guarantees it).
    pub fn new(actions: Vec<UpdateAction>) -> UpdateExpression {
        let paths: Vec<&Path> = actions.iter().map(UpdateAction::path).collect();
        let order = super::check::application_order(&paths);
        UpdateExpression { actions, order }
    }

    /// The actions in the order written.
    pub fn actions(&self) -> &[UpdateAction] {
        &self.actions
    }

    /// The actions in the order the service applies them.
    pub(crate) fn in_application_order(&self) -> impl Iterator<Item = &UpdateAction> {
        self.order.iter().map(|&i| &self.actions[i])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    /// `SET path = value`
    Set(Path, SetValue),
    /// `REMOVE path`
    Remove(Path),
    /// `ADD path :v`: a number or a set.
    Add(Path, AttributeValue),
    /// `DELETE path :v`: a set.
    Delete(Path, AttributeValue),
}

impl UpdateAction {
    /// The path the action writes.
    pub fn path(&self) -> &Path {
        match self {
            UpdateAction::Set(p, _)
            | UpdateAction::Remove(p)
            | UpdateAction::Add(p, _)
            | UpdateAction::Delete(p, _) => p,
        }
    }
}

/// The right-hand side of a `SET` action.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    Operand(UpdateOperand),
    Plus(UpdateOperand, UpdateOperand),
    Minus(UpdateOperand, UpdateOperand),
    ListAppend(UpdateOperand, UpdateOperand),
}

/// An operand of a `SET` value.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOperand {
    Path(Path),
    Value(AttributeValue),
    /// `if_not_exists(path, operand)`
    IfNotExists(Path, Box<UpdateOperand>),
}

/// A `KeyConditionExpression`, checked against the table's key schema.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCondition {
    /// The value the partition key must equal.
    pub partition: AttributeValue,
    pub sort: Option<SortCondition>,
}

/// The condition on the sort key.
#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}
