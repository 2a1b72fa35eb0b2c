//! Function calls: matching arguments to parameters, builtins, and
//! `tailstrict`.
//!
//! Arguments are lazy: the caller passes thunks, and a parameter's default
//! is evaluated in the callee's frame (so defaults may refer to other
//! parameters). A builtin's strict parameters are evaluated directly,
//! without allocating a thunk, which is the hot path of most `std` calls.
//!
//! `f(x) tailstrict` evaluates every argument before the body runs: those
//! given, in the order written, then the defaults of those not given, in
//! parameter order (so `local f(x, y=error "e") = x; f(1) tailstrict`
//! fails, as in the reference). Each is evaluated inside the callee's
//! frame, in a frame named after its parameter, which is where the
//! reference forces them and what its traces show. When a function that was
//! itself entered through `tailstrict` makes a `tailstrict` call as the last
//! thing its body does, the callee replaces its frame instead of adding
//! one: recursion through `tailstrict` tail calls runs in constant stack,
//! and counts the frames the reference counts (its `tailCallTrimStack`).

use std::cell::Cell;

use super::builtin::{Args, Builtin, MAX_PARAMS};
use super::error::{FrameName, Site, StackEntry};
use super::expr::var_name;
use super::value::{Env, Function, FunctionData, Lazy, Value};
use super::{Ctx, Result};
use crate::ir::{self, ExprKind as I, ThunkName};
use crate::span::{FileId, Span};
use crate::sym::Sym;

/// Where a call's arguments come from.
#[derive(Clone, Copy)]
enum ArgSource<'a, 's> {
    /// Expressions in the caller's frame; `strict` evaluates them now.
    Exprs {
        env: &'a Env<'a>,
        apply: &'a ir::Apply,
        strict: bool,
    },
    /// Values computed by Rust code.
    Values {
        positional: &'s [Lazy<'a>],
        named: &'s [(Sym, Lazy<'a>)],
    },
}

impl ArgSource<'_, '_> {
    fn positional_count(&self) -> usize {
        match self {
            ArgSource::Exprs { apply, .. } => apply.positional.len(),
            ArgSource::Values { positional, .. } => positional.len(),
        }
    }
}

/// Which parameters have been bound, for up to 64 parameters without
/// allocating.
struct BoundSet {
    small: u64,
    large: Vec<bool>,
}

impl BoundSet {
    fn new(count: usize) -> BoundSet {
        BoundSet {
            small: 0,
            large: if count > 64 {
                vec![false; count]
            } else {
                Vec::new()
            },
        }
    }

    fn insert(&mut self, index: usize) -> bool {
        if self.large.is_empty() {
            let bit = 1u64 << index;
            let fresh = self.small & bit == 0;
            self.small |= bit;
            fresh
        } else {
            !std::mem::replace(&mut self.large[index], true)
        }
    }

    fn contains(&self, index: usize) -> bool {
        if self.large.is_empty() {
            self.small & (1u64 << index) != 0
        } else {
            self.large[index]
        }
    }
}

/// The name of a function's frame entered from outside code: the
/// reference names the program's top-level function `top_level`, whatever
/// it is bound to, and a function a builtin calls after the builtin's
/// parameter.
fn entered_name(site: Site, name: Option<Sym>) -> FrameName {
    match site {
        Site::TopLevel => FrameName::function(Some(Sym::intern("top_level"))),
        Site::Builtin { builtin, .. } => FrameName::callback(builtin),
        _ => FrameName::function(name),
    }
}

fn site_span(site: Site) -> Span {
    match site.span() {
        Some(span) => span,
        None => Span {
            file: FileId(0),
            start: 0,
            end: 0,
        },
    }
}

impl<'a> Ctx<'a> {
    /// Evaluates a call expression.
    ///
    /// A recursion in the program nests the native frames of a call once
    /// per call, and a deep one (`bench07_lazy_closures`, 2^15 nested
    /// calls) spends most of its time faulting in fresh stack pages. So the
    /// call of a closure, the common case, is made here in one native
    /// frame between two of [`Ctx::eval`]: the arguments are bound out of
    /// line ([`Ctx::bind_args`], which returns before the body runs) and
    /// the frame is entered and the body run inline ([`Ctx::run_body`]).
    /// Everything else goes through [`Ctx::call_from`].
    #[inline(never)]
    pub(crate) fn eval_apply(
        &mut self,
        env: &'a Env<'a>,
        apply: &'a ir::Apply,
        span: Span,
    ) -> Result<Value<'a>> {
        let target = self.eval(env, &apply.target)?;
        let Value::Func(func) = target else {
            return Err(self.not_a_function(target, span));
        };
        let source = ArgSource::Exprs {
            env,
            apply,
            strict: apply.tailstrict,
        };
        let site = Site::At(span);
        let hint = var_name(&apply.target);
        match func.0 {
            FunctionData::Closure {
                def,
                env: closure_env,
            } if !apply.tailstrict => {
                let frame = self.bind_args(def, closure_env, source, site)?;
                self.run_body(def, frame, site, FrameName::function(def.name.or(hint)))
            }
            _ => self.call_from(func, source, site, hint),
        }
    }

    /// `only functions can be called`, for a call of `target`.
    #[cold]
    #[inline(never)]
    fn not_a_function(&self, target: Value<'a>, span: Span) -> super::Error {
        self.error(
            span,
            format!("only functions can be called, got {}", target.type_name()),
        )
    }

    /// Calls `func` with positional and named arguments computed by Rust
    /// code, entered from `site`.
    pub fn call_values(
        &mut self,
        func: Function<'a>,
        positional: &[Lazy<'a>],
        named: &[(Sym, Lazy<'a>)],
        site: Site,
    ) -> Result<Value<'a>> {
        let source = ArgSource::Values { positional, named };
        match func.0 {
            // Entered from outside code: named as the reference names it
            // (see `entered_name`), here rather than in `call_from`, which
            // every call goes through.
            FunctionData::Closure { def, env } if !matches!(site, Site::At(_)) => {
                let frame = self.bind_args(def, env, source, site)?;
                self.enter(def, frame, site, entered_name(site, def.name))
            }
            _ => self.call_from(func, source, site, None),
        }
    }

    /// Calls `func` with positional arguments, entered from `span`: what
    /// a builtin does to call the functions it is given (`std.map`'s
    /// `func`), so the call is entered from inside that builtin
    /// ([`Site::Builtin`], see [`Ctx::builtin_site`]).
    #[inline]
    pub fn call_function(
        &mut self,
        func: Function<'a>,
        args: &[Lazy<'a>],
        span: Span,
    ) -> Result<Value<'a>> {
        self.call_function_from(func, args, self.builtin_site(span))
    }

    /// The site of a call a builtin makes at `span`: inside the builtin
    /// whose Rust code is running, if one is. A computation the builtin
    /// defers keeps it for the call it makes when forced
    /// ([`Ctx::call_function_from`]).
    #[inline]
    pub fn builtin_site(&self, span: Span) -> Site {
        match self.builtin {
            Some(builtin) => Site::Builtin { builtin, span },
            None => Site::At(span),
        }
    }

    /// [`Ctx::call_function`] entered from `site`, which
    /// [`Ctx::builtin_site`] gave.
    pub fn call_function_from(
        &mut self,
        func: Function<'a>,
        args: &[Lazy<'a>],
        site: Site,
    ) -> Result<Value<'a>> {
        // The function runs code of its own, outside the builtin.
        let outer = self.builtin.take();
        let result = self.call_values(func, args, &[], site);
        self.builtin = outer;
        result
    }

    fn call_from(
        &mut self,
        func: Function<'a>,
        source: ArgSource<'a, '_>,
        site: Site,
        hint: Option<Sym>,
    ) -> Result<Value<'a>> {
        match func.0 {
            FunctionData::Closure { def, env } => {
                let frame = self.bind_args(def, env, source, site)?;
                let name = FrameName::function(def.name.or(hint));
                match source {
                    ArgSource::Exprs {
                        env: caller,
                        apply,
                        strict: true,
                    } => self.tail_call(def, frame, caller, apply, site, name),
                    _ => self.enter(def, frame, site, name),
                }
            }
            FunctionData::Builtin { builtin, index } => {
                self.call_builtin(builtin, *index, source, site)
            }
            FunctionData::Native { native, .. } => self.call_native_from(native, source, site),
        }
    }

    /// Calls a native function: matches arguments to its parameters and
    /// evaluates them all.
    fn call_native_from(
        &mut self,
        native: &'a crate::program::NativeFunction,
        source: ArgSource<'a, '_>,
        site: Site,
    ) -> Result<Value<'a>> {
        let params = &native.params;
        if source.positional_count() > params.len() {
            return Err(self.error_at(
                "kcfg::eval::too_many_args",
                site,
                format!("too many args, function has {} parameter(s)", params.len()),
            ));
        }
        let span = site_span(site);
        let mut values: Vec<Option<Lazy<'a>>> = vec![None; params.len()];
        let mut named_lazy: Vec<(Sym, Lazy<'a>)> = Vec::new();
        match source {
            ArgSource::Exprs { env, apply, .. } => {
                for (index, arg) in apply.positional.iter().enumerate() {
                    values[index] = Some(Lazy::Val(self.eval(env, &arg.expr)?));
                }
                for (name, arg) in apply.named.iter() {
                    named_lazy.push((*name, Lazy::Val(self.eval(env, &arg.expr)?)));
                }
            }
            ArgSource::Values { positional, named } => {
                for (index, lazy) in positional.iter().enumerate() {
                    values[index] = Some(*lazy);
                }
                named_lazy.extend_from_slice(named);
            }
        }
        for (name, lazy) in named_lazy {
            let index = self.param_index(params.iter().map(|p| Sym::intern(p)), name, site)?;
            if values[index].is_some() {
                return Err(self.error_at(
                    "kcfg::eval::duplicate_argument",
                    site,
                    format!("binding parameter a second time: {name}"),
                ));
            }
            values[index] = Some(lazy);
        }
        let mut args = Vec::with_capacity(params.len());
        for (param, value) in params.iter().zip(values) {
            match value {
                Some(lazy) => args.push(self.force(lazy, span)?),
                None => {
                    return Err(self.error_at(
                        "kcfg::eval::missing_argument",
                        site,
                        format!("function parameter {param} not bound in call."),
                    ));
                }
            }
        }
        self.call_native(native, &args, site)
    }

    /// Builds the call frame of a closure. Arguments are bound lazily,
    /// parameters not given to their defaults; for a `tailstrict` call the
    /// given arguments are left for [`Ctx::force_args`] to evaluate, once
    /// the callee's frame is entered.
    #[inline(never)]
    fn bind_args(
        &mut self,
        def: &'a ir::FunctionDef,
        closure_env: &'a Env<'a>,
        source: ArgSource<'a, '_>,
        site: Site,
    ) -> Result<&'a Env<'a>> {
        let params = &def.params;
        if source.positional_count() > params.len() {
            return Err(self.error_at(
                "kcfg::eval::too_many_args",
                site,
                format!("too many args, function has {} parameter(s)", params.len()),
            ));
        }
        let slots = self
            .bump
            .alloc_slice_fill_with(def.frame_size as usize, |_| {
                Cell::new(Lazy::Val(Value::Null))
            });
        let frame = self.bump.alloc(Env {
            parent: Some(closure_env),
            slots,
            this: closure_env.this,
            layer: closure_env.layer,
            dollar: closure_env.dollar,
        });
        let mut bound = BoundSet::new(params.len());
        match source {
            ArgSource::Exprs { env, apply, strict } => {
                for (index, arg) in apply.positional.iter().enumerate() {
                    if !strict {
                        slots[index].set(self.delay(env, arg));
                    }
                    bound.insert(index);
                }
                for (name, arg) in apply.named.iter() {
                    let index = self.param_index(params.iter().map(|p| p.name), *name, site)?;
                    if !bound.insert(index) {
                        return Err(self.error_at(
                            "kcfg::eval::duplicate_argument",
                            site,
                            format!("binding parameter a second time: {name}"),
                        ));
                    }
                    if !strict {
                        slots[index].set(self.delay(env, arg));
                    }
                }
            }
            ArgSource::Values { positional, named } => {
                for (index, lazy) in positional.iter().enumerate() {
                    slots[index].set(*lazy);
                    bound.insert(index);
                }
                for (name, lazy) in named {
                    let index = self.param_index(params.iter().map(|p| p.name), *name, site)?;
                    if !bound.insert(index) {
                        return Err(self.error_at(
                            "kcfg::eval::duplicate_argument",
                            site,
                            format!("binding parameter a second time: {name}"),
                        ));
                    }
                    slots[index].set(*lazy);
                }
            }
        }
        for (index, param) in params.iter().enumerate() {
            if bound.contains(index) {
                continue;
            }
            match &param.default {
                Some(default) => slots[index].set(self.delay_binding(frame, default)),
                None => {
                    return Err(self.error_at(
                        "kcfg::eval::missing_argument",
                        site,
                        format!("function parameter {} not bound in call.", param.name),
                    ));
                }
            }
        }
        Ok(frame)
    }

    /// Evaluates the arguments of a `tailstrict` call, inside the callee's
    /// frame: the given ones in the order written (each in a frame named
    /// after its parameter, entered from the call), then the defaults of
    /// the others in parameter order.
    fn force_args(
        &mut self,
        def: &'a ir::FunctionDef,
        frame: &'a Env<'a>,
        caller: &'a Env<'a>,
        apply: &'a ir::Apply,
        site: Site,
    ) -> Result<()> {
        let params = &def.params;
        let given = apply.positional.iter().enumerate();
        let named = apply.named.iter().map(|(name, arg)| {
            let index = params.iter().position(|param| param.name == *name);
            (index.unwrap_or(usize::MAX), arg)
        });
        for (index, arg) in given.chain(named) {
            let (Some(param), Some(slot)) = (params.get(index), frame.slots.get(index)) else {
                continue;
            };
            let name = FrameName::thunk(ThunkName::Var(param.name));
            let value = self.guard(site, name, |ctx| ctx.eval(caller, &arg.expr))?;
            slot.set(Lazy::Val(value));
        }
        // The parameters not given, which `bind_args` bound to defaults.
        let defaults = params
            .iter()
            .zip(frame.slots)
            .skip(apply.positional.len())
            .filter(|(param, _)| !apply.named.iter().any(|(name, _)| *name == param.name));
        for (_, slot) in defaults {
            let value = self.force_from(slot.get(), site)?;
            slot.set(Lazy::Val(value));
        }
        Ok(())
    }

    fn param_index(
        &self,
        mut names: impl Iterator<Item = Sym>,
        name: Sym,
        site: Site,
    ) -> Result<usize> {
        names.position(|param| param == name).ok_or_else(|| {
            self.error_at(
                "kcfg::eval::unknown_parameter",
                site,
                format!("function has no parameter {name}"),
            )
        })
    }

    /// [`Ctx::enter`] inline, for [`Ctx::eval_apply`]: the checks and the
    /// shadow frame of [`Ctx::guard`] with the body run in the caller's
    /// native frame. When the frame limit is reached or the native stack
    /// runs low, [`Ctx::enter`] takes over (and reports or grows).
    #[inline(always)]
    fn run_body(
        &mut self,
        def: &'a ir::FunctionDef,
        frame: &'a Env<'a>,
        site: Site,
        name: FrameName,
    ) -> Result<Value<'a>> {
        if self.stack.len() + 1 >= self.max_stack || !self.stack_bounds.have_room() {
            return self.enter(def, frame, site, name);
        }
        self.check_limits_at(site)?;
        self.stack.push(StackEntry { site, name });
        let result = self.eval_body::<false>(def, frame);
        self.stack.pop();
        result
    }

    /// Runs a closure's body in a new frame. Out of line: inlined into
    /// `call_from`, the frame's name was built in memory and read back at
    /// once, which stalls the store buffer on every call.
    #[inline(never)]
    fn enter(
        &mut self,
        def: &'a ir::FunctionDef,
        frame: &'a Env<'a>,
        site: Site,
        name: FrameName,
    ) -> Result<Value<'a>> {
        self.guard(site, name, |ctx| ctx.eval_body::<false>(def, frame))
    }

    /// Runs a `tailstrict` call in a frame of its own, whose `tailstrict`
    /// tail calls then replace it: a `tailstrict` call made anywhere but in
    /// tail position of a function itself entered through `tailstrict`.
    /// Out of line, so that the common path of a call keeps a small native
    /// frame.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn tail_call(
        &mut self,
        def: &'a ir::FunctionDef,
        frame: &'a Env<'a>,
        caller: &'a Env<'a>,
        apply: &'a ir::Apply,
        site: Site,
        name: FrameName,
    ) -> Result<Value<'a>> {
        self.guard(site, name, |ctx| {
            ctx.force_args(def, frame, caller, apply, site)?;
            ctx.eval_body::<true>(def, frame)
        })
    }

    /// Evaluates a function body in its call frame. A `tailstrict` call in
    /// tail position replaces the frame and loops if this frame was itself
    /// entered through `tailstrict` (`TAIL`); otherwise it runs in a frame
    /// of its own ([`Ctx::tail_call`]). (Two functions rather than a flag,
    /// each inlined where it is called, so that calls keep their native
    /// frames small.)
    #[inline(always)]
    fn eval_body<const TAIL: bool>(
        &mut self,
        mut def: &'a ir::FunctionDef,
        mut frame: &'a Env<'a>,
    ) -> Result<Value<'a>> {
        'call: loop {
            let env = frame;
            let mut expr = &def.body;
            loop {
                match &expr.kind {
                    I::Local(local) => {
                        self.bind(env, &local.binds);
                        expr = &local.body;
                    }
                    I::If(branch) => match self.eval(env, &branch.cond)? {
                        Value::Bool(true) => expr = &branch.then,
                        Value::Bool(false) => match &branch.otherwise {
                            Some(otherwise) => expr = otherwise,
                            None => return Ok(Value::Null),
                        },
                        other => return Err(self.not_boolean(other, branch.cond.span)),
                    },
                    // Outside a `tailstrict` frame, a `tailstrict` call is
                    // an ordinary expression: `Ctx::eval_apply` gives it a
                    // frame of its own (`Ctx::tail_call`).
                    I::Apply(apply) if TAIL && apply.tailstrict => {
                        let target = self.eval(env, &apply.target)?;
                        let Value::Func(func) = target else {
                            return Err(self.not_a_function(target, expr.span));
                        };
                        let source = ArgSource::Exprs {
                            env,
                            apply,
                            strict: true,
                        };
                        let site = Site::At(expr.span);
                        match func.0 {
                            FunctionData::Closure {
                                def: callee,
                                env: closure_env,
                            } => {
                                self.check_limits_at(site)?;
                                let callee_frame =
                                    self.bind_args(callee, closure_env, source, site)?;
                                let name =
                                    FrameName::function(callee.name.or(var_name(&apply.target)));
                                if let Some(top) = self.stack.last_mut() {
                                    top.site = site;
                                    top.name = name;
                                }
                                self.force_args(callee, callee_frame, env, apply, site)?;
                                frame = callee_frame;
                                def = callee;
                                continue 'call;
                            }
                            FunctionData::Builtin { builtin, index } => {
                                return self.call_builtin(builtin, *index, source, site)
                            }
                            FunctionData::Native { native, .. } => {
                                return self.call_native_from(native, source, site)
                            }
                        }
                    }
                    _ => return self.eval(env, expr),
                }
            }
        }
    }

    /// Calls a builtin: matches arguments to its parameters and evaluates
    /// the strict ones.
    fn call_builtin(
        &mut self,
        builtin: &'static Builtin,
        index: u16,
        source: ArgSource<'a, '_>,
        site: Site,
    ) -> Result<Value<'a>> {
        let params = builtin.params;
        if source.positional_count() > params.len() {
            return Err(self.error_at(
                "kcfg::eval::too_many_args",
                site,
                format!("too many args, function has {} parameter(s)", params.len()),
            ));
        }
        let mut values: [Option<Lazy<'a>>; MAX_PARAMS] = [None; MAX_PARAMS];
        match source {
            ArgSource::Exprs { env, apply, .. } => {
                for (index, arg) in apply.positional.iter().enumerate() {
                    values[index] = Some(if builtin.is_lazy(index) {
                        self.delay(env, arg)
                    } else {
                        Lazy::Val(self.eval(env, &arg.expr)?)
                    });
                }
                for (name, arg) in apply.named.iter() {
                    let index =
                        self.param_index(params.iter().map(|p| Sym::intern(p)), *name, site)?;
                    if values[index].is_some() {
                        return Err(self.error_at(
                            "kcfg::eval::duplicate_argument",
                            site,
                            format!("binding parameter a second time: {name}"),
                        ));
                    }
                    values[index] = Some(if builtin.is_lazy(index) {
                        self.delay(env, arg)
                    } else {
                        Lazy::Val(self.eval(env, &arg.expr)?)
                    });
                }
            }
            ArgSource::Values { positional, named } => {
                for (index, lazy) in positional.iter().enumerate() {
                    values[index] = Some(*lazy);
                }
                for (name, lazy) in named {
                    let index =
                        self.param_index(params.iter().map(|p| Sym::intern(p)), *name, site)?;
                    if values[index].is_some() {
                        return Err(self.error_at(
                            "kcfg::eval::duplicate_argument",
                            site,
                            format!("binding parameter a second time: {name}"),
                        ));
                    }
                    values[index] = Some(*lazy);
                }
                let span = site_span(site);
                for (index, value) in values.iter_mut().enumerate().take(params.len()) {
                    if let (Some(lazy @ Lazy::Thunk(_)), false) = (*value, builtin.is_lazy(index)) {
                        *value = Some(Lazy::Val(self.force(lazy, span)?));
                    }
                }
            }
        }
        for (index, param) in params.iter().enumerate().take(builtin.required) {
            if values[index].is_none() {
                return Err(self.error_at(
                    "kcfg::eval::missing_argument",
                    site,
                    format!("function parameter {param} not bound in call."),
                ));
            }
        }
        let args = Args {
            values,
            count: params.len(),
            site: site_span(site),
            builtin: builtin.name,
        };
        // While the builtin runs, the functions it calls and the values it
        // defers are entered from inside it (see `Site::Builtin`).
        let outer = self.builtin.replace(index);
        let result = (builtin.func)(self, &args);
        self.builtin = outer;
        result
    }
}
