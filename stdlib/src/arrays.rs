//! `std` functions: arrays.
//!
//! The reference writes most of these in Jsonnet (its `std.jsonnet`), so
//! their behaviour at the edges comes from the few operations they use:
//! `std.length`, indexing, `+`, `==` and `<`. This module reproduces those
//! edges ([`seq`] explains the common ones) while doing the work natively:
//! no intermediate arrays, lazy views where the result can share its
//! elements (`std.range`, `std.reverse`, `std.removeAt`), and thunks where
//! the reference's result is lazy (`std.map`, `std.mapWithIndex`).
//!
//! Sorting and the set functions are in [`sort`].

pub mod seq;
pub mod sort;

use kcfg_lang::ast::BinaryOp;
use kcfg_lang::eval::builtin::{Args, Builtin};
use kcfg_lang::eval::core::to_long;
use kcfg_lang::eval::value::Deferred;
use kcfg_lang::eval::{Array, Ctx, Function, Lazy, Result, Site, Thunk, Value};
use kcfg_lang::span::Span;

use self::seq::{builtin_type_error, chars, length_error, not_a_function, Fail, Seq, OBJECT_INDEX};

/// The rows of this area.
pub static ROWS: &[Builtin] = &[
    Builtin::strict("all", &["arr"], all),
    Builtin::strict("any", &["arr"], any),
    Builtin::strict("avg", &["arr"], avg),
    Builtin::strict("contains", &["arr", "elem"], contains).lazy_param(1),
    Builtin::strict("count", &["arr", "x"], count).lazy_param(1),
    Builtin::strict("deepJoin", &["arr"], deep_join),
    Builtin::strict("filter", &["func", "arr"], filter),
    Builtin::strict("filterMap", &["filter_func", "map_func", "arr"], filter_map),
    Builtin::strict("find", &["value", "arr"], find).lazy_param(0),
    Builtin::strict("flatMap", &["func", "arr"], flat_map),
    Builtin::strict("flattenArrays", &["arrs"], flatten_arrays),
    Builtin::strict("flattenDeepArray", &["value"], flatten_deep_array),
    Builtin::strict("foldl", &["func", "arr", "init"], foldl)
        .lazy_param(0)
        .lazy_param(2),
    Builtin::strict("foldr", &["func", "arr", "init"], foldr)
        .lazy_param(0)
        .lazy_param(2),
    Builtin::strict("map", &["func", "arr"], map),
    Builtin::strict("mapWithIndex", &["func", "arr"], map_with_index),
    Builtin::strict("member", &["arr", "x"], member).lazy_param(1),
    Builtin::strict("range", &["from", "to"], range),
    Builtin::strict("remove", &["arr", "elem"], remove).lazy_param(1),
    Builtin::strict("removeAt", &["arr", "at"], remove_at).lazy_param(1),
    Builtin::strict("repeat", &["what", "count"], repeat),
    Builtin::strict("reverse", &["arr"], reverse),
    Builtin::strict("sum", &["arr"], sum),
    Builtin::strict("sort", &["arr", "keyF"], sort::sort)
        .optional_from(1)
        .lazy_param(1),
    Builtin::strict("uniq", &["arr", "keyF"], sort::uniq)
        .optional_from(1)
        .lazy_param(1),
    Builtin::strict("set", &["arr", "keyF"], sort::set)
        .optional_from(1)
        .lazy_param(1),
    Builtin::strict("setMember", &["x", "arr", "keyF"], sort::set_member)
        .optional_from(2)
        .lazy_param(0)
        .lazy_param(2),
    Builtin::strict("setUnion", &["a", "b", "keyF"], sort::set_union)
        .optional_from(2)
        .lazy_param(2),
    Builtin::strict("setInter", &["a", "b", "keyF"], sort::set_inter)
        .optional_from(2)
        .lazy_param(2),
    Builtin::strict("setDiff", &["a", "b", "keyF"], sort::set_diff)
        .optional_from(2)
        .lazy_param(2),
    Builtin::strict("minArray", &["arr", "keyF", "onEmpty"], sort::min_array)
        .optional_from(1)
        .lazy_param(1)
        .lazy_param(2),
    Builtin::strict("maxArray", &["arr", "keyF", "onEmpty"], sort::max_array)
        .optional_from(1)
        .lazy_param(1)
        .lazy_param(2),
];

/// Lazy argument `index`, evaluated.
fn forced<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, index: usize) -> Result<Value<'a>> {
    match args.get(index) {
        Some(lazy) => ctx.force(lazy, args.site),
        None => Ok(Value::Null),
    }
}

// ----- all, any ---------------------------------------------------------------

/// `std.all` (`want` = false) and `std.any` (`want` = true): the first
/// element equal to `want` decides.
fn all_any<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, want: bool) -> Result<Value<'a>> {
    let Value::Arr(array) = args.value(0) else {
        let name = if want { "any" } else { "all" };
        return Err(ctx.error(
            args.site,
            format!(
                "{name}() parameter should be an array, got {}",
                args.value(0).type_name()
            ),
        ));
    };
    for lazy in array.iter() {
        ctx.poll_limits(args.site)?;
        match ctx.force(lazy, args.site)? {
            Value::Bool(b) if b == want => return Ok(Value::Bool(want)),
            Value::Bool(_) => {}
            other => {
                let shown = ctx.to_string_value(other, args.site)?;
                let shown = ctx.flat_text(shown, args.site)?;
                return Err(ctx.error(
                    args.site,
                    format!(
                        "element \"{shown}\" of type {} is not a boolean",
                        other.type_name()
                    ),
                ));
            }
        }
    }
    Ok(Value::Bool(!want))
}

/// `std.all(arr)`.
fn all<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    all_any(ctx, args, false)
}

/// `std.any(arr)`.
fn any<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    all_any(ctx, args, true)
}

// ----- sums -------------------------------------------------------------------

/// `std.foldl(function(a, b) a + b, arr, 0)`, which is `std.sum`.
fn add_all<'a>(ctx: &mut Ctx<'a>, seq: Seq<'a>, span: Span) -> Result<Value<'a>> {
    let mut total = 0.0;
    let len = seq.len();
    let mut index = 0;
    // Numbers first, without going through the generic `+`.
    while index < len {
        ctx.poll_limits(span)?;
        match seq.get(ctx, index, span)? {
            Value::Num(n) => {
                total += n;
                if !total.is_finite() {
                    return Err(ctx.error(span, "overflow"));
                }
                index += 1;
            }
            other => {
                let mut acc = ctx.add(Value::Num(total), other, span)?;
                for rest in index + 1..len {
                    ctx.check_limits(span)?;
                    let item = seq.get(ctx, rest, span)?;
                    acc = ctx.add(acc, item, span)?;
                }
                return Ok(acc);
            }
        }
    }
    Ok(Value::Num(total))
}

/// `std.sum(arr)`.
fn sum<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let seq = Seq::of(ctx, args.value(0), args.site)?;
    add_all(ctx, seq, args.site)
}

/// `std.avg(arr)`.
fn avg<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let seq = Seq::of(ctx, args.value(0), args.site)?;
    if seq.is_empty() {
        return Err(ctx.error(args.site, "Cannot calculate average of an empty array."));
    }
    let total = add_all(ctx, seq, args.site)?;
    let len = Value::Num(seq.len() as f64);
    ctx.binary(BinaryOp::Div, total, len, args.site)
}

// ----- searching --------------------------------------------------------------

/// `std.contains(arr, elem)`: `std.any([e == elem for e in arr])`.
fn contains<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Arr(array) = args.value(0) else {
        return Err(ctx.error(args.site, "In comprehension, can only iterate over array."));
    };
    let elem = args.get(1).unwrap_or(Lazy::Val(Value::Null));
    for lazy in array.iter() {
        ctx.poll_limits(args.site)?;
        let item = ctx.force(lazy, args.site)?;
        let elem = ctx.force(elem, args.site)?;
        if ctx.equals(item, elem, args.site)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

/// The number of elements of `array` equal to `x`; every element is
/// compared, as the reference's `std.filter` does.
fn count_equal<'a>(ctx: &mut Ctx<'a>, array: Array<'a>, x: Lazy<'a>, span: Span) -> Result<usize> {
    let mut found = 0;
    for lazy in array.iter() {
        ctx.poll_limits(span)?;
        let item = ctx.force(lazy, span)?;
        let x = ctx.force(x, span)?;
        if equal_fast(ctx, item, x, span)? {
            found += 1;
        }
    }
    Ok(found)
}

/// `==`, with the common cases inline.
#[inline]
fn equal_fast<'a>(ctx: &mut Ctx<'a>, a: Value<'a>, b: Value<'a>, span: Span) -> Result<bool> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => Ok(x == y),
        _ => ctx.equals(a, b, span),
    }
}

/// `std.count(arr, x)`.
fn count<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Arr(array) = args.value(0) else {
        return Err(filter_type_error(
            ctx,
            args.site,
            "function",
            args.value(0).type_name(),
        ));
    };
    let x = args.get(1).unwrap_or(Lazy::Val(Value::Null));
    count_equal(ctx, array, x, args.site).map(|n| Value::Num(n as f64))
}

/// Whether `array` has an element equal to `x`. The reference counts the
/// equal elements, so every element is compared; once one is found, only
/// the comparisons that could still fail (elements not yet known to be
/// primitive values) are made.
fn has_equal<'a>(ctx: &mut Ctx<'a>, array: Array<'a>, x: Lazy<'a>, span: Span) -> Result<bool> {
    let mut found = false;
    let numeric = array.is_numeric_view();
    for lazy in array.iter() {
        ctx.poll_limits(span)?;
        if found {
            if numeric {
                break;
            }
            if let Lazy::Val(Value::Null | Value::Bool(_) | Value::Num(_) | Value::Str(_)) = lazy {
                continue;
            }
        }
        let item = ctx.force(lazy, span)?;
        let x = ctx.force(x, span)?;
        if equal_fast(ctx, item, x, span)? {
            found = true;
        }
    }
    Ok(found)
}

/// `std.member(arr, x)`.
fn member<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let x = args.get(1).unwrap_or(Lazy::Val(Value::Null));
    match args.value(0) {
        Value::Arr(array) => has_equal(ctx, array, x, args.site).map(Value::Bool),
        Value::Str(text) => {
            let Value::Str(pattern) = ctx.force(x, args.site)? else {
                let x = ctx.force(x, args.site)?;
                return Err(ctx.error(
                    args.site,
                    format!(
                        "findSubstr first parameter should be a string, got {}",
                        x.type_name()
                    ),
                ));
            };
            let (text, pattern) = (
                ctx.flat_text(text, args.site)?,
                ctx.flat_text(pattern, args.site)?,
            );
            Ok(Value::Bool(!pattern.is_empty() && text.contains(pattern)))
        }
        _ => Err(ctx.error(
            args.site,
            "std.member first argument must be an array or a string",
        )),
    }
}

/// The indexes of the elements of `arr` equal to `value` (`std.find`).
fn find_indexes<'a>(
    ctx: &mut Ctx<'a>,
    value: Lazy<'a>,
    arr: Value<'a>,
    span: Span,
) -> Result<Vec<usize>> {
    let Value::Arr(array) = arr else {
        return Err(ctx.error(
            span,
            format!(
                "find second parameter should be an array, got {}",
                arr.type_name()
            ),
        ));
    };
    let mut found = Vec::new();
    for (index, lazy) in array.iter().enumerate() {
        ctx.check_limits(span)?;
        let item = ctx.force(lazy, span)?;
        let value = ctx.force(value, span)?;
        if equal_fast(ctx, item, value, span)? {
            ctx.push(&mut found, index, span)?;
        }
    }
    Ok(found)
}

/// `std.find(value, arr)`.
fn find<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let value = args.get(0).unwrap_or(Lazy::Val(Value::Null));
    let found = find_indexes(ctx, value, args.value(1), args.site)?;
    let found = ctx.alloc_slice_with(found.len(), args.site, |i| {
        Lazy::Val(Value::Num(found[i] as f64))
    })?;
    Ok(Value::Arr(Array::new(ctx.bump, found)))
}

// ----- filter and map ---------------------------------------------------------

/// `std.filter`'s type error, for arguments of types `func` and `arr`.
fn filter_type_error<'a>(
    ctx: &Ctx<'a>,
    span: Span,
    func: &str,
    arr: &str,
) -> kcfg_lang::eval::Error {
    builtin_type_error(ctx, span, "filter", &["function", "array"], &[func, arr])
}

/// `std.filter(func, arr)` on checked arguments: the elements for which
/// `func` returns true.
fn filter_elements<'a>(
    ctx: &mut Ctx<'a>,
    func: Function<'a>,
    array: Array<'a>,
    span: Span,
) -> Result<Vec<Lazy<'a>>> {
    if func.param_count() != 1 {
        return Err(ctx.error(span, "filter function takes 1 parameter."));
    }
    let mut kept = Vec::new();
    for lazy in array.iter() {
        ctx.check_limits(span)?;
        match ctx.call_function(func, &[lazy], span)? {
            Value::Bool(true) => ctx.push(&mut kept, lazy, span)?,
            Value::Bool(false) => {}
            other => {
                return Err(ctx.error(
                    span,
                    format!(
                        "filter function must return boolean, got: {}",
                        other.type_name()
                    ),
                ));
            }
        }
    }
    Ok(kept)
}

/// `std.filter(func, arr)`.
fn filter<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (Value::Func(func), Value::Arr(array)) = (args.value(0), args.value(1)) else {
        return Err(filter_type_error(
            ctx,
            args.site,
            args.value(0).type_name(),
            args.value(1).type_name(),
        ));
    };
    let kept = filter_elements(ctx, func, array, args.site)?;
    let kept = ctx.alloc_slice_copied(&kept, args.site)?;
    Ok(Value::Arr(Array::new(ctx.bump, kept)))
}

/// What the elements of one `std.map` or `std.mapWithIndex` share, so
/// that each element's deferred computation is only a pointer and an index
/// (these arrays are often large): among them the site of the calls,
/// inside the builtin (see [`Ctx::builtin_site`]).
struct MapSource<'a> {
    func: Function<'a>,
    array: Array<'a>,
    with_index: bool,
    site: Site,
}

/// An element of `std.map` (`func(elem)`) or `std.mapWithIndex`
/// (`func(index, elem)`), computed on first use.
struct MapElement<'a> {
    source: &'a MapSource<'a>,
    index: usize,
}

impl<'a> Deferred<'a> for MapElement<'a> {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        let source = self.source;
        let elem = source
            .array
            .get(self.index)
            .unwrap_or(Lazy::Val(Value::Null));
        if source.with_index {
            let index = Lazy::Val(Value::Num(self.index as f64));
            ctx.call_function_from(source.func, &[index, elem], source.site)
        } else {
            ctx.call_function_from(source.func, &[elem], source.site)
        }
    }
}

/// `func` applied to every element (with its index first if `with_index`),
/// lazily.
fn map_lazily<'a>(
    ctx: &Ctx<'a>,
    func: Function<'a>,
    array: Array<'a>,
    with_index: bool,
    span: Span,
) -> Result<Value<'a>> {
    // Each element is a thunk with its computation, besides its slot.
    ctx.reserve_items::<(Lazy<'a>, Thunk<'a>, MapElement<'a>)>(array.len(), span)?;
    let source = &*ctx.bump.alloc(MapSource {
        func,
        array,
        with_index,
        site: ctx.builtin_site(span),
    });
    let mapped = ctx.alloc_slice_with(array.len(), span, |index| {
        ctx.defer(MapElement { source, index })
    })?;
    Ok(Value::Arr(Array::new(ctx.bump, mapped)))
}

/// The elements `std.map` and friends iterate: an array's, or a string's
/// characters.
fn array_or_chars<'a>(ctx: &Ctx<'a>, value: Value<'a>, span: Span) -> Result<Option<Array<'a>>> {
    match value {
        Value::Arr(array) => Ok(Some(array)),
        Value::Str(s) => chars(ctx, s, span).map(Some),
        _ => Ok(None),
    }
}

/// `std.map(func, arr)`.
fn map<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Func(func) = args.value(0) else {
        return Err(ctx.error(
            args.site,
            format!(
                "std.map first param must be function, got {}",
                args.value(0).type_name()
            ),
        ));
    };
    let Some(array) = array_or_chars(ctx, args.value(1), args.site)? else {
        return Err(ctx.error(
            args.site,
            format!(
                "std.map second param must be array / string, got {}",
                args.value(1).type_name()
            ),
        ));
    };
    map_lazily(ctx, func, array, false, args.site)
}

/// `std.mapWithIndex(func, arr)`.
fn map_with_index<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Func(func) = args.value(0) else {
        return Err(ctx.error(
            args.site,
            format!(
                "std.mapWithIndex first param must be function, got {}",
                args.value(0).type_name()
            ),
        ));
    };
    let Some(array) = array_or_chars(ctx, args.value(1), args.site)? else {
        return Err(ctx.error(
            args.site,
            format!(
                "std.mapWithIndex second param must be array, got {}",
                args.value(1).type_name()
            ),
        ));
    };
    map_lazily(ctx, func, array, true, args.site)
}

/// `std.filterMap(filter_func, map_func, arr)`.
fn filter_map<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let ordinals = ["first", "second"];
    let mut funcs = [None, None];
    for (index, slot) in funcs.iter_mut().enumerate() {
        match args.value(index) {
            Value::Func(func) => *slot = Some(func),
            other => {
                return Err(ctx.error(
                    args.site,
                    format!(
                        "std.filterMap {} param must be function, got {}",
                        ordinals[index],
                        other.type_name()
                    ),
                ));
            }
        }
    }
    let (Some(filter_func), Some(map_func)) = (funcs[0], funcs[1]) else {
        return Ok(Value::Null);
    };
    let Value::Arr(array) = args.value(2) else {
        return Err(ctx.error(
            args.site,
            format!(
                "std.filterMap third param must be array, got {}",
                args.value(2).type_name()
            ),
        ));
    };
    let kept = filter_elements(ctx, filter_func, array, args.site)?;
    let kept = Array::new(ctx.bump, ctx.alloc_slice_copied(&kept, args.site)?);
    map_lazily(ctx, map_func, kept, false, args.site)
}

/// `std.flatMap(func, arr)`.
fn flat_map<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Func(func) = args.value(0) else {
        return Err(ctx.error(
            args.site,
            format!(
                "std.flatMap first param must be function, got {}",
                args.value(0).type_name()
            ),
        ));
    };
    let span = args.site;
    match args.value(1) {
        Value::Arr(array) => {
            let mut out: Vec<Lazy<'a>> = Vec::new();
            for elem in array.iter() {
                ctx.check_limits(span)?;
                match ctx.call_function(func, &[elem], span)? {
                    Value::Arr(part) => {
                        ctx.check_array_len(out.len() + part.len(), out.len() + part.len(), span)?;
                        ctx.reserve_more(&mut out, part.len(), span)?;
                        out.extend(part.iter());
                    }
                    other => {
                        return Err(ctx.error(
                            span,
                            format!(
                                "std.flatMap on arrays, provided function must return an array, got {}",
                                other.type_name()
                            ),
                        ));
                    }
                }
            }
            let out = ctx.alloc_slice_copied(&out, span)?;
            Ok(Value::Arr(Array::new(ctx.bump, out)))
        }
        Value::Str(s) => {
            let mut out = String::new();
            for elem in chars(ctx, s, span)?.iter() {
                ctx.check_limits(span)?;
                match ctx.call_function(func, &[elem], span)? {
                    Value::Str(part) => {
                        ctx.check_string_len(out.len() + part.byte_len(), span)?;
                        ctx.reserve_text(&mut out, part.byte_len(), span)?;
                        out.push_str(ctx.flat_text(part, span)?);
                    }
                    other => {
                        return Err(ctx.error(
                            span,
                            format!(
                                "std.flatMap on strings, provided function must return a string, got {}",
                                other.type_name()
                            ),
                        ));
                    }
                }
            }
            ctx.copy_str(&out, span)
        }
        other => Err(ctx.error(
            span,
            format!(
                "std.flatMap second param must be array / string, got {}",
                other.type_name()
            ),
        )),
    }
}

// ----- folds ------------------------------------------------------------------

/// `std.foldl` (`from_left`) and `std.foldr`.
fn fold<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, from_left: bool) -> Result<Value<'a>> {
    let span = args.site;
    let seq = Seq::of(ctx, args.value(1), span)?;
    let mut acc = args.get(2).unwrap_or(Lazy::Val(Value::Null));
    if seq.is_empty() {
        return ctx.force(acc, span);
    }
    let func = match forced(ctx, args, 0)? {
        Value::Func(func) => func,
        other => return Err(not_a_function(ctx, other, span)),
    };
    let len = seq.len();
    for step in 0..len {
        // A builtin `func` enters no frame.
        ctx.poll_limits(span)?;
        let index = if from_left { step } else { len - 1 - step };
        let elem = seq.lazy(ctx, index, span);
        let call_args = if from_left { [acc, elem] } else { [elem, acc] };
        acc = Lazy::Val(ctx.call_function(func, &call_args, span)?);
    }
    ctx.force(acc, span)
}

/// `std.foldl(func, arr, init)`.
fn foldl<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    fold(ctx, args, true)
}

/// `std.foldr(func, arr, init)`.
fn foldr<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    fold(ctx, args, false)
}

// ----- flattening -------------------------------------------------------------

/// `std.flattenArrays(arrs)`: `std.foldl(function(a, b) a + b, arrs, [])`.
fn flatten_arrays<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let span = args.site;
    let seq = Seq::of(ctx, args.value(0), span)?;
    let mut parts: Vec<Array<'a>> = Vec::new();
    for index in 0..seq.len() {
        ctx.check_limits(span)?;
        match seq.get(ctx, index, span)? {
            Value::Arr(part) => ctx.push(&mut parts, part, span)?,
            other => {
                // Not an array: from here on, the generic `+` decides.
                let so_far = Value::Arr(ctx.concat_arrays(&parts, span)?);
                let mut acc = ctx.add(so_far, other, span)?;
                for rest in index + 1..seq.len() {
                    ctx.check_limits(span)?;
                    let item = seq.get(ctx, rest, span)?;
                    acc = ctx.add(acc, item, span)?;
                }
                return Ok(acc);
            }
        }
    }
    Ok(Value::Arr(ctx.concat_arrays(&parts, span)?))
}

/// `std.flattenDeepArray(value)`: the non-array leaves of nested arrays,
/// in order; anything else is a one-element array.
fn flatten_deep_array<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let span = args.site;
    let mut out: Vec<Lazy<'a>> = Vec::new();
    let mut pending = vec![match args.value(0) {
        Value::Arr(array) => array.iter(),
        other => return Ok(ctx.array([other])),
    }];
    // An explicit stack: nesting depth is data, not code.
    while let Some(top) = pending.last_mut() {
        match top.next() {
            None => {
                pending.pop();
            }
            Some(lazy) => match ctx.force(lazy, span)? {
                Value::Arr(inner) => ctx.push(&mut pending, inner.iter(), span)?,
                other => {
                    ctx.check_limits(span)?;
                    ctx.push(&mut out, Lazy::Val(other), span)?;
                }
            },
        }
    }
    let out = ctx.alloc_slice_copied(&out, span)?;
    Ok(Value::Arr(Array::new(ctx.bump, out)))
}

/// `std.deepJoin(arr)`: the strings of nested arrays, concatenated.
fn deep_join<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let span = args.site;
    let mut out = String::new();
    let mut pending = vec![match args.value(0) {
        Value::Str(s) => return Ok(Value::Str(s)),
        Value::Arr(array) => array.iter(),
        other => return Err(deep_join_error(ctx, other, span)),
    }];
    while let Some(top) = pending.last_mut() {
        match top.next() {
            None => {
                pending.pop();
            }
            Some(lazy) => match ctx.force(lazy, span)? {
                Value::Str(s) => {
                    ctx.check_limits(span)?;
                    ctx.check_string_len(out.len() + s.byte_len(), span)?;
                    ctx.reserve_text(&mut out, s.byte_len(), span)?;
                    out.push_str(ctx.flat_text(s, span)?);
                }
                Value::Arr(inner) => {
                    ctx.check_limits(span)?;
                    ctx.push(&mut pending, inner.iter(), span)?;
                }
                other => return Err(deep_join_error(ctx, other, span)),
            },
        }
    }
    ctx.copy_str(&out, span)
}

fn deep_join_error<'a>(ctx: &Ctx<'a>, value: Value<'a>, span: Span) -> kcfg_lang::eval::Error {
    ctx.error(
        span,
        format!("Expected string or array, got {}", value.type_name()),
    )
}

// ----- building ---------------------------------------------------------------

/// `std.range(from, to)`: a lazy view of the integers.
fn range<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (Value::Num(from), Value::Num(to)) = (args.value(0), args.value(1)) else {
        return Err(builtin_type_error(
            ctx,
            args.site,
            "range",
            &["number", "number"],
            &[args.value(0).type_name(), args.value(1).type_name()],
        ));
    };
    // The reference truncates both bounds to C's `long` first, computes
    // the length `to - from + 1` in `long` arithmetic, which wraps on
    // x86-64, and makes an empty array unless it is positive: so
    // `std.range(1e308, 1)` and `std.range(1e100, -1)` are empty there
    // (issue 13), and `std.range(1e308, 1e308)` is `[-9223372036854775808]`.
    let (from, to) = (to_long(from), to_long(to));
    let len = to.wrapping_sub(from).wrapping_add(1);
    if len <= 0 {
        return Ok(Value::Arr(Array::empty(ctx.bump)));
    }
    // The reference makes every element; kcfg makes a view, which may be
    // as long as any array.
    let len = len as usize;
    ctx.check_array_len(len, 0, args.site)?;
    Ok(Value::Arr(Array::range(ctx.bump, from as f64, len)))
}

/// `std.repeat(what, count)`.
fn repeat<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let what = args.value(0);
    if !matches!(what, Value::Str(_) | Value::Arr(_)) {
        return Err(ctx.error(
            args.site,
            "std.repeat first argument must be an array or a string",
        ));
    }
    // The reference builds `std.makeArray(count, function(i) what)`.
    let Value::Num(count) = args.value(1) else {
        return Err(builtin_type_error(
            ctx,
            args.site,
            "makeArray",
            &["number", "function"],
            &[args.value(1).type_name(), "function"],
        ));
    };
    let count = to_long(count);
    if count < 0 {
        return Err(ctx.error(
            args.site,
            format!("makeArray requires size >= 0, got {count}"),
        ));
    }
    let count = count as usize;
    match what {
        Value::Str(s) => {
            let text = ctx.flat_text(s, args.site)?;
            let text = ctx.repeat_str(text, count, args.site)?;
            Ok(ctx.str_ref(text))
        }
        Value::Arr(array) => {
            // A view: nothing is copied, but the length must fit.
            ctx.check_array_len(array.len().saturating_mul(count), 0, args.site)?;
            Ok(Value::Arr(Array::repeat(ctx.bump, array, count)))
        }
        _ => Ok(Value::Null),
    }
}

/// `std.reverse(arr)`: a lazy view for arrays.
fn reverse<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    match Seq::of(ctx, args.value(0), args.site)? {
        Seq::Arr(array) => Ok(Value::Arr(Array::reverse(ctx.bump, array))),
        seq @ Seq::Obj(_) => {
            let elems = seq.lazies(ctx, args.site)?;
            let elems = ctx.alloc_slice_copied(&elems, args.site)?;
            Ok(Value::Arr(Array::new(ctx.bump, elems)))
        }
    }
}

/// `arr` without element `index`, sharing the others.
fn without<'a>(ctx: &Ctx<'a>, seq: Seq<'a>, index: Option<usize>, span: Span) -> Value<'a> {
    match (seq, index) {
        (Seq::Arr(array), None) => Value::Arr(array),
        (Seq::Arr(array), Some(index)) => {
            let bump = ctx.bump;
            let before = Array::slice(bump, array, 0, index, 1);
            let after = Array::slice(bump, array, index + 1, array.len(), 1);
            Value::Arr(Array::concat(bump, before, after))
        }
        (Seq::Obj(len), index) => {
            let kept = len - usize::from(index.is_some());
            let elems = ctx.bump.alloc_slice_fill_with(kept, |_| {
                ctx.defer(Fail {
                    message: OBJECT_INDEX,
                    span,
                })
            });
            Value::Arr(Array::new(ctx.bump, elems))
        }
    }
}

/// `std.removeAt(arr, at)`: every element whose index is not `at` (so an
/// `at` that is no index removes nothing).
fn remove_at<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let seq = Seq::of(ctx, args.value(0), args.site)?;
    if seq.is_empty() {
        return Ok(Value::Arr(Array::empty(ctx.bump)));
    }
    let index = match forced(ctx, args, 1)? {
        Value::Num(at) if at >= 0.0 && at.fract() == 0.0 && at < seq.len() as f64 => {
            Some(at as usize)
        }
        _ => None,
    };
    Ok(without(ctx, seq, index, args.site))
}

/// `std.remove(arr, elem)`: without the first element equal to `elem`.
fn remove<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let elem = args.get(1).unwrap_or(Lazy::Val(Value::Null));
    let found = find_indexes(ctx, elem, args.value(0), args.site)?;
    let Value::Arr(array) = args.value(0) else {
        return Err(length_error(ctx, args.value(0), args.site));
    };
    Ok(without(
        ctx,
        Seq::Arr(array),
        found.first().copied(),
        args.site,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_a_distinct_name() {
        let mut names: Vec<&str> = ROWS.iter().map(|row| row.name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
