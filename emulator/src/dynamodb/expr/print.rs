//! Printing expressions back into DynamoDB syntax. Values become `:v0`, `:v1`, …; names
//! that cannot stand bare (reserved words, keywords, anything not `[a-zA-Z][a-zA-Z0-9_]*`)
//! become `#n0`, `#n1`, …; parentheses appear where precedence needs them. Parsing the
//! printed text with the printed placeholders gives back the same tree.

use std::collections::HashMap;
use std::fmt::{self, Write};

use super::super::value::AttributeValue;
use super::ast::{
    Condition, Operand, Path, PathElement, SetValue, UpdateAction, UpdateExpression, UpdateOperand,
};
use super::projection::Projection;
use super::reserved;

/// An expression as a request would carry it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpressionText {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

#[derive(Default)]
struct Printer {
    out: ExpressionText,
    /// Name → placeholder, to reuse placeholders.
    placeholders: HashMap<String, String>,
}

/// Whether `name` can be written without a placeholder.
fn bare(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !reserved::is_reserved(name)
        && !matches!(
            name.to_ascii_uppercase().as_str(),
            "AND" | "OR" | "NOT" | "BETWEEN" | "IN" | "SET" | "REMOVE" | "ADD" | "DELETE"
        )
}

impl Printer {
    fn text(&mut self, s: &str) {
        self.out.expression.push_str(s);
    }

    fn name(&mut self, name: &str) {
        if bare(name) {
            self.out.expression.push_str(name);
            return;
        }
        let next = self.placeholders.len();
        let placeholder = self
            .placeholders
            .entry(name.to_owned())
            .or_insert_with(|| format!("#n{next}"))
            .clone();
        self.out.names.insert(placeholder.clone(), name.to_owned());
        self.out.expression.push_str(&placeholder);
    }

    fn value(&mut self, value: &AttributeValue) {
        let placeholder = format!(":v{}", self.out.values.len());
        self.out.values.insert(placeholder.clone(), value.clone());
        self.out.expression.push_str(&placeholder);
    }

    fn path(&mut self, path: &Path) {
        for (i, element) in path.elements().iter().enumerate() {
            match element {
                PathElement::Attribute(name) => {
                    if i > 0 {
                        self.text(".");
                    }
                    self.name(name);
                }
                PathElement::Index(index) => {
                    let _ = write!(self.out.expression, "[{index}]");
                }
            }
        }
    }

    fn operand(&mut self, op: &Operand) {
        match op {
            Operand::Path(p) => self.path(p),
            Operand::Value(v) => self.value(v),
            Operand::Size(inner) => {
                self.text("size(");
                self.operand(inner);
                self.text(")");
            }
        }
    }

    fn call(&mut self, name: &str, args: &[&Operand]) {
        self.text(name);
        self.text("(");
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                self.text(", ");
            }
            self.operand(arg);
        }
        self.text(")");
    }

    /// Prints `cond`, in parentheses if it binds more loosely than `min`.
    fn condition(&mut self, cond: &Condition, min: u8) {
        let own = precedence(cond);
        if own < min {
            self.text("(");
        }
        match cond {
            Condition::Compare(cmp, a, b) => {
                self.operand(a);
                self.text(" ");
                self.text(cmp.as_str());
                self.text(" ");
                self.operand(b);
            }
            Condition::Between(a, low, high) => {
                self.operand(a);
                self.text(" BETWEEN ");
                self.operand(low);
                self.text(" AND ");
                self.operand(high);
            }
            Condition::In(a, list) => {
                self.operand(a);
                self.text(" IN (");
                for (i, op) in list.iter().enumerate() {
                    if i > 0 {
                        self.text(", ");
                    }
                    self.operand(op);
                }
                self.text(")");
            }
            Condition::AttributeExists(p) => {
                self.text("attribute_exists(");
                self.path(p);
                self.text(")");
            }
            Condition::AttributeNotExists(p) => {
                self.text("attribute_not_exists(");
                self.path(p);
                self.text(")");
            }
            Condition::AttributeType(a, t) => {
                self.text("attribute_type(");
                self.operand(a);
                self.text(", ");
                self.value(&AttributeValue::S(t.descriptor().to_owned()));
                self.text(")");
            }
            Condition::BeginsWith(a, b) => self.call("begins_with", &[a, b]),
            Condition::Contains(a, b) => self.call("contains", &[a, b]),
            Condition::Not(c) => {
                self.text("NOT ");
                self.condition(c, NOT);
            }
            Condition::And(a, b) => {
                self.condition(a, AND);
                self.text(" AND ");
                self.condition(b, NOT);
            }
            Condition::Or(a, b) => {
                self.condition(a, OR);
                self.text(" OR ");
                self.condition(b, AND);
            }
        }
        if own < min {
            self.text(")");
        }
    }

    fn update_operand(&mut self, op: &UpdateOperand) {
        match op {
            UpdateOperand::Path(p) => self.path(p),
            UpdateOperand::Value(v) => self.value(v),
            UpdateOperand::IfNotExists(p, fallback) => {
                self.text("if_not_exists(");
                self.path(p);
                self.text(", ");
                self.update_operand(fallback);
                self.text(")");
            }
        }
    }

    fn paths(&mut self, paths: &[Path]) {
        for (i, path) in paths.iter().enumerate() {
            if i > 0 {
                self.text(", ");
            }
            self.path(path);
        }
    }

    fn update(&mut self, actions: &[UpdateAction]) {
        // Each section once, in the order of its first action.
        let mut sections: Vec<u8> = Vec::new();
        for action in actions {
            let section = section_of(action);
            if !sections.contains(&section) {
                sections.push(section);
            }
        }
        for (n, section) in sections.into_iter().enumerate() {
            if n > 0 {
                self.text(" ");
            }
            self.text(["SET ", "REMOVE ", "ADD ", "DELETE "][section as usize]);
            let in_section = actions.iter().filter(|a| section_of(a) == section);
            for (i, action) in in_section.enumerate() {
                if i > 0 {
                    self.text(", ");
                }
                self.path(action.path());
                match action {
                    UpdateAction::Set(_, value) => {
                        self.text(" = ");
                        match value {
                            SetValue::Operand(op) => self.update_operand(op),
                            SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
                                self.update_operand(a);
                                self.text(if matches!(value, SetValue::Plus(..)) {
                                    " + "
                                } else {
                                    " - "
                                });
                                self.update_operand(b);
                            }
                            SetValue::ListAppend(a, b) => {
                                self.text("list_append(");
                                self.update_operand(a);
                                self.text(", ");
                                self.update_operand(b);
                                self.text(")");
                            }
                        }
                    }
                    UpdateAction::Remove(_) => {}
                    UpdateAction::Add(_, v) | UpdateAction::Delete(_, v) => {
                        self.text(" ");
                        self.value(v);
                    }
                }
            }
        }
    }
}

const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;

fn precedence(cond: &Condition) -> u8 {
    match cond {
        Condition::Or(..) => OR,
        Condition::And(..) => AND,
        _ => NOT,
    }
}

fn section_of(action: &UpdateAction) -> u8 {
    match action {
        UpdateAction::Set(..) => 0,
        UpdateAction::Remove(_) => 1,
        UpdateAction::Add(..) => 2,
        UpdateAction::Delete(..) => 3,
    }
}

impl ExpressionText {
    /// Prints `f`'s expression with its placeholders added to this text's maps, numbered
    /// after those already there (a name already mapped keeps its placeholder), so that
    /// several expressions of one request share the maps. Returns the expression; this
    /// text's own `expression` is left as it was.
    fn print_shared(&mut self, f: impl FnOnce(&mut Printer)) -> String {
        let placeholders = self
            .names
            .iter()
            .map(|(placeholder, name)| (name.clone(), placeholder.clone()))
            .collect();
        let mut p = Printer {
            out: ExpressionText {
                expression: String::new(),
                names: std::mem::take(&mut self.names),
                values: std::mem::take(&mut self.values),
            },
            placeholders,
        };
        f(&mut p);
        self.names = p.out.names;
        self.values = p.out.values;
        p.out.expression
    }

    /// Prints a condition into the shared maps (see [`ExpressionText::print_shared`]).
    pub fn print_condition(&mut self, condition: &Condition) -> String {
        self.print_shared(|p| p.condition(condition, OR))
    }

    /// Prints update actions into the shared maps, each section once in the order of its
    /// first action. The actions need not be a valid update (their paths may overlap):
    /// parsing the text reports what is wrong with them as the service would.
    pub fn print_update_actions(&mut self, actions: &[UpdateAction]) -> String {
        self.print_shared(|p| p.update(actions))
    }

    /// Prints the paths of a projection into the shared maps. They need not make a valid
    /// projection (they may overlap): parsing the text reports that as the service would.
    pub fn print_paths(&mut self, paths: &[Path]) -> String {
        self.print_shared(|p| p.paths(paths))
    }
}

impl Condition {
    /// The condition as request text with its placeholders.
    pub fn to_expression(&self) -> ExpressionText {
        let mut p = Printer::default();
        p.condition(self, OR);
        p.out
    }
}

impl UpdateExpression {
    /// The update as request text with its placeholders.
    pub fn to_expression(&self) -> ExpressionText {
        let mut p = Printer::default();
        p.update(self.actions());
        p.out
    }
}

impl Projection {
    /// The projection as request text with its placeholders.
    pub fn to_expression(&self) -> ExpressionText {
        let mut p = Printer::default();
        p.paths(self.paths());
        p.out
    }
}

/// DynamoDB syntax with `:v0`-style value placeholders (see [`Condition::to_expression`]).
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_expression().expression)
    }
}

/// DynamoDB syntax with `:v0`-style value placeholders.
impl fmt::Display for UpdateExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_expression().expression)
    }
}

impl fmt::Display for Projection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_expression().expression)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ExpressionAttributes, ExpressionKind, parse_condition, parse_update};
    use super::*;

    #[test]
    fn shared_printing_numbers_placeholders_across_expressions() {
        let value = |n: &str| AttributeValue::S(n.to_owned());
        let condition = Condition::Compare(
            super::super::Comparator::Eq,
            Operand::Path(Path::attribute("status")),
            Operand::Value(value("x")),
        );
        let update = [
            UpdateAction::Set(
                Path::attribute("status"),
                SetValue::Operand(UpdateOperand::Value(value("y"))),
            ),
            UpdateAction::Remove(Path::attribute("b")),
        ];
        let mut text = ExpressionText::default();
        let printed_update = text.print_update_actions(&update);
        let printed_condition = text.print_condition(&condition);
        assert_eq!(printed_update, "SET #n0 = :v0 REMOVE b");
        // The reserved name keeps its placeholder; the value gets the next number.
        assert_eq!(printed_condition, "#n0 = :v1");
        assert_eq!(text.expression, "");
        let names = text.names.clone();
        let values = text.values.clone();
        let mut attrs = ExpressionAttributes::new(Some(&names), Some(&values));
        let reparsed = parse_update(&printed_update, &mut attrs).unwrap();
        assert_eq!(reparsed.actions(), &update);
        let reparsed =
            parse_condition(&printed_condition, ExpressionKind::Condition, &mut attrs).unwrap();
        assert_eq!(reparsed, condition);
        attrs.finish().unwrap();
        assert_eq!(
            text.print_paths(&[Path::attribute("b"), Path::attribute("status")]),
            "b, #n0"
        );
    }
}
