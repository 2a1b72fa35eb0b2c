//! JSON output with the reference's exact bytes.
//!
//! * Numbers and strings are written as [`crate::text`] writes them.
//! * Layout: the program's output uses three-space indentation, `"key": `
//!   and `,` at line ends; `std.toString` and string concatenation use one
//!   line with `, ` between items. Empty arrays and objects are `[ ]` and
//!   `{ }`.
//! * Object fields are sorted by name (code point order) and hidden fields
//!   are left out.

use crate::eval::{Ctx, FrameName, Result, Site, Value};
use crate::span::Span;
use crate::text::{write_number, write_string};

/// How to lay out JSON.
#[derive(Clone, Copy, Debug)]
pub struct Style<'s> {
    /// Added per nesting level.
    pub indent: &'s str,
    /// Written after `[`, `{` and each item's separator.
    pub newline: &'s str,
    /// Written between items.
    pub comma: &'s str,
    /// Written between a key and its value.
    pub key_sep: &'s str,
    /// The empty array.
    pub empty_array: &'s str,
    /// The empty object.
    pub empty_object: &'s str,
}

impl Style<'static> {
    /// The program output: three-space indentation.
    pub const PRETTY: Style<'static> = Style {
        indent: "   ",
        newline: "\n",
        comma: ",",
        key_sep: ": ",
        empty_array: "[ ]",
        empty_object: "{ }",
    };

    /// One line, as `std.toString` writes.
    pub const SINGLE_LINE: Style<'static> = Style {
        indent: "",
        newline: "",
        comma: ", ",
        key_sep: ": ",
        empty_array: "[ ]",
        empty_object: "{ }",
    };
}

/// Writes `value` as JSON in the given style.
pub fn write<'a>(
    ctx: &mut Ctx<'a>,
    value: Value<'a>,
    style: &Style<'_>,
    out: &mut String,
) -> Result<()> {
    let mut writer = Writer {
        style,
        indent: String::new(),
        site: Site::Manifest,
    };
    writer.value(ctx, value, out)
}

/// `value` as multi-line JSON, as the program's output (no final newline).
pub fn to_pretty<'a>(ctx: &mut Ctx<'a>, value: Value<'a>) -> Result<String> {
    let mut out = String::new();
    write(ctx, value, &Style::PRETTY, &mut out)?;
    Ok(out)
}

/// `value` as single-line JSON, as `std.toString` writes it.
pub fn to_single_line<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, span: Span) -> Result<String> {
    let mut out = String::new();
    let mut writer = Writer {
        style: &Style::SINGLE_LINE,
        indent: String::new(),
        site: Site::At(span),
    };
    writer.value(ctx, value, &mut out)?;
    Ok(out)
}

struct Writer<'s> {
    style: &'s Style<'s>,
    indent: String,
    site: Site,
}

impl Writer<'_> {
    fn value<'a>(&mut self, ctx: &mut Ctx<'a>, value: Value<'a>, out: &mut String) -> Result<()> {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Num(n) => write_number(n, out),
            Value::Str(s) => {
                let text = ctx.flat_text_at(s, self.site)?;
                write_string(text, out);
            }
            Value::Func(_) => {
                return Err(ctx.error_at(
                    "kcfg::manifest::function",
                    self.site,
                    "couldn't manifest function in JSON output.",
                ));
            }
            Value::Arr(array) => {
                if array.is_empty() {
                    out.push_str(self.style.empty_array);
                    return Ok(());
                }
                let site = self.site;
                ctx.guard(
                    site,
                    FrameName::thunk(crate::ir::ThunkName::ArrayElement),
                    |ctx| {
                        out.push('[');
                        out.push_str(self.style.newline);
                        let outer = self.indent.len();
                        self.indent.push_str(self.style.indent);
                        for (index, lazy) in array.iter().enumerate() {
                            // The output grows with no frame entered.
                            ctx.check_limits_at(site)?;
                            if index > 0 {
                                out.push_str(self.style.comma);
                                out.push_str(self.style.newline);
                            }
                            out.push_str(&self.indent);
                            let element = ctx.force_from(lazy, site)?;
                            self.value(ctx, element, out)?;
                        }
                        self.indent.truncate(outer);
                        out.push_str(self.style.newline);
                        out.push_str(&self.indent);
                        out.push(']');
                        Ok(())
                    },
                )?;
            }
            Value::Obj(obj) => {
                let site = self.site;
                if obj.needs_assert_check() {
                    ctx.check_asserts(obj, site)?;
                }
                let fields = obj.fields(ctx.bump);
                if fields.iter().all(|f| f.hidden) {
                    out.push_str(self.style.empty_object);
                    return Ok(());
                }
                ctx.guard(site, FrameName::object(None), |ctx| {
                    out.push('{');
                    out.push_str(self.style.newline);
                    let outer = self.indent.len();
                    self.indent.push_str(self.style.indent);
                    let mut first = true;
                    for field in fields.iter().filter(|f| !f.hidden) {
                        if !first {
                            out.push_str(self.style.comma);
                            out.push_str(self.style.newline);
                        }
                        first = false;
                        out.push_str(&self.indent);
                        write_string(field.name.as_str(), out);
                        out.push_str(self.style.key_sep);
                        let value = ctx.get_field(obj, field.name, site, None)?;
                        self.value(ctx, value, out)?;
                    }
                    self.indent.truncate(outer);
                    out.push_str(self.style.newline);
                    out.push_str(&self.indent);
                    out.push('}');
                    Ok(())
                })?;
            }
        }
        Ok(())
    }
}
