//! A compact, indented S-expression printer for syntax trees, for snapshot
//! tests: one node per line, with its span as `line:column-line:column`
//! (1-based, columns in bytes, the end one past the last byte). Spans of
//! names inside a node (`.f`, a string field name, an import path) follow
//! the name in parentheses.

use std::fmt::Write as _;

use kcfg_lang::ast::{
    Arg, AssertClause, Bind, CommentKind, CompSpec, Expr, ExprKind, FieldName, ImportKind, Member,
    Param, SourceTree, StrStyle, Visibility,
};
use kcfg_lang::span::{SourceFile, Span};

/// Prints a whole tree, comments last.
pub fn tree(file: &SourceFile, tree: &SourceTree) -> String {
    let mut printer = Printer {
        file,
        out: String::new(),
        depth: 0,
    };
    printer.expr(&tree.expr);
    for comment in &tree.comments {
        let kind = match comment.kind {
            CommentKind::Slash => "//",
            CommentKind::Hash => "#",
            CommentKind::Block => "/*",
        };
        printer.line(&format!("comment {kind} {:?}", comment.text), comment.span);
    }
    printer.out
}

struct Printer<'f> {
    file: &'f SourceFile,
    out: String,
    depth: usize,
}

fn style(style: StrStyle) -> &'static str {
    match style {
        StrStyle::Double => "\"",
        StrStyle::Single => "'",
        StrStyle::VerbatimDouble => "@\"",
        StrStyle::VerbatimSingle => "@'",
        StrStyle::Block => "|||",
        StrStyle::BlockChomped => "|||-",
    }
}

impl Printer<'_> {
    fn line(&mut self, text: &str, span: Span) {
        let start = self.file.line_col(span.start);
        let end = self.file.line_col(span.end);
        let _ = writeln!(
            self.out,
            "{:indent$}{text} @{}:{}-{}:{}",
            "",
            start.line,
            start.column,
            end.line,
            end.column,
            indent = self.depth * 2
        );
    }

    fn nested(&mut self, text: &str, span: Span, children: impl FnOnce(&mut Self)) {
        self.line(text, span);
        self.depth += 1;
        children(self);
        self.depth -= 1;
    }

    fn label(&mut self, text: &str, children: impl FnOnce(&mut Self)) {
        let _ = writeln!(self.out, "{:indent$}{text}", "", indent = self.depth * 2);
        self.depth += 1;
        children(self);
        self.depth -= 1;
    }

    fn expr(&mut self, expr: &Expr) {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Null => self.line("null", span),
            ExprKind::Missing => self.line("missing", span),
            ExprKind::True => self.line("true", span),
            ExprKind::False => self.line("false", span),
            ExprKind::SelfValue => self.line("self", span),
            ExprKind::Dollar => self.line("$", span),
            ExprKind::Num(value) => self.line(&format!("num {value:?}"), span),
            ExprKind::Str { value, style: s } => {
                self.line(&format!("str {} {value:?}", style(*s)), span)
            }
            ExprKind::Var(ident) => self.line(&format!("var {}", ident.name), span),
            ExprKind::Array { elems, .. } => {
                self.nested("array", span, |p| elems.iter().for_each(|e| p.expr(e)))
            }
            ExprKind::ArrayComp { body, specs, .. } => self.nested("array-comp", span, |p| {
                p.expr(body);
                p.specs(specs);
            }),
            ExprKind::Object { members, .. } => self.nested("object", span, |p| p.members(members)),
            ExprKind::ObjectComp { members, specs, .. } => self.nested("object-comp", span, |p| {
                p.members(members);
                p.specs(specs);
            }),
            ExprKind::Field { target, name } => self.nested(
                &format!("field .{} ({})", name.name, self.pos(name.span)),
                span,
                |p| p.expr(target),
            ),
            ExprKind::Index { target, index } => self.nested("index", span, |p| {
                p.expr(target);
                p.expr(index);
            }),
            ExprKind::Slice {
                target,
                start,
                end,
                step,
            } => self.nested("slice", span, |p| {
                p.expr(target);
                for (name, part) in [("start", start), ("end", end), ("step", step)] {
                    match part {
                        Some(part) => p.label(name, |p| p.expr(part)),
                        None => p.label(&format!("{name} -"), |_| {}),
                    }
                }
            }),
            ExprKind::SuperField { name } => self.line(
                &format!("super .{} ({})", name.name, self.pos(name.span)),
                span,
            ),
            ExprKind::SuperIndex { index } => self.nested("super-index", span, |p| p.expr(index)),
            ExprKind::InSuper { key } => self.nested("in-super", span, |p| p.expr(key)),
            ExprKind::Apply {
                target,
                args,
                trailing_comma,
                tailstrict,
            } => {
                let mut text = String::from("apply");
                if *trailing_comma {
                    text.push_str(" trailing-comma");
                }
                if *tailstrict {
                    text.push_str(" tailstrict");
                }
                self.nested(&text, span, |p| {
                    p.expr(target);
                    for Arg { name, value } in args {
                        match name {
                            Some(name) => p.label(&format!("{}=", name.name), |p| p.expr(value)),
                            None => p.expr(value),
                        }
                    }
                })
            }
            ExprKind::ApplyBrace { target, object } => self.nested("apply-brace", span, |p| {
                p.expr(target);
                p.expr(object);
            }),
            ExprKind::Binary { op, lhs, rhs } => {
                self.nested(&format!("binary {}", op.as_str()), span, |p| {
                    p.expr(lhs);
                    p.expr(rhs);
                })
            }
            ExprKind::Unary { op, expr } => {
                self.nested(&format!("unary {}", op.as_str()), span, |p| p.expr(expr))
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => self.nested("if", span, |p| {
                p.expr(cond);
                p.expr(then);
                if let Some(otherwise) = otherwise {
                    p.expr(otherwise);
                }
            }),
            ExprKind::Function { params, body } => self.nested("function", span, |p| {
                p.params(params);
                p.expr(body);
            }),
            ExprKind::Local { binds, body } => self.nested("local", span, |p| {
                binds.iter().for_each(|bind| p.bind(bind));
                p.expr(body);
            }),
            ExprKind::Assert { assert, rest } => self.nested("assert", span, |p| {
                p.assert(assert);
                p.expr(rest);
            }),
            ExprKind::Error { message } => self.nested("error", span, |p| p.expr(message)),
            ExprKind::Import {
                kind,
                path,
                path_span,
            } => {
                let kind = match kind {
                    ImportKind::Code => "import",
                    ImportKind::Str => "importstr",
                    ImportKind::Bin => "importbin",
                };
                self.line(&format!("{kind} {path:?} ({})", self.pos(*path_span)), span)
            }
            ExprKind::Parens(inner) => self.nested("parens", span, |p| p.expr(inner)),
        }
    }

    fn pos(&self, span: Span) -> String {
        let start = self.file.line_col(span.start);
        let end = self.file.line_col(span.end);
        format!(
            "{}:{}-{}:{}",
            start.line, start.column, end.line, end.column
        )
    }

    fn params(&mut self, params: &[Param]) {
        for param in params {
            match &param.default {
                Some(default) => self.nested(
                    &format!("param {}=", param.name.name),
                    param.name.span,
                    |p| p.expr(default),
                ),
                None => self.line(&format!("param {}", param.name.name), param.name.span),
            }
        }
    }

    fn bind(&mut self, bind: &Bind) {
        self.nested(&format!("bind {}", bind.name.name), bind.span, |p| {
            if let Some(params) = &bind.params {
                p.label("params", |p| p.params(params));
            }
            p.expr(&bind.value);
        });
    }

    fn assert(&mut self, assert: &AssertClause) {
        self.nested("assertion", assert.span, |p| {
            p.expr(&assert.cond);
            if let Some(message) = &assert.message {
                p.expr(message);
            }
        });
    }

    fn specs(&mut self, specs: &[CompSpec]) {
        for spec in specs {
            match spec {
                CompSpec::For { var, iter, span } => {
                    self.nested(&format!("for {}", var.name), *span, |p| p.expr(iter))
                }
                CompSpec::If { cond, span } => self.nested("if", *span, |p| p.expr(cond)),
            }
        }
    }

    fn members(&mut self, members: &[Member]) {
        for member in members {
            match member {
                Member::Local(bind) => self.label("object-local", |p| p.bind(bind)),
                Member::Assert(assert) => self.assert(assert),
                Member::Field(field) => {
                    let visibility = match field.visibility {
                        Visibility::Inherit => ":",
                        Visibility::Hidden => "::",
                        Visibility::Visible => ":::",
                    };
                    let op = format!("{}{visibility}", if field.plus { "+" } else { "" });
                    let name = match &field.name {
                        FieldName::Ident(ident) => format!("{}", ident.name),
                        FieldName::Str {
                            value,
                            style: s,
                            span,
                        } => format!("str {} {value:?} ({})", style(*s), self.pos(*span)),
                        FieldName::Computed(_) => "[computed]".to_string(),
                    };
                    self.nested(&format!("field {name} {op}"), field.span, |p| {
                        if let FieldName::Computed(name) = &field.name {
                            p.expr(name);
                        }
                        if let Some(params) = &field.params {
                            p.label("params", |p| p.params(params));
                        }
                        p.expr(&field.value);
                    });
                }
            }
        }
    }
}
