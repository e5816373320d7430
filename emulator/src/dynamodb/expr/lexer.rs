//! Tokens of the expression language, and the service's syntax-error text.
//!
//! The service's lexer (checked against DynamoDB Local 3.3.1):
//! - names are `[a-zA-Z][a-zA-Z0-9_]*`; `AND OR NOT BETWEEN IN SET REMOVE ADD DELETE` are
//!   keywords in any case, in every kind of expression (`add = b` is a syntax error even in a
//!   condition);
//! - `#[a-zA-Z0-9_]+` and `:[a-zA-Z0-9_]+` are placeholders (`#1`, `:_` are valid);
//! - list indexes are `0` or `[1-9][0-9]*`, so `a[01]` lexes as `0`, `1`;
//! - `=`, `<>`, `<`, `<=`, `>`, `>=`, `(`, `)`, `[`, `]`, `,`, `.`, `+`, `-`;
//! - spaces, tabs, carriage returns and line feeds separate tokens;
//! - any other character (`_`, `!`, `$`, `'`, `é`, a lone `#` or `:`) is a token of its own
//!   that no rule accepts, so it is reported as the offending token.

use super::super::error::DynamoError;
use super::ExpressionKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Ident,
    NamePlaceholder,
    ValuePlaceholder,
    Number,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Plus,
    Minus,
    And,
    Or,
    Not,
    Between,
    In,
    Set,
    Remove,
    Add,
    Delete,
    /// A character no rule of the grammar accepts.
    Unknown,
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: u32,
    pub end: u32,
}

/// Splits `src` into tokens, ending with one `Eof` token whose span is empty at the end.
pub(crate) fn tokenize(src: &str) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::with_capacity(src.len() / 3 + 2);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'a'..=b'z' | b'A'..=b'Z' => {
                i = word_end(bytes, i + 1);
                keyword(&bytes[start..i]).unwrap_or(Tok::Ident)
            }
            b'#' | b':' if i + 1 < bytes.len() && is_word_byte(bytes[i + 1]) => {
                i = word_end(bytes, i + 1);
                if b == b'#' {
                    Tok::NamePlaceholder
                } else {
                    Tok::ValuePlaceholder
                }
            }
            b'0' => {
                i += 1;
                Tok::Number
            }
            b'1'..=b'9' => {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                Tok::Number
            }
            b'<' => match bytes.get(i + 1) {
                Some(b'>') => {
                    i += 2;
                    Tok::Ne
                }
                Some(b'=') => {
                    i += 2;
                    Tok::Le
                }
                _ => {
                    i += 1;
                    Tok::Lt
                }
            },
            b'>' => {
                if bytes.get(i + 1) == Some(&b'=') {
                    i += 2;
                    Tok::Ge
                } else {
                    i += 1;
                    Tok::Gt
                }
            }
            _ => {
                let kind = match b {
                    b'=' => Tok::Eq,
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    b'[' => Tok::LBracket,
                    b']' => Tok::RBracket,
                    b',' => Tok::Comma,
                    b'.' => Tok::Dot,
                    b'+' => Tok::Plus,
                    b'-' => Tok::Minus,
                    _ => Tok::Unknown,
                };
                // One character, however many bytes it takes.
                i += src[i..].chars().next().map_or(1, char::len_utf8);
                kind
            }
        };
        tokens.push(Token {
            kind,
            start: start as u32,
            end: i as u32,
        });
    }
    let end = src.len() as u32;
    tokens.push(Token {
        kind: Tok::Eof,
        start: end,
        end,
    });
    tokens
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_word_byte(bytes[i]) {
        i += 1;
    }
    i
}

fn keyword(word: &[u8]) -> Option<Tok> {
    let is = |kw: &[u8]| word.eq_ignore_ascii_case(kw);
    Some(match word.len() {
        2 if is(b"OR") => Tok::Or,
        2 if is(b"IN") => Tok::In,
        3 if is(b"AND") => Tok::And,
        3 if is(b"NOT") => Tok::Not,
        3 if is(b"SET") => Tok::Set,
        3 if is(b"ADD") => Tok::Add,
        6 if is(b"REMOVE") => Tok::Remove,
        6 if is(b"DELETE") => Tok::Delete,
        7 if is(b"BETWEEN") => Tok::Between,
        _ => return None,
    })
}

/// "Invalid <Kind>: Syntax error; token: "<tok>", near: "<context>"".
///
/// The context runs from the start of the token before the offending one (or the start of
/// the input) to the end of the token after it (or the end of the input), whitespace
/// included, as the service quotes it: `a = = b` → token `=`, near `= = b`; `a = b c  ` →
/// token `c`, near `b c  `.
pub(crate) fn syntax_error(
    kind: ExpressionKind,
    src: &str,
    tokens: &[Token],
    at: usize,
) -> DynamoError {
    let tok = tokens[at];
    let text = if tok.kind == Tok::Eof {
        "<EOF>"
    } else {
        &src[tok.start as usize..tok.end as usize]
    };
    let near_start = if at > 0 {
        tokens[at - 1].start as usize
    } else {
        0
    };
    // The end-of-input token ends at the end of the input, after any trailing whitespace.
    let near_end = tokens
        .get(at + 1)
        .map_or(src.len(), |next| next.end as usize);
    DynamoError::validation(format!(
        "Invalid {}: Syntax error; token: \"{}\", near: \"{}\"",
        kind.name(),
        text,
        &src[near_start..near_end]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Tok, &str)> {
        tokenize(src)
            .into_iter()
            .map(|t| (t.kind, &src[t.start as usize..t.end as usize]))
            .collect()
    }

    #[test]
    fn tokens() {
        use Tok::*;
        assert_eq!(
            kinds("a.b1_[10] <> #n AND :v_1<=x"),
            vec![
                (Ident, "a"),
                (Dot, "."),
                (Ident, "b1_"),
                (LBracket, "["),
                (Number, "10"),
                (RBracket, "]"),
                (Ne, "<>"),
                (NamePlaceholder, "#n"),
                (And, "AND"),
                (ValuePlaceholder, ":v_1"),
                (Le, "<="),
                (Ident, "x"),
                (Eof, ""),
            ]
        );
        assert_eq!(
            kinds("01 _a # :: é=="),
            vec![
                (Number, "0"),
                (Number, "1"),
                (Unknown, "_"),
                (Ident, "a"),
                (Unknown, "#"),
                (Unknown, ":"),
                (Unknown, ":"),
                (Unknown, "é"),
                (Eq, "="),
                (Eq, "="),
                (Eof, ""),
            ]
        );
        assert_eq!(
            kinds("set Remove aDd DELETE between In not Or and"),
            vec![
                (Set, "set"),
                (Remove, "Remove"),
                (Add, "aDd"),
                (Delete, "DELETE"),
                (Between, "between"),
                (In, "In"),
                (Not, "not"),
                (Or, "Or"),
                (And, "and"),
                (Eof, ""),
            ]
        );
    }

    fn error_at(src: &str, at: usize) -> String {
        let tokens = tokenize(src);
        syntax_error(ExpressionKind::Filter, src, &tokens, at).message
    }

    #[test]
    fn syntax_error_context() {
        // Texts from DynamoDB Local.
        assert_eq!(
            error_at("a = = b", 2),
            r#"Invalid FilterExpression: Syntax error; token: "=", near: "= = b""#
        );
        assert_eq!(
            error_at("a = b AND", 4),
            r#"Invalid FilterExpression: Syntax error; token: "<EOF>", near: "AND""#
        );
        assert_eq!(
            error_at("   ", 0),
            r#"Invalid FilterExpression: Syntax error; token: "<EOF>", near: "   ""#
        );
        assert_eq!(
            error_at("  _a = b", 0),
            r#"Invalid FilterExpression: Syntax error; token: "_", near: "  _a""#
        );
        assert_eq!(
            error_at("a =   ", 2),
            r#"Invalid FilterExpression: Syntax error; token: "<EOF>", near: "=   ""#
        );
        assert_eq!(
            error_at("a = b c  ", 3),
            r#"Invalid FilterExpression: Syntax error; token: "c", near: "b c  ""#
        );
        assert_eq!(
            error_at("a = :vé", 3),
            r#"Invalid FilterExpression: Syntax error; token: "é", near: ":vé""#
        );
    }
}
