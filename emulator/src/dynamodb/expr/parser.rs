//! Recursive-descent parser: source text to a raw tree that still holds placeholders and
//! function names as written. [`super::check`] validates it and resolves it into the AST.
//!
//! The constructs that nest (parentheses, `NOT`, function calls) are parsed with explicit
//! stacks rather than recursion: 4 KB of `(` or `NOT ` must not exhaust a worker's stack,
//! and the service answers such input with ordinary errors.
//!
//! Grammar (keywords case-insensitive; `operand_p` is an operand in any number of
//! parentheses, but two pairs directly around one thing are "redundant parentheses"):
//!
//! ```text
//! condition  := or
//! or         := and (OR and)*
//! and        := not (AND not)*
//! not        := NOT not | primary
//! primary    := '(' or ')' [tail]   -- a parenthesized condition, or operand with a tail
//!             | operand [tail]      -- without a tail only a function call is a condition
//! tail       := comparator operand_p
//!             | BETWEEN operand_p AND operand_p
//!             | IN '(' operand_p (',' operand_p)* ')'
//! operand    := path | ':value' | name '(' operand_p (',' operand_p)* ')'
//! path       := (name | '#name') ('.' (name | '#name' | ':value') | '[' number ']')*
//!
//! update     := (SET set (',' set)* | REMOVE path (',' path)*
//!              | ADD path ':value' (',' path ':value')* | DELETE <same as ADD>)+
//! set        := path '=' value
//! value      := '(' value ')' | operand_p [('+' | '-') operand_p]
//!               -- a parenthesized sum cannot be added to: `(a + b) + c` is an error
//!
//! projection := path (',' path)*
//! ```
//!
//! The offending token of a syntax error is the one the service names: a bare operand
//! where a condition is due is reported at the token after it (`NOT a` → `<EOF>`), as the
//! service expects a comparator there.

use super::super::error::{DynamoError, Result};
use super::ExpressionKind;
use super::ast::Comparator;
use super::lexer::{Tok, Token, syntax_error, tokenize};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawElem<'a> {
    Name(&'a str),
    /// `#name`, with the `#`.
    Placeholder(&'a str),
    /// The digits of a list index.
    Index(&'a str),
    /// `:value` after a dot, which the service's grammar accepts as a path element: it looks
    /// the placeholder up among the names, finds it (if at all) among the values, and fails
    /// with an internal error once the whole expression is resolved.
    Value(&'a str),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawPath<'a> {
    pub elems: Vec<RawElem<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawCall<'a> {
    pub name: &'a str,
    pub args: Vec<RawOperand<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawOperand<'a> {
    Path(RawPath<'a>),
    /// `:value`, with the `:`.
    Value(&'a str),
    Call(RawCall<'a>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawCond<'a> {
    Compare(Comparator, RawOperand<'a>, RawOperand<'a>),
    Between(RawOperand<'a>, RawOperand<'a>, RawOperand<'a>),
    In(RawOperand<'a>, Vec<RawOperand<'a>>),
    Call(RawCall<'a>),
    Not(Box<RawCond<'a>>),
    And(Box<RawCond<'a>>, Box<RawCond<'a>>),
    Or(Box<RawCond<'a>>, Box<RawCond<'a>>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawSetValue<'a> {
    Single(RawOperand<'a>),
    Plus(RawOperand<'a>, RawOperand<'a>),
    Minus(RawOperand<'a>, RawOperand<'a>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawAction<'a> {
    Set(RawPath<'a>, RawSetValue<'a>),
    Remove(RawPath<'a>),
    Add(RawPath<'a>, &'a str),
    Delete(RawPath<'a>, &'a str),
}

impl<'a> RawAction<'a> {
    pub fn path(&self) -> &RawPath<'a> {
        match self {
            RawAction::Set(p, _)
            | RawAction::Remove(p)
            | RawAction::Add(p, _)
            | RawAction::Delete(p, _) => p,
        }
    }
}

/// A parsed update expression and what the checks after parsing need.
#[derive(Debug)]
pub(crate) struct RawUpdate<'a> {
    pub actions: Vec<RawAction<'a>>,
    /// Sections in the order written, each with the end of its actions in `actions`, for
    /// the "can only be used once" check.
    pub sections: Vec<(Tok, usize)>,
}

/// A parsed tree and the number of operators and functions in it, which the service caps.
#[derive(Debug)]
pub(crate) struct Parsed<T> {
    pub tree: T,
    pub operators: u32,
}

/// Longest expression, in UTF-16 code units as the service counts.
const MAX_EXPRESSION_SIZE: usize = 4096;

/// The checks on the text before parsing: empty, too long.
fn check_text(src: &str, kind: ExpressionKind) -> Result<()> {
    if src.is_empty() {
        return Err(DynamoError::validation(format!(
            "Invalid {}: The expression can not be empty;",
            kind.name()
        )));
    }
    // A UTF-16 length is at least the UTF-8 length / 3 and at most the UTF-8 length.
    if src.len() > MAX_EXPRESSION_SIZE {
        let size = if src.is_ascii() {
            src.len()
        } else {
            src.encode_utf16().count()
        };
        if size > MAX_EXPRESSION_SIZE {
            return Err(DynamoError::validation(match kind {
                // Update and projection expressions do not quote the size.
                ExpressionKind::Update | ExpressionKind::Projection => format!(
                    "Invalid {}: Expression size has exceeded the maximum allowed size;",
                    kind.name()
                ),
                _ => format!(
                    "Invalid {}: Expression size has exceeded the maximum allowed size; \
                     expression size: {size}",
                    kind.name()
                ),
            }));
        }
    }
    Ok(())
}

pub(crate) fn parse_condition(src: &str, kind: ExpressionKind) -> Result<Parsed<RawCond<'_>>> {
    check_text(src, kind)?;
    let mut p = Parser::new(src, kind);
    let cond = p.condition()?;
    p.expect(Tok::Eof)?;
    Ok(Parsed {
        tree: *cond,
        operators: p.operators,
    })
}

pub(crate) fn parse_update(src: &str) -> Result<Parsed<RawUpdate<'_>>> {
    check_text(src, ExpressionKind::Update)?;
    let mut p = Parser::new(src, ExpressionKind::Update);
    let update = p.update()?;
    Ok(Parsed {
        tree: update,
        operators: p.operators,
    })
}

pub(crate) fn parse_projection(src: &str) -> Result<Vec<RawPath<'_>>> {
    check_text(src, ExpressionKind::Projection)?;
    let mut p = Parser::new(src, ExpressionKind::Projection);
    let mut paths = vec![p.path()?];
    while p.eat(Tok::Comma) {
        paths.push(p.path()?);
    }
    p.expect(Tok::Eof)?;
    Ok(paths)
}

/// What a parenthesized or bare primary turned out to be.
enum Node<'a> {
    // Boxed to keep the parser's frames small: deep nesting recurses.
    Cond(Box<RawCond<'a>>),
    Operand(RawOperand<'a>),
}

/// A parenthesized group being parsed (or the whole condition): the left sides of its
/// pending `OR` and `AND`, and how many `NOT`s stood before its `(`.
#[derive(Default)]
struct Frame<'a> {
    or_left: Option<Box<RawCond<'a>>>,
    and_left: Option<Box<RawCond<'a>>>,
    nots: u32,
}

struct Expr<'a> {
    node: Node<'a>,
    /// Whether this is exactly one pair of parentheses around something.
    paren: bool,
}

impl<'a> Expr<'a> {
    fn cond(c: RawCond<'a>) -> Expr<'a> {
        Expr {
            node: Node::Cond(Box::new(c)),
            paren: false,
        }
    }
}

/// Redundant parentheses are reported when the construct they close is complete, unless
/// the service's parser is still deciding what the construct is: its adaptive prediction
/// first scans ahead (through the whole left operand of a comparison, or the first operand
/// of a `SET` value) and reports a syntax error found there before anything inside.
/// `begins_with(((a)), :s` is a syntax error at the end, `begins_with(((a)), :s)` has
/// redundant parentheses, and so does `((a)) = = b`, while `((a))` alone is a syntax error.
struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    kind: ExpressionKind,
    operators: u32,
    /// Scanning ahead: redundant parentheses wait in `pending` for the decision.
    deciding: bool,
    pending: Option<DynamoError>,
    /// Parentheses opened during the scan and not yet closed: while any is open, a completed
    /// operand does not settle the prediction.
    scan_parens: u32,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, kind: ExpressionKind) -> Parser<'a> {
        Parser {
            src,
            tokens: tokenize(src),
            pos: 0,
            kind,
            operators: 0,
            deciding: false,
            pending: None,
            scan_parens: 0,
        }
    }

    fn peek(&self) -> Tok {
        self.tokens[self.pos].kind
    }

    fn peek_at(&self, offset: usize) -> Tok {
        self.tokens
            .get(self.pos + offset)
            .map_or(Tok::Eof, |t| t.kind)
    }

    fn text(&self) -> &'a str {
        let t = self.tokens[self.pos];
        &self.src[t.start as usize..t.end as usize]
    }

    fn bump(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, kind: Tok) -> bool {
        if self.peek() == kind {
            self.bump();
            true
        } else {
            false
        }
    }

    fn error(&self) -> DynamoError {
        syntax_error(self.kind, self.src, &self.tokens, self.pos)
    }

    fn expect(&mut self, kind: Tok) -> Result<()> {
        if self.eat(kind) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn redundant(&self) -> DynamoError {
        DynamoError::validation(format!(
            "Invalid {}: The expression has redundant parentheses;",
            self.kind.name()
        ))
    }

    /// Redundant parentheses just closed: an error now, or once the scan ahead decides.
    fn redundant_closed(&mut self) -> Result<()> {
        if !self.deciding {
            return Err(self.redundant());
        }
        if self.pending.is_none() {
            self.pending = Some(self.redundant());
        }
        Ok(())
    }

    /// A construct the service predicts starts here, unless a scan is already under way.
    fn start_scan(&mut self) {
        if !self.deciding {
            self.deciding = true;
            self.scan_parens = 0;
        }
    }

    /// An opening parenthesis consumed.
    fn scan_open(&mut self) {
        if self.deciding {
            self.scan_parens += 1;
        }
    }

    /// A closing parenthesis consumed.
    fn scan_close(&mut self) {
        self.scan_parens = self.scan_parens.saturating_sub(1);
    }

    /// The scan ahead has decided what the construct is.
    fn decide(&mut self) -> Result<()> {
        self.deciding = false;
        self.scan_parens = 0;
        match self.pending.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    // ---- conditions ----

    /// A condition where one is due: a bare function call is one (its use is checked
    /// later); any other bare operand is a syntax error at the current token.
    fn require_condition(&self, expr: Expr<'a>) -> Result<Box<RawCond<'a>>> {
        match expr.node {
            Node::Cond(c) => Ok(c),
            Node::Operand(RawOperand::Call(call)) => Ok(Box::new(RawCond::Call(call))),
            Node::Operand(_) => Err(self.error()),
        }
    }

    /// A whole condition (`or` in the grammar), parsed without recursion so that nesting
    /// as deep as 4 KB of text allows cannot exhaust the stack. `frames` holds one entry per
    /// open parenthesis; the order of every check and token is that of the recursive
    /// descent the grammar describes.
    fn condition(&mut self) -> Result<Box<RawCond<'a>>> {
        let mut frames: Vec<Frame<'a>> = vec![Frame::default()];
        'operand: loop {
            // not := NOT not | primary
            let mut nots = 0u32;
            while self.eat(Tok::Not) {
                self.decide()?;
                self.operators += 1;
                nots += 1;
            }
            // primary: a new condition, which the service's parser predicts the kind of.
            self.start_scan();
            if self.eat(Tok::LParen) {
                self.scan_open();
                frames.push(Frame {
                    nots,
                    ..Frame::default()
                });
                continue 'operand;
            }
            let op = self.operand()?;
            let mut expr = self.tail(op, false)?;
            loop {
                for _ in 0..nots {
                    let c = self.require_condition(expr)?;
                    expr = Expr::cond(RawCond::Not(c));
                }
                let frame = frames.last_mut().expect("the outermost frame stays");
                if let Some(l) = frame.and_left.take() {
                    let r = self.require_condition(expr)?;
                    expr = Expr::cond(RawCond::And(l, r));
                }
                if self.peek() == Tok::And {
                    let l = self.require_condition(expr)?;
                    self.decide()?;
                    self.bump();
                    self.operators += 1;
                    frames.last_mut().expect("a frame").and_left = Some(l);
                    continue 'operand;
                }
                let frame = frames.last_mut().expect("a frame");
                if let Some(l) = frame.or_left.take() {
                    let r = self.require_condition(expr)?;
                    expr = Expr::cond(RawCond::Or(l, r));
                }
                if self.peek() == Tok::Or {
                    let l = self.require_condition(expr)?;
                    // Only a condition can stand here: the prediction is settled.
                    self.decide()?;
                    self.bump();
                    self.operators += 1;
                    frames.last_mut().expect("a frame").or_left = Some(l);
                    continue 'operand;
                }
                if frames.len() == 1 {
                    return self.require_condition(expr);
                }
                // The end of a parenthesized group: back in the enclosing frame.
                self.expect(Tok::RParen)?;
                self.scan_close();
                nots = frames.pop().expect("a group").nots;
                if expr.paren {
                    self.redundant_closed()?;
                }
                expr = match expr.node {
                    Node::Cond(c) => Expr {
                        node: Node::Cond(c),
                        paren: true,
                    },
                    Node::Operand(op) => self.tail(op, true)?,
                };
            }
        }
    }

    fn tail(&mut self, left: RawOperand<'a>, paren: bool) -> Result<Expr<'a>> {
        let is_tail = matches!(
            self.peek(),
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge | Tok::Between | Tok::In
        );
        // A comparison settles the prediction; so does a function call standing as a
        // condition once every parenthesis of the scan is closed. A bare path or value does
        // not (it is a syntax error unless compared).
        if is_tail || (matches!(left, RawOperand::Call(_)) && self.scan_parens == 0) {
            self.decide()?;
        }
        let comparator = match self.peek() {
            Tok::Eq => Comparator::Eq,
            Tok::Ne => Comparator::Ne,
            Tok::Lt => Comparator::Lt,
            Tok::Le => Comparator::Le,
            Tok::Gt => Comparator::Gt,
            Tok::Ge => Comparator::Ge,
            Tok::Between => {
                self.bump();
                self.operators += 1;
                let low = self.operand_p()?;
                self.expect(Tok::And)?;
                let high = self.operand_p()?;
                return Ok(Expr::cond(RawCond::Between(left, low, high)));
            }
            Tok::In => {
                self.bump();
                self.operators += 1;
                self.expect(Tok::LParen)?;
                let mut list = vec![self.operand_p()?];
                while self.eat(Tok::Comma) {
                    list.push(self.operand_p()?);
                }
                self.expect(Tok::RParen)?;
                return Ok(Expr::cond(RawCond::In(left, list)));
            }
            _ => {
                return Ok(Expr {
                    node: Node::Operand(left),
                    paren,
                });
            }
        };
        self.bump();
        self.operators += 1;
        let right = self.operand_p()?;
        Ok(Expr::cond(RawCond::Compare(comparator, left, right)))
    }

    /// An operand, possibly in parentheses.
    fn operand_p(&mut self) -> Result<RawOperand<'a>> {
        let opened = self.open_parens();
        let op = self.operand()?;
        self.close_parens(opened)?;
        Ok(op)
    }

    /// Opening parentheses before an operand, counted.
    fn open_parens(&mut self) -> usize {
        let mut opened = 0;
        while self.eat(Tok::LParen) {
            opened += 1;
        }
        opened
    }

    /// The closing parentheses matching `opened`; two or more around one operand are
    /// redundant.
    fn close_parens(&mut self, opened: usize) -> Result<()> {
        for closed in 0..opened {
            self.expect(Tok::RParen)?;
            if closed > 0 {
                self.redundant_closed()?;
            }
        }
        Ok(())
    }

    /// A path, a `:value`, or a function call. Calls nest (`size(size(a))`) without
    /// recursion: `calls` holds the calls whose arguments are being read, each with the
    /// parentheses opened before its current argument.
    fn operand(&mut self) -> Result<RawOperand<'a>> {
        let mut calls: Vec<(RawCall<'a>, usize)> = Vec::new();
        loop {
            let mut op = match self.peek() {
                Tok::ValuePlaceholder => {
                    let text = self.text();
                    self.bump();
                    RawOperand::Value(text)
                }
                Tok::Ident if self.peek_at(1) == Tok::LParen => {
                    let name = self.text();
                    self.bump();
                    self.bump();
                    self.operators += 1;
                    let opened = self.open_parens();
                    calls.push((
                        RawCall {
                            name,
                            args: Vec::new(),
                        },
                        opened,
                    ));
                    continue;
                }
                Tok::Ident | Tok::NamePlaceholder => RawOperand::Path(self.path()?),
                _ => return Err(self.error()),
            };
            // An argument is complete: close what it completes.
            loop {
                let Some((call, opened)) = calls.last_mut() else {
                    return Ok(op);
                };
                let opened = *opened;
                call.args.push(op);
                self.close_parens(opened)?;
                if self.eat(Tok::Comma) {
                    let opened = self.open_parens();
                    calls.last_mut().expect("the call").1 = opened;
                    break;
                }
                self.expect(Tok::RParen)?;
                op = RawOperand::Call(calls.pop().expect("the call").0);
            }
        }
    }

    fn path(&mut self) -> Result<RawPath<'a>> {
        let mut elems = Vec::with_capacity(2);
        elems.push(self.path_name()?);
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    // The service's grammar takes a `:value` here too (and then fails).
                    if self.peek() == Tok::ValuePlaceholder {
                        elems.push(RawElem::Value(self.text()));
                        self.bump();
                    } else {
                        elems.push(self.path_name()?);
                    }
                }
                Tok::LBracket => {
                    self.bump();
                    if self.peek() != Tok::Number {
                        return Err(self.error());
                    }
                    elems.push(RawElem::Index(self.text()));
                    self.bump();
                    self.expect(Tok::RBracket)?;
                }
                _ => return Ok(RawPath { elems }),
            }
        }
    }

    fn path_name(&mut self) -> Result<RawElem<'a>> {
        let elem = match self.peek() {
            Tok::Ident => RawElem::Name(self.text()),
            Tok::NamePlaceholder => RawElem::Placeholder(self.text()),
            _ => return Err(self.error()),
        };
        self.bump();
        Ok(elem)
    }

    // ---- update expressions ----

    fn update(&mut self) -> Result<RawUpdate<'a>> {
        let mut actions = Vec::new();
        let mut sections = Vec::with_capacity(1);
        loop {
            let section = self.peek();
            match section {
                Tok::Set => {
                    self.bump();
                    loop {
                        let path = self.path()?;
                        self.expect(Tok::Eq)?;
                        let (value, _) = self.set_value()?;
                        actions.push(RawAction::Set(path, value));
                        if !self.eat(Tok::Comma) {
                            break;
                        }
                    }
                }
                Tok::Remove => {
                    self.bump();
                    loop {
                        actions.push(RawAction::Remove(self.path()?));
                        if !self.eat(Tok::Comma) {
                            break;
                        }
                    }
                }
                Tok::Add | Tok::Delete => {
                    self.bump();
                    loop {
                        let path = self.path()?;
                        if self.peek() != Tok::ValuePlaceholder {
                            return Err(self.error());
                        }
                        let value = self.text();
                        self.bump();
                        actions.push(if section == Tok::Add {
                            RawAction::Add(path, value)
                        } else {
                            RawAction::Delete(path, value)
                        });
                        if !self.eat(Tok::Comma) {
                            break;
                        }
                    }
                }
                _ => return Err(self.error()),
            }
            sections.push((section, actions.len()));
            if self.peek() == Tok::Eof {
                return Ok(RawUpdate { actions, sections });
            }
        }
    }

    /// The value of a `SET` action, and whether it is exactly one pair of parentheses
    /// around something. Parentheses are counted rather than recursed into.
    fn set_value(&mut self) -> Result<(RawSetValue<'a>, bool)> {
        // The service's parser scans the first operand to tell a sum from a single operand.
        self.start_scan();
        let mut opened = 0usize;
        while self.eat(Tok::LParen) {
            self.scan_open();
            opened += 1;
        }
        let first = self.operand()?;
        let mut value = self.set_value_rest(first, false)?;
        for _ in 0..opened {
            let (inner, inner_paren) = value;
            self.expect(Tok::RParen)?;
            self.scan_close();
            if inner_paren {
                self.redundant_closed()?;
            }
            value = match inner {
                RawSetValue::Single(op) => self.set_value_rest(op, true)?,
                sum => {
                    self.decide()?;
                    (sum, true)
                }
            };
        }
        Ok(value)
    }

    /// After the first operand of a `SET` value (or of a parenthesized one): `+`/`-` and the
    /// second operand, if there is one.
    fn set_value_rest(
        &mut self,
        left: RawOperand<'a>,
        paren: bool,
    ) -> Result<(RawSetValue<'a>, bool)> {
        let plus_or_minus = matches!(self.peek(), Tok::Plus | Tok::Minus);
        if plus_or_minus || self.scan_parens == 0 {
            self.decide()?;
        }
        let plus = match self.peek() {
            Tok::Plus => true,
            Tok::Minus => false,
            _ => return Ok((RawSetValue::Single(left), paren)),
        };
        self.bump();
        self.operators += 1;
        let right = self.operand_p()?;
        Ok((
            if plus {
                RawSetValue::Plus(left, right)
            } else {
                RawSetValue::Minus(left, right)
            },
            false,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> String {
        parse_condition(src, ExpressionKind::Filter)
            .map(|_| "OK".to_owned())
            .unwrap_or_else(|e| e.message)
    }

    #[test]
    fn parses_precedence() {
        let parsed = parse_condition(
            "a = :x OR NOT b < :y AND c IN (d, :z)",
            ExpressionKind::Condition,
        )
        .unwrap();
        let RawCond::Or(_, right) = parsed.tree else {
            panic!("{:?}", parsed.tree)
        };
        assert!(matches!(*right, RawCond::And(..)));
        assert_eq!(parsed.operators, 6);
    }

    #[test]
    fn paren_operands_and_conditions() {
        assert_eq!(err("(a) = :s"), "OK");
        assert_eq!(err("((a) = :s)"), "OK");
        assert_eq!(err("a IN ((b), c)"), "OK");
        assert_eq!(
            err("((a)) = :s"),
            "Invalid FilterExpression: The expression has redundant parentheses;"
        );
        assert_eq!(
            err("NOT (a)"),
            r#"Invalid FilterExpression: Syntax error; token: "<EOF>", near: ")""#
        );
    }
}
