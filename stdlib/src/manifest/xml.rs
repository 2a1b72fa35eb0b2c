//! `std.manifestXmlJsonml(value)`: a JsonML element (`[tag, {attrs}?,
//! children...]`, children being strings or elements) as XML text.
//!
//! Like the reference, nothing is escaped: tags, attribute values
//! (`std.toString` of the value) and text are written as they are. A tag
//! may itself be an array of strings, which are joined (`std.deepJoin`).

use std::borrow::Cow;

use kcfg_lang::eval::builtin::Args;
use kcfg_lang::eval::{Ctx, Result, Site, Value};
use kcfg_lang::span::Span;

use super::{string_result, write_to_string};

/// `std.manifestXmlJsonml(value)`.
pub(crate) fn manifest_xml_jsonml<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let value = args.value(0);
    if !matches!(value, Value::Arr(_)) {
        return Err(ctx.error(
            args.site,
            format!(
                "Expected a JSONML value (an array), got {}",
                value.type_name()
            ),
        ));
    }
    let mut out = String::new();
    element(ctx, value, args.site, &mut out)?;
    string_result(ctx, &out, args.site)
}

/// A node: text, or an element with its attributes and children.
fn element<'a>(ctx: &mut Ctx<'a>, node: Value<'a>, span: Span, out: &mut String) -> Result<()> {
    if let Value::Str(text) = node {
        out.push_str(ctx.flat_text(text, span)?);
        return Ok(());
    }
    // `node[0]`, with the reference's errors for what cannot be indexed.
    let tag = ctx.index(node, Value::Num(0.0), span, None)?;
    let Value::Arr(node) = node else {
        unreachable!("only arrays have an element 0");
    };
    let tag = tag_text(ctx, tag, span)?;
    out.push('<');
    out.push_str(&tag);
    let mut children = 1;
    if node.len() > 1 {
        let second = node.get(1).map(|lazy| ctx.force(lazy, span)).transpose()?;
        if let Some(Value::Obj(attrs)) = second {
            children = 2;
            for field in attrs.fields(ctx.bump).iter().filter(|f| !f.hidden) {
                out.push(' ');
                out.push_str(field.name.as_str());
                out.push_str("=\"");
                let value = ctx.get_field(attrs, field.name, Site::At(span), None)?;
                write_to_string(ctx, value, span, out)?;
                out.push('"');
            }
        }
    }
    out.push('>');
    ctx.descend(span, |ctx| {
        for lazy in node.iter().skip(children) {
            ctx.check_limits(span)?;
            let child = ctx.force(lazy, span)?;
            element(ctx, child, span, out)?;
        }
        Ok(())
    })?;
    out.push_str("</");
    out.push_str(&tag);
    out.push('>');
    Ok(())
}

/// A tag: a string, or (`std.deepJoin`) nested arrays of strings joined.
fn tag_text<'a>(ctx: &mut Ctx<'a>, tag: Value<'a>, span: Span) -> Result<Cow<'a, str>> {
    match tag {
        Value::Str(text) => Ok(Cow::Borrowed(ctx.flat_text(text, span)?)),
        _ => {
            let mut out = String::new();
            deep_join(ctx, tag, span, &mut out)?;
            Ok(Cow::Owned(out))
        }
    }
}

fn deep_join<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, span: Span, out: &mut String) -> Result<()> {
    match value {
        Value::Str(text) => out.push_str(ctx.flat_text(text, span)?),
        Value::Arr(array) => ctx.descend(span, |ctx| {
            for lazy in array.iter() {
                ctx.check_limits(span)?;
                let part = ctx.force(lazy, span)?;
                deep_join(ctx, part, span, out)?;
            }
            Ok(())
        })?,
        other => {
            return Err(ctx.error(
                span,
                format!("Expected string or array, got {}", other.type_name()),
            ))
        }
    }
    Ok(())
}
