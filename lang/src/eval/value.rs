//! Run-time values.
//!
//! All values of one evaluation live in its [`Arena`](super::Arena) and are
//! freed together when the evaluation ends, so they are plain `Copy` handles
//! (`&'a` pointers) with no reference counting: Jsonnet values form cycles
//! (an object's cached field that refers back to `self`), which reference
//! counting would leak and a tracing collector would have to walk. The
//! price is that memory is only returned at the end of an evaluation; the
//! fleet renderer evaluates each target in its own arena, so its memory
//! follows the largest target, not the fleet.
//!
//! A [`Value`] is 16 bytes: a tag and one word.

use std::cell::Cell;

use crate::ir;
use crate::sym::Sym;

pub use super::array::{Array, ArrayData};
pub use super::object::{Object, ObjectData};
pub use super::string::{Str, StrData};

/// A Jsonnet value.
#[derive(Clone, Copy)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number (always a double).
    Num(f64),
    /// A string.
    Str(Str<'a>),
    /// An array.
    Arr(Array<'a>),
    /// An object.
    Obj(Object<'a>),
    /// A function.
    Func(Function<'a>),
}

static_assertions::assert_eq_size!(Value<'static>, [u8; 16]);

impl<'a> Value<'a> {
    /// The type name Jsonnet uses (`std.type`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::Arr(_) => "array",
            Value::Obj(_) => "object",
            Value::Func(_) => "function",
        }
    }
}

/// A value or a thunk that computes it on first use.
#[derive(Clone, Copy)]
pub enum Lazy<'a> {
    /// Already known.
    Val(Value<'a>),
    /// Computed on first use.
    Thunk(&'a Thunk<'a>),
}

static_assertions::assert_eq_size!(Lazy<'static>, [u8; 16]);

impl<'a> From<Value<'a>> for Lazy<'a> {
    fn from(value: Value<'a>) -> Lazy<'a> {
        Lazy::Val(value)
    }
}

/// A delayed computation, evaluated at most once.
///
/// A thunk is a small state machine: pending (it knows how to compute its
/// value), running (its computation is on the stack: forcing it again is an
/// infinite recursion, reported as an error), done. Errors are not stored:
/// Jsonnet has no way to catch an error, so the first one ends the
/// evaluation.
pub struct Thunk<'a> {
    pub(crate) state: Cell<ThunkState<'a>>,
}

/// What a thunk knows.
#[derive(Clone, Copy)]
pub(crate) enum ThunkState<'a> {
    /// An expression to evaluate in a frame.
    Pending(&'a Env<'a>, &'a ir::Lazy),
    /// A computation of the standard library (a lazily mapped array element,
    /// an object field read later, …).
    Deferred(&'a dyn Deferred<'a>),
    /// Being evaluated.
    Running,
    /// Evaluated.
    Done(Value<'a>),
}

impl<'a> Thunk<'a> {
    /// A thunk that evaluates `lazy` in `env`.
    pub(crate) fn pending(env: &'a Env<'a>, lazy: &'a ir::Lazy) -> Thunk<'a> {
        Thunk {
            state: Cell::new(ThunkState::Pending(env, lazy)),
        }
    }

    /// A thunk that runs a deferred computation.
    pub fn deferred(computation: &'a dyn Deferred<'a>) -> Thunk<'a> {
        Thunk {
            state: Cell::new(ThunkState::Deferred(computation)),
        }
    }

    /// The value, if the thunk has been evaluated.
    pub fn value(&self) -> Option<Value<'a>> {
        match self.state.get() {
            ThunkState::Done(value) => Some(value),
            _ => None,
        }
    }
}

/// A computation a thunk runs on first use, for builtins that build lazy
/// structures.
pub trait Deferred<'a> {
    /// Computes the value.
    fn compute(&self, ctx: &mut super::Ctx<'a>) -> super::Result<Value<'a>>;

    /// The thunk's name in stack traces; most have none, as a builtin's
    /// arguments have none in the reference.
    fn name(&self) -> crate::ir::ThunkName {
        crate::ir::ThunkName::Argument
    }
}

/// A frame: the slots of one function call, object, file or comprehension
/// iteration, and the `self` it runs with. See [`crate::ir`] for the layout.
pub struct Env<'a> {
    /// The lexically enclosing frame.
    pub(crate) parent: Option<&'a Env<'a>>,
    /// The frame's variables.
    pub(crate) slots: &'a [Cell<Lazy<'a>>],
    /// `self`, inside an object.
    pub(crate) this: Option<Object<'a>>,
    /// Which layer of `self` the code belongs to: `super` starts below it.
    pub(crate) layer: u32,
    /// `$`, inside an object.
    pub(crate) dollar: Option<Object<'a>>,
}

impl<'a> Env<'a> {
    /// Reads a variable.
    #[inline]
    pub(crate) fn get(&'a self, var: ir::VarRef) -> Lazy<'a> {
        let mut env = self;
        for _ in 0..var.depth {
            match env.parent {
                Some(parent) => env = parent,
                None => return Lazy::Val(Value::Null),
            }
        }
        match env.slots.get(var.slot as usize) {
            Some(slot) => slot.get(),
            None => Lazy::Val(Value::Null),
        }
    }
}

/// A function value.
#[derive(Clone, Copy)]
pub struct Function<'a>(pub(crate) &'a FunctionData<'a>);

/// What a function is.
pub enum FunctionData<'a> {
    /// A function written in kcfg, with the frame it was defined in.
    Closure {
        /// The definition.
        def: &'a ir::FunctionDef,
        /// The frame it closes over.
        env: &'a Env<'a>,
    },
    /// A builtin from the table.
    Builtin {
        /// Its row.
        builtin: &'static super::builtin::Builtin,
        /// Its index in the program's table (`Program::std().builtins`),
        /// which stack traces name it by.
        index: u16,
    },
    /// A native function of the embedding program (`std.native`).
    Native {
        /// The name it was registered under.
        name: &'a str,
        /// The function.
        native: &'a crate::program::NativeFunction,
    },
}

impl<'a> Function<'a> {
    /// The function's name for stack traces, if it has one.
    pub fn name(&self) -> Option<Sym> {
        match self.0 {
            FunctionData::Closure { def, .. } => def.name,
            FunctionData::Builtin { builtin, .. } => Some(Sym::intern(builtin.name)),
            FunctionData::Native { name, .. } => Some(Sym::intern(name)),
        }
    }

    /// The parameter names and whether each has a default.
    pub fn params(&self) -> Vec<(Sym, bool)> {
        match self.0 {
            FunctionData::Closure { def, .. } => def
                .params
                .iter()
                .map(|p| (p.name, p.default.is_some()))
                .collect(),
            FunctionData::Builtin { builtin, .. } => builtin
                .params
                .iter()
                .enumerate()
                .map(|(i, name)| (Sym::intern(name), i >= builtin.required))
                .collect(),
            FunctionData::Native { native, .. } => native
                .params
                .iter()
                .map(|name| (Sym::intern(name), false))
                .collect(),
        }
    }

    /// The number of parameters (`std.length` of a function).
    pub fn param_count(&self) -> usize {
        match self.0 {
            FunctionData::Closure { def, .. } => def.params.len(),
            FunctionData::Builtin { builtin, .. } => builtin.params.len(),
            FunctionData::Native { native, .. } => native.params.len(),
        }
    }

    /// The data behind the handle.
    pub fn data(&self) -> &'a FunctionData<'a> {
        self.0
    }

    /// Whether two handles are the same function value.
    pub fn ptr_eq(self, other: Function<'a>) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}
