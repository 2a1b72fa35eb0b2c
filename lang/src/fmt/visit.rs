//! The walk every pass shares: each expression and each fodder of the tree
//! in source order, as the reference's `CompilerPass` (`core/pass.cpp`)
//! walks them.
//!
//! The walk skips what the reference's skips, because the passes that
//! rewrite fodder (blank lines, comment style) must leave those places
//! alone too: the fodder around `.`, `[`, `]` and `:` of an index, around
//! `in super`, of `super.f`, and before an import's path (whose string it
//! does visit).

use super::tree::{Apply, Kind, Node, ObjField, Params, Spec};
use crate::syntax::fodder::Fodder;

/// A pass over the formatter's tree. Override what the pass changes and
/// call the `walk_*` function to go on into the children.
pub(crate) trait Pass {
    /// Each fodder the walk reaches.
    fn fodder(&mut self, _fodder: &mut Fodder) {}

    /// Each expression, after its open fodder.
    fn visit(&mut self, node: &mut Node) {
        walk(self, node);
    }

    /// A parameter list (functions, methods, local functions).
    fn params(&mut self, params: &mut Params) {
        walk_params(self, params);
    }

    /// A call's arguments, between its parentheses.
    fn args(&mut self, apply: &mut Apply) {
        walk_args(self, apply);
    }
}

/// An expression: its open fodder, then the expression.
pub(crate) fn expr<P: Pass + ?Sized>(pass: &mut P, node: &mut Node) {
    super::deeper(
        || {
            pass.fodder(&mut node.open);
            pass.visit(node);
        },
        || (),
    );
}

/// The whole file: its expression and the fodder after it.
pub(crate) fn file<P: Pass + ?Sized>(pass: &mut P, node: &mut Node, final_fodder: &mut Fodder) {
    expr(pass, node);
    pass.fodder(final_fodder);
}

/// The children of `node`, in source order.
pub(crate) fn walk<P: Pass + ?Sized>(pass: &mut P, node: &mut Node) {
    match &mut node.kind {
        Kind::Apply(apply) => {
            expr(pass, &mut apply.target);
            pass.args(apply);
            if let Some(tailstrict) = &mut apply.tailstrict {
                pass.fodder(tailstrict);
            }
        }
        Kind::ApplyBrace { left, right } => {
            expr(pass, left);
            expr(pass, right);
        }
        Kind::Array { elems, close, .. } => {
            for elem in elems {
                expr(pass, &mut elem.expr);
                pass.fodder(&mut elem.comma_fodder);
            }
            pass.fodder(close);
        }
        Kind::ArrayComp {
            body,
            comma,
            specs,
            close,
            ..
        } => {
            expr(pass, body);
            pass.fodder(comma);
            walk_specs(pass, specs);
            pass.fodder(close);
        }
        Kind::Assert {
            cond,
            colon,
            message,
            semicolon,
            rest,
        } => {
            expr(pass, cond);
            if let Some(message) = message {
                pass.fodder(colon);
                expr(pass, message);
            }
            pass.fodder(semicolon);
            expr(pass, rest);
        }
        Kind::Binary {
            left,
            op_fodder,
            right,
            ..
        } => {
            expr(pass, left);
            pass.fodder(op_fodder);
            expr(pass, right);
        }
        Kind::Conditional {
            cond,
            then_fodder,
            then,
            else_fodder,
            otherwise,
        } => {
            expr(pass, cond);
            pass.fodder(then_fodder);
            expr(pass, then);
            if let Some(otherwise) = otherwise {
                pass.fodder(else_fodder);
                expr(pass, otherwise);
            }
        }
        Kind::Error(inner) | Kind::Unary { expr: inner, .. } => expr(pass, inner),
        Kind::Function { params, body } => {
            pass.params(params);
            expr(pass, body);
        }
        // The reference visits the path's string but not its fodder.
        Kind::Import { file, .. } => pass.visit(file),
        Kind::InSuper { element, .. } => expr(pass, element),
        Kind::Index(index) => {
            expr(pass, &mut index.target);
            if index.id.is_none() {
                for part in [&mut index.index, &mut index.end, &mut index.step]
                    .into_iter()
                    .flatten()
                {
                    expr(pass, part);
                }
            }
        }
        Kind::Local { binds, body } => {
            for bind in binds {
                pass.fodder(&mut bind.var_fodder);
                if let Some(params) = &mut bind.params {
                    pass.params(params);
                }
                pass.fodder(&mut bind.op_fodder);
                expr(pass, &mut bind.body);
                pass.fodder(&mut bind.close_fodder);
            }
            expr(pass, body);
        }
        Kind::Object { fields, close, .. } => {
            walk_fields(pass, fields);
            pass.fodder(close);
        }
        Kind::ObjectComp {
            fields,
            specs,
            close,
            ..
        } => {
            walk_fields(pass, fields);
            walk_specs(pass, specs);
            pass.fodder(close);
        }
        Kind::Parens { expr: inner, close } => {
            expr(pass, inner);
            pass.fodder(close);
        }
        Kind::SuperIndex { index, .. } => {
            if let Some(index) = index {
                expr(pass, index);
            }
        }
        Kind::Dollar
        | Kind::True
        | Kind::False
        | Kind::Null
        | Kind::SelfValue
        | Kind::Num(_)
        | Kind::Str(_)
        | Kind::Var(_) => {}
    }
}

/// A parameter list's fodder and default values.
pub(crate) fn walk_params<P: Pass + ?Sized>(pass: &mut P, params: &mut Params) {
    pass.fodder(&mut params.fodder_l);
    for param in &mut params.params {
        pass.fodder(&mut param.id_fodder);
        if let Some(default) = &mut param.default {
            pass.fodder(&mut param.eq_fodder);
            expr(pass, default);
        }
        pass.fodder(&mut param.comma_fodder);
    }
    pass.fodder(&mut params.fodder_r);
}

/// A call's parentheses and arguments.
pub(crate) fn walk_args<P: Pass + ?Sized>(pass: &mut P, apply: &mut Apply) {
    pass.fodder(&mut apply.fodder_l);
    for arg in &mut apply.args {
        pass.fodder(&mut arg.id_fodder);
        expr(pass, &mut arg.expr);
        pass.fodder(&mut arg.comma_fodder);
    }
    pass.fodder(&mut apply.fodder_r);
}

fn walk_specs<P: Pass + ?Sized>(pass: &mut P, specs: &mut [Spec]) {
    for spec in specs {
        pass.fodder(&mut spec.open);
        if spec.var.is_some() {
            pass.fodder(&mut spec.var_fodder);
            pass.fodder(&mut spec.in_fodder);
        }
        expr(pass, &mut spec.expr);
    }
}

/// An object's members.
pub(crate) fn walk_fields<P: Pass + ?Sized>(pass: &mut P, fields: &mut [ObjField]) {
    use super::tree::FieldKind;
    for field in fields {
        match field.kind {
            FieldKind::Local => {
                pass.fodder(&mut field.fodder1);
                pass.fodder(&mut field.fodder2);
                if let Some(params) = &mut field.params {
                    pass.params(params);
                }
                pass.fodder(&mut field.op_fodder);
            }
            FieldKind::Id | FieldKind::Str | FieldKind::Expr => {
                if field.kind != FieldKind::Str {
                    pass.fodder(&mut field.fodder1);
                }
                if let Some(name) = &mut field.expr1 {
                    expr(pass, name);
                }
                if field.kind == FieldKind::Expr {
                    pass.fodder(&mut field.fodder2);
                }
                if let Some(params) = &mut field.params {
                    pass.params(params);
                }
                pass.fodder(&mut field.op_fodder);
            }
            FieldKind::Assert => pass.fodder(&mut field.fodder1),
        }
        if let Some(value) = &mut field.expr2 {
            expr(pass, value);
        }
        if field.kind == FieldKind::Assert {
            if let Some(message) = &mut field.expr3 {
                pass.fodder(&mut field.op_fodder);
                expr(pass, message);
            }
        }
        pass.fodder(&mut field.comma_fodder);
    }
}
