//! The lexer: source text to tokens and comments.
//!
//! This is the first step of [`super::parse`]. It follows the reference
//! lexer (google/jsonnet `core/lexer.cpp`, v0.22) rule for rule, because the
//! Jsonnet reference reports lexing errors before any syntax error, and the
//! conformance suite compares the wording and the position of both:
//!
//! - The whole file is lexed before parsing starts, so an unterminated string
//!   at the end of a file wins over a missing comma at its start. The lexer
//!   here is streaming, but [`super::parser`] drains it before reporting a
//!   syntax error, which gives the same result.
//! - Operators are maximal runs of symbol characters (`!$:~+-&|^=<>*/%`),
//!   wound back so that they do not end in `+ - ~ ! $` unless they are one
//!   character long: `a=-1` is `a`, `=`, `-`, `1`, but `a+:b` has the one
//!   operator `+:` (which the parser then rejects).
//! - A NUL byte ends the input, as it ends the C string the reference lexes.
//!
//! Tokens carry their kind and byte range only. What the reference calls a
//! token's "data" (the identifier, the number without `_`, a string's raw
//! contents) is computed from the range when an error message needs it
//! ([`Lexer::data`]).

use std::borrow::Cow;
use std::fmt;

use crate::ast::{Comment, CommentKind};
use crate::span::{FileId, Span};

/// The kinds of token, named and printed as the reference prints them in
/// messages such as `unexpected: "." while parsing terminal`. Keywords are
/// their own kinds; every operator (`+`, `:`, `::`, `=`, `+:`, …) is an
/// [`TokenKind::Operator`] whose text is the token's span.
#[allow(missing_docs)] // The variant names are the tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    BraceL,
    BraceR,
    BracketL,
    BracketR,
    Comma,
    Dollar,
    Dot,
    ParenL,
    ParenR,
    Semicolon,
    Identifier,
    Number,
    Operator,
    StringSingle,
    StringDouble,
    VerbatimSingle,
    VerbatimDouble,
    StringBlock,
    Assert,
    Else,
    Error,
    False,
    For,
    Function,
    If,
    Import,
    Importstr,
    Importbin,
    In,
    Local,
    Null,
    SelfKw,
    Super,
    Tailstrict,
    Then,
    True,
    EndOfFile,
}

impl TokenKind {
    /// The reference's name for the kind (`Token::toString`).
    pub fn name(self) -> &'static str {
        match self {
            TokenKind::BraceL => "\"{\"",
            TokenKind::BraceR => "\"}\"",
            TokenKind::BracketL => "\"[\"",
            TokenKind::BracketR => "\"]\"",
            TokenKind::Comma => "\",\"",
            TokenKind::Dollar => "\"$\"",
            TokenKind::Dot => "\".\"",
            TokenKind::ParenL => "\"(\"",
            TokenKind::ParenR => "\")\"",
            TokenKind::Semicolon => "\";\"",
            TokenKind::Identifier => "IDENTIFIER",
            TokenKind::Number => "NUMBER",
            TokenKind::Operator => "OPERATOR",
            TokenKind::StringSingle => "STRING_SINGLE",
            TokenKind::StringDouble => "STRING_DOUBLE",
            TokenKind::VerbatimSingle => "VERBATIM_STRING_SINGLE",
            TokenKind::VerbatimDouble => "VERBATIM_STRING_DOUBLE",
            TokenKind::StringBlock => "STRING_BLOCK",
            TokenKind::Assert => "assert",
            TokenKind::Else => "else",
            TokenKind::Error => "error",
            TokenKind::False => "false",
            TokenKind::For => "for",
            TokenKind::Function => "function",
            TokenKind::If => "if",
            TokenKind::Import => "import",
            TokenKind::Importstr => "importstr",
            TokenKind::Importbin => "importbin",
            TokenKind::In => "in",
            TokenKind::Local => "local",
            TokenKind::Null => "null",
            TokenKind::SelfKw => "self",
            TokenKind::Super => "super",
            TokenKind::Tailstrict => "tailstrict",
            TokenKind::Then => "then",
            TokenKind::True => "true",
            TokenKind::EndOfFile => "end of file",
        }
    }

    fn keyword(text: &[u8]) -> Option<TokenKind> {
        Some(match text {
            b"assert" => TokenKind::Assert,
            b"else" => TokenKind::Else,
            b"error" => TokenKind::Error,
            b"false" => TokenKind::False,
            b"for" => TokenKind::For,
            b"function" => TokenKind::Function,
            b"if" => TokenKind::If,
            b"import" => TokenKind::Import,
            b"importstr" => TokenKind::Importstr,
            b"importbin" => TokenKind::Importbin,
            b"in" => TokenKind::In,
            b"local" => TokenKind::Local,
            b"null" => TokenKind::Null,
            b"self" => TokenKind::SelfKw,
            b"super" => TokenKind::Super,
            b"tailstrict" => TokenKind::Tailstrict,
            b"then" => TokenKind::Then,
            b"true" => TokenKind::True,
            _ => return None,
        })
    }
}

/// Whether the text is one of the reserved words.
pub(crate) fn is_keyword(text: &[u8]) -> bool {
    TokenKind::keyword(text).is_some()
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A token: its kind and its byte range in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What kind of token.
    pub kind: TokenKind,
    /// The offset of its first byte.
    pub start: u32,
    /// The offset after its last byte.
    pub end: u32,
}

/// A lexing error: the offset the reference reports it at, and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub(crate) offset: u32,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl LexError {
    fn new(offset: usize, code: &'static str, message: impl Into<String>) -> LexError {
        LexError {
            offset: offset as u32,
            code,
            message: message.into(),
        }
    }
}

/// Streams the tokens of a file and collects its comments on the way.
pub(crate) struct Lexer<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    file: FileId,
    comments: Vec<Comment>,
    /// The last run of symbol characters seen, as `(start, end, last
    /// allowed end)`; see [`Lexer::operator_end`].
    symbol_run: (usize, usize, usize),
}

fn is_horizontal_ws(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r')
}

fn is_identifier_first(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_identifier(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn is_symbol(byte: u8) -> bool {
    matches!(
        byte,
        b'!' | b'$'
            | b':'
            | b'~'
            | b'+'
            | b'-'
            | b'&'
            | b'|'
            | b'^'
            | b'='
            | b'<'
            | b'>'
            | b'*'
            | b'/'
            | b'%'
    )
}

/// The reference does not let an operator of two or more characters end in
/// one of these, so that `a=-1` and `x+!y` lex as expected.
fn allowed_at_end_of_operator(byte: u8) -> bool {
    !matches!(byte, b'+' | b'-' | b'~' | b'!' | b'$')
}

impl<'s> Lexer<'s> {
    /// A lexer over `src` (up to its first NUL byte, like the reference).
    pub(crate) fn new(src: &'s str, file: FileId) -> Lexer<'s> {
        let end = memchr_nul(src.as_bytes());
        let src = &src[..end];
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            file,
            comments: Vec::new(),
            symbol_run: (0, 0, 0),
        }
    }

    /// The text being lexed (the file up to its first NUL byte).
    pub(crate) fn source(&self) -> &'s str {
        self.src
    }

    /// The comments seen so far, in source order.
    pub(crate) fn take_comments(&mut self) -> Vec<Comment> {
        std::mem::take(&mut self.comments)
    }

    /// The byte at `index`, or 0 past the end (the reference reads a C
    /// string, so the end looks like a NUL byte).
    #[inline]
    fn at(&self, index: usize) -> u8 {
        self.bytes.get(index).copied().unwrap_or(0)
    }

    /// The character at `index` as the reference would print it in a
    /// message (`<< *c`): nothing at the end of the input.
    fn char_for_message(&self, index: usize) -> String {
        match self.src.get(index..).and_then(|rest| rest.chars().next()) {
            Some(ch) => ch.to_string(),
            None => String::new(),
        }
    }

    /// The next token. At the end of the input this returns an end-of-file
    /// token, again and again.
    /// Lexes no more: every later token is the end of the file. The
    /// recovering parse calls this after a lexing error, since the text
    /// after a bad token cannot be split reliably.
    pub(crate) fn stop(&mut self) {
        self.pos = self.src.len();
    }

    pub(crate) fn next_token(&mut self) -> Result<Token, LexError> {
        loop {
            while is_horizontal_ws(self.at(self.pos)) || self.at(self.pos) == b'\n' {
                self.pos += 1;
            }
            let start = self.pos;
            if start >= self.bytes.len() {
                return Ok(Token {
                    kind: TokenKind::EndOfFile,
                    start: start as u32,
                    end: start as u32,
                });
            }
            let byte = self.bytes[start];
            let single = |kind| Some(kind);
            let simple = match byte {
                b'{' => single(TokenKind::BraceL),
                b'}' => single(TokenKind::BraceR),
                b'[' => single(TokenKind::BracketL),
                b']' => single(TokenKind::BracketR),
                b',' => single(TokenKind::Comma),
                b'.' => single(TokenKind::Dot),
                b'(' => single(TokenKind::ParenL),
                b')' => single(TokenKind::ParenR),
                b';' => single(TokenKind::Semicolon),
                _ => None,
            };
            if let Some(kind) = simple {
                self.pos += 1;
                return Ok(self.token(kind, start));
            }
            let kind = match byte {
                b'0'..=b'9' => {
                    self.pos = lex_number(self.bytes, start)
                        .map_err(|message| LexError::new(start, codes::INVALID_NUMBER, message))?;
                    TokenKind::Number
                }
                b'"' | b'\'' => {
                    self.pos = self.quoted(start, byte)?;
                    if byte == b'"' {
                        TokenKind::StringDouble
                    } else {
                        TokenKind::StringSingle
                    }
                }
                b'@' => {
                    let quote = self.at(start + 1);
                    if quote != b'"' && quote != b'\'' {
                        let junk = self.char_for_message(start + 1);
                        return Err(LexError::new(
                            start,
                            codes::INVALID_STRING,
                            format!("couldn't lex verbatim string, junk after '@': {junk}"),
                        ));
                    }
                    self.pos = self.verbatim(start, quote)?;
                    if quote == b'"' {
                        TokenKind::VerbatimDouble
                    } else {
                        TokenKind::VerbatimSingle
                    }
                }
                _ if is_identifier_first(byte) => {
                    let mut end = start + 1;
                    while is_identifier(self.at(end)) {
                        end += 1;
                    }
                    self.pos = end;
                    TokenKind::keyword(&self.bytes[start..end]).unwrap_or(TokenKind::Identifier)
                }
                b'#' => {
                    self.line_comment(start, 1, CommentKind::Hash);
                    continue;
                }
                b'/' if self.at(start + 1) == b'/' => {
                    self.line_comment(start, 2, CommentKind::Slash);
                    continue;
                }
                b'/' if self.at(start + 1) == b'*' => {
                    self.block_comment(start)?;
                    continue;
                }
                b'|' if self.at(start + 1) == b'|' && self.at(start + 2) == b'|' => {
                    let block =
                        scan_text_block(self.bytes, start, false).map_err(|err| LexError {
                            offset: start as u32,
                            code: codes::TEXT_BLOCK,
                            message: err,
                        })?;
                    self.pos = block.end;
                    TokenKind::StringBlock
                }
                _ if is_symbol(byte) => {
                    self.pos = self.operator_end(start);
                    if &self.bytes[start..self.pos] == b"$" {
                        TokenKind::Dollar
                    } else {
                        TokenKind::Operator
                    }
                }
                _ => {
                    let message = if !(32..128).contains(&byte) {
                        format!("Could not lex the character code {byte}")
                    } else {
                        format!("Could not lex the character '{}'", byte as char)
                    };
                    return Err(LexError::new(start, codes::INVALID_CHARACTER, message));
                }
            };
            return Ok(self.token(kind, start));
        }
    }

    fn token(&self, kind: TokenKind, start: usize) -> Token {
        Token {
            kind,
            start: start as u32,
            end: self.pos as u32,
        }
    }

    /// A `"…"` or `'…'` string from its opening quote; returns the offset
    /// after the closing quote. A backslash always takes the next character
    /// with it, whatever it is; escapes are checked later (see
    /// [`super::literal::unescape`]).
    fn quoted(&self, start: usize, quote: u8) -> Result<usize, LexError> {
        let mut index = start + 1;
        loop {
            // Jump to the next quote or backslash.
            let rest = &self.bytes[index.min(self.bytes.len())..];
            match rest.iter().position(|&b| b == quote || b == b'\\') {
                None => {
                    return Err(LexError::new(
                        start,
                        codes::UNTERMINATED_STRING,
                        "unterminated string",
                    ))
                }
                Some(found) => {
                    index += found;
                    if self.bytes[index] == quote {
                        return Ok(index + 1);
                    }
                    // A backslash: skip it and the next byte, if any.
                    index += if index + 1 < self.bytes.len() { 2 } else { 1 };
                }
            }
        }
    }

    /// A verbatim string `@"…"` / `@'…'`, where a doubled quote stands for
    /// one quote.
    fn verbatim(&self, start: usize, quote: u8) -> Result<usize, LexError> {
        let mut index = start + 2;
        loop {
            let rest = &self.bytes[index.min(self.bytes.len())..];
            match rest.iter().position(|&b| b == quote) {
                None => {
                    return Err(LexError::new(
                        start,
                        codes::UNTERMINATED_STRING,
                        "unterminated verbatim string",
                    ));
                }
                Some(found) => {
                    index += found;
                    if self.at(index + 1) == quote {
                        index += 2;
                    } else {
                        return Ok(index + 1);
                    }
                }
            }
        }
    }

    fn line_comment(&mut self, start: usize, delimiter: usize, kind: CommentKind) {
        let rest = &self.bytes[start..];
        let mut end = start + memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        self.pos = end;
        // The span stops before the line break, `\r\n` included.
        if end > start + delimiter && self.bytes[end - 1] == b'\r' {
            end -= 1;
        }
        self.comments.push(Comment {
            span: Span::new(self.file, start, end),
            kind,
            text: self.src[start + delimiter..end].to_string(),
        });
    }

    fn block_comment(&mut self, start: usize) -> Result<(), LexError> {
        // Skip the `/*` before looking for `*/`, so `/*/` does not close.
        let body = start + 2;
        let Some(found) = find(&self.bytes[body..], b"*/") else {
            return Err(LexError::new(
                start,
                codes::UNTERMINATED_COMMENT,
                "multi-line comment has no terminating */.",
            ));
        };
        let end = body + found + 2;
        self.pos = end;
        self.comments.push(Comment {
            span: Span::new(self.file, start, end),
            kind: CommentKind::Block,
            text: self.src[body..body + found].to_string(),
        });
        Ok(())
    }

    /// The end of the operator starting at `start`: the run of symbol
    /// characters (stopping before `//`, `/*` and `|||`), wound back to its
    /// last character that may end an operator, but at least one character.
    ///
    /// A run splits into several operators when it ends in `+ - ~ ! $`
    /// (`a=-1`). Scanning the run again for each of them would be quadratic
    /// (a million `-` in a row), so the run's end, and the end of its last
    /// operator, are kept for the next call.
    fn operator_end(&mut self, start: usize) -> usize {
        let (run_start, run_end, last_allowed) = self.symbol_run;
        if !(run_start <= start && start < run_end) {
            let mut end = start;
            let mut last_allowed = start;
            while is_symbol(self.at(end)) {
                let (next, after) = (self.at(end + 1), self.at(end + 2));
                let here = self.at(end);
                if here == b'/' && (next == b'/' || next == b'*') {
                    break;
                }
                if here == b'|' && next == b'|' && after == b'|' {
                    break;
                }
                end += 1;
                if allowed_at_end_of_operator(here) {
                    last_allowed = end;
                }
            }
            self.symbol_run = (start, end, last_allowed);
            return last_allowed.max(start + 1);
        }
        // The run's stopping points depend only on the bytes, so the run
        // seen from a later start ends at the same place.
        last_allowed.max(start + 1)
    }

    /// The reference's "data" of a token, for messages and duplicate-field
    /// detection: the text of identifiers, keywords and operators, a number
    /// without its `_` separators, the raw contents of a quoted string, a
    /// verbatim string with its doubled quotes undoubled, a text block's
    /// value, and nothing for punctuation and the end of the file.
    pub(crate) fn data(&self, token: Token) -> Cow<'s, str> {
        let (start, end) = (token.start as usize, token.end as usize);
        let text = &self.src[start..end];
        match token.kind {
            TokenKind::BraceL
            | TokenKind::BraceR
            | TokenKind::BracketL
            | TokenKind::BracketR
            | TokenKind::Comma
            | TokenKind::Dollar
            | TokenKind::Dot
            | TokenKind::ParenL
            | TokenKind::ParenR
            | TokenKind::Semicolon
            | TokenKind::EndOfFile => Cow::Borrowed(""),
            TokenKind::Number if text.contains('_') => Cow::Owned(text.replace('_', "")),
            TokenKind::StringSingle | TokenKind::StringDouble => {
                Cow::Borrowed(&text[1..text.len() - 1])
            }
            TokenKind::VerbatimSingle | TokenKind::VerbatimDouble => {
                super::literal::verbatim_value(&text[2..text.len() - 1], text.as_bytes()[1])
            }
            TokenKind::StringBlock => match scan_text_block(self.bytes, start, true) {
                Ok(block) => Cow::Owned(block.value),
                Err(_) => Cow::Borrowed(""),
            },
            _ => Cow::Borrowed(text),
        }
    }

    /// The token as the reference prints it in `expected … but got TOKEN`
    /// and `did not expect: TOKEN`.
    pub(crate) fn describe(&self, token: Token) -> String {
        let data = self.data(token);
        if data.is_empty() {
            token.kind.name().to_string()
        } else if token.kind == TokenKind::Operator {
            format!("\"{data}\"")
        } else {
            format!("({}, \"{data}\")", token.kind.name())
        }
    }
}

fn memchr_nul(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Diagnostic codes of the lexer.
pub(crate) mod codes {
    pub(crate) const INVALID_NUMBER: &str = "kcfg::syntax::invalid_number";
    pub(crate) const INVALID_STRING: &str = "kcfg::syntax::invalid_string";
    pub(crate) const UNTERMINATED_STRING: &str = "kcfg::syntax::unterminated_string";
    pub(crate) const UNTERMINATED_COMMENT: &str = "kcfg::syntax::unterminated_comment";
    pub(crate) const TEXT_BLOCK: &str = "kcfg::syntax::text_block";
    pub(crate) const INVALID_CHARACTER: &str = "kcfg::syntax::invalid_character";
}

/// Lexes a number starting at `start` (a digit) and returns the offset after
/// it, or the reference's message.
///
/// The states follow the JSON number diagram (without a sign: `-1` is unary
/// minus applied to `1`), plus `_` digit separators between digits (Jsonnet
/// 0.21). A number must not end in `.`, `e`, a sign or `_`; `0` may not be
/// followed by `_`. Anything else that follows simply ends the number
/// (`0x1` is `0` then `x1`).
fn lex_number(bytes: &[u8], start: usize) -> Result<usize, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Begin,
        AfterZero,
        AfterOneToNine,
        AfterIntUnderscore,
        AfterDot,
        AfterDigit,
        AfterFracUnderscore,
        AfterE,
        AfterExpSign,
        AfterExpDigit,
        AfterExpUnderscore,
    }
    let at = |index: usize| bytes.get(index).copied().unwrap_or(0);
    let junk = |index: usize| -> String {
        match std::str::from_utf8(&bytes[index.min(bytes.len())..]) {
            Ok(rest) => rest.chars().next().map(String::from).unwrap_or_default(),
            // Mid-character: print the byte as the reference would, lossily.
            Err(_) => {
                String::from_utf8_lossy(&bytes[index..(index + 1).min(bytes.len())]).into_owned()
            }
        }
    };
    let mut state = State::Begin;
    let mut index = start;
    loop {
        let c = at(index);
        state = match (state, c) {
            (State::Begin, b'0') => State::AfterZero,
            (State::Begin, b'1'..=b'9') => State::AfterOneToNine,
            (State::Begin, _) => return Err("couldn't lex number".into()),
            (State::AfterZero, b'.') => State::AfterDot,
            (State::AfterZero, b'e' | b'E') => State::AfterE,
            (State::AfterZero, b'_') => {
                return Err("couldn't lex number, _ not allowed after leading 0".into())
            }
            (State::AfterZero, _) => return Ok(index),
            (State::AfterOneToNine, b'.') => State::AfterDot,
            (State::AfterOneToNine, b'e' | b'E') => State::AfterE,
            (State::AfterOneToNine, b'0'..=b'9') => State::AfterOneToNine,
            (State::AfterOneToNine, b'_') => State::AfterIntUnderscore,
            (State::AfterOneToNine, _) => return Ok(index),
            (State::AfterIntUnderscore, b'0'..=b'9') => State::AfterOneToNine,
            (State::AfterDot, b'0'..=b'9') => State::AfterDigit,
            (State::AfterDot, _) => {
                return Err(format!(
                    "couldn't lex number, junk after decimal point: {}",
                    junk(index)
                ));
            }
            (State::AfterDigit, b'e' | b'E') => State::AfterE,
            (State::AfterDigit, b'0'..=b'9') => State::AfterDigit,
            (State::AfterDigit, b'_') => State::AfterFracUnderscore,
            (State::AfterDigit, _) => return Ok(index),
            (State::AfterFracUnderscore, b'0'..=b'9') => State::AfterDigit,
            (State::AfterE, b'+' | b'-') => State::AfterExpSign,
            (State::AfterE, b'0'..=b'9') => State::AfterExpDigit,
            (State::AfterE, _) => {
                return Err(format!(
                    "couldn't lex number, junk after 'E': {}",
                    junk(index)
                ))
            }
            (State::AfterExpSign, b'0'..=b'9') => State::AfterExpDigit,
            (State::AfterExpSign, _) => {
                return Err(format!(
                    "couldn't lex number, junk after exponent sign: {}",
                    junk(index)
                ));
            }
            (State::AfterExpDigit, b'0'..=b'9') => State::AfterExpDigit,
            (State::AfterExpDigit, b'_') => State::AfterExpUnderscore,
            (State::AfterExpDigit, _) => return Ok(index),
            (State::AfterExpUnderscore, b'0'..=b'9') => State::AfterExpDigit,
            (
                State::AfterIntUnderscore | State::AfterFracUnderscore | State::AfterExpUnderscore,
                _,
            ) => {
                return Err(format!(
                    "couldn't lex number, junk after _: {}",
                    junk(index)
                ));
            }
        };
        index += 1;
    }
}

/// A text block's extent and, if asked for, its value.
pub(crate) struct TextBlock {
    /// The offset after the closing `|||`.
    pub(crate) end: usize,
    /// The byte range of the first line's indentation, which every line
    /// of the block starts with.
    pub(crate) indent: std::ops::Range<usize>,
    /// The byte range of the whitespace before the closing `|||`.
    pub(crate) term_indent: std::ops::Range<usize>,
    /// The string's value (empty unless asked for).
    pub(crate) value: String,
}

/// Scans the text block `|||` … `|||` starting at `start`.
///
/// The rules (the reference's, which the spec describes loosely):
/// - `|||` (or `|||-`, which drops the final line break) is followed by
///   optional spaces, tabs or `\r`, then a line break.
/// - Empty lines (a bare `\n`) may come first; they become line breaks.
/// - The first non-empty line sets the indentation: its leading spaces and
///   tabs, which must not be empty.
/// - Each following line either is empty, or starts with exactly that
///   indentation (the rest of the line, extra indentation included, is the
///   content), or ends the block: optional spaces and tabs, then `|||`.
///
/// Errors carry the reference's messages; all are reported at the opening
/// `|||`.
pub(crate) fn scan_text_block(
    bytes: &[u8],
    start: usize,
    want_value: bool,
) -> Result<TextBlock, String> {
    let at = |index: usize| bytes.get(index).copied().unwrap_or(0);
    let mut value = Vec::new();
    let mut c = start + 3;
    let chomp = at(c) == b'-';
    if chomp {
        c += 1;
    }
    while is_horizontal_ws(at(c)) {
        c += 1;
    }
    if at(c) != b'\n' {
        return Err("text block syntax requires new line after |||.".into());
    }
    c += 1;
    while at(c) == b'\n' {
        c += 1;
        value.push(b'\n');
    }
    let first_line = c;
    let mut indent_len = 0;
    while matches!(at(first_line + indent_len), b' ' | b'\t') {
        indent_len += 1;
    }
    if indent_len == 0 {
        return Err("text block's first line must start with whitespace.".into());
    }
    let indent = &bytes[first_line..first_line + indent_len];
    loop {
        c += indent_len;
        let line_end = match memchr::memchr(b'\n', &bytes[c.min(bytes.len())..]) {
            Some(found) => c + found,
            None => return Err("unexpected EOF".into()),
        };
        if want_value {
            value.extend_from_slice(&bytes[c..line_end]);
            value.push(b'\n');
        }
        c = line_end + 1;
        while at(c) == b'\n' {
            c += 1;
            value.push(b'\n');
        }
        if bytes.get(c..c + indent_len) == Some(indent) {
            continue;
        }
        // Not indented enough: this must be the end of the block.
        let mut actual = 0;
        while matches!(at(c + actual), b' ' | b'\t') {
            actual += 1;
        }
        if bytes.get(c + actual..c + actual + 3) != Some(b"|||") {
            if actual > 0 {
                return Err(format!(
                    "text block indentation mismatch: expected at least {}, found {}",
                    describe_whitespace(indent),
                    describe_whitespace(&bytes[c..c + actual])
                ));
            }
            return Err("text block not terminated with |||".into());
        }
        if chomp {
            value.pop();
        }
        // Whole lines of UTF-8 text: valid, and checked far faster than a
        // lossy conversion would be.
        let value = if want_value {
            String::from_utf8(value)
                .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
        } else {
            String::new()
        };
        return Ok(TextBlock {
            end: c + actual + 3,
            indent: first_line..first_line + indent_len,
            term_indent: c..c + actual,
            value,
        });
    }
}

fn describe_whitespace(ws: &[u8]) -> String {
    let spaces = ws.iter().filter(|&&b| b == b' ').count();
    let tabs = ws.iter().filter(|&&b| b == b'\t').count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (spaces, tabs) {
        (0, 0) => "no indentation".to_string(),
        (_, 0) => plural(spaces, "space", "spaces"),
        (0, _) => plural(tabs, "tab", "tabs"),
        _ => format!(
            "{} and {}",
            plural(spaces, "space", "spaces"),
            plural(tabs, "tab", "tabs")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(src: &str) -> Result<Vec<(TokenKind, &str)>, String> {
        let mut lexer = Lexer::new(src, FileId(0));
        let mut out = Vec::new();
        loop {
            let token = lexer
                .next_token()
                .map_err(|err| format!("{}: {}", err.offset, err.message))?;
            if token.kind == TokenKind::EndOfFile {
                return Ok(out);
            }
            out.push((token.kind, &src[token.start as usize..token.end as usize]));
        }
    }

    fn texts(src: &str) -> Vec<&str> {
        lex(src)
            .unwrap()
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    }

    #[test]
    fn operators_are_wound_back() {
        assert_eq!(texts("a=-1"), ["a", "=", "-", "1"]);
        assert_eq!(texts("x==!y"), ["x", "==", "!", "y"]);
        assert_eq!(texts("{a+:1}"), ["{", "a", "+:", "1", "}"]);
        assert_eq!(texts("a[::-1]"), ["a", "[", "::", "-", "1", "]"]);
        assert_eq!(texts("1--1"), ["1", "-", "-", "1"]);
        assert_eq!(texts("$$"), ["$", "$"]);
        assert_eq!(texts("a-*b"), ["a", "-*", "b"]);
        assert_eq!(texts("a+//c\nb"), ["a", "+", "b"]);
        // A run splits before each trailing `+ - ~ ! $`, unless a character
        // that can end an operator comes later in the run.
        assert_eq!(texts("1----2"), ["1", "-", "-", "-", "-", "2"]);
        assert_eq!(texts("1----=2"), ["1", "----=", "2"]);
        assert_eq!(texts("x<=-!y"), ["x", "<=", "-", "!", "y"]);
    }

    #[test]
    fn numbers() {
        assert_eq!(texts("1_000 0.5e-3 0x1"), ["1_000", "0.5e-3", "0", "x1"]);
        assert_eq!(
            lex("1.").unwrap_err(),
            "0: couldn't lex number, junk after decimal point: "
        );
        assert_eq!(
            lex("1e+x").unwrap_err(),
            "0: couldn't lex number, junk after exponent sign: x"
        );
        assert_eq!(
            lex(" 0_1").unwrap_err(),
            "1: couldn't lex number, _ not allowed after leading 0"
        );
        assert_eq!(
            lex("1__0").unwrap_err(),
            "0: couldn't lex number, junk after _: _"
        );
    }

    #[test]
    fn keywords_and_identifiers() {
        let kinds: Vec<TokenKind> = lex("importstr importx self selfish")
            .unwrap()
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(
            kinds,
            [
                TokenKind::Importstr,
                TokenKind::Identifier,
                TokenKind::SelfKw,
                TokenKind::Identifier
            ]
        );
    }

    #[test]
    fn strings() {
        assert_eq!(
            texts(r#""a\"b" 'c\'d' @"e""f" @'g''h'"#),
            [r#""a\"b""#, r"'c\'d'", r#"@"e""f""#, "@'g''h'"]
        );
        assert_eq!(lex("\"abc").unwrap_err(), "0: unterminated string");
        assert_eq!(lex("\"abc\\").unwrap_err(), "0: unterminated string");
        assert_eq!(
            lex("@x").unwrap_err(),
            "0: couldn't lex verbatim string, junk after '@': x"
        );
        assert_eq!(lex("@'a").unwrap_err(), "0: unterminated verbatim string");
    }

    #[test]
    fn comments_are_kept() {
        let mut lexer = Lexer::new("# a\r\n1 /* b */ // c\n", FileId(0));
        while lexer.next_token().unwrap().kind != TokenKind::EndOfFile {}
        let comments: Vec<(CommentKind, String, u32, u32)> = lexer
            .take_comments()
            .into_iter()
            .map(|c| (c.kind, c.text, c.span.start, c.span.end))
            .collect();
        assert_eq!(
            comments,
            [
                (CommentKind::Hash, " a".to_string(), 0, 3),
                (CommentKind::Block, " b ".to_string(), 7, 14),
                (CommentKind::Slash, " c".to_string(), 15, 19)
            ]
        );
        assert_eq!(
            lex("/*/").unwrap_err(),
            "0: multi-line comment has no terminating */."
        );
    }

    #[test]
    fn bad_characters() {
        assert_eq!(lex("`").unwrap_err(), "0: Could not lex the character '`'");
        assert_eq!(
            lex("é").unwrap_err(),
            "0: Could not lex the character code 195"
        );
        assert_eq!(
            lex("\u{1}").unwrap_err(),
            "0: Could not lex the character code 1"
        );
        // A NUL byte ends the input.
        assert_eq!(texts("1\u{0}`"), ["1"]);
    }

    fn block(src: &str) -> Result<String, String> {
        scan_text_block(src.as_bytes(), 0, true).map(|block| {
            assert_eq!(&src[block.end - 3..block.end], "|||");
            block.value
        })
    }

    #[test]
    fn text_blocks() {
        assert_eq!(block("|||\n  a\n   b\n\n  c\n|||").unwrap(), "a\n b\n\nc\n");
        assert_eq!(block("|||-  \n\n\ta\n |||").unwrap(), "\na");
        // More indented than the block: content, not the end.
        assert_eq!(block("|||\n  a\n    |||").unwrap_err(), "unexpected EOF");
        assert_eq!(
            block("||| x").unwrap_err(),
            "text block syntax requires new line after |||."
        );
        assert_eq!(
            block("|||\nx\n|||").unwrap_err(),
            "text block's first line must start with whitespace."
        );
        assert_eq!(block("|||\n  x").unwrap_err(), "unexpected EOF");
        assert_eq!(
            block("|||\n  x\n").unwrap_err(),
            "text block not terminated with |||"
        );
        assert_eq!(
            block("|||\n    x\n \ty\n|||").unwrap_err(),
            "text block indentation mismatch: expected at least 4 spaces, found 1 space and 1 tab"
        );
        assert_eq!(
            block("|||\n\t\tx\n\ty\n|||").unwrap_err(),
            "text block indentation mismatch: expected at least 2 tabs, found 1 tab"
        );
    }
}
