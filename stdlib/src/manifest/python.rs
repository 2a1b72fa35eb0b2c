//! `std.manifestPython(v)` and `std.manifestPythonVars(conf)`: values as
//! Python literals (`True`, `False`, `None`, JSON-escaped strings, dicts
//! with sorted keys), on one line.

use kcfg_lang::eval::builtin::Args;
use kcfg_lang::eval::{Ctx, Result, Site, Value};
use kcfg_lang::span::Span;
use kcfg_lang::text::{write_number, write_string};

use super::{object_fields_error, string_result};

/// `std.manifestPython(v)`.
pub(crate) fn manifest_python<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let mut out = String::new();
    write_python(ctx, args.value(0), args.site, &mut out)?;
    string_result(ctx, &out, args.site)
}

/// `std.manifestPythonVars(conf)`: one `name = value` line per field.
pub(crate) fn manifest_python_vars<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let span = args.site;
    let Value::Obj(conf) = args.value(0) else {
        return Err(object_fields_error(ctx, span, args.value(0)));
    };
    let mut out = String::new();
    for field in conf.fields(ctx.bump).iter().filter(|f| !f.hidden) {
        out.push_str(field.name.as_str());
        out.push_str(" = ");
        let value = ctx.get_field(conf, field.name, Site::At(span), None)?;
        write_python(ctx, value, span, &mut out)?;
        out.push('\n');
    }
    string_result(ctx, &out, span)
}

fn write_python<'a>(
    ctx: &mut Ctx<'a>,
    value: Value<'a>,
    span: Span,
    out: &mut String,
) -> Result<()> {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Num(n) => write_number(n, out),
        Value::Str(s) => write_string(ctx.flat_text(s, span)?, out),
        Value::Func(_) => return Err(ctx.error(span, "cannot manifest function")),
        Value::Arr(array) => {
            out.push('[');
            ctx.descend(span, |ctx| {
                for (index, lazy) in array.iter().enumerate() {
                    // The output grows with no frame entered.
                    ctx.check_limits(span)?;
                    if index > 0 {
                        out.push_str(", ");
                    }
                    let element = ctx.force(lazy, span)?;
                    write_python(ctx, element, span, out)?;
                }
                Ok(())
            })?;
            out.push(']');
        }
        Value::Obj(obj) => {
            out.push('{');
            let fields = obj.fields(ctx.bump);
            ctx.descend(span, |ctx| {
                let mut first = true;
                for field in fields.iter().filter(|f| !f.hidden) {
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                    write_string(field.name.as_str(), out);
                    out.push_str(": ");
                    let value = ctx.get_field(obj, field.name, Site::At(span), None)?;
                    write_python(ctx, value, span, out)?;
                }
                Ok(())
            })?;
            out.push('}');
        }
    }
    Ok(())
}
