//! JSON output with the reference's exact bytes.
//!
//! * Numbers: integral values print in full (`%.0f`: `1e20` is
//!   `100000000000000000000`, `-0` is `-0`), others as `%.17g`
//!   (`0.1` is `0.10000000000000001`).
//! * Strings: `"` `\` and the control characters `\b \f \n \r \t` get their
//!   short escapes; other characters below U+0020 and U+007F–U+009F become
//!   `\u00XX`; everything else is written as UTF-8.
//! * Layout: the program's output uses three-space indentation, `"key": `
//!   and `,` at line ends; `std.toString` and string concatenation use one
//!   line with `, ` between items. Empty arrays and objects are `[ ]` and
//!   `{ }`.
//! * Object fields are sorted by name (code point order) and hidden fields
//!   are left out.

use std::fmt::Write as _;

use crate::eval::{Ctx, FrameName, Result, Site, Value};
use crate::span::Span;

/// How to lay out JSON.
#[derive(Clone, Copy, Debug)]
pub struct Style<'s> {
    /// Added per nesting level.
    pub indent: &'s str,
    /// Written after `[`, `{` and each item's separator.
    pub newline: &'s str,
    /// Written between items.
    pub comma: &'s str,
    /// Written between a key and its value.
    pub key_sep: &'s str,
    /// The empty array.
    pub empty_array: &'s str,
    /// The empty object.
    pub empty_object: &'s str,
}

impl Style<'static> {
    /// The program output: three-space indentation.
    pub const PRETTY: Style<'static> = Style {
        indent: "   ",
        newline: "\n",
        comma: ",",
        key_sep: ": ",
        empty_array: "[ ]",
        empty_object: "{ }",
    };

    /// One line, as `std.toString` writes.
    pub const SINGLE_LINE: Style<'static> = Style {
        indent: "",
        newline: "",
        comma: ", ",
        key_sep: ": ",
        empty_array: "[ ]",
        empty_object: "{ }",
    };
}

/// Writes `value` as JSON in the given style.
pub fn write<'a>(
    ctx: &mut Ctx<'a>,
    value: Value<'a>,
    style: &Style<'_>,
    out: &mut String,
) -> Result<()> {
    let mut writer = Writer {
        style,
        indent: String::new(),
        site: Site::Manifest,
    };
    writer.value(ctx, value, out)
}

/// `value` as multi-line JSON, as the program's output (no final newline).
pub fn to_pretty<'a>(ctx: &mut Ctx<'a>, value: Value<'a>) -> Result<String> {
    let mut out = String::new();
    write(ctx, value, &Style::PRETTY, &mut out)?;
    Ok(out)
}

/// `value` as single-line JSON, as `std.toString` writes it.
pub fn to_single_line<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, span: Span) -> Result<String> {
    let mut out = String::new();
    let mut writer = Writer {
        style: &Style::SINGLE_LINE,
        indent: String::new(),
        site: Site::At(span),
    };
    writer.value(ctx, value, &mut out)?;
    Ok(out)
}

struct Writer<'s> {
    style: &'s Style<'s>,
    indent: String,
    site: Site,
}

impl Writer<'_> {
    fn value<'a>(&mut self, ctx: &mut Ctx<'a>, value: Value<'a>, out: &mut String) -> Result<()> {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Num(n) => write_number(n, out),
            Value::Str(s) => {
                let text = ctx.flat_text_at(s, self.site)?;
                write_string(text, out);
            }
            Value::Func(_) => {
                return Err(ctx.error_at(
                    "kcfg::manifest::function",
                    self.site,
                    "couldn't manifest function in JSON output.",
                ));
            }
            Value::Arr(array) => {
                if array.is_empty() {
                    out.push_str(self.style.empty_array);
                    return Ok(());
                }
                let site = self.site;
                ctx.guard(
                    site,
                    FrameName::thunk(crate::ir::ThunkName::ArrayElement),
                    |ctx| {
                        out.push('[');
                        out.push_str(self.style.newline);
                        let outer = self.indent.len();
                        self.indent.push_str(self.style.indent);
                        for (index, lazy) in array.iter().enumerate() {
                            // The output grows with no frame entered.
                            ctx.check_limits_at(site)?;
                            if index > 0 {
                                out.push_str(self.style.comma);
                                out.push_str(self.style.newline);
                            }
                            out.push_str(&self.indent);
                            let element = ctx.force_from(lazy, site)?;
                            self.value(ctx, element, out)?;
                        }
                        self.indent.truncate(outer);
                        out.push_str(self.style.newline);
                        out.push_str(&self.indent);
                        out.push(']');
                        Ok(())
                    },
                )?;
            }
            Value::Obj(obj) => {
                let site = self.site;
                if obj.needs_assert_check() {
                    ctx.check_asserts(obj, site)?;
                }
                let fields = obj.fields(ctx.bump);
                if fields.iter().all(|f| f.hidden) {
                    out.push_str(self.style.empty_object);
                    return Ok(());
                }
                ctx.guard(site, FrameName::object(None), |ctx| {
                    out.push('{');
                    out.push_str(self.style.newline);
                    let outer = self.indent.len();
                    self.indent.push_str(self.style.indent);
                    let mut first = true;
                    for field in fields.iter().filter(|f| !f.hidden) {
                        if !first {
                            out.push_str(self.style.comma);
                            out.push_str(self.style.newline);
                        }
                        first = false;
                        out.push_str(&self.indent);
                        write_string(field.name.as_str(), out);
                        out.push_str(self.style.key_sep);
                        let value = ctx.get_field(obj, field.name, site, None)?;
                        self.value(ctx, value, out)?;
                    }
                    self.indent.truncate(outer);
                    out.push_str(self.style.newline);
                    out.push_str(&self.indent);
                    out.push('}');
                    Ok(())
                })?;
            }
        }
        Ok(())
    }
}

/// Writes a number as the reference does.
pub fn write_number(n: f64, out: &mut String) {
    if n == n.trunc() {
        if n.abs() < 1e15 {
            if n == 0.0 && n.is_sign_negative() {
                out.push_str("-0");
            } else {
                let _ = write!(out, "{}", n as i64);
            }
        } else {
            let _ = write!(out, "{n:.0}");
        }
    } else {
        out.push_str(&crate::eval::format::format_g(n, 17, false));
    }
}

/// A number as the reference prints it.
pub fn format_number(n: f64) -> String {
    let mut out = String::new();
    write_number(n, &mut out);
    out
}

#[inline]
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\' || byte == 0x7f || byte == 0xc2
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `word` is zero (exact: never a false negative).
#[inline]
fn has_zero_byte(word: u64) -> bool {
    word.wrapping_sub(ONES) & !word & HIGHS != 0
}

/// Whether none of the 8 bytes of `word` can need escaping. A `false` may
/// be a false alarm (the byte loop then looks closer), never a miss.
#[inline]
fn plain_word(word: u64) -> bool {
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    !(below_space
        || has_zero_byte(word ^ (ONES * u64::from(b'"')))
        || has_zero_byte(word ^ (ONES * u64::from(b'\\')))
        || has_zero_byte(word ^ (ONES * 0x7f))
        || has_zero_byte(word ^ (ONES * 0xc2)))
}

/// Writes `text` as a JSON string literal.
pub fn write_string(text: &str, out: &mut String) {
    out.reserve(text.len() + 2);
    out.push('"');
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut index = 0;
    while index < bytes.len() {
        // Long runs of plain text are skipped a word at a time.
        while let Some(chunk) = bytes.get(index..index + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            if !plain_word(word) {
                break;
            }
            index += 8;
        }
        let Some(&byte) = bytes.get(index) else {
            break;
        };
        if !needs_escape(byte) {
            index += 1;
            continue;
        }
        if byte == 0xc2 {
            // U+0080..U+009F are C2 80..C2 9F in UTF-8.
            match bytes.get(index + 1) {
                Some(next) if (0x80..=0x9f).contains(next) => {
                    out.push_str(&text[start..index]);
                    let _ = write!(out, "\\u{:04x}", *next as u32);
                    index += 2;
                    start = index;
                }
                _ => index += 1,
            }
            continue;
        }
        out.push_str(&text[start..index]);
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            other => {
                let _ = write!(out, "\\u{:04x}", other as u32);
            }
        }
        index += 1;
        start = index;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// `text` as a JSON string literal.
pub fn escape_string(text: &str) -> String {
    let mut out = String::new();
    write_string(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_skipping_never_misses_an_escape() {
        // Every escapable byte at every position of a word, among plain text.
        for special in [
            "\"", "\\", "\n", "\u{1}", "\u{1f}", "\u{7f}", "\u{85}", "\u{9f}",
        ] {
            for pos in 0..20 {
                let text = format!("{}{special}{}", "a".repeat(pos), "b".repeat(20 - pos));
                let slow: String = {
                    let mut out = String::from("\"");
                    for c in text.chars() {
                        let mut buf = [0u8; 4];
                        let mut one = String::new();
                        write_string(c.encode_utf8(&mut buf), &mut one);
                        out.push_str(&one[1..one.len() - 1]);
                    }
                    out.push('"');
                    out
                };
                assert_eq!(escape_string(&text), slow, "{text:?}");
            }
        }
        // Bytes that merely look special in a word: é is C3 A9, ¡ is C2 A1.
        assert_eq!(
            escape_string("aaaaaaaé¡ aaaaaaaa"),
            "\"aaaaaaaé¡ aaaaaaaa\""
        );
    }

    #[test]
    fn numbers() {
        let cases = [
            (0.1, "0.10000000000000001"),
            (1.0 / 3.0, "0.33333333333333331"),
            (1e20, "100000000000000000000"),
            (-0.0, "-0"),
            (2.5e-7, "2.4999999999999999e-07"),
            (-1.5, "-1.5"),
            (42.0, "42"),
            (
                123456789012345678901234567890.0,
                "123456789012345677877719597056",
            ),
        ];
        for (n, text) in cases {
            assert_eq!(format_number(n), text, "{n}");
        }
    }

    #[test]
    fn strings() {
        assert_eq!(
            escape_string("\u{7f}\u{80}\u{9f}\u{a0}é"),
            "\"\\u007f\\u0080\\u009f\u{a0}é\""
        );
        assert_eq!(
            escape_string("\u{1}\u{8}\u{c}\n\r\t\"\\/"),
            "\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\/\""
        );
        assert_eq!(escape_string("😀"), "\"😀\"");
    }
}
