//! Literal values: what a number or string literal's text stands for.
//!
//! The lexer decides where a literal ends; the tree builder
//! ([`super::build`]) turns its text into a value with these functions.
//! Text blocks are resolved by [`super::lexer::scan_text_block`], which also
//! finds their end.

use std::borrow::Cow;

/// The value of a number literal: the text without its `_` separators, read
/// as the nearest double (what C `strtod` returns, which Rust's parser
/// matches: both round correctly). Returns `None` only for text the lexer
/// would not have produced.
pub(crate) fn number_value(text: &str) -> Option<f64> {
    if text.contains('_') {
        text.replace('_', "").parse().ok()
    } else {
        text.parse().ok()
    }
}

/// The value of a verbatim string (`@"…"`, `@'…'`) from the text between its
/// quotes: a doubled quote stands for one.
pub(crate) fn verbatim_value(inner: &str, quote: u8) -> Cow<'_, str> {
    let (doubled, single) = if quote == b'"' {
        ("\"\"", "\"")
    } else {
        ("''", "'")
    };
    if inner.contains(doubled) {
        Cow::Owned(inner.replace(doubled, single))
    } else {
        Cow::Borrowed(inner)
    }
}

/// Resolves the escapes of a `"…"` or `'…'` string, given the text between
/// its quotes.
///
/// Follows the reference (`jsonnet_string_unescape` in google/jsonnet
/// `core/string_utils.cpp`), messages included:
/// - `\"`, `\'`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`;
/// - `\uXXXX` with four hex digits. An escape in the UTF-16 surrogate range
///   must be a high surrogate immediately followed by a `\uXXXX` low
///   surrogate, and the pair stands for one supplementary character.
///
/// The reference reads each "hex digit" as the low byte of its code point,
/// so a non-ASCII character whose low byte is an ASCII hex digit passes;
/// that is kept, so that both accept and reject the same strings.
pub(crate) fn unescape(raw: &str) -> Result<Cow<'_, str>, String> {
    if !raw.contains('\\') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let Some(escaped) = chars.next() else {
            return Err("Truncated escape sequence in string literal.".into());
        };
        match escaped {
            '"' | '\'' | '\\' | '/' => out.push(escaped),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let mut code = hex4(&mut chars)?;
                if (0xd800..0xe000).contains(&code) {
                    // Not a BMP character on its own: must be a surrogate pair.
                    if chars.next() != Some('\\') || chars.next() != Some('u') {
                        return Err("Invalid non-BMP Unicode escape in string literal".into());
                    }
                    let low = hex4(&mut chars)?;
                    if !(0xd800..0xdc00).contains(&code) || !(0xdc00..0xe000).contains(&low) {
                        return Err("Invalid UTF-16 bytes".into());
                    }
                    code = 0x10000 + ((code & 0x3ff) << 10) + (low & 0x3ff);
                }
                // Surrogates are handled above, so this is a valid scalar.
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            other => {
                return Err(format!(
                    "Unknown escape sequence in string literal: '{other}'"
                ))
            }
        }
    }
    Ok(Cow::Owned(out))
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Result<u32, String> {
    let mut code = 0;
    for _ in 0..4 {
        let Some(ch) = chars.next() else {
            return Err("Truncated unicode escape sequence in string literal.".into());
        };
        // The reference casts the code point to `unsigned char`.
        let byte = ch as u32 as u8;
        let digit = match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            b'A'..=b'F' => byte - b'A' + 10,
            _ => {
                return Err(format!(
                    "Malformed unicode escape character, should be hex: '{}'",
                    char::from(byte)
                ));
            }
        };
        code = code * 16 + u32::from(digit);
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str) -> String {
        match unescape(raw) {
            Ok(value) => format!("{value:?}"),
            Err(message) => format!("error: {message}"),
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(check(r#"a\"b\'c\\d\/e"#), r#""a\"b'c\\d/e""#);
        assert_eq!(check(r"\b\f\n\r\t"), r#""\u{8}\u{c}\n\r\t""#);
        assert_eq!(check(r"\u0041\u00e9\u20AC"), r#""Aé€""#);
        assert_eq!(check(r"\uD83D\uDE00"), r#""😀""#);
        assert_eq!(check("no escapes"), r#""no escapes""#);
    }

    #[test]
    fn escape_errors() {
        assert_eq!(
            check(r"\o"),
            "error: Unknown escape sequence in string literal: 'o'"
        );
        assert_eq!(
            check(r"\é"),
            "error: Unknown escape sequence in string literal: 'é'"
        );
        assert_eq!(
            check(r"\u000t"),
            "error: Malformed unicode escape character, should be hex: 't'"
        );
        assert_eq!(
            check(r"\u333"),
            "error: Truncated unicode escape sequence in string literal."
        );
        assert_eq!(
            check(r"\uD800"),
            "error: Invalid non-BMP Unicode escape in string literal"
        );
        assert_eq!(
            check(r"\uD800x"),
            "error: Invalid non-BMP Unicode escape in string literal"
        );
        assert_eq!(check(r"\uDC00\uD800"), "error: Invalid UTF-16 bytes");
        assert_eq!(check(r"\uD800\u0041"), "error: Invalid UTF-16 bytes");
        assert_eq!(
            check("\\"),
            "error: Truncated escape sequence in string literal."
        );
    }

    #[test]
    fn reference_quirk_low_byte_hex() {
        // U+0130 has low byte 0x30 ('0'), so the reference reads it as 0.
        assert_eq!(check("\\u004\u{130}"), r#""@""#);
    }

    #[test]
    fn numbers_and_verbatim() {
        assert_eq!(number_value("1_000.5e1"), Some(10005.0));
        assert_eq!(number_value("0.1"), Some(0.1));
        assert_eq!(number_value("1e999"), Some(f64::INFINITY));
        assert_eq!(verbatim_value("a\"\"b", b'"'), "a\"b");
        assert_eq!(verbatim_value("a''b\"\"", b'\''), "a'b\"\"");
    }
}
