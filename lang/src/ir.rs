//! The evaluator's intermediate representation.
//!
//! `analyze` lowers a [`crate::ast::SourceTree`] to this form: sugar is gone
//! (method sugar, `e { … }`, parentheses, text blocks, `+:` is a flag), and
//! every variable is resolved to a slot in a frame. The IR is immutable and
//! `Send + Sync`; one analyzed file ([`Code`]) is shared by every thread that
//! evaluates it.
//!
//! # Frames and slots
//!
//! At run time variables live in frames (`eval::Env`). A frame is created by
//! each construct that runs its code more than once or binds values late:
//!
//! * a file (its top-level `local`s),
//! * a function call (parameters, then the body's `local`s),
//! * an object, once per `self` (object `local`s and the `local`s inside
//!   field values and assertions),
//! * each iteration of a comprehension's `for` (the loop variable, then the
//!   `local`s of the clauses and body that run in that iteration).
//!
//! A `local` inside an expression does not create a frame: its binding gets a
//! slot of its own in the enclosing frame, which is safe because, within one
//! frame, every expression is evaluated at most once (repetition always goes
//! through a new frame). A variable is then `(depth, slot)`: how many frames
//! to walk up, and which slot. Closures and thunks capture their frame with
//! one pointer, so creating them costs O(1) whatever they use.

use rustc_hash::FxHashMap;

use crate::ast::{BinaryOp, ImportKind, UnaryOp, Visibility};
use crate::span::{FileId, Span};
use crate::sym::Sym;

/// An analyzed file, ready to evaluate.
#[derive(Debug)]
pub struct Code {
    /// The file.
    pub file: FileId,
    /// The file's expression.
    pub root: Expr,
    /// Slots of the file's top-level frame.
    pub frame_size: u32,
}

/// An expression and its span.
#[derive(Debug)]
pub struct Expr {
    /// What to do.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// Trees can be far deeper than the native stack allows (`1 + 1 + …`
/// nests to the left), and dropping one recurses: each level makes sure
/// of some stack first, so a deep tree is freed on any thread.
impl Drop for Expr {
    fn drop(&mut self) {
        if self.kind.is_leaf() {
            return;
        }
        crate::stack::drop_deep(&mut self.kind, ExprKind::Null);
    }
}

impl ExprKind {
    /// Whether the expression has no subexpressions.
    fn is_leaf(&self) -> bool {
        matches!(
            self,
            ExprKind::Null
                | ExprKind::True
                | ExprKind::False
                | ExprKind::Num(_)
                | ExprKind::Str(_)
                | ExprKind::Var(_)
                | ExprKind::SelfValue
                | ExprKind::Dollar
                | ExprKind::Std
                | ExprKind::NumArray(_)
                | ExprKind::SuperField(_)
                | ExprKind::Import { .. }
        )
    }
}

/// A variable reference: walk `depth` frames up, read `slot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarRef {
    /// Frames to walk up from the current one.
    pub depth: u32,
    /// Slot in that frame.
    pub slot: u32,
    /// The variable's name, for messages.
    pub name: Sym,
}

/// Expression kinds.
#[derive(Debug)]
pub enum ExprKind {
    /// `null`
    Null,
    /// `true`
    True,
    /// `false`
    False,
    /// A number.
    Num(f64),
    /// A string.
    Str(Box<str>),
    /// A variable.
    Var(VarRef),
    /// `self`
    SelfValue,
    /// `$`
    Dollar,
    /// The standard library object (`std` where the program does not bind
    /// the name itself).
    Std,
    /// `local …; body`
    Local(Box<Local>),
    /// A function literal.
    Function(Box<FunctionDef>),
    /// A call.
    Apply(Box<Apply>),
    /// An array literal.
    Array(Box<[Lazy]>),
    /// An array literal whose elements are all number constants, stored
    /// unboxed (large literal tables in data-heavy programs).
    NumArray(Box<[f64]>),
    /// An array comprehension.
    ArrayComp(Box<ArrayComp>),
    /// An object literal.
    Object(Box<ObjectDef>),
    /// An object comprehension.
    ObjectComp(Box<ObjectCompDef>),
    /// `target.name` (and `target["name"]` with a literal string).
    Field {
        /// The indexed expression.
        target: Box<Expr>,
        /// The name.
        name: Sym,
    },
    /// `target[index]`
    Index {
        /// The indexed expression.
        target: Box<Expr>,
        /// The index.
        index: Box<Expr>,
    },
    /// `super.name`
    SuperField(Sym),
    /// `super[index]`
    SuperIndex(Box<Expr>),
    /// `key in super`
    InSuper(Box<Expr>),
    /// `target[start:end:step]`
    Slice(Box<Slice>),
    /// A binary operator (`&&` and `||` short-circuit).
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// A unary operator.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
    },
    /// `if cond then a else b` (a missing `else` is `null`).
    If(Box<If>),
    /// `error message`
    Error(Box<Expr>),
    /// `assert cond : message; rest`
    Assert(Box<Assert>),
    /// `import`, `importstr`, `importbin`: resolved against the directory of
    /// the span's file.
    Import {
        /// Which form.
        kind: ImportKind,
        /// The path as written.
        path: Box<str>,
    },
}

/// An expression that is evaluated lazily, with the name the reference
/// gives its thunk in stack traces (`thunk <x>`).
#[derive(Debug)]
pub struct Lazy {
    /// The thunk's name.
    pub name: ThunkName,
    /// The expression.
    pub expr: Expr,
}

/// Names of thunks in stack traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThunkName {
    /// A `local` or a parameter default: `thunk <x>`.
    Var(Sym),
    /// An array element: `thunk <array_element>`.
    ArrayElement,
    /// An object assertion: `thunk <object_assert>`.
    ObjectAssert,
    /// A function argument: no name.
    Argument,
}

/// A binding of a `local` (in an expression or an object).
#[derive(Debug)]
pub struct Binding {
    /// Slot in the frame the binding lives in.
    pub slot: u32,
    /// The value, evaluated lazily.
    pub value: Lazy,
}

/// `local binds; body`
#[derive(Debug)]
pub struct Local {
    /// Mutually recursive bindings.
    pub binds: Box<[Binding]>,
    /// The body.
    pub body: Expr,
}

/// A function literal.
#[derive(Debug)]
pub struct FunctionDef {
    /// The variable the function is bound to, when it is defined by
    /// `local f(…) = …` or `local f = function(…) …` (for stack traces).
    pub name: Option<Sym>,
    /// Parameters; parameter `i` is slot `i` of the call frame.
    pub params: Box<[Param]>,
    /// The body.
    pub body: Expr,
    /// Slots of the call frame (parameters, then the body's locals).
    pub frame_size: u32,
}

/// A function parameter.
#[derive(Debug)]
pub struct Param {
    /// The name.
    pub name: Sym,
    /// The default, evaluated lazily in the call frame.
    pub default: Option<Lazy>,
}

/// A call.
#[derive(Debug)]
pub struct Apply {
    /// The called expression.
    pub target: Expr,
    /// Positional arguments, evaluated lazily in the caller's frame.
    pub positional: Box<[Lazy]>,
    /// Named arguments.
    pub named: Box<[(Sym, Lazy)]>,
    /// `tailstrict`: arguments are evaluated before the call and the call
    /// replaces the caller's stack frame.
    pub tailstrict: bool,
}

/// `target[start:end:step]`
#[derive(Debug)]
pub struct Slice {
    /// The sliced value.
    pub target: Expr,
    /// First index.
    pub start: Option<Expr>,
    /// End (exclusive).
    pub end: Option<Expr>,
    /// Step.
    pub step: Option<Expr>,
}

/// `if cond then then else otherwise`
#[derive(Debug)]
pub struct If {
    /// The condition.
    pub cond: Expr,
    /// Value when true.
    pub then: Expr,
    /// Value when false (`None`: `null`).
    pub otherwise: Option<Expr>,
}

/// `assert cond : message; rest`
#[derive(Debug)]
pub struct Assert {
    /// The condition.
    pub cond: Expr,
    /// The message (`None`: "Assertion failed.").
    pub message: Option<Expr>,
    /// The value when the assertion holds.
    pub rest: Expr,
}

/// The clauses of a comprehension. Each `for` runs its body in a new frame
/// whose slot 0 is the loop variable.
#[derive(Debug)]
pub enum Clause {
    /// `for x in iter`: `iter` is evaluated in the frame of the clause before.
    For {
        /// The loop variable's name.
        var: Sym,
        /// The iterated array.
        iter: Expr,
        /// Slots of the iteration frame.
        frame_size: u32,
        /// The clause, for messages.
        span: Span,
    },
    /// `if cond`, evaluated in the frame of the `for` before it.
    If {
        /// The condition.
        cond: Expr,
    },
}

/// `[body for … if …]`
#[derive(Debug)]
pub struct ArrayComp {
    /// The clauses; the first is a `for`.
    pub clauses: Box<[Clause]>,
    /// The element, evaluated lazily in the innermost iteration frame.
    pub body: Lazy,
}

/// A field of an object literal.
#[derive(Debug)]
pub struct FieldDef {
    /// The name.
    pub name: FieldKey,
    /// `:`, `::`, `:::`.
    pub visibility: Visibility,
    /// `+:`: add the inherited value.
    pub plus: bool,
    /// The value, evaluated in the object frame.
    pub value: Expr,
    /// The field, for stack traces.
    pub span: Span,
}

/// A field name.
#[derive(Debug)]
pub enum FieldKey {
    /// Known when the file is analyzed.
    Static(Sym),
    /// `[e]`: evaluated when the object is created, in the creating frame.
    Computed(Expr),
}

/// An object assertion, evaluated in the object frame.
#[derive(Debug)]
pub struct AssertDef {
    /// The condition.
    pub cond: Expr,
    /// The message (`None`: "Object assertion failed.").
    pub message: Option<Expr>,
    /// The assertion, for stack traces.
    pub span: Span,
}

/// An object literal.
#[derive(Debug)]
pub struct ObjectDef {
    /// Object locals, bound in the object frame.
    pub locals: Box<[Binding]>,
    /// Assertions.
    pub asserts: Box<[AssertDef]>,
    /// Fields, in source order.
    pub fields: Box<[FieldDef]>,
    /// Names of the fields with static names, `None` for computed ones, in
    /// the order of `fields`.
    pub static_names: Box<[Option<Sym>]>,
    /// For objects with many fields: static name → field index.
    pub index: Option<Box<FxHashMap<Sym, u32>>>,
    /// Slots of the object frame.
    pub frame_size: u32,
    /// Not nested in another object: `$` is this object's `self`.
    pub outermost: bool,
}

/// `{ [name]: value for … }`
#[derive(Debug)]
pub struct ObjectCompDef {
    /// The clauses; the first is a `for`.
    pub clauses: Box<[Clause]>,
    /// The field name, evaluated in the innermost iteration frame.
    pub name: Expr,
    /// Object locals, bound in the field frame.
    pub locals: Box<[Binding]>,
    /// The value, evaluated in the field frame.
    pub value: Expr,
    /// `:`, `::`, `:::`.
    pub visibility: Visibility,
    /// `+:`
    pub plus: bool,
    /// Slots of the field frame.
    pub frame_size: u32,
    /// Not nested in another object.
    pub outermost: bool,
    /// The field, for stack traces.
    pub field_span: Span,
}
