//! `std` functions: objects.
//!
//! Field listings are sorted by name and, unless a function's name ends in
//! `All`, leave out hidden fields. Results the reference computes lazily
//! stay lazy: `std.objectValues` and `std.mapWithKey` read a field only
//! when its element or field is used, and `std.mergePatch` merges nested
//! objects on first access. Objects built here get plain fields (`:`),
//! as the reference's object comprehensions do, so hidden fields of the
//! inputs are dropped rather than carried along.

use kcfg_lang::ast::Visibility;
use kcfg_lang::eval::builtin::{Args, Builtin};
use kcfg_lang::eval::core::object_fields;
use kcfg_lang::eval::object::NativeField;
use kcfg_lang::eval::value::Deferred;
use kcfg_lang::eval::{Array, Ctx, Function, Lazy, Object, Result, Site, Value};
use kcfg_lang::span::Span;
use kcfg_lang::sym::Sym;

use crate::arrays::seq::builtin_type_error;

/// The rows of this area.
pub static ROWS: &[Builtin] = &[
    Builtin::strict("get", &["o", "f", "default", "inc_hidden"], get)
        .optional_from(2)
        .lazy_param(2),
    Builtin::strict("mapWithKey", &["func", "obj"], map_with_key),
    Builtin::strict("mergePatch", &["target", "patch"], merge_patch).lazy_param(0),
    Builtin::strict("objectFields", &["o"], object_fields_visible),
    Builtin::strict("objectFieldsAll", &["o"], object_fields_all),
    Builtin::strict("objectHas", &["o", "f"], object_has),
    Builtin::strict("objectHasAll", &["o", "f"], object_has_all),
    Builtin::strict("objectKeysValues", &["o"], object_keys_values),
    Builtin::strict("objectKeysValuesAll", &["o"], object_keys_values_all),
    Builtin::strict("objectRemoveKey", &["obj", "key"], object_remove_key),
    Builtin::strict("objectValues", &["o"], object_values),
    Builtin::strict("objectValuesAll", &["o"], object_values_all),
    Builtin::strict("prune", &["a"], prune),
];

/// Field `name` of `obj`, read on first use.
struct FieldValue<'a> {
    obj: Object<'a>,
    name: Sym,
    span: Span,
}

impl<'a> Deferred<'a> for FieldValue<'a> {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        ctx.get_field(self.obj, self.name, Site::At(self.span), None)
    }
}

/// A new object with plain (`:`) fields.
fn plain_object<'a>(ctx: &Ctx<'a>, fields: impl IntoIterator<Item = (Sym, Lazy<'a>)>) -> Value<'a> {
    Value::Obj(Object::from_fields(
        ctx.bump,
        fields.into_iter().map(|(name, value)| NativeField {
            name,
            visibility: Visibility::Inherit,
            value,
        }),
    ))
}

// ----- listing ----------------------------------------------------------------

/// The object argument of a function the reference builds on
/// `std.objectFieldsEx(o, hidden)`, or that builtin's type error.
fn fields_arg<'a>(ctx: &Ctx<'a>, args: &Args<'a>) -> Result<Object<'a>> {
    match args.value(0) {
        Value::Obj(obj) => Ok(obj),
        other => Err(builtin_type_error(
            ctx,
            args.site,
            "objectFieldsEx",
            &["object", "boolean"],
            &[other.type_name(), "boolean"],
        )),
    }
}

/// The names of `obj`'s fields (hidden ones too if `hidden`), sorted.
fn names<'a>(ctx: &Ctx<'a>, obj: Object<'a>, hidden: bool) -> Vec<Sym> {
    obj.fields(ctx.bump)
        .iter()
        .filter(|f| hidden || !f.hidden)
        .map(|f| f.name)
        .collect()
}

/// `std.objectFields(o)`.
fn object_fields_visible<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let obj = fields_arg(ctx, args)?;
    Ok(Value::Arr(object_fields(ctx, obj, false)))
}

/// `std.objectFieldsAll(o)`.
fn object_fields_all<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let obj = fields_arg(ctx, args)?;
    Ok(Value::Arr(object_fields(ctx, obj, true)))
}

/// `std.objectValues` and `std.objectValuesAll`: lazy field values.
fn values<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, hidden: bool) -> Result<Value<'a>> {
    let obj = fields_arg(ctx, args)?;
    let span = args.site;
    let names = names(ctx, obj, hidden);
    let elems = ctx.bump.alloc_slice_fill_with(names.len(), |i| {
        ctx.defer(FieldValue {
            obj,
            name: names[i],
            span,
        })
    });
    Ok(Value::Arr(Array::new(ctx.bump, elems)))
}

/// `std.objectValues(o)`.
fn object_values<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    values(ctx, args, false)
}

/// `std.objectValuesAll(o)`.
fn object_values_all<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    values(ctx, args, true)
}

/// `std.objectKeysValues` and `std.objectKeysValuesAll`: `{key, value}`
/// objects with lazy values.
fn keys_values<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, hidden: bool) -> Result<Value<'a>> {
    let obj = fields_arg(ctx, args)?;
    let span = args.site;
    let (key, value) = (Sym::intern("key"), Sym::intern("value"));
    let names = names(ctx, obj, hidden);
    let elems = ctx.bump.alloc_slice_fill_with(names.len(), |i| {
        let name = names[i];
        let field = ctx.defer(FieldValue { obj, name, span });
        let key_text = Lazy::Val(ctx.str_ref(name.as_str()));
        Lazy::Val(plain_object(ctx, [(key, key_text), (value, field)]))
    });
    Ok(Value::Arr(Array::new(ctx.bump, elems)))
}

/// `std.objectKeysValues(o)`.
fn object_keys_values<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    keys_values(ctx, args, false)
}

/// `std.objectKeysValuesAll(o)`.
fn object_keys_values_all<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    keys_values(ctx, args, true)
}

// ----- lookups ----------------------------------------------------------------

/// `std.objectHasEx(o, f, hidden)` on checked arguments.
fn has(obj: Object<'_>, name: Sym, hidden: bool) -> bool {
    match obj.is_hidden(name) {
        Some(is_hidden) => hidden || !is_hidden,
        None => false,
    }
}

/// The object and field name of `std.objectHas(o, f)` and friends, or
/// `std.objectHasEx`'s type error.
fn has_args<'a>(
    ctx: &Ctx<'a>,
    args: &Args<'a>,
    hidden: Value<'a>,
) -> Result<(Object<'a>, Sym, bool)> {
    match (args.value(0), args.value(1), hidden) {
        (Value::Obj(obj), Value::Str(name), Value::Bool(hidden)) => {
            Ok((obj, Sym::intern(ctx.flat_text(name, args.site)?), hidden))
        }
        (o, f, hidden) => Err(builtin_type_error(
            ctx,
            args.site,
            "objectHasEx",
            &["object", "string", "boolean"],
            &[o.type_name(), f.type_name(), hidden.type_name()],
        )),
    }
}

/// `std.objectHas(o, f)`.
fn object_has<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (obj, name, hidden) = has_args(ctx, args, Value::Bool(false))?;
    Ok(Value::Bool(has(obj, name, hidden)))
}

/// `std.objectHasAll(o, f)`.
fn object_has_all<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (obj, name, hidden) = has_args(ctx, args, Value::Bool(true))?;
    Ok(Value::Bool(has(obj, name, hidden)))
}

/// `std.get(o, f, default=null, inc_hidden=true)`.
fn get<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let inc_hidden = if args.has(3) {
        args.value(3)
    } else {
        Value::Bool(true)
    };
    let (obj, name, hidden) = has_args(ctx, args, inc_hidden)?;
    if has(obj, name, hidden) {
        return ctx.get_field(obj, name, Site::At(args.site), None);
    }
    match args.get(2) {
        Some(default) => ctx.force(default, args.site),
        None => Ok(Value::Null),
    }
}

// ----- building ---------------------------------------------------------------

/// A field of `std.mapWithKey`: `func(key, obj[key])`, called from inside
/// `std.mapWithKey` (`site`, see [`Ctx::builtin_site`]).
struct MappedField<'a> {
    func: Function<'a>,
    obj: Object<'a>,
    name: Sym,
    span: Span,
    site: Site,
}

impl<'a> Deferred<'a> for MappedField<'a> {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        let key = Lazy::Val(ctx.str_ref(self.name.as_str()));
        let value = ctx.defer(FieldValue {
            obj: self.obj,
            name: self.name,
            span: self.span,
        });
        ctx.call_function_from(self.func, &[key, value], self.site)
    }
}

/// `std.mapWithKey(func, obj)`: the visible fields, mapped lazily.
fn map_with_key<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let Value::Func(func) = args.value(0) else {
        return Err(ctx.error(
            args.site,
            format!(
                "std.mapWithKey first param must be function, got {}",
                args.value(0).type_name()
            ),
        ));
    };
    let Value::Obj(obj) = args.value(1) else {
        return Err(ctx.error(
            args.site,
            format!(
                "std.mapWithKey second param must be object, got {}",
                args.value(1).type_name()
            ),
        ));
    };
    let span = args.site;
    let site = ctx.builtin_site(span);
    let names = names(ctx, obj, false);
    let fields: Vec<(Sym, Lazy<'a>)> = names
        .into_iter()
        .map(|name| {
            let value = ctx.defer(MappedField {
                func,
                obj,
                name,
                span,
                site,
            });
            (name, value)
        })
        .collect();
    Ok(plain_object(ctx, fields))
}

/// `std.objectRemoveKey(obj, key)`: see [`Object::remove_key`].
fn object_remove_key<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let (Value::Obj(obj), Value::Str(key)) = (args.value(0), args.value(1)) else {
        return Err(builtin_type_error(
            ctx,
            args.site,
            "objectRemoveKey",
            &["object", "string"],
            &[args.value(0).type_name(), args.value(1).type_name()],
        ));
    };
    let key = Sym::intern(ctx.flat_text(key, args.site)?);
    Ok(Value::Obj(obj.remove_key(ctx.bump, key)))
}

// ----- mergePatch -------------------------------------------------------------

/// A field of a merge patch's result that both sides have:
/// `std.mergePatch(target[name], patch_value)`, merged on first use.
struct MergedField<'a> {
    target: Lazy<'a>,
    patch: Value<'a>,
    span: Span,
}

impl<'a> Deferred<'a> for MergedField<'a> {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        // The reference makes this call `tailstrict`: the target's field
        // is read even when the patch replaces it.
        let target = Lazy::Val(ctx.force(self.target, self.span)?);
        merge(ctx, target, self.patch, self.span)
    }
}

/// RFC 7396 merge patch, as the reference's `std.mergePatch`: only
/// visible fields take part, a `null` in the patch removes the field, and
/// an object patch on a non-object target applies to `{}`.
fn merge<'a>(
    ctx: &mut Ctx<'a>,
    target: Lazy<'a>,
    patch: Value<'a>,
    span: Span,
) -> Result<Value<'a>> {
    let Value::Obj(patch) = patch else {
        return Ok(patch);
    };
    let target = match ctx.force(target, span)? {
        Value::Obj(target) => Some(target),
        _ => None,
    };
    // The reference reads every visible value of the patch to find the
    // nulls before it builds anything.
    let patch_names = names(ctx, patch, false);
    let mut patch_values = Vec::with_capacity(patch_names.len());
    for &name in &patch_names {
        patch_values.push(ctx.get_field(patch, name, Site::At(span), None)?);
    }
    let target_names = match target {
        Some(target) => names(ctx, target, false),
        None => Vec::new(),
    };
    // Both listings are sorted by name: merge them.
    let mut fields: Vec<(Sym, Lazy<'a>)> = Vec::new();
    let (mut t, mut p) = (0, 0);
    while t < target_names.len() || p < patch_names.len() {
        let order = match (target_names.get(t), patch_names.get(p)) {
            (Some(a), Some(b)) => a.as_str().cmp(b.as_str()),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match (order, target) {
            (std::cmp::Ordering::Less, Some(target)) => {
                let name = target_names[t];
                fields.push((
                    name,
                    ctx.defer(FieldValue {
                        obj: target,
                        name,
                        span,
                    }),
                ));
                t += 1;
            }
            (std::cmp::Ordering::Less, None) => t += 1,
            (order, _) => {
                let name = patch_names[p];
                let patch_value = patch_values[p];
                let target_value = match (order, target) {
                    (std::cmp::Ordering::Equal, Some(target)) => {
                        t += 1;
                        Some(ctx.defer(FieldValue {
                            obj: target,
                            name,
                            span,
                        }))
                    }
                    _ => None,
                };
                p += 1;
                if matches!(patch_value, Value::Null) {
                    continue;
                }
                let value = match (patch_value, target_value) {
                    (Value::Obj(_), _) | (_, Some(_)) => ctx.defer(MergedField {
                        target: target_value.unwrap_or(Lazy::Val(Value::Null)),
                        patch: patch_value,
                        span,
                    }),
                    (other, None) => Lazy::Val(other),
                };
                fields.push((name, value));
            }
        }
    }
    Ok(plain_object(ctx, fields))
}

/// `std.mergePatch(target, patch)`.
fn merge_patch<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let target = args.get(0).unwrap_or(Lazy::Val(Value::Null));
    merge(ctx, target, args.value(1), args.site)
}

// ----- prune ------------------------------------------------------------------

/// Whether a pruned value is kept: not null, not an empty array or object.
fn is_content<'a>(ctx: &Ctx<'a>, value: Value<'a>) -> bool {
    match value {
        Value::Null => false,
        Value::Arr(array) => !array.is_empty(),
        Value::Obj(obj) => obj.visible_fields(ctx.bump).next().is_some(),
        _ => true,
    }
}

/// `std.prune` of a nested value, computed through a thunk so that deep
/// data counts stack frames as in the reference.
struct Pruned<'a> {
    value: Value<'a>,
    span: Span,
}

impl<'a> Deferred<'a> for Pruned<'a> {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        prune_value(ctx, self.value, self.span)
    }
}

fn prune_nested<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, span: Span) -> Result<Value<'a>> {
    match value {
        Value::Arr(_) | Value::Obj(_) => {
            let thunk = ctx.defer(Pruned { value, span });
            ctx.force(thunk, span)
        }
        other => Ok(other),
    }
}

fn prune_value<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, span: Span) -> Result<Value<'a>> {
    match value {
        Value::Arr(array) => {
            let mut kept = Vec::new();
            for lazy in array.iter() {
                ctx.check_limits(span)?;
                let item = ctx.force(lazy, span)?;
                let pruned = prune_nested(ctx, item, span)?;
                if is_content(ctx, pruned) {
                    ctx.push(&mut kept, Lazy::Val(pruned), span)?;
                }
            }
            let kept = ctx.alloc_slice_copied(&kept, span)?;
            Ok(Value::Arr(Array::new(ctx.bump, kept)))
        }
        Value::Obj(obj) => {
            let mut kept = Vec::new();
            for name in names(ctx, obj, false) {
                let item = ctx.get_field(obj, name, Site::At(span), None)?;
                let pruned = prune_nested(ctx, item, span)?;
                if is_content(ctx, pruned) {
                    kept.push((name, Lazy::Val(pruned)));
                }
            }
            Ok(plain_object(ctx, kept))
        }
        other => Ok(other),
    }
}

/// `std.prune(a)`: without nulls, empty arrays and empty objects, deeply.
fn prune<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    prune_value(ctx, args.value(0), args.site)
}
