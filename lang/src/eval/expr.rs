//! Evaluating expressions: the interpreter's main loop.
//!
//! [`Ctx::eval`] evaluates one IR expression in a frame. Tail positions
//! (`local … ; body`, the branches of `if`, the rest of `assert`) loop
//! instead of recursing, so long chains of locals cost no native stack.

use std::cell::Cell;

use super::error::{FrameName, Site};
use super::object::{CompLayer, Layer, LiteralLayer, Slot};
use super::value::{Env, Lazy, ThunkState, Value};
use super::{Array, Ctx, Error, Object, Result, Str};
use crate::ast::BinaryOp;
use crate::ir::{self, Clause, ExprKind as I, ThunkName};
use crate::span::Span;
use crate::sym::Sym;
use crate::text::format_g;

impl<'a> Ctx<'a> {
    /// Evaluates `expr` in `env`.
    ///
    /// Recursion through the tree (`1 + 1 + …` is one level per operator)
    /// makes sure of native stack at each level; calls and thunks go
    /// through [`Ctx::guard`]. Always inline, with the growth out of line,
    /// so that it adds no native frame of its own to each level.
    #[inline(always)]
    pub(crate) fn eval(&mut self, env: &'a Env<'a>, expr: &'a ir::Expr) -> Result<Value<'a>> {
        if self.stack_bounds.have_room() {
            self.eval_here(env, expr)
        } else {
            self.eval_on_new_stack(env, expr)
        }
    }

    /// [`Ctx::eval`] when the stack runs low: its arguments in registers,
    /// so that the callers' frames keep no room for a call they rarely
    /// make.
    #[cold]
    #[inline(never)]
    fn eval_on_new_stack(&mut self, env: &'a Env<'a>, expr: &'a ir::Expr) -> Result<Value<'a>> {
        self.with_stack(|| Site::At(expr.span), |ctx| ctx.eval_here(env, expr))
    }

    /// [`Ctx::eval`] on the current stack.
    pub(super) fn eval_here(
        &mut self,
        env: &'a Env<'a>,
        mut expr: &'a ir::Expr,
    ) -> Result<Value<'a>> {
        loop {
            return match &expr.kind {
                I::Null => Ok(Value::Null),
                I::True => Ok(Value::Bool(true)),
                I::False => Ok(Value::Bool(false)),
                I::Num(n) => Ok(Value::Num(*n)),
                I::Str(s) => Ok(Value::Str(Str::new(self.bump, s))),
                I::Var(var) => match env.get(*var) {
                    // The reference reads a function's variable without a
                    // frame once it has been read (its thunk is filled), so
                    // a recursive call runs out of frames at the call, not
                    // at its name (issue 16).
                    Lazy::Val(value @ Value::Func(_)) => Ok(value),
                    Lazy::Val(value) => {
                        self.check_depth(expr.span)?;
                        Ok(value)
                    }
                    // `Ctx::force` spelled out: a frame fewer on the way
                    // into a thunk (see `Ctx::eval_apply` on native frames).
                    Lazy::Thunk(thunk) => match thunk.state.get() {
                        ThunkState::Done(value) => Ok(value),
                        _ => self.force_thunk(thunk, Site::At(expr.span)),
                    },
                },
                I::SelfValue => match env.this {
                    Some(obj) => Ok(Value::Obj(obj)),
                    None => Err(self.no_object(expr.span, "Can't use self outside of an object.")),
                },
                I::Dollar => match env.dollar {
                    Some(obj) => Ok(Value::Obj(obj)),
                    None => Err(self.no_object(expr.span, "No top-level object found.")),
                },
                I::Std => Ok(Value::Obj(self.std_object())),
                I::Local(local) => {
                    self.bind(env, &local.binds);
                    expr = &local.body;
                    continue;
                }
                I::Function(def) => Ok(self.closure(env, def)),
                I::Apply(apply) => self.eval_apply(env, apply, expr.span),
                I::Array(elems) => Ok(self.eval_array(env, elems)),
                I::NumArray(nums) => Ok(Value::Arr(Array::nums(self.bump, nums))),
                I::ArrayComp(comp) => self.eval_array_comp(env, comp, expr.span),
                I::Object(def) => self.eval_object(env, def, expr.span),
                I::ObjectComp(def) => self.eval_object_comp(env, def, expr.span),
                I::Field { target, name } => {
                    let value = self.eval(env, target)?;
                    self.index_field(value, *name, expr.span, var_name(target))
                }
                I::Index { target, index } => {
                    let value = self.eval(env, target)?;
                    let index = self.eval(env, index)?;
                    self.index(value, index, expr.span, var_name(target))
                }
                I::SuperField(name) => self.super_field(env, *name, expr.span),
                I::SuperIndex(index) => self.eval_super_index(env, index, expr.span),
                I::InSuper(key) => self.eval_in_super(env, key, expr.span),
                I::Slice(slice) => self.eval_slice(env, slice, expr.span),
                I::Binary { op, lhs, rhs } => self.eval_binary(env, *op, lhs, rhs, expr.span),
                I::Unary { op, expr: operand } => self.eval_unary(env, *op, operand, expr.span),
                I::If(branch) => {
                    let cond = self.eval(env, &branch.cond)?;
                    match cond {
                        Value::Bool(true) => {
                            expr = &branch.then;
                            continue;
                        }
                        Value::Bool(false) => match &branch.otherwise {
                            Some(otherwise) => {
                                expr = otherwise;
                                continue;
                            }
                            None => Ok(Value::Null),
                        },
                        other => Err(self.not_boolean(other, branch.cond.span)),
                    }
                }
                I::Error(message) => self.eval_error(env, message, expr.span),
                I::Assert(assert) => match self.eval(env, &assert.cond)? {
                    Value::Bool(true) => {
                        expr = &assert.rest;
                        continue;
                    }
                    other => self.assertion_failed(env, assert, other, expr.span),
                },
                I::Import { kind, path } => self.import(*kind, path, expr.span),
            };
        }
    }

    #[cold]
    #[inline(never)]
    fn no_object(&self, span: Span, message: &str) -> super::Error {
        self.error(span, message)
    }

    #[cold]
    #[inline(never)]
    pub(super) fn not_boolean(&self, value: Value<'a>, span: Span) -> super::Error {
        self.error(
            span,
            format!("condition must be boolean, got {}.", value.type_name()),
        )
    }

    #[inline(never)]
    fn eval_error(
        &mut self,
        env: &'a Env<'a>,
        message: &'a ir::Expr,
        span: Span,
    ) -> Result<Value<'a>> {
        let value = self.eval(env, message)?;
        let text = self.error_message(value, span)?;
        Err(self.error_code("kcfg::eval::user_error", span, text))
    }

    #[inline(never)]
    fn assertion_failed(
        &mut self,
        env: &'a Env<'a>,
        assert: &'a ir::Assert,
        cond: Value<'a>,
        span: Span,
    ) -> Result<Value<'a>> {
        if !matches!(cond, Value::Bool(false)) {
            return Err(self.not_boolean(cond, assert.cond.span));
        }
        let text = match &assert.message {
            Some(message) => {
                let value = self.eval(env, message)?;
                self.error_message(value, span)?
            }
            None => "Assertion failed.".to_string(),
        };
        Err(self.error_code("kcfg::eval::assertion_failed", span, text))
    }

    #[inline(never)]
    fn eval_array(&mut self, env: &'a Env<'a>, elems: &'a [ir::Lazy]) -> Value<'a> {
        let bump = self.bump;
        let elems = bump.alloc_slice_fill_iter(elems.iter().map(|elem| self.delay(env, elem)));
        Value::Arr(Array::new(bump, elems))
    }

    #[inline(never)]
    fn eval_unary(
        &mut self,
        env: &'a Env<'a>,
        op: crate::ast::UnaryOp,
        operand: &'a ir::Expr,
        span: Span,
    ) -> Result<Value<'a>> {
        let value = self.eval(env, operand)?;
        self.unary(op, value, span)
    }

    #[inline(never)]
    fn eval_super_index(
        &mut self,
        env: &'a Env<'a>,
        index: &'a ir::Expr,
        span: Span,
    ) -> Result<Value<'a>> {
        let (this, layer) = self.super_of(env, span)?;
        match self.eval(env, index)? {
            Value::Str(s) => {
                let name = Sym::intern(self.flat_text(s, span)?);
                self.super_field_of(this, layer, name, span)
            }
            other => Err(self.error(
                span,
                format!("super index must be string, got {}.", other.type_name()),
            )),
        }
    }

    #[inline(never)]
    fn eval_in_super(
        &mut self,
        env: &'a Env<'a>,
        key: &'a ir::Expr,
        span: Span,
    ) -> Result<Value<'a>> {
        let key = self.eval(env, key)?;
        let Value::Str(key) = key else {
            return Err(self.error(
                span,
                format!(
                    "left hand side of e in super must be string, got {}.",
                    key.type_name()
                ),
            ));
        };
        let name = Sym::intern(self.flat_text(key, span)?);
        let found = match env.this {
            Some(this) => this.find(name, env.layer as usize).is_some(),
            None => false,
        };
        Ok(Value::Bool(found))
    }

    /// The text of an `error` or assertion message: strings as they are,
    /// anything else as single-line JSON.
    pub(crate) fn error_message(&mut self, value: Value<'a>, span: Span) -> Result<String> {
        match value {
            Value::Str(s) => Ok(self.flat_text(s, span)?.to_string()),
            other => {
                let s = self.to_string_value(other, span)?;
                Ok(self.flat_text(s, span)?.to_string())
            }
        }
    }

    /// Binds `local` bindings in `env`.
    pub(crate) fn bind(&mut self, env: &'a Env<'a>, binds: &'a [ir::Binding]) {
        for binding in binds {
            let lazy = self.delay_binding(env, &binding.value);
            if let Some(slot) = env.slots.get(binding.slot as usize) {
                slot.set(lazy);
            }
        }
    }

    // ----- indexing -------------------------------------------------------

    /// `value.name`.
    #[inline(never)]
    pub(crate) fn index_field(
        &mut self,
        value: Value<'a>,
        name: Sym,
        span: Span,
        hint: Option<Sym>,
    ) -> Result<Value<'a>> {
        match value {
            Value::Obj(obj) => self.get_field(obj, name, Site::At(span), hint),
            Value::Arr(_) => Err(self.error(
                span,
                format!(
                    "attempted index an array with string {}.",
                    crate::text::escape_string(&name)
                ),
            )),
            Value::Str(_) => Err(self.error(span, "string index must be a number, got string.")),
            other => Err(self.error(
                span,
                format!(
                    "can only index objects, strings, and arrays, got {}.",
                    other.type_name()
                ),
            )),
        }
    }

    /// `value[index]`, with the reference's messages for a wrong index or
    /// a value that cannot be indexed.
    #[inline(never)]
    pub fn index(
        &mut self,
        value: Value<'a>,
        index: Value<'a>,
        span: Span,
        hint: Option<Sym>,
    ) -> Result<Value<'a>> {
        match (value, index) {
            (Value::Obj(obj), Value::Str(name)) => {
                let name = Sym::intern(self.flat_text(name, span)?);
                self.get_field(obj, name, Site::At(span), hint)
            }
            (Value::Obj(_), other) => Err(self.error(
                span,
                format!("object index must be string, got {}.", other.type_name()),
            )),
            (Value::Arr(arr), Value::Num(n)) => {
                let floor = n.floor();
                if floor < 0.0 || floor >= arr.len() as f64 || n.is_nan() {
                    return Err(self.error(
                        span,
                        format!(
                            "array bounds error: {} not within [0, {})",
                            format_g(floor, 6, false),
                            arr.len()
                        ),
                    ));
                }
                if floor != n {
                    return Err(self.error(
                        span,
                        format!("array index was not integer: {}", format_g(n, 6, false)),
                    ));
                }
                match arr.get(floor as usize) {
                    Some(lazy) => self.force(lazy, span),
                    None => Err(self.error(span, "array bounds error")),
                }
            }
            (Value::Arr(_), Value::Str(s)) => {
                let text = self.flat_text(s, span)?;
                Err(self.error(
                    span,
                    format!(
                        "attempted index an array with string {}.",
                        crate::text::escape_string(text)
                    ),
                ))
            }
            (Value::Arr(_), other) => Err(self.error(
                span,
                format!("array index must be number, got {}.", other.type_name()),
            )),
            (Value::Str(s), Value::Num(n)) => {
                let text = self.flat_text(s, span)?;
                let len = self.char_len(s, span)?;
                let floor = n.floor();
                if floor < 0.0 || floor >= len as f64 || n.is_nan() {
                    return Err(self.error(
                        span,
                        format!(
                            "string bounds error: {} not within [0, {})",
                            format_g(floor, 6, false),
                            len
                        ),
                    ));
                }
                let index = floor as usize;
                let ch = if self.is_ascii(s, span)? {
                    &text[index..index + 1]
                } else {
                    let (start, c) = text.char_indices().nth(index).unwrap_or((0, ' '));
                    &text[start..start + c.len_utf8()]
                };
                Ok(self.str_ref(ch))
            }
            (Value::Str(_), other) => Err(self.error(
                span,
                format!("string index must be a number, got {}.", other.type_name()),
            )),
            (other, _) => Err(self.error(
                span,
                format!(
                    "can only index objects, strings, and arrays, got {}.",
                    other.type_name()
                ),
            )),
        }
    }

    /// `obj.name` (visible or hidden), checking the object's assertions
    /// first.
    pub fn get_field(
        &mut self,
        obj: Object<'a>,
        name: Sym,
        site: Site,
        hint: Option<Sym>,
    ) -> Result<Value<'a>> {
        if obj.needs_assert_check() {
            self.check_asserts(obj, site)?;
        }
        match obj.find(name, usize::MAX) {
            Some((layer, field)) => self.field_value(obj, layer, field, site, hint),
            None => {
                let mut err = self.error_at(
                    "kcfg::eval::field_not_found",
                    site,
                    format!("field does not exist: {name}"),
                );
                if let Some(close) = closest_field(obj, name, self.bump) {
                    err = err.with_note(format!("did you mean `{close}`?"));
                }
                Err(err)
            }
        }
    }

    /// Field `name` of `obj`, if it has it, entered from `span`.
    pub fn field(&mut self, obj: Object<'a>, name: Sym, span: Span) -> Result<Option<Value<'a>>> {
        if !obj.has_field(name) {
            return Ok(None);
        }
        self.get_field(obj, name, Site::At(span), None).map(Some)
    }

    /// The value of field number `field` of layer `layer`, with `self` =
    /// `this`, cached.
    pub(crate) fn field_value(
        &mut self,
        this: Object<'a>,
        layer: usize,
        field: usize,
        site: Site,
        hint: Option<Sym>,
    ) -> Result<Value<'a>> {
        if let Layer::Native(native) = this.layer(layer) {
            let lazy = native.fields[field].value;
            return self.force_from(lazy, site);
        }
        let slot = this.slot(self.bump, layer, field);
        match slot.get() {
            Slot::Done(value) => return Ok(value),
            Slot::Running => return Err(self.field_cycle(site)),
            Slot::Empty => {}
        }
        slot.set(Slot::Running);
        let result = self.guard(site, FrameName::object(hint), |ctx| {
            ctx.compute_field(this, layer, field)
        });
        match result {
            Ok(value) => {
                slot.set(Slot::Done(value));
                Ok(value)
            }
            Err(err) => {
                slot.set(Slot::Empty);
                Err(err)
            }
        }
    }

    /// A field read while it is being computed.
    #[cold]
    #[inline(never)]
    pub(super) fn field_cycle(&self, site: Site) -> Error {
        self.error_at(
            "kcfg::eval::infinite_recursion",
            site,
            "max stack frames exceeded.",
        )
        .with_note("infinite recursion: a field is needed to compute itself")
    }

    pub(super) fn compute_field(
        &mut self,
        this: Object<'a>,
        layer: usize,
        field: usize,
    ) -> Result<Value<'a>> {
        match this.layer(layer) {
            Layer::Literal(literal) => {
                let env = self.object_frame(this, layer, literal);
                let def = &literal.def.fields[field];
                let value = self.eval(env, &def.value)?;
                if def.plus {
                    let name = literal.names[field].unwrap_or_else(|| Sym::intern(""));
                    self.plus_super(this, layer, name, value, def.span)
                } else {
                    Ok(value)
                }
            }
            Layer::Comp(comp) => {
                let (name, iter_env) = comp.fields[field];
                let env = self.comp_field_frame(this, layer, comp, iter_env);
                let value = self.eval(env, &comp.def.value)?;
                if comp.def.plus {
                    self.plus_super(this, layer, name, value, comp.def.field_span)
                } else {
                    Ok(value)
                }
            }
            Layer::Native(native) => {
                let lazy = native.fields[field].value;
                self.force_from(lazy, Site::None)
            }
            // `Object::find` never answers with a restriction layer.
            Layer::Restrict(_) => Err(self.error_at(
                "kcfg::internal",
                Site::None,
                "INTERNAL ERROR: a field read from a restriction layer",
            )),
        }
    }

    /// The value of a `+:` field: the inherited value plus this one.
    fn plus_super(
        &mut self,
        this: Object<'a>,
        layer: usize,
        name: Sym,
        value: Value<'a>,
        span: Span,
    ) -> Result<Value<'a>> {
        match this.find(name, layer) {
            Some((below, field)) => {
                let inherited = self.field_value(this, below, field, Site::At(span), None)?;
                self.add(inherited, value, span)
            }
            None => Ok(value),
        }
    }

    /// The frame of an object literal's layer for `self` = `this`: object
    /// locals, and the locals of field values and assertions.
    fn object_frame(
        &mut self,
        this: Object<'a>,
        layer: usize,
        literal: &'a LiteralLayer<'a>,
    ) -> &'a Env<'a> {
        let state = this.state(self.bump, layer);
        if let Some(env) = state.frame.get() {
            return env;
        }
        let def = literal.def;
        let slots = self
            .bump
            .alloc_slice_fill_with(def.frame_size as usize, |_| {
                Cell::new(Lazy::Val(Value::Null))
            });
        let dollar = if def.outermost {
            Some(this)
        } else {
            literal.env.dollar
        };
        let env = self.bump.alloc(Env {
            parent: Some(literal.env),
            slots,
            this: Some(this),
            layer: layer as u32,
            dollar,
        });
        self.bind(env, &def.locals);
        state.frame.set(Some(env));
        env
    }

    fn comp_field_frame(
        &mut self,
        this: Object<'a>,
        layer: usize,
        comp: &'a CompLayer<'a>,
        iter_env: &'a Env<'a>,
    ) -> &'a Env<'a> {
        let def = comp.def;
        let slots = self
            .bump
            .alloc_slice_fill_with(def.frame_size as usize, |_| {
                Cell::new(Lazy::Val(Value::Null))
            });
        let dollar = if def.outermost {
            Some(this)
        } else {
            iter_env.dollar
        };
        let env = self.bump.alloc(Env {
            parent: Some(iter_env),
            slots,
            this: Some(this),
            layer: layer as u32,
            dollar,
        });
        self.bind(env, &def.locals);
        env
    }

    /// Runs the assertions of every layer of `obj`, once.
    pub(crate) fn check_asserts(&mut self, obj: Object<'a>, site: Site) -> Result<()> {
        use super::object::AssertState;
        obj.0.asserts.set(AssertState::Checking);
        let result = self.run_asserts(obj, site);
        obj.0.asserts.set(if result.is_ok() {
            AssertState::Checked
        } else {
            AssertState::Unchecked
        });
        result
    }

    fn run_asserts(&mut self, obj: Object<'a>, site: Site) -> Result<()> {
        for index in 0..obj.layer_count() {
            let Layer::Literal(literal) = obj.layer(index) else {
                continue;
            };
            if literal.def.asserts.is_empty() {
                continue;
            }
            let env = self.object_frame(obj, index, literal);
            for assert in literal.def.asserts.iter() {
                self.guard(
                    site,
                    FrameName::thunk(ThunkName::ObjectAssert),
                    |ctx| match ctx.eval(env, &assert.cond)? {
                        Value::Bool(true) => Ok(()),
                        Value::Bool(false) => {
                            let (text, span) = match &assert.message {
                                Some(message) => {
                                    let value = ctx.eval(env, message)?;
                                    (ctx.error_message(value, message.span)?, message.span)
                                }
                                None => ("Object assertion failed.".to_string(), assert.span),
                            };
                            Err(ctx.error_code("kcfg::eval::object_assertion_failed", span, text))
                        }
                        other => Err(ctx.error(
                            assert.cond.span,
                            format!("condition must be boolean, got {}.", other.type_name()),
                        )),
                    },
                )?;
            }
        }
        Ok(())
    }

    /// `self` and the current layer, for `super`.
    fn super_of(&self, env: &'a Env<'a>, span: Span) -> Result<(Object<'a>, usize)> {
        match env.this {
            Some(this) if env.layer > 0 => Ok((this, env.layer as usize)),
            _ => Err(self.error(span, "attempt to use super when there is no super class.")),
        }
    }

    #[inline(never)]
    fn super_field(&mut self, env: &'a Env<'a>, name: Sym, span: Span) -> Result<Value<'a>> {
        let (this, layer) = self.super_of(env, span)?;
        self.super_field_of(this, layer, name, span)
    }

    fn super_field_of(
        &mut self,
        this: Object<'a>,
        layer: usize,
        name: Sym,
        span: Span,
    ) -> Result<Value<'a>> {
        match this.find(name, layer) {
            Some((below, field)) => self.field_value(this, below, field, Site::At(span), None),
            None => Err(self.error_code(
                "kcfg::eval::field_not_found",
                span,
                format!("field does not exist: {name}"),
            )),
        }
    }

    // ----- objects and comprehensions ---------------------------------------

    #[inline(never)]
    fn eval_object(
        &mut self,
        env: &'a Env<'a>,
        def: &'a ir::ObjectDef,
        span: Span,
    ) -> Result<Value<'a>> {
        let has_computed = def.static_names.iter().any(Option::is_none);
        let names: &'a [Option<Sym>] = if has_computed {
            let mut names: Vec<Option<Sym>> = Vec::with_capacity(def.fields.len());
            for field in def.fields.iter() {
                match &field.name {
                    ir::FieldKey::Static(name) => names.push(Some(*name)),
                    ir::FieldKey::Computed(expr) => match self.eval(env, expr)? {
                        Value::Str(s) => {
                            names.push(Some(Sym::intern_computed(self.flat_text(s, span)?)))
                        }
                        Value::Null => names.push(None),
                        _ => return Err(self.error(expr.span, "field name was not a string.")),
                    },
                }
            }
            for (i, name) in names.iter().enumerate() {
                if let Some(name) = name {
                    if names[..i].contains(&Some(*name)) {
                        return Err(self.error(
                            span,
                            format!("duplicate field name: {}", crate::text::escape_string(name)),
                        ));
                    }
                }
            }
            self.bump.alloc_slice_copy(&names)
        } else {
            &def.static_names
        };
        let layer = self.bump.alloc(LiteralLayer {
            def,
            env,
            names,
            has_computed,
        });
        Ok(Value::Obj(Object::single(self.bump, Layer::Literal(layer))))
    }

    #[inline(never)]
    fn eval_object_comp(
        &mut self,
        env: &'a Env<'a>,
        def: &'a ir::ObjectCompDef,
        span: Span,
    ) -> Result<Value<'a>> {
        let mut fields: Vec<(Sym, &'a Env<'a>)> = Vec::new();
        self.run_clauses(env, &def.clauses, span, &mut |ctx, iter_env| {
            match ctx.eval(iter_env, &def.name)? {
                Value::Str(s) => {
                    let name = Sym::intern_computed(ctx.flat_text(s, span)?);
                    ctx.push(&mut fields, (name, iter_env), span)?;
                }
                Value::Null => {}
                other => {
                    return Err(ctx.error(
                        def.name.span,
                        format!("field must be string, got: {}", other.type_name()),
                    ));
                }
            }
            Ok(())
        })?;
        fields.sort_by_key(|(name, _)| name.as_str().as_ptr() as usize);
        if let Some(pair) = fields.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(self.error(
                span,
                format!(
                    "duplicate field name: {}",
                    crate::text::escape_string(&pair[0].0)
                ),
            ));
        }
        let fields = self.alloc_slice_copied(&fields, span)?;
        let layer = self.bump.alloc(CompLayer { def, fields });
        Ok(Value::Obj(Object::single(self.bump, Layer::Comp(layer))))
    }

    #[inline(never)]
    fn eval_array_comp(
        &mut self,
        env: &'a Env<'a>,
        comp: &'a ir::ArrayComp,
        span: Span,
    ) -> Result<Value<'a>> {
        let mut elems: Vec<Lazy<'a>> = Vec::new();
        self.run_clauses(env, &comp.clauses, span, &mut |ctx, iter_env| {
            let elem = ctx.delay(iter_env, &comp.body);
            ctx.push(&mut elems, elem, span)
        })?;
        let elems = self.alloc_slice_copied(&elems, span)?;
        Ok(Value::Arr(Array::new(self.bump, elems)))
    }

    /// Runs comprehension clauses, calling `body` with each innermost
    /// iteration frame.
    fn run_clauses(
        &mut self,
        env: &'a Env<'a>,
        clauses: &'a [Clause],
        span: Span,
        body: &mut dyn FnMut(&mut Self, &'a Env<'a>) -> Result<()>,
    ) -> Result<()> {
        match clauses.split_first() {
            None => body(self, env),
            Some((Clause::If { cond }, rest)) => match self.eval(env, cond)? {
                Value::Bool(true) => self.run_clauses(env, rest, span, body),
                Value::Bool(false) => Ok(()),
                other => Err(self.error(
                    cond.span,
                    format!("condition must be boolean, got {}.", other.type_name()),
                )),
            },
            Some((
                Clause::For {
                    iter, frame_size, ..
                },
                rest,
            )) => {
                let Value::Arr(array) = self.eval(env, iter)? else {
                    return Err(self.error(span, "In comprehension, can only iterate over array."));
                };
                for elem in array.iter() {
                    // Each iteration allocates a frame and enters none: a
                    // comprehension over a huge range stops at the limit.
                    self.check_limits(span)?;
                    let slots = self.bump.alloc_slice_fill_with(*frame_size as usize, |_| {
                        Cell::new(Lazy::Val(Value::Null))
                    });
                    slots[0].set(elem);
                    let iter_env = self.bump.alloc(Env {
                        parent: Some(env),
                        slots,
                        this: env.this,
                        layer: env.layer,
                        dollar: env.dollar,
                    });
                    self.run_clauses(iter_env, rest, span, body)?;
                }
                Ok(())
            }
        }
    }

    // ----- slices and operators ---------------------------------------------

    #[inline(never)]
    fn eval_slice(
        &mut self,
        env: &'a Env<'a>,
        slice: &'a ir::Slice,
        span: Span,
    ) -> Result<Value<'a>> {
        let target = self.eval(env, &slice.target)?;
        let part = |ctx: &mut Self, expr: &'a Option<ir::Expr>| -> Result<Option<Value<'a>>> {
            match expr {
                Some(expr) => ctx.eval(env, expr).map(Some),
                None => Ok(None),
            }
        };
        let start = part(self, &slice.start)?;
        let end = part(self, &slice.end)?;
        let step = part(self, &slice.step)?;
        self.slice(target, start, end, step, span)
    }

    #[inline(never)]
    fn eval_binary(
        &mut self,
        env: &'a Env<'a>,
        op: BinaryOp,
        lhs: &'a ir::Expr,
        rhs: &'a ir::Expr,
        span: Span,
    ) -> Result<Value<'a>> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let left = self.eval(env, lhs)?;
                match (op, left) {
                    (BinaryOp::And, Value::Bool(false)) => Ok(Value::Bool(false)),
                    (BinaryOp::Or, Value::Bool(true)) => Ok(Value::Bool(true)),
                    (_, left) => {
                        let right = self.eval(env, rhs)?;
                        match (left, right) {
                            (Value::Bool(_), Value::Bool(b)) => Ok(Value::Bool(b)),
                            _ => Err(self.error(
                                span,
                                format!(
                                    "binary operator {} requires matching types, got {} and {}.",
                                    op.as_str(),
                                    left.type_name(),
                                    right.type_name()
                                ),
                            )),
                        }
                    }
                }
            }
            _ => {
                let left = self.eval(env, lhs)?;
                let right = self.eval(env, rhs)?;
                self.binary(op, left, right, span)
            }
        }
    }
}

/// The variable a target expression reads, to name objects and functions
/// in stack traces.
pub(crate) fn var_name(expr: &ir::Expr) -> Option<Sym> {
    match &expr.kind {
        I::Var(var) => Some(var.name),
        _ => None,
    }
}

/// The field of `obj` whose name is closest to `name`, if close enough.
fn closest_field<'a>(obj: Object<'a>, name: Sym, bump: &'a bumpalo::Bump) -> Option<Sym> {
    let wanted = name.as_str();
    let mut best: Option<(usize, Sym)> = None;
    for field in obj.fields(bump) {
        let distance = strsim::levenshtein(wanted, field.name.as_str());
        let limit = wanted.chars().count().max(field.name.chars().count()) / 3;
        if distance > 0 && distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, field.name));
        }
    }
    best.map(|(_, name)| name)
}
