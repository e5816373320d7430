//! Tokens of DynamoDB's PartiQL subset.
//!
//! - Keywords and bare names: `[a-zA-Z_$][a-zA-Z0-9_$]*`; keywords in any case, names as
//!   written (attribute and table names are case-sensitive).
//! - `"quoted names"` (`""` stands for `"`), `'strings'` (`''` stands for `'`).
//! - Numbers: `12`, `1.5`, `.5`, `1e3`, `1.5E-2` (a sign is an operator of its own).
//! - `` `ion` `` literals, which DynamoDB refuses by name once parsed.
//! - `?` parameters, `<<` `>>` bag brackets, comparison operators (`=`, `<>`, `!=`, `<`,
//!   `<=`, `>`, `>=`) and punctuation.
//! - `--` comments run to the end of the line, `/* ... */` comments may span lines.
//!
//! Every token records where it starts (line and column, from 1) and how many characters
//! it spans: the service's messages locate problems as `line:column:length`.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A bare word: a keyword or a name.
    Word(String),
    /// A `"quoted"` name, unescaped.
    Quoted(String),
    /// A `'string'`, unescaped.
    Str(String),
    /// A number as written.
    Number(String),
    /// An `` `ion` `` literal's text.
    Ion(String),
    Param,
    Star,
    Comma,
    Dot,
    Colon,
    Semicolon,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LBag,
    RBag,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Eof,
}

/// Where a token stands in the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub length: u32,
}

/// The service's `line:column:length`.
impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.line, self.column, self.length)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

impl Token {
    /// Whether the token is the keyword `word` (in any case).
    pub fn is_keyword(&self, word: &str) -> bool {
        matches!(&self.tok, Tok::Word(w) if w.eq_ignore_ascii_case(word))
    }
}

/// The statement does not split into tokens (an unclosed string, a stray character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexError;

/// Splits `src` into tokens, ending with one `Eof`.
pub fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut line = 1u32;
    let mut line_start = 0usize;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let next = chars.get(i + 1).copied();
        let tok = match c {
            '\n' => {
                i += 1;
                line += 1;
                line_start = i;
                continue;
            }
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                i += 2;
                loop {
                    match chars.get(i) {
                        None => return Err(LexError),
                        Some('*') if chars.get(i + 1) == Some(&'/') => {
                            i += 2;
                            break;
                        }
                        Some('\n') => {
                            i += 1;
                            line += 1;
                            line_start = i;
                        }
                        Some(_) => i += 1,
                    }
                }
                continue;
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '$')
                {
                    i += 1;
                }
                Tok::Word(chars[start..i].iter().collect())
            }
            '"' | '\'' => {
                let (text, end) = quoted(&chars, i, c)?;
                i = end;
                if c == '"' {
                    Tok::Quoted(text)
                } else {
                    Tok::Str(text)
                }
            }
            '`' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '`')
                    .ok_or(LexError)?;
                i += close + 2;
                Tok::Ion(chars[start + 1..i - 1].iter().collect())
            }
            c if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) => {
                i = number_end(&chars, i)?;
                Tok::Number(chars[start..i].iter().collect())
            }
            _ => {
                let (tok, len) = punctuation(c, next).ok_or(LexError)?;
                i += len;
                tok
            }
        };
        tokens.push(Token {
            tok,
            span: span(line, start - line_start, i - start),
        });
    }
    tokens.push(Token {
        tok: Tok::Eof,
        span: span(line, chars.len() - line_start, 0),
    });
    Ok(tokens)
}

fn span(line: u32, offset: usize, length: usize) -> Span {
    Span {
        line,
        column: u32::try_from(offset + 1).unwrap_or(u32::MAX),
        length: u32::try_from(length).unwrap_or(u32::MAX),
    }
}

/// A quoted string or name starting at `start` (its opening `quote`): the text and the
/// position after the closing quote. A doubled quote stands for one.
fn quoted(chars: &[char], start: usize, quote: char) -> Result<(String, usize), LexError> {
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err(LexError),
            Some(&c) if c == quote => {
                if chars.get(i + 1) == Some(&quote) {
                    text.push(quote);
                    i += 2;
                } else {
                    return Ok((text, i + 1));
                }
            }
            Some(&c) => {
                text.push(c);
                i += 1;
            }
        }
    }
}

/// The end of the number starting at `i`: digits, an optional fraction, an optional
/// exponent. A letter right after it (`1.5d`) makes the statement malformed.
fn number_end(chars: &[char], mut i: usize) -> Result<usize, LexError> {
    let digits = |i: &mut usize| {
        let from = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    digits(&mut i);
    if chars.get(i) == Some(&'.') {
        i += 1;
        digits(&mut i);
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        i += 1;
        if matches!(chars.get(i), Some('+' | '-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return Err(LexError);
        }
    }
    if chars
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
    {
        return Err(LexError);
    }
    Ok(i)
}

fn punctuation(c: char, next: Option<char>) -> Option<(Tok, usize)> {
    Some(match (c, next) {
        ('<', Some('<')) => (Tok::LBag, 2),
        ('>', Some('>')) => (Tok::RBag, 2),
        ('<', Some('=')) => (Tok::Le, 2),
        ('>', Some('=')) => (Tok::Ge, 2),
        ('<', Some('>')) | ('!', Some('=')) => (Tok::Ne, 2),
        ('<', _) => (Tok::Lt, 1),
        ('>', _) => (Tok::Gt, 1),
        ('=', _) => (Tok::Eq, 1),
        ('?', _) => (Tok::Param, 1),
        ('*', _) => (Tok::Star, 1),
        (',', _) => (Tok::Comma, 1),
        ('.', _) => (Tok::Dot, 1),
        (':', _) => (Tok::Colon, 1),
        (';', _) => (Tok::Semicolon, 1),
        ('(', _) => (Tok::LParen, 1),
        (')', _) => (Tok::RParen, 1),
        ('[', _) => (Tok::LBracket, 1),
        (']', _) => (Tok::RBracket, 1),
        ('{', _) => (Tok::LBrace, 1),
        ('}', _) => (Tok::RBrace, 1),
        ('+', _) => (Tok::Plus, 1),
        ('-', _) => (Tok::Minus, 1),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn splits_statements_into_tokens() {
        assert_eq!(
            toks("SELECT * FROM \"t\".\"i\" WHERE a<>'it''s' AND b<=? --x\n"),
            vec![
                Tok::Word("SELECT".into()),
                Tok::Star,
                Tok::Word("FROM".into()),
                Tok::Quoted("t".into()),
                Tok::Dot,
                Tok::Quoted("i".into()),
                Tok::Word("WHERE".into()),
                Tok::Word("a".into()),
                Tok::Ne,
                Tok::Str("it's".into()),
                Tok::Word("AND".into()),
                Tok::Word("b".into()),
                Tok::Le,
                Tok::Param,
                Tok::Eof,
            ]
        );
        assert_eq!(
            toks("<<1,.5,-2e3>> != /* c */ `x`"),
            vec![
                Tok::LBag,
                Tok::Number("1".into()),
                Tok::Comma,
                Tok::Number(".5".into()),
                Tok::Comma,
                Tok::Minus,
                Tok::Number("2e3".into()),
                Tok::RBag,
                Tok::Ne,
                Tok::Ion("x".into()),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn spans_count_characters_from_one() {
        let tokens = tokenize("SELECT *\n  FROM 'é' x").unwrap();
        let spans: Vec<String> = tokens.iter().map(|t| t.span.to_string()).collect();
        assert_eq!(
            spans,
            ["1:1:6", "1:8:1", "2:3:4", "2:8:3", "2:12:1", "2:13:0"]
        );
    }

    #[test]
    fn malformed_input_does_not_tokenize() {
        for src in ["'open", "\"open", "1.5d", "1e", "a @ b", "/* open", "`open"] {
            assert_eq!(tokenize(src), Err(LexError), "{src}");
        }
    }
}
