//! JSON output with the reference's exact bytes.
//!
//! * Numbers and strings are written as [`crate::text`] writes them.
//! * Layout: the program's output uses three-space indentation, `"key": `
//!   and `,` at line ends; `std.toString` and string concatenation use one
//!   line with `, ` between items. Empty arrays and objects are `[ ]` and
//!   `{ }`.
//! * Object fields are sorted by name (code point order) and hidden fields
//!   are left out.

use crate::eval::value::ArrayData;
use crate::eval::{Array, Ctx, Lazy, Object, Origin, Result, Site, Value};
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
    write_from(ctx, value, Origin::MANIFEST, style, out)
}

/// Writes `value`, which came from `from`, as JSON in the given style:
/// the fields and elements are entered in frames as the reference enters
/// them (see [`Origin`]).
pub fn write_from<'a>(
    ctx: &mut Ctx<'a>,
    value: Value<'a>,
    from: Origin,
    style: &Style<'_>,
    out: &mut String,
) -> Result<()> {
    let mut writer = Writer {
        style,
        indent: String::new(),
    };
    writer.value(ctx, value, from, out)
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
    write_from(
        ctx,
        value,
        Origin::at(Site::At(span)),
        &Style::SINGLE_LINE,
        &mut out,
    )?;
    Ok(out)
}

struct Writer<'s> {
    style: &'s Style<'s>,
    indent: String,
}

impl Writer<'_> {
    /// Writes `value`, which came from `from`. Small, so that the many
    /// scalars cost a call with a small frame; collections are written
    /// out of line.
    fn value<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        value: Value<'a>,
        from: Origin,
        out: &mut String,
    ) -> Result<()> {
        if write_scalar(ctx, value, from.site, out)? {
            return Ok(());
        }
        match value {
            Value::Null | Value::Bool(_) | Value::Num(_) | Value::Str(_) => {}
            Value::Func(_) => {
                return Err(ctx.error_at(
                    "kcfg::manifest::function",
                    from.site,
                    "couldn't manifest function in JSON output.",
                ));
            }
            Value::Arr(array) => self.array(ctx, array, from, out)?,
            Value::Obj(obj) => self.object(ctx, obj, from, out)?,
        }
        Ok(())
    }

    #[inline(never)]
    fn array<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        array: Array<'a>,
        from: Origin,
        out: &mut String,
    ) -> Result<()> {
        if array.is_empty() {
            out.push_str(self.style.empty_array);
            return Ok(());
        }
        out.push('[');
        out.push_str(self.style.newline);
        let outer = self.indent.len();
        self.indent.push_str(self.style.indent);
        // Elements in memory are read in place, and ranges and numbers
        // written without making elements: copying an element from where
        // an iterator has just stored it stalls the store buffer, which
        // costs a large array of numbers a fifth of its time.
        match array.0 {
            ArrayData::Elems(elems) => {
                for (index, lazy) in elems.iter().enumerate() {
                    self.separate(ctx, index, from, out)?;
                    self.element(ctx, lazy, from, out)?;
                }
            }
            ArrayData::Nums(nums) => {
                for (index, n) in nums.iter().enumerate() {
                    self.separate(ctx, index, from, out)?;
                    write_number(*n, out);
                }
            }
            ArrayData::Range { start, len } => {
                // The same additions as the array's iterator.
                let mut n = *start;
                for index in 0..*len {
                    self.separate(ctx, index, from, out)?;
                    write_number(n, out);
                    n += 1.0;
                }
            }
            _ => {
                for (index, lazy) in array.iter().enumerate() {
                    self.separate(ctx, index, from, out)?;
                    self.element(ctx, &lazy, from, out)?;
                }
            }
        }
        self.indent.truncate(outer);
        out.push_str(self.style.newline);
        out.push_str(&self.indent);
        out.push(']');
        Ok(())
    }

    /// Starts the element at `index`: the separator and the indentation.
    #[inline(always)]
    fn separate(&self, ctx: &Ctx<'_>, index: usize, from: Origin, out: &mut String) -> Result<()> {
        // The output grows with no frame entered.
        ctx.check_limits_at(from.site)?;
        if index > 0 {
            out.push_str(self.style.comma);
            out.push_str(self.style.newline);
        }
        out.push_str(&self.indent);
        Ok(())
    }

    /// Writes an element: a known number, string, boolean or null at once
    /// (nothing in it can fail), anything else in the element's frame.
    #[inline(always)]
    fn element<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        lazy: &Lazy<'a>,
        from: Origin,
        out: &mut String,
    ) -> Result<()> {
        let written = match lazy {
            Lazy::Val(value) => write_scalar(ctx, *value, from.site, out)?,
            Lazy::Thunk(thunk) => match thunk.value() {
                Some(value) => write_scalar(ctx, value, from.site, out)?,
                None => false,
            },
        };
        if written {
            return Ok(());
        }
        ctx.enter_element(*lazy, from, |ctx, element, inner| {
            self.value(ctx, element, inner, out)
        })
    }

    #[inline(never)]
    fn object<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        obj: Object<'a>,
        from: Origin,
        out: &mut String,
    ) -> Result<()> {
        if obj.needs_assert_check() {
            ctx.check_asserts(obj, from.site)?;
        }
        let fields = obj.fields(ctx.bump);
        if fields.iter().all(|f| f.hidden) {
            out.push_str(self.style.empty_object);
            return Ok(());
        }
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
            ctx.enter_field(obj, field.name, from, |ctx, value, inner| {
                self.value(ctx, value, inner, out)
            })?;
        }
        self.indent.truncate(outer);
        out.push_str(self.style.newline);
        out.push_str(&self.indent);
        out.push('}');
        Ok(())
    }
}

/// Writes `value` if it is a number, string, boolean or null, and says
/// whether it was one; fails only if a string's text cannot be flattened
/// within the memory limit (an error at `site`).
#[inline(always)]
fn write_scalar<'a>(ctx: &Ctx<'a>, value: Value<'a>, site: Site, out: &mut String) -> Result<bool> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Num(n) => write_number(n, out),
        Value::Str(s) => write_string(ctx.flat_text_at(s, site)?, out),
        Value::Arr(_) | Value::Obj(_) | Value::Func(_) => return Ok(false),
    }
    Ok(true)
}
