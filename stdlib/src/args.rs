//! Helpers for reading builtin arguments and reporting type errors the way
//! the reference does.

use kcfg_lang::eval::builtin::Args;
use kcfg_lang::eval::{Array, Ctx, Error, Function, Object, Str, Value};

/// The reference's message for a builtin called with arguments of the wrong
/// types: `Builtin function codepoint expected (string) but got (number)`.
pub fn type_error<'a>(ctx: &Ctx<'a>, args: &Args<'a>, expected: &[&str]) -> Error {
    let got: Vec<&str> = (0..expected.len())
        .map(|i| args.value(i).type_name())
        .collect();
    ctx.error(
        args.site,
        format!(
            "Builtin function {} expected ({}) but got ({})",
            args.builtin,
            expected.join(", "),
            got.join(", ")
        ),
    )
}

/// Argument `index` as a string, or the reference's type error.
pub fn str_arg<'a>(
    ctx: &Ctx<'a>,
    args: &Args<'a>,
    index: usize,
    expected: &[&str],
) -> Result<Str<'a>, Error> {
    match args.value(index) {
        Value::Str(s) => Ok(s),
        _ => Err(type_error(ctx, args, expected)),
    }
}

/// Argument `index` as a number, or the reference's type error.
pub fn num_arg<'a>(
    ctx: &Ctx<'a>,
    args: &Args<'a>,
    index: usize,
    expected: &[&str],
) -> Result<f64, Error> {
    match args.value(index) {
        Value::Num(n) => Ok(n),
        _ => Err(type_error(ctx, args, expected)),
    }
}

/// Argument `index` as an array, or the reference's type error.
pub fn arr_arg<'a>(
    ctx: &Ctx<'a>,
    args: &Args<'a>,
    index: usize,
    expected: &[&str],
) -> Result<Array<'a>, Error> {
    match args.value(index) {
        Value::Arr(a) => Ok(a),
        _ => Err(type_error(ctx, args, expected)),
    }
}

/// Argument `index` as an object, or the reference's type error.
pub fn obj_arg<'a>(
    ctx: &Ctx<'a>,
    args: &Args<'a>,
    index: usize,
    expected: &[&str],
) -> Result<Object<'a>, Error> {
    match args.value(index) {
        Value::Obj(o) => Ok(o),
        _ => Err(type_error(ctx, args, expected)),
    }
}

/// Argument `index` as a function, or the reference's type error.
pub fn func_arg<'a>(
    ctx: &Ctx<'a>,
    args: &Args<'a>,
    index: usize,
    expected: &[&str],
) -> Result<Function<'a>, Error> {
    match args.value(index) {
        Value::Func(f) => Ok(f),
        _ => Err(type_error(ctx, args, expected)),
    }
}
