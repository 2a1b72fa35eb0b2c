//! The pest grammar (`grammar.pest`) and the tree builder: pairs to
//! [`crate::ast`].
//!
//! [`super::parse`] calls [`build`] once [`super::checker`] has accepted the
//! file, so a pest failure here is a bug in kcfg, not in the input.
//!
//! Binary operators and suffixes are folded by precedence climbing over the
//! flat sequence that the grammar's `expr` rule produces, the way the
//! reference's `parse(max_precedence)` / `parseInfix` loop folds its tokens:
//! a unary operator takes an operand with its suffixes; a binary operator
//! takes a right operand of tighter operators; suffixes (`.f`, `[i]`,
//! `(args)`, `{…}`) bind tightest; and `e in super`, which has no right
//! operand, binds like `in`. Chains of one operator fold in a loop, so a long
//! `a + b + c + …` does not recurse.
//!
//! Spans follow the reference where it prints them: a node runs from its
//! first token to its last, except that `super.f` and `super[e]` span only
//! `super`, and a call's span stops at `)`, before `tailstrict`.

use pest::iterators::{Pair, Pairs};
use pest::Parser as _;

use crate::ast::{
    Arg, AssertClause, BinaryOp, Bind, CompSpec, Expr, ExprKind, Field, FieldName, ImportKind,
    Member, Param, StrStyle, UnaryOp,
};
use crate::span::{FileId, Span};
use crate::sym::Sym;

use super::lexer::scan_text_block;
use super::literal;

#[derive(pest_derive::Parser)]
#[grammar = "syntax/grammar.pest"]
struct Grammar;

/// A string literal whose escapes are wrong: where, and the reference's
/// message. Reported only if no syntax error comes first (see
/// [`super::order`]).
pub(crate) struct BadString {
    pub(crate) span: Span,
    pub(crate) message: String,
}

/// The tree builder's result: the expression, and the bad string literals
/// found on the way.
pub(crate) struct Built {
    pub(crate) expr: Expr,
    pub(crate) bad_strings: Vec<BadString>,
}

/// A disagreement between the grammar and the checker: a bug.
#[derive(Debug)]
pub(crate) struct Internal(pub(crate) String);

type Build<T> = Result<T, Internal>;

/// Parses `src` (already checked) with the pest grammar and builds its tree.
pub(crate) fn build(src: &str, file: FileId) -> Build<Built> {
    let mut pairs = Grammar::parse(Rule::file, src).map_err(|err| Internal(err.to_string()))?;
    let file_pair = next(&mut pairs, "file")?;
    let mut inner = file_pair.into_inner();
    let expr_pair = next(&mut inner, "file expression")?;
    let mut builder = Builder {
        src,
        file,
        bad_strings: Vec::new(),
    };
    let expr = builder.expr(expr_pair)?;
    Ok(Built {
        expr,
        bad_strings: builder.bad_strings,
    })
}

fn next<'i>(pairs: &mut Pairs<'i, Rule>, what: &str) -> Build<Pair<'i, Rule>> {
    pairs
        .next()
        .ok_or_else(|| Internal(format!("missing {what}")))
}

fn unexpected<T>(pair: &Pair<'_, Rule>) -> Build<T> {
    Err(Internal(format!(
        "unexpected {:?} at {}",
        pair.as_rule(),
        pair.as_span().start()
    )))
}

/// The reference's precedences: lower binds tighter.
const APPLY_PRECEDENCE: u8 = 2;
const UNARY_PRECEDENCE: u8 = 4;
const MAX_PRECEDENCE: u8 = 15;

fn binary_op(rule: Rule) -> Option<BinaryOp> {
    Some(match rule {
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        Rule::op_mod => BinaryOp::Mod,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_shl => BinaryOp::Shl,
        Rule::op_shr => BinaryOp::Shr,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_le => BinaryOp::Le,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_in => BinaryOp::In,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_bitand => BinaryOp::BitAnd,
        Rule::op_bitxor => BinaryOp::BitXor,
        Rule::op_bitor => BinaryOp::BitOr,
        Rule::op_and => BinaryOp::And,
        Rule::op_or => BinaryOp::Or,
        _ => return None,
    })
}

/// `ast::BinaryOp::precedence` counts up (higher binds tighter, 12 for `*`
/// down to 3 for `||`); the reference counts down (5 for `*`, 14 for `||`).
fn reference_precedence(op: BinaryOp) -> u8 {
    17 - op.precedence()
}

fn unary_op(rule: Rule) -> Option<UnaryOp> {
    Some(match rule {
        Rule::op_neg => UnaryOp::Neg,
        Rule::op_plus => UnaryOp::Plus,
        Rule::op_not => UnaryOp::Not,
        Rule::op_bitnot => UnaryOp::BitNot,
        _ => return None,
    })
}

struct Builder<'s> {
    src: &'s str,
    file: FileId,
    bad_strings: Vec<BadString>,
}

impl<'s> Builder<'s> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        Span::new(self.file, span.start(), span.end())
    }

    fn ident(&self, pair: &Pair<'_, Rule>) -> crate::ast::Ident {
        crate::ast::Ident {
            name: Sym::intern(pair.as_str()),
            span: self.span(pair),
        }
    }

    fn expr(&mut self, pair: Pair<'s, Rule>) -> Build<Expr> {
        let mut items = pair.into_inner().peekable();
        self.climb(&mut items, MAX_PRECEDENCE)
    }

    /// One operand, then every operator or suffix that binds tighter than
    /// `max_precedence` (the reference's `parse` + `parseInfix`).
    fn climb(
        &mut self,
        items: &mut std::iter::Peekable<Pairs<'s, Rule>>,
        max_precedence: u8,
    ) -> Build<Expr> {
        let first = items
            .next()
            .ok_or_else(|| Internal("empty expression".into()))?;
        let mut lhs = match unary_op(first.as_rule()) {
            Some(op) => {
                let operand = stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    self.climb(items, UNARY_PRECEDENCE)
                })?;
                let span = self.span(&first).to(operand.span);
                Expr {
                    kind: ExprKind::Unary {
                        op,
                        expr: Box::new(operand),
                    },
                    span,
                }
            }
            None => self.primary(first)?,
        };
        while let Some(next) = items.peek() {
            let rule = next.as_rule();
            let binary = binary_op(rule);
            let precedence = match (binary, rule) {
                (Some(op), _) => reference_precedence(op),
                (None, Rule::in_super) => reference_precedence(BinaryOp::In),
                (None, _) => APPLY_PRECEDENCE,
            };
            if precedence >= max_precedence {
                break;
            }
            let Some(op_pair) = items.next() else { break };
            lhs = match binary {
                Some(op) => {
                    let rhs = self.climb(items, precedence)?;
                    let span = lhs.span.to(rhs.span);
                    Expr {
                        kind: ExprKind::Binary {
                            op,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        span,
                    }
                }
                None => self.suffix(lhs, op_pair)?,
            };
        }
        Ok(lhs)
    }

    fn suffix(&mut self, lhs: Expr, pair: Pair<'s, Rule>) -> Build<Expr> {
        let start = lhs.span;
        let end = self.span(&pair);
        let span = start.to(end);
        let target = Box::new(lhs);
        let kind = match pair.as_rule() {
            Rule::field_access => {
                let name = self.ident(&next(&mut pair.into_inner(), "field name")?);
                ExprKind::Field { target, name }
            }
            Rule::index => return self.index(target, span, pair),
            Rule::call => {
                let mut args = Vec::new();
                let mut trailing_comma = false;
                for arg in pair.into_inner() {
                    match arg.as_rule() {
                        Rule::trailing_comma => trailing_comma = true,
                        Rule::arg => {
                            let mut parts: Vec<Pair<'s, Rule>> = arg.into_inner().collect();
                            let value = match parts.pop() {
                                Some(value) => self.expr(value)?,
                                None => return Err(Internal("empty argument".into())),
                            };
                            let name = parts.first().map(|name| self.ident(name));
                            args.push(Arg { name, value });
                        }
                        _ => return unexpected(&arg),
                    }
                }
                ExprKind::Apply {
                    target,
                    args,
                    trailing_comma,
                    tailstrict: false,
                }
            }
            Rule::tailstrict => {
                // `tailstrict` is not part of the call's span.
                let mut call = *target;
                match &mut call.kind {
                    ExprKind::Apply { tailstrict, .. } => *tailstrict = true,
                    _ => return unexpected(&pair),
                }
                return Ok(call);
            }
            Rule::apply_brace => {
                let object = next(&mut pair.into_inner(), "object")?;
                let object = self.primary(object)?;
                ExprKind::ApplyBrace {
                    target,
                    object: Box::new(object),
                }
            }
            Rule::in_super => ExprKind::InSuper { key: target },
            _ => return unexpected(&pair),
        };
        Ok(Expr { kind, span })
    }

    /// `target[…]`: an index or a slice.
    fn index(&mut self, target: Box<Expr>, span: Span, pair: Pair<'s, Rule>) -> Build<Expr> {
        let mut index = None;
        let (mut end, mut step) = (None, None);
        let mut is_slice = false;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::slice_start => {
                    index = Some(self.expr(next(&mut part.into_inner(), "index")?)?)
                }
                Rule::double_colon | Rule::colon => is_slice = true,
                Rule::slice_end => {
                    end = Some(Box::new(
                        self.expr(next(&mut part.into_inner(), "slice end")?)?,
                    ))
                }
                Rule::slice_step => {
                    step = Some(Box::new(
                        self.expr(next(&mut part.into_inner(), "slice step")?)?,
                    ))
                }
                _ => return unexpected(&part),
            }
        }
        let kind = if is_slice {
            ExprKind::Slice {
                target,
                start: index.map(Box::new),
                end,
                step,
            }
        } else {
            let index = index.ok_or_else(|| Internal("index without an expression".into()))?;
            ExprKind::Index {
                target,
                index: Box::new(index),
            }
        };
        Ok(Expr { kind, span })
    }

    fn primary(&mut self, pair: Pair<'s, Rule>) -> Build<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::ident => ExprKind::Var(self.ident(&pair)),
            Rule::number => match literal::number_value(pair.as_str()) {
                Some(value) => ExprKind::Num(value),
                None => return unexpected(&pair),
            },
            Rule::str_double
            | Rule::str_single
            | Rule::str_verbatim_double
            | Rule::str_verbatim_single
            | Rule::text_block => {
                let (value, style) = self.string(&pair);
                ExprKind::Str { value, style }
            }
            Rule::null_lit => ExprKind::Null,
            Rule::true_lit => ExprKind::True,
            Rule::false_lit => ExprKind::False,
            Rule::self_lit => ExprKind::SelfValue,
            Rule::dollar => ExprKind::Dollar,
            Rule::parens => ExprKind::Parens(Box::new(
                self.expr(next(&mut pair.into_inner(), "expression")?)?,
            )),
            Rule::object => self.object(pair)?,
            Rule::array => self.array(pair)?,
            Rule::super_field | Rule::super_index => {
                let is_field = pair.as_rule() == Rule::super_field;
                let mut inner = pair.into_inner();
                let keyword = next(&mut inner, "super")?;
                let operand = next(&mut inner, "super index")?;
                let kind = if is_field {
                    ExprKind::SuperField {
                        name: self.ident(&operand),
                    }
                } else {
                    ExprKind::SuperIndex {
                        index: Box::new(self.expr(operand)?),
                    }
                };
                // The reference locates `super.f` at `super`.
                return Ok(Expr {
                    kind,
                    span: self.span(&keyword),
                });
            }
            Rule::local_expr => {
                let mut binds = Vec::new();
                let mut body = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::kw_local => {}
                        Rule::bind => binds.push(self.bind(part)?),
                        Rule::expr => body = Some(self.expr(part)?),
                        _ => return unexpected(&part),
                    }
                }
                let body = Box::new(body.ok_or_else(|| Internal("local without a body".into()))?);
                ExprKind::Local { binds, body }
            }
            Rule::if_expr => {
                let mut exprs = Vec::with_capacity(3);
                for part in pair.into_inner() {
                    if part.as_rule() == Rule::expr {
                        exprs.push(self.expr(part)?);
                    }
                }
                let mut exprs = exprs.into_iter();
                let (Some(cond), Some(then)) = (exprs.next(), exprs.next()) else {
                    return Err(Internal("incomplete if".into()));
                };
                ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: exprs.next().map(Box::new),
                }
            }
            Rule::function_expr => {
                let mut params = Vec::new();
                let mut body = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::kw_function => {}
                        Rule::params => params = self.params(part)?,
                        Rule::expr => body = Some(self.expr(part)?),
                        _ => return unexpected(&part),
                    }
                }
                let body =
                    Box::new(body.ok_or_else(|| Internal("function without a body".into()))?);
                ExprKind::Function { params, body }
            }
            Rule::assert_expr => {
                let mut inner = pair.into_inner();
                let assert = self.assert_clause(next(&mut inner, "assertion")?)?;
                let rest = self.expr(next(&mut inner, "assert body")?)?;
                ExprKind::Assert {
                    assert: Box::new(assert),
                    rest: Box::new(rest),
                }
            }
            Rule::error_expr => {
                let mut inner = pair.into_inner();
                next(&mut inner, "error")?;
                ExprKind::Error {
                    message: Box::new(self.expr(next(&mut inner, "error message")?)?),
                }
            }
            Rule::import_expr => {
                let mut inner = pair.into_inner();
                let kind = match next(&mut inner, "import keyword")?.as_rule() {
                    Rule::import_code => ImportKind::Code,
                    Rule::import_str => ImportKind::Str,
                    _ => ImportKind::Bin,
                };
                let path = next(&mut inner, "import path")?;
                let path_span = self.span(&path);
                let (path, _) = self.string(&path);
                ExprKind::Import {
                    kind,
                    path,
                    path_span,
                }
            }
            _ => return unexpected(&pair),
        };
        Ok(Expr { kind, span })
    }

    /// A string literal's value and style. A bad escape is recorded, and the
    /// raw text stands in for the value.
    fn string(&mut self, pair: &Pair<'s, Rule>) -> (String, StrStyle) {
        let text = pair.as_str();
        let inner = |prefix: usize| &text[prefix..text.len() - 1];
        let (value, style) = match pair.as_rule() {
            Rule::str_double | Rule::str_single => {
                let style = if pair.as_rule() == Rule::str_double {
                    StrStyle::Double
                } else {
                    StrStyle::Single
                };
                match literal::unescape(inner(1)) {
                    Ok(value) => (value.into_owned(), style),
                    Err(message) => {
                        self.bad_strings.push(BadString {
                            span: self.span(pair),
                            message,
                        });
                        (inner(1).to_string(), style)
                    }
                }
            }
            Rule::str_verbatim_double => (
                literal::verbatim_value(inner(2), b'"').into_owned(),
                StrStyle::VerbatimDouble,
            ),
            Rule::str_verbatim_single => (
                literal::verbatim_value(inner(2), b'\'').into_owned(),
                StrStyle::VerbatimSingle,
            ),
            _ => {
                let start = pair.as_span().start();
                let value = scan_text_block(self.src.as_bytes(), start, true)
                    .map(|block| block.value)
                    .unwrap_or_default();
                let style = if text.starts_with("|||-") {
                    StrStyle::BlockChomped
                } else {
                    StrStyle::Block
                };
                (value, style)
            }
        };
        (value, style)
    }

    fn params(&mut self, pair: Pair<'s, Rule>) -> Build<Vec<Param>> {
        let mut params = Vec::new();
        for param in pair.into_inner() {
            let mut inner = param.into_inner();
            let name = self.ident(&next(&mut inner, "parameter name")?);
            let default = match inner.next() {
                Some(default) => Some(self.expr(default)?),
                None => None,
            };
            params.push(Param { name, default });
        }
        Ok(params)
    }

    fn bind(&mut self, pair: Pair<'s, Rule>) -> Build<Bind> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(&next(&mut inner, "bound name")?);
        let mut params = None;
        let mut value = None;
        for part in inner {
            match part.as_rule() {
                Rule::params => params = Some(self.params(part)?),
                Rule::expr => value = Some(self.expr(part)?),
                _ => return unexpected(&part),
            }
        }
        let value = value.ok_or_else(|| Internal("bind without a value".into()))?;
        Ok(Bind {
            name,
            params,
            value,
            span,
        })
    }

    fn assert_clause(&mut self, pair: Pair<'s, Rule>) -> Build<AssertClause> {
        let span = self.span(&pair);
        let mut exprs = Vec::with_capacity(2);
        for part in pair.into_inner() {
            if part.as_rule() == Rule::expr {
                exprs.push(self.expr(part)?);
            }
        }
        let mut exprs = exprs.into_iter();
        let cond = exprs
            .next()
            .ok_or_else(|| Internal("assert without a condition".into()))?;
        Ok(AssertClause {
            cond,
            message: exprs.next(),
            span,
        })
    }

    fn comp_specs(&mut self, pair: Pair<'s, Rule>) -> Build<Vec<CompSpec>> {
        let mut specs = Vec::new();
        for spec in pair.into_inner() {
            let span = self.span(&spec);
            let is_for = spec.as_rule() == Rule::for_spec;
            let mut var = None;
            let mut expr = None;
            for part in spec.into_inner() {
                match part.as_rule() {
                    Rule::ident => var = Some(self.ident(&part)),
                    Rule::expr => expr = Some(self.expr(part)?),
                    _ => {}
                }
            }
            let expr =
                expr.ok_or_else(|| Internal("comprehension clause without an expression".into()))?;
            specs.push(match (is_for, var) {
                (true, Some(var)) => CompSpec::For {
                    var,
                    iter: expr,
                    span,
                },
                _ => CompSpec::If { cond: expr, span },
            });
        }
        Ok(specs)
    }

    fn array(&mut self, pair: Pair<'s, Rule>) -> Build<ExprKind> {
        let mut elems = Vec::new();
        let mut specs = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::expr => elems.push(self.expr(part)?),
                Rule::comp_specs => specs = Some(self.comp_specs(part)?),
                _ => return unexpected(&part),
            }
        }
        Ok(match specs {
            Some(specs) => {
                let body = elems
                    .pop()
                    .ok_or_else(|| Internal("comprehension without a body".into()))?;
                ExprKind::ArrayComp {
                    body: Box::new(body),
                    specs,
                }
            }
            None => ExprKind::Array { elems },
        })
    }

    fn object(&mut self, pair: Pair<'s, Rule>) -> Build<ExprKind> {
        let mut members = Vec::new();
        let mut specs = None;
        for part in pair.into_inner() {
            let member = match part.as_rule() {
                Rule::object_local => {
                    let mut inner = part.into_inner();
                    next(&mut inner, "local")?;
                    Member::Local(self.bind(next(&mut inner, "bind")?)?)
                }
                Rule::assert_clause => Member::Assert(self.assert_clause(part)?),
                Rule::field => Member::Field(self.field(part)?),
                Rule::comp_specs => {
                    specs = Some(self.comp_specs(part)?);
                    continue;
                }
                _ => return unexpected(&part),
            };
            members.push(member);
        }
        Ok(match specs {
            Some(specs) => ExprKind::ObjectComp { members, specs },
            None => ExprKind::Object { members },
        })
    }

    fn field(&mut self, pair: Pair<'s, Rule>) -> Build<Field> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name_pair = next(&mut inner, "field name")?;
        let name = match name_pair.as_rule() {
            Rule::ident => FieldName::Ident(self.ident(&name_pair)),
            Rule::computed_name => {
                FieldName::Computed(self.expr(next(&mut name_pair.into_inner(), "field name")?)?)
            }
            _ => {
                let (value, style) = self.string(&name_pair);
                FieldName::Str {
                    value,
                    style,
                    span: self.span(&name_pair),
                }
            }
        };
        let mut params = None;
        let mut plus = false;
        let mut visibility = crate::ast::Visibility::Inherit;
        let mut value = None;
        for part in inner {
            match part.as_rule() {
                Rule::params => params = Some(self.params(part)?),
                Rule::field_op => {
                    let op = part.as_str();
                    plus = op.starts_with('+');
                    visibility = match op.trim_start_matches('+').len() {
                        1 => crate::ast::Visibility::Inherit,
                        2 => crate::ast::Visibility::Hidden,
                        _ => crate::ast::Visibility::Visible,
                    };
                }
                Rule::expr => value = Some(self.expr(part)?),
                _ => return unexpected(&part),
            }
        }
        let value = value.ok_or_else(|| Internal("field without a value".into()))?;
        Ok(Field {
            name,
            plus,
            visibility,
            params,
            value,
            span,
        })
    }
}
