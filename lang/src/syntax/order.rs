//! Which bad string literal to report first.
//!
//! The reference resolves string escapes in its desugarer, after parsing,
//! so an invalid escape is reported only when the file has no syntax error,
//! and when several strings are bad, the first one *desugared* is reported.
//! The desugarer mostly goes left to right, with exceptions: a function's
//! body comes before its parameters' defaults, a comprehension's clauses come
//! before its body, and a `local`'s bodies come before the parameter
//! defaults of its functions (google/jsonnet `core/desugarer.cpp`,
//! `Desugarer::desugar`). This module walks the tree in that order.
//!
//! The same pass reports `$` outside any object ("No top-level object
//! found."), so that when such a `$` comes first in that order, the error
//! reported is the same as the reference's.

use std::collections::HashMap;

use super::parser::BadString;
use super::SyntaxError;
use crate::ast::{CompSpec, Expr, ExprKind, FieldName, Member, Param};

/// Diagnostic codes of this pass.
pub(crate) mod codes {
    pub(crate) const INVALID_ESCAPE: &str = "kcfg::syntax::invalid_escape";
    pub(crate) const DOLLAR_OUTSIDE_OBJECT: &str = "kcfg::syntax::dollar_outside_object";
}

/// The error the reference reports for a tree with bad strings.
pub(crate) fn first_error(expr: &Expr, bad_strings: Vec<BadString>) -> Option<SyntaxError> {
    let mut walk = Walk {
        bad: bad_strings
            .into_iter()
            .map(|bad| (bad.span.start, bad))
            .collect(),
    };
    let first = walk.expr(expr, 0).err();
    // Every bad string is in the tree, so the walk finds one; fall back to
    // the first in source order all the same.
    first.or_else(|| {
        let bad = walk.bad.into_values().min_by_key(|bad| bad.span.start)?;
        Some(escape_error(bad))
    })
}

fn escape_error(bad: BadString) -> SyntaxError {
    SyntaxError {
        start: bad.span.start,
        end: bad.span.end,
        code: codes::INVALID_ESCAPE,
        message: bad.message,
        hint: None,
    }
}

struct Walk {
    bad: HashMap<u32, BadString>,
}

type Found = Result<(), SyntaxError>;

impl Walk {
    fn string(&mut self, start: u32) -> Found {
        match self.bad.remove(&start) {
            Some(bad) => Err(escape_error(bad)),
            None => Ok(()),
        }
    }

    fn params(&mut self, params: &[Param], level: u32) -> Found {
        for param in params {
            if let Some(default) = &param.default {
                self.expr(default, level)?;
            }
        }
        Ok(())
    }

    fn specs(&mut self, specs: &[CompSpec], level: u32) -> Found {
        for spec in specs {
            match spec {
                CompSpec::For { iter, .. } => self.expr(iter, level)?,
                CompSpec::If { cond, .. } => self.expr(cond, level)?,
            }
        }
        Ok(())
    }

    /// Object members: each field's name, then its value, then its
    /// parameters' defaults; locals and asserts in their place.
    fn members(&mut self, members: &[Member], level: u32) -> Found {
        for member in members {
            match member {
                Member::Local(bind) => {
                    self.expr(&bind.value, level + 1)?;
                    if let Some(params) = &bind.params {
                        self.params(params, level + 1)?;
                    }
                }
                Member::Assert(assert) => {
                    self.expr(&assert.cond, level + 1)?;
                    if let Some(message) = &assert.message {
                        self.expr(message, level + 1)?;
                    }
                }
                Member::Field(field) => {
                    match &field.name {
                        FieldName::Ident(_) => {}
                        FieldName::Str { span, .. } => self.string(span.start)?,
                        FieldName::Computed(name) => self.expr(name, level)?,
                    }
                    self.expr(&field.value, level + 1)?;
                    if let Some(params) = &field.params {
                        self.params(params, level + 1)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// `level` counts the objects around `expr`, as the desugarer's
    /// `obj_level` does (a comprehension's body counts as one more).
    fn expr(&mut self, expr: &Expr, level: u32) -> Found {
        crate::stack::with_stack(|| self.expr_inner(expr, level)).unwrap_or_else(|_| {
            Err(SyntaxError {
                start: expr.span.start,
                end: expr.span.end,
                code: super::codes::NATIVE_STACK,
                message: super::NATIVE_STACK_MESSAGE.into(),
                hint: None,
            })
        })
    }

    fn expr_inner(&mut self, expr: &Expr, level: u32) -> Found {
        match &expr.kind {
            ExprKind::Null
            | ExprKind::Missing
            | ExprKind::True
            | ExprKind::False
            | ExprKind::SelfValue
            | ExprKind::Num(_)
            | ExprKind::Var(_)
            | ExprKind::SuperField { .. } => Ok(()),
            ExprKind::Dollar if level == 0 => Err(SyntaxError {
                start: expr.span.start,
                end: expr.span.end,
                code: codes::DOLLAR_OUTSIDE_OBJECT,
                message: "No top-level object found.".into(),
                hint: None,
            }),
            ExprKind::Dollar => Ok(()),
            ExprKind::Str { .. } => self.string(expr.span.start),
            ExprKind::Import { path_span, .. } => self.string(path_span.start),
            ExprKind::Array { elems, .. } => {
                elems.iter().try_for_each(|elem| self.expr(elem, level))
            }
            ExprKind::ArrayComp { body, specs, .. } => {
                self.specs(specs, level)?;
                self.expr(body, level + 1)
            }
            ExprKind::Object { members, .. } => self.members(members, level),
            ExprKind::ObjectComp { members, specs, .. } => {
                self.members(members, level)?;
                self.specs(specs, level)
            }
            ExprKind::Field { target, .. } => self.expr(target, level),
            ExprKind::Index { target, index } => {
                self.expr(target, level)?;
                self.expr(index, level)
            }
            ExprKind::Slice {
                target,
                start,
                end,
                step,
            } => {
                self.expr(target, level)?;
                for part in [start, end, step].into_iter().flatten() {
                    self.expr(part, level)?;
                }
                Ok(())
            }
            ExprKind::SuperIndex { index } => self.expr(index, level),
            ExprKind::InSuper { key } => self.expr(key, level),
            ExprKind::Apply { target, args, .. } => {
                self.expr(target, level)?;
                args.iter().try_for_each(|arg| self.expr(&arg.value, level))
            }
            ExprKind::ApplyBrace { target, object } => {
                self.expr(target, level)?;
                self.expr(object, level)
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, level)?;
                self.expr(rhs, level)
            }
            ExprKind::Unary { expr, .. } => self.expr(expr, level),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond, level)?;
                self.expr(then, level)?;
                match otherwise {
                    Some(otherwise) => self.expr(otherwise, level),
                    None => Ok(()),
                }
            }
            ExprKind::Function { params, body } => {
                self.expr(body, level)?;
                self.params(params, level)
            }
            ExprKind::Local { binds, body } => {
                for bind in binds {
                    self.expr(&bind.value, level)?;
                }
                self.expr(body, level)?;
                for bind in binds {
                    if let Some(params) = &bind.params {
                        self.params(params, level)?;
                    }
                }
                Ok(())
            }
            ExprKind::Assert { assert, rest } => {
                self.expr(&assert.cond, level)?;
                if let Some(message) = &assert.message {
                    self.expr(message, level)?;
                }
                self.expr(rest, level)
            }
            ExprKind::Error { message } => self.expr(message, level),
            ExprKind::Parens(inner) => self.expr(inner, level),
        }
    }
}
