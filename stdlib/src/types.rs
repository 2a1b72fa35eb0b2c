//! `std` functions: type tests and the functions that reach outside the
//! evaluation or into its tooling: `std.trace` (a side channel to the
//! embedding program), `std.native` (functions it registered),
//! `std.assertEqual`, `std.resolvePath` and `std.id`.

use kcfg_lang::eval::builtin::{Args, Builtin};
use kcfg_lang::eval::{Ctx, Result, Value};
use kcfg_lang::text::escape_string;

use crate::arrays::seq::builtin_type_error;

/// The rows of this area.
pub static ROWS: &[Builtin] = &[
    Builtin::strict("isArray", &["v"], is_array),
    Builtin::strict("isBoolean", &["v"], is_boolean),
    Builtin::strict("isFunction", &["v"], is_function),
    Builtin::strict("isNull", &["v"], is_null),
    Builtin::strict("isNumber", &["v"], is_number),
    Builtin::strict("isObject", &["v"], is_object),
    Builtin::strict("isString", &["v"], is_string),
    Builtin::strict("id", &["x"], id),
    Builtin::strict("assertEqual", &["a", "b"], assert_equal),
    Builtin::strict("trace", &["str", "rest"], trace),
    Builtin::strict("native", &["name"], native),
    Builtin::strict("resolvePath", &["f", "r"], resolve_path),
];

macro_rules! type_test {
    ($($(#[$doc:meta])* $name:ident => $pattern:pat,)*) => {$(
        $(#[$doc])*
        fn $name<'a>(_ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
            Ok(Value::Bool(matches!(args.value(0), $pattern)))
        }
    )*};
}

type_test! {
    /// `std.isArray(v)`.
    is_array => Value::Arr(_),
    /// `std.isBoolean(v)`.
    is_boolean => Value::Bool(_),
    /// `std.isFunction(v)`.
    is_function => Value::Func(_),
    /// `std.isNull(v)`.
    is_null => Value::Null,
    /// `std.isNumber(v)`.
    is_number => Value::Num(_),
    /// `std.isObject(v)`.
    is_object => Value::Obj(_),
    /// `std.isString(v)`.
    is_string => Value::Str(_),
}

/// `std.id(x)`: `x` (go-jsonnet's; the C++ reference has it only as a
/// local of its `std.jsonnet`).
fn id<'a>(_ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    Ok(args.value(0))
}

/// `std.assertEqual(a, b)`: `true`, or an error showing both values
/// (strings as JSON literals, anything else as `std.toString` writes it).
fn assert_equal<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (a, b) = (args.value(0), args.value(1));
    if ctx.equals(a, b, args.site)? {
        return Ok(Value::Bool(true));
    }
    let mut shown = [String::new(), String::new()];
    for (text, value) in shown.iter_mut().zip([a, b]) {
        *text = match value {
            Value::Str(s) => escape_string(ctx.flat_text(s, args.site)?),
            other => {
                let s = ctx.to_string_value(other, args.site)?;
                ctx.flat_text(s, args.site)?.to_string()
            }
        };
    }
    Err(ctx.error(
        args.site,
        format!("Assertion failed. {} != {}", shown[0], shown[1]),
    ))
}

/// `std.trace(str, rest)`: hands `TRACE: <file>:<line> <str>` to the
/// evaluation's trace callback ([`kcfg_lang::eval::EvalConfig::trace`]),
/// naming the line of the call, and returns `rest`.
fn trace<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Str(message) = args.value(0) else {
        return Err(ctx.error(
            args.site,
            format!(
                "Builtin function trace expected string as first parameter but got {}",
                args.value(0).type_name()
            ),
        ));
    };
    let file = ctx.program().sources().get(args.site.file);
    let line = file.line_col(args.site.start).line;
    let text = format!(
        "TRACE: {}:{} {}",
        file.name,
        line,
        ctx.flat_text(message, args.site)?
    );
    (ctx.config().trace)(&text);
    Ok(args.value(1))
}

/// `std.native(name)`: the function the embedding program registered
/// under `name` (see [`kcfg_lang::program::Std::add_native`]), or `null`.
fn native<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Str(name) = args.value(0) else {
        return Err(builtin_type_error(
            ctx,
            args.site,
            "native",
            &["string"],
            &[args.value(0).type_name()],
        ));
    };
    let name = ctx.flat_text(name, args.site)?;
    Ok(ctx.native(name).unwrap_or(Value::Null))
}

/// `std.resolvePath(f, r)`: `r` next to `f`, that is `f` up to its last
/// `/` (kept), then `r`.
fn resolve_path<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Str(path) = args.value(0) else {
        return Err(ctx.error(
            args.site,
            format!(
                "std.split first parameter must be a String, got {}",
                args.value(0).type_name()
            ),
        ));
    };
    // The reference splits on `/`, drops the last part, appends `r` and
    // joins with `/`; `std.join` skips a null `r` and refuses other types.
    let path = ctx.flat_text(path, args.site)?;
    let parts = path.split('/').count();
    let dir = match path.rfind('/') {
        Some(slash) => &path[..slash],
        None => "",
    };
    match args.value(1) {
        Value::Str(r) => {
            let r = ctx.flat_text(r, args.site)?;
            if parts == 1 {
                Ok(ctx.str(r))
            } else {
                Ok(ctx.str(&format!("{dir}/{r}")))
            }
        }
        Value::Null => Ok(ctx.str(dir)),
        other => Err(ctx.error(
            args.site,
            format!(
                "expected string but arr[{}] was {}",
                parts - 1,
                other.type_name()
            ),
        )),
    }
}
