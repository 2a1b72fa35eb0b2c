//! `std` functions that parse text: integers in bases 8, 10 and 16, JSON
//! and YAML.
//!
//! `std.parseJson` has its own parser ([`json`]) because the reference's
//! error messages are those of the JSON library it embeds (nlohmann/json
//! 3.6: `parse error at line 1, column 4: syntax error while parsing value
//! - invalid literal; last read: '987_'`), which only a lexer that reads
//! input the way that library does can reproduce. It builds values straight
//! into the arena without recursion and reads numbers with Rust's correctly
//! rounded `f64` parser, so big inputs are fast and numbers exact.
//!
//! `std.parseYaml` uses the `yaml-rust2` crate (maintained, pure Rust, YAML
//! 1.2, and an event API that reports each scalar's quoting style, which the
//! reference's typing rules need) and types scalars as the reference does:
//! see [`yaml`].

pub mod json;
pub mod yaml;

use kcfg_lang::eval::builtin::{Args, Builtin};
use kcfg_lang::eval::{Ctx, Result, Value};

use crate::args::str_arg;

/// The rows of this area.
pub static ROWS: &[Builtin] = &[
    Builtin::strict("parseInt", &["str"], parse_int),
    Builtin::strict("parseOctal", &["str"], parse_octal),
    Builtin::strict("parseHex", &["str"], parse_hex),
    Builtin::strict("parseJson", &["str"], parse_json),
    Builtin::strict("parseYaml", &["str"], parse_yaml),
];

/// Reads the digits of `text` in `base` as the reference's `parse_nat`
/// does: a digit is `0-9`, `A-Z` or `a-z` by its distance from `'0'`, `'A'`
/// or `'a'`, and must be below the base. `None` names a bad digit.
fn parse_nat(text: &str, base: u32) -> Option<f64> {
    let mut value = 0.0;
    for c in text.chars() {
        let code = c as u32;
        let digit = if code >= 'a' as u32 {
            code - 'a' as u32 + 10
        } else if code >= 'A' as u32 {
            code - 'A' as u32 + 10
        } else if code >= '0' as u32 {
            code - '0' as u32
        } else {
            return None;
        };
        if digit >= base {
            return None;
        }
        value = base as f64 * value + digit as f64;
    }
    Some(value)
}

/// The string argument of the `parse*` functions, checked by the
/// reference's assertion.
fn text_arg<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<&'a str> {
    match args.value(0) {
        Value::Str(s) => Ok(ctx.flat_text(s, args.site)?),
        other => Err(ctx.error(
            args.site,
            format!("Expected string, got {}", other.type_name()),
        )),
    }
}

/// `parse_nat(digits, base)`, or the reference's message for a bad digit.
fn nat<'a>(ctx: &Ctx<'a>, args: &Args<'a>, digits: &str, base: u32) -> Result<f64> {
    parse_nat(digits, base)
        .ok_or_else(|| ctx.error(args.site, format!("{digits} is not a base {base} integer")))
}

/// `std.parseInt(str)`: a decimal integer, optionally negative.
fn parse_int<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let text = text_arg(ctx, args)?;
    if text.is_empty() || text == "-" {
        return Err(ctx.error(args.site, format!("Not an integer: \"{text}\"")));
    }
    match text.strip_prefix('-') {
        Some(digits) => Ok(Value::Num(-nat(ctx, args, digits, 10)?)),
        None => Ok(Value::Num(nat(ctx, args, text, 10)?)),
    }
}

/// `std.parseOctal(str)`.
fn parse_octal<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let text = text_arg(ctx, args)?;
    if text.is_empty() {
        return Err(ctx.error(args.site, "Not an octal number: \"\""));
    }
    Ok(Value::Num(nat(ctx, args, text, 8)?))
}

/// `std.parseHex(str)`.
fn parse_hex<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let text = text_arg(ctx, args)?;
    if text.is_empty() {
        return Err(ctx.error(args.site, "Not hexadecimal: \"\""));
    }
    Ok(Value::Num(nat(ctx, args, text, 16)?))
}

/// `std.parseJson(str)`.
fn parse_json<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let s = str_arg(ctx, args, 0, &["string"])?;
    let text = ctx.flat_text(s, args.site)?;
    json::parse(ctx, text).map_err(|message| ctx.error(args.site, message))
}

/// `std.parseYaml(str)`.
fn parse_yaml<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let s = str_arg(ctx, args, 0, &["string"])?;
    let text = ctx.flat_text(s, args.site)?;
    yaml::parse(ctx, text).map_err(|err| {
        let error = ctx.error(args.site, err.message);
        match err.detail {
            Some(detail) => error.with_note(detail),
            None => error,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naturals() {
        assert_eq!(parse_nat("123", 10), Some(123.0));
        assert_eq!(parse_nat("ff", 16), Some(255.0));
        assert_eq!(parse_nat("FF", 16), Some(255.0));
        assert_eq!(parse_nat("8", 8), None);
        assert_eq!(parse_nat("g", 16), None);
        assert_eq!(parse_nat(" 1", 10), None);
        assert_eq!(parse_nat("", 10), Some(0.0));
    }
}
