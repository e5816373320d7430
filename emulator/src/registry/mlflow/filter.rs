//! MLflow's search filter grammar for registered models and model versions, parsed as
//! MLflow's server parses it (`mlflow/utils/search_utils.py` and the SQL store's checks):
//! comparisons joined by `AND` only; an identifier is `key`, `attribute.key`, `tag.key` or
//! `tags.key` (a key may be quoted with backticks or double quotes); values are single-quoted
//! strings (`''` escapes a quote), numbers, or parenthesised lists of strings for `IN`.
//!
//! Registered models: `name` (`= != LIKE ILIKE IN NOT IN`) and tags (`= != LIKE ILIKE`).
//! Model versions add `version_number` (`= != < <= > >=`), `run_id` and `source_path`.
//! `LIKE` is case-sensitive (as MLflow documents it), `ILIKE` is not. A model without the tag
//! `mlflow.prompt.is_prompt` satisfies `!= 'true'` and `= 'false'` (MLflow's 3.x client adds
//! that clause to every registered-model search).

use super::error::{MlflowError, Result};

/// Which search the filter is for: they accept different attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    RegisteredModel,
    ModelVersion,
}

impl Entity {
    fn attributes(self) -> &'static [&'static str] {
        match self {
            Entity::RegisteredModel => &["name"],
            Entity::ModelVersion => &["name", "version_number", "run_id", "source_path"],
        }
    }

    fn list_attributes(self) -> &'static [&'static str] {
        match self {
            Entity::RegisteredModel => &["name"],
            Entity::ModelVersion => &["name", "run_id"],
        }
    }
}

const NUMERIC_ATTRIBUTES: &str =
    "{'version_number', 'creation_timestamp', 'last_updated_timestamp'}";
const PROMPT_TAG: &str = "mlflow.prompt.is_prompt";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Attribute(String),
    Tag(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    ILike,
    In,
    NotIn,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Like => "LIKE",
            Op::ILike => "ILIKE",
            Op::In => "IN",
            Op::NotIn => "NOT IN",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    List(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub key: Key,
    pub op: Op,
    pub value: Literal,
}

/// A parsed filter: every clause must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter(pub Vec<Clause>);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Number(String),
    Op(&'static str),
    Word(String),
    LParen,
    RParen,
    Comma,
}

impl Token {
    fn text(&self) -> String {
        match self {
            Token::Ident(s) | Token::Word(s) | Token::Number(s) => s.clone(),
            Token::Str(s) => format!("'{}'", s.replace('\'', "''")),
            Token::Op(s) => (*s).to_owned(),
            Token::LParen => "(".into(),
            Token::RParen => ")".into(),
            Token::Comma => ",".into(),
        }
    }
}

fn unparsable(filter: &str) -> MlflowError {
    MlflowError::invalid(format!("Error on parsing filter '{filter}'"))
}

fn quoted(chars: &[char], start: usize, quote: char) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == quote {
            if quote == '\'' && chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            return Some((out, i + 1));
        }
        out.push(chars[i]);
        i += 1;
    }
    None
}

fn lex(filter: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = filter.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let (s, next) = quoted(&chars, i, '\'').ok_or_else(|| unparsable(filter))?;
            tokens.push(Token::Str(s));
            i = next;
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            tokens.push(Token::Number(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() || c == '_' || c == '`' || c == '"' {
            // An identifier: words, dots and quoted parts, as `tags."my key"`.
            let mut text = String::new();
            let mut bare = String::new();
            while i < chars.len() {
                let c = chars[i];
                if c == '`' || c == '"' {
                    let (s, next) = quoted(&chars, i, c).ok_or_else(|| unparsable(filter))?;
                    text.push(c);
                    text.push_str(&s);
                    text.push(c);
                    i = next;
                } else if c.is_alphanumeric() || c == '_' || c == '.' {
                    text.push(c);
                    bare.push(c);
                    i += 1;
                } else {
                    break;
                }
            }
            let upper = bare.to_ascii_uppercase();
            if text == bare
                && ["AND", "OR", "LIKE", "ILIKE", "IN", "NOT", "IS", "NULL"]
                    .contains(&upper.as_str())
            {
                tokens.push(Token::Word(upper));
            } else {
                tokens.push(Token::Ident(text));
            }
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let op = match two.as_str() {
                "!=" => Some("!="),
                "<>" => Some("!="),
                "<=" => Some("<="),
                ">=" => Some(">="),
                "==" => Some("=="),
                _ => None,
            };
            if let Some(op) = op {
                tokens.push(Token::Op(op));
                i += 2;
                continue;
            }
            tokens.push(match c {
                '=' => Token::Op("="),
                '<' => Token::Op("<"),
                '>' => Token::Op(">"),
                '(' => Token::LParen,
                ')' => Token::RParen,
                ',' => Token::Comma,
                _ => return Err(unparsable(filter)),
            });
            i += 1;
        }
    }
    Ok(tokens)
}

fn strip_quotes(key: &str) -> String {
    let quoted = |q: char| key.len() >= 2 && key.starts_with(q) && key.ends_with(q);
    if quoted('`') || quoted('"') || quoted('\'') {
        key[1..key.len() - 1].to_owned()
    } else {
        key.to_owned()
    }
}

fn identifier(text: &str, entity: Entity) -> Result<Key> {
    let (kind, key) = match text.split_once('.') {
        None => ("attribute", text),
        Some((kind, key)) => (kind, key),
    };
    let key = strip_quotes(key);
    match kind {
        "tag" | "tags" => Ok(Key::Tag(key)),
        "attribute" => {
            if entity.attributes().contains(&key.as_str()) {
                Ok(Key::Attribute(key))
            } else {
                let valid: Vec<String> = entity
                    .attributes()
                    .iter()
                    .map(|a| format!("'{a}'"))
                    .collect();
                Err(MlflowError::invalid(format!(
                    "Invalid attribute key '{key}' specified. Valid keys are '{{{}}}'",
                    valid.join(", ")
                )))
            }
        }
        other => Err(MlflowError::invalid(format!(
            "Invalid entity type '{other}'. Valid entity types are ('attribute', 'tag', 'tags')"
        ))),
    }
}

/// Checks a comparison as MLflow's SQL store does, and turns its value into the literal the
/// matcher compares with.
fn checked(key: Key, op: Op, value: Token, entity: Entity) -> Result<Clause> {
    let literal = match (&key, value) {
        (Key::Tag(_), Token::Str(s)) => Literal::Str(s),
        (Key::Tag(_), other) => {
            return Err(MlflowError::invalid(format!(
                "Expected a quoted string value for tag (e.g. 'my-value'). Got value {}",
                other.text()
            )));
        }
        (Key::Attribute(_), Token::Str(s)) => Literal::Str(s),
        (Key::Attribute(a), Token::Number(n)) if entity == Entity::ModelVersion => {
            if a != "version_number" {
                return Err(MlflowError::invalid(format!(
                    "Only the '{NUMERIC_ATTRIBUTES}' attributes support comparison with numeric values."
                )));
            }
            match n.parse::<i64>() {
                Ok(v) => Literal::Int(v),
                Err(_) => {
                    return Err(MlflowError::invalid(format!(
                        "Invalid value for numeric attribute '{a}': {n}"
                    )));
                }
            }
        }
        (Key::Attribute(_), Token::LParen) => unreachable!("lists are parsed by the caller"),
        (Key::Attribute(_), other) => {
            return Err(MlflowError::invalid(format!(
                "Expected a quoted string value or a list of quoted string values for attributes. Got value {}",
                other.text()
            )));
        }
    };
    finish(key, op, literal, entity)
}

fn finish(key: Key, op: Op, literal: Literal, entity: Entity) -> Result<Clause> {
    match &key {
        Key::Tag(_) => {
            if !matches!(op, Op::Eq | Op::Ne | Op::Like | Op::ILike) {
                return Err(MlflowError::invalid(format!(
                    "Invalid comparator for tag: {}",
                    op.as_str()
                )));
            }
        }
        Key::Attribute(a) if a == "version_number" => {
            if !matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge) {
                return Err(MlflowError::invalid(format!(
                    "Invalid comparator for attribute {a}: {}",
                    op.as_str()
                )));
            }
            if let Literal::Str(s) = &literal {
                let v = s.trim().parse::<i64>().map_err(|_| {
                    MlflowError::invalid(format!(
                        "Invalid value for numeric attribute '{a}': '{s}'"
                    ))
                })?;
                return Ok(Clause {
                    key,
                    op,
                    value: Literal::Int(v),
                });
            }
        }
        Key::Attribute(a) => {
            let list_op = matches!(op, Op::In | Op::NotIn);
            let allowed = matches!(op, Op::Eq | Op::Ne | Op::Like | Op::ILike) || list_op;
            if !allowed || (list_op && !entity.list_attributes().contains(&a.as_str())) {
                return Err(MlflowError::invalid(format!(
                    "Invalid comparator for attribute: {}",
                    op.as_str()
                )));
            }
            if list_op != matches!(literal, Literal::List(_)) {
                return Err(MlflowError::invalid(format!(
                    "Invalid comparator for attribute: {}",
                    op.as_str()
                )));
            }
        }
    }
    Ok(Clause {
        key,
        op,
        value: literal,
    })
}

fn list_literal(tokens: &[Token], mut i: usize, filter: &str) -> Result<(Vec<String>, usize)> {
    let mut items = Vec::new();
    loop {
        match tokens.get(i) {
            Some(Token::Str(s)) => items.push(s.clone()),
            _ => {
                return Err(MlflowError::invalid(format!(
                    "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: {filter}"
                )));
            }
        }
        match tokens.get(i + 1) {
            Some(Token::Comma) => i += 2,
            Some(Token::RParen) => return Ok((items, i + 2)),
            _ => return Err(unparsable(filter)),
        }
    }
}

/// Parses `filter` (empty: no conditions) for a search of `entity`.
pub fn parse(filter: &str, entity: Entity) -> Result<Filter> {
    let tokens = lex(filter)?;
    let mut clauses = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !clauses.is_empty() {
            match &tokens[i] {
                Token::Word(w) if w == "AND" => i += 1,
                other => {
                    return Err(MlflowError::invalid(format!(
                        "Invalid clause(s) in filter string: {}",
                        other.text()
                    )));
                }
            }
        }
        let Some(Token::Ident(ident)) = tokens.get(i) else {
            let found = tokens.get(i).map_or_else(String::new, Token::text);
            return Err(MlflowError::invalid(format!(
                "Invalid clause(s) in filter string: {found}"
            )));
        };
        let key = identifier(ident, entity)?;
        let (op, next) = match (tokens.get(i + 1), tokens.get(i + 2)) {
            (Some(Token::Op(o)), _) => (
                match *o {
                    "=" | "==" => Op::Eq,
                    "!=" => Op::Ne,
                    "<" => Op::Lt,
                    "<=" => Op::Le,
                    ">" => Op::Gt,
                    _ => Op::Ge,
                },
                i + 2,
            ),
            (Some(Token::Word(w)), _) if w == "LIKE" => (Op::Like, i + 2),
            (Some(Token::Word(w)), _) if w == "ILIKE" => (Op::ILike, i + 2),
            (Some(Token::Word(w)), _) if w == "IN" => (Op::In, i + 2),
            (Some(Token::Word(w)), Some(Token::Word(w2))) if w == "NOT" && w2 == "IN" => {
                (Op::NotIn, i + 3)
            }
            _ => {
                return Err(MlflowError::invalid(format!(
                    "Invalid comparison clause. Expected comparison found '{}'",
                    tokens.get(i + 1).map_or_else(String::new, Token::text)
                )));
            }
        };
        match tokens.get(next) {
            Some(Token::LParen) => {
                let (items, after) = list_literal(&tokens, next + 1, filter)?;
                if let Key::Attribute(a) = &key
                    && !entity.list_attributes().contains(&a.as_str())
                {
                    let valid: Vec<String> = entity
                        .list_attributes()
                        .iter()
                        .map(|a| format!("'{a}'"))
                        .collect();
                    return Err(MlflowError::invalid(format!(
                        "Only [{}] attributes support comparison with a list of quoted string values.",
                        valid.join(", ")
                    )));
                }
                clauses.push(finish(key, op, Literal::List(items), entity)?);
                i = after;
            }
            Some(value @ (Token::Str(_) | Token::Number(_) | Token::Ident(_) | Token::Word(_))) => {
                clauses.push(checked(key, op, value.clone(), entity)?);
                i = next + 1;
            }
            _ => {
                return Err(MlflowError::invalid(format!(
                    "Invalid comparison clause. Expected value token found '{}'",
                    tokens.get(next).map_or_else(String::new, Token::text)
                )));
            }
        }
    }
    Ok(Filter(clauses))
}

/// SQL `LIKE`: `%` any run of characters, `_` any one.
fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    // matched[j]: whether the first i text characters match the first j pattern characters.
    let mut matched = vec![false; p.len() + 1];
    matched[0] = true;
    for j in 1..=p.len() {
        matched[j] = matched[j - 1] && p[j - 1] == '%';
    }
    for &tc in &t {
        let mut next = vec![false; p.len() + 1];
        for j in 1..=p.len() {
            next[j] = match p[j - 1] {
                '%' => next[j - 1] || matched[j],
                '_' => matched[j - 1],
                pc => matched[j - 1] && pc == tc,
            };
        }
        matched = next;
    }
    matched[p.len()]
}

fn compare_text(op: Op, left: &str, value: &Literal) -> bool {
    match (op, value) {
        (Op::Eq, Literal::Str(v)) => left == v,
        (Op::Ne, Literal::Str(v)) => left != v,
        (Op::Like, Literal::Str(v)) => like(left, v),
        (Op::ILike, Literal::Str(v)) => like(&left.to_lowercase(), &v.to_lowercase()),
        (Op::In, Literal::List(vs)) => vs.iter().any(|v| v == left),
        (Op::NotIn, Literal::List(vs)) => vs.iter().all(|v| v != left),
        _ => false,
    }
}

fn compare_int(op: Op, left: i64, right: i64) -> bool {
    match op {
        Op::Eq => left == right,
        Op::Ne => left != right,
        Op::Lt => left < right,
        Op::Le => left <= right,
        Op::Gt => left > right,
        Op::Ge => left >= right,
        _ => false,
    }
}

/// What a filter is checked against.
pub struct Subject<'a> {
    pub name: &'a str,
    pub version: i64,
    pub run_id: &'a str,
    pub source: &'a str,
    pub tags: &'a [(String, String)],
}

impl Filter {
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        self.0.iter().all(|clause| match &clause.key {
            Key::Attribute(a) => match (a.as_str(), &clause.value) {
                ("version_number", Literal::Int(v)) => compare_int(clause.op, subject.version, *v),
                ("name", value) => compare_text(clause.op, subject.name, value),
                ("run_id", value) => compare_text(clause.op, subject.run_id, value),
                ("source_path", value) => compare_text(clause.op, subject.source, value),
                _ => false,
            },
            Key::Tag(key) => match subject.tags.iter().find(|(k, _)| k == key) {
                Some((_, v)) => compare_text(clause.op, v, &clause.value),
                None if key == PROMPT_TAG => match (clause.op, &clause.value) {
                    (Op::Ne, Literal::Str(v)) => v == "true",
                    (Op::Eq, Literal::Str(v)) => v == "false",
                    _ => false,
                },
                None => false,
            },
        })
    }

    /// The model name an `name = '...'` clause fixes, for an index lookup.
    pub fn exact_name(&self) -> Option<&str> {
        self.0.iter().find_map(|c| match (&c.key, c.op, &c.value) {
            (Key::Attribute(a), Op::Eq, Literal::Str(v)) if a == "name" => Some(v.as_str()),
            _ => None,
        })
    }

    /// The prefix a `name LIKE 'abc%'` clause fixes, for an index range.
    pub fn name_prefix(&self) -> Option<&str> {
        self.0.iter().find_map(|c| match (&c.key, c.op, &c.value) {
            (Key::Attribute(a), Op::Like, Literal::Str(v)) if a == "name" => {
                let prefix = v.strip_suffix('%')?;
                (!prefix.contains(['%', '_'])).then_some(prefix)
            }
            _ => None,
        })
    }

    /// The `tags.key = 'value'` clauses, for the tag index.
    pub fn tag_equalities(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .filter_map(|c| match (&c.key, c.op, &c.value) {
                (Key::Tag(k), Op::Eq, Literal::Str(v)) => Some((k.as_str(), v.as_str())),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject<'a>(name: &'a str, version: i64, tags: &'a [(String, String)]) -> Subject<'a> {
        Subject {
            name,
            version,
            run_id: "r1",
            source: "s3://b/m",
            tags,
        }
    }

    #[test]
    fn the_client_s_prompt_clause_parses_and_a_missing_tag_satisfies_it() {
        let f = parse(
            "name LIKE 'fraud%' AND tag.`mlflow.prompt.is_prompt` != 'true'",
            Entity::RegisteredModel,
        )
        .unwrap();
        assert_eq!(f.0.len(), 2);
        assert_eq!(f.0[1].key, Key::Tag("mlflow.prompt.is_prompt".into()));
        assert!(f.matches(&subject("fraud-v2", 1, &[])));
        let prompt = [("mlflow.prompt.is_prompt".to_owned(), "true".to_owned())];
        assert!(!f.matches(&subject("fraud-v2", 1, &prompt)));
        assert!(
            !f.matches(&subject("Fraud", 1, &[])),
            "LIKE is case-sensitive"
        );
        assert_eq!(f.name_prefix(), Some("fraud"));
    }

    #[test]
    fn version_filters_compare_numbers_and_lists() {
        let tags = [("team".to_owned(), "risk".to_owned())];
        let f = parse(
            "name IN ('a', 'b') AND version_number >= 2 AND tags.team = 'risk' AND run_id = 'r1'",
            Entity::ModelVersion,
        )
        .unwrap();
        assert!(f.matches(&subject("b", 2, &tags)));
        assert!(!f.matches(&subject("b", 1, &tags)));
        assert!(!f.matches(&subject("c", 3, &tags)));
        assert_eq!(f.tag_equalities(), vec![("team", "risk")]);
        let quoted = parse(
            "version_number = '3' AND name ILIKE 'A%'",
            Entity::ModelVersion,
        )
        .unwrap();
        assert!(quoted.matches(&subject("abc", 3, &[])));
        assert_eq!(quoted.exact_name(), None);
    }

    #[test]
    fn refusals_carry_mlflow_s_texts() {
        let cases = [
            (
                "name = 'a' OR name = 'b'",
                Entity::RegisteredModel,
                "Invalid clause(s) in filter string: OR",
            ),
            (
                "bogus = 'x'",
                Entity::RegisteredModel,
                "Invalid attribute key 'bogus' specified. Valid keys are '{'name'}'",
            ),
            (
                "metric.x = 'x'",
                Entity::ModelVersion,
                "Invalid entity type 'metric'. Valid entity types are ('attribute', 'tag', 'tags')",
            ),
            (
                "tags.t = 5",
                Entity::ModelVersion,
                "Expected a quoted string value for tag (e.g. 'my-value'). Got value 5",
            ),
            (
                "tags.t > 'a'",
                Entity::ModelVersion,
                "Invalid comparator for tag: >",
            ),
            (
                "version_number LIKE '1'",
                Entity::ModelVersion,
                "Invalid comparator for attribute version_number: LIKE",
            ),
            (
                "name > 'a'",
                Entity::RegisteredModel,
                "Invalid comparator for attribute: >",
            ),
            (
                "source_path IN ('a')",
                Entity::ModelVersion,
                "Only ['name', 'run_id'] attributes support comparison with a list of quoted string values.",
            ),
            (
                "name = 'unterminated",
                Entity::RegisteredModel,
                "Error on parsing filter 'name = 'unterminated'",
            ),
        ];
        for (filter, entity, message) in cases {
            let e = parse(filter, entity).unwrap_err();
            assert_eq!(e.message, message, "{filter}");
        }
        assert_eq!(parse("", Entity::ModelVersion).unwrap(), Filter::default());
    }

    #[test]
    fn like_handles_both_wildcards() {
        assert!(like("fraud-v2", "fr%v_"));
        assert!(like("", "%"));
        assert!(!like("fraud", "fraud_"));
        assert!(like("a%b", "a%b"));
    }
}
