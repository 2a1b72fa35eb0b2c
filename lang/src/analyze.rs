//! Static analysis: lowers the syntax tree to the IR and checks what can be
//! checked before evaluation.
//!
//! One pass over the tree does three things:
//!
//! * desugars: method sugar becomes a function, `e { … }` becomes `e + { … }`,
//!   parentheses disappear, `a["lit"]` becomes a field access;
//! * resolves every variable to a `(depth, slot)` pair (see [`crate::ir`] for
//!   the frame layout), so the evaluator never looks a name up;
//! * reports unknown variables, duplicate parameters, and `self`, `super` or
//!   `$` outside an object. Errors do not stop the pass: all of them are
//!   collected and reported together, each worded as C++ jsonnet 0.22 words
//!   it, with a "did you mean" note when a visible name is close.

use rustc_hash::FxHashMap;

use crate::ast::{self, ExprKind as A};
use crate::diag::Diagnostic;
use crate::ir::{self, ExprKind as I, ThunkName};
use crate::span::{SourceFile, Span};
use crate::sym::Sym;

/// Objects with more fields than this get a hash index of their names.
const INDEX_THRESHOLD: usize = 12;

/// Lowers a parsed file. Returns the analyzed code, or every static error
/// found, in source order of discovery.
pub fn analyze(tree: &ast::SourceTree, source: &SourceFile) -> Result<ir::Code, Vec<Diagnostic>> {
    let (code, errors, _) = run(tree, source, false);
    if errors.is_empty() {
        Ok(code)
    } else {
        Err(errors)
    }
}

/// Where a variable use leads: the use, its name, and the identifier that
/// binds it (`None` for `std` and for unknown variables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    /// The variable as written.
    pub use_span: Span,
    /// Its name.
    pub name: Sym,
    /// The name of the `local`, parameter or `for` variable it refers to.
    pub def: Option<Span>,
}

/// Everything the analysis of a file finds, errors or not (for tools; the
/// evaluator calls [`analyze`]).
#[derive(Debug)]
pub struct Analysis {
    /// The lowered code. With errors, it is complete but wrong where they
    /// are (unknown variables are `null`) and must not be evaluated.
    pub code: ir::Code,
    /// Every static error, in order of discovery.
    pub errors: Vec<Diagnostic>,
    /// Every variable use and its definition, in source order of the uses'
    /// discovery (the use→definition table of the language server).
    pub uses: Vec<Resolution>,
}

/// Analyzes a file as [`analyze`] does, but returns the results even when
/// there are errors, with the table of variable uses; works on trees of
/// [`crate::syntax::parse_recovering`] too.
pub fn analyze_all(tree: &ast::SourceTree, source: &SourceFile) -> Analysis {
    let (code, errors, uses) = run(tree, source, true);
    Analysis {
        code,
        errors,
        uses: uses.unwrap_or_default(),
    }
}

fn run(
    tree: &ast::SourceTree,
    source: &SourceFile,
    record_uses: bool,
) -> (ir::Code, Vec<Diagnostic>, Option<Vec<Resolution>>) {
    let file = source.id;
    let mut analyzer = Analyzer {
        frames: Vec::new(),
        scope: Vec::new(),
        in_object: false,
        object_depth: 0,
        errors: Vec::new(),
        stack_exhausted: false,
        memory: crate::stack::MemoryPoll::default(),
        this_file: source.name.to_string().into(),
        uses: record_uses.then(Vec::new),
    };
    analyzer.frames.push(0);
    let root = analyzer.expr(&tree.expr);
    let frame_size = analyzer.frames.pop().unwrap_or(0);
    let code = ir::Code {
        file,
        root,
        frame_size,
    };
    (code, analyzer.errors, analyzer.uses)
}

/// A name in scope: the frame (index into `Analyzer::frames`) and slot, and
/// the identifier that bound it.
struct ScopeEntry {
    name: Sym,
    frame: u32,
    slot: u32,
    def: Span,
}

struct Analyzer {
    /// Slots used so far by each open frame, innermost last.
    frames: Vec<u32>,
    /// Names in scope, innermost last.
    scope: Vec<ScopeEntry>,
    /// Whether `self` and `super` may be used here.
    in_object: bool,
    /// How many object literals enclose this point.
    object_depth: u32,
    errors: Vec<Diagnostic>,
    /// Whether the native stack could not grow or memory ran out (reported
    /// once).
    stack_exhausted: bool,
    memory: crate::stack::MemoryPoll,
    /// The value of `std.thisFile`.
    this_file: Box<str>,
    /// The use→definition table, when asked for ([`analyze_all`]).
    uses: Option<Vec<Resolution>>,
}

impl Analyzer {
    fn error(&mut self, code: &'static str, span: Span, message: String) {
        self.errors
            .push(Diagnostic::static_error(code, span, message));
    }

    /// Adds a slot to the innermost frame and binds `name` to it.
    fn bind(&mut self, ident: &ast::Ident) -> u32 {
        let frame = self.frames.len() as u32 - 1;
        let slots = self.frames.last_mut().expect("a frame is always open");
        let slot = *slots;
        *slots += 1;
        self.scope.push(ScopeEntry {
            name: ident.name,
            frame,
            slot,
            def: ident.span,
        });
        slot
    }

    /// Records a use of `ident` for [`analyze_all`].
    fn record_use(&mut self, ident: &ast::Ident) {
        if let Some(uses) = &mut self.uses {
            let def = self
                .scope
                .iter()
                .rev()
                .find(|entry| entry.name == ident.name)
                .map(|entry| entry.def);
            uses.push(Resolution {
                use_span: ident.span,
                name: ident.name,
                def,
            });
        }
    }

    /// Runs `f` in a new frame and returns its result and the frame's size.
    /// Names bound inside go out of scope at the end.
    fn in_frame<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> (R, u32) {
        let scope_len = self.scope.len();
        self.frames.push(0);
        let result = f(self);
        let size = self.frames.pop().unwrap_or(0);
        self.scope.truncate(scope_len);
        (result, size)
    }

    fn lookup(&self, name: Sym) -> Option<ir::VarRef> {
        let current = self.frames.len() as u32 - 1;
        self.scope
            .iter()
            .rev()
            .find(|entry| entry.name == name)
            .map(|entry| ir::VarRef {
                depth: current - entry.frame,
                slot: entry.slot,
                name,
            })
    }

    fn unknown_variable(&mut self, ident: &ast::Ident) {
        let mut diag = Diagnostic::static_error(
            "kcfg::analyze::unknown_variable",
            ident.span,
            format!("Unknown variable: {}", ident.name),
        );
        if let Some(close) = self.closest_name(ident.name.as_str()) {
            diag = diag.with_note(format!("did you mean `{close}`?"));
        }
        self.errors.push(diag);
    }

    /// The visible name most similar to `wanted`, if one is close enough to
    /// be a likely typo.
    fn closest_name(&self, wanted: &str) -> Option<String> {
        let mut best: Option<(usize, &str)> = None;
        let candidates = self
            .scope
            .iter()
            .map(|entry| entry.name.as_str())
            .chain(["std"]);
        for candidate in candidates {
            if candidate.starts_with('$') {
                continue;
            }
            let distance = strsim::levenshtein(wanted, candidate);
            // A third of the longer name: one typo in a name of three or more
            // characters; nothing for one- or two-letter names, where any
            // suggestion would be a guess.
            let limit = wanted.chars().count().max(candidate.chars().count()) / 3;
            if distance > 0 && distance <= limit && best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, candidate));
            }
        }
        best.map(|(_, name)| name.to_string())
    }

    /// The memory limit is exceeded: reported once, and the tree below is
    /// not lowered.
    #[cold]
    fn out_of_memory(&mut self, expr: &ast::Expr, limit: usize) -> ir::Expr {
        if !self.stack_exhausted {
            self.stack_exhausted = true;
            self.errors.push(Diagnostic::static_error(
                "kcfg::syntax::out_of_memory",
                expr.span,
                crate::syntax::out_of_memory_message(limit),
            ));
        }
        ir::Expr {
            kind: I::Null,
            span: expr.span,
        }
    }

    fn boxed(&mut self, expr: &ast::Expr) -> Box<ir::Expr> {
        Box::new(self.expr(expr))
    }

    fn lazy(&mut self, expr: &ast::Expr, name: ThunkName) -> ir::Lazy {
        ir::Lazy {
            name,
            expr: self.expr(expr),
        }
    }

    fn expr(&mut self, expr: &ast::Expr) -> ir::Expr {
        if let Some(limit) = self.memory.exceeded() {
            return self.out_of_memory(expr, limit);
        }
        match crate::stack::with_stack(|| self.expr_inner(expr)) {
            Ok(lowered) => lowered,
            Err(_) => {
                // Reported once: the tree below is not lowered.
                if !self.stack_exhausted {
                    self.stack_exhausted = true;
                    self.errors
                        .push(crate::syntax::native_stack_error(expr.span));
                }
                ir::Expr {
                    kind: I::Null,
                    span: expr.span,
                }
            }
        }
    }

    fn expr_inner(&mut self, expr: &ast::Expr) -> ir::Expr {
        let span = expr.span;
        let kind = match &expr.kind {
            A::Null => I::Null,
            // The recovering parse's placeholder: its error is already
            // reported, and the code is never evaluated.
            A::Missing => I::Null,
            A::True => I::True,
            A::False => I::False,
            A::Num(n) if n.is_finite() => I::Num(*n),
            // The reference reports a literal too large for a double when it
            // is evaluated.
            A::Num(_) => I::Error(Box::new(ir::Expr {
                kind: I::Str("overflow".into()),
                span,
            })),
            A::Str { value, .. } => I::Str(value.as_str().into()),
            A::SelfValue => {
                if !self.in_object {
                    self.error(
                        "kcfg::analyze::self_outside_object",
                        span,
                        "Can't use self outside of an object.".into(),
                    );
                }
                I::SelfValue
            }
            A::Dollar => {
                if self.object_depth == 0 {
                    self.error(
                        "kcfg::analyze::dollar_outside_object",
                        span,
                        "No top-level object found.".into(),
                    );
                }
                I::Dollar
            }
            A::Var(ident) => {
                self.record_use(ident);
                match self.lookup(ident.name) {
                    Some(var) => I::Var(var),
                    None if ident.name.as_str() == "std" => I::Std,
                    None => {
                        self.unknown_variable(ident);
                        I::Null
                    }
                }
            }
            A::Parens(inner) => return self.expr(inner),
            A::Array { elems, .. }
                if elems.len() >= 4 && elems.iter().all(|e| number_constant(e).is_some()) =>
            {
                I::NumArray(elems.iter().filter_map(number_constant).collect())
            }
            A::Array { elems, .. } => I::Array(
                elems
                    .iter()
                    .map(|elem| self.lazy(elem, ThunkName::ArrayElement))
                    .collect(),
            ),
            A::ArrayComp { body, specs, .. } => self.array_comp(body, specs),
            A::Object { members, .. } => self.object(members, span),
            A::ObjectComp { members, specs, .. } => self.object_comp(members, specs, span),
            A::Field { target, name } => {
                let target = self.boxed(target);
                if matches!(target.kind, I::Std) && name.name.as_str() == "thisFile" {
                    I::Str(self.this_file.clone())
                } else {
                    I::Field {
                        target,
                        name: name.name,
                    }
                }
            }
            A::Index { target, index } => match &index.kind {
                A::Str { value, .. } => I::Field {
                    target: self.boxed(target),
                    name: Sym::intern(value),
                },
                _ => I::Index {
                    target: self.boxed(target),
                    index: self.boxed(index),
                },
            },
            A::Slice {
                target,
                start,
                end,
                step,
            } => {
                let target = self.expr(target);
                let start = start.as_deref().map(|e| self.expr(e));
                let end = end.as_deref().map(|e| self.expr(e));
                let step = step.as_deref().map(|e| self.expr(e));
                I::Slice(Box::new(ir::Slice {
                    target,
                    start,
                    end,
                    step,
                }))
            }
            A::SuperField { name } => {
                self.check_super(span);
                I::SuperField(name.name)
            }
            A::SuperIndex { index } => {
                self.check_super(span);
                match &index.kind {
                    A::Str { value, .. } => I::SuperField(Sym::intern(value)),
                    _ => I::SuperIndex(self.boxed(index)),
                }
            }
            A::InSuper { key } => {
                self.check_super(span);
                I::InSuper(self.boxed(key))
            }
            A::Apply {
                target,
                args,
                tailstrict,
                ..
            } => {
                let target = self.expr(target);
                let mut positional = Vec::new();
                let mut named = Vec::new();
                for arg in args {
                    let value = self.lazy(&arg.value, ThunkName::Argument);
                    match arg.name {
                        Some(name) => named.push((name.name, value)),
                        None => positional.push(value),
                    }
                }
                I::Apply(Box::new(ir::Apply {
                    target,
                    positional: positional.into(),
                    named: named.into(),
                    tailstrict: *tailstrict,
                }))
            }
            A::ApplyBrace { target, object } => I::Binary {
                op: ast::BinaryOp::Add,
                lhs: self.boxed(target),
                rhs: self.boxed(object),
            },
            A::Binary { op, lhs, rhs } => I::Binary {
                op: *op,
                lhs: self.boxed(lhs),
                rhs: self.boxed(rhs),
            },
            A::Unary { op, expr } => I::Unary {
                op: *op,
                expr: self.boxed(expr),
            },
            A::If {
                cond,
                then,
                otherwise,
            } => {
                let cond = self.expr(cond);
                let then = self.expr(then);
                let otherwise = otherwise.as_deref().map(|e| self.expr(e));
                I::If(Box::new(ir::If {
                    cond,
                    then,
                    otherwise,
                }))
            }
            A::Function { params, body } => {
                I::Function(Box::new(self.function(None, params, body, span)))
            }
            A::Local { binds, body } => {
                let scope_len = self.scope.len();
                let binds = self.bindings(&binds.iter().collect::<Vec<_>>(), Some(span));
                let body = self.expr(body);
                self.scope.truncate(scope_len);
                I::Local(Box::new(ir::Local { binds, body }))
            }
            A::Assert { assert, rest } => {
                let cond = self.expr(&assert.cond);
                let message = assert.message.as_ref().map(|m| self.expr(m));
                let rest = self.expr(rest);
                I::Assert(Box::new(ir::Assert {
                    cond,
                    message,
                    rest,
                }))
            }
            A::Error { message } => I::Error(self.boxed(message)),
            A::Import { kind, path, .. } => I::Import {
                kind: *kind,
                path: path.as_str().into(),
            },
        };
        ir::Expr { kind, span }
    }

    fn check_super(&mut self, span: Span) {
        if !self.in_object {
            self.error(
                "kcfg::analyze::super_outside_object",
                span,
                "Can't use super outside of an object.".into(),
            );
        }
    }

    /// Binds all of `binds` in the current frame (they see each other), then
    /// lowers their values. The names stay in scope; the caller ends it.
    ///
    /// `local_span` is the span of the `local` expression, if the binds are
    /// one's: the reference reports a duplicate parameter of `local f(x, x)
    /// = …; …` there, and one of an object's `local f(x, x) = …` at the
    /// function's body.
    fn bindings(&mut self, binds: &[&ast::Bind], local_span: Option<Span>) -> Box<[ir::Binding]> {
        let slots: Vec<u32> = binds.iter().map(|bind| self.bind(&bind.name)).collect();
        binds
            .iter()
            .zip(slots)
            .map(|(bind, slot)| {
                let name = bind.name.name;
                let expr = match (&bind.params, &bind.value.kind) {
                    (Some(params), _) => {
                        let error_span = local_span.unwrap_or(bind.value.span);
                        let def = self.function(Some(name), params, &bind.value, error_span);
                        ir::Expr {
                            kind: I::Function(Box::new(def)),
                            span: bind.span,
                        }
                    }
                    (None, A::Function { params, body }) => {
                        let def = self.function(Some(name), params, body, bind.value.span);
                        ir::Expr {
                            kind: I::Function(Box::new(def)),
                            span: bind.value.span,
                        }
                    }
                    (None, _) => self.expr(&bind.value),
                };
                ir::Binding {
                    slot,
                    value: ir::Lazy {
                        name: ThunkName::Var(name),
                        expr,
                    },
                }
            })
            .collect()
    }

    fn function(
        &mut self,
        name: Option<Sym>,
        params: &[ast::Param],
        body: &ast::Expr,
        span: Span,
    ) -> ir::FunctionDef {
        let mut seen: Vec<Sym> = Vec::with_capacity(params.len());
        for param in params {
            if seen.contains(&param.name.name) {
                self.error(
                    "kcfg::analyze::duplicate_parameter",
                    span,
                    format!("Duplicate function parameter: {}", param.name.name),
                );
            }
            seen.push(param.name.name);
        }
        let ((params, body), frame_size) = self.in_frame(|this| {
            for param in params {
                this.bind(&param.name);
            }
            let body = this.expr(body);
            let params: Box<[ir::Param]> = params
                .iter()
                .map(|param| ir::Param {
                    name: param.name.name,
                    default: param
                        .default
                        .as_ref()
                        .map(|d| this.lazy(d, ThunkName::Var(param.name.name))),
                })
                .collect();
            (params, body)
        });
        ir::FunctionDef {
            name,
            params,
            body,
            frame_size,
        }
    }

    /// Lowers the clauses of a comprehension, then `inner` in the innermost
    /// iteration frame. Returns the clauses and what `inner` returned.
    fn clauses<R>(
        &mut self,
        specs: &[ast::CompSpec],
        inner: impl FnOnce(&mut Self) -> R,
    ) -> (Vec<ir::Clause>, R) {
        match specs.split_first() {
            None => (Vec::new(), inner(self)),
            Some((ast::CompSpec::If { cond, .. }, rest)) => {
                let cond = self.expr(cond);
                let (mut clauses, result) = self.clauses(rest, inner);
                clauses.insert(0, ir::Clause::If { cond });
                (clauses, result)
            }
            Some((ast::CompSpec::For { var, iter, span }, rest)) => {
                let iter = self.expr(iter);
                let ((mut clauses, result), frame_size) = self.in_frame(|this| {
                    this.bind(var);
                    this.clauses(rest, inner)
                });
                clauses.insert(
                    0,
                    ir::Clause::For {
                        var: var.name,
                        iter,
                        frame_size,
                        span: *span,
                    },
                );
                (clauses, result)
            }
        }
    }

    fn array_comp(&mut self, body: &ast::Expr, specs: &[ast::CompSpec]) -> I {
        let (clauses, body) = self.clauses(specs, |this| this.lazy(body, ThunkName::ArrayElement));
        I::ArrayComp(Box::new(ir::ArrayComp {
            clauses: clauses.into(),
            body,
        }))
    }

    /// Lowers a field value, turning method sugar into a function.
    fn field_value(&mut self, field: &ast::Field) -> ir::Expr {
        match &field.params {
            Some(params) => {
                // The reference reports a duplicate parameter at the body.
                let def = self.function(None, params, &field.value, field.value.span);
                ir::Expr {
                    kind: I::Function(Box::new(def)),
                    span: field.value.span,
                }
            }
            None => self.expr(&field.value),
        }
    }

    fn object(&mut self, members: &[ast::Member], span: Span) -> I {
        // Computed names are evaluated where the object is created, outside
        // the object's own scope.
        let mut names = Vec::new();
        for member in members {
            if let ast::Member::Field(field) = member {
                names.push(match &field.name {
                    ast::FieldName::Ident(ident) => ir::FieldKey::Static(ident.name),
                    ast::FieldName::Str { value, .. } => ir::FieldKey::Static(Sym::intern(value)),
                    ast::FieldName::Computed(expr) => ir::FieldKey::Computed(self.expr(expr)),
                });
            }
        }
        let outermost = self.object_depth == 0;
        let saved_in_object = std::mem::replace(&mut self.in_object, true);
        self.object_depth += 1;
        let ((locals, asserts, fields), frame_size) = self.in_frame(|this| {
            let locals: Vec<&ast::Bind> = members
                .iter()
                .filter_map(|m| match m {
                    ast::Member::Local(bind) => Some(bind),
                    _ => None,
                })
                .collect();
            let locals = this.bindings(&locals, None);
            let mut asserts = Vec::new();
            let mut fields = Vec::new();
            let mut names = names.into_iter();
            for member in members {
                match member {
                    ast::Member::Local(_) => {}
                    ast::Member::Assert(clause) => asserts.push(ir::AssertDef {
                        cond: this.expr(&clause.cond),
                        message: clause.message.as_ref().map(|m| this.expr(m)),
                        span: clause.cond.span,
                    }),
                    ast::Member::Field(field) => {
                        let name = names.next().expect("one name per field");
                        let value = this.field_value(field);
                        fields.push(ir::FieldDef {
                            name,
                            visibility: field.visibility,
                            plus: field.plus,
                            value,
                            span: field.value.span,
                        });
                    }
                }
            }
            (locals, asserts, fields)
        });
        self.object_depth -= 1;
        self.in_object = saved_in_object;
        let static_names: Box<[Option<Sym>]> = fields
            .iter()
            .map(|field| match field.name {
                ir::FieldKey::Static(name) => Some(name),
                ir::FieldKey::Computed(_) => None,
            })
            .collect();
        let index = (fields.len() > INDEX_THRESHOLD).then(|| {
            let mut index = FxHashMap::default();
            for (position, name) in static_names.iter().enumerate() {
                if let Some(name) = name {
                    index.entry(*name).or_insert(position as u32);
                }
            }
            Box::new(index)
        });
        let _ = span;
        I::Object(Box::new(ir::ObjectDef {
            locals,
            asserts: asserts.into(),
            fields: fields.into(),
            static_names,
            index,
            frame_size,
            outermost,
        }))
    }

    fn object_comp(&mut self, members: &[ast::Member], specs: &[ast::CompSpec], span: Span) -> I {
        let binds: Vec<&ast::Bind> = members
            .iter()
            .filter_map(|m| match m {
                ast::Member::Local(bind) => Some(bind),
                _ => None,
            })
            .collect();
        let Some(field) = members.iter().find_map(|m| match m {
            ast::Member::Field(field) => Some(field),
            _ => None,
        }) else {
            self.error(
                "kcfg::analyze::object_comprehension",
                span,
                "Object comprehension must have one field.".into(),
            );
            return I::Null;
        };
        let outermost = self.object_depth == 0;
        let (clauses, (name, (locals, value), frame_size)) = self.clauses(specs, |this| {
            let saved_in_object = std::mem::replace(&mut this.in_object, false);
            let name = match &field.name {
                ast::FieldName::Computed(expr) => this.expr(expr),
                ast::FieldName::Ident(ident) => ir::Expr {
                    kind: I::Str(ident.name.as_str().into()),
                    span: ident.span,
                },
                ast::FieldName::Str { value, span, .. } => ir::Expr {
                    kind: I::Str(value.as_str().into()),
                    span: *span,
                },
            };
            this.in_object = true;
            this.object_depth += 1;
            let ((locals, value), frame_size) = this.in_frame(|this| {
                let locals = this.bindings(&binds, None);
                let value = this.field_value(field);
                (locals, value)
            });
            this.object_depth -= 1;
            this.in_object = saved_in_object;
            (name, (locals, value), frame_size)
        });
        I::ObjectComp(Box::new(ir::ObjectCompDef {
            clauses: clauses.into(),
            name,
            locals,
            value,
            visibility: field.visibility,
            plus: field.plus,
            frame_size,
            outermost,
            field_span: field.value.span,
        }))
    }
}

/// The value of a number literal, possibly negated or in parentheses.
fn number_constant(expr: &ast::Expr) -> Option<f64> {
    match &expr.kind {
        A::Num(n) if n.is_finite() => Some(*n),
        A::Parens(inner) => number_constant(inner),
        A::Unary {
            op: ast::UnaryOp::Neg,
            expr,
        } => number_constant(expr).map(|n| -n),
        A::Unary {
            op: ast::UnaryOp::Plus,
            expr,
        } => number_constant(expr),
        _ => None,
    }
}
