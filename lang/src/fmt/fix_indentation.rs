//! Indentation: sets the indentation after every line break, keeping a
//! column counter as if the tree were printed (the reference's
//! `FixIndentation`).
//!
//! The indentation of a construct's inner lines is an [`Indent`]: `base` is
//! the start of the construct's line, `line_up` the column inner lines go
//! to. When a construct's first inner token is on the construct's own line,
//! later lines line up with it (`f(a,\n  b)` puts `b` under `a`); when it is
//! on a new line, inner lines are indented one level from `base`. The
//! "strong" variants also move `base` to the lined-up column, so that
//! deeper levels indent from there.

use super::tree::{Kind, Node, ObjField, Params, Spec, StrKind};
use super::Options;
use crate::ast::Visibility;
use crate::syntax::fodder::{Fodder, FodderKind};

/// Sets the indentation of the whole file.
pub(crate) fn run(node: &mut Node, final_fodder: &mut Fodder, options: &Options) {
    let mut pass = FixIndentation {
        indent: options.indent as u32,
        pad_arrays: options.pad_arrays,
        pad_objects: options.pad_objects,
        column: 0,
    };
    pass.expr(node, Indent::new(0, 0), false);
    set_indents(final_fodder, 0, 0);
}

#[derive(Clone, Copy, Debug)]
struct Indent {
    base: u32,
    line_up: u32,
}

impl Indent {
    fn new(base: u32, line_up: u32) -> Indent {
        Indent { base, line_up }
    }
}

/// Whether the fodder leaves the next token on the same line.
fn same_line(fodder: &Fodder) -> bool {
    fodder
        .first()
        .is_none_or(|elem| elem.kind == FodderKind::Interstitial)
}

fn has_newlines(fodder: &Fodder) -> bool {
    fodder
        .iter()
        .any(|elem| elem.kind != FodderKind::Interstitial)
}

/// Sets the indentation of every line break in `fodder`: the last one's to
/// `last_indent`, the others' to `all_but_last`.
fn set_indents(fodder: &mut Fodder, all_but_last: u32, last_indent: u32) {
    let count = fodder
        .iter()
        .filter(|elem| elem.kind != FodderKind::Interstitial)
        .count();
    let mut index = 0;
    for elem in fodder.iter_mut() {
        if elem.kind != FodderKind::Interstitial {
            elem.indent = if index + 1 < count {
                all_but_last
            } else {
                last_indent
            };
            index += 1;
        }
    }
}

fn arg_first_fodder(id: Option<&String>, id_fodder: &Fodder, expr: &Node) -> bool {
    if id.is_some() {
        same_line(id_fodder)
    } else {
        same_line(super::tree::open_fodder(expr))
    }
}

struct FixIndentation {
    indent: u32,
    pad_arrays: bool,
    pad_objects: bool,
    column: u32,
}

impl FixIndentation {
    /// Advances the column over the fodder as printing it would.
    fn count(&mut self, fodder: &Fodder, space_before: bool, separate_token: bool) {
        let mut space_before = space_before;
        for elem in fodder {
            match elem.kind {
                FodderKind::Paragraph | FodderKind::LineEnd => {
                    self.column = elem.indent;
                    space_before = false;
                }
                FodderKind::Interstitial => {
                    if space_before {
                        self.column += 1;
                    }
                    self.column += elem.comment[0].len() as u32;
                    space_before = true;
                }
            }
        }
        if separate_token && space_before {
            self.column += 1;
        }
    }

    fn fill2(
        &mut self,
        fodder: &mut Fodder,
        space_before: bool,
        separate_token: bool,
        all_but_last: u32,
        last: u32,
    ) {
        set_indents(fodder, all_but_last, last);
        self.count(fodder, space_before, separate_token);
    }

    fn fill(&mut self, fodder: &mut Fodder, space_before: bool, separate_token: bool, indent: u32) {
        self.fill2(fodder, space_before, separate_token, indent, indent);
    }

    /// Inner lines line up when the first is on this line, else indent.
    fn new_indent(&self, same: bool, old: Indent, line_up: u32) -> Indent {
        if same {
            Indent::new(old.base, line_up)
        } else {
            Indent::new(old.base + self.indent, old.base + self.indent)
        }
    }

    fn new_indent_strong(&self, same: bool, old: Indent, line_up: u32) -> Indent {
        if same {
            Indent::new(line_up, line_up)
        } else {
            Indent::new(old.base + self.indent, old.base + self.indent)
        }
    }

    fn align(same: bool, old: Indent, line_up: u32) -> Indent {
        if same {
            Indent::new(old.base, line_up)
        } else {
            old
        }
    }

    fn align_strong(same: bool, old: Indent, line_up: u32) -> Indent {
        if same {
            Indent::new(line_up, line_up)
        } else {
            old
        }
    }

    fn specs(&mut self, specs: &mut [Spec], indent: Indent) {
        for spec in specs {
            self.fill(&mut spec.open, true, true, indent.line_up);
            match &spec.var {
                Some(var) => {
                    self.column += 3; // for
                    let var_len = var.len() as u32;
                    self.fill(&mut spec.var_fodder, true, true, indent.line_up);
                    self.column += var_len;
                    self.fill(&mut spec.in_fodder, true, true, indent.line_up);
                    self.column += 2; // in
                }
                None => self.column += 2, // if
            }
            let same = same_line(super::tree::open_fodder(&spec.expr));
            let new_indent = self.new_indent(same, indent, self.column);
            self.expr(&mut spec.expr, new_indent, true);
        }
    }

    fn params(&mut self, params: &mut Params, indent: Indent) {
        self.fill(&mut params.fodder_l, false, false, indent.line_up);
        self.column += 1; // (
        let same = match params.params.first() {
            Some(first) => same_line(&first.id_fodder),
            None => same_line(&params.fodder_r),
        };
        let new_indent = self.new_indent(same, indent, self.column);
        for (index, param) in params.params.iter_mut().enumerate() {
            if index > 0 {
                self.column += 1; // ,
            }
            self.fill(&mut param.id_fodder, index > 0, true, new_indent.line_up);
            self.column += param.id.len() as u32;
            if let Some(default) = &mut param.default {
                self.fill(&mut param.eq_fodder, false, false, new_indent.line_up);
                self.column += 1; // =
                self.expr(default, new_indent, false);
            }
            self.fill(&mut param.comma_fodder, false, false, new_indent.line_up);
        }
        if params.trailing_comma {
            self.column += 1;
        }
        self.fill2(
            &mut params.fodder_r,
            false,
            false,
            new_indent.line_up,
            indent.line_up,
        );
        self.column += 1; // )
    }

    fn fields(&mut self, fields: &mut [ObjField], indent: Indent, space_before: bool) {
        use super::tree::FieldKind;
        let new_indent = indent.line_up;
        for (index, field) in fields.iter_mut().enumerate() {
            let first = index == 0;
            if !first {
                self.column += 1; // ,
            }
            let space = !first || space_before;
            match field.kind {
                FieldKind::Local => {
                    self.fill(&mut field.fodder1, space, true, indent.line_up);
                    self.column += 5; // local
                    self.fill(&mut field.fodder2, true, true, indent.line_up);
                    self.column += field.id.len() as u32;
                    if let Some(params) = &mut field.params {
                        self.params(params, indent);
                    }
                    self.fill(&mut field.op_fodder, true, true, indent.line_up);
                    self.column += 1; // =
                    let value = field.expr2.as_mut().expect("a local has a value");
                    let same = same_line(super::tree::open_fodder(value));
                    let new_indent2 = self.new_indent(same, indent, self.column);
                    self.expr(value, new_indent2, true);
                }
                FieldKind::Id | FieldKind::Str | FieldKind::Expr => {
                    match field.kind {
                        FieldKind::Id => {
                            self.fill(&mut field.fodder1, space, true, new_indent);
                            self.column += field.id.len() as u32;
                        }
                        FieldKind::Str => {
                            let name = field.expr1.as_mut().expect("a name");
                            self.expr(name, indent, space);
                        }
                        _ => {
                            self.fill(&mut field.fodder1, space, true, new_indent);
                            self.column += 1; // [
                            let name = field.expr1.as_mut().expect("a name");
                            self.expr(name, indent, false);
                            self.fill(&mut field.fodder2, false, false, new_indent);
                            self.column += 1; // ]
                        }
                    }
                    if let Some(params) = &mut field.params {
                        self.params(params, indent);
                    }
                    self.fill(&mut field.op_fodder, false, false, new_indent);
                    if field.super_sugar {
                        self.column += 1;
                    }
                    self.column += match field.hide {
                        Visibility::Inherit => 1,
                        Visibility::Hidden => 2,
                        Visibility::Visible => 3,
                    };
                    let value = field.expr2.as_mut().expect("a field has a value");
                    let same = same_line(super::tree::open_fodder(value));
                    let new_indent2 = self.new_indent(same, indent, self.column);
                    self.expr(value, new_indent2, true);
                }
                FieldKind::Assert => {
                    self.fill(&mut field.fodder1, space, true, new_indent);
                    self.column += 6; // assert
                    let cond = field.expr2.as_mut().expect("a condition");
                    // + 1 for the space after `assert`.
                    let same = same_line(super::tree::open_fodder(cond));
                    let new_indent2 = self.new_indent(same, indent, self.column + 1);
                    self.expr(cond, indent, true);
                    if let Some(message) = &mut field.expr3 {
                        self.fill(&mut field.op_fodder, true, true, new_indent2.line_up);
                        self.column += 1; // :
                        self.expr(message, new_indent2, true);
                    }
                }
            }
            self.fill(&mut field.comma_fodder, false, false, new_indent);
        }
    }

    fn expr(&mut self, node: &mut Node, indent: Indent, space_before: bool) {
        super::deeper(|| self.expr_at(node, indent, space_before, None), || ());
    }

    /// As [`Self::expr`] for the left operand of a left-recursive node,
    /// whose first token is the parent's: `same` is whether it starts on
    /// the parent's line, which the parent knows. Finding it again at every
    /// level of `a + b + …` would take time quadratic in the chain.
    fn left_expr(&mut self, node: &mut Node, indent: Indent, space_before: bool, same: bool) {
        super::deeper(
            || self.expr_at(node, indent, space_before, Some(same)),
            || (),
        );
    }

    fn expr_at(&mut self, node: &mut Node, indent: Indent, space_before: bool, same: Option<bool>) {
        // For a left-recursive node, whether its first token (its left
        // operand's) starts on the line the node does.
        let leftmost_same = match (same, node.left_recursive()) {
            (Some(same), _) => same,
            (None, Some(left)) => same_line(super::tree::open_fodder(left)),
            (None, None) => true,
        };
        let separate_token = node.left_recursive().is_none();
        self.fill(&mut node.open, space_before, separate_token, indent.line_up);
        match &mut node.kind {
            Kind::Apply(apply) => {
                let same = same_line(super::tree::open_fodder(&apply.target));
                let new_indent = Self::align(same, indent, self.column + u32::from(space_before));
                self.expr(&mut apply.target, new_indent, space_before);
                self.fill(&mut apply.fodder_l, false, false, new_indent.line_up);
                self.column += 1; // (
                let first_same = match apply.args.first() {
                    Some(arg) => arg_first_fodder(arg.id.as_ref(), &arg.id_fodder, &arg.expr),
                    None => same_line(&apply.fodder_r),
                };
                // A strong indent when any argument but the first starts a line.
                let strong = apply.args.iter().skip(1).any(|arg| {
                    if arg.id.is_some() {
                        has_newlines(&arg.id_fodder)
                    } else {
                        has_newlines(super::tree::open_fodder(&arg.expr))
                    }
                });
                let arg_indent = if strong {
                    self.new_indent_strong(first_same, indent, self.column)
                } else {
                    self.new_indent(first_same, indent, self.column)
                };
                for (index, arg) in apply.args.iter_mut().enumerate() {
                    if index > 0 {
                        self.column += 1; // ,
                    }
                    let mut space = index > 0;
                    if let Some(id) = &arg.id {
                        let id_len = id.len() as u32;
                        self.fill(&mut arg.id_fodder, space, false, arg_indent.line_up);
                        self.column += id_len;
                        space = false;
                        self.column += 1; // =
                    }
                    self.expr(&mut arg.expr, arg_indent, space);
                    self.fill(&mut arg.comma_fodder, false, false, arg_indent.line_up);
                }
                if apply.trailing_comma {
                    self.column += 1;
                }
                self.fill2(
                    &mut apply.fodder_r,
                    false,
                    false,
                    arg_indent.line_up,
                    indent.base,
                );
                self.column += 1; // )
                if let Some(tailstrict) = &mut apply.tailstrict {
                    self.fill(tailstrict, true, true, indent.base);
                    self.column += 10;
                }
            }
            Kind::ApplyBrace { left, right } => {
                let same = leftmost_same;
                let new_indent = Self::align(same, indent, self.column + u32::from(space_before));
                self.left_expr(left, new_indent, space_before, same);
                self.expr(right, new_indent, true);
            }
            Kind::Array {
                elems,
                trailing_comma,
                close,
            } => {
                self.column += 1; // [
                let first_same = match elems.first() {
                    Some(elem) => same_line(super::tree::open_fodder(&elem.expr)),
                    None => same_line(close),
                };
                let new_column = self.column + u32::from(self.pad_arrays);
                let strong = elems
                    .iter()
                    .skip(1)
                    .any(|elem| has_newlines(super::tree::open_fodder(&elem.expr)));
                let new_indent = if strong {
                    self.new_indent_strong(first_same, indent, new_column)
                } else {
                    self.new_indent(first_same, indent, new_column)
                };
                let pad = self.pad_arrays;
                for (index, elem) in elems.iter_mut().enumerate() {
                    if index > 0 {
                        self.column += 1;
                    }
                    self.expr(&mut elem.expr, new_indent, index > 0 || pad);
                    self.fill(&mut elem.comma_fodder, false, false, new_indent.line_up);
                }
                if *trailing_comma {
                    self.column += 1;
                }
                let nonempty = !elems.is_empty();
                self.fill2(close, nonempty, pad, new_indent.line_up, indent.base);
                self.column += 1; // ]
            }
            Kind::ArrayComp {
                body,
                comma,
                trailing_comma,
                specs,
                close,
            } => {
                self.column += 1; // [
                let same = same_line(super::tree::open_fodder(body));
                let new_indent =
                    self.new_indent(same, indent, self.column + u32::from(self.pad_arrays));
                let pad = self.pad_arrays;
                self.expr(body, new_indent, pad);
                self.fill(comma, false, false, new_indent.line_up);
                if *trailing_comma {
                    self.column += 1;
                }
                self.specs(specs, new_indent);
                self.fill2(close, true, pad, new_indent.line_up, indent.base);
                self.column += 1; // ]
            }
            Kind::Assert {
                cond,
                colon,
                message,
                semicolon,
                rest,
            } => {
                self.column += 6; // assert
                let same = same_line(super::tree::open_fodder(cond));
                let new_indent = self.new_indent(same, indent, self.column + 1);
                self.expr(cond, new_indent, true);
                if let Some(message) = message {
                    self.fill(colon, true, true, new_indent.line_up);
                    self.column += 1; // :
                    self.expr(message, new_indent, true);
                }
                self.fill(semicolon, false, false, new_indent.line_up);
                self.column += 1; // ;
                self.expr(rest, indent, true);
            }
            Kind::Binary {
                left,
                op_fodder,
                op,
                right,
            } => {
                let same = leftmost_same;
                // A strong indent for `A\n+ B` and `A +\nB`.
                let strong =
                    has_newlines(op_fodder) || has_newlines(super::tree::open_fodder(right));
                let inner_column = self.column + u32::from(space_before);
                let new_indent = if strong {
                    Self::align_strong(same, indent, inner_column)
                } else {
                    Self::align(same, indent, inner_column)
                };
                self.left_expr(left, new_indent, space_before, same);
                self.fill(op_fodder, true, true, new_indent.line_up);
                self.column += op.as_str().len() as u32;
                // The same indent on the right: `a &&\nb &&\nc` stays flat.
                self.expr(right, new_indent, true);
            }
            Kind::Conditional {
                cond,
                then_fodder,
                then,
                else_fodder,
                otherwise,
            } => {
                self.column += 2; // if
                let same = same_line(super::tree::open_fodder(cond));
                let cond_indent = self.new_indent(same, indent, self.column + 1);
                self.expr(cond, cond_indent, true);
                self.fill(then_fodder, true, true, indent.base);
                self.column += 4; // then
                let same = same_line(super::tree::open_fodder(then));
                let true_indent = self.new_indent(same, indent, self.column + 1);
                self.expr(then, true_indent, true);
                if let Some(otherwise) = otherwise {
                    self.fill(else_fodder, true, true, indent.base);
                    self.column += 4; // else
                    let same = same_line(super::tree::open_fodder(otherwise));
                    let false_indent = self.new_indent(same, indent, self.column + 1);
                    self.expr(otherwise, false_indent, true);
                }
            }
            Kind::Dollar => self.column += 1,
            Kind::Error(inner) => {
                self.column += 5; // error
                let same = same_line(super::tree::open_fodder(inner));
                let new_indent = self.new_indent(same, indent, self.column + 1);
                self.expr(inner, new_indent, true);
            }
            Kind::Function { params, body } => {
                self.column += 8; // function
                self.params(params, indent);
                let same = same_line(super::tree::open_fodder(body));
                let new_indent = self.new_indent(same, indent, self.column + 1);
                self.expr(body, new_indent, true);
            }
            Kind::Import { kind, file } => {
                self.column += match kind {
                    crate::ast::ImportKind::Code => 6,
                    _ => 9,
                };
                let same = same_line(super::tree::open_fodder(file));
                let new_indent = self.new_indent(same, indent, self.column + 1);
                self.expr(file, new_indent, true);
            }
            Kind::InSuper {
                element,
                in_fodder,
                super_fodder,
            } => {
                self.left_expr(element, indent, space_before, leftmost_same);
                self.fill(in_fodder, true, true, indent.line_up);
                self.column += 2; // in
                self.fill(super_fodder, true, true, indent.line_up);
                self.column += 5; // super
            }
            Kind::Index(index) => {
                self.left_expr(&mut index.target, indent, space_before, leftmost_same);
                self.fill(&mut index.dot_fodder, false, false, indent.line_up);
                if let Some(id) = &index.id {
                    let id_len = id.len() as u32;
                    let new_indent =
                        self.new_indent(same_line(&index.id_fodder), indent, self.column);
                    self.column += 1; // .
                    self.fill(&mut index.id_fodder, false, false, new_indent.line_up);
                    self.column += id_len;
                } else {
                    self.column += 1; // [
                    if index.is_slice {
                        let mut new_indent = Indent::new(0, 0);
                        if let Some(start) = &mut index.index {
                            let same = same_line(super::tree::open_fodder(start));
                            new_indent = self.new_indent(same, indent, self.column);
                            self.expr(start, new_indent, false);
                        }
                        if let Some(end) = &mut index.end {
                            new_indent =
                                self.new_indent(same_line(&index.end_colon), indent, self.column);
                            self.fill(&mut index.end_colon, false, false, new_indent.line_up);
                            self.column += 1; // :
                            self.expr(end, new_indent, false);
                        }
                        if let Some(step) = &mut index.step {
                            if index.end.is_none() {
                                new_indent = self.new_indent(
                                    same_line(&index.end_colon),
                                    indent,
                                    self.column,
                                );
                                self.fill(&mut index.end_colon, false, false, new_indent.line_up);
                                self.column += 1; // :
                            }
                            self.fill(&mut index.step_colon, false, false, new_indent.line_up);
                            self.column += 1; // :
                            self.expr(step, new_indent, false);
                        }
                        if index.index.is_none() && index.end.is_none() && index.step.is_none() {
                            new_indent =
                                self.new_indent(same_line(&index.end_colon), indent, self.column);
                            self.fill(&mut index.end_colon, false, false, new_indent.line_up);
                            self.column += 1; // :
                        }
                    } else if let Some(inner) = &mut index.index {
                        let same = same_line(super::tree::open_fodder(inner));
                        let new_indent = self.new_indent(same, indent, self.column);
                        self.expr(inner, new_indent, false);
                        self.fill2(
                            &mut index.id_fodder,
                            false,
                            false,
                            new_indent.line_up,
                            indent.base,
                        );
                    }
                    self.column += 1; // ]
                }
            }
            Kind::Local { binds, body } => {
                self.column += 5; // local
                let same = same_line(&binds[0].var_fodder);
                let new_indent = self.new_indent(same, indent, self.column + 1);
                for (index, bind) in binds.iter_mut().enumerate() {
                    if index > 0 {
                        self.column += 1; // ,
                    }
                    self.fill(&mut bind.var_fodder, true, true, new_indent.line_up);
                    self.column += bind.var.len() as u32;
                    if let Some(params) = &mut bind.params {
                        self.params(params, new_indent);
                    }
                    self.fill(&mut bind.op_fodder, true, true, new_indent.line_up);
                    self.column += 1; // =
                    let same = same_line(super::tree::open_fodder(&bind.body));
                    let new_indent2 = self.new_indent(same, new_indent, self.column + 1);
                    self.expr(&mut bind.body, new_indent2, true);
                    self.fill2(
                        &mut bind.close_fodder,
                        false,
                        false,
                        new_indent2.line_up,
                        indent.base,
                    );
                }
                self.column += 1; // ;
                self.expr(body, indent, true);
            }
            Kind::True | Kind::Null => self.column += 4,
            Kind::False => self.column += 5,
            Kind::SelfValue => self.column += 4,
            Kind::Num(text) => self.column += text.len() as u32,
            Kind::Str(str) => match str.kind {
                StrKind::Double | StrKind::Single => {
                    self.column += 2 + str.value.chars().count() as u32;
                }
                StrKind::Block => {
                    str.block_indent = " ".repeat((indent.base + self.indent) as usize);
                    str.block_term_indent = " ".repeat(indent.base as usize);
                    self.column = indent.base + 3; // |||
                }
                StrKind::VerbatimSingle | StrKind::VerbatimDouble => {
                    let quote = if str.kind == StrKind::VerbatimSingle {
                        '\''
                    } else {
                        '"'
                    };
                    self.column += 3;
                    for c in str.value.chars() {
                        self.column += if c == quote { 2 } else { 1 };
                    }
                }
            },
            Kind::Object {
                fields,
                trailing_comma,
                close,
            } => {
                self.column += 1; // {
                let same = match fields.first() {
                    None => same_line(close),
                    Some(field) => first_field_same_line(field),
                };
                let pad = self.pad_objects;
                let new_indent = self.new_indent(same, indent, self.column + u32::from(pad));
                self.fields(fields, new_indent, pad);
                if *trailing_comma {
                    self.column += 1;
                }
                let nonempty = !fields.is_empty();
                self.fill2(close, nonempty, pad, new_indent.line_up, indent.base);
                self.column += 1; // }
            }
            Kind::ObjectComp {
                fields,
                trailing_comma,
                specs,
                close,
            } => {
                self.column += 1; // {
                let same = match fields.first() {
                    None => same_line(close),
                    Some(field) => first_field_same_line(field),
                };
                let pad = self.pad_objects;
                let new_indent = self.new_indent(same, indent, self.column + u32::from(pad));
                self.fields(fields, new_indent, pad);
                if *trailing_comma {
                    self.column += 1;
                }
                self.specs(specs, new_indent);
                self.fill2(close, true, pad, new_indent.line_up, indent.base);
                self.column += 1; // }
            }
            Kind::Parens { expr, close } => {
                self.column += 1; // (
                let same = same_line(super::tree::open_fodder(expr));
                let new_indent = self.new_indent_strong(same, indent, self.column);
                self.expr(expr, new_indent, false);
                self.fill2(close, false, false, new_indent.line_up, indent.base);
                self.column += 1; // )
            }
            Kind::SuperIndex {
                dot_fodder,
                id,
                index,
                id_fodder,
            } => {
                self.column += 5; // super
                self.fill(dot_fodder, false, false, indent.line_up);
                if let Some(id) = id {
                    self.column += 1; // .
                    let new_indent = self.new_indent(same_line(id_fodder), indent, self.column);
                    self.fill(id_fodder, false, false, new_indent.line_up);
                    self.column += id.len() as u32;
                } else if let Some(index) = index {
                    self.column += 1; // [
                    let same = same_line(super::tree::open_fodder(index));
                    let new_indent = self.new_indent(same, indent, self.column);
                    self.expr(index, new_indent, false);
                    self.fill2(id_fodder, false, false, new_indent.line_up, indent.base);
                    self.column += 1; // ]
                }
            }
            Kind::Unary { op, expr } => {
                self.column += op.as_str().len() as u32;
                let same = same_line(super::tree::open_fodder(expr));
                let new_indent = self.new_indent(same, indent, self.column);
                let dollar = matches!(expr.leftmost().kind, Kind::Dollar);
                self.expr(expr, new_indent, dollar);
            }
            Kind::Var(name) => self.column += name.len() as u32,
        }
    }
}

/// Whether an object's first member starts on the object's line.
fn first_field_same_line(field: &ObjField) -> bool {
    if field.kind == super::tree::FieldKind::Str {
        if let Some(name) = &field.expr1 {
            return same_line(super::tree::open_fodder(name));
        }
    }
    same_line(&field.fodder1)
}
