//! The parsed statement, before parameters are bound and before it meets a table.

use std::fmt;

use super::lexer::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Select(Select),
    Insert(Insert),
    Update(Update),
    Delete(Delete),
    /// `EXISTS(SELECT ...)`: a condition check, valid only in a write transaction.
    Exists(Select),
}

/// `"table"` or `"table"."index"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub table: String,
    pub index: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// `None` for `*`.
    pub projection: Option<Vec<Expr>>,
    pub from: Target,
    pub filter: Option<Expr>,
    pub order_by: Option<OrderBy>,
}

/// `ORDER BY name [ASC | DESC]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub name: String,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    pub into: Target,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub target: Target,
    pub clauses: Vec<UpdateClause>,
    pub filter: Option<Expr>,
    pub returning: Option<Returning>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UpdateClause {
    /// `SET path = value`.
    Set(Expr, Expr),
    /// `REMOVE path`.
    Remove(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    pub from: Target,
    pub filter: Option<Expr>,
    pub returning: Option<Returning>,
}

/// `RETURNING {ALL | MODIFIED} {OLD | NEW} *`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returning {
    AllOld,
    ModifiedOld,
    AllNew,
    ModifiedNew,
}

impl Returning {
    /// The `ReturnValues` the statement maps to.
    pub fn return_values(self) -> &'static str {
        match self {
            Returning::AllOld => "ALL_OLD",
            Returning::ModifiedOld => "UPDATED_OLD",
            Returning::AllNew => "ALL_NEW",
            Returning::ModifiedNew => "UPDATED_NEW",
        }
    }
}

/// As written in a statement.
impl fmt::Display for Returning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Returning::AllOld => "RETURNING ALL OLD *",
            Returning::ModifiedOld => "RETURNING MODIFIED OLD *",
            Returning::AllNew => "RETURNING ALL NEW *",
            Returning::ModifiedNew => "RETURNING MODIFIED NEW *",
        })
    }
}

/// An expression and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `a.b[1]`: a name, then steps.
    Path(Vec<Step>),
    Literal(Literal),
    /// The `n`-th `?` of the statement, from 0.
    Param(usize),
    List(Vec<Expr>),
    /// `<<a, b>>`.
    Bag(Vec<Expr>),
    /// `{'k': v, ...}`: keys are expressions until checked to be strings.
    Tuple(Vec<(Expr, Expr)>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Box<Expr>),
    /// `a IS [NOT] MISSING` / `a IS [NOT] NULL`; the flag is `NOT`.
    IsMissing(Box<Expr>, bool),
    IsNull(Box<Expr>, bool),
    /// `name(args)`, the name as written.
    Call(String, Vec<Expr>),
    /// `` `...` ``: the text between the backticks.
    Ion(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Name(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    /// As written.
    Number(String),
    Bool(bool),
    Null,
    Missing,
}
