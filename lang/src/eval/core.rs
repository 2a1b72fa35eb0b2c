//! Builtins the language itself relies on: the operators' `std`
//! counterparts (`std.equals` is `==`, `std.mod` is `%`, `std.objectHasEx`
//! is `in`, `std.slice` is `a[b:c:d]`, …), and the ones that reach into the
//! evaluation (`std.extVar`, `std.type`, `std.length`).
//!
//! `kcfg-stdlib` puts these rows in its table next to its own; an evaluator
//! built without `kcfg-stdlib` can still use them through [`CORE`].

use super::builtin::{type_error, Args, Builtin};
use super::value::{Lazy, Value};
use super::{Array, Ctx, Object, Result, Site};
use crate::span::Span;
use crate::sym::Sym;

/// The core rows.
pub static CORE: &[Builtin] = &[
    Builtin::strict("type", &["x"], builtin_type),
    Builtin::strict("length", &["x"], builtin_length),
    Builtin::strict("equals", &["a", "b"], builtin_equals),
    Builtin::strict("primitiveEquals", &["a", "b"], builtin_primitive_equals),
    Builtin::strict("mod", &["a", "b"], builtin_mod),
    Builtin::strict("format", &["str", "vals"], builtin_format),
    Builtin::strict(
        "objectHasEx",
        &["obj", "f", "inc_hidden"],
        builtin_object_has_ex,
    ),
    Builtin::strict(
        "objectFieldsEx",
        &["obj", "inc_hidden"],
        builtin_object_fields_ex,
    ),
    Builtin::strict(
        "slice",
        &["indexable", "index", "end", "step"],
        builtin_slice,
    ),
    Builtin::strict("makeArray", &["sz", "func"], builtin_make_array),
    Builtin::strict("extVar", &["x"], builtin_ext_var),
];

fn builtin_type<'a>(_ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    Ok(Value::Str(super::Str::new(
        _ctx.bump,
        args.value(0).type_name(),
    )))
}

/// `std.length`.
pub fn length<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, span: Span) -> Result<usize> {
    match value {
        Value::Str(s) => ctx.char_len(s, span),
        Value::Arr(a) => Ok(a.len()),
        Value::Obj(o) => Ok(o.visible_fields(ctx.bump).count()),
        Value::Func(f) => Ok(f.param_count()),
        other => Err(ctx.error(
            span,
            format!(
                "length operates on strings, objects, and arrays, got {}",
                other.type_name()
            ),
        )),
    }
}

fn builtin_length<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    length(ctx, args.value(0), args.site).map(|n| Value::Num(n as f64))
}

fn builtin_equals<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    ctx.equals(args.value(0), args.value(1), args.site)
        .map(Value::Bool)
}

fn builtin_primitive_equals<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (a, b) = (args.value(0), args.value(1));
    // Values of different types are unequal before anything is checked.
    if a.type_name() != b.type_name() {
        return Ok(Value::Bool(false));
    }
    match a {
        Value::Arr(_) | Value::Obj(_) => Err(ctx.error(
            args.site,
            format!(
                "primitiveEquals operates on primitive types, got {}",
                a.type_name()
            ),
        )),
        Value::Func(_) => Err(ctx.error(args.site, "cannot test equality of functions")),
        _ => ctx.equals(a, b, args.site).map(Value::Bool),
    }
}

fn builtin_mod<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    ctx.binary(
        crate::ast::BinaryOp::Mod,
        args.value(0),
        args.value(1),
        args.site,
    )
}

fn builtin_format<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Str(format) = args.value(0) else {
        // The reference's `std.format` starts by taking the length of its
        // first argument.
        let message = match args.value(0) {
            Value::Null | Value::Bool(_) | Value::Num(_) => format!(
                "length operates on strings, objects, and arrays, got {}",
                args.value(0).type_name()
            ),
            other => format!(
                "format expected string as first parameter, got {}",
                other.type_name()
            ),
        };
        return Err(ctx.error(args.site, message));
    };
    let format = ctx.flat_text(format, args.site)?;
    let text = ctx.format(
        format,
        args.value(1),
        args.site,
        super::format::FormatEntry::Function,
    )?;
    ctx.copy_str(&text, args.site)
}

fn builtin_object_has_ex<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (Value::Obj(obj), Value::Str(name), Value::Bool(hidden)) =
        (args.value(0), args.value(1), args.value(2))
    else {
        return Err(type_error(ctx, args, &["object", "string", "boolean"]));
    };
    let name = Sym::intern(ctx.flat_text(name, args.site)?);
    Ok(Value::Bool(match obj.is_hidden(name) {
        Some(is_hidden) => hidden || !is_hidden,
        None => false,
    }))
}

fn builtin_object_fields_ex<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (Value::Obj(obj), Value::Bool(hidden)) = (args.value(0), args.value(1)) else {
        return Err(type_error(ctx, args, &["object", "boolean"]));
    };
    Ok(Value::Arr(object_fields(ctx, obj, hidden)))
}

/// The names of an object's fields, sorted, as strings (`std.objectFields`
/// and friends); hidden ones too if `hidden`.
pub fn object_fields<'a>(ctx: &Ctx<'a>, obj: Object<'a>, hidden: bool) -> Array<'a> {
    if let Some(names) = obj.name_array(hidden) {
        return names;
    }
    let bump = ctx.bump;
    let fields = obj.fields(bump);
    let count = if hidden {
        fields.len()
    } else {
        fields.iter().filter(|f| !f.hidden).count()
    };
    let mut names = fields
        .iter()
        .filter(|f| hidden || !f.hidden)
        .map(|f| Lazy::Val(Value::Str(super::Str::new(bump, f.name.as_str()))));
    let names =
        bump.alloc_slice_fill_with(count, |_| names.next().unwrap_or(Lazy::Val(Value::Null)));
    let names = Array::new(bump, names);
    obj.set_name_array(hidden, names);
    names
}

fn builtin_slice<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let part = |i: usize| match args.value(i) {
        Value::Null => None,
        other => Some(other),
    };
    ctx.slice(args.value(0), part(1), part(2), part(3), args.site)
}

/// An element of `std.makeArray`: `func(index)`, computed on first use.
/// The function and call site (inside `std.makeArray`, see
/// [`Ctx::builtin_site`]) are shared by all elements, so that each
/// element's computation is only a pointer and an index.
struct MakeArrayElement<'a> {
    func_and_site: &'a (super::Function<'a>, Site),
    index: usize,
}

impl<'a> super::value::Deferred<'a> for MakeArrayElement<'a> {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        let (func, site) = *self.func_and_site;
        ctx.call_function_from(func, &[Lazy::Val(Value::Num(self.index as f64))], site)
    }
}

/// `long(d)` in C++ on x86-64: truncation toward zero, and the minimum
/// value for anything out of range (the reference converts sizes and bounds
/// this way, so `std.makeArray(1e30, f)` reports a negative size).
pub fn to_long(d: f64) -> i64 {
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&d) {
        i64::MIN
    } else {
        d as i64
    }
}

fn builtin_make_array<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (Value::Num(size), Value::Func(func)) = (args.value(0), args.value(1)) else {
        return Err(type_error(ctx, args, &["number", "function"]));
    };
    // Like the reference, a fractional size is truncated.
    let size = to_long(size);
    if size < 0 {
        return Err(ctx.error(
            args.site,
            format!("makeArray requires size >= 0, got {size}"),
        ));
    }
    let param_count = func.param_count();
    if param_count != 1 {
        return Err(ctx.error(
            args.site,
            format!("makeArray function must take 1 param, got: {param_count}"),
        ));
    }
    let size = size as usize;
    // Each element is a thunk with its computation, besides its slot.
    ctx.reserve_items::<(Lazy<'a>, super::Thunk<'a>, MakeArrayElement<'a>)>(size, args.site)?;
    let func_and_site = &*ctx.bump.alloc((func, ctx.builtin_site(args.site)));
    let elems = ctx.alloc_slice_with(size, args.site, |index| {
        ctx.defer(MakeArrayElement {
            func_and_site,
            index,
        })
    })?;
    Ok(Value::Arr(Array::new(ctx.bump, elems)))
}

fn builtin_ext_var<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Str(name) = args.value(0) else {
        return Err(type_error(ctx, args, &["string"]));
    };
    let name = ctx.flat_text(name, args.site)?;
    ctx.ext_var(name, args.site)
}
