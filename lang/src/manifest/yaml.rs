//! YAML output for Kubernetes manifests (`kcfg render`, the Argo CD
//! plugin).
//!
//! The layout is the one Kubernetes tools print (`kubectl get -o yaml`):
//! block style, two-space indentation, sequences at the indentation of their
//! key, keys in Jsonnet's order (sorted), `{}` and `[]` for empty
//! collections. The output must read back as exactly the same data with any
//! YAML parser, 1.1 or 1.2, so a string is written plain only when no
//! resolver could take it for something else:
//!
//! * strings that YAML 1.1 or 1.2 reads as booleans (`y`, `no`, `on`, `True`
//!   …), null (`~`, `null`), numbers (`1e3`, `0x1F`, `0o17`, `017`, `1_000`,
//!   `1:30`, `.inf`, `.NaN` …), timestamps (`2024-01-02`) or merge keys (`<<`)
//!   are double-quoted;
//! * so are strings that start with an indicator character, contain `: ` or
//!   ` #`, have leading or trailing spaces, or contain control characters;
//! * multi-line strings are literal blocks (`|`, `|-`, `|+`), which keep them
//!   readable in diffs, unless a line has trailing spaces or the text has
//!   characters a block cannot carry, in which case they are double-quoted;
//! * the parsers' own patterns count too: ruamel.yaml (YAML 1.2) reads `._`
//!   as a float it cannot convert, so that is quoted.
//!
//! A mapping key longer than 1024 bytes as written is an explicit key
//! (`? key` and `: value` on the next line): YAML limits implicit keys to
//! 1024 characters, and PyYAML, ruamel and libyaml (so kubectl) reject the
//! line otherwise (issue 16).
//!
//! Numbers print as integers when integral, otherwise in the shortest form
//! that reads back as the same double.

use std::fmt::Write as _;

use crate::eval::{Ctx, Origin, Result, Value};

/// Writes `value` as one YAML document (no `---`), ending with a newline.
pub fn write_document<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, out: &mut String) -> Result<()> {
    let mut writer = Writer { out };
    let from = Origin::MANIFEST;
    match value {
        Value::Obj(_) | Value::Arr(_) if !is_empty(ctx, value) => {
            writer.block(ctx, value, 0, from)?
        }
        other => {
            writer.scalar_or_flow(ctx, other, 0, from)?;
            writer.out.push('\n');
        }
    }
    Ok(())
}

/// `value` as one YAML document.
pub fn to_document<'a>(ctx: &mut Ctx<'a>, value: Value<'a>) -> Result<String> {
    let mut out = String::new();
    write_document(ctx, value, &mut out)?;
    Ok(out)
}

fn is_empty<'a>(ctx: &mut Ctx<'a>, value: Value<'a>) -> bool {
    match value {
        Value::Arr(array) => array.is_empty(),
        Value::Obj(obj) => obj.fields(ctx.bump).iter().all(|f| f.hidden),
        _ => false,
    }
}

struct Writer<'o> {
    out: &'o mut String,
}

impl Writer<'_> {
    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str("  ");
        }
    }

    /// Writes a non-empty object or array in block style, starting at the
    /// current position (already indented for the first line). Fields and
    /// elements are entered in frames as the JSON writer enters them (see
    /// [`Origin`]).
    fn block<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        value: Value<'a>,
        level: usize,
        from: Origin,
    ) -> Result<()> {
        match value {
            Value::Obj(obj) => {
                if obj.needs_assert_check() {
                    ctx.check_asserts(obj, from.site)?;
                }
                let fields = obj.fields(ctx.bump);
                let mut first = true;
                for field in fields.iter().filter(|f| !f.hidden) {
                    if !first {
                        self.indent(level);
                    }
                    first = false;
                    if self.implicit_key(field.name.as_str()) {
                        self.out.push(':');
                        ctx.enter_field(obj, field.name, from, |ctx, child, inner| {
                            self.after_key(ctx, child, level, inner)
                        })?;
                    } else {
                        self.out.push('\n');
                        self.indent(level);
                        self.out.push(':');
                        ctx.enter_field(obj, field.name, from, |ctx, child, inner| {
                            self.after_explicit_key(ctx, child, level, inner)
                        })?;
                    }
                }
                Ok(())
            }
            Value::Arr(array) => {
                let mut first = true;
                for lazy in array.iter() {
                    // The output grows with no frame entered.
                    ctx.check_limits_at(from.site)?;
                    if !first {
                        self.indent(level);
                    }
                    first = false;
                    self.out.push_str("- ");
                    ctx.enter_element(lazy, from, |ctx, child, inner| match child {
                        Value::Obj(_) | Value::Arr(_) if !is_empty(ctx, child) => {
                            self.block(ctx, child, level + 1, inner)
                        }
                        other => {
                            self.scalar_or_flow(ctx, other, level + 1, inner)?;
                            self.out.push('\n');
                            Ok(())
                        }
                    })?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Writes `key` as an implicit key (`key:` follows) when parsers take
    /// it as one, and otherwise as an explicit key (`? key`, then `:` on a
    /// line of its own): YAML limits implicit keys to 1024 characters, and
    /// PyYAML, ruamel, libyaml and so kubectl fail on a longer one (issue
    /// 16). Returns whether the key is implicit.
    fn implicit_key(&mut self, key: &str) -> bool {
        let start = self.out.len();
        write_key(key, self.out);
        if self.out.len() - start <= MAX_IMPLICIT_KEY {
            return true;
        }
        self.out.truncate(start);
        self.out.push_str("? ");
        write_key(key, self.out);
        false
    }

    /// Writes what follows the `:` of an explicit key: the value on the
    /// same line, a collection in compact form (its first entry after
    /// `: `, the others indented under it, as after `- `).
    fn after_explicit_key<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        child: Value<'a>,
        level: usize,
        from: Origin,
    ) -> Result<()> {
        self.out.push(' ');
        match child {
            Value::Obj(_) | Value::Arr(_) if !is_empty(ctx, child) => {
                self.block(ctx, child, level + 1, from)
            }
            other => {
                self.scalar_or_flow(ctx, other, level + 1, from)?;
                self.out.push('\n');
                Ok(())
            }
        }
    }

    /// Writes what follows `key:`.
    fn after_key<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        child: Value<'a>,
        level: usize,
        from: Origin,
    ) -> Result<()> {
        match child {
            Value::Obj(_) if !is_empty(ctx, child) => {
                self.out.push('\n');
                self.indent(level + 1);
                self.block(ctx, child, level + 1, from)
            }
            // Sequences under a key sit at the key's indentation, as kubectl
            // prints them.
            Value::Arr(_) if !is_empty(ctx, child) => {
                self.out.push('\n');
                self.indent(level);
                self.block(ctx, child, level, from)
            }
            other => {
                self.out.push(' ');
                self.scalar_or_flow(ctx, other, level + 1, from)?;
                self.out.push('\n');
                Ok(())
            }
        }
    }

    /// Writes a scalar, `{}` or `[]`. `level` is the indentation a block
    /// scalar's lines get.
    fn scalar_or_flow<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        value: Value<'a>,
        level: usize,
        from: Origin,
    ) -> Result<()> {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if b { "true" } else { "false" }),
            Value::Num(n) => write_number(n, self.out),
            Value::Str(s) => {
                let text = ctx.flat_text_at(s, from.site)?;
                write_string(text, level, self.out);
            }
            Value::Arr(_) => self.out.push_str("[]"),
            Value::Obj(_) => self.out.push_str("{}"),
            Value::Func(_) => {
                return Err(ctx.error_at(
                    "kcfg::manifest::function",
                    from.site,
                    "couldn't manifest function in YAML output.",
                ));
            }
        }
        Ok(())
    }
}

/// A number: integral values in full, others in the shortest form that
/// reads back as the same double.
pub fn write_number(n: f64, out: &mut String) {
    if n == n.trunc() && n.abs() < 1e17 {
        if n == 0.0 && n.is_sign_negative() {
            out.push_str("-0");
        } else {
            let _ = write!(out, "{}", n as i64);
        }
    } else if n == n.trunc() {
        let _ = write!(out, "{n:.0}");
    } else {
        // Rust's shortest round-trip form; it never uses an exponent, so
        // YAML 1.1 parsers (which need a dot before one) read it too.
        let _ = write!(out, "{n}");
    }
}

/// The longest implicit key, in bytes as written (quotes and escapes
/// included), that YAML parsers accept: the limit is 1024 characters, which
/// some parsers (serde_norway's libyaml translation) count in bytes.
const MAX_IMPLICIT_KEY: usize = 1024;

fn write_key(key: &str, out: &mut String) {
    if is_plain_safe(key) {
        out.push_str(key);
    } else {
        write_double_quoted(key, out);
    }
}

/// Writes a string value: plain, double-quoted or as a literal block.
pub fn write_string(text: &str, level: usize, out: &mut String) {
    if text.contains('\n') {
        if can_be_block(text) {
            write_block(text, level, out);
        } else {
            write_double_quoted(text, out);
        }
    } else if is_plain_safe(text) {
        out.push_str(text);
    } else {
        write_double_quoted(text, out);
    }
}

/// Characters a plain or block scalar cannot carry as they are: those
/// YAML does not allow in a stream at all (C0 and C1 controls, U+FFFE,
/// U+FFFF), and those a parser reads as a line break or a byte order mark.
fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
        )
}

fn can_be_block(text: &str) -> bool {
    text.chars().all(|c| c == '\n' || !must_escape(c))
        && !text
            .lines()
            .any(|line| line.ends_with(' ') || line.ends_with('\t'))
        && !text.starts_with('\n')
}

fn write_block(text: &str, level: usize, out: &mut String) {
    let trailing = text.len() - text.trim_end_matches('\n').len();
    out.push('|');
    // A first line that starts with a space needs an explicit indentation
    // indicator, or the parser would take its spaces as indentation.
    if text.starts_with(' ') {
        out.push('2');
    }
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    let body = if trailing == 1 {
        &text[..text.len() - 1]
    } else {
        text.trim_end_matches('\n')
    };
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            for _ in 0..level {
                out.push_str("  ");
            }
            out.push_str(line);
        }
    }
    if trailing > 1 {
        for _ in 1..trailing {
            out.push('\n');
        }
    }
}

fn write_double_quoted(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if must_escape(c) => {
                let code = c as u32;
                if code <= 0xff {
                    let _ = write!(out, "\\x{code:02x}");
                } else {
                    let _ = write!(out, "\\u{code:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether `text` can be written as a plain scalar and read back as the
/// same string by YAML 1.1 and 1.2 parsers.
pub fn is_plain_safe(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if matches!(first, b' ' | b'\t') || matches!(last, b' ' | b'\t' | b':') {
        return false;
    }
    if b"-?:,[]{}#&*!|>'\"%@`".contains(&first) {
        // `-`, `?` and `:` are allowed when followed by a non-space, but
        // `-1`, `-.5` or `:x` invite misreading; quote them all.
        return false;
    }
    // One pass over the bytes: `: ` and ` #` start a mapping value and a
    // comment; control characters need escapes; other characters that need
    // them are all outside ASCII.
    let mut ascii = true;
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b':' if bytes.get(index + 1) == Some(&b' ') => return false,
            b'#' if index > 0 && bytes[index - 1] == b' ' => return false,
            0..=0x1f | 0x7f => return false,
            0x80.. => ascii = false,
            _ => {}
        }
    }
    if !ascii && text.chars().any(must_escape) {
        return false;
    }
    // `...` at the start of a line ends a document.
    if text.starts_with("...") {
        return false;
    }
    // Only the words of the boolean and null types start with a letter
    // among these; every other resolvable scalar starts with a digit or a
    // sign, `.`, `_`, `~`, `<` or `=`. Most strings of a manifest start with
    // another letter and need no closer look (this function runs for every
    // string written).
    if first.is_ascii_alphabetic() && !b"yYnNtTfFoO".contains(&first) {
        return true;
    }
    !is_ambiguous_scalar(text)
}

/// Whether a YAML 1.1 or 1.2 resolver would read `text` as something other
/// than a string.
pub fn is_ambiguous_scalar(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "<<",
        "=",
    ];
    if text.len() <= 5 && WORDS.contains(&text) {
        return true;
    }
    if text.len() <= 5 {
        let lower = text.to_ascii_lowercase();
        if matches!(lower.as_str(), ".inf" | "+.inf" | "-.inf" | ".nan") {
            return true;
        }
    }
    looks_numeric(text) || looks_like_timestamp(text)
}

/// Numbers in the YAML 1.1 and 1.2 forms: decimal, octal (`017`, `0o17`),
/// hexadecimal, binary, with `_` separators, floats with or without a
/// leading digit or exponent, and base-60 (`1:30`).
fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text).as_bytes();
    if body.is_empty() {
        return false;
    }
    // Every numeric form is ASCII; this also keeps the indexing below on
    // character boundaries.
    if !body.is_ascii() {
        return false;
    }
    if body.len() > 1 && body[0] == b'0' {
        let radix = match body[1].to_ascii_lowercase() {
            b'x' => Some(16),
            b'o' => Some(8),
            b'b' => Some(2),
            _ => None,
        };
        if let Some(radix) = radix {
            let digits = &body[2..];
            return !digits.is_empty()
                && digits
                    .iter()
                    .all(|&c| c == b'_' || char::from(c).is_digit(radix));
        }
    }
    // Base 60 (YAML 1.1): 1:30, 190:20:30.5
    if body.contains(&b':') {
        return body[0].is_ascii_digit()
            && body.split(|&c| c == b':').all(|part| {
                !part.is_empty()
                    && part
                        .iter()
                        .all(|&c| c.is_ascii_digit() || c == b'_' || c == b'.')
            });
    }
    // Decimal integers and floats, with underscores and an optional
    // exponent. A mantissa counts as a number when it has a digit or an
    // underscore before the dot, or a digit after it: SnakeYAML's float
    // pattern (`[0-9_]+(\.[0-9_]*)?`) takes even `_` and `_.` for numbers.
    //
    // After the dot, an underscore counts as a digit: ruamel's YAML 1.2
    // float pattern (`\.[0-9_]+`) takes `._` and `.__` for floats and then
    // fails to convert them, so they must be quoted (issue 16).
    let mut before_dot = 0;
    let mut after_dot = 0;
    let mut dots = 0;
    let mut index = 0;
    while let Some(&c) = body.get(index) {
        match c {
            b'0'..=b'9' | b'_' if dots == 0 => before_dot += 1,
            b'0'..=b'9' | b'_' => after_dot += 1,
            b'.' => dots += 1,
            _ => break,
        }
        index += 1;
    }
    let mantissa = before_dot > 0 || after_dot > 0;
    if dots > 1 || !mantissa {
        return false;
    }
    match body.get(index) {
        None => true,
        Some(b'e' | b'E') => {
            let rest = &body[index + 1..];
            let exponent = match rest.first() {
                Some(b'+' | b'-') => &rest[1..],
                _ => rest,
            };
            !exponent.is_empty() && exponent.iter().all(u8::is_ascii_digit)
        }
        Some(_) => false,
    }
}

/// YAML 1.1 timestamps: `2001-12-14`, `2001-12-14t21:59:43.10-05:00`, …
fn looks_like_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 8 || !bytes[0].is_ascii_digit() {
        return false;
    }
    let date_end = bytes
        .iter()
        .position(|&c| !(c.is_ascii_digit() || c == b'-'))
        .unwrap_or(bytes.len());
    let mut parts = 0;
    for part in bytes[..date_end].split(|&c| c == b'-') {
        if part.is_empty() || (parts == 0 && part.len() != 4) {
            return false;
        }
        parts += 1;
    }
    parts == 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml_would_misread() {
        for text in [
            "",
            "y",
            "n",
            "yes",
            "No",
            "on",
            "OFF",
            "true",
            "False",
            "null",
            "~",
            "<<",
            "1",
            "-1",
            "+1",
            "1.5",
            ".5",
            "1e3",
            "1E3",
            "1.0e+3",
            "0x1F",
            "0o17",
            "017",
            "0b101",
            "1_000",
            "_",
            "_.",
            "_e5",
            "._",
            ".__",
            "+._",
            "-.__",
            "0o_",
            "0x_",
            "1:30",
            ".inf",
            "-.Inf",
            ".NaN",
            "2024-01-02",
            "2001-12-14t21:59:43.10-05:00",
            "- x",
            "-x",
            ":x",
            "a: b",
            "a #b",
            " lead",
            "trail ",
            "{x}",
            "[x]",
            "*ref",
            "&anchor",
            "!tag",
            "%x",
            "@x",
            "`x",
            "'x",
            "\"x",
            "|x",
            ">x",
            "#x",
            "a:",
            "\u{7}",
        ] {
            assert!(!is_plain_safe(text), "{text:?} must be quoted");
        }
    }

    #[test]
    fn leaves_ordinary_strings_plain() {
        for text in [
            "nginx:1.27.3",
            "apps/v1",
            "Deployment",
            "edge-eu-001",
            "10.0.0.1",
            "http://x.example/a",
            "a-b_c.d",
            "500m",
            "1Gi",
            "v1.2.3",
            "RollingUpdate",
            "x y",
            "é",
            "1.2.3",
            "a#b",
            "a:b",
        ] {
            assert!(is_plain_safe(text), "{text:?} should stay plain");
        }
    }

    #[test]
    fn blocks() {
        let mut out = String::new();
        write_string("a\nb\n", 1, &mut out);
        assert_eq!(out, "|\n  a\n  b");
        let mut out = String::new();
        write_string("a\n\nb", 0, &mut out);
        assert_eq!(out, "|-\na\n\nb");
        let mut out = String::new();
        write_string(" a\nb\n\n", 0, &mut out);
        assert_eq!(out, "|2+\n a\nb\n");
        let mut out = String::new();
        write_string("trailing \nspace", 0, &mut out);
        assert_eq!(out, "\"trailing \\nspace\"");
    }

    #[test]
    fn numbers() {
        let mut out = String::new();
        for n in [1.0, -0.0, 0.1, 1e20, 2.5e-7, 123456.5] {
            write_number(n, &mut out);
            out.push(' ');
        }
        assert_eq!(out, "1 -0 0.1 100000000000000000000 0.00000025 123456.5 ");
    }
}
