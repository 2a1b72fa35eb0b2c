//! Helpers for reading builtin arguments and reporting type errors the way
//! the reference does.

use kcfg_lang::eval::builtin::Args;
use kcfg_lang::eval::{Array, Ctx, Error, Function, Object, Str, Value};

pub use kcfg_lang::eval::builtin::type_error;

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
