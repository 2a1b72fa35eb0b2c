//! `std` functions: math.
//!
//! The reference computes the native ones (`floor`, `pow`, `sin`, …) with
//! the C library and refuses a result that is not a number (`not a
//! number`) or not finite (`overflow`); Rust's `f64` methods call the same
//! C library, so results match bit for bit. The others are Jsonnet in the
//! reference (`std.round(x)` is `std.floor(x + 0.5)`, `std.log2(x)` is
//! `std.log(x) / std.log(2)`), and are computed here the same way, with the
//! same operators, so that they round and fail alike.

use kcfg_lang::ast::BinaryOp;
use kcfg_lang::eval::builtin::{Args, Builtin};
use kcfg_lang::eval::{Ctx, Error, Result, Value};
use kcfg_lang::span::Span;

use crate::args::type_error;
use crate::arrays::seq::builtin_type_error;

/// The rows of this area.
pub static ROWS: &[Builtin] = &[
    Builtin::strict("abs", &["n"], abs),
    Builtin::strict("acos", &["x"], acos),
    Builtin::strict("asin", &["x"], asin),
    Builtin::strict("atan", &["x"], atan),
    Builtin::strict("atan2", &["y", "x"], atan2),
    Builtin::strict("ceil", &["x"], ceil),
    Builtin::strict("clamp", &["x", "minVal", "maxVal"], clamp).lazy_param(2),
    Builtin::strict("cos", &["x"], cos),
    Builtin::strict("deg2rad", &["x"], deg2rad),
    Builtin::strict("exp", &["n"], exp),
    Builtin::strict("exponent", &["n"], exponent),
    Builtin::strict("floor", &["x"], floor),
    Builtin::strict("hypot", &["a", "b"], hypot),
    Builtin::strict("isDecimal", &["x"], is_decimal),
    Builtin::strict("isEven", &["x"], is_even),
    Builtin::strict("isInteger", &["x"], is_integer),
    Builtin::strict("isOdd", &["x"], is_odd),
    Builtin::strict("log", &["n"], log),
    Builtin::strict("log10", &["x"], log10),
    Builtin::strict("log2", &["x"], log2),
    Builtin::strict("mantissa", &["n"], mantissa),
    Builtin::strict("max", &["a", "b"], max),
    Builtin::strict("min", &["a", "b"], min),
    Builtin::strict("modulo", &["a", "b"], modulo),
    Builtin::strict("pow", &["x", "n"], pow),
    Builtin::strict("rad2deg", &["x"], rad2deg),
    Builtin::strict("round", &["x"], round),
    Builtin::strict("sign", &["n"], sign),
    Builtin::strict("sin", &["x"], sin),
    Builtin::strict("sqrt", &["x"], sqrt),
    Builtin::strict("tan", &["x"], tan),
    Builtin::strict("xnor", &["x", "y"], xnor),
    Builtin::strict("xor", &["x", "y"], xor),
];

/// A result of the C library, refused as the reference refuses it.
fn checked<'a>(ctx: &Ctx<'a>, n: f64, span: Span) -> Result<Value<'a>> {
    if n.is_nan() {
        Err(ctx.error(span, "not a number"))
    } else if n.is_infinite() {
        Err(ctx.error(span, "overflow"))
    } else {
        Ok(Value::Num(n))
    }
}

/// The number argument of a one-parameter native, or its type error.
fn one<'a>(ctx: &Ctx<'a>, args: &Args<'a>) -> Result<f64> {
    match args.value(0) {
        Value::Num(n) => Ok(n),
        _ => Err(type_error(ctx, args, &["number"])),
    }
}

/// The number arguments of a two-parameter native, or its type error.
fn two<'a>(ctx: &Ctx<'a>, args: &Args<'a>) -> Result<(f64, f64)> {
    match (args.value(0), args.value(1)) {
        (Value::Num(a), Value::Num(b)) => Ok((a, b)),
        _ => Err(type_error(ctx, args, &["number", "number"])),
    }
}

macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident => $op:expr;)*) => {$(
        $(#[$doc])*
        fn $name<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
            let x = one(ctx, args)?;
            let op: fn(f64) -> f64 = $op;
            checked(ctx, op(x), args.site)
        }
    )*};
}

unary! {
    /// `std.floor(x)`.
    floor => f64::floor;
    /// `std.ceil(x)`.
    ceil => f64::ceil;
    /// `std.sqrt(x)`.
    sqrt => f64::sqrt;
    /// `std.sin(x)`.
    sin => f64::sin;
    /// `std.cos(x)`.
    cos => f64::cos;
    /// `std.tan(x)`.
    tan => f64::tan;
    /// `std.asin(x)`.
    asin => f64::asin;
    /// `std.acos(x)`.
    acos => f64::acos;
    /// `std.atan(x)`.
    atan => f64::atan;
    /// `std.log(n)`: the natural logarithm.
    log => f64::ln;
    /// `std.exp(n)`.
    exp => f64::exp;
    /// `std.mantissa(n)`: `m` of `n = m * 2^e` with `0.5 <= |m| < 1`.
    mantissa => |n| frexp(n).0;
    /// `std.exponent(n)`: `e` of `n = m * 2^e` with `0.5 <= |m| < 1`.
    exponent => |n| f64::from(frexp(n).1);
}

/// C's `frexp`: `x = m * 2^e` with `0.5 <= |m| < 1`, and `(x, 0)` for zero,
/// infinities and NaN.
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * f64::from_bits(0x43f0_0000_0000_0000)); // 2^64
        return (m, e - 64);
    }
    let mantissa = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (mantissa, biased - 1022)
}

/// `std.pow(x, n)`.
fn pow<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (x, n) = two(ctx, args)?;
    checked(ctx, x.powf(n), args.site)
}

/// `std.atan2(y, x)`.
fn atan2<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (y, x) = two(ctx, args)?;
    checked(ctx, y.atan2(x), args.site)
}

/// `std.hypot(a, b)`.
fn hypot<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (a, b) = two(ctx, args)?;
    checked(ctx, a.hypot(b), args.site)
}

/// `std.modulo(a, b)`: C's `fmod`, as `%` on numbers.
fn modulo<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (a, b) = two(ctx, args)?;
    if b == 0.0 {
        return Err(ctx.error(args.site, "division by zero."));
    }
    checked(ctx, kcfg_lang::eval::ops::fmod(a, b), args.site)
}

// ----- written in Jsonnet by the reference ------------------------------------

/// The message of a Jsonnet-level math function given something else than
/// a number: `std.abs expected number, got string`.
fn expected_number<'a>(ctx: &Ctx<'a>, span: Span, what: &str, value: Value<'a>) -> Error {
    ctx.error(
        span,
        format!("std.{what} expected number, got {}", value.type_name()),
    )
}

/// `std.abs(n)`: `if n > 0 then n else -n` (so `std.abs(0)` is `-0`).
fn abs<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    match args.value(0) {
        Value::Num(n) => Ok(Value::Num(if n > 0.0 { n } else { -n })),
        other => Err(expected_number(ctx, args.site, "abs", other)),
    }
}

/// `std.sign(n)`.
fn sign<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    match args.value(0) {
        Value::Num(n) if n > 0.0 => Ok(Value::Num(1.0)),
        Value::Num(n) if n < 0.0 => Ok(Value::Num(-1.0)),
        Value::Num(_) => Ok(Value::Num(0.0)),
        other => Err(expected_number(ctx, args.site, "sign", other)),
    }
}

/// `std.max` (`want_max`) and `std.min`.
fn max_min<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, want_max: bool) -> Result<Value<'a>> {
    let name = if want_max { "max" } else { "min" };
    let (a, b) = match (args.value(0), args.value(1)) {
        (Value::Num(a), Value::Num(b)) => (a, b),
        (Value::Num(_), other) => {
            return Err(ctx.error(
                args.site,
                format!(
                    "std.{name} second param expected number, got {}",
                    other.type_name()
                ),
            ));
        }
        (other, _) => {
            return Err(ctx.error(
                args.site,
                format!(
                    "std.{name} first param expected number, got {}",
                    other.type_name()
                ),
            ));
        }
    };
    let first = if want_max { a > b } else { a < b };
    Ok(Value::Num(if first { a } else { b }))
}

/// `std.max(a, b)`.
fn max<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    max_min(ctx, args, true)
}

/// `std.min(a, b)`.
fn min<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    max_min(ctx, args, false)
}

/// A comparison operator's boolean result.
fn compares<'a>(
    ctx: &mut Ctx<'a>,
    op: BinaryOp,
    a: Value<'a>,
    b: Value<'a>,
    span: Span,
) -> Result<bool> {
    Ok(matches!(ctx.binary(op, a, b, span)?, Value::Bool(true)))
}

/// `std.clamp(x, minVal, maxVal)`: for anything `<` orders.
fn clamp<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (x, min_val) = (args.value(0), args.value(1));
    if compares(ctx, BinaryOp::Lt, x, min_val, args.site)? {
        return Ok(min_val);
    }
    let max_val = match args.get(2) {
        Some(lazy) => ctx.force(lazy, args.site)?,
        None => Value::Null,
    };
    if compares(ctx, BinaryOp::Gt, x, max_val, args.site)? {
        return Ok(max_val);
    }
    Ok(x)
}

/// `x * by / over`, with the operators' errors.
fn scale<'a>(ctx: &mut Ctx<'a>, x: Value<'a>, by: f64, over: f64, span: Span) -> Result<Value<'a>> {
    let product = ctx.binary(BinaryOp::Mul, x, Value::Num(by), span)?;
    ctx.binary(BinaryOp::Div, product, Value::Num(over), span)
}

/// `std.deg2rad(x)`: `x * std.pi / 180`.
fn deg2rad<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    scale(ctx, args.value(0), std::f64::consts::PI, 180.0, args.site)
}

/// `std.rad2deg(x)`: `x * 180 / std.pi`.
fn rad2deg<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    scale(ctx, args.value(0), 180.0, std::f64::consts::PI, args.site)
}

/// `std.log(x) / std.log(base)`, as `std.log2` and `std.log10` compute it.
fn log_base<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, base: f64) -> Result<Value<'a>> {
    let Value::Num(x) = args.value(0) else {
        return Err(builtin_type_error(
            ctx,
            args.site,
            "log",
            &["number"],
            &[args.value(0).type_name()],
        ));
    };
    let log = checked(ctx, x.ln(), args.site)?;
    ctx.binary(BinaryOp::Div, log, Value::Num(base.ln()), args.site)
}

/// `std.log2(x)`.
fn log2<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    log_base(ctx, args, 2.0)
}

/// `std.log10(x)`.
fn log10<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    log_base(ctx, args, 10.0)
}

/// `std.round(x)`: `std.floor(x + 0.5)`, so halves round up, and a
/// string argument fails in `std.floor` after `+` made it `"…0.5"`.
fn rounded<'a>(ctx: &mut Ctx<'a>, x: Value<'a>, span: Span) -> Result<f64> {
    let sum = match x {
        Value::Num(n) => Value::Num(n + 0.5),
        other => ctx.add(other, Value::Num(0.5), span)?,
    };
    match sum {
        Value::Num(n) => match checked(ctx, n.floor(), span)? {
            Value::Num(n) => Ok(n),
            _ => Ok(0.0),
        },
        other => Err(builtin_type_error(
            ctx,
            span,
            "floor",
            &["number"],
            &[other.type_name()],
        )),
    }
}

/// `std.round(x)`.
fn round<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    rounded(ctx, args.value(0), args.site).map(Value::Num)
}

/// `std.isEven(x)`: `std.round(x) % 2 == 0`.
fn is_even<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let n = rounded(ctx, args.value(0), args.site)?;
    Ok(Value::Bool(n % 2.0 == 0.0))
}

/// `std.isOdd(x)`: `std.round(x) % 2 != 0`.
fn is_odd<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let n = rounded(ctx, args.value(0), args.site)?;
    Ok(Value::Bool(n % 2.0 != 0.0))
}

/// `std.isInteger(x)`: `std.round(x) == x`.
fn is_integer<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let n = rounded(ctx, args.value(0), args.site)?;
    Ok(Value::Bool(
        matches!(args.value(0), Value::Num(x) if x == n),
    ))
}

/// `std.isDecimal(x)`: `std.round(x) != x`.
fn is_decimal<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let n = rounded(ctx, args.value(0), args.site)?;
    Ok(Value::Bool(
        !matches!(args.value(0), Value::Num(x) if x == n),
    ))
}

/// `std.xor(x, y)`: `x != y`.
fn xor<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let equal = ctx.equals(args.value(0), args.value(1), args.site)?;
    Ok(Value::Bool(!equal))
}

/// `std.xnor(x, y)`: `x == y`.
fn xnor<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let equal = ctx.equals(args.value(0), args.value(1), args.site)?;
    Ok(Value::Bool(equal))
}

#[cfg(test)]
mod tests {
    use super::frexp;

    #[test]
    fn frexp_matches_c() {
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(frexp(-0.1), (-0.8, -3));
        assert_eq!(frexp(0.0), (0.0, 0));
        assert_eq!(frexp(1e308).1, 1024);
        assert_eq!(frexp(5e-324), (0.5, -1073));
        assert_eq!(frexp(f64::MIN_POSITIVE), (0.5, -1021));
    }
}
