//! The pest grammar (`grammar.pest`) and the tree builder: pairs to
//! [`crate::ast`].
//!
//! [`super::parse`] calls [`build`] once [`super::checker`] has accepted the
//! file, with the token string the checker recorded (see [`super::tokens`]).
//! A pest failure here is therefore a bug in kcfg, not in the input.
//!
//! Pairs span token indices; [`Builder::span`] turns them into byte spans
//! through the recorded tokens, and literal values are read from the source
//! text of their token.
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

use std::iter::Peekable;

use pest::iterators::{Pair, Pairs};
use pest::Parser as _;

use super::lexer::{scan_text_block, Token, TokenKind};
use super::literal;
use super::tokens::TokenString;
use crate::ast::{
    Arg, AssertClause, BinaryOp, Bind, CompSpec, Expr, ExprKind, Field, FieldName, Ident,
    ImportKind, Member, Param, StrStyle, UnaryOp, Visibility,
};
use crate::span::{FileId, Span};
use crate::sym::Sym;

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

/// Parses the token string of `src` with the pest grammar and builds the
/// tree.
pub(crate) fn build(src: &str, file: FileId, tokens: &TokenString) -> Build<Built> {
    let mut pairs =
        Grammar::parse(Rule::file, &tokens.chars).map_err(|err| Internal(err.to_string()))?;
    let mut inner = next(&mut pairs, "file")?.into_inner();
    let expr_pair = next(&mut inner, "file expression")?;
    let mut builder = Builder {
        src,
        file,
        tokens: &tokens.tokens,
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
        "unexpected {:?} at token {}",
        pair.as_rule(),
        pair.as_span().start()
    )))
}

/// The reference's precedences: lower binds tighter.
const APPLY_PRECEDENCE: u8 = 2;
const UNARY_PRECEDENCE: u8 = 4;
const MAX_PRECEDENCE: u8 = 15;

/// `ast::BinaryOp::precedence` counts up (higher binds tighter, 12 for `*`
/// down to 3 for `||`); the reference counts down (5 for `*`, 14 for `||`).
fn reference_precedence(op: BinaryOp) -> u8 {
    17 - op.precedence()
}

struct Builder<'s, 't> {
    src: &'s str,
    file: FileId,
    tokens: &'t [Token],
    bad_strings: Vec<BadString>,
}

impl<'s> Builder<'s, '_> {
    /// The first token of a pair.
    fn token(&self, pair: &Pair<'_, Rule>) -> Build<Token> {
        self.tokens
            .get(pair.as_span().start())
            .copied()
            .ok_or_else(|| Internal("token out of range".into()))
    }

    fn text(&self, token: Token) -> &'s str {
        &self.src[token.start as usize..token.end as usize]
    }

    /// The byte span from a pair's first token to its last.
    fn span(&self, pair: &Pair<'_, Rule>) -> Build<Span> {
        let span = pair.as_span();
        let first = self.tokens.get(span.start());
        let last = span
            .end()
            .checked_sub(1)
            .and_then(|last| self.tokens.get(last));
        match (first, last) {
            (Some(first), Some(last)) => Ok(Span::new(
                self.file,
                first.start as usize,
                last.end as usize,
            )),
            _ => Err(Internal("span out of range".into())),
        }
    }

    fn ident(&self, pair: &Pair<'_, Rule>) -> Build<Ident> {
        let token = self.token(pair)?;
        Ok(Ident {
            name: Sym::intern(self.text(token)),
            span: self.span(pair)?,
        })
    }

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Build<Expr> {
        let mut items = pair.into_inner().peekable();
        // Nesting is bounded by the checker; this keeps any thread's stack
        // large enough for it.
        crate::stack::with_stack(|| self.climb(&mut items, MAX_PRECEDENCE))
    }

    /// One operand, then every operator or suffix that binds tighter than
    /// `max_precedence` (the reference's `parse` + `parseInfix`).
    fn climb<'i>(
        &mut self,
        items: &mut Peekable<Pairs<'i, Rule>>,
        max_precedence: u8,
    ) -> Build<Expr> {
        let first = items
            .next()
            .ok_or_else(|| Internal("empty expression".into()))?;
        let mut lhs = if first.as_rule() == Rule::unary_op {
            let op = match self.text(self.token(&first)?) {
                "-" => UnaryOp::Neg,
                "+" => UnaryOp::Plus,
                "!" => UnaryOp::Not,
                _ => UnaryOp::BitNot,
            };
            let operand = crate::stack::with_stack(|| self.climb(items, UNARY_PRECEDENCE))?;
            let span = self.span(&first)?.to(operand.span);
            Expr {
                kind: ExprKind::Unary {
                    op,
                    expr: Box::new(operand),
                },
                span,
            }
        } else {
            self.primary(first)?
        };
        while let Some(next) = items.peek() {
            let binary = match next.as_rule() {
                Rule::binary_op => Some(self.binary_op(next)?),
                _ => None,
            };
            let precedence = match (binary, next.as_rule()) {
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

    fn binary_op(&self, pair: &Pair<'_, Rule>) -> Build<BinaryOp> {
        let token = self.token(pair)?;
        if token.kind == TokenKind::In {
            return Ok(BinaryOp::In);
        }
        Ok(match self.text(token) {
            "*" => BinaryOp::Mul,
            "/" => BinaryOp::Div,
            "%" => BinaryOp::Mod,
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Sub,
            "<<" => BinaryOp::Shl,
            ">>" => BinaryOp::Shr,
            "<" => BinaryOp::Lt,
            "<=" => BinaryOp::Le,
            ">" => BinaryOp::Gt,
            ">=" => BinaryOp::Ge,
            "==" => BinaryOp::Eq,
            "!=" => BinaryOp::Ne,
            "&" => BinaryOp::BitAnd,
            "^" => BinaryOp::BitXor,
            "|" => BinaryOp::BitOr,
            "&&" => BinaryOp::And,
            "||" => BinaryOp::Or,
            _ => return unexpected(pair),
        })
    }

    fn suffix(&mut self, lhs: Expr, pair: Pair<'_, Rule>) -> Build<Expr> {
        let span = lhs.span.to(self.span(&pair)?);
        let target = Box::new(lhs);
        let kind = match pair.as_rule() {
            Rule::field_access => ExprKind::Field {
                target,
                name: self.ident(&pair)?,
            },
            Rule::index => return self.index(target, span, pair),
            Rule::call => {
                let mut args = Vec::new();
                let mut trailing_comma = false;
                for arg in pair.into_inner() {
                    match arg.as_rule() {
                        Rule::trailing_comma => trailing_comma = true,
                        Rule::arg => {
                            let mut name = None;
                            let mut value = None;
                            for part in arg.into_inner() {
                                match part.as_rule() {
                                    Rule::ident => name = Some(self.ident(&part)?),
                                    _ => value = Some(self.expr(part)?),
                                }
                            }
                            let value = value.ok_or_else(|| Internal("empty argument".into()))?;
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
                // The pair starts after `{`.
                let open = self.token_before(&pair)?;
                let object = self.object(pair)?;
                let object_span = Span::new(self.file, open.start as usize, span.end as usize);
                ExprKind::ApplyBrace {
                    target,
                    object: Box::new(Expr {
                        kind: object,
                        span: object_span,
                    }),
                }
            }
            Rule::in_super => ExprKind::InSuper { key: target },
            _ => return unexpected(&pair),
        };
        Ok(Expr { kind, span })
    }

    /// The token just before a pair (the opening token of a suffix).
    fn token_before(&self, pair: &Pair<'_, Rule>) -> Build<Token> {
        let start = pair.as_span().start();
        start
            .checked_sub(1)
            .and_then(|index| self.tokens.get(index))
            .copied()
            .ok_or_else(|| Internal("no opening token".into()))
    }

    /// `target[…]`: an index or a slice.
    fn index(&mut self, target: Box<Expr>, span: Span, pair: Pair<'_, Rule>) -> Build<Expr> {
        let mut index = None;
        let (mut end, mut step) = (None, None);
        let mut is_slice = false;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::slice_start => index = Some(self.inner_expr(part)?),
                Rule::slice_double | Rule::slice_single => {
                    is_slice = true;
                    for piece in part.into_inner() {
                        match piece.as_rule() {
                            Rule::slice_end => end = Some(Box::new(self.inner_expr(piece)?)),
                            Rule::slice_step => step = Some(Box::new(self.inner_expr(piece)?)),
                            Rule::colon_string => {}
                            _ => return unexpected(&piece),
                        }
                    }
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

    /// The one expression inside a wrapper pair.
    fn inner_expr(&mut self, pair: Pair<'_, Rule>) -> Build<Expr> {
        let expr = next(&mut pair.into_inner(), "expression")?;
        self.expr(expr)
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Build<Expr> {
        let span = self.span(&pair)?;
        let kind = match pair.as_rule() {
            Rule::atom => {
                let token = self.token(&pair)?;
                match token.kind {
                    TokenKind::Identifier => ExprKind::Var(self.ident(&pair)?),
                    TokenKind::Number => match literal::number_value(self.text(token)) {
                        Some(value) => ExprKind::Num(value),
                        None => return unexpected(&pair),
                    },
                    TokenKind::Null => ExprKind::Null,
                    TokenKind::True => ExprKind::True,
                    TokenKind::False => ExprKind::False,
                    TokenKind::SelfKw => ExprKind::SelfValue,
                    TokenKind::Dollar => ExprKind::Dollar,
                    _ => {
                        let (value, style) = self.string(token);
                        ExprKind::Str { value, style }
                    }
                }
            }
            Rule::parens => ExprKind::Parens(Box::new(self.inner_expr(pair)?)),
            Rule::object => self.object(pair)?,
            Rule::array => self.array(pair)?,
            Rule::super_access => {
                let super_span = Span::new(
                    self.file,
                    span.start as usize,
                    (span.start + "super".len() as u32) as usize,
                );
                let operand = next(&mut pair.into_inner(), "super index")?;
                let kind = match operand.as_rule() {
                    Rule::ident => ExprKind::SuperField {
                        name: self.ident(&operand)?,
                    },
                    _ => ExprKind::SuperIndex {
                        index: Box::new(self.expr(operand)?),
                    },
                };
                // The reference locates `super.f` at `super`.
                return Ok(Expr {
                    kind,
                    span: super_span,
                });
            }
            Rule::local_expr => {
                let mut binds = Vec::new();
                let mut body = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::bind => binds.push(self.bind(part)?),
                        _ => body = Some(self.expr(part)?),
                    }
                }
                let body = Box::new(body.ok_or_else(|| Internal("local without a body".into()))?);
                ExprKind::Local { binds, body }
            }
            Rule::if_expr => {
                let mut exprs = pair.into_inner();
                let cond = self.expr(next(&mut exprs, "condition")?)?;
                let then = self.expr(next(&mut exprs, "then branch")?)?;
                let otherwise = match exprs.next() {
                    Some(otherwise) => Some(Box::new(self.expr(otherwise)?)),
                    None => None,
                };
                ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise,
                }
            }
            Rule::function_expr => {
                let mut inner = pair.into_inner();
                let params = self.params(next(&mut inner, "parameters")?)?;
                let body = Box::new(self.expr(next(&mut inner, "function body")?)?);
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
            Rule::error_expr => ExprKind::Error {
                message: Box::new(self.inner_expr(pair)?),
            },
            Rule::import_expr => {
                let mut inner = pair.into_inner();
                let kind = match self.token(&next(&mut inner, "import keyword")?)?.kind {
                    TokenKind::Import => ImportKind::Code,
                    TokenKind::Importstr => ImportKind::Str,
                    _ => ImportKind::Bin,
                };
                let path = next(&mut inner, "import path")?;
                let path_span = self.span(&path)?;
                let (path, _) = self.string(self.token(&path)?);
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
    fn string(&mut self, token: Token) -> (String, StrStyle) {
        let text = self.text(token);
        let inner = |prefix: usize| {
            text.get(prefix..text.len().saturating_sub(1))
                .unwrap_or_default()
        };
        match token.kind {
            TokenKind::StringDouble | TokenKind::StringSingle => {
                let style = if token.kind == TokenKind::StringDouble {
                    StrStyle::Double
                } else {
                    StrStyle::Single
                };
                match literal::unescape(inner(1)) {
                    Ok(value) => (value.into_owned(), style),
                    Err(message) => {
                        let span = Span::new(self.file, token.start as usize, token.end as usize);
                        self.bad_strings.push(BadString { span, message });
                        (inner(1).to_string(), style)
                    }
                }
            }
            TokenKind::VerbatimDouble => (
                literal::verbatim_value(inner(2), b'"').into_owned(),
                StrStyle::VerbatimDouble,
            ),
            TokenKind::VerbatimSingle => (
                literal::verbatim_value(inner(2), b'\'').into_owned(),
                StrStyle::VerbatimSingle,
            ),
            _ => {
                let value = scan_text_block(self.src.as_bytes(), token.start as usize, true)
                    .map(|block| block.value)
                    .unwrap_or_default();
                let style = if text.starts_with("|||-") {
                    StrStyle::BlockChomped
                } else {
                    StrStyle::Block
                };
                (value, style)
            }
        }
    }

    fn params(&mut self, pair: Pair<'_, Rule>) -> Build<Vec<Param>> {
        let mut params = Vec::new();
        for param in pair.into_inner() {
            let mut inner = param.into_inner();
            let name = self.ident(&next(&mut inner, "parameter name")?)?;
            let default = match inner.next() {
                Some(default) => Some(self.expr(default)?),
                None => None,
            };
            params.push(Param { name, default });
        }
        Ok(params)
    }

    fn bind(&mut self, pair: Pair<'_, Rule>) -> Build<Bind> {
        let span = self.span(&pair)?;
        let mut inner = pair.into_inner();
        let name = self.ident(&next(&mut inner, "bound name")?)?;
        let mut params = None;
        let mut value = None;
        for part in inner {
            match part.as_rule() {
                Rule::params => params = Some(self.params(part)?),
                _ => value = Some(self.expr(part)?),
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

    fn assert_clause(&mut self, pair: Pair<'_, Rule>) -> Build<AssertClause> {
        let span = self.span(&pair)?;
        let mut exprs = pair.into_inner();
        let cond = self.expr(next(&mut exprs, "assert condition")?)?;
        let message = match exprs.next() {
            Some(message) => Some(self.expr(message)?),
            None => None,
        };
        Ok(AssertClause {
            cond,
            message,
            span,
        })
    }

    fn comp_specs(&mut self, pair: Pair<'_, Rule>) -> Build<Vec<CompSpec>> {
        let mut specs = Vec::new();
        for spec in pair.into_inner() {
            let span = self.span(&spec)?;
            let is_for = spec.as_rule() == Rule::for_spec;
            let mut inner = spec.into_inner();
            specs.push(if is_for {
                let var = self.ident(&next(&mut inner, "loop variable")?)?;
                let iter = self.expr(next(&mut inner, "iterated expression")?)?;
                CompSpec::For { var, iter, span }
            } else {
                CompSpec::If {
                    cond: self.expr(next(&mut inner, "condition")?)?,
                    span,
                }
            });
        }
        Ok(specs)
    }

    fn array(&mut self, pair: Pair<'_, Rule>) -> Build<ExprKind> {
        let mut elems = Vec::new();
        let mut specs = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::comp_specs => specs = Some(self.comp_specs(part)?),
                _ => elems.push(self.expr(part)?),
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

    /// The members of `object` or `apply_brace`.
    fn object(&mut self, pair: Pair<'_, Rule>) -> Build<ExprKind> {
        let mut members = Vec::new();
        let mut specs = None;
        for part in pair.into_inner() {
            let member = match part.as_rule() {
                Rule::object_local => {
                    Member::Local(self.bind(next(&mut part.into_inner(), "bind")?)?)
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

    fn field(&mut self, pair: Pair<'_, Rule>) -> Build<Field> {
        let span = self.span(&pair)?;
        let mut inner = pair.into_inner();
        let name_pair = next(&mut inner, "field name")?;
        let name = match name_pair.as_rule() {
            Rule::ident => FieldName::Ident(self.ident(&name_pair)?),
            Rule::computed_name => FieldName::Computed(self.inner_expr(name_pair)?),
            _ => {
                let token = self.token(&name_pair)?;
                let (value, style) = self.string(token);
                FieldName::Str {
                    value,
                    style,
                    span: self.span(&name_pair)?,
                }
            }
        };
        let mut params = None;
        let mut plus = false;
        let mut visibility = Visibility::Inherit;
        let mut value = None;
        for part in inner {
            match part.as_rule() {
                Rule::params => params = Some(self.params(part)?),
                Rule::field_op => {
                    let op = self.text(self.token(&part)?);
                    plus = op.starts_with('+');
                    visibility = match op.trim_start_matches('+') {
                        ":" => Visibility::Inherit,
                        "::" => Visibility::Hidden,
                        _ => Visibility::Visible,
                    };
                }
                _ => value = Some(self.expr(part)?),
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
