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

use crate::eval::value::ArrayData;
use crate::eval::{Array, Ctx, Lazy, Object, Origin, Result, Site, Value};
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
    write_from(ctx, value, Origin::MANIFEST, style, out)
}

/// Writes `value`, which came from `from`, as JSON in the given style:
/// the fields and elements are entered in frames as the reference enters
/// them (see [`Origin`]).
pub fn write_from<'a>(
    ctx: &mut Ctx<'a>,
    value: Value<'a>,
    from: Origin,
    style: &Style<'_>,
    out: &mut String,
) -> Result<()> {
    let mut writer = Writer {
        style,
        indent: String::new(),
    };
    writer.value(ctx, value, from, out)
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
    write_from(
        ctx,
        value,
        Origin::at(Site::At(span)),
        &Style::SINGLE_LINE,
        &mut out,
    )?;
    Ok(out)
}

struct Writer<'s> {
    style: &'s Style<'s>,
    indent: String,
}

impl Writer<'_> {
    /// Writes `value`, which came from `from`. Small, so that the many
    /// scalars cost a call with a small frame; collections are written
    /// out of line.
    fn value<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        value: Value<'a>,
        from: Origin,
        out: &mut String,
    ) -> Result<()> {
        if write_scalar(ctx, value, out) {
            return Ok(());
        }
        match value {
            Value::Null | Value::Bool(_) | Value::Num(_) | Value::Str(_) => {}
            Value::Func(_) => {
                return Err(ctx.error_at(
                    "kcfg::manifest::function",
                    from.site,
                    "couldn't manifest function in JSON output.",
                ));
            }
            Value::Arr(array) => self.array(ctx, array, from, out)?,
            Value::Obj(obj) => self.object(ctx, obj, from, out)?,
        }
        Ok(())
    }

    #[inline(never)]
    fn array<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        array: Array<'a>,
        from: Origin,
        out: &mut String,
    ) -> Result<()> {
        if array.is_empty() {
            out.push_str(self.style.empty_array);
            return Ok(());
        }
        out.push('[');
        out.push_str(self.style.newline);
        let outer = self.indent.len();
        self.indent.push_str(self.style.indent);
        // Elements in memory are read in place, and ranges and numbers
        // written without making elements: copying an element from where
        // an iterator has just stored it stalls the store buffer, which
        // costs a large array of numbers a fifth of its time.
        match array.0 {
            ArrayData::Elems(elems) => {
                for (index, lazy) in elems.iter().enumerate() {
                    self.separate(ctx, index, from, out)?;
                    self.element(ctx, lazy, from, out)?;
                }
            }
            ArrayData::Nums(nums) => {
                for (index, n) in nums.iter().enumerate() {
                    self.separate(ctx, index, from, out)?;
                    write_number(*n, out);
                }
            }
            ArrayData::Range { start, len } => {
                // The same additions as the array's iterator.
                let mut n = *start;
                for index in 0..*len {
                    self.separate(ctx, index, from, out)?;
                    write_number(n, out);
                    n += 1.0;
                }
            }
            _ => {
                for (index, lazy) in array.iter().enumerate() {
                    self.separate(ctx, index, from, out)?;
                    self.element(ctx, &lazy, from, out)?;
                }
            }
        }
        self.indent.truncate(outer);
        out.push_str(self.style.newline);
        out.push_str(&self.indent);
        out.push(']');
        Ok(())
    }

    /// Starts the element at `index`: the separator and the indentation.
    #[inline(always)]
    fn separate(&self, ctx: &Ctx<'_>, index: usize, from: Origin, out: &mut String) -> Result<()> {
        // The output grows with no frame entered.
        ctx.check_memory_at(from.site)?;
        if index > 0 {
            out.push_str(self.style.comma);
            out.push_str(self.style.newline);
        }
        out.push_str(&self.indent);
        Ok(())
    }

    /// Writes an element: a known number, string, boolean or null at once
    /// (nothing in it can fail), anything else in the element's frame.
    #[inline(always)]
    fn element<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        lazy: &Lazy<'a>,
        from: Origin,
        out: &mut String,
    ) -> Result<()> {
        let written = match lazy {
            Lazy::Val(value) => write_scalar(ctx, *value, out),
            Lazy::Thunk(thunk) => thunk
                .value()
                .is_some_and(|value| write_scalar(ctx, value, out)),
        };
        if written {
            return Ok(());
        }
        ctx.enter_element(*lazy, from, |ctx, element, inner| {
            self.value(ctx, element, inner, out)
        })
    }

    #[inline(never)]
    fn object<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        obj: Object<'a>,
        from: Origin,
        out: &mut String,
    ) -> Result<()> {
        if obj.needs_assert_check() {
            ctx.check_asserts(obj, from.site)?;
        }
        let fields = obj.fields(ctx.bump);
        if fields.iter().all(|f| f.hidden) {
            out.push_str(self.style.empty_object);
            return Ok(());
        }
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
            ctx.enter_field(obj, field.name, from, |ctx, value, inner| {
                self.value(ctx, value, inner, out)
            })?;
        }
        self.indent.truncate(outer);
        out.push_str(self.style.newline);
        out.push_str(&self.indent);
        out.push('}');
        Ok(())
    }
}

/// Writes `value` if it is a number, string, boolean or null, and says
/// whether it was one.
#[inline(always)]
fn write_scalar<'a>(ctx: &Ctx<'a>, value: Value<'a>, out: &mut String) -> bool {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Num(n) => write_number(n, out),
        Value::Str(s) => write_string(ctx.text(s), out),
        Value::Arr(_) | Value::Obj(_) | Value::Func(_) => return false,
    }
    true
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
