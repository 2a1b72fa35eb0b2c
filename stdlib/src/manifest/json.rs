//! `std.manifestJsonEx(value, indent, newline='\n', key_val_sep=': ')` and
//! its two presets, `std.manifestJson` (four-space indent) and
//! `std.manifestJsonMinified` (no whitespace at all).
//!
//! The layout is the reference's: `[`, then each element on its own line
//! (`newline` + the nested indent) separated by `,`, then `newline`, the
//! outer indent and `]`; objects alike with `"key"` + `key_val_sep`. An
//! empty array is `[` + newline + newline + indent + `]` (`"[\n\n]"`), not
//! `[ ]` as in the program's own output.

use kcfg_lang::eval::builtin::Args;
use kcfg_lang::eval::{Ctx, Result, Value};
use kcfg_lang::span::Span;
use kcfg_lang::text::{write_number, write_string};

use super::{function_error, string_result, Step, TextParam};

/// `std.manifestJson(value)`.
pub(crate) fn manifest_json<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let writer = JsonWriter::new(
        args.site,
        TextParam::Ready("    "),
        TextParam::Ready("\n"),
        TextParam::Ready(": "),
    );
    writer.run(ctx, args.value(0))
}

/// `std.manifestJsonMinified(value)`.
pub(crate) fn manifest_json_minified<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let writer = JsonWriter::new(
        args.site,
        TextParam::Ready(""),
        TextParam::Ready(""),
        TextParam::Ready(":"),
    );
    writer.run(ctx, args.value(0))
}

/// `std.manifestJsonEx(value, indent, newline, key_val_sep)`.
pub(crate) fn manifest_json_ex<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let writer = JsonWriter::new(
        args.site,
        TextParam::new(args, 1, ""),
        TextParam::new(args, 2, "\n"),
        TextParam::new(args, 3, ": "),
    );
    writer.run(ctx, args.value(0))
}

struct JsonWriter<'a> {
    span: Span,
    indent: TextParam<'a>,
    newline: TextParam<'a>,
    key_val_sep: TextParam<'a>,
    /// The indent of the container being written.
    cindent: String,
    path: Vec<Step>,
}

impl<'a> JsonWriter<'a> {
    fn new(
        span: Span,
        indent: TextParam<'a>,
        newline: TextParam<'a>,
        key_val_sep: TextParam<'a>,
    ) -> JsonWriter<'a> {
        JsonWriter {
            span,
            indent,
            newline,
            key_val_sep,
            cindent: String::new(),
            path: Vec::new(),
        }
    }

    fn run(mut self, ctx: &mut Ctx<'a>, value: Value<'a>) -> Result<Value<'a>> {
        let mut out = String::new();
        self.value(ctx, value, &mut out)?;
        string_result(ctx, &out, self.span)
    }

    fn value(&mut self, ctx: &mut Ctx<'a>, value: Value<'a>, out: &mut String) -> Result<()> {
        let span = self.span;
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Num(n) => write_number(n, out),
            Value::Str(s) => write_string(ctx.flat_text(s, span)?, out),
            Value::Func(_) => return Err(function_error(ctx, span, &self.path)),
            Value::Arr(array) => {
                let newline = self.newline.get(ctx, span)?;
                out.push('[');
                out.push_str(newline);
                if !array.is_empty() {
                    let indent = self.indent.get(ctx, span)?;
                    ctx.descend(span, |ctx| {
                        let outer = self.cindent.len();
                        self.cindent.push_str(indent);
                        for (index, lazy) in array.iter().enumerate() {
                            // The output grows with no frame entered.
                            ctx.check_limits(span)?;
                            if index > 0 {
                                out.push(',');
                                out.push_str(newline);
                            }
                            out.push_str(&self.cindent);
                            let element = ctx.force(lazy, span)?;
                            self.path.push(Step::Index(index));
                            self.value(ctx, element, out)?;
                            self.path.pop();
                        }
                        self.cindent.truncate(outer);
                        Ok(())
                    })?;
                }
                out.push_str(newline);
                out.push_str(&self.cindent);
                out.push(']');
            }
            Value::Obj(obj) => {
                let newline = self.newline.get(ctx, span)?;
                out.push('{');
                out.push_str(newline);
                let fields = obj.fields(ctx.bump);
                if fields.iter().any(|f| !f.hidden) {
                    let indent = self.indent.get(ctx, span)?;
                    ctx.descend(span, |ctx| {
                        let outer = self.cindent.len();
                        self.cindent.push_str(indent);
                        let mut first = true;
                        for field in fields.iter().filter(|f| !f.hidden) {
                            if !first {
                                out.push(',');
                                out.push_str(newline);
                            }
                            first = false;
                            out.push_str(&self.cindent);
                            write_string(field.name.as_str(), out);
                            out.push_str(self.key_val_sep.get(ctx, span)?);
                            let value = ctx.get_field(
                                obj,
                                field.name,
                                kcfg_lang::eval::Site::At(span),
                                None,
                            )?;
                            self.path.push(Step::Field(field.name));
                            self.value(ctx, value, out)?;
                            self.path.pop();
                        }
                        self.cindent.truncate(outer);
                        Ok(())
                    })?;
                }
                out.push_str(newline);
                out.push_str(&self.cindent);
                out.push('}');
            }
        }
        Ok(())
    }
}
