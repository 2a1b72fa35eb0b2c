//! `std` functions that encode and decode: base64, UTF-8, hashes and the
//! `escapeString*` family.
//!
//! The codecs and digests come from the `base64`, `md-5`, `sha1`, `sha2`
//! and `sha3` crates. What is written here is the reference's (C++ jsonnet
//! 0.22) view of their inputs and outputs, which is not always the usual
//! one:
//!
//! - `std.base64` of a string encodes its code points as bytes (each must
//!   be below 256), not its UTF-8; `std.base64Decode` makes each decoded
//!   byte a code point (Latin-1), not UTF-8 text.
//! - `std.base64DecodeBytes` decodes four characters at a time, so padding
//!   may appear between groups (`"AQ==AQ=="`) and unused bits need not be
//!   zero; its errors are those of the `std.jsonnet` lookup table it uses
//!   (`field does not exist: !`).
//! - `std.decodeUTF8` decodes invalid UTF-8 with the reference's own
//!   decoder ([`decode_utf8_like_reference`]).
//! - `std.sha1`, `std.sha256`, `std.sha512` and `std.sha3` (SHA3-512) are
//!   only in go-jsonnet; C++ jsonnet 0.22 raises an error for them. kcfg
//!   provides them as go-jsonnet does.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use kcfg_lang::ast::BinaryOp;
use kcfg_lang::eval::builtin::{Args, Builtin};
use kcfg_lang::eval::{Array, Ctx, Lazy, Result, Str, Value};
use kcfg_lang::span::Span;

use crate::args::{str_arg, type_error};

/// The rows of this area.
pub static ROWS: &[Builtin] = &[
    Builtin::strict("base64", &["input"], base64),
    Builtin::strict("base64Decode", &["str"], base64_decode),
    Builtin::strict("base64DecodeBytes", &["str"], base64_decode_bytes),
    Builtin::strict("encodeUTF8", &["str"], encode_utf8),
    Builtin::strict("decodeUTF8", &["arr"], decode_utf8),
    Builtin::strict("md5", &["str"], md5),
    Builtin::strict("sha1", &["str"], sha1),
    Builtin::strict("sha256", &["str"], sha256),
    Builtin::strict("sha512", &["str"], sha512),
    Builtin::strict("sha3", &["str"], sha3),
    Builtin::strict("escapeStringBash", &["str_"], escape_string_bash),
    Builtin::strict("escapeStringDollars", &["str_"], escape_string_dollars),
    Builtin::strict("escapeStringJson", &["str_"], escape_string_json),
    Builtin::strict("escapeStringPython", &["str"], escape_string_json),
    Builtin::strict("escapeStringXML", &["str_"], escape_string_xml),
];

/// Standard base64 that accepts any padding and non-zero unused bits, for
/// decoding one group of the reference's four-character loop.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The capacity a byte buffer built from an array starts with; it grows
/// from there as the elements are read.
const INITIAL_BYTES: usize = 1 << 20;

/// The base64 alphabet.
const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// ----- base64 ------------------------------------------------------------------

/// The bytes `std.base64` encodes: a string's code points, or an array's
/// numbers, each below 256.
/// An ASCII string is its own bytes and is borrowed.
fn base64_bytes<'a>(
    ctx: &mut Ctx<'a>,
    input: Value<'a>,
    span: Span,
) -> Result<std::borrow::Cow<'a, [u8]>> {
    const NOT_BYTES: &str = "Can only base64 encode strings / arrays of single bytes.";
    match input {
        Value::Str(s) => {
            let text = ctx.flat_text(s, span)?;
            if text.is_ascii() {
                return Ok(text.as_bytes().into());
            }
            let mut bytes = Vec::with_capacity(text.len());
            for c in text.chars() {
                match u8::try_from(c as u32) {
                    Ok(byte) => bytes.push(byte),
                    Err(_) => return Err(ctx.error(span, NOT_BYTES)),
                }
            }
            Ok(bytes.into())
        }
        Value::Arr(arr) => {
            // Grown as the elements are read: a bad element is reported as
            // the reference reports it, however long a view `arr` is.
            let mut bytes = ctx.vec_with_capacity(arr.len().min(INITIAL_BYTES), span)?;
            // Numbers known without forcing (literals, bytes) are read
            // directly: passing each element's `Value` through `force` cost
            // a store-forwarding stall per element.
            for lazy in arr.iter() {
                ctx.poll_limits(span)?;
                let n = match lazy {
                    Lazy::Val(Value::Num(n)) => n,
                    lazy => match ctx.force(lazy, span)? {
                        Value::Num(n) => n,
                        other => {
                            // `a < 256` is what rejects a non-number.
                            ctx.binary(BinaryOp::Lt, other, Value::Num(256.0), span)?;
                            return Err(ctx.error(span, NOT_BYTES));
                        }
                    },
                };
                if n >= 256.0 {
                    return Err(ctx.error(span, NOT_BYTES));
                }
                // The reference takes the bits with `&`, so a negative
                // number is its two's complement.
                let bits = ctx.binary(BinaryOp::BitAnd, Value::Num(n), Value::Num(255.0), span)?;
                let Value::Num(bits) = bits else {
                    unreachable!("& of numbers is a number")
                };
                ctx.push(&mut bytes, bits as u8, span)?;
            }
            Ok(bytes.into())
        }
        _ => Err(ctx.error(span, "In comprehension, can only iterate over array.")),
    }
}

/// `std.base64(input)`.
fn base64<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let bytes = base64_bytes(ctx, args.value(0), args.site)?;
    // Encoded straight into the arena: the output is often large.
    let encoded_len = base64::encoded_len(bytes.len(), true).unwrap_or(usize::MAX);
    let buf = ctx.alloc_slice_with(encoded_len, args.site, |_| 0u8)?;
    let written = STANDARD
        .encode_slice(&bytes, buf)
        .map_err(|err| ctx.error(args.site, format!("base64: {err}")))?;
    let text = std::str::from_utf8(&buf[..written])
        .map_err(|err| ctx.error(args.site, format!("base64: {err}")))?;
    Ok(Value::Str(Str::new(ctx.bump, text)))
}

/// Decodes base64 as the reference's `std.base64DecodeBytes` does.
///
/// The bytes are in the arena. Well-formed input is decoded in one pass;
/// anything else goes through the reference's checks, in its order.
fn base64_decode_raw<'a>(ctx: &mut Ctx<'a>, input: Value<'a>, span: Span) -> Result<&'a [u8]> {
    if let Value::Str(s) = input {
        let text = ctx.flat_text(s, span)?;
        // Valid base64 is ASCII, so its byte length is its length in code
        // points; padding may only close the string.
        let padding_at_end = || text.find('=').is_none_or(|at| at + 2 >= text.len());
        if text.len().is_multiple_of(4) && padding_at_end() {
            let buf = ctx.alloc_slice_with(text.len() / 4 * 3, span, |_| 0u8)?;
            if let Ok(written) = LENIENT.decode_slice(text, buf) {
                return Ok(&buf[..written]);
            }
        }
    }
    let bytes = base64_decode_raw_checked(ctx, input, span)?;
    Ok(ctx.alloc_slice_copied(&bytes, span)?)
}

/// [`base64_decode_raw`] with every check of the reference.
fn base64_decode_raw_checked<'a>(
    ctx: &mut Ctx<'a>,
    input: Value<'a>,
    span: Span,
) -> Result<Vec<u8>> {
    let len = kcfg_lang::eval::core::length(ctx, input, span)?;
    if len % 4 != 0 {
        let shown = ctx.to_string_value(input, span)?;
        return Err(ctx.error(
            span,
            format!(
                "Not a base64 encoded string \"{}\"",
                ctx.flat_text(shown, span)?
            ),
        ));
    }
    let text = match input {
        Value::Str(s) => ctx.flat_text(s, span)?,
        _ if len == 0 => "",
        Value::Obj(_) | Value::Arr(_) => {
            return Err(ctx.error(span, "object index must be string, got number."))
        }
        other => {
            return Err(ctx.error(
                span,
                format!(
                    "can only index objects, strings, and arrays, got {}.",
                    other.type_name()
                ),
            ))
        }
    };
    // Three bytes per group of four characters at most, and room for the
    // decoder's last group.
    let capacity = text.len() / 4 * 3 + 3;
    let mut bytes = ctx.vec_with_capacity(capacity, span)?;
    bytes.resize(capacity, 0u8);
    if let Ok(written) = LENIENT.decode_slice(text, &mut bytes) {
        if !text.contains('=') || text.find('=').is_some_and(|at| at + 2 >= text.len()) {
            bytes.truncate(written);
            return Ok(bytes);
        }
    }
    bytes.clear();
    // Group by group, as the reference's loop goes, so that its first
    // error is the one reported. The length in code points is a multiple
    // of four.
    let mut chars = text.chars();
    while let Some(first) = chars.next() {
        let mut group = [first, '=', '=', '='];
        for slot in &mut group[1..] {
            *slot = chars.next().unwrap_or('=');
        }
        let lookup = |c: char| -> std::result::Result<(), char> {
            if ALPHABET.contains(c) {
                Ok(())
            } else {
                Err(c)
            }
        };
        // The order in which the reference looks the characters up.
        let mut order = vec![group[0], group[1]];
        if group[2] != '=' {
            order.extend([group[1], group[2]]);
        }
        if group[3] != '=' {
            order.extend([group[2], group[3]]);
        }
        if let Err(c) = order.into_iter().try_for_each(lookup) {
            return Err(ctx.error(span, format!("field does not exist: {c}")));
        }
        let mut quad = [0u8; 4];
        for (slot, c) in quad.iter_mut().zip(group) {
            *slot = c as u8;
        }
        let n_bytes = if group[2] == '=' {
            1
        } else if group[3] == '=' {
            2
        } else {
            3
        };
        let decoded = LENIENT
            .decode(&quad[..n_bytes + 1])
            .map_err(|err| ctx.error(span, format!("base64: {err}")))?;
        bytes.extend(decoded);
    }
    Ok(bytes)
}

/// `std.base64DecodeBytes(str)`: the decoded bytes as numbers.
fn base64_decode_bytes<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let bytes = base64_decode_raw(ctx, args.value(0), args.site)?;
    Ok(Value::Arr(Array::bytes(ctx.bump, bytes)))
}

/// `std.base64Decode(str)`: the decoded bytes as code points.
fn base64_decode<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let bytes = base64_decode_raw(ctx, args.value(0), args.site)?;
    // Each byte is one code point (U+0000..U+00FF); ASCII is already UTF-8.
    if bytes.is_ascii() {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Ok(Value::Str(Str::new(ctx.bump, text)));
        }
    }
    let text: String = bytes.iter().map(|b| char::from(*b)).collect();
    ctx.copy_str(&text, args.site)
}

// ----- UTF-8 -------------------------------------------------------------------

/// `std.encodeUTF8(str)`: the UTF-8 bytes of a string.
fn encode_utf8<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let s = str_arg(ctx, args, 0, &["string"])?;
    let bytes = ctx.flat_text(s, args.site)?.as_bytes();
    Ok(Value::Arr(Array::bytes(ctx.bump, bytes)))
}

/// Decodes bytes as the reference's decoder does: a lead byte announces
/// how many continuation bytes follow; a sequence cut short by the end of
/// the input is one U+FFFD for its lead byte, while a bad continuation byte
/// makes U+FFFD and consumes the bytes read so far, the bad one included.
/// Overlong forms decode to their value. Code points that are not Unicode
/// scalar values (surrogates, beyond U+10FFFF), which the reference keeps,
/// become U+FFFD.
pub fn decode_utf8_like_reference(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_string();
    }
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let lead = bytes[i];
        let (extra, init) = match lead {
            0x00..=0x7f => (0, lead as u32),
            _ if lead & 0xe0 == 0xc0 => (1, (lead & 0x1f) as u32),
            _ if lead & 0xf0 == 0xe0 => (2, (lead & 0x0f) as u32),
            _ if lead & 0xf8 == 0xf0 => (3, (lead & 0x07) as u32),
            _ => {
                out.push(char::REPLACEMENT_CHARACTER);
                i += 1;
                continue;
            }
        };
        if i + extra >= bytes.len() {
            out.push(char::REPLACEMENT_CHARACTER);
            i += 1;
            continue;
        }
        let mut code = init;
        let mut valid = true;
        for _ in 0..extra {
            i += 1;
            let byte = bytes[i];
            if byte & 0xc0 != 0x80 {
                valid = false;
                break;
            }
            code = (code << 6) | (byte & 0x3f) as u32;
        }
        let c = if valid {
            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
        } else {
            char::REPLACEMENT_CHARACTER
        };
        out.push(c);
        i += 1;
    }
    out
}

/// `std.decodeUTF8(arr)`: the string whose UTF-8 bytes are `arr`.
fn decode_utf8<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Arr(arr) = args.value(0) else {
        return Err(type_error(ctx, args, &["array"]));
    };
    // Grown as the elements are read: a bad element is reported as the
    // reference reports it, however long a view `arr` is.
    let mut bytes = ctx.vec_with_capacity(arr.len().min(INITIAL_BYTES), args.site)?;
    for (index, lazy) in arr.iter().enumerate() {
        ctx.poll_limits(args.site)?;
        match ctx.force(lazy, args.site)? {
            Value::Num(n) if (0.0..=255.0).contains(&n) && n.fract() == 0.0 => {
                ctx.push(&mut bytes, n as u8, args.site)?;
            }
            Value::Num(_) => {
                return Err(ctx.error(
                    args.site,
                    format!(
                        "Element {index} of the provided array was not an integer in range [0,255]"
                    ),
                ))
            }
            _ => {
                return Err(ctx.error(
                    args.site,
                    format!("Element {index} of the provided array was not a number"),
                ))
            }
        }
    }
    let text = decode_utf8_like_reference(&bytes);
    ctx.copy_str(&text, args.site)
}

// ----- hashes --------------------------------------------------------------------

/// Hashes the UTF-8 of string argument 0 with digest `D`, as lowercase hex.
fn digest<'a, D: sha2::Digest>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let s = str_arg(ctx, args, 0, &["string"])?;
    let hash = D::digest(ctx.flat_text(s, args.site)?.as_bytes());
    let mut hex = String::with_capacity(hash.len() * 2);
    for byte in hash.iter() {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        hex.push(DIGITS[(byte >> 4) as usize] as char);
        hex.push(DIGITS[(byte & 0xf) as usize] as char);
    }
    ctx.copy_str(&hex, args.site)
}

/// `std.md5(str)`.
fn md5<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    digest::<md5::Md5>(ctx, args)
}

/// `std.sha1(str)` (go-jsonnet).
fn sha1<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    digest::<sha1::Sha1>(ctx, args)
}

/// `std.sha256(str)` (go-jsonnet).
fn sha256<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    digest::<sha2::Sha256>(ctx, args)
}

/// `std.sha512(str)` (go-jsonnet).
fn sha512<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    digest::<sha2::Sha512>(ctx, args)
}

/// `std.sha3(str)`: SHA3-512 (go-jsonnet).
fn sha3<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    digest::<sha3::Sha3_512>(ctx, args)
}

// ----- escaping ----------------------------------------------------------------

/// The text of `std.toString(args[0])`.
fn text_of<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<&'a str> {
    let s = ctx.to_string_value(args.value(0), args.site)?;
    ctx.flat_text(s, args.site)
}

/// `std.escapeStringJson(str_)` and `std.escapeStringPython(str)`: a JSON
/// string literal.
fn escape_string_json<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let text = text_of(ctx, args)?;
    let mut out = String::with_capacity(text.len() + 2);
    kcfg_lang::text::write_string(text, &mut out);
    ctx.copy_str(&out, args.site)
}

/// `std.escapeStringBash(str_)`: single-quoted for a POSIX shell.
fn escape_string_bash<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let text = text_of(ctx, args)?;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    out.push_str(&text.replace('\'', "'\"'\"'"));
    out.push('\'');
    ctx.copy_str(&out, args.site)
}

/// `std.escapeStringDollars(str_)`: `$` doubled.
fn escape_string_dollars<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let text = text_of(ctx, args)?;
    if !text.contains('$') {
        return Ok(ctx.str_ref(text));
    }
    ctx.copy_str(&text.replace('$', "$$"), args.site)
}

/// `std.escapeStringXML(str_)`: the five XML entities.
fn escape_string_xml<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let text = text_of(ctx, args)?;
    if !text.contains(['<', '>', '&', '"', '\'']) {
        return Ok(ctx.str_ref(text));
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    ctx.copy_str(&out, args.site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_bad_utf8_like_the_reference() {
        assert_eq!(decode_utf8_like_reference(b"h\xc3\xa9"), "hé");
        assert_eq!(decode_utf8_like_reference(b"\xff"), "\u{fffd}");
        assert_eq!(decode_utf8_like_reference(b"\xc3"), "\u{fffd}");
        // A bad continuation byte is swallowed with its lead byte.
        assert_eq!(decode_utf8_like_reference(b"\xe2AB"), "\u{fffd}B");
        // Cut short by the end: only the lead byte is replaced.
        assert_eq!(decode_utf8_like_reference(b"\xe2A"), "\u{fffd}A");
        // Overlong forms decode to their value.
        assert_eq!(decode_utf8_like_reference(b"\xc1\x81"), "A");
        // Surrogates are not text.
        assert_eq!(decode_utf8_like_reference(b"\xed\xa0\x80"), "\u{fffd}");
    }
}
