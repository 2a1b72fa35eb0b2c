//! `std` functions on strings: slicing, searching, splitting, joining,
//! stripping and case.
//!
//! Jsonnet strings are sequences of code points, so every index and length
//! here counts code points, not bytes. Most strings in configuration are
//! ASCII, where the two agree; [`CharIndex`] keeps that case free and only
//! walks the text when it holds wider characters.
//!
//! The reference (C++ jsonnet 0.22) implements some of these natively
//! (`substr`, `splitLimit`, `strReplace`, `join`, `asciiLower`, …) and the
//! rest in `std.jsonnet`; where the Jsonnet definition is quirky on inputs
//! of unexpected types (`std.startsWith([1], "")`, `std.lstripChars` of an
//! array), the same quirks are reproduced, with the same messages.

use kcfg_lang::eval::builtin::{Args, Builtin};
use kcfg_lang::eval::value::Deferred;
use kcfg_lang::eval::{Array, Ctx, Error, Lazy, Result, Str, Value};
use kcfg_lang::span::Span;

use crate::args::{str_arg, type_error};

/// The rows of this area.
pub static ROWS: &[Builtin] = &[
    Builtin::strict("asciiLower", &["str"], ascii_lower),
    Builtin::strict("asciiUpper", &["str"], ascii_upper),
    Builtin::strict("char", &["n"], char_),
    Builtin::strict("codepoint", &["str"], codepoint),
    Builtin::strict("endsWith", &["a", "b"], ends_with),
    Builtin::strict("startsWith", &["a", "b"], starts_with),
    Builtin::strict("equalsIgnoreCase", &["str1", "str2"], equals_ignore_case),
    Builtin::strict("findSubstr", &["pat", "str"], find_substr),
    Builtin::strict("isEmpty", &["str"], is_empty),
    Builtin::strict("join", &["sep", "arr"], join),
    Builtin::strict("lines", &["arr"], lines),
    Builtin::strict("lstripChars", &["str", "chars"], lstrip_chars),
    Builtin::strict("rstripChars", &["str", "chars"], rstrip_chars),
    Builtin::strict("stripChars", &["str", "chars"], strip_chars),
    Builtin::strict("trim", &["str"], trim),
    Builtin::strict("split", &["str", "c"], split),
    Builtin::strict("splitLimit", &["str", "c", "maxsplits"], split_limit),
    Builtin::strict("splitLimitR", &["str", "c", "maxsplits"], split_limit_r),
    Builtin::strict("strReplace", &["str", "from", "to"], str_replace),
    Builtin::strict("stringChars", &["str"], string_chars),
    Builtin::strict("substr", &["str", "from", "len"], substr),
    Builtin::strict("toString", &["a"], to_string),
];

/// The characters `std.trim` removes.
const TRIM_CHARS: &str = " \t\n\x0c\r\u{85}\u{a0}";

// ----- helpers -------------------------------------------------------------

/// Converts a number to C's `long` as the reference does (`long(d)`):
/// truncation toward zero, and on x86-64 the "integer indefinite" value
/// `LONG_MIN` for anything out of range.
pub(crate) fn c_long(n: f64) -> i64 {
    // 2^63: the first double past `i64::MAX`.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&n) {
        n as i64
    } else {
        i64::MIN
    }
}

/// Maps code-point positions of a text to byte offsets.
pub(crate) struct CharIndex<'t> {
    text: &'t str,
    ascii: bool,
}

impl<'t> CharIndex<'t> {
    /// An index over the text of `s`.
    pub(crate) fn new<'a>(ctx: &Ctx<'a>, s: Str<'a>, span: Span) -> Result<CharIndex<'a>> {
        let text = ctx.flat_text(s, span)?;
        Ok(CharIndex {
            text,
            ascii: ctx.is_ascii(s, span)?,
        })
    }

    /// Byte offset of code point `index` at or after byte offset `from`
    /// (which is code point `from_index`); the text length if past the end.
    fn byte_offset(&self, from: usize, from_index: usize, index: usize) -> usize {
        if self.ascii {
            return index.min(self.text.len());
        }
        match self.text[from..].char_indices().nth(index - from_index) {
            Some((offset, _)) => from + offset,
            None => self.text.len(),
        }
    }

    /// Code points `start .. start + len` (clamped to the text).
    pub(crate) fn slice(&self, start: usize, len: usize) -> &'t str {
        let begin = self.byte_offset(0, 0, start);
        let end = self.byte_offset(begin, start, start.saturating_add(len));
        &self.text[begin..end]
    }

    /// The number of code points between byte offsets `from` and `to`.
    fn char_count(&self, from: usize, to: usize) -> usize {
        if self.ascii {
            to - from
        } else {
            self.text[from..to].chars().count()
        }
    }
}

/// `std.length`, with its message for values that have none.
fn length<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, span: Span) -> Result<usize> {
    kcfg_lang::eval::core::length(ctx, value, span)
}

/// The reference's message for a builtin the Jsonnet part of its `std`
/// calls with the wrong types, as `substr` in `std.startsWith([1], [])`.
fn inner_type_error<'a>(ctx: &Ctx<'a>, span: Span, name: &str, expected: &str, got: &str) -> Error {
    ctx.error(
        span,
        format!("Builtin function {name} expected ({expected}) but got ({got})"),
    )
}

/// `std.member(chars, x)`, as the stripping functions use it: equality
/// against the elements of an array, or substring search in a string.
fn member<'a>(ctx: &mut Ctx<'a>, chars: Value<'a>, x: Value<'a>, span: Span) -> Result<bool> {
    match chars {
        Value::Arr(arr) => {
            for lazy in arr.iter() {
                ctx.poll_limits(span)?;
                let elem = ctx.force(lazy, span)?;
                if ctx.equals(elem, x, span)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::Str(chars) => match x {
            Value::Str(x) => {
                let needle = ctx.flat_text(x, span)?;
                Ok(!needle.is_empty() && ctx.flat_text(chars, span)?.contains(needle))
            }
            other => Err(ctx.error(
                span,
                format!(
                    "findSubstr first parameter should be a string, got {}",
                    other.type_name()
                ),
            )),
        },
        _ => Err(ctx.error(
            span,
            "std.member first argument must be an array or a string",
        )),
    }
}

/// The reference's error for `value[0]` on a value that is not indexable
/// by number.
fn index_error<'a>(ctx: &Ctx<'a>, value: Value<'a>, span: Span) -> Error {
    match value {
        Value::Obj(_) => ctx.error(span, "object index must be string, got number."),
        other => ctx.error(
            span,
            format!(
                "can only index objects, strings, and arrays, got {}.",
                other.type_name()
            ),
        ),
    }
}

// ----- case ----------------------------------------------------------------

/// `std.asciiLower(str)`.
fn ascii_lower<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let s = str_arg(ctx, args, 0, &["string"])?;
    let text = ctx.flat_text(s, args.site)?;
    if !text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Ok(Value::Str(s));
    }
    ctx.copy_str(&text.to_ascii_lowercase(), args.site)
}

/// `std.asciiUpper(str)`.
fn ascii_upper<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let s = str_arg(ctx, args, 0, &["string"])?;
    let text = ctx.flat_text(s, args.site)?;
    if !text.bytes().any(|b| b.is_ascii_lowercase()) {
        return Ok(Value::Str(s));
    }
    ctx.copy_str(&text.to_ascii_uppercase(), args.site)
}

/// `std.equalsIgnoreCase(str1, str2)`: `asciiLower(str1) ==
/// asciiLower(str2)`.
fn equals_ignore_case<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let mut texts = [""; 2];
    for (index, text) in texts.iter_mut().enumerate() {
        match args.value(index) {
            Value::Str(s) => *text = ctx.flat_text(s, args.site)?,
            other => {
                return Err(inner_type_error(
                    ctx,
                    args.site,
                    "asciiLower",
                    "string",
                    other.type_name(),
                ))
            }
        }
    }
    Ok(Value::Bool(texts[0].eq_ignore_ascii_case(texts[1])))
}

// ----- code points ---------------------------------------------------------

/// `std.char(n)`: the one-character string of code point `n`.
///
/// The reference also builds strings of surrogate code points, which are
/// not text; kcfg gives U+FFFD for those.
fn char_<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Num(n) = args.value(0) else {
        return Err(type_error(ctx, args, &["number"]));
    };
    let code = c_long(n);
    if code < 0 {
        return Err(ctx.error(args.site, format!("codepoints must be >= 0, got {code}")));
    }
    if code >= 0x110000 {
        return Err(ctx.error(args.site, format!("invalid unicode codepoint, got {code}")));
    }
    let c = char::from_u32(code as u32).unwrap_or(char::REPLACEMENT_CHARACTER);
    let mut buf = [0u8; 4];
    Ok(ctx.str(c.encode_utf8(&mut buf)))
}

/// `std.codepoint(str)`: the code point of a one-character string.
fn codepoint<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let s = str_arg(ctx, args, 0, &["string"])?;
    let text = ctx.flat_text(s, args.site)?;
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(Value::Num(c as u32 as f64)),
        _ => Err(ctx.error(
            args.site,
            format!(
                "codepoint takes a string of length 1, got length {}",
                ctx.char_len(s, args.site)?
            ),
        )),
    }
}

// ----- prefixes, substrings, searching --------------------------------------

/// `std.startsWith(a, b)` and `std.endsWith(a, b)`, which the reference
/// defines as `std.length(a) >= std.length(b) && std.substr(a, …) == b`.
fn affix<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, suffix: bool) -> Result<Value<'a>> {
    let (a, b) = (args.value(0), args.value(1));
    let len_a = length(ctx, a, args.site)?;
    let len_b = length(ctx, b, args.site)?;
    if len_a < len_b {
        return Ok(Value::Bool(false));
    }
    let Value::Str(a) = a else {
        return Err(inner_type_error(
            ctx,
            args.site,
            "substr",
            "string, number, number",
            &format!("{}, number, number", a.type_name()),
        ));
    };
    let Value::Str(b) = b else {
        return Ok(Value::Bool(false));
    };
    let (a, b) = (ctx.flat_text(a, args.site)?, ctx.flat_text(b, args.site)?);
    Ok(Value::Bool(if suffix {
        a.ends_with(b)
    } else {
        a.starts_with(b)
    }))
}

/// `std.startsWith(a, b)`.
fn starts_with<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    affix(ctx, args, false)
}

/// `std.endsWith(a, b)`.
fn ends_with<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    affix(ctx, args, true)
}

/// `std.substr(str, from, len)`: `len` code points from `from`, clamped to
/// the string.
fn substr<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let expected = &["string", "number", "number"];
    let (Value::Str(s), Value::Num(from), Value::Num(len)) =
        (args.value(0), args.value(1), args.value(2))
    else {
        return Err(type_error(ctx, args, expected));
    };
    let (from, len) = (c_long(from), c_long(len));
    if from < 0 {
        return Err(ctx.error(
            args.site,
            format!("substr second parameter should be greater than zero, got {from}"),
        ));
    }
    if len < 0 {
        return Err(ctx.error(
            args.site,
            format!("substr third parameter should be greater than zero, got {len}"),
        ));
    }
    let index = CharIndex::new(ctx, s, args.site)?;
    let (from, len) = (from as usize, len as usize);
    if from == 0 && len >= s.byte_len() {
        return Ok(Value::Str(s));
    }
    Ok(ctx.str_ref(index.slice(from, len)))
}

/// `std.findSubstr(pat, str)`: the code-point index of every occurrence of
/// `pat` in `str`, overlapping ones included.
fn find_substr<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let pat = match args.value(0) {
        Value::Str(s) => s,
        other => {
            return Err(ctx.error(
                args.site,
                format!(
                    "findSubstr first parameter should be a string, got {}",
                    other.type_name()
                ),
            ))
        }
    };
    let s = match args.value(1) {
        Value::Str(s) => s,
        other => {
            return Err(ctx.error(
                args.site,
                format!(
                    "findSubstr second parameter should be a string, got {}",
                    other.type_name()
                ),
            ))
        }
    };
    let needle = ctx.flat_text(pat, args.site)?;
    let index = CharIndex::new(ctx, s, args.site)?;
    let haystack = index.text;
    let mut found = Vec::new();
    if let Some(first) = needle.chars().next() {
        let step = first.len_utf8();
        let (mut start, mut start_index) = (0, 0);
        while let Some(pos) = haystack[start..].find(needle) {
            ctx.check_limits(args.site)?;
            let offset = start + pos;
            let char_index = start_index + index.char_count(start, offset);
            found.push(Value::Num(char_index as f64));
            start = offset + step;
            start_index = char_index + 1;
        }
    }
    Ok(ctx.array(found))
}

/// `std.isEmpty(str)`: `std.length(str) == 0`.
fn is_empty<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    Ok(Value::Bool(length(ctx, args.value(0), args.site)? == 0))
}

/// `std.toString(a)`: strings unchanged, anything else as JSON on one line.
fn to_string<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    ctx.to_string_value(args.value(0), args.site)
        .map(Value::Str)
}

// ----- stripping -----------------------------------------------------------

/// Which end [`strip`] works on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Left,
    Right,
}

/// `std.lstripChars` / `std.rstripChars`: drops elements from one end of
/// `value` while they are members of `chars`.
fn strip<'a>(
    ctx: &mut Ctx<'a>,
    value: Value<'a>,
    chars: Value<'a>,
    end: End,
    span: Span,
) -> Result<Value<'a>> {
    match (value, chars) {
        (Value::Str(s), Value::Str(set)) => {
            let text = ctx.flat_text(s, span)?;
            let set = ctx.flat_text(set, span)?;
            let stripped = if set.is_ascii() && set.len() <= 8 {
                let set = set.as_bytes();
                let is_member = |c: char| c.is_ascii() && set.contains(&(c as u8));
                match end {
                    End::Left => text.trim_start_matches(is_member),
                    End::Right => text.trim_end_matches(is_member),
                }
            } else {
                let is_member = |c: char| set.contains(c);
                match end {
                    End::Left => text.trim_start_matches(is_member),
                    End::Right => text.trim_end_matches(is_member),
                }
            };
            if stripped.len() == text.len() {
                Ok(value)
            } else {
                Ok(ctx.str_ref(stripped))
            }
        }
        (Value::Str(s), _) => {
            // One character at a time, as the reference does, so that a
            // bad `chars` is only reported for a non-empty string.
            let text = ctx.flat_text(s, span)?;
            let mut rest = text;
            loop {
                let c = match end {
                    End::Left => rest.chars().next(),
                    End::Right => rest.chars().next_back(),
                };
                let Some(c) = c else { break };
                let mut buf = [0u8; 4];
                let elem = ctx.str(c.encode_utf8(&mut buf));
                if !member(ctx, chars, elem, span)? {
                    break;
                }
                rest = match end {
                    End::Left => &rest[c.len_utf8()..],
                    End::Right => &rest[..rest.len() - c.len_utf8()],
                };
            }
            Ok(if rest.len() == text.len() {
                value
            } else {
                ctx.str_ref(rest)
            })
        }
        (Value::Arr(arr), _) => {
            let (mut start, mut stop) = (0, arr.len());
            while start < stop {
                ctx.check_limits(span)?;
                let at = if end == End::Left { start } else { stop - 1 };
                let elem = arr.get(at).expect("index is in bounds");
                let elem = ctx.force(elem, span)?;
                if !member(ctx, chars, elem, span)? {
                    break;
                }
                match end {
                    End::Left => start += 1,
                    End::Right => stop -= 1,
                }
            }
            Ok(Value::Arr(Array::slice(ctx.bump, arr, start, stop, 1)))
        }
        (other, _) => {
            if length(ctx, other, span)? == 0 {
                Ok(other)
            } else {
                Err(index_error(ctx, other, span))
            }
        }
    }
}

/// `std.lstripChars(str, chars)`.
fn lstrip_chars<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    strip(ctx, args.value(0), args.value(1), End::Left, args.site)
}

/// `std.rstripChars(str, chars)`.
fn rstrip_chars<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    strip(ctx, args.value(0), args.value(1), End::Right, args.site)
}

/// `std.stripChars(str, chars)`: right, then left.
fn strip_chars<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let chars = args.value(1);
    let right = strip(ctx, args.value(0), chars, End::Right, args.site)?;
    strip(ctx, right, chars, End::Left, args.site)
}

/// `std.trim(str)`: strips spaces, tabs, line breaks, form feeds, NEL and
/// no-break spaces from both ends.
fn trim<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let chars = ctx.str_ref(TRIM_CHARS);
    let right = strip(ctx, args.value(0), chars, End::Right, args.site)?;
    strip(ctx, right, chars, End::Left, args.site)
}

// ----- splitting -------------------------------------------------------------

/// Splits `text` at non-overlapping occurrences of `sep` from the left, at
/// most `max_splits` times (`None`: no limit).
fn split_left<'t>(text: &'t str, sep: &str, max_splits: Option<usize>) -> Vec<&'t str> {
    match max_splits {
        None => text.split(sep).collect(),
        Some(n) => text.splitn(n.saturating_add(1), sep).collect(),
    }
}

/// Splits `text` at non-overlapping occurrences of `sep` found from the
/// right, at most `max_splits` times, returning the pieces in order.
fn split_right<'t>(text: &'t str, sep: &str, max_splits: Option<usize>) -> Vec<&'t str> {
    let mut pieces: Vec<&'t str> = match max_splits {
        None => text.rsplit(sep).collect(),
        Some(n) => text.rsplitn(n.saturating_add(1), sep).collect(),
    };
    pieces.reverse();
    pieces
}

/// The splitting limit the reference reads from `maxsplits`: `-1` (or any
/// negative number, which it compares as a huge unsigned one) is no limit.
fn max_splits(n: f64) -> Option<usize> {
    let n = c_long(n);
    (n >= 0).then_some(n as usize)
}

/// Splits with an empty separator, which only terminates with a limit:
/// `n` empty pieces, then the whole text.
fn split_empty<'a>(ctx: &mut Ctx<'a>, s: Str<'a>, limit: usize, span: Span) -> Result<Value<'a>> {
    if limit > 1 << 24 {
        return Err(ctx.error(
            span,
            "std.splitLimit second parameter must have length 1 or greater, got 0",
        ));
    }
    let empty = ctx.str_ref("");
    let pieces = std::iter::repeat_n(empty, limit).chain(std::iter::once(Value::Str(s)));
    Ok(ctx.array(pieces))
}

fn pieces_array<'a>(ctx: &Ctx<'a>, whole: Str<'a>, pieces: Vec<&'a str>) -> Value<'a> {
    if pieces.len() == 1 {
        return ctx.array([Value::Str(whole)]);
    }
    ctx.array(pieces.into_iter().map(|piece| ctx.str_ref(piece)))
}

/// The string arguments of `std.split` / `std.splitLimitR`, checked as the
/// reference's assertions check them.
fn split_args<'a>(
    ctx: &mut Ctx<'a>,
    args: &Args<'a>,
    prefix: &str,
    name: &str,
) -> Result<(Str<'a>, Str<'a>)> {
    let s = match args.value(0) {
        Value::Str(s) => s,
        other => {
            return Err(ctx.error(
                args.site,
                format!(
                    "{prefix}.{name} first parameter must be a String, got {}",
                    other.type_name()
                ),
            ))
        }
    };
    let c = match args.value(1) {
        Value::Str(c) => c,
        other => {
            return Err(ctx.error(
                args.site,
                format!(
                    "{prefix}.{name} second parameter must be a String, got {}",
                    other.type_name()
                ),
            ))
        }
    };
    if c.is_empty() {
        return Err(ctx.error(
            args.site,
            format!("std.{name} second parameter must have length 1 or greater, got 0"),
        ));
    }
    Ok((s, c))
}

/// `std.split(str, c)`.
fn split<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (s, c) = split_args(ctx, args, "std", "split")?;
    let (text, sep) = (ctx.flat_text(s, args.site)?, ctx.flat_text(c, args.site)?);
    let pieces = split_left(text, sep, None);
    Ok(pieces_array(ctx, s, pieces))
}

/// `std.splitLimit(str, c, maxsplits)`.
fn split_limit<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (Value::Str(s), Value::Str(c), Value::Num(n)) =
        (args.value(0), args.value(1), args.value(2))
    else {
        return Err(type_error(ctx, args, &["string", "string", "number"]));
    };
    let limit = max_splits(n);
    if c.is_empty() {
        return split_empty(ctx, s, limit.unwrap_or(usize::MAX), args.site);
    }
    let (text, sep) = (ctx.flat_text(s, args.site)?, ctx.flat_text(c, args.site)?);
    let pieces = split_left(text, sep, limit);
    Ok(pieces_array(ctx, s, pieces))
}

/// `std.splitLimitR(str, c, maxsplits)`: like `splitLimit`, splitting from
/// the right.
fn split_limit_r<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (s, c) = split_args(ctx, args, "str", "splitLimitR")?;
    let n = match args.value(2) {
        Value::Num(n) => n,
        other => {
            return Err(ctx.error(
                args.site,
                format!(
                    "str.splitLimitR third parameter must be a Number, got {}",
                    other.type_name()
                ),
            ))
        }
    };
    let (text, sep) = (ctx.flat_text(s, args.site)?, ctx.flat_text(c, args.site)?);
    let pieces = if n == -1.0 {
        split_left(text, sep, None)
    } else {
        split_right(text, sep, max_splits(n))
    };
    Ok(pieces_array(ctx, s, pieces))
}

/// `std.strReplace(str, from, to)`: every non-overlapping occurrence of
/// `from`, left to right.
fn str_replace<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (Value::Str(s), Value::Str(from), Value::Str(to)) =
        (args.value(0), args.value(1), args.value(2))
    else {
        return Err(type_error(ctx, args, &["string", "string", "string"]));
    };
    if from.is_empty() {
        return Err(ctx.error(args.site, "'from' string must not be zero length."));
    }
    let (text, from, to) = (
        ctx.flat_text(s, args.site)?,
        ctx.flat_text(from, args.site)?,
        ctx.flat_text(to, args.site)?,
    );
    let count = text.matches(from).count();
    if count == 0 {
        return Ok(Value::Str(s));
    }
    // A long `to` for many matches multiplies the text.
    let len = count
        .checked_mul(to.len())
        .and_then(|added| (text.len() - count * from.len()).checked_add(added))
        .unwrap_or(usize::MAX);
    let mut out = ctx.string_with_capacity(len, args.site)?;
    let mut last = 0;
    for (at, _) in text.match_indices(from) {
        out.push_str(&text[last..at]);
        out.push_str(to);
        last = at + from.len();
    }
    out.push_str(&text[last..]);
    Ok(ctx.str_ref(out.into_bump_str()))
}

// ----- characters, joining -----------------------------------------------------

/// An element of `std.stringChars` of a non-string with a length: indexing
/// it fails when the element is used, as in the reference.
struct IndexError<'a> {
    value: Value<'a>,
    span: Span,
}

impl<'a> Deferred<'a> for IndexError<'a> {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        Err(index_error(ctx, self.value, self.span))
    }
}

/// `std.stringChars(str)`: the one-character strings of `str`.
fn string_chars<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    match args.value(0) {
        Value::Str(s) => Ok(Value::Arr(crate::arrays::seq::chars(ctx, s, args.site)?)),
        Value::Arr(arr) => Ok(Value::Arr(arr)),
        other => {
            let len = length(ctx, other, args.site)?;
            let span = args.site;
            let elems: Vec<Lazy<'a>> = (0..len)
                .map(|_| ctx.defer(IndexError { value: other, span }))
                .collect();
            Ok(Value::Arr(Array::new(
                ctx.bump,
                ctx.bump.alloc_slice_copy(&elems),
            )))
        }
    }
}

/// Joins strings: `sep` between the non-null elements of `arr`, then
/// `end` if there was any. The text is built once, in the arena, at its
/// final size: joins of long strings are the big allocations of some
/// programs.
fn join_strings<'a>(
    ctx: &mut Ctx<'a>,
    sep: &str,
    arr: Array<'a>,
    end: &str,
    span: Span,
) -> Result<Value<'a>> {
    // Grown past its first capacity as the elements are read, so that an
    // element of the wrong type is reported as the reference reports it,
    // however long a view `arr` is.
    let mut parts: Vec<&'a str> = ctx.vec_with_capacity(arr.len().min(1 << 16), span)?;
    for (index, lazy) in arr.iter().enumerate() {
        ctx.poll_limits(span)?;
        match ctx.force(lazy, span)? {
            Value::Null => {}
            Value::Str(s) => {
                let text = ctx.flat_text(s, span)?;
                ctx.push(&mut parts, text, span)?;
            }
            other => {
                return Err(ctx.error(
                    span,
                    format!("expected string but arr[{index}] was {}", other.type_name()),
                ))
            }
        }
    }
    if parts.is_empty() {
        return Ok(ctx.str_ref(""));
    }
    // A long separator between many parts multiplies it.
    let len = parts
        .iter()
        .try_fold(end.len(), |total, part| total.checked_add(part.len()))
        .zip(sep.len().checked_mul(parts.len() - 1))
        .and_then(|(parts, seps)| parts.checked_add(seps))
        .unwrap_or(usize::MAX);
    let mut out = ctx.string_with_capacity(len, span)?;
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.push_str(sep);
        }
        out.push_str(part);
    }
    out.push_str(end);
    Ok(ctx.str_ref(out.into_bump_str()))
}

/// `std.join(sep, arr)`: strings joined with a string separator, or arrays
/// concatenated with an array separator; `null` elements are skipped.
fn join<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (sep, arr) = (args.value(0), args.value(1));
    if !matches!(sep, Value::Str(_) | Value::Arr(_)) {
        return Err(ctx.error(
            args.site,
            format!(
                "join first parameter should be string or array, got {}",
                sep.type_name()
            ),
        ));
    }
    let Value::Arr(arr) = arr else {
        return Err(ctx.error(
            args.site,
            format!(
                "join second parameter should be array, got {}",
                arr.type_name()
            ),
        ));
    };
    match sep {
        Value::Str(sep) => {
            let sep = ctx.flat_text(sep, args.site)?;
            join_strings(ctx, sep, arr, "", args.site)
        }
        Value::Arr(sep) => {
            let mut parts: Vec<Array<'a>> = Vec::new();
            let mut first = true;
            for (index, lazy) in arr.iter().enumerate() {
                ctx.check_limits(args.site)?;
                match ctx.force(lazy, args.site)? {
                    Value::Null => {}
                    Value::Arr(part) => {
                        if !first {
                            ctx.push(&mut parts, sep, args.site)?;
                        }
                        first = false;
                        ctx.push(&mut parts, part, args.site)?;
                    }
                    other => {
                        return Err(ctx.error(
                            args.site,
                            format!("expected array but arr[{index}] was {}", other.type_name()),
                        ))
                    }
                }
            }
            Ok(Value::Arr(ctx.concat_arrays(&parts, args.site)?))
        }
        _ => unreachable!("separator type checked above"),
    }
}

/// `std.lines(arr)`: `std.join("\n", arr + [""])`.
fn lines<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let arr = match args.value(0) {
        Value::Arr(arr) => arr,
        other => {
            // `arr + [""]` either fails or (for a string) makes a string,
            // which `std.join` then rejects.
            let tail = ctx.array([ctx.str_ref("")]);
            let sum = ctx.add(other, tail, args.site)?;
            return Err(ctx.error(
                args.site,
                format!(
                    "join second parameter should be array, got {}",
                    sum.type_name()
                ),
            ));
        }
    };
    join_strings(ctx, "\n", arr, "\n", args.site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_long_truncates_like_x86() {
        assert_eq!(c_long(1.9), 1);
        assert_eq!(c_long(-1.9), -1);
        assert_eq!(c_long(1e30), i64::MIN);
        assert_eq!(c_long(-1e30), i64::MIN);
    }

    #[test]
    fn splits_from_either_end() {
        assert_eq!(split_left("a,b,c", ",", Some(1)), ["a", "b,c"]);
        assert_eq!(split_right("a,b,c", ",", Some(1)), ["a,b", "c"]);
        assert_eq!(split_left("aaa", "aa", None), ["", "a"]);
        assert_eq!(split_right("aaa", "aa", None), ["a", ""]);
        assert_eq!(split_right("a,b,c", ",", Some(0)), ["a,b,c"]);
    }
}
