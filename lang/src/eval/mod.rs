//! Evaluation: IR to values, lazily.
//!
//! An evaluation runs in a [`Ctx`]: the arena its values live in, the
//! program it reads files from, the shadow call stack, and per-evaluation
//! caches (imported files' values, external variables, the `std` object).
//! The evaluator is a recursive interpreter over the IR; recursion that user
//! data can make deep (calls, thunks, fields, manifesting) goes through
//! [`Ctx::guard`], which enforces the reference's stack-frame limit, checks
//! the [`Interrupt`] and the [`MemoryLimit`], and grows the native stack on
//! demand (`crate::stack`), so deep input fails with `max stack frames
//! exceeded.`, never with a native stack overflow, and a program that
//! allocates without end fails with `out of memory`, never with an abort.

pub mod array;
pub mod builtin;
mod call;
pub mod core;
mod error;
mod expr;
pub mod format;
mod interrupt;
mod limits;
mod native;
pub mod object;
pub mod ops;
mod reads;
pub mod string;
pub mod value;
mod walk;

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::sync::Arc;

use bumpalo::Bump;
use rustc_hash::FxHashMap;

pub use self::error::Site;
pub use self::error::{Error, Result};
pub(crate) use self::error::{FrameName, StackEntry};
pub use self::interrupt::Interrupt;
pub use self::reads::{Reads, ResolvedImport};
pub use self::value::{Array, Env, Function, FunctionData, Lazy, Object, Str, Thunk, Value};
pub use self::walk::Origin;
pub use crate::memory::MemoryLimit;

use self::object::NativeField;
use self::value::ThunkState;
use crate::ast::{ImportKind, Visibility};
use crate::diag::Diagnostic;
use crate::ir::{self, ThunkName};
use crate::program::Program;
use crate::span::{FileId, SourceName, Span};
use crate::stack::Bounds;
use crate::sym::Sym;

/// Native stack kept free before recursing further.
const RED_ZONE: usize = 256 * 1024;

/// The largest allocation the evaluator ever asks for, whatever the memory
/// limit: 8 PiB. Sizes computed from input (array and string lengths, field
/// widths) are checked against it first, so that multiplying them by an
/// element size cannot overflow.
pub const MAX_ALLOCATION: usize = 1 << 53;

/// The longest array (in elements) or string (in bytes): 2^53, the first
/// integer a number cannot tell from its successor. Lazy views can be this
/// long without memory to match (`std.range(0, 1e15)`); keeping every
/// length below it means that adding two lengths, or multiplying one by an
/// element size, cannot overflow.
pub const MAX_LENGTH: usize = 1 << 53;

/// Where the values of one evaluation live. Dropping it frees them all.
pub struct Arena {
    bump: Bump,
    held: RefCell<Vec<Arc<dyn std::any::Any + Send + Sync>>>,
}

impl Default for Arena {
    fn default() -> Self {
        Arena::new()
    }
}

impl Arena {
    /// An empty arena.
    pub fn new() -> Arena {
        Arena {
            bump: Bump::new(),
            held: RefCell::new(Vec::new()),
        }
    }

    /// The bump allocator values are allocated in.
    pub fn bump(&self) -> &Bump {
        &self.bump
    }

    /// Bytes allocated so far.
    pub fn allocated_bytes(&self) -> usize {
        self.bump.allocated_bytes()
    }

    /// Keeps `value` alive as long as the arena and borrows it for that long.
    pub fn hold<T: std::any::Any + Send + Sync>(&self, value: Arc<T>) -> &T {
        let ptr: *const T = Arc::as_ptr(&value);
        self.held.borrow_mut().push(value);
        // SAFETY: the Arc is stored in `self.held`, which is only ever
        // appended to and is dropped with the arena, so the pointee lives at
        // least as long as the returned borrow of `self`.
        unsafe { &*ptr }
    }
}

/// An external variable (`std.extVar`) or top-level argument.
#[derive(Clone, Debug)]
pub enum ExtValue {
    /// A string (`--ext-str`, `--tla-str`).
    Str(String),
    /// Code to evaluate (`--ext-code`, `--tla-code`): its name in messages
    /// (a path makes imports resolve next to it) and its text.
    Code {
        /// Name in messages.
        name: SourceName,
        /// The code.
        text: String,
    },
}

/// Settings of one evaluation.
#[derive(Clone)]
pub struct EvalConfig {
    /// External variables.
    pub ext_vars: Vec<(String, ExtValue)>,
    /// Maximum number of stack frames (`-s`).
    pub max_stack: usize,
    /// Where `std.trace` writes its lines.
    pub trace: Arc<dyn Fn(&str) + Send + Sync>,
    /// Raised by another thread to stop the evaluation (see
    /// [`Interrupt`]); `None` for evaluations that run to the end.
    pub interrupt: Option<Arc<Interrupt>>,
    /// The memory the evaluation may use (see [`MemoryLimit`]); `None`:
    /// only allocations the system refuses fail.
    pub memory: Option<Arc<MemoryLimit>>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            ext_vars: Vec::new(),
            max_stack: 500,
            trace: Arc::new(|_| {}),
            interrupt: None,
            memory: None,
        }
    }
}

/// The state of one evaluation.
pub struct Ctx<'a> {
    /// The allocator for values.
    pub bump: &'a Bump,
    arena: &'a Arena,
    program: &'a Program,
    config: &'a EvalConfig,
    stack: Vec<StackEntry>,
    max_stack: usize,
    /// Where on the current native stack segment at least [`RED_ZONE`] is
    /// left (see [`Ctx::with_stack`]).
    stack_bounds: Bounds,
    interrupt: Option<&'a Interrupt>,
    /// The builtin whose Rust code is running, by its index in the
    /// program's table, for the sites of what it calls ([`Site::Builtin`]).
    builtin: Option<u16>,
    /// The memory limit, for the checks on every frame.
    memory: Option<&'a MemoryLimit>,
    /// The same, shared, for the stack segments charged to it.
    memory_arc: Option<&'a Arc<MemoryLimit>>,
    std_object: Option<Object<'a>>,
    /// The first file evaluated: what `std.thisFile` reads when it is not
    /// written literally (`local s = std; s.thisFile`).
    main_file: Option<crate::span::FileId>,
    root_env: &'a Env<'a>,
    imports: FxHashMap<(FileId, &'a str), Lazy<'a>>,
    file_values: FxHashMap<std::path::PathBuf, Lazy<'a>>,
    ext_cache: FxHashMap<&'a str, Lazy<'a>>,
    /// Calls of [`Ctx::poll_limits`] so far.
    polls: Cell<usize>,
    /// The files read, when the caller asked ([`Ctx::record_reads`]).
    reads: Option<Box<reads::ReadLog>>,
    /// The imports (where written, path) already in `reads`: `importstr`
    /// and `importbin` are not cached and may run once per call.
    reads_seen: rustc_hash::FxHashSet<(FileId, &'a str)>,
    /// Bumped on every `std.trace`-style side channel; keeps `Ctx` `!Sync`.
    _not_sync: Cell<()>,
}

impl<'a> Ctx<'a> {
    /// Starts an evaluation.
    pub fn new(arena: &'a Arena, program: &'a Program, config: &'a EvalConfig) -> Ctx<'a> {
        let bump = &arena.bump;
        let root_env = bump.alloc(Env {
            parent: None,
            slots: &[],
            this: None,
            layer: 0,
            dollar: None,
        });
        Ctx {
            bump,
            arena,
            program,
            config,
            stack: Vec::with_capacity(64),
            max_stack: config.max_stack.max(1),
            stack_bounds: Bounds::learn(RED_ZONE),
            interrupt: config.interrupt.as_deref(),
            builtin: None,
            memory: config.memory.as_deref(),
            memory_arc: config.memory.as_ref(),
            std_object: None,
            main_file: None,
            root_env,
            imports: FxHashMap::default(),
            file_values: FxHashMap::default(),
            ext_cache: FxHashMap::default(),
            polls: Cell::new(0),
            reads: None,
            reads_seen: rustc_hash::FxHashSet::default(),
            _not_sync: Cell::new(()),
        }
    }

    /// Records every import resolved and every file loaded from now on,
    /// for [`Ctx::take_reads`] (see `reads.rs`).
    pub fn record_reads(&mut self) {
        self.reads.get_or_insert_with(Box::default);
    }

    /// What the evaluation read since [`Ctx::record_reads`], once each in
    /// first-seen order (`None` if it was not called); recording stops.
    pub fn take_reads(&mut self) -> Option<Reads> {
        self.reads.take().map(|log| log.into_reads())
    }

    /// The program being evaluated.
    pub fn program(&self) -> &'a Program {
        self.program
    }

    /// The evaluation's settings.
    pub fn config(&self) -> &'a EvalConfig {
        self.config
    }

    // ----- errors and the stack -------------------------------------------

    /// A runtime error at `span`, with the current stack as its trace.
    pub fn error(&self, span: Span, message: impl Into<String>) -> Error {
        self.error_code("kcfg::eval::runtime", span, message)
    }

    /// A runtime error with a specific code.
    pub fn error_code(&self, code: &'static str, span: Span, message: impl Into<String>) -> Error {
        self.error_at(code, Site::At(span), message)
    }

    pub(crate) fn error_at(
        &self,
        code: &'static str,
        site: Site,
        message: impl Into<String>,
    ) -> Error {
        let mut diag = Diagnostic::runtime_error(code, message);
        diag.span = site.span();
        let builtins = &self.program.std().builtins;
        let builtin = |index: u16| builtins.get(usize::from(index)).copied();
        diag.trace = error::build_trace(&self.stack, site, &builtin);
        Error(Box::new(diag))
    }

    #[cold]
    #[inline(never)]
    fn stack_overflow(&self, site: Site) -> Error {
        let err = self.error_at("kcfg::eval::max_stack", site, "max stack frames exceeded.");
        let builtins = &self.program.std().builtins;
        let builtin = |index: u16| builtins.get(usize::from(index)).copied();
        match error::recursion_note(&self.stack, &builtin) {
            Some(note) => err.with_note(note),
            None => err,
        }
    }

    /// Runs `f` inside a new stack frame, checking the frame limit and the
    /// interrupt, and growing the native stack if it is running low.
    #[inline]
    pub(crate) fn guard<T>(
        &mut self,
        site: Site,
        name: FrameName,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        // The reference counts the top-level evaluation as a frame.
        if self.stack.len() + 1 >= self.max_stack {
            return Err(self.stack_overflow(site));
        }
        self.check_limits_at(site)?;
        self.stack.push(StackEntry { site, name });
        let result = self.with_stack(|| site, f);
        self.stack.pop();
        result
    }

    /// Runs `f` one level deeper in a builtin that recurses over user data
    /// (the `std.manifest*` writers): the level counts against the
    /// stack-frame limit and grows the native stack when it runs low, so a
    /// deeply nested value fails with `max stack frames exceeded.` instead
    /// of overflowing the native stack. The level adds no line to stack
    /// traces; the frame limit is reported at `span`.
    #[inline]
    pub fn descend<T>(&mut self, span: Span, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.descend_at(Site::At(span), f)
    }

    /// [`Ctx::descend`] for a walk that is not at a span of code (an
    /// embedding program walking a value, as the fleet renderer does).
    #[inline]
    pub fn descend_at<T>(
        &mut self,
        site: Site,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        if self.stack.len() + 1 >= self.max_stack {
            return Err(self.stack_overflow(site));
        }
        self.check_limits_at(site)?;
        self.stack.push(StackEntry {
            site: Site::None,
            name: FrameName::thunk(ThunkName::Argument),
        });
        let result = self.with_stack(|| site, f);
        self.stack.pop();
        result
    }

    /// Checks that one more frame would fit, for reads that the reference
    /// counts as a frame but this evaluator answers without one.
    #[inline]
    pub(crate) fn check_depth(&self, span: Span) -> Result<()> {
        if self.stack.len() + 1 >= self.max_stack {
            return Err(self.stack_overflow(Site::At(span)));
        }
        Ok(())
    }

    /// Current depth of the shadow stack.
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    // ----- thunks ---------------------------------------------------------

    /// Forces a lazy value, entered from `span`.
    #[inline]
    pub fn force(&mut self, lazy: Lazy<'a>, span: Span) -> Result<Value<'a>> {
        match lazy {
            Lazy::Val(value) => Ok(value),
            Lazy::Thunk(thunk) => match thunk.state.get() {
                ThunkState::Done(value) => Ok(value),
                _ => self.force_thunk(thunk, Site::At(span)),
            },
        }
    }

    /// Forces a lazy value entered from `site` rather than from a span of
    /// code: the manifester, or an embedding program walking a value (the
    /// fleet renderer).
    pub fn force_from(&mut self, lazy: Lazy<'a>, site: Site) -> Result<Value<'a>> {
        match lazy {
            Lazy::Val(value) => Ok(value),
            Lazy::Thunk(thunk) => match thunk.state.get() {
                ThunkState::Done(value) => Ok(value),
                _ => self.force_thunk(thunk, site),
            },
        }
    }

    /// Forces a thunk that is not done. Deep recursion goes through here
    /// once per thunk, so only the path of an expression's thunk is inline
    /// and the rest is out of line: each byte of this native frame is paid
    /// once per level of such a recursion.
    #[inline(never)]
    fn force_thunk(&mut self, thunk: &'a Thunk<'a>, site: Site) -> Result<Value<'a>> {
        match thunk.state.get() {
            ThunkState::Done(value) => Ok(value),
            ThunkState::Running => Err(self.thunk_cycle(site)),
            ThunkState::Pending(env, lazy) => {
                // `Ctx::guard` with `Ctx::eval` inline, its rare paths (the
                // frame limit, growing the stack) in `Ctx::force_pending`.
                if self.stack.len() + 1 >= self.max_stack || !self.stack_bounds.have_room() {
                    return self.force_pending(thunk, env, lazy, site);
                }
                self.check_limits_at(site)?;
                thunk.state.set(ThunkState::Running);
                self.stack.push(StackEntry {
                    site,
                    name: FrameName::thunk(lazy.name),
                });
                let result = self.eval_here(env, &lazy.expr);
                self.stack.pop();
                self.settle(thunk, result, ThunkState::Pending(env, lazy))
            }
            ThunkState::Deferred(computation) => self.force_deferred(thunk, computation, site),
        }
    }

    /// The end of forcing `thunk`: done with its value, or back to
    /// `pending` after an error.
    #[inline(always)]
    fn settle(
        &self,
        thunk: &'a Thunk<'a>,
        result: Result<Value<'a>>,
        pending: ThunkState<'a>,
    ) -> Result<Value<'a>> {
        match result {
            Ok(value) => {
                thunk.state.set(ThunkState::Done(value));
                Ok(value)
            }
            Err(err) => {
                thunk.state.set(pending);
                Err(err)
            }
        }
    }

    /// [`Ctx::force_thunk`] of an expression's thunk at the frame limit or
    /// where the native stack runs low.
    #[cold]
    #[inline(never)]
    fn force_pending(
        &mut self,
        thunk: &'a Thunk<'a>,
        env: &'a Env<'a>,
        lazy: &'a ir::Lazy,
        site: Site,
    ) -> Result<Value<'a>> {
        thunk.state.set(ThunkState::Running);
        let result = self.guard(site, FrameName::thunk(lazy.name), |ctx| {
            ctx.eval(env, &lazy.expr)
        });
        self.settle(thunk, result, ThunkState::Pending(env, lazy))
    }

    /// [`Ctx::force_thunk`] of a thunk that runs a deferred computation.
    #[inline(never)]
    fn force_deferred(
        &mut self,
        thunk: &'a Thunk<'a>,
        computation: &'a dyn value::Deferred<'a>,
        site: Site,
    ) -> Result<Value<'a>> {
        thunk.state.set(ThunkState::Running);
        let result = self.guard(site, FrameName::thunk(computation.name()), |ctx| {
            computation.compute(ctx)
        });
        self.settle(thunk, result, ThunkState::Deferred(computation))
    }

    /// A thunk forced while it is being computed.
    #[cold]
    #[inline(never)]
    fn thunk_cycle(&self, site: Site) -> Error {
        self.error_at(
            "kcfg::eval::infinite_recursion",
            site,
            "max stack frames exceeded.",
        )
        .with_note("infinite recursion: a value is needed to compute itself")
    }

    /// A lazy value for `lazy` evaluated in `env`: literals and functions
    /// are built at once, variables share the thunk they are bound to, and
    /// anything else becomes a thunk.
    #[inline]
    pub(crate) fn delay(&mut self, env: &'a Env<'a>, lazy: &'a ir::Lazy) -> Lazy<'a> {
        match &lazy.expr.kind {
            ir::ExprKind::Null => Lazy::Val(Value::Null),
            ir::ExprKind::True => Lazy::Val(Value::Bool(true)),
            ir::ExprKind::False => Lazy::Val(Value::Bool(false)),
            ir::ExprKind::Num(n) => Lazy::Val(Value::Num(*n)),
            ir::ExprKind::Str(s) => Lazy::Val(Value::Str(Str::new(self.bump, s))),
            ir::ExprKind::Function(def) => Lazy::Val(self.closure(env, def)),
            ir::ExprKind::Var(var) => env.get(*var),
            _ => Lazy::Thunk(self.bump.alloc(Thunk::pending(env, lazy))),
        }
    }

    /// Like [`Ctx::delay`], for the value of a binding in a group that is
    /// being bound: a variable of the same frame may not be bound yet, so it
    /// gets a thunk of its own instead of sharing the slot's current content.
    #[inline]
    pub(crate) fn delay_binding(&mut self, env: &'a Env<'a>, lazy: &'a ir::Lazy) -> Lazy<'a> {
        match &lazy.expr.kind {
            ir::ExprKind::Var(var) if var.depth == 0 => {
                Lazy::Thunk(self.bump.alloc(Thunk::pending(env, lazy)))
            }
            _ => self.delay(env, lazy),
        }
    }

    /// A thunk running a deferred computation. One that calls a function
    /// a builtin was given (a lazily computed element of `std.map`) takes
    /// the site of that call from [`Ctx::builtin_site`] when it is made, so
    /// that the call is entered from inside the builtin when the thunk is
    /// forced, wherever that is.
    pub fn defer(&self, computation: impl value::Deferred<'a> + 'a) -> Lazy<'a> {
        let computation: &'a dyn value::Deferred<'a> = self.bump.alloc(computation);
        Lazy::Thunk(self.bump.alloc(Thunk::deferred(computation)))
    }

    pub(crate) fn closure(&self, env: &'a Env<'a>, def: &'a ir::FunctionDef) -> Value<'a> {
        Value::Func(Function(
            self.bump.alloc(FunctionData::Closure { def, env }),
        ))
    }

    // ----- strings and small constructors ----------------------------------

    /// A string value copied into the arena.
    pub fn str(&self, text: &str) -> Value<'a> {
        Value::Str(Str::copy(self.bump, text))
    }

    /// A string value borrowing text that lives as long as the arena.
    pub fn str_ref(&self, text: &'a str) -> Value<'a> {
        Value::Str(Str::new(self.bump, text))
    }

    /// The text of a string value. Reading a rope flattens it, which
    /// aborts if the system refuses the memory; the evaluator and the
    /// standard library use [`Ctx::flat_text`], which fails cleanly. This
    /// is for embedding programs reading values within a memory limit
    /// (every string of 1 MiB or more was checked against it when made).
    pub fn text(&self, s: Str<'a>) -> &'a str {
        s.flat(self.bump)
    }

    /// An array of values.
    pub fn array(&self, values: impl IntoIterator<Item = Value<'a>>) -> Value<'a> {
        Value::Arr(Array::from_values(self.bump, values))
    }

    /// An object with the given visible fields.
    pub fn object(&self, fields: impl IntoIterator<Item = (Sym, Lazy<'a>)>) -> Value<'a> {
        Value::Obj(Object::from_fields(
            self.bump,
            fields.into_iter().map(|(name, value)| NativeField {
                name,
                visibility: Visibility::Inherit,
                value,
            }),
        ))
    }

    // ----- std ------------------------------------------------------------

    /// The `std` object.
    #[inline]
    pub fn std_object(&mut self) -> Object<'a> {
        match self.std_object {
            Some(obj) => obj,
            None => self.build_std_object(),
        }
    }

    /// Builds the `std` object, on its first use.
    #[cold]
    #[inline(never)]
    fn build_std_object(&mut self) -> Object<'a> {
        let std = self.program.std();
        let bump = self.bump;
        let builtins = std
            .builtins
            .iter()
            .enumerate()
            .map(|(index, builtin)| NativeField {
                name: Sym::intern(builtin.name),
                visibility: Visibility::Hidden,
                value: Lazy::Val(Value::Func(Function(bump.alloc(FunctionData::Builtin {
                    builtin,
                    // The table is far smaller than 2^16 (a test holds it).
                    index: index as u16,
                })))),
            });
        let constants = std.constants.iter().map(|(name, value)| NativeField {
            name: Sym::intern(name),
            visibility: Visibility::Hidden,
            value: Lazy::Val(Value::Num(*value)),
        });
        // `std.thisFile` written as such is resolved by the analyzer for the
        // file it appears in; this field serves indirect reads.
        let this_file = self
            .main_file
            .map(|file| self.program.sources().get(file).name.to_string())
            .unwrap_or_default();
        let this_file = NativeField {
            name: Sym::intern("thisFile"),
            visibility: Visibility::Hidden,
            value: Lazy::Val(Value::Str(Str::copy(bump, &this_file))),
        };
        let obj = Object::from_fields(
            bump,
            builtins.chain(constants).chain(std::iter::once(this_file)),
        );
        self.std_object = Some(obj);
        obj
    }

    // ----- files, imports, external variables -------------------------------

    /// Evaluates analyzed code as a whole file.
    pub fn eval_code(&mut self, code: Arc<ir::Code>) -> Result<Value<'a>> {
        let code: &'a ir::Code = self.arena.hold(code);
        self.main_file.get_or_insert(code.file);
        let env = self.file_env(code);
        self.eval(env, &code.root)
    }

    fn file_env(&self, code: &'a ir::Code) -> &'a Env<'a> {
        let slots = self
            .bump
            .alloc_slice_fill_with(code.frame_size as usize, |_| {
                Cell::new(Lazy::Val(Value::Null))
            });
        self.bump.alloc(Env {
            parent: None,
            slots,
            this: None,
            layer: 0,
            dollar: None,
        })
    }

    /// Loads, analyzes and evaluates the file at `path`.
    pub fn eval_file(&mut self, path: &Path) -> Result<Value<'a>> {
        if let Some(log) = &mut self.reads {
            log.file(path);
        }
        let file = self.program.load(path).map_err(|err| {
            Error::from(Diagnostic::runtime_error(
                "kcfg::import::read",
                format!("{}: {err}", path.display()),
            ))
        })?;
        let code = self.program.code(&file).map_err(first_error)?;
        self.eval_code(code)
    }

    /// Evaluates `import`, `importstr` or `importbin` of `path` written at
    /// `span`. Out of line, so that its locals do not enlarge the native
    /// frame of [`Ctx::eval`], which every level of a recursion pays.
    #[inline(never)]
    pub(crate) fn import(
        &mut self,
        kind: ImportKind,
        path: &'a str,
        span: Span,
    ) -> Result<Value<'a>> {
        if kind == ImportKind::Code {
            if let Some(lazy) = self.imports.get(&(span.file, path)) {
                let lazy = *lazy;
                return self.force(lazy, span);
            }
        }
        if path.is_empty() {
            return Err(self.error_code(
                "kcfg::import::empty",
                span,
                "couldn't open import \"\": the empty string is not a valid filename",
            ));
        }
        let source = self.program.sources().get(span.file);
        let dir = source.dir().map(Path::to_path_buf);
        let Some(resolved) = self.program.resolve(dir.as_deref(), path) else {
            return Err(self.error_code(
                "kcfg::import::not_found",
                span,
                format!(
                    "couldn't open import {}: no match locally or in the Jsonnet library paths.",
                    crate::text::escape_string(path)
                ),
            ));
        };
        if let Some(log) = &mut self.reads {
            if self.reads_seen.insert((span.file, path)) {
                log.import(dir.as_deref(), path, &resolved);
            }
        }
        let file = self.program.load(&resolved).map_err(|err| {
            self.error_code(
                "kcfg::import::read",
                span,
                format!(
                    "couldn't open import {}: {err}",
                    crate::text::escape_string(path)
                ),
            )
        })?;
        match kind {
            ImportKind::Str => {
                let text = String::from_utf8_lossy(file.bytes());
                Ok(self.str(&text))
            }
            ImportKind::Bin => {
                let file: &'a crate::program::LoadedFile = self.arena.hold(file);
                Ok(Value::Arr(Array::bytes(self.bump, file.bytes())))
            }
            ImportKind::Code => {
                let lazy = match self.file_values.get(&resolved) {
                    Some(lazy) => *lazy,
                    None => {
                        let code = self.program.code(&file).map_err(first_error)?;
                        let code: &'a ir::Code = self.arena.hold(code);
                        let env = self.file_env(code);
                        let lazy = self.defer(FileRoot { env, code });
                        self.file_values.insert(resolved.clone(), lazy);
                        lazy
                    }
                };
                self.imports.insert((span.file, path), lazy);
                self.force(lazy, span)
            }
        }
    }

    /// The value of external variable `name`, evaluated once.
    pub fn ext_var(&mut self, name: &str, span: Span) -> Result<Value<'a>> {
        if let Some(lazy) = self.ext_cache.get(name) {
            let lazy = *lazy;
            return self.force(lazy, span);
        }
        let Some((key, value)) = self.config.ext_vars.iter().find(|(key, _)| key == name) else {
            return Err(self.error_code(
                "kcfg::eval::undefined_ext_var",
                span,
                format!("undefined external variable: {name}"),
            ));
        };
        let lazy = match value {
            ExtValue::Str(text) => Lazy::Val(self.str(text)),
            ExtValue::Code { name, text } => {
                let code = self
                    .program
                    .snippet(name.clone(), text)
                    .map_err(first_error)?;
                let value = self.eval_code(code)?;
                Lazy::Val(value)
            }
        };
        self.ext_cache.insert(key.as_str(), lazy);
        self.force(lazy, span)
    }

    /// Calls a top-level function with the given arguments (`--tla-*`); any
    /// other value is returned unchanged, as the reference does.
    pub fn apply_tlas(
        &mut self,
        value: Value<'a>,
        tlas: &[(String, ExtValue)],
    ) -> Result<Value<'a>> {
        let Value::Func(func) = value else {
            return Ok(value);
        };
        let mut named = Vec::with_capacity(tlas.len());
        for (name, arg) in tlas {
            let param = Sym::intern(name);
            let lazy = match arg {
                ExtValue::Str(text) => Lazy::Val(self.str(text)),
                // Code is parsed and evaluated when the argument is first
                // used, as in the reference (`thunk <NAME>` in traces): an
                // unused `--tla-code-file` is never read.
                ExtValue::Code { name, text } => {
                    let source = self.arena.hold(Arc::new((name.clone(), text.clone())));
                    self.defer(TlaCode { param, source })
                }
            };
            named.push((param, lazy));
        }
        self.call_values(func, &[], &named, Site::TopLevel)
    }

    /// The root environment (no variables), for evaluating detached code.
    pub fn root_env(&self) -> &'a Env<'a> {
        self.root_env
    }
}

/// Evaluates a file's root expression the first time the import is forced.
struct FileRoot<'a> {
    env: &'a Env<'a>,
    code: &'a ir::Code,
}

impl<'a> value::Deferred<'a> for FileRoot<'a> {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        ctx.eval(self.env, &self.code.root)
    }
}

/// A top-level argument given as code, evaluated on first use.
struct TlaCode<'a> {
    param: Sym,
    source: &'a (SourceName, String),
}

impl<'a> value::Deferred<'a> for TlaCode<'a> {
    fn compute(&self, ctx: &mut Ctx<'a>) -> Result<Value<'a>> {
        let (name, text) = self.source;
        let code = ctx
            .program
            .snippet(name.clone(), text)
            .map_err(first_error)?;
        ctx.eval_code(code)
    }

    fn name(&self) -> ThunkName {
        ThunkName::Var(self.param)
    }
}

/// The first of a file's static errors, as a runtime error value.
pub fn first_error(mut diags: Vec<Diagnostic>) -> Error {
    if diags.is_empty() {
        return Error::from(Diagnostic::runtime_error(
            "kcfg::internal",
            "INTERNAL ERROR: empty error list",
        ));
    }
    Error::from(diags.swap_remove(0))
}

impl Error {
    /// Adds a help line.
    pub fn with_note(mut self, note: impl Into<String>) -> Error {
        self.0.notes.push(note.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{NoImports, Std};

    fn nest(ctx: &mut Ctx<'_>, span: Span, levels: usize) -> Result<usize> {
        if levels == 0 {
            return Ok(ctx.depth());
        }
        ctx.descend(span, |ctx| nest(ctx, span, levels - 1))
    }

    /// Runs `f` with a fresh context whose frame limit is `max_stack`.
    fn with_ctx(max_stack: usize, f: impl FnOnce(&mut Ctx<'_>, Span)) {
        let program = Program::new(Arc::new(NoImports), Std::default());
        let span = Span {
            file: FileId(0),
            start: 0,
            end: 0,
        };
        let config = EvalConfig {
            max_stack,
            ..EvalConfig::default()
        };
        let arena = Arena::new();
        let mut ctx = Ctx::new(&arena, &program, &config);
        f(&mut ctx, span);
    }

    #[test]
    fn descend_counts_against_the_frame_limit() {
        with_ctx(100, |ctx, span| {
            assert_eq!(nest(ctx, span, 50).ok(), Some(50));
            assert_eq!(ctx.depth(), 0);
            let err = nest(ctx, span, 1000).err().map(|e| e.to_string());
            assert_eq!(err.as_deref(), Some("max stack frames exceeded."));
            assert_eq!(ctx.depth(), 0);
        });
    }

    #[test]
    fn descend_grows_the_native_stack() {
        with_ctx(1_000_000, |ctx, span| {
            assert_eq!(nest(ctx, span, 300_000).ok(), Some(300_000));
        });
    }
}
