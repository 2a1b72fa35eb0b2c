//! `std.manifestTomlEx(value, indent)` and `std.manifestToml(value)`
//! (two-space indent).
//!
//! The top-level object is a table. In each table, the fields that are not
//! sections come first, as `key = value` lines; then, each after a blank
//! line, the sections: objects as `[path.to.table]` and non-empty arrays
//! of objects as one `[[path.to.array]]` per element, their bodies indented
//! one level more. Values inside a `key = value` line are inline: arrays
//! one element per line at the top (`[` … `]`), `[ a, b ]` further in,
//! objects `{ k = v }`. `null` has no TOML form and is an error. Keys are
//! bare when they only hold `[A-Za-z0-9_-]`, else JSON-quoted; strings are
//! JSON strings.
//!
//! Like the reference, a table whose fields are all sections starts with
//! the blank line that would separate its (empty) `key = value` block from
//! them, so `{a: {b: 1}}` is `"\n\n[a]\n  b = 1"`.

use kcfg_lang::eval::builtin::Args;
use kcfg_lang::eval::{Ctx, Object, Result, Site, Value};
use kcfg_lang::span::Span;
use kcfg_lang::sym::Sym;
use kcfg_lang::text::{write_number, write_string};

use super::{function_error, has_visible_fields, path_text, string_result, Step, TextParam};

/// `std.manifestToml(value)`.
pub(crate) fn manifest_toml<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    run(ctx, args.site, args.value(0), TextParam::Ready("  "))
}

/// `std.manifestTomlEx(value, indent)`.
pub(crate) fn manifest_toml_ex<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    run(ctx, args.site, args.value(0), TextParam::new(args, 1, "  "))
}

fn run<'a>(
    ctx: &mut Ctx<'a>,
    span: Span,
    value: Value<'a>,
    indent: TextParam<'a>,
) -> Result<Value<'a>> {
    let Value::Obj(obj) = value else {
        return Err(ctx.error(
            span,
            format!("TOML body must be an object. Got {}", value.type_name()),
        ));
    };
    let mut writer = TomlWriter {
        span,
        indent,
        table_path: Vec::new(),
        path: Vec::new(),
        fields: Vec::new(),
    };
    let mut out = String::new();
    writer.table_body(ctx, obj, 0, &mut out)?;
    string_result(ctx, &out, span)
}

/// What a field of a table is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    /// A `key = value` line.
    None,
    /// An object: `[table]`.
    Table,
    /// A non-empty array of objects: `[[table]]` per element.
    TableArray,
}

struct TomlWriter<'a> {
    span: Span,
    indent: TextParam<'a>,
    /// The names of the enclosing tables, for headers.
    table_path: Vec<Sym>,
    /// Names and indices down to the value being written, for errors.
    path: Vec<Step>,
    /// The fields of the tables being written (see [`TomlWriter::table_body`]).
    fields: Vec<(Sym, Value<'a>, Section)>,
}

impl<'a> TomlWriter<'a> {
    /// Writes `depth` levels of indent.
    fn write_indent(&mut self, ctx: &mut Ctx<'a>, depth: usize, out: &mut String) -> Result<()> {
        if depth > 0 {
            let indent = self.indent.get(ctx, self.span)?;
            for _ in 0..depth {
                out.push_str(indent);
            }
        }
        Ok(())
    }

    /// The fields of a table: `key = value` lines, then the sections.
    fn table_body(
        &mut self,
        ctx: &mut Ctx<'a>,
        obj: Object<'a>,
        depth: usize,
        out: &mut String,
    ) -> Result<()> {
        let span = self.span;
        // Like the reference, read every field and decide which are
        // sections before writing anything. The fields of all the tables
        // being written share one stack: this table's are `start..end`,
        // nested tables push theirs above and pop them.
        let start = self.fields.len();
        for field in obj.fields(ctx.bump).iter().filter(|f| !f.hidden) {
            let value = ctx.get_field(obj, field.name, Site::At(span), None)?;
            let section = section(ctx, value, span)?;
            self.fields.push((field.name, value, section));
        }
        let end = self.fields.len();
        let mut first = true;
        for index in start..end {
            let (name, value, section) = self.fields[index];
            if section != Section::None {
                continue;
            }
            if !first {
                out.push('\n');
            }
            first = false;
            self.write_indent(ctx, depth, out)?;
            write_key(name.as_str(), out);
            out.push_str(" = ");
            self.path.push(Step::Field(name));
            self.value(ctx, value, Some(depth), out)?;
            self.path.pop();
        }
        for index in start..end {
            let (name, value, section) = self.fields[index];
            if section == Section::None {
                continue;
            }
            out.push_str("\n\n");
            self.path.push(Step::Field(name));
            self.table_path.push(name);
            ctx.descend(span, |ctx| match (section, value) {
                (Section::Table, Value::Obj(table)) => {
                    self.write_indent(ctx, depth, out)?;
                    out.push('[');
                    self.write_header(out);
                    out.push(']');
                    if has_visible_fields(ctx, table) {
                        out.push('\n');
                    }
                    self.table_body(ctx, table, depth + 1, out)
                }
                (_, Value::Arr(array)) => {
                    for (index, lazy) in array.iter().enumerate() {
                        ctx.check_limits(span)?;
                        if index > 0 {
                            out.push_str("\n\n");
                        }
                        let Value::Obj(table) = ctx.force(lazy, span)? else {
                            unreachable!("a table array holds objects");
                        };
                        self.write_indent(ctx, depth, out)?;
                        out.push_str("[[");
                        self.write_header(out);
                        out.push_str("]]");
                        if has_visible_fields(ctx, table) {
                            out.push('\n');
                        }
                        self.path.push(Step::Index(index));
                        self.table_body(ctx, table, depth + 1, out)?;
                        self.path.pop();
                    }
                    Ok(())
                }
                _ => unreachable!("sections are objects or arrays"),
            })?;
            self.table_path.pop();
            self.path.pop();
        }
        self.fields.truncate(start);
        Ok(())
    }

    fn write_header(&self, out: &mut String) {
        for (index, name) in self.table_path.iter().enumerate() {
            if index > 0 {
                out.push('.');
            }
            write_key(name.as_str(), out);
        }
    }

    /// A value on the right of `=`: `depth` is the table's indent for a
    /// value written at the top of a line, `None` inside another value.
    fn value(
        &mut self,
        ctx: &mut Ctx<'a>,
        value: Value<'a>,
        depth: Option<usize>,
        out: &mut String,
    ) -> Result<()> {
        let span = self.span;
        match value {
            Value::Null => {
                return Err(ctx.error(
                    span,
                    format!("Tried to manifest \"null\" at {}", path_text(&self.path)),
                ))
            }
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Num(n) => write_number(n, out),
            Value::Str(s) => write_string(ctx.flat_text(s, span)?, out),
            Value::Func(_) => return Err(function_error(ctx, span, &self.path)),
            Value::Arr(array) => {
                if array.is_empty() {
                    out.push_str("[]");
                    return Ok(());
                }
                let separator = if depth.is_some() { '\n' } else { ' ' };
                out.push('[');
                out.push(separator);
                ctx.descend(span, |ctx| {
                    for (index, lazy) in array.iter().enumerate() {
                        // The output grows with no frame entered.
                        ctx.check_limits(span)?;
                        if index > 0 {
                            out.push(',');
                            out.push(separator);
                        }
                        if let Some(depth) = depth {
                            self.write_indent(ctx, depth + 1, out)?;
                        }
                        let element = ctx.force(lazy, span)?;
                        self.path.push(Step::Index(index));
                        self.value(ctx, element, None, out)?;
                        self.path.pop();
                    }
                    Ok(())
                })?;
                out.push(separator);
                if let Some(depth) = depth {
                    self.write_indent(ctx, depth, out)?;
                }
                out.push(']');
            }
            Value::Obj(obj) => {
                out.push_str("{ ");
                let fields = obj.fields(ctx.bump);
                ctx.descend(span, |ctx| {
                    let mut first = true;
                    for field in fields.iter().filter(|f| !f.hidden) {
                        if !first {
                            out.push_str(", ");
                        }
                        first = false;
                        write_key(field.name.as_str(), out);
                        out.push_str(" = ");
                        let value = ctx.get_field(obj, field.name, Site::At(span), None)?;
                        self.path.push(Step::Field(field.name));
                        self.value(ctx, value, None, out)?;
                        self.path.pop();
                    }
                    Ok(())
                })?;
                out.push_str(" }");
            }
        }
        Ok(())
    }
}

/// Whether a field's value is a section: an object, or a non-empty array
/// whose elements are all objects. Like the reference's `std.all`, stops
/// reading elements at the first one that is not an object.
fn section<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, span: Span) -> Result<Section> {
    match value {
        Value::Obj(_) => Ok(Section::Table),
        Value::Arr(array) if !array.is_empty() => {
            for lazy in array.iter() {
                ctx.poll_limits(span)?;
                if !matches!(ctx.force(lazy, span)?, Value::Obj(_)) {
                    return Ok(Section::None);
                }
            }
            Ok(Section::TableArray)
        }
        _ => Ok(Section::None),
    }
}

/// A key: bare if it only holds `[A-Za-z0-9_-]` (the empty key too, as in
/// the reference), else a JSON string.
fn write_key(key: &str, out: &mut String) {
    if key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        out.push_str(key);
    } else {
        write_string(key, out);
    }
}
