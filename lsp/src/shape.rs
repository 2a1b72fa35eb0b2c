//! What an expression is, as far as the tree tells without evaluating:
//! the object literals it is made of ("layers").
//!
//! Jsonnet objects are built by `+`: `base { a: 1 }` and `base + { a: 1 }`
//! are the layers of `base` followed by `{ a: 1 }`, and a field is defined
//! by every layer that has it (the last wins, `super` reaches the earlier
//! ones). So the editor's questions (which fields has `app`? where is
//! `app.port` defined?) are answered by following an expression to its
//! layers through locals, parameters' defaults, `+`, `e { … }`, parentheses,
//! `local … ;` bodies, both branches of `if`, fields, imports (across
//! files) and calls of functions whose body returns an object, and through
//! `self`, `super` and `$` to the merge chain of the enclosing object.
//!
//! Everything is bounded: a walk takes at most [`BUDGET`] steps and
//! [`MAX_DEPTH`] nested resolutions, so `local a = a + {}` or imports in a
//! cycle end.

use std::sync::Arc;

use kcfg_lang::ast::{BinaryOp, Expr, ExprKind, Field};
use kcfg_lang::span::Span;

use crate::analysis::FileAnalysis;
use crate::walk::{self, Binding, Node};
use crate::world::World;

/// Steps a resolver may take in all.
const BUDGET: u32 = 20_000;
/// Nested resolutions.
const MAX_DEPTH: u32 = 64;

/// An object literal in a file.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The file.
    pub file: Arc<FileAnalysis>,
    /// The object literal's span.
    pub span: Span,
}

impl Layer {
    /// The object literal.
    pub fn expr(&self) -> Option<&Expr> {
        walk::find_expr(&self.file.tree.expr, self.span, |kind| {
            matches!(kind, ExprKind::Object { .. } | ExprKind::ObjectComp { .. })
        })
    }
}

/// A field defined in an object literal.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// The file.
    pub file: Arc<FileAnalysis>,
    /// The field's span (name to value).
    pub span: Span,
    /// The name's span.
    pub name_span: Span,
}

impl FieldDef {
    /// The field.
    pub fn field(&self) -> Option<&Field> {
        find_field(&self.file.tree.expr, self.span)
    }
}

/// The field with `span` under `root`.
pub fn find_field(root: &Expr, span: Span) -> Option<&Field> {
    walk::path_at(root, span.start)
        .into_iter()
        .find_map(|node| match node {
            Node::Field(field) if field.span == span => Some(field),
            _ => None,
        })
}

/// Follows expressions to their layers (see the module's documentation).
pub struct Resolver<'w> {
    world: &'w World,
    steps: u32,
    depth: u32,
}

impl<'w> Resolver<'w> {
    /// A resolver reading files from `world`.
    pub fn new(world: &'w World) -> Resolver<'w> {
        Resolver {
            world,
            steps: 0,
            depth: 0,
        }
    }

    /// The world it reads.
    pub fn world(&self) -> &'w World {
        self.world
    }

    fn enter(&mut self) -> bool {
        self.steps += 1;
        if self.steps > BUDGET || self.depth >= MAX_DEPTH {
            return false;
        }
        self.depth += 1;
        true
    }

    /// The layers of `expr`, an expression of `file`, in merge order.
    pub fn layers(&mut self, file: &Arc<FileAnalysis>, expr: &Expr) -> Vec<Layer> {
        let mut out = Vec::new();
        self.layers_into(file, expr, &mut out);
        out
    }

    fn layers_into(&mut self, file: &Arc<FileAnalysis>, expr: &Expr, out: &mut Vec<Layer>) {
        if !self.enter() {
            return;
        }
        match &expr.kind {
            ExprKind::Object { .. } | ExprKind::ObjectComp { .. } => out.push(Layer {
                file: file.clone(),
                span: expr.span,
            }),
            ExprKind::Binary {
                op: BinaryOp::Add,
                lhs,
                rhs,
            } => {
                self.layers_into(file, lhs, out);
                self.layers_into(file, rhs, out);
            }
            ExprKind::ApplyBrace { target, object } => {
                self.layers_into(file, target, out);
                self.layers_into(file, object, out);
            }
            ExprKind::Parens(inner) | ExprKind::Local { body: inner, .. } => {
                self.layers_into(file, inner, out)
            }
            ExprKind::If {
                then, otherwise, ..
            } => {
                self.layers_into(file, then, out);
                if let Some(otherwise) = otherwise {
                    self.layers_into(file, otherwise, out);
                }
            }
            ExprKind::Var(ident) => {
                let def = file.resolution(ident.span).and_then(|r| r.def);
                match def.and_then(|def| walk::binding_at(&file.tree.expr, def)) {
                    Some(Binding::Local(bind)) if bind.params.is_none() => {
                        self.layers_into(file, &bind.value, out)
                    }
                    Some(Binding::Param(param)) => {
                        if let Some(default) = &param.default {
                            self.layers_into(file, default, out);
                        }
                    }
                    _ => {}
                }
            }
            ExprKind::Import {
                kind: kcfg_lang::ast::ImportKind::Code,
                path,
                ..
            } => {
                if let Some(imported) = self.world.import(file, path) {
                    self.layers_into(&imported, &imported.tree.expr, out);
                }
            }
            ExprKind::Field { target, name } => {
                let layers = self.layers(file, target);
                self.field_layers(&layers, name.name.as_str(), out);
            }
            ExprKind::Index { target, index } => {
                if let ExprKind::Str { value, .. } = &index.kind {
                    let layers = self.layers(file, target);
                    self.field_layers(&layers, value, out);
                }
            }
            ExprKind::SelfValue => out.extend(self.self_layers(file, expr.span.start)),
            ExprKind::Dollar => out.extend(self.dollar_layers(file, expr.span.start)),
            ExprKind::SuperField { name } => {
                let layers = self.super_layers(file, expr.span.start);
                self.field_layers(&layers, name.name.as_str(), out);
            }
            ExprKind::Apply { target, .. } => {
                if let Some((body_file, body)) = self.function_body(file, target) {
                    if let Some(body_expr) = walk::find_expr(&body_file.tree.expr, body, |_| true) {
                        self.layers_into(&body_file, body_expr, out);
                    }
                }
            }
            _ => {}
        }
        self.depth -= 1;
    }

    /// The layers of the values of every definition of field `name` in
    /// `layers` (methods excluded).
    pub fn field_value_layers(&mut self, layers: &[Layer], name: &str) -> Vec<Layer> {
        let mut out = Vec::new();
        self.field_layers(layers, name, &mut out);
        out
    }

    /// The layers of the values of every definition of field `name` in
    /// `layers` (methods excluded), added to `out`.
    fn field_layers(&mut self, layers: &[Layer], name: &str, out: &mut Vec<Layer>) {
        for def in self.field_defs(layers, name) {
            let Some(field) = def.field() else { continue };
            if field.params.is_none() {
                self.layers_into(&def.file, &field.value, out);
            }
        }
    }

    /// Every definition of field `name` in `layers`, in merge order (the
    /// last one wins when evaluated).
    pub fn field_defs(&mut self, layers: &[Layer], name: &str) -> Vec<FieldDef> {
        let mut defs = Vec::new();
        for layer in layers {
            let Some(object) = layer.expr() else { continue };
            for field in walk::fields(object) {
                if let Some((field_name, name_span)) = walk::field_name(field) {
                    if field_name == name {
                        defs.push(FieldDef {
                            file: layer.file.clone(),
                            span: field.span,
                            name_span,
                        });
                    }
                }
            }
        }
        defs
    }

    /// The innermost object around offset `at` whose members hold it, and
    /// the whole merge chain it is part of.
    fn enclosing(
        &mut self,
        file: &Arc<FileAnalysis>,
        at: u32,
        outermost: bool,
    ) -> Option<(Span, Vec<Layer>)> {
        let path = walk::path_at(&file.tree.expr, at);
        let is_object = |node: &Node<'_>| {
            matches!(
                node.expr().map(|e| &e.kind),
                Some(ExprKind::Object { .. } | ExprKind::ObjectComp { .. })
            )
        };
        let candidates = (0..path.len().saturating_sub(1))
            .filter(|&i| is_object(&path[i]) && !matches!(path[i + 1], Node::Spec(_)));
        let index = if outermost {
            candidates.min()?
        } else {
            candidates.max()?
        };
        let object_span = path[index].span();
        // Up through `+`, `e { … }` and parentheses: the merge chain.
        let mut top = index;
        while top > 0 {
            let merges = matches!(
                path[top - 1].expr().map(|e| &e.kind),
                Some(
                    ExprKind::Binary {
                        op: BinaryOp::Add,
                        ..
                    } | ExprKind::ApplyBrace { .. }
                        | ExprKind::Parens(_)
                )
            );
            if !merges {
                break;
            }
            top -= 1;
        }
        let top_expr = path[top].expr()?;
        Some((object_span, self.layers(file, top_expr)))
    }

    /// The layers `self` has at offset `at` of `file`.
    pub fn self_layers(&mut self, file: &Arc<FileAnalysis>, at: u32) -> Vec<Layer> {
        self.enclosing(file, at, false)
            .map(|(_, layers)| layers)
            .unwrap_or_default()
    }

    /// The layers `$` has at offset `at` of `file`.
    pub fn dollar_layers(&mut self, file: &Arc<FileAnalysis>, at: u32) -> Vec<Layer> {
        self.enclosing(file, at, true)
            .map(|(_, layers)| layers)
            .unwrap_or_default()
    }

    /// The layers `super` has at offset `at` of `file`: those before the
    /// enclosing object in its merge chain.
    pub fn super_layers(&mut self, file: &Arc<FileAnalysis>, at: u32) -> Vec<Layer> {
        let Some((object, mut layers)) = self.enclosing(file, at, false) else {
            return Vec::new();
        };
        match layers
            .iter()
            .position(|layer| Arc::ptr_eq(&layer.file, file) && layer.span == object)
        {
            Some(index) => {
                layers.truncate(index);
                layers
            }
            None => Vec::new(),
        }
    }

    /// The body of the function `target` (an expression of `file`) calls:
    /// its file and span.
    pub fn function_body(
        &mut self,
        file: &Arc<FileAnalysis>,
        target: &Expr,
    ) -> Option<(Arc<FileAnalysis>, Span)> {
        if !self.enter() {
            return None;
        }
        let found = self.function_body_inner(file, target);
        self.depth -= 1;
        found
    }

    fn function_body_inner(
        &mut self,
        file: &Arc<FileAnalysis>,
        target: &Expr,
    ) -> Option<(Arc<FileAnalysis>, Span)> {
        match &target.kind {
            ExprKind::Function { body, .. } => Some((file.clone(), body.span)),
            ExprKind::Parens(inner) | ExprKind::Local { body: inner, .. } => {
                self.function_body(file, inner)
            }
            ExprKind::Var(ident) => {
                let def = file.resolution(ident.span)?.def?;
                match walk::binding_at(&file.tree.expr, def)? {
                    Binding::Local(bind) if bind.params.is_some() => {
                        Some((file.clone(), bind.value.span))
                    }
                    Binding::Local(bind) => self.function_body(file, &bind.value),
                    _ => None,
                }
            }
            ExprKind::Import { path, .. } => {
                let imported = self.world.import(file, path)?;
                let root = &imported.tree.expr;
                self.function_body(&imported, root)
            }
            ExprKind::Field { .. } | ExprKind::Index { .. } | ExprKind::SuperField { .. } => {
                let (name, layers) = match &target.kind {
                    ExprKind::Field {
                        target: inner,
                        name,
                    } => (name.name.as_str().to_string(), self.layers(file, inner)),
                    ExprKind::Index {
                        target: inner,
                        index,
                    } => match &index.kind {
                        ExprKind::Str { value, .. } => (value.clone(), self.layers(file, inner)),
                        _ => return None,
                    },
                    ExprKind::SuperField { name } => (
                        name.name.as_str().to_string(),
                        self.super_layers(file, target.span.start),
                    ),
                    _ => return None,
                };
                let def = self.field_defs(&layers, &name).pop()?;
                let field = def.field()?;
                if field.params.is_some() {
                    return Some((def.file.clone(), field.value.span));
                }
                let value = &field.value;
                let def_file = def.file.clone();
                self.function_body(&def_file, value)
            }
            _ => None,
        }
    }
}
