//! `std.manifestIni(ini)`: `{main: {k: v}, sections: {name: {k: v}}}` as
//! INI text. The `main` fields come first (when `main` is a visible field),
//! then each section as `[name]` and its fields; each field is a
//! `key = value` line, an array field one line per element. Values are
//! written as `std.toString` does (strings as they are, anything else as
//! single-line JSON). Every line ends with a newline.

use kcfg_lang::eval::builtin::Args;
use kcfg_lang::eval::{Ctx, Lazy, Result, Site, Value};
use kcfg_lang::span::Span;
use kcfg_lang::sym::Sym;

use super::{object_fields_error, string_result, write_to_string};

/// `std.manifestIni(ini)`.
pub(crate) fn manifest_ini<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let span = args.site;
    let Value::Obj(ini) = args.value(0) else {
        return Err(ctx.error(
            span,
            format!(
                "Builtin function objectHasEx expected (object, string, boolean) but got ({}, string, boolean)",
                args.value(0).type_name()
            ),
        ));
    };
    // Like the reference, read all the sections and fields first, then
    // write the lines (which evaluates array elements and converts values).
    let mut lines: Vec<Line<'a>> = Vec::new();
    let main = Sym::intern("main");
    if ini.is_hidden(main) == Some(false) {
        let body = ctx.get_field(ini, main, Site::At(span), None)?;
        body_lines(ctx, body, span, &mut lines)?;
    }
    let sections = ctx.get_field(ini, Sym::intern("sections"), Site::At(span), None)?;
    let Value::Obj(sections) = sections else {
        return Err(object_fields_error(ctx, span, sections));
    };
    for field in sections.fields(ctx.bump).iter().filter(|f| !f.hidden) {
        lines.push(Line::Header(field.name));
        let body = ctx.get_field(sections, field.name, Site::At(span), None)?;
        body_lines(ctx, body, span, &mut lines)?;
    }
    let mut out = String::new();
    for line in lines {
        match line {
            Line::Header(name) => {
                out.push('[');
                out.push_str(name.as_str());
                out.push(']');
            }
            Line::Pair(key, value) => {
                out.push_str(key.as_str());
                out.push_str(" = ");
                let value = ctx.force(value, span)?;
                write_to_string(ctx, value, span, &mut out)?;
            }
        }
        out.push('\n');
    }
    string_result(ctx, &out, span)
}

/// A line of the output.
enum Line<'a> {
    /// `[name]`
    Header(Sym),
    /// `key = value`
    Pair(Sym, Lazy<'a>),
}

/// The `key = value` lines of one section.
fn body_lines<'a>(
    ctx: &mut Ctx<'a>,
    body: Value<'a>,
    span: Span,
    lines: &mut Vec<Line<'a>>,
) -> Result<()> {
    let Value::Obj(body) = body else {
        return Err(object_fields_error(ctx, span, body));
    };
    for field in body.fields(ctx.bump).iter().filter(|f| !f.hidden) {
        match ctx.get_field(body, field.name, Site::At(span), None)? {
            Value::Arr(values) => {
                lines.extend(values.iter().map(|value| Line::Pair(field.name, value)));
            }
            value => lines.push(Line::Pair(field.name, Lazy::Val(value))),
        }
    }
    Ok(())
}
