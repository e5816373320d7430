//! Validation of parsed expressions and their resolution into the AST, in the service's
//! order of checks (established against DynamoDB Local by pairing every two errors in one
//! expression, both ways round):
//!
//! 1. While parsing: syntax errors and redundant parentheses, whichever comes first (see
//!    the parser on when redundant parentheses count as found).
//! 2. One pass in source order, each node before its operands: unknown function names,
//!    reserved words, list indexes beyond 2^31 - 1, functions used where they are not
//!    allowed. In update expressions, a section (`SET`, ...) written a second time fails
//!    once that second section has been scanned.
//! 3. Update and projection expressions: the written paths, right to left, each path's
//!    `#names` resolved just before it is checked for overlaps with the paths after it.
//! 4. One pass resolving placeholders, each node after its operands: undefined placeholders,
//!    paths nested deeper than 32, the number of operands of functions and `IN`, document
//!    paths where required, operand types, `BETWEEN` bounds, repeated first operands. In
//!    source order for conditions; for update expressions the last action comes first.
//! 5. A `:value` used as a path element (the service fails internally).
//! 6. More than 300 operators and functions.

use super::super::error::{DynamoError, Result};
use super::super::value::{AttributeType, AttributeValue};
use super::ast::{
    Comparator, Condition, Operand, Path, PathElement, SetValue, UpdateAction, UpdateExpression,
    UpdateOperand,
};
use super::attributes::ExpressionAttributes;
use super::lexer::Tok;
use super::parser::{
    Parsed, RawAction, RawCall, RawCond, RawElem, RawOperand, RawPath, RawSetValue, RawUpdate,
};
use super::{ExpressionKind, java, reserved};

/// Most operators and functions in one expression.
const MAX_OPERATORS: u32 = 300;
/// Most elements in one document path.
const MAX_NESTING: usize = 32;
/// Most candidates of `IN`.
const MAX_IN_OPERANDS: usize = 100;

/// What the service names as the type of a document path when a function needs a known type
/// (`attribute_type(a, b)`): its internal list of every type.
const ANY_TYPE: &str = "{NS,M,BOOL,SS,DECIMAL,B,L,HDS,FS,DOUBLESET,DOUBLE,HD,DICT,DECIMALSET,BS,S,INTSET,NULL,INT,N,FLOAT}";
/// The service's list of `attribute_type` names, in its order.
const TYPE_NAMES: &str = "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    AttributeExists,
    AttributeNotExists,
    AttributeType,
    BeginsWith,
    Contains,
    Size,
    IfNotExists,
    ListAppend,
}

impl Function {
    /// Function names are case-sensitive.
    fn from_name(name: &str) -> Option<Function> {
        Some(match name {
            "attribute_exists" => Function::AttributeExists,
            "attribute_not_exists" => Function::AttributeNotExists,
            "attribute_type" => Function::AttributeType,
            "begins_with" => Function::BeginsWith,
            "contains" => Function::Contains,
            "size" => Function::Size,
            "if_not_exists" => Function::IfNotExists,
            "list_append" => Function::ListAppend,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Function::AttributeExists => "attribute_exists",
            Function::AttributeNotExists => "attribute_not_exists",
            Function::AttributeType => "attribute_type",
            Function::BeginsWith => "begins_with",
            Function::Contains => "contains",
            Function::Size => "size",
            Function::IfNotExists => "if_not_exists",
            Function::ListAppend => "list_append",
        }
    }

    fn arity(self) -> usize {
        match self {
            Function::AttributeExists | Function::AttributeNotExists | Function::Size => 1,
            _ => 2,
        }
    }

    /// Functions that are conditions (rather than values).
    fn is_condition(self) -> bool {
        matches!(
            self,
            Function::AttributeExists
                | Function::AttributeNotExists
                | Function::AttributeType
                | Function::BeginsWith
                | Function::Contains
        )
    }
}

/// Where a function call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Where a condition is due.
    Condition,
    /// An operand of a condition.
    Operand,
    /// The whole value of a `SET` action.
    SetValue,
    /// An operand of `+`, `-` or of a function in a `SET` value.
    SetOperand,
}

fn invalid(kind: ExpressionKind, what: std::fmt::Arguments<'_>) -> DynamoError {
    DynamoError::validation(format!("Invalid {}: {what}", kind.name()))
}

// ---- step 2: names, reserved words, indexes, function placement ----

fn scan_path(path: &RawPath<'_>, kind: ExpressionKind) -> Result<()> {
    for elem in &path.elems {
        match elem {
            RawElem::Name(name) if reserved::is_reserved(name) => {
                return Err(invalid(
                    kind,
                    format_args!("Attribute name is a reserved keyword; reserved keyword: {name}"),
                ));
            }
            RawElem::Index(digits) if parse_index(digits).is_none() => {
                return Err(invalid(
                    kind,
                    format_args!("List index is not within the allowable range; index: [{digits}]"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A list index up to `i32::MAX`, as the service allows.
fn parse_index(digits: &str) -> Option<usize> {
    if digits.len() > 10 {
        return None;
    }
    let value: u64 = digits.parse().ok()?;
    (value <= i32::MAX as u64).then_some(value as usize)
}

/// Each call before its arguments, in source order; calls may nest deeper than the stack
/// allows, so without recursion.
fn scan_operand(op: &RawOperand<'_>, pos: Position, kind: ExpressionKind) -> Result<()> {
    let mut stack = vec![(op, pos)];
    while let Some((op, pos)) = stack.pop() {
        match op {
            RawOperand::Path(p) => scan_path(p, kind)?,
            RawOperand::Value(_) => {}
            RawOperand::Call(call) => {
                let arg_pos = scan_call(call, pos, kind)?;
                stack.extend(call.args.iter().rev().map(|arg| (arg, arg_pos)));
            }
        }
    }
    Ok(())
}

/// Checks the call itself; returns where its arguments stand.
fn scan_call(call: &RawCall<'_>, pos: Position, kind: ExpressionKind) -> Result<Position> {
    let Some(f) = Function::from_name(call.name) else {
        return Err(invalid(
            kind,
            format_args!("Invalid function name; function: {}", call.name),
        ));
    };
    let misused = || {
        invalid(
            kind,
            format_args!(
                "The function is not allowed to be used this way in an expression; function: {}",
                f.name()
            ),
        )
    };
    if kind == ExpressionKind::Update {
        if f.is_condition() || f == Function::Size {
            return Err(invalid(
                kind,
                format_args!(
                    "The function is not allowed in an update expression; function: {}",
                    f.name()
                ),
            ));
        }
        if f == Function::ListAppend && pos != Position::SetValue {
            return Err(misused());
        }
    } else {
        if matches!(f, Function::IfNotExists | Function::ListAppend) {
            return Err(invalid(
                kind,
                format_args!(
                    "The function is not allowed in a condition expression; function: {}",
                    f.name()
                ),
            ));
        }
        if f.is_condition() != (pos == Position::Condition) {
            return Err(misused());
        }
    }
    Ok(if kind == ExpressionKind::Update {
        Position::SetOperand
    } else {
        Position::Operand
    })
}

/// In source order, each node before its operands; without recursion through `NOT`,
/// `AND` and `OR`, which may nest deeper than the stack allows.
fn scan_condition(cond: &RawCond<'_>, kind: ExpressionKind) -> Result<()> {
    let mut stack = vec![cond];
    while let Some(cond) = stack.pop() {
        match cond {
            RawCond::Compare(_, a, b) => {
                scan_operand(a, Position::Operand, kind)?;
                scan_operand(b, Position::Operand, kind)?;
            }
            RawCond::Between(a, b, c) => {
                scan_operand(a, Position::Operand, kind)?;
                scan_operand(b, Position::Operand, kind)?;
                scan_operand(c, Position::Operand, kind)?;
            }
            RawCond::In(a, list) => {
                scan_operand(a, Position::Operand, kind)?;
                for op in list {
                    scan_operand(op, Position::Operand, kind)?;
                }
            }
            RawCond::Call(call) => {
                let arg_pos = scan_call(call, Position::Condition, kind)?;
                for arg in &call.args {
                    scan_operand(arg, arg_pos, kind)?;
                }
            }
            RawCond::Not(c) => stack.push(c),
            RawCond::And(a, b) | RawCond::Or(a, b) => {
                stack.push(b);
                stack.push(a);
            }
        }
    }
    Ok(())
}

// ---- step 5: resolution ----

/// The type of an operand as far as it is known before evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Type(AttributeType),
    /// A document path (or `if_not_exists`): any type.
    Any,
}

impl Known {
    fn describe(self) -> &'static str {
        match self {
            Known::Type(t) => t.descriptor(),
            Known::Any => ANY_TYPE,
        }
    }
}

fn known(op: &Operand) -> Known {
    match op {
        Operand::Path(_) => Known::Any,
        Operand::Value(v) => Known::Type(v.attribute_type()),
        Operand::Size(_) => Known::Type(AttributeType::N),
    }
}

fn known_update(op: &UpdateOperand) -> Known {
    match op {
        UpdateOperand::Value(v) => Known::Type(v.attribute_type()),
        UpdateOperand::Path(_) | UpdateOperand::IfNotExists(..) => Known::Any,
    }
}

/// How the service quotes a value in `BETWEEN` errors: `AttributeValue: {N:5}`.
fn quote_value(v: &AttributeValue) -> String {
    let inner = match v {
        AttributeValue::S(s) => format!("S:{s}"),
        AttributeValue::N(n) => format!("N:{n}"),
        // The service prints the Java ByteBuffer holding the bytes.
        AttributeValue::B(b) => format!(
            "B:java.nio.HeapByteBuffer[pos=0 lim={} cap={}]",
            b.len(),
            b.len()
        ),
        other => format!("{}:", other.attribute_type().descriptor()),
    };
    format!("AttributeValue: {{{inner}}}")
}

/// A step of the resolution of nested calls: an operand to resolve, or a call whose
/// arguments are resolved.
enum Visit<'c, 'a> {
    Operand(&'c RawOperand<'a>),
    Call(&'c RawCall<'a>),
}

struct Resolver<'x, 'r> {
    attrs: &'x mut ExpressionAttributes<'r>,
    kind: ExpressionKind,
    /// A `:value` was used as a path element (see [`RawElem::Value`]).
    value_in_path: bool,
}

impl<'x, 'r> Resolver<'x, 'r> {
    fn new(attrs: &'x mut ExpressionAttributes<'r>, kind: ExpressionKind) -> Resolver<'x, 'r> {
        Resolver {
            attrs,
            kind,
            value_in_path: false,
        }
    }

    /// The service's failure for a `:value` path element, once everything else resolved.
    fn finish(&self) -> Result<()> {
        if self.value_in_path {
            return Err(self.err(format_args!("Internal server error")));
        }
        Ok(())
    }

    fn err(&self, what: std::fmt::Arguments<'_>) -> DynamoError {
        invalid(self.kind, what)
    }
}

impl Resolver<'_, '_> {
    fn path(&mut self, raw: &RawPath<'_>) -> Result<Path> {
        if raw.elems.len() > MAX_NESTING {
            return Err(self.err(format_args!(
                "The document path has too many nesting levels; nesting levels: {}",
                raw.elems.len()
            )));
        }
        let mut elements = Vec::with_capacity(raw.elems.len());
        for elem in &raw.elems {
            elements.push(match elem {
                RawElem::Name(name) => PathElement::Attribute((*name).to_owned()),
                RawElem::Placeholder(p) => {
                    PathElement::Attribute(self.attrs.name(p, self.kind)?.to_owned())
                }
                // Checked in step 2.
                RawElem::Index(digits) => PathElement::Index(parse_index(digits).unwrap_or(0)),
                RawElem::Value(p) => {
                    let value = self.attrs.value_as_name(p, self.kind)?;
                    self.value_in_path = true;
                    // How the service quotes such an element (in overlap errors).
                    PathElement::Attribute(quote_value(value))
                }
            });
        }
        Ok(Path(elements))
    }

    fn value(&mut self, placeholder: &str) -> Result<AttributeValue> {
        Ok(self.attrs.value(placeholder, self.kind)?.clone())
    }

    fn operand_type_error(&self, function: &str, t: Known) -> DynamoError {
        self.err(format_args!(
            "Incorrect operand type for operator or function; operator or function: \
             {function}, operand type: {}",
            t.describe()
        ))
    }

    fn check_arity(&self, f: Function, n: usize) -> Result<()> {
        if n == f.arity() {
            return Ok(());
        }
        Err(self.err(format_args!(
            "Incorrect number of operands for operator or function; operator or function: {}, \
             number of operands: {n}",
            f.name()
        )))
    }

    fn path_required(&self, f: Function) -> DynamoError {
        self.err(format_args!(
            "Operator or function requires a document path; operator or function: {}",
            f.name()
        ))
    }

    /// The first operand, when a path, must not reappear among the others.
    fn check_distinct<'p>(
        &self,
        operator: &str,
        first: Option<&Path>,
        rest: impl IntoIterator<Item = Option<&'p Path>>,
    ) -> Result<()> {
        let Some(first) = first else {
            return Ok(());
        };
        if rest.into_iter().flatten().any(|p| p == first) {
            return Err(self.err(format_args!(
                "The first operand must be distinct from the remaining operands for this \
                 operator or function; operator: {operator}, first operand: {}",
                first.service_form()
            )));
        }
        Ok(())
    }

    /// Only `N`, `S` and `B` can be ordered.
    fn check_orderable(&self, operator: &str, op: &Operand) -> Result<()> {
        match known(op) {
            Known::Type(AttributeType::N | AttributeType::S | AttributeType::B) | Known::Any => {
                Ok(())
            }
            t => Err(self.operand_type_error(operator, t)),
        }
    }

    /// Each call after its arguments, in source order, without recursion (calls nest).
    fn operand(&mut self, raw: &RawOperand<'_>) -> Result<Operand> {
        let mut todo = vec![Visit::Operand(raw)];
        let mut done: Vec<Operand> = Vec::new();
        while let Some(step) = todo.pop() {
            match step {
                Visit::Operand(RawOperand::Path(p)) => done.push(Operand::Path(self.path(p)?)),
                Visit::Operand(RawOperand::Value(v)) => done.push(Operand::Value(self.value(v)?)),
                Visit::Operand(RawOperand::Call(call)) => {
                    todo.push(Visit::Call(call));
                    todo.extend(call.args.iter().rev().map(Visit::Operand));
                }
                Visit::Call(call) => {
                    // Step 2 let only `size` through as an operand of a condition.
                    let args = done.split_off(done.len() - call.args.len());
                    self.check_arity(Function::Size, args.len())?;
                    let arg = args.into_iter().next().expect("one operand");
                    if let t @ Known::Type(
                        AttributeType::N | AttributeType::Bool | AttributeType::Null,
                    ) = known(&arg)
                    {
                        return Err(self.operand_type_error("size", t));
                    }
                    done.push(Operand::Size(Box::new(arg)));
                }
            }
        }
        Ok(done.pop().expect("the operand"))
    }

    /// The leaves are resolved in source order; `NOT`, `AND` and `OR` are assembled on an
    /// explicit stack, as they may nest deeper than the call stack allows.
    fn condition(&mut self, raw: &RawCond<'_>) -> Result<Condition> {
        enum Step<'c, 'a> {
            Visit(&'c RawCond<'a>),
            Not,
            And,
            Or,
        }
        let mut todo = vec![Step::Visit(raw)];
        let mut done: Vec<Condition> = Vec::new();
        while let Some(step) = todo.pop() {
            match step {
                Step::Visit(RawCond::Not(c)) => {
                    todo.push(Step::Not);
                    todo.push(Step::Visit(c));
                }
                Step::Visit(RawCond::And(a, b)) => {
                    todo.push(Step::And);
                    todo.push(Step::Visit(b));
                    todo.push(Step::Visit(a));
                }
                Step::Visit(RawCond::Or(a, b)) => {
                    todo.push(Step::Or);
                    todo.push(Step::Visit(b));
                    todo.push(Step::Visit(a));
                }
                Step::Visit(leaf) => done.push(self.leaf_condition(leaf)?),
                Step::Not => {
                    let c = done.pop().expect("an operand");
                    done.push(Condition::Not(Box::new(c)));
                }
                Step::And | Step::Or => {
                    let b = done.pop().expect("two operands");
                    let a = done.pop().expect("two operands");
                    done.push(if matches!(step, Step::And) {
                        Condition::And(Box::new(a), Box::new(b))
                    } else {
                        Condition::Or(Box::new(a), Box::new(b))
                    });
                }
            }
        }
        Ok(done.pop().expect("the condition"))
    }

    #[inline(never)]
    fn leaf_condition(&mut self, raw: &RawCond<'_>) -> Result<Condition> {
        Ok(match raw {
            RawCond::Compare(cmp, a, b) => {
                let a = self.operand(a)?;
                let b = self.operand(b)?;
                if !matches!(cmp, Comparator::Eq | Comparator::Ne) {
                    self.check_orderable(cmp.as_str(), &a)?;
                    self.check_orderable(cmp.as_str(), &b)?;
                }
                self.check_distinct(cmp.as_str(), as_path(&a), [as_path(&b)])?;
                Condition::Compare(*cmp, a, b)
            }
            RawCond::Between(a, low, high) => {
                let a = self.operand(a)?;
                let low = self.operand(low)?;
                let high = self.operand(high)?;
                for op in [&a, &low, &high] {
                    self.check_orderable("BETWEEN", op)?;
                }
                self.check_distinct("BETWEEN", as_path(&a), [as_path(&low), as_path(&high)])?;
                if let (Operand::Value(l), Operand::Value(h)) = (&low, &high) {
                    self.check_bounds(l, h)?;
                }
                Condition::Between(a, low, high)
            }
            RawCond::In(a, list) => {
                let a = self.operand(a)?;
                let list = list
                    .iter()
                    .map(|op| self.operand(op))
                    .collect::<Result<Vec<_>>>()?;
                self.check_distinct("IN", as_path(&a), list.iter().map(as_path))?;
                if list.len() > MAX_IN_OPERANDS {
                    return Err(self.err(format_args!(
                        "The IN operator is provided with too many operands; number of \
                         operands: {}",
                        list.len()
                    )));
                }
                Condition::In(a, list)
            }
            RawCond::Call(call) => self.condition_call(call)?,
            RawCond::Not(_) | RawCond::And(..) | RawCond::Or(..) => {
                unreachable!("assembled by condition()")
            }
        })
    }

    fn check_bounds(&self, low: &AttributeValue, high: &AttributeValue) -> Result<()> {
        let ordered = match (low, high) {
            (AttributeValue::N(l), AttributeValue::N(h)) => l <= h,
            (AttributeValue::S(l), AttributeValue::S(h)) => l.as_bytes() <= h.as_bytes(),
            (AttributeValue::B(l), AttributeValue::B(h)) => l <= h,
            _ => {
                return Err(self.err(format_args!(
                    "The BETWEEN operator requires same data type for lower and upper bounds; \
                     lower bound operand: {}, upper bound operand: {}",
                    quote_value(low),
                    quote_value(high)
                )));
            }
        };
        if ordered {
            return Ok(());
        }
        Err(self.err(format_args!(
            "The BETWEEN operator requires upper bound to be greater than or equal to lower \
             bound; lower bound operand: {}, upper bound operand: {}",
            quote_value(low),
            quote_value(high)
        )))
    }

    fn condition_call(&mut self, call: &RawCall<'_>) -> Result<Condition> {
        // Step 2 checked the name and that it is a condition function.
        let f = Function::from_name(call.name).expect("a known function");
        let mut args = call
            .args
            .iter()
            .map(|a| self.operand(a))
            .collect::<Result<Vec<_>>>()?;
        self.check_arity(f, args.len())?;
        Ok(match f {
            Function::AttributeExists | Function::AttributeNotExists => {
                let Some(Operand::Path(path)) = args.pop() else {
                    return Err(self.path_required(f));
                };
                if f == Function::AttributeExists {
                    Condition::AttributeExists(path)
                } else {
                    Condition::AttributeNotExists(path)
                }
            }
            Function::AttributeType => {
                let type_operand = args.pop().expect("two operands");
                let operand = args.pop().expect("two operands");
                // Unlike the other functions, a repeated path comes before the type check.
                self.check_distinct(f.name(), as_path(&operand), [as_path(&type_operand)])?;
                let t = match &type_operand {
                    Operand::Value(AttributeValue::S(name)) => AttributeType::from_descriptor(name)
                        .ok_or_else(|| {
                            self.err(format_args!(
                                "Invalid attribute type name found; type: {name}, valid types: \
                                 {TYPE_NAMES}"
                            ))
                        })?,
                    other => return Err(self.operand_type_error(f.name(), known(other))),
                };
                Condition::AttributeType(operand, t)
            }
            Function::BeginsWith | Function::Contains => {
                let b = args.pop().expect("two operands");
                let a = args.pop().expect("two operands");
                if f == Function::BeginsWith {
                    for op in [&a, &b] {
                        if let t @ Known::Type(ty) = known(op)
                            && !matches!(ty, AttributeType::S | AttributeType::B)
                        {
                            return Err(self.operand_type_error(f.name(), t));
                        }
                    }
                }
                self.check_distinct(f.name(), as_path(&a), [as_path(&b)])?;
                if f == Function::BeginsWith {
                    Condition::BeginsWith(a, b)
                } else {
                    Condition::Contains(a, b)
                }
            }
            Function::Size | Function::IfNotExists | Function::ListAppend => {
                unreachable!("step 2 keeps {} out of conditions", f.name())
            }
        })
    }

    // ---- update expressions ----

    /// Each call after its arguments, in source order, without recursion
    /// (`if_not_exists` nests).
    fn update_operand(&mut self, raw: &RawOperand<'_>) -> Result<UpdateOperand> {
        let mut todo = vec![Visit::Operand(raw)];
        let mut done: Vec<UpdateOperand> = Vec::new();
        while let Some(step) = todo.pop() {
            match step {
                Visit::Operand(RawOperand::Path(p)) => {
                    done.push(UpdateOperand::Path(self.path(p)?));
                }
                Visit::Operand(RawOperand::Value(v)) => {
                    done.push(UpdateOperand::Value(self.value(v)?));
                }
                Visit::Operand(RawOperand::Call(call)) => {
                    todo.push(Visit::Call(call));
                    todo.extend(call.args.iter().rev().map(Visit::Operand));
                }
                Visit::Call(call) => {
                    // Step 2 let only if_not_exists through below the top of a value.
                    let args = done.split_off(done.len() - call.args.len());
                    done.push(self.if_not_exists(args)?);
                }
            }
        }
        Ok(done.pop().expect("the operand"))
    }

    fn if_not_exists(&mut self, mut args: Vec<UpdateOperand>) -> Result<UpdateOperand> {
        let f = Function::IfNotExists;
        self.check_arity(f, args.len())?;
        let fallback = args.pop().expect("two operands");
        let UpdateOperand::Path(path) = args.pop().expect("two operands") else {
            return Err(self.path_required(f));
        };
        let fallback_path = match &fallback {
            UpdateOperand::Path(p) => Some(p),
            _ => None,
        };
        self.check_distinct(f.name(), Some(&path), [fallback_path])?;
        Ok(UpdateOperand::IfNotExists(path, Box::new(fallback)))
    }

    fn set_value(&mut self, raw: &RawSetValue<'_>) -> Result<SetValue> {
        match raw {
            RawSetValue::Single(RawOperand::Call(call)) if call.name == "list_append" => {
                let f = Function::ListAppend;
                let args = call
                    .args
                    .iter()
                    .map(|a| self.update_operand(a))
                    .collect::<Result<Vec<_>>>()?;
                self.check_arity(f, args.len())?;
                for op in &args {
                    if let t @ Known::Type(ty) = known_update(op)
                        && ty != AttributeType::L
                    {
                        return Err(self.operand_type_error(f.name(), t));
                    }
                }
                let mut args = args.into_iter();
                let a = args.next().expect("two operands");
                let b = args.next().expect("two operands");
                Ok(SetValue::ListAppend(a, b))
            }
            RawSetValue::Single(op) => Ok(SetValue::Operand(self.update_operand(op)?)),
            RawSetValue::Plus(a, b) | RawSetValue::Minus(a, b) => {
                let plus = matches!(raw, RawSetValue::Plus(..));
                let a = self.update_operand(a)?;
                let b = self.update_operand(b)?;
                for op in [&a, &b] {
                    if let t @ Known::Type(ty) = known_update(op)
                        && ty != AttributeType::N
                    {
                        return Err(self.operand_type_error(if plus { "+" } else { "-" }, t));
                    }
                }
                Ok(if plus {
                    SetValue::Plus(a, b)
                } else {
                    SetValue::Minus(a, b)
                })
            }
        }
    }

    /// The operand of `ADD` (a number or a set) or `DELETE` (a set).
    fn add_delete_value(&mut self, placeholder: &str, add: bool) -> Result<AttributeValue> {
        let value = self.value(placeholder)?;
        let allowed = match value.attribute_type() {
            AttributeType::Ss | AttributeType::Ns | AttributeType::Bs => true,
            AttributeType::N => add,
            _ => false,
        };
        if allowed {
            return Ok(value);
        }
        let (operator, set) = if add {
            ("ADD", "ALLOWED_FOR_ADD_OPERAND")
        } else {
            ("DELETE", "ALLOWED_FOR_DELETE_OPERAND")
        };
        Err(self.err(format_args!(
            "Incorrect operand type for operator or function; operator: {operator}, operand \
             type: {}, typeSet: {set}",
            value.attribute_type().long_name()
        )))
    }
}

fn as_path(op: &Operand) -> Option<&Path> {
    match op {
        Operand::Path(p) => Some(p),
        _ => None,
    }
}

fn check_operators(operators: u32, kind: ExpressionKind) -> Result<()> {
    if operators <= MAX_OPERATORS {
        return Ok(());
    }
    // The service stops counting at the first operator over the limit.
    Err(invalid(
        kind,
        format_args!(
            "The expression contains too many operators; operator count: {}",
            MAX_OPERATORS + 1
        ),
    ))
}

// ---- entry points ----

pub(crate) fn condition(
    parsed: &Parsed<RawCond<'_>>,
    kind: ExpressionKind,
    attrs: &mut ExpressionAttributes<'_>,
) -> Result<Condition> {
    scan_condition(&parsed.tree, kind)?;
    let mut resolver = Resolver::new(attrs, kind);
    let cond = resolver.condition(&parsed.tree)?;
    resolver.finish()?;
    check_operators(parsed.operators, kind)?;
    Ok(cond)
}

pub(crate) fn update(
    parsed: &Parsed<RawUpdate<'_>>,
    attrs: &mut ExpressionAttributes<'_>,
) -> Result<UpdateExpression> {
    let kind = ExpressionKind::Update;
    let raw = &parsed.tree;
    // Step 2, section by section; a section used before fails once it has been scanned.
    let mut start = 0;
    for (i, &(section, end)) in raw.sections.iter().enumerate() {
        for action in &raw.actions[start..end] {
            scan_path(action.path(), kind)?;
            if let RawAction::Set(_, value) = action {
                match value {
                    RawSetValue::Single(op) => scan_operand(op, Position::SetValue, kind)?,
                    RawSetValue::Plus(a, b) | RawSetValue::Minus(a, b) => {
                        scan_operand(a, Position::SetOperand, kind)?;
                        scan_operand(b, Position::SetOperand, kind)?;
                    }
                }
            }
        }
        start = end;
        if raw.sections[..i].iter().any(|&(s, _)| s == section) {
            let name = match section {
                Tok::Set => "SET",
                Tok::Remove => "REMOVE",
                Tok::Add => "ADD",
                _ => "DELETE",
            };
            return Err(invalid(
                kind,
                format_args!(
                    "The \"{name}\" section can only be used once in an update expression;"
                ),
            ));
        }
    }
    let mut resolver = Resolver::new(attrs, kind);
    let paths = resolve_written_paths(raw.actions.iter().map(RawAction::path), &mut resolver)?;
    let mut actions = Vec::with_capacity(raw.actions.len());
    for (action, path) in raw.actions.iter().zip(paths).rev() {
        actions.push(match action {
            RawAction::Set(_, value) => UpdateAction::Set(path, resolver.set_value(value)?),
            RawAction::Remove(_) => UpdateAction::Remove(path),
            RawAction::Add(_, v) => UpdateAction::Add(path, resolver.add_delete_value(v, true)?),
            RawAction::Delete(_, v) => {
                UpdateAction::Delete(path, resolver.add_delete_value(v, false)?)
            }
        });
    }
    actions.reverse();
    resolver.finish()?;
    check_operators(parsed.operators, kind)?;
    Ok(UpdateExpression::new(actions))
}

pub(crate) fn projection(
    raw: &[RawPath<'_>],
    attrs: &mut ExpressionAttributes<'_>,
) -> Result<Vec<Path>> {
    let kind = ExpressionKind::Projection;
    for path in raw {
        scan_path(path, kind)?;
    }
    let mut resolver = Resolver::new(attrs, kind);
    let paths = resolve_written_paths(raw.iter(), &mut resolver)?;
    resolver.finish()?;
    Ok(paths)
}

// ---- overlapping paths ----

/// Added to a path element's Java hash before it is bucketed. The service keeps the paths
/// of an expression in a tree of Java HashMaps whose keys hash as `element hash + constant`;
/// this constant reproduces the second path of its overlap errors in all of 636 cases
/// recorded from DynamoDB Local (any value in its residue class would do as well).
const OVERLAP_KEY_SALT: u32 = 515_417;

/// The paths merged so far, as a tree whose children keep their insertion order. Elements
/// are referred to as (path index, depth) into the caller's list of paths.
struct PathTree {
    nodes: Vec<TreeNode>,
}

struct TreeNode {
    children: Vec<((usize, usize), usize)>,
    /// The index of the path that ends here.
    end: Option<usize>,
}

impl PathTree {
    fn new() -> PathTree {
        PathTree {
            nodes: vec![TreeNode {
                children: Vec::new(),
                end: None,
            }],
        }
    }

    fn add_chain(&mut self, mut node: usize, path: usize, from: usize, len: usize) {
        for depth in from..len {
            let child = self.nodes.len();
            self.nodes.push(TreeNode {
                children: Vec::new(),
                end: None,
            });
            self.nodes[node].children.push(((path, depth), child));
            node = child;
        }
        self.nodes[node].end = Some(path);
    }

    /// The children of `node` in the order the service's hash maps iterate them.
    fn children_in_order<P: AsRef<Path>>(&self, paths: &[P], node: usize) -> Vec<usize> {
        let n = &self.nodes[node];
        let capacity = java::grown_capacity(n.children.len());
        let mut children: Vec<(usize, usize)> = n
            .children
            .iter()
            .enumerate()
            .map(|(i, ((p, d), child))| {
                (
                    java::bucket(element_hash(&paths[*p].as_ref().0[*d]), capacity)
                        * n.children.len()
                        + i,
                    *child,
                )
            })
            .collect();
        children.sort_unstable();
        children.into_iter().map(|(_, child)| child).collect()
    }

    /// The paths below `node`, depth first in hash order.
    fn collect<P: AsRef<Path>>(&self, paths: &[P], node: usize, out: &mut Vec<usize>) {
        if let Some(end) = self.nodes[node].end {
            out.push(end);
        }
        for child in self.children_in_order(paths, node) {
            self.collect(paths, child, out);
        }
    }

    /// The first path below `node` in the order the service's hash maps iterate.
    fn first_path<P: AsRef<Path>>(&self, paths: &[P], mut node: usize) -> usize {
        loop {
            let n = &self.nodes[node];
            if let Some(end) = n.end {
                return end;
            }
            let capacity = java::grown_capacity(n.children.len());
            let (_, first) = n
                .children
                .iter()
                .enumerate()
                .min_by_key(|(i, ((p, d), _))| {
                    (
                        java::bucket(element_hash(&paths[*p].as_ref().0[*d]), capacity),
                        *i,
                    )
                })
                .map(|(_, c)| *c)
                .expect("a node without an end has children");
            node = first;
        }
    }

    /// Merges `paths[i]` into the tree of the paths after it. Two paths overlap when one is
    /// a prefix of the other; they conflict when they index one value both as a map and as
    /// a list. A clash names `paths[i]` and the first path, in hash order, below the tree
    /// node where it happens.
    fn merge<P: AsRef<Path>>(&mut self, paths: &[P], i: usize, kind: ExpressionKind) -> Result<()> {
        let path = &paths[i].as_ref().0;
        let is_index = |e: &PathElement| matches!(e, PathElement::Index(_));
        let mut node = 0;
        for (depth, element) in path.iter().enumerate() {
            let n = &self.nodes[node];
            if let Some(&((p, d), _)) = n.children.first()
                && is_index(&paths[p].as_ref().0[d]) != is_index(element)
            {
                let two = self.first_path(paths, node);
                return Err(clash(
                    kind,
                    "conflict",
                    paths[i].as_ref(),
                    paths[two].as_ref(),
                ));
            }
            match n
                .children
                .iter()
                .find(|((p, d), _)| paths[*p].as_ref().0[*d] == *element)
            {
                Some(&(_, child)) => {
                    if depth + 1 == path.len() || self.nodes[child].end.is_some() {
                        let two = self.first_path(paths, node);
                        return Err(clash(
                            kind,
                            "overlap",
                            paths[i].as_ref(),
                            paths[two].as_ref(),
                        ));
                    }
                    node = child;
                }
                None => {
                    self.add_chain(node, i, depth, path.len());
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

fn element_hash(element: &PathElement) -> u32 {
    let h = match element {
        PathElement::Attribute(name) => java::string_hash(name),
        PathElement::Index(i) => *i as u32,
    };
    h.wrapping_add(OVERLAP_KEY_SALT)
}

/// The order in which the service applies the actions of an update: depth first through
/// the tree of their paths, each node's children in the order of its Java hash map. (The
/// service checks and applies each action in turn, so this decides which of several errors
/// it reports.) Paths must not overlap.
pub(crate) fn application_order(paths: &[&Path]) -> Vec<usize> {
    let Some(last) = paths.len().checked_sub(1) else {
        return Vec::new();
    };
    let mut tree = PathTree::new();
    tree.add_chain(0, last, 0, paths[last].0.len());
    for i in (0..last).rev() {
        // Overlapping paths were rejected when the expression was parsed.
        let _ = tree.merge(paths, i, ExpressionKind::Update);
    }
    let mut order = Vec::with_capacity(paths.len());
    tree.collect(paths, 0, &mut order);
    order
}

/// Resolves the written paths and checks them for overlaps as the service does: right to
/// left, each path's `#names` resolved just before it is merged into the tree of the paths
/// after it (so an undefined name in an early path comes after an overlap of later ones).
fn resolve_written_paths<'p>(
    raw: impl DoubleEndedIterator<Item = &'p RawPath<'p>> + ExactSizeIterator,
    resolver: &mut Resolver<'_, '_>,
) -> Result<Vec<Path>> {
    let n = raw.len();
    let mut paths = vec![Path(Vec::new()); n];
    let mut tree = PathTree::new();
    for (i, path) in raw.enumerate().rev() {
        paths[i] = resolver.path(path)?;
        if i + 1 == n {
            tree.add_chain(0, i, 0, paths[i].0.len());
        } else {
            tree.merge(&paths, i, resolver.kind)?;
        }
    }
    Ok(paths)
}

fn clash(kind: ExpressionKind, how: &str, one: &Path, two: &Path) -> DynamoError {
    invalid(
        kind,
        format_args!(
            "Two document paths {how} with each other; must remove or rewrite one of these \
             paths; path one: {}, path two: {}",
            one.service_form(),
            two.service_form()
        ),
    )
}
