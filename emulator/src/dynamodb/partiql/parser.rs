//! Recursive descent over the tokens of one statement.
//!
//! ```text
//! statement := select | insert | update | delete | EXISTS '(' select ')'   [';']
//! select    := SELECT ('*' | expr (',' expr)*) FROM target [WHERE expr]
//!              [ORDER BY name [ASC | DESC]]
//! insert    := INSERT INTO target VALUE expr
//! update    := UPDATE target (SET path '=' expr (',' path '=' expr)* | REMOVE path)+
//!              [WHERE expr] [returning]
//! delete    := DELETE FROM target [WHERE expr] [returning]
//! returning := RETURNING (ALL | MODIFIED) (OLD | NEW) '*'
//! target    := name ['.' name]
//! expr      := or;  or := and (OR and)*;  and := not (AND not)*;  not := NOT not | predicate
//! predicate := sum [(= | <> | != | < | <= | > | >=) sum | [NOT] BETWEEN sum AND sum
//!              | [NOT] IN sum | IS [NOT] (MISSING | NULL)]
//! sum       := unary (('+' | '-') unary)*;  unary := '-' unary | primary
//! primary   := literal | '?' | path | name '(' [expr (',' expr)*] ')' | '(' expr ')'
//!              | '(' expr (',' expr)+ ')' | '[' ... ']' | '{' expr ':' expr, ... '}'
//!              | '<<' ... '>>' | `ion`
//! path      := name ('.' name | '[' number ']')*
//! ```
//!
//! Anything outside this grammar is the service's "Statement wasn't well formed" error;
//! a few well-formed PartiQL constructs DynamoDB does not support get their own texts
//! (aliases, `CREATE` / `DROP`).

use super::ast::{
    BinaryOp, Delete, Expr, ExprKind, Insert, Literal, OrderBy, Returning, Select, Statement, Step,
    Target, Update, UpdateClause,
};
use super::lexer::{self, Span, Tok, Token};

/// Why a statement did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Outside the grammar: the service's "Statement wasn't well formed" error.
    Malformed,
    /// Well formed, but not something DynamoDB supports: the service's text.
    Unsupported(String),
    /// Well formed PartiQL that is not a statement DynamoDB runs (`CREATE TABLE`, a bare
    /// expression): the operation's name, as in "Unsupported operation: DropTable".
    Operation(String),
}

type Parsed<T> = Result<T, ParseError>;

/// Words that cannot be names.
const RESERVED: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "BETWEEN",
    "INSERT",
    "INTO",
    "VALUE",
    "VALUES",
    "UPDATE",
    "SET",
    "REMOVE",
    "DELETE",
    "RETURNING",
    "ORDER",
    "BY",
    "AS",
    "AT",
    "EXISTS",
    "TRUE",
    "FALSE",
    "NULL",
    "MISSING",
];

/// Parses one statement. Its `?` parameters are numbered from 0 in order.
pub fn parse(src: &str) -> Parsed<Statement> {
    let tokens = lexer::tokenize(src).map_err(|_| ParseError::Malformed)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        params: 0,
    };
    let statement = p.statement()?;
    if p.peek().tok == Tok::Semicolon {
        p.pos += 1;
    }
    if p.peek().tok != Tok::Eof {
        return Err(ParseError::Malformed);
    }
    Ok(statement)
}

/// How many `?` parameters a parsed statement holds.
pub fn parameter_count(statement: &Statement) -> usize {
    fn count(e: &Expr) -> usize {
        match &e.kind {
            ExprKind::Param(_) => 1,
            ExprKind::Path(_) | ExprKind::Literal(_) | ExprKind::Ion(_) => 0,
            ExprKind::List(items) | ExprKind::Bag(items) | ExprKind::Call(_, items) => {
                items.iter().map(count).sum()
            }
            ExprKind::Tuple(pairs) => pairs.iter().map(|(k, v)| count(k) + count(v)).sum(),
            ExprKind::Binary(_, a, b) | ExprKind::In(a, b) => count(a) + count(b),
            ExprKind::Not(a)
            | ExprKind::Negate(a)
            | ExprKind::IsMissing(a, _)
            | ExprKind::IsNull(a, _) => count(a),
            ExprKind::Between(a, b, c) => count(a) + count(b) + count(c),
        }
    }
    let opt = |e: &Option<Expr>| e.as_ref().map_or(0, count);
    let select = |s: &Select| {
        s.projection
            .as_ref()
            .map_or(0, |p| p.iter().map(count).sum::<usize>())
            + opt(&s.filter)
    };
    match statement {
        Statement::Select(s) | Statement::Exists(s) => select(s),
        Statement::Insert(i) => count(&i.value),
        Statement::Update(u) => {
            u.clauses
                .iter()
                .map(|c| match c {
                    UpdateClause::Set(path, value) => count(path) + count(value),
                    UpdateClause::Remove(path) => count(path),
                })
                .sum::<usize>()
                + opt(&u.filter)
        }
        Statement::Delete(d) => opt(&d.filter),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    params: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn peek_at(&self, ahead: usize) -> &Token {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let token = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn at_keyword(&self, word: &str) -> bool {
        self.peek().is_keyword(word)
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        let found = self.at_keyword(word);
        if found {
            self.pos += 1;
        }
        found
    }

    fn keyword(&mut self, word: &str) -> Parsed<()> {
        if self.eat_keyword(word) {
            Ok(())
        } else {
            Err(ParseError::Malformed)
        }
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let found = &self.peek().tok == tok;
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, tok: &Tok) -> Parsed<()> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(ParseError::Malformed)
        }
    }

    fn statement(&mut self) -> Parsed<Statement> {
        let first = self.peek().clone();
        let word = match &first.tok {
            Tok::Word(w) => w.to_ascii_uppercase(),
            _ => return Err(ParseError::Malformed),
        };
        match word.as_str() {
            "SELECT" => Ok(Statement::Select(self.select()?)),
            "INSERT" => self.insert(),
            "UPDATE" => self.update(),
            "DELETE" => self.delete(),
            "EXISTS" => {
                self.pos += 1;
                self.expect(&Tok::LParen)?;
                let select = self.select()?;
                self.expect(&Tok::RParen)?;
                Ok(Statement::Exists(select))
            }
            "CREATE" | "DROP" => {
                self.pos += 1;
                let object = match self.next().tok {
                    Tok::Word(w) if w.eq_ignore_ascii_case("TABLE") => "Table",
                    Tok::Word(w) if w.eq_ignore_ascii_case("INDEX") => "Index",
                    _ => return Err(ParseError::Malformed),
                };
                let verb = if word == "CREATE" { "Create" } else { "Drop" };
                Err(ParseError::Operation(format!("{verb}{object}")))
            }
            // A lone expression parses, as PartiQL allows; DynamoDB names what it is.
            _ => {
                let expr = self.expr()?;
                if self.peek().tok == Tok::Semicolon {
                    self.pos += 1;
                }
                match (&expr.kind, &self.peek().tok) {
                    (ExprKind::Path(_), Tok::Eof) => {
                        Err(ParseError::Operation("VariableReference".to_owned()))
                    }
                    _ => Err(ParseError::Malformed),
                }
            }
        }
    }

    fn select(&mut self) -> Parsed<Select> {
        self.keyword("SELECT")?;
        let projection = if self.eat(&Tok::Star) {
            None
        } else {
            let mut items = vec![self.expr()?];
            while self.eat(&Tok::Comma) {
                items.push(self.expr()?);
            }
            Some(items)
        };
        self.keyword("FROM")?;
        let from = self.target()?;
        let filter = self.where_clause()?;
        let order_by = if self.eat_keyword("ORDER") {
            self.keyword("BY")?;
            let name = self.name()?;
            let descending = if self.eat_keyword("DESC") {
                true
            } else {
                self.eat_keyword("ASC");
                false
            };
            Some(OrderBy { name, descending })
        } else {
            None
        };
        Ok(Select {
            projection,
            from,
            filter,
            order_by,
        })
    }

    fn insert(&mut self) -> Parsed<Statement> {
        self.keyword("INSERT")?;
        self.keyword("INTO")?;
        let into = self.target()?;
        self.keyword("VALUE")?;
        let value = self.expr()?;
        if self.at_keyword("RETURNING") {
            return Err(ParseError::Unsupported(
                "RETURNING is not supported in INSERT".to_owned(),
            ));
        }
        Ok(Statement::Insert(Insert { into, value }))
    }

    fn update(&mut self) -> Parsed<Statement> {
        self.keyword("UPDATE")?;
        let target = self.target()?;
        let mut clauses = Vec::new();
        loop {
            if self.eat_keyword("SET") {
                loop {
                    let path = self.path()?;
                    self.expect(&Tok::Eq)?;
                    clauses.push(UpdateClause::Set(path, self.expr()?));
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
            } else if self.eat_keyword("REMOVE") {
                clauses.push(UpdateClause::Remove(self.path()?));
            } else {
                break;
            }
        }
        if clauses.is_empty() {
            return Err(ParseError::Malformed);
        }
        let filter = self.where_clause()?;
        let returning = self.returning()?;
        Ok(Statement::Update(Update {
            target,
            clauses,
            filter,
            returning,
        }))
    }

    fn delete(&mut self) -> Parsed<Statement> {
        self.keyword("DELETE")?;
        self.keyword("FROM")?;
        let from = self.target()?;
        let filter = self.where_clause()?;
        let returning = self.returning()?;
        Ok(Statement::Delete(Delete {
            from,
            filter,
            returning,
        }))
    }

    fn where_clause(&mut self) -> Parsed<Option<Expr>> {
        if self.eat_keyword("WHERE") {
            Ok(Some(self.expr()?))
        } else {
            Ok(None)
        }
    }

    fn returning(&mut self) -> Parsed<Option<Returning>> {
        if !self.eat_keyword("RETURNING") {
            return Ok(None);
        }
        let all = if self.eat_keyword("ALL") {
            true
        } else {
            self.keyword("MODIFIED")?;
            false
        };
        let old = if self.eat_keyword("OLD") {
            true
        } else {
            self.keyword("NEW")?;
            false
        };
        self.expect(&Tok::Star)?;
        Ok(Some(match (all, old) {
            (true, true) => Returning::AllOld,
            (false, true) => Returning::ModifiedOld,
            (true, false) => Returning::AllNew,
            (false, false) => Returning::ModifiedNew,
        }))
    }

    /// `table` or `table.index`, refusing an alias after it.
    fn target(&mut self) -> Parsed<Target> {
        let table = self.name()?;
        let index = if self.eat(&Tok::Dot) {
            Some(self.name()?)
        } else {
            None
        };
        let aliased = self.at_keyword("AS")
            || matches!(&self.peek().tok, Tok::Quoted(_))
            || matches!(&self.peek().tok, Tok::Word(w) if !is_clause_word(w) && !is_reserved(w));
        if aliased {
            return Err(ParseError::Unsupported(
                "Aliasing is not supported".to_owned(),
            ));
        }
        Ok(Target { table, index })
    }

    /// A table, index or attribute name.
    fn name(&mut self) -> Parsed<String> {
        match self.next().tok {
            Tok::Word(w) if !is_reserved(&w) => Ok(w),
            Tok::Quoted(q) => Ok(q),
            _ => Err(ParseError::Malformed),
        }
    }

    /// A document path: the target of `SET` and `REMOVE`.
    fn path(&mut self) -> Parsed<Expr> {
        let span = self.peek().span;
        let head = self.name()?;
        self.steps(head, span)
    }

    fn steps(&mut self, head: String, span: Span) -> Parsed<Expr> {
        let mut steps = vec![Step::Name(head)];
        loop {
            if self.eat(&Tok::Dot) {
                steps.push(Step::Name(self.name()?));
            } else if self.peek().tok == Tok::LBracket {
                self.pos += 1;
                let index = match self.next().tok {
                    Tok::Number(n) => n.parse::<usize>().map_err(|_| ParseError::Malformed)?,
                    Tok::Str(s) => {
                        steps.push(Step::Name(s));
                        self.expect(&Tok::RBracket)?;
                        continue;
                    }
                    _ => return Err(ParseError::Malformed),
                };
                self.expect(&Tok::RBracket)?;
                steps.push(Step::Index(index));
            } else {
                return Ok(Expr {
                    kind: ExprKind::Path(steps),
                    span,
                });
            }
        }
    }

    fn expr(&mut self) -> Parsed<Expr> {
        let mut left = self.and()?;
        while self.at_keyword("OR") {
            let span = self.next().span;
            let right = self.and()?;
            left = binary(BinaryOp::Or, span, left, right);
        }
        Ok(left)
    }

    fn and(&mut self) -> Parsed<Expr> {
        let mut left = self.not()?;
        while self.at_keyword("AND") {
            let span = self.next().span;
            let right = self.not()?;
            left = binary(BinaryOp::And, span, left, right);
        }
        Ok(left)
    }

    fn not(&mut self) -> Parsed<Expr> {
        if self.at_keyword("NOT") {
            let span = self.next().span;
            let inner = self.not()?;
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span,
            });
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Parsed<Expr> {
        let left = self.sum()?;
        let span = left.span;
        let op = match self.peek().tok {
            Tok::Eq => Some(BinaryOp::Eq),
            Tok::Ne => Some(BinaryOp::Ne),
            Tok::Lt => Some(BinaryOp::Lt),
            Tok::Le => Some(BinaryOp::Le),
            Tok::Gt => Some(BinaryOp::Gt),
            Tok::Ge => Some(BinaryOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            let op_span = self.next().span;
            let right = self.sum()?;
            return Ok(binary(op, op_span, left, right));
        }
        if self.at_keyword("IS") {
            self.pos += 1;
            let negated = self.eat_keyword("NOT");
            let kind = if self.eat_keyword("MISSING") {
                ExprKind::IsMissing(Box::new(left), negated)
            } else {
                self.keyword("NULL")?;
                ExprKind::IsNull(Box::new(left), negated)
            };
            return Ok(Expr { kind, span });
        }
        let negated = self.at_keyword("NOT")
            && (self.peek_at(1).is_keyword("BETWEEN") || self.peek_at(1).is_keyword("IN"));
        if negated {
            self.pos += 1;
        }
        let kind = if self.eat_keyword("BETWEEN") {
            let low = self.sum()?;
            self.keyword("AND")?;
            let high = self.sum()?;
            ExprKind::Between(Box::new(left), Box::new(low), Box::new(high))
        } else if self.eat_keyword("IN") {
            let list = if self.peek().tok == Tok::LParen {
                let span = self.next().span;
                let items = self.items(&Tok::RParen)?;
                Expr {
                    kind: ExprKind::List(items),
                    span,
                }
            } else {
                self.sum()?
            };
            ExprKind::In(Box::new(left), Box::new(list))
        } else {
            return Ok(left);
        };
        let expr = Expr { kind, span };
        Ok(if negated {
            Expr {
                kind: ExprKind::Not(Box::new(expr)),
                span,
            }
        } else {
            expr
        })
    }

    fn sum(&mut self) -> Parsed<Expr> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek().tok {
                Tok::Plus => BinaryOp::Add,
                Tok::Minus => BinaryOp::Sub,
                _ => return Ok(left),
            };
            let span = self.next().span;
            let right = self.unary()?;
            left = binary(op, span, left, right);
        }
    }

    fn unary(&mut self) -> Parsed<Expr> {
        if self.peek().tok == Tok::Minus {
            let span = self.next().span;
            let inner = self.unary()?;
            return Ok(Expr {
                kind: ExprKind::Negate(Box::new(inner)),
                span,
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Parsed<Expr> {
        let token = self.next();
        let span = token.span;
        let kind = match token.tok {
            Tok::Str(s) => ExprKind::Literal(Literal::Str(s)),
            Tok::Number(n) => ExprKind::Literal(Literal::Number(n)),
            Tok::Ion(text) => ExprKind::Ion(text),
            Tok::Param => {
                self.params += 1;
                ExprKind::Param(self.params - 1)
            }
            Tok::Quoted(name) => return self.steps(name, span),
            Tok::Word(w) => {
                match w.to_ascii_uppercase().as_str() {
                    "TRUE" => ExprKind::Literal(Literal::Bool(true)),
                    "FALSE" => ExprKind::Literal(Literal::Bool(false)),
                    "NULL" => ExprKind::Literal(Literal::Null),
                    "MISSING" => ExprKind::Literal(Literal::Missing),
                    _ if self.peek().tok == Tok::LParen => {
                        self.pos += 1;
                        // `COUNT(*)`: well formed, refused where it is used.
                        if self.peek().tok == Tok::Star && self.peek_at(1).tok == Tok::RParen {
                            self.pos += 2;
                            ExprKind::Call(w, Vec::new())
                        } else {
                            ExprKind::Call(w, self.items(&Tok::RParen)?)
                        }
                    }
                    _ if is_reserved(&w) => return Err(ParseError::Malformed),
                    _ => return self.steps(w, span),
                }
            }
            Tok::LParen => {
                let items = self.items(&Tok::RParen)?;
                return match <[Expr; 1]>::try_from(items) {
                    Ok([inner]) => Ok(inner),
                    Err(items) if items.is_empty() => Err(ParseError::Malformed),
                    Err(items) => Ok(Expr {
                        kind: ExprKind::List(items),
                        span,
                    }),
                };
            }
            Tok::LBracket => ExprKind::List(self.items(&Tok::RBracket)?),
            Tok::LBag => ExprKind::Bag(self.items(&Tok::RBag)?),
            Tok::LBrace => {
                let mut pairs = Vec::new();
                if !self.eat(&Tok::RBrace) {
                    loop {
                        let key = self.expr()?;
                        self.expect(&Tok::Colon)?;
                        pairs.push((key, self.expr()?));
                        if self.eat(&Tok::RBrace) {
                            break;
                        }
                        self.expect(&Tok::Comma)?;
                    }
                }
                ExprKind::Tuple(pairs)
            }
            _ => return Err(ParseError::Malformed),
        };
        Ok(Expr { kind, span })
    }

    /// Comma-separated expressions up to `close` (consumed); possibly none.
    fn items(&mut self, close: &Tok) -> Parsed<Vec<Expr>> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.eat(close) {
                return Ok(items);
            }
            self.expect(&Tok::Comma)?;
        }
    }
}

/// A binary expression, located at its operator (where the service points at one it does
/// not support).
fn binary(op: BinaryOp, span: Span, left: Expr, right: Expr) -> Expr {
    Expr {
        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
        span,
    }
}

fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// Words that may follow a statement's target: anything else there is an alias.
fn is_clause_word(word: &str) -> bool {
    [
        "WHERE",
        "ORDER",
        "VALUE",
        "VALUES",
        "SET",
        "REMOVE",
        "RETURNING",
    ]
    .iter()
    .any(|w| w.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(names: &[&str]) -> ExprKind {
        ExprKind::Path(names.iter().map(|n| Step::Name((*n).to_owned())).collect())
    }

    fn kind(e: &Expr) -> &ExprKind {
        &e.kind
    }

    #[test]
    fn parses_a_select_with_index_filter_and_order() {
        let Statement::Select(s) = parse(
            "select a, \"b\".c[2] FROM \"tbl\".\"idx\" WHERE pk = ? AND sk BETWEEN 1 AND 2 ORDER BY sk DESC;",
        )
        .unwrap() else {
            panic!("a select")
        };
        assert_eq!(
            s.from,
            Target {
                table: "tbl".into(),
                index: Some("idx".into())
            }
        );
        let projection = s.projection.unwrap();
        assert_eq!(kind(&projection[0]), &path(&["a"]));
        assert_eq!(
            kind(&projection[1]),
            &ExprKind::Path(vec![
                Step::Name("b".into()),
                Step::Name("c".into()),
                Step::Index(2)
            ])
        );
        let ExprKind::Binary(BinaryOp::And, left, right) = kind(s.filter.as_ref().unwrap()) else {
            panic!("an AND")
        };
        assert!(
            matches!(kind(left), ExprKind::Binary(BinaryOp::Eq, _, p) if p.kind == ExprKind::Param(0))
        );
        assert!(matches!(kind(right), ExprKind::Between(..)));
        assert_eq!(
            s.order_by,
            Some(OrderBy {
                name: "sk".into(),
                descending: true
            })
        );
    }

    #[test]
    fn parses_writes() {
        let Statement::Update(u) =
            parse("UPDATE t SET a = a + 1, b = ? SET c = 'x' REMOVE d.e WHERE pk = 'k' RETURNING MODIFIED NEW *")
                .unwrap()
        else {
            panic!("an update")
        };
        assert_eq!(u.clauses.len(), 4);
        assert!(matches!(&u.clauses[3], UpdateClause::Remove(p) if p.kind == path(&["d", "e"])));
        assert_eq!(u.returning, Some(Returning::ModifiedNew));
        assert!(matches!(
            parse("INSERT INTO t VALUE {'a': [1, <<'x'>>], 'b': {'c': NULL}}").unwrap(),
            Statement::Insert(_)
        ));
        assert!(matches!(
            parse("DELETE FROM t WHERE a = 1 RETURNING ALL OLD *").unwrap(),
            Statement::Delete(Delete {
                returning: Some(Returning::AllOld),
                ..
            })
        ));
        assert!(matches!(
            parse("EXISTS(SELECT * FROM t WHERE a = 1)").unwrap(),
            Statement::Exists(_)
        ));
    }

    #[test]
    fn precedence_binds_and_tighter_than_or() {
        let Statement::Select(s) =
            parse("SELECT * FROM t WHERE a = 1 OR NOT b = 2 AND c IN (1, 2)").unwrap()
        else {
            panic!()
        };
        let ExprKind::Binary(BinaryOp::Or, _, right) = kind(s.filter.as_ref().unwrap()) else {
            panic!("OR on top")
        };
        let ExprKind::Binary(BinaryOp::And, not, in_) = kind(right) else {
            panic!("AND below")
        };
        assert!(matches!(kind(not), ExprKind::Not(_)));
        assert!(
            matches!(kind(in_), ExprKind::In(_, l) if matches!(&l.kind, ExprKind::List(v) if v.len() == 2))
        );
    }

    #[test]
    fn malformed_and_unsupported_statements() {
        for src in [
            "",
            "SELEC * FROM t",
            "SELECT FROM t",
            "SELECT * FROM",
            "SELECT * FROM t WHERE",
            "SELECT * FROM t WHERE a = 1 AND",
            "SELECT * FROM t; SELECT * FROM t",
            "INSERT INTO t VALUES {'a': 1}",
            "UPDATE t WHERE a = 1",
            "UPDATE t REMOVE a, b WHERE a = 1",
            "DELETE t WHERE a = 1",
            "SELECT * FROM t WHERE a = [1, 2",
        ] {
            assert_eq!(parse(src), Err(ParseError::Malformed), "{src}");
        }
        let unsupported = |src| match parse(src) {
            Err(ParseError::Unsupported(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            unsupported("SELECT * FROM t x"),
            "Aliasing is not supported"
        );
        assert_eq!(
            unsupported("SELECT * FROM t AS x"),
            "Aliasing is not supported"
        );
        let operation = |src| match parse(src) {
            Err(ParseError::Operation(name)) => name,
            other => panic!("{other:?}"),
        };
        assert_eq!(operation("DROP TABLE t"), "DropTable");
        assert_eq!(operation("create index i"), "CreateIndex");
        assert_eq!(operation("SELEC"), "VariableReference");
        assert_eq!(operation("a.b;"), "VariableReference");
    }

    #[test]
    fn parameters_are_numbered_in_order() {
        let statement = parse("UPDATE t SET a = ? WHERE pk = ? AND b IN [?, ?]").unwrap();
        assert_eq!(parameter_count(&statement), 4);
        let Statement::Update(u) = statement else {
            panic!()
        };
        let UpdateClause::Set(_, value) = &u.clauses[0] else {
            panic!()
        };
        assert_eq!(value.kind, ExprKind::Param(0));
    }
}
