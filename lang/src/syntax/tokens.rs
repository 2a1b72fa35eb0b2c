//! The token string: what the pest grammar parses.
//!
//! [`super::checker`] records every token it consumes, and writes one ASCII
//! character for it into a string. `grammar.pest` is written over these
//! characters, so pest never sees whitespace, comments, keywords spelled out
//! or the inside of a string literal: the lexer has dealt with those, exactly
//! as the reference does, and pest only gives the tokens their tree shape.
//! A pair's span is then a range of token indices, which
//! [`super::build`] maps back to byte offsets through the recorded tokens.
//!
//! | characters | tokens |
//! |---|---|
//! | `{ } [ ] ( ) , . ; $ =` | themselves |
//! | `V` | an identifier |
//! | `0` | a number |
//! | `"` | a string literal (any form) |
//! | `'` | a string literal whose value, as the reference reads it, is `:` (it can stand for a slice's colon) |
//! | `A`–`S` | binary operators `*` `/` `%` `+` `-` `<<` `>>` `<` `<=` `>` `>=` `in` `==` `!=` `&` `^` `\|` `&&` `\|\|` |
//! | `T` `U` | unary-only operators `!` `~` (`+` and `-` are `D` and `E`) |
//! | `u`–`z` | field operators `:` `::` `:::` `+:` `+::` `+:::` |
//! | `a`–`q` | keywords `assert` `else` `error` `false` `for` `function` `if` `import` `importstr` `importbin` `local` `null` `self` `super` `tailstrict` `then` `true` |
//!
//! Binary operators and field operators each form a range of characters, so
//! the grammar matches either class with a single range test.

use super::lexer::{scan_text_block, Token, TokenKind};

/// The recorded tokens of a file and their characters, index for index.
#[derive(Default)]
pub(crate) struct TokenString {
    pub(crate) tokens: Vec<Token>,
    pub(crate) chars: String,
}

impl TokenString {
    /// Records `token` (of `src`).
    pub(crate) fn push(&mut self, token: Token, src: &str) {
        let text = &src[token.start as usize..token.end as usize];
        self.chars.push(char::from(code(token, text, src)));
        self.tokens.push(token);
    }
}

/// The character for a token. Operators the reference would reject cannot
/// reach here (the checker stops first); they map to `?`, which no rule
/// matches.
fn code(token: Token, text: &str, src: &str) -> u8 {
    match token.kind {
        TokenKind::BraceL => b'{',
        TokenKind::BraceR => b'}',
        TokenKind::BracketL => b'[',
        TokenKind::BracketR => b']',
        TokenKind::ParenL => b'(',
        TokenKind::ParenR => b')',
        TokenKind::Comma => b',',
        TokenKind::Dot => b'.',
        TokenKind::Semicolon => b';',
        TokenKind::Dollar => b'$',
        TokenKind::Identifier => b'V',
        TokenKind::Number => b'0',
        TokenKind::StringDouble
        | TokenKind::StringSingle
        | TokenKind::VerbatimDouble
        | TokenKind::VerbatimSingle
        | TokenKind::StringBlock => {
            if is_colon_string(token, text, src) {
                b'\''
            } else {
                b'"'
            }
        }
        TokenKind::In => b'L',
        TokenKind::Operator => match text {
            "*" => b'A',
            "/" => b'B',
            "%" => b'C',
            "+" => b'D',
            "-" => b'E',
            "<<" => b'F',
            ">>" => b'G',
            "<" => b'H',
            "<=" => b'I',
            ">" => b'J',
            ">=" => b'K',
            "==" => b'M',
            "!=" => b'N',
            "&" => b'O',
            "^" => b'P',
            "|" => b'Q',
            "&&" => b'R',
            "||" => b'S',
            "!" => b'T',
            "~" => b'U',
            ":" => b'u',
            "::" => b'v',
            ":::" => b'w',
            "+:" => b'x',
            "+::" => b'y',
            "+:::" => b'z',
            "=" => b'=',
            _ => b'?',
        },
        TokenKind::Assert => b'a',
        TokenKind::Else => b'b',
        TokenKind::Error => b'c',
        TokenKind::False => b'd',
        TokenKind::For => b'e',
        TokenKind::Function => b'f',
        TokenKind::If => b'g',
        TokenKind::Import => b'h',
        TokenKind::Importstr => b'i',
        TokenKind::Importbin => b'j',
        TokenKind::Local => b'k',
        TokenKind::Null => b'l',
        TokenKind::SelfKw => b'm',
        TokenKind::Super => b'n',
        TokenKind::Tailstrict => b'o',
        TokenKind::Then => b'p',
        TokenKind::True => b'q',
        TokenKind::EndOfFile => b'?',
    }
}

/// Whether a string literal's data (its raw text for `"…"` and `'…'`, its
/// value for verbatim strings and text blocks) is `:`. The reference takes
/// such a string for a colon inside `[…]` (see [`super::checker`]).
fn is_colon_string(token: Token, text: &str, src: &str) -> bool {
    match token.kind {
        TokenKind::StringDouble | TokenKind::StringSingle => matches!(text, "\":\"" | "':'"),
        TokenKind::VerbatimDouble | TokenKind::VerbatimSingle => matches!(text, "@\":\"" | "@':'"),
        // Only a short `|||-` block can have the value `:`.
        TokenKind::StringBlock if text.starts_with("|||-") && text.len() < 64 => {
            scan_text_block(src.as_bytes(), token.start as usize, true)
                .is_ok_and(|block| block.value == ":")
        }
        _ => false,
    }
}
