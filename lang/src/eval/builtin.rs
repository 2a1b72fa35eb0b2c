//! Builtin functions: the table that `std` is made of.
//!
//! A builtin is a row: its Jsonnet name, its parameter names (which named
//! arguments and error messages use), how many are required, which are
//! lazy, and a plain Rust function. The call machinery matches arguments
//! to parameters, reports arity errors in the reference's words, forces the
//! strict arguments, and hands the function an [`Args`]. `kcfg-stdlib`
//! supplies the rows; this crate only defines their shape, plus the few
//! functions the language itself needs (see [`super::core`]).

use crate::span::Span;

use super::error::{Error, Result};
use super::value::{Lazy, Value};
use super::Ctx;

/// The most parameters a builtin may have.
pub const MAX_PARAMS: usize = 8;

/// The Rust side of a builtin.
pub type BuiltinFn = for<'a> fn(&mut Ctx<'a>, &Args<'a>) -> Result<Value<'a>>;

/// One row of the builtin table.
#[derive(Debug)]
pub struct Builtin {
    /// The name in `std` (`"strReplace"`).
    pub name: &'static str,
    /// Parameter names, in order.
    pub params: &'static [&'static str],
    /// How many leading parameters are required; the rest are optional.
    pub required: usize,
    /// Bit `i` set: parameter `i` is passed unevaluated.
    pub lazy: u32,
    /// The implementation.
    pub func: BuiltinFn,
}

impl Builtin {
    /// A builtin whose parameters are all required and strict.
    pub const fn strict(
        name: &'static str,
        params: &'static [&'static str],
        func: BuiltinFn,
    ) -> Builtin {
        Builtin {
            name,
            params,
            required: params.len(),
            lazy: 0,
            func,
        }
    }

    /// Marks the parameters after the first `required` as optional.
    pub const fn optional_from(mut self, required: usize) -> Builtin {
        self.required = required;
        self
    }

    /// Marks parameter `index` as lazy.
    pub const fn lazy_param(mut self, index: usize) -> Builtin {
        self.lazy |= 1 << index;
        self
    }

    pub(crate) fn is_lazy(&self, index: usize) -> bool {
        self.lazy & (1 << index) != 0
    }
}

/// The arguments of a builtin call, in parameter order.
pub struct Args<'a> {
    pub(crate) values: [Option<Lazy<'a>>; MAX_PARAMS],
    pub(crate) count: usize,
    /// The call's location, for error messages.
    pub site: Span,
    /// The builtin being called.
    pub builtin: &'static str,
}

impl<'a> Args<'a> {
    /// Argument `index`: evaluated for strict parameters, possibly a thunk
    /// for lazy ones; `None` for an optional parameter not given.
    pub fn get(&self, index: usize) -> Option<Lazy<'a>> {
        if index < self.count {
            self.values[index]
        } else {
            None
        }
    }

    /// The value of strict argument `index`, or `null` if it was not given.
    pub fn value(&self, index: usize) -> Value<'a> {
        match self.get(index) {
            Some(Lazy::Val(value)) => value,
            Some(Lazy::Thunk(thunk)) => thunk.value().unwrap_or(Value::Null),
            None => Value::Null,
        }
    }

    /// Whether optional argument `index` was given.
    pub fn has(&self, index: usize) -> bool {
        self.get(index).is_some()
    }
}

/// The reference's message for a builtin called with arguments of the wrong
/// types: `Builtin function objectHasEx expected (object, string, boolean)
/// but got (number, string, boolean)`.
pub fn type_error<'a>(ctx: &Ctx<'a>, args: &Args<'a>, expected: &[&str]) -> Error {
    let got: Vec<&str> = (0..expected.len())
        .map(|i| args.value(i).type_name())
        .collect();
    ctx.error(
        args.site,
        format!(
            "Builtin function {} expected ({}) but got ({})",
            args.builtin,
            expected.join(", "),
            got.join(", ")
        ),
    )
}
