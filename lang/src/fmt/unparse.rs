//! Printing the formatter's tree: every token, with its fodder before it
//! (the reference's `Unparser` and `fodder_fill`).
//!
//! Spacing between tokens is decided here: `space_before` says whether a
//! space goes before a token that follows on the same line, and
//! `separate_token` whether a space goes after a trailing `/* … */`.

use super::tree::{Kind, Node, ObjField, Params, Spec, StrKind};
use super::Options;
use crate::ast::Visibility;
use crate::syntax::fodder::{Fodder, FodderKind};

/// Prints the file: its expression, the fodder after it, and a final line
/// break unless the fodder ends with one.
pub(crate) fn file(node: &Node, final_fodder: &Fodder, options: &Options) -> String {
    let mut out = Unparser {
        out: String::new(),
        pad_arrays: options.pad_arrays,
        pad_objects: options.pad_objects,
    };
    out.expr(node, false);
    fill(&mut out.out, final_fodder, true, false, true);
    if final_fodder
        .last()
        .is_none_or(|last| last.kind == FodderKind::Interstitial)
    {
        out.out.push('\n');
    }
    out.out
}

fn spaces(out: &mut String, count: u32) {
    out.extend(std::iter::repeat_n(' ', count as usize));
}

/// Prints fodder. With `is_final`, the last element's blank lines and
/// indentation are left out.
fn fill(
    out: &mut String,
    fodder: &Fodder,
    space_before: bool,
    separate_token: bool,
    is_final: bool,
) {
    let mut space_before = space_before;
    let mut last_indent = 0;
    for (index, elem) in fodder.iter().enumerate() {
        let skip_trailing = is_final && index + 1 == fodder.len();
        match elem.kind {
            FodderKind::LineEnd => {
                if let Some(comment) = elem.comment.first() {
                    out.push_str("  ");
                    out.push_str(comment);
                }
                out.push('\n');
                if !skip_trailing {
                    out.extend(std::iter::repeat_n('\n', elem.blanks as usize));
                    spaces(out, elem.indent);
                }
                last_indent = elem.indent;
                space_before = false;
            }
            FodderKind::Interstitial => {
                if space_before {
                    out.push(' ');
                }
                out.push_str(&elem.comment[0]);
                space_before = true;
            }
            FodderKind::Paragraph => {
                for (line_index, line) in elem.comment.iter().enumerate() {
                    // Empty lines are not indented; the first line already is.
                    if !line.is_empty() {
                        if line_index > 0 {
                            spaces(out, last_indent);
                        }
                        out.push_str(line);
                    }
                    out.push('\n');
                }
                if !skip_trailing {
                    out.extend(std::iter::repeat_n('\n', elem.blanks as usize));
                    spaces(out, elem.indent);
                }
                last_indent = elem.indent;
                space_before = false;
            }
        }
    }
    if separate_token && space_before {
        out.push(' ');
    }
}

struct Unparser {
    out: String,
    pad_arrays: bool,
    pad_objects: bool,
}

/// The text of `:`, `::` or `:::`.
pub(crate) fn hide_str(hide: Visibility) -> &'static str {
    match hide {
        Visibility::Inherit => ":",
        Visibility::Hidden => "::",
        Visibility::Visible => ":::",
    }
}

impl Unparser {
    fn fill(&mut self, fodder: &Fodder, space_before: bool, separate_token: bool) {
        fill(&mut self.out, fodder, space_before, separate_token, false);
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn specs(&mut self, specs: &[Spec]) {
        for spec in specs {
            self.fill(&spec.open, true, true);
            match &spec.var {
                Some(var) => {
                    self.push("for");
                    self.fill(&spec.var_fodder, true, true);
                    self.push(var);
                    self.fill(&spec.in_fodder, true, true);
                    self.push("in");
                }
                None => self.push("if"),
            }
            self.expr(&spec.expr, true);
        }
    }

    fn params(&mut self, params: &Params) {
        self.fill(&params.fodder_l, false, false);
        self.push("(");
        for (index, param) in params.params.iter().enumerate() {
            if index > 0 {
                self.push(",");
            }
            self.fill(&param.id_fodder, index > 0, true);
            self.push(&param.id);
            if let Some(default) = &param.default {
                self.fill(&param.eq_fodder, false, false);
                self.push("=");
                self.expr(default, false);
            }
            self.fill(&param.comma_fodder, false, false);
        }
        if params.trailing_comma {
            self.push(",");
        }
        self.fill(&params.fodder_r, false, false);
        self.push(")");
    }

    fn fields(&mut self, fields: &[ObjField], space_before: bool) {
        use super::tree::FieldKind;
        for (index, field) in fields.iter().enumerate() {
            let first = index == 0;
            if !first {
                self.push(",");
            }
            let space = !first || space_before;
            match field.kind {
                FieldKind::Local => {
                    self.fill(&field.fodder1, space, true);
                    self.push("local");
                    self.fill(&field.fodder2, true, true);
                    self.push(&field.id);
                    if let Some(params) = &field.params {
                        self.params(params);
                    }
                    self.fill(&field.op_fodder, true, true);
                    self.push("=");
                    self.expr(field.expr2.as_ref().expect("a local has a value"), true);
                }
                FieldKind::Id | FieldKind::Str | FieldKind::Expr => {
                    match field.kind {
                        FieldKind::Id => {
                            self.fill(&field.fodder1, space, true);
                            self.push(&field.id);
                        }
                        FieldKind::Str => {
                            self.expr(field.expr1.as_ref().expect("a name"), space);
                        }
                        _ => {
                            self.fill(&field.fodder1, space, true);
                            self.push("[");
                            self.expr(field.expr1.as_ref().expect("a name"), false);
                            self.fill(&field.fodder2, false, false);
                            self.push("]");
                        }
                    }
                    if let Some(params) = &field.params {
                        self.params(params);
                    }
                    self.fill(&field.op_fodder, false, false);
                    if field.super_sugar {
                        self.push("+");
                    }
                    self.push(hide_str(field.hide));
                    self.expr(field.expr2.as_ref().expect("a field has a value"), true);
                }
                FieldKind::Assert => {
                    self.fill(&field.fodder1, space, true);
                    self.push("assert");
                    self.expr(field.expr2.as_ref().expect("a condition"), true);
                    if let Some(message) = &field.expr3 {
                        self.fill(&field.op_fodder, true, true);
                        self.push(":");
                        self.expr(message, true);
                    }
                }
            }
            self.fill(&field.comma_fodder, false, false);
        }
    }

    fn expr(&mut self, node: &Node, space_before: bool) {
        super::deeper(|| self.expr_at(node, space_before), || ());
    }

    fn expr_at(&mut self, node: &Node, space_before: bool) {
        let separate_token = node.left_recursive().is_none();
        self.fill(&node.open, space_before, separate_token);
        match &node.kind {
            Kind::Apply(apply) => {
                self.expr(&apply.target, space_before);
                self.fill(&apply.fodder_l, false, false);
                self.push("(");
                for (index, arg) in apply.args.iter().enumerate() {
                    if index > 0 {
                        self.push(",");
                    }
                    let mut space = index > 0;
                    if let Some(id) = &arg.id {
                        self.fill(&arg.id_fodder, space, true);
                        self.push(id);
                        space = false;
                        self.push("=");
                    }
                    self.expr(&arg.expr, space);
                    self.fill(&arg.comma_fodder, false, false);
                }
                if apply.trailing_comma {
                    self.push(",");
                }
                self.fill(&apply.fodder_r, false, false);
                self.push(")");
                if let Some(tailstrict) = &apply.tailstrict {
                    self.fill(tailstrict, true, true);
                    self.push("tailstrict");
                }
            }
            Kind::ApplyBrace { left, right } => {
                self.expr(left, space_before);
                self.expr(right, true);
            }
            Kind::Array {
                elems,
                trailing_comma,
                close,
            } => {
                self.push("[");
                for (index, elem) in elems.iter().enumerate() {
                    if index > 0 {
                        self.push(",");
                    }
                    self.expr(&elem.expr, index > 0 || self.pad_arrays);
                    self.fill(&elem.comma_fodder, false, false);
                }
                if *trailing_comma {
                    self.push(",");
                }
                self.fill(close, !elems.is_empty(), self.pad_arrays);
                self.push("]");
            }
            Kind::ArrayComp {
                body,
                comma,
                trailing_comma,
                specs,
                close,
            } => {
                self.push("[");
                self.expr(body, self.pad_arrays);
                self.fill(comma, false, false);
                if *trailing_comma {
                    self.push(",");
                }
                self.specs(specs);
                self.fill(close, true, self.pad_arrays);
                self.push("]");
            }
            Kind::Assert {
                cond,
                colon,
                message,
                semicolon,
                rest,
            } => {
                self.push("assert");
                self.expr(cond, true);
                if let Some(message) = message {
                    self.fill(colon, true, true);
                    self.push(":");
                    self.expr(message, true);
                }
                self.fill(semicolon, false, false);
                self.push(";");
                self.expr(rest, true);
            }
            Kind::Binary {
                left,
                op_fodder,
                op,
                right,
            } => {
                self.expr(left, space_before);
                self.fill(op_fodder, true, true);
                self.push(op.as_str());
                self.expr(right, true);
            }
            Kind::Conditional {
                cond,
                then_fodder,
                then,
                else_fodder,
                otherwise,
            } => {
                self.push("if");
                self.expr(cond, true);
                self.fill(then_fodder, true, true);
                self.push("then");
                self.expr(then, true);
                if let Some(otherwise) = otherwise {
                    self.fill(else_fodder, true, true);
                    self.push("else");
                    self.expr(otherwise, true);
                }
            }
            Kind::Dollar => self.push("$"),
            Kind::Error(inner) => {
                self.push("error");
                self.expr(inner, true);
            }
            Kind::Function { params, body } => {
                self.push("function");
                self.params(params);
                self.expr(body, true);
            }
            Kind::Import { kind, file } => {
                self.push(match kind {
                    crate::ast::ImportKind::Code => "import",
                    crate::ast::ImportKind::Str => "importstr",
                    crate::ast::ImportKind::Bin => "importbin",
                });
                self.expr(file, true);
            }
            Kind::InSuper {
                element,
                in_fodder,
                super_fodder,
            } => {
                self.expr(element, true);
                self.fill(in_fodder, true, true);
                self.push("in");
                self.fill(super_fodder, true, true);
                self.push("super");
            }
            Kind::Index(index) => {
                self.expr(&index.target, space_before);
                self.fill(&index.dot_fodder, false, false);
                if let Some(id) = &index.id {
                    self.push(".");
                    self.fill(&index.id_fodder, false, false);
                    self.push(id);
                } else {
                    self.push("[");
                    if index.is_slice {
                        if let Some(start) = &index.index {
                            self.expr(start, false);
                        }
                        self.fill(&index.end_colon, false, false);
                        self.push(":");
                        if let Some(end) = &index.end {
                            self.expr(end, false);
                        }
                        if index.step.is_some() || !index.step_colon.is_empty() {
                            self.fill(&index.step_colon, false, false);
                            self.push(":");
                            if let Some(step) = &index.step {
                                self.expr(step, false);
                            }
                        }
                    } else if let Some(inner) = &index.index {
                        self.expr(inner, false);
                    }
                    self.fill(&index.id_fodder, false, false);
                    self.push("]");
                }
            }
            Kind::Local { binds, body } => {
                self.push("local");
                for (index, bind) in binds.iter().enumerate() {
                    if index > 0 {
                        self.push(",");
                    }
                    self.fill(&bind.var_fodder, true, true);
                    self.push(&bind.var);
                    if let Some(params) = &bind.params {
                        self.params(params);
                    }
                    self.fill(&bind.op_fodder, true, true);
                    self.push("=");
                    self.expr(&bind.body, true);
                    self.fill(&bind.close_fodder, false, false);
                }
                self.push(";");
                self.expr(body, true);
            }
            Kind::True => self.push("true"),
            Kind::False => self.push("false"),
            Kind::Null => self.push("null"),
            Kind::SelfValue => self.push("self"),
            Kind::Num(text) => self.push(text),
            Kind::Str(str) => self.string(str),
            Kind::Object {
                fields,
                trailing_comma,
                close,
            } => {
                self.push("{");
                self.fields(fields, self.pad_objects);
                if *trailing_comma {
                    self.push(",");
                }
                self.fill(close, !fields.is_empty(), self.pad_objects);
                self.push("}");
            }
            Kind::ObjectComp {
                fields,
                trailing_comma,
                specs,
                close,
            } => {
                self.push("{");
                self.fields(fields, self.pad_objects);
                if *trailing_comma {
                    self.push(",");
                }
                self.specs(specs);
                self.fill(close, true, self.pad_objects);
                self.push("}");
            }
            Kind::Parens { expr, close } => {
                self.push("(");
                self.expr(expr, false);
                self.fill(close, false, false);
                self.push(")");
            }
            Kind::SuperIndex {
                dot_fodder,
                id,
                index,
                id_fodder,
            } => {
                self.push("super");
                self.fill(dot_fodder, false, false);
                if let Some(id) = id {
                    self.push(".");
                    self.fill(id_fodder, false, false);
                    self.push(id);
                } else if let Some(index) = index {
                    self.push("[");
                    self.expr(index, false);
                    self.fill(id_fodder, false, false);
                    self.push("]");
                }
            }
            Kind::Unary { op, expr } => {
                self.push(op.as_str());
                self.expr(expr, false);
            }
            Kind::Var(name) => self.push(name),
        }
    }

    fn string(&mut self, str: &super::tree::Str) {
        match str.kind {
            StrKind::Double => {
                self.push("\"");
                self.push(&str.value);
                self.push("\"");
            }
            StrKind::Single => {
                self.push("'");
                self.push(&str.value);
                self.push("'");
            }
            StrKind::Block => {
                let value = &str.value;
                self.push("|||");
                if !value.ends_with('\n') {
                    self.push("-");
                }
                self.push("\n");
                if !value.starts_with('\n') {
                    self.out.push_str(&str.block_indent);
                }
                let mut chars = value.chars().peekable();
                while let Some(c) = chars.next() {
                    // The formatter always writes Unix line ends.
                    if c == '\r' {
                        continue;
                    }
                    self.out.push(c);
                    if c == '\n' && chars.peek().is_some_and(|next| *next != '\n') {
                        self.out.push_str(&str.block_indent);
                    }
                }
                if !value.ends_with('\n') {
                    self.push("\n");
                }
                self.out.push_str(&str.block_term_indent);
                self.push("|||");
            }
            StrKind::VerbatimDouble => {
                self.push("@\"");
                self.push(&str.value.replace('"', "\"\""));
                self.push("\"");
            }
            StrKind::VerbatimSingle => {
                self.push("@'");
                self.push(&str.value.replace('\'', "''"));
                self.push("'");
            }
        }
    }
}
