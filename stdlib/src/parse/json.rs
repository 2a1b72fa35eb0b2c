//! `std.parseJson`: a JSON parser that reads input the way the reference's
//! JSON library (nlohmann/json 3.6, inside C++ jsonnet 0.22) does, so that
//! its error messages are the same, down to the line, the column and the
//! "last read" text.
//!
//! The lexer works on bytes. Its position counts bytes read on the current
//! line, including the one that caused an error (or one past the end of the
//! input). The "last read" text is everything read since the start of the
//! last string or number token — nlohmann/json 3.6 only resets it there, so
//! after `[1, x` it is `1, x`. Values are built straight into the arena with
//! an explicit stack, so nesting depth costs no native stack.
//!
//! Numbers: integers that fit 64 bits are exact; anything else is read as a
//! double, correctly rounded (Rust's parser, like the reference's `strtod`).
//! `-0` is an integer there, so it reads as `0`; `-0.0` stays negative.

use kcfg_lang::eval::{Array, Ctx, Lazy, Value};
use kcfg_lang::sym::Sym;

/// A token, as the library names them in messages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Token {
    BeginArray,
    EndArray,
    BeginObject,
    EndObject,
    NameSeparator,
    ValueSeparator,
    True,
    False,
    Null,
    String,
    Number,
    EndOfInput,
    ParseError,
    /// Only ever expected, never read.
    LiteralOrValue,
}

impl Token {
    fn name(self) -> &'static str {
        match self {
            Token::True => "true literal",
            Token::False => "false literal",
            Token::Null => "null literal",
            Token::String => "string literal",
            Token::Number => "number literal",
            Token::BeginArray => "'['",
            Token::BeginObject => "'{'",
            Token::EndArray => "']'",
            Token::EndObject => "'}'",
            Token::NameSeparator => "':'",
            Token::ValueSeparator => "','",
            Token::ParseError => "<parse error>",
            Token::EndOfInput => "end of input",
            Token::LiteralOrValue => "'[', '{', or a literal",
        }
    }
}

/// Names of the control characters, for the library's message about an
/// unescaped one in a string.
const CONTROL_NAMES: [&str; 32] = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
    "FS", "GS", "RS", "US",
];

/// Why the lexer stopped with a parse error.
#[derive(Clone, Copy)]
enum LexError {
    Static(&'static str),
    Control(u8),
}

struct Lexer<'t> {
    input: &'t [u8],
    /// Index of the next byte to read.
    next: usize,
    /// The byte last read; `None` at the end of the input.
    current: Option<u8>,
    /// The next `get` returns `current` again.
    unget_pending: bool,
    chars_read_total: usize,
    chars_read_current_line: usize,
    lines_read: usize,
    /// The "last read" text is `input[token_start..token_end]`.
    token_start: usize,
    token_end: usize,
    /// The text of the last string token.
    buffer: Vec<u8>,
    /// The value of the last number token.
    number: f64,
    error: LexError,
}

impl<'t> Lexer<'t> {
    fn new(input: &'t [u8]) -> Lexer<'t> {
        Lexer {
            input,
            next: 0,
            current: None,
            unget_pending: false,
            chars_read_total: 0,
            chars_read_current_line: 0,
            lines_read: 0,
            token_start: 0,
            token_end: 0,
            buffer: Vec::new(),
            number: 0.0,
            error: LexError::Static(""),
        }
    }

    #[inline]
    fn get(&mut self) -> Option<u8> {
        self.chars_read_total += 1;
        self.chars_read_current_line += 1;
        if self.unget_pending {
            self.unget_pending = false;
        } else {
            self.current = self.input.get(self.next).copied();
            if self.current.is_some() {
                self.next += 1;
            }
        }
        if self.current.is_some() {
            self.token_end += 1;
        }
        if self.current == Some(b'\n') {
            self.lines_read += 1;
            self.chars_read_current_line = 0;
        }
        self.current
    }

    fn unget(&mut self) {
        self.unget_pending = true;
        self.chars_read_total -= 1;
        if self.chars_read_current_line == 0 {
            self.lines_read = self.lines_read.saturating_sub(1);
        } else {
            self.chars_read_current_line -= 1;
        }
        if self.current.is_some() {
            self.token_end -= 1;
        }
    }

    /// Starts a new "last read" text at the current byte.
    fn reset(&mut self) {
        self.buffer.clear();
        self.token_start = self.token_end - 1;
    }

    fn fail(&mut self, message: &'static str) -> Token {
        self.error = LexError::Static(message);
        Token::ParseError
    }

    fn scan(&mut self) -> Token {
        if self.chars_read_total == 0 && !self.skip_bom() {
            return self.fail("invalid BOM; must be 0xEF 0xBB 0xBF if given");
        }
        while matches!(self.get(), Some(b' ' | b'\t' | b'\n' | b'\r')) {}
        match self.current {
            Some(b'[') => Token::BeginArray,
            Some(b']') => Token::EndArray,
            Some(b'{') => Token::BeginObject,
            Some(b'}') => Token::EndObject,
            Some(b':') => Token::NameSeparator,
            Some(b',') => Token::ValueSeparator,
            Some(b't') => self.scan_literal(b"true", Token::True),
            Some(b'f') => self.scan_literal(b"false", Token::False),
            Some(b'n') => self.scan_literal(b"null", Token::Null),
            Some(b'"') => self.scan_string(),
            Some(b'-' | b'0'..=b'9') => self.scan_number(),
            Some(0) | None => Token::EndOfInput,
            Some(_) => self.fail("invalid literal"),
        }
    }

    fn skip_bom(&mut self) -> bool {
        if self.get() == Some(0xef) {
            return self.get() == Some(0xbb) && self.get() == Some(0xbf);
        }
        self.unget();
        true
    }

    fn scan_literal(&mut self, literal: &[u8], token: Token) -> Token {
        for expected in &literal[1..] {
            if self.get() != Some(*expected) {
                return self.fail("invalid literal");
            }
        }
        token
    }

    /// Reads four hex digits after `\u`.
    fn codepoint(&mut self) -> Option<u32> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = (self.get()? as char).to_digit(16)?;
            code = code * 16 + digit;
        }
        Some(code)
    }

    fn scan_string(&mut self) -> Token {
        self.reset();
        loop {
            // Copy a run of plain bytes at once. None of them is a line
            // break, so the position moves by the run's length.
            let rest = &self.input[self.next..];
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            if run > 0 && !self.unget_pending {
                self.buffer.extend_from_slice(&rest[..run]);
                self.next += run;
                self.token_end += run;
                self.chars_read_total += run;
                self.chars_read_current_line += run;
                self.current = Some(rest[run - 1]);
            }
            match self.get() {
                None => return self.fail("invalid string: missing closing quote"),
                Some(b'"') => return Token::String,
                Some(b'\\') => {
                    let escaped = match self.get() {
                        Some(b'"') => b'"',
                        Some(b'\\') => b'\\',
                        Some(b'/') => b'/',
                        Some(b'b') => 0x08,
                        Some(b'f') => 0x0c,
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'u') => {
                            if let Err(token) = self.scan_unicode_escape() {
                                return token;
                            }
                            continue;
                        }
                        _ => {
                            return self.fail("invalid string: forbidden character after backslash")
                        }
                    };
                    self.buffer.push(escaped);
                }
                Some(byte) if byte < 0x20 => {
                    self.error = LexError::Control(byte);
                    return Token::ParseError;
                }
                Some(byte) => self.buffer.push(byte),
            }
        }
    }

    fn scan_unicode_escape(&mut self) -> std::result::Result<(), Token> {
        const BAD_HEX: &str = "invalid string: '\\u' must be followed by 4 hex digits";
        // The library's message says U+DC00 where it means U+D800.
        const UNPAIRED_HIGH: &str =
            "invalid string: surrogate U+DC00..U+DFFF must be followed by U+DC00..U+DFFF";
        let Some(first) = self.codepoint() else {
            return Err(self.fail(BAD_HEX));
        };
        let code = if (0xd800..=0xdbff).contains(&first) {
            if !(self.get() == Some(b'\\') && self.get() == Some(b'u')) {
                return Err(self.fail(UNPAIRED_HIGH));
            }
            let Some(second) = self.codepoint() else {
                return Err(self.fail(BAD_HEX));
            };
            if !(0xdc00..=0xdfff).contains(&second) {
                return Err(self.fail(UNPAIRED_HIGH));
            }
            0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
        } else if (0xdc00..=0xdfff).contains(&first) {
            return Err(
                self.fail("invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF")
            );
        } else {
            first
        };
        let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut utf8 = [0u8; 4];
        self.buffer
            .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        Ok(())
    }

    fn scan_number(&mut self) -> Token {
        self.reset();
        let mut is_float = false;
        let mut c = self.current;
        if c == Some(b'-') {
            c = self.get();
            if !c.is_some_and(|b| b.is_ascii_digit()) {
                return self.fail("invalid number; expected digit after '-'");
            }
        }
        // The integer part: `0`, or digits not starting with `0`.
        if c != Some(b'0') {
            while self.get().is_some_and(|b| b.is_ascii_digit()) {}
        } else {
            self.get();
        }
        if self.current == Some(b'.') {
            is_float = true;
            if !self.get().is_some_and(|b| b.is_ascii_digit()) {
                return self.fail("invalid number; expected digit after '.'");
            }
            while self.get().is_some_and(|b| b.is_ascii_digit()) {}
        }
        if matches!(self.current, Some(b'e' | b'E')) {
            is_float = true;
            match self.get() {
                Some(b'+' | b'-') => {
                    if !self.get().is_some_and(|b| b.is_ascii_digit()) {
                        return self.fail("invalid number; expected digit after exponent sign");
                    }
                }
                Some(b'0'..=b'9') => {}
                _ => {
                    return self.fail("invalid number; expected '+', '-', or digit after exponent")
                }
            }
            while self.get().is_some_and(|b| b.is_ascii_digit()) {}
        }
        self.unget();
        let text = &self.input[self.token_start..self.token_end];
        // The token is ASCII: digits, signs, `.` and `e`.
        let text = std::str::from_utf8(text).unwrap_or("0");
        self.number = if !is_float && text == "-0" {
            0.0
        } else {
            text.parse().unwrap_or(f64::NAN)
        };
        Token::Number
    }

    fn token_string(&self) -> String {
        let bytes = &self.input[self.token_start..self.token_end.max(self.token_start)];
        let mut out = String::with_capacity(bytes.len());
        for chunk in String::from_utf8_lossy(bytes).chars() {
            if (chunk as u32) < 0x20 {
                out.push_str(&format!("<U+{:04X}>", chunk as u32));
            } else {
                out.push(chunk);
            }
        }
        out
    }

    fn error_message(&self) -> String {
        match self.error {
            LexError::Static(message) => message.to_string(),
            LexError::Control(byte) => {
                let short = match byte {
                    0x08 => " or \\b",
                    0x09 => " or \\t",
                    0x0a => " or \\n",
                    0x0c => " or \\f",
                    0x0d => " or \\r",
                    _ => "",
                };
                format!(
                    "invalid string: control character U+{byte:04X} ({}) must be escaped to \\u{byte:04X}{short}",
                    CONTROL_NAMES[byte as usize]
                )
            }
        }
    }
}

/// A container being filled.
enum Frame<'a> {
    Array(Vec<Lazy<'a>>),
    Object(Vec<(Sym, Lazy<'a>)>, Sym),
}

struct Parser<'a, 't, 'c> {
    ctx: &'c Ctx<'a>,
    lexer: Lexer<'t>,
    last: Token,
}

impl<'a> Parser<'a, '_, '_> {
    fn next_token(&mut self) -> Token {
        self.last = self.lexer.scan();
        self.last
    }

    /// The library's syntax error, as its exception's text.
    fn syntax_error(&self, expected: Option<Token>, context: &str) -> String {
        let mut message = format!("syntax error while parsing {context} - ");
        if self.last == Token::ParseError {
            message.push_str(&self.lexer.error_message());
            message.push_str("; last read: '");
            message.push_str(&self.lexer.token_string());
            message.push('\'');
        } else {
            message.push_str("unexpected ");
            message.push_str(self.last.name());
        }
        if let Some(expected) = expected {
            message.push_str("; expected ");
            message.push_str(expected.name());
        }
        format!(
            "[json.exception.parse_error.101] parse error at line {}, column {}: {message}",
            self.lexer.lines_read + 1,
            self.lexer.chars_read_current_line
        )
    }

    fn key(&self) -> Sym {
        Sym::intern(&String::from_utf8_lossy(&self.lexer.buffer))
    }

    fn string(&self) -> Value<'a> {
        match std::str::from_utf8(&self.lexer.buffer) {
            Ok(text) => self.ctx.str(text),
            Err(_) => self.ctx.str(&String::from_utf8_lossy(&self.lexer.buffer)),
        }
    }

    fn finish(&self, frame: Frame<'a>) -> Value<'a> {
        match frame {
            Frame::Array(elems) => {
                let elems = self.ctx.bump.alloc_slice_copy(&elems);
                Value::Arr(Array::new(self.ctx.bump, elems))
            }
            Frame::Object(fields, _) => self.ctx.object(fields),
        }
    }

    /// Reads one value, following the library's state machine so that
    /// each error is detected at the same token with the same context.
    fn parse(&mut self) -> std::result::Result<Value<'a>, String> {
        let mut stack: Vec<Frame<'a>> = Vec::new();
        self.next_token();
        loop {
            // Read a value, or open a container.
            let mut value = match self.last {
                Token::BeginObject => {
                    if self.next_token() == Token::EndObject {
                        self.ctx.object(std::iter::empty())
                    } else {
                        if self.last != Token::String {
                            return Err(self.syntax_error(Some(Token::String), "object key"));
                        }
                        let key = self.key();
                        if self.next_token() != Token::NameSeparator {
                            return Err(
                                self.syntax_error(Some(Token::NameSeparator), "object separator")
                            );
                        }
                        stack.push(Frame::Object(Vec::new(), key));
                        self.next_token();
                        continue;
                    }
                }
                Token::BeginArray => {
                    if self.next_token() == Token::EndArray {
                        Value::Arr(Array::empty(self.ctx.bump))
                    } else {
                        stack.push(Frame::Array(Vec::new()));
                        continue;
                    }
                }
                Token::Number => {
                    let n = self.lexer.number;
                    if !n.is_finite() {
                        return Err(format!(
                            "[json.exception.out_of_range.406] number overflow parsing '{}'",
                            self.lexer.token_string()
                        ));
                    }
                    Value::Num(n)
                }
                Token::True => Value::Bool(true),
                Token::False => Value::Bool(false),
                Token::Null => Value::Null,
                Token::String => self.string(),
                Token::ParseError => return Err(self.syntax_error(None, "value")),
                _ => return Err(self.syntax_error(Some(Token::LiteralOrValue), "value")),
            };
            // A value is complete: add it to its container, closing
            // containers as long as they end.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return Ok(value);
                };
                match frame {
                    Frame::Array(elems) => {
                        elems.push(Lazy::Val(value));
                        if self.next_token() == Token::ValueSeparator {
                            self.next_token();
                            break;
                        }
                        if self.last != Token::EndArray {
                            return Err(self.syntax_error(Some(Token::EndArray), "array"));
                        }
                    }
                    Frame::Object(fields, key) => {
                        fields.push((*key, Lazy::Val(value)));
                        if self.next_token() == Token::ValueSeparator {
                            if self.next_token() != Token::String {
                                return Err(self.syntax_error(Some(Token::String), "object key"));
                            }
                            let next_key = self.key();
                            if self.next_token() != Token::NameSeparator {
                                return Err(self
                                    .syntax_error(Some(Token::NameSeparator), "object separator"));
                            }
                            *key = next_key;
                            self.next_token();
                            break;
                        }
                        if self.last != Token::EndObject {
                            return Err(self.syntax_error(Some(Token::EndObject), "object"));
                        }
                    }
                }
                let frame = stack.pop().expect("a frame is open");
                value = self.finish(frame);
            }
        }
    }
}

/// Parses JSON text into a value, or returns the reference's message.
pub fn parse<'a>(ctx: &Ctx<'a>, text: &str) -> std::result::Result<Value<'a>, String> {
    let mut parser = Parser {
        ctx,
        lexer: Lexer::new(text.as_bytes()),
        last: Token::EndOfInput,
    };
    let value = parser.parse()?;
    if parser.next_token() != Token::EndOfInput {
        return Err(parser.syntax_error(Some(Token::EndOfInput), "value"));
    }
    Ok(value)
}
