//! Reading "array" arguments the way the reference's `std.jsonnet` does.
//!
//! Most array functions of the reference are written in Jsonnet and only
//! ever use `std.length(arr)` and `arr[i]` on their argument. So they also
//! accept a string (its characters are its elements) and, as long as they
//! never index it, an object (whose length is its number of visible
//! fields). [`Seq`] reproduces that: a string becomes the array of its
//! characters, an object a sequence of elements that fail when forced, and
//! anything else the error of `std.length`.
//!
//! The helpers at the end build the reference's messages for type errors,
//! which name the builtin that failed (often not the one called).

use kcfg_lang::eval::value::Deferred;
use kcfg_lang::eval::{Array, Ctx, Error, Function, Lazy, Result, Str, Value};
use kcfg_lang::span::Span;

/// The message of `obj[i]` for a number `i`.
pub const OBJECT_INDEX: &str = "object index must be string, got number.";

/// An argument read through `std.length(v)` and `v[i]`.
#[derive(Clone, Copy)]
pub enum Seq<'a> {
    /// An array, or a string as the array of its characters.
    Arr(Array<'a>),
    /// An object, with its number of visible fields: indexing it fails.
    Obj(usize),
}

impl<'a> Seq<'a> {
    /// Reads `value`, failing as `std.length` does for other types.
    pub fn of(ctx: &Ctx<'a>, value: Value<'a>, span: Span) -> Result<Seq<'a>> {
        match value {
            Value::Arr(array) => Ok(Seq::Arr(array)),
            Value::Str(s) => Ok(Seq::Arr(chars(ctx, s, span)?)),
            Value::Obj(obj) => Ok(Seq::Obj(obj.visible_fields(ctx.bump).count())),
            other => Err(length_error(ctx, other, span)),
        }
    }

    /// `std.length`.
    pub fn len(&self) -> usize {
        match self {
            Seq::Arr(array) => array.len(),
            Seq::Obj(len) => *len,
        }
    }

    /// Whether the sequence is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `index` (in bounds), unevaluated: for an object, a thunk that
    /// fails when forced, as `obj[i]` passed as an argument does.
    pub fn lazy(&self, ctx: &Ctx<'a>, index: usize, span: Span) -> Lazy<'a> {
        match self {
            Seq::Arr(array) => array.get(index).unwrap_or(Lazy::Val(Value::Null)),
            Seq::Obj(_) => ctx.defer(Fail {
                message: OBJECT_INDEX,
                span,
            }),
        }
    }

    /// Element `index` (in bounds), evaluated.
    pub fn get(&self, ctx: &mut Ctx<'a>, index: usize, span: Span) -> Result<Value<'a>> {
        match self {
            Seq::Arr(array) => match array.get(index) {
                Some(lazy) => ctx.force(lazy, span),
                None => Ok(Value::Null),
            },
            Seq::Obj(_) => Err(ctx.error(span, OBJECT_INDEX)),
        }
    }

    /// All elements, unevaluated (see [`Seq::lazy`]); an array that is a
    /// view (`std.range(0, 1e15)`) must fit in memory once copied.
    pub fn lazies(&self, ctx: &Ctx<'a>, span: Span) -> Result<Vec<Lazy<'a>>> {
        let mut elems = ctx.vec_with_capacity(self.len(), span)?;
        match self {
            Seq::Arr(array) => elems.extend(array.iter()),
            Seq::Obj(len) => elems.extend((0..*len).map(|i| self.lazy(ctx, i, span))),
        }
        Ok(elems)
    }
}

/// The characters of a string, as an array of one-character strings.
pub fn chars<'a>(ctx: &Ctx<'a>, s: Str<'a>, span: Span) -> Result<Array<'a>> {
    let text = ctx.flat_text(s, span)?;
    let bump = ctx.bump;
    let count = ctx.char_len(s, span)?;
    // A slot and a string per character.
    ctx.reserve_items::<(Lazy<'a>, Str<'a>, kcfg_lang::eval::value::StrData<'a>)>(count, span)?;
    let mut pieces = text.char_indices().map(|(start, c)| {
        Lazy::Val(Value::Str(Str::new(
            bump,
            &text[start..start + c.len_utf8()],
        )))
    });
    let elems = ctx.alloc_slice_with(count, span, |_| {
        pieces.next().unwrap_or(Lazy::Val(Value::Null))
    })?;
    Ok(Array::new(bump, elems))
}

/// A thunk that fails with a fixed message when forced.
pub struct Fail {
    /// The message.
    pub message: &'static str,
    /// Where.
    pub span: Span,
}

impl<'a> Deferred<'a> for Fail {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        Err(ctx.error(self.span, self.message))
    }
}

/// `std.length`'s error for a value without a length.
pub fn length_error<'a>(ctx: &Ctx<'a>, value: Value<'a>, span: Span) -> Error {
    ctx.error(
        span,
        format!(
            "length operates on strings, objects, and arrays, got {}",
            value.type_name()
        ),
    )
}

/// The reference's type error of builtin `name`, called with values of the
/// types `got`:
/// `Builtin function filter expected (function, array) but got (function,
/// string)`.
pub fn builtin_type_error<'a>(
    ctx: &Ctx<'a>,
    span: Span,
    name: &str,
    expected: &[&str],
    got: &[&str],
) -> Error {
    ctx.error(
        span,
        format!(
            "Builtin function {name} expected ({}) but got ({})",
            expected.join(", "),
            got.join(", ")
        ),
    )
}

/// Calling something that is not a function.
pub fn not_a_function<'a>(ctx: &Ctx<'a>, value: Value<'a>, span: Span) -> Error {
    ctx.error(
        span,
        format!("only functions can be called, got {}", value.type_name()),
    )
}

/// A key function argument (`keyF`): `None` for the identity (not given),
/// the function, or the error of calling something else.
pub fn key_function<'a>(
    ctx: &mut Ctx<'a>,
    arg: Option<Lazy<'a>>,
    span: Span,
) -> Result<Option<Function<'a>>> {
    match arg {
        None => Ok(None),
        Some(lazy) => match ctx.force(lazy, span)? {
            Value::Func(func) => Ok(Some(func)),
            other => Err(not_a_function(ctx, other, span)),
        },
    }
}

/// The key of an element: the element itself, or `keyF(element)`.
#[inline]
pub fn key_of<'a>(
    ctx: &mut Ctx<'a>,
    key_fn: Option<Function<'a>>,
    elem: Lazy<'a>,
    span: Span,
) -> Result<Value<'a>> {
    match key_fn {
        None => ctx.force(elem, span),
        Some(func) => ctx.call_function(func, &[elem], span),
    }
}
