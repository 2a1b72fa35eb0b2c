//! The parser: tokens of [`super::lexer`] to the tree of [`crate::ast`],
//! with the reference parser's judgement of what is well-formed.
//!
//! It is the same recursive descent as the reference parser (google/jsonnet
//! `core/parser.cpp`, v0.22): the same functions, the same order of checks,
//! the same messages and locations, and the same depth counter, so that a
//! file the reference rejects is rejected here with the error the reference
//! reports, at the same token. The conformance suite compares the first line
//! of every error, and a generic parser (a PEG, say) would fail at the
//! furthest position it reached with a list of expected rules instead.
//!
//! **Depth.** The reference stops with `Exceeded maximum parse depth limit.`
//! once its recursion is 1000 calls deep. Each of its parsing functions
//! (`parse`, `maybeParseGreedy`, `parseTerminalBracketsOrUnary`,
//! `parseInfix`, `parseObjectRemainder`, `parseComprehensionSpecs`) checks
//! the depth it is called with, and each call into a sub-expression passes
//! one more; the functions here do the same, so the error appears at the
//! same token. A nested array costs two levels (`[`×500 fails at the 500th
//! element), an object field three, a unary operator two. Recursion is
//! therefore bounded whatever the input, and [`Parser::parse`] grows the
//! native stack when a thread's is small.
//!
//! **Spans** are the reference's: a node runs from its first token to the
//! end of its last sub-expression, except that `super.f` and `super[e]`
//! span only `super`, and a call stops at `)`, before `tailstrict`.
//!
//! **Rules** that are not about shape (duplicate locals, `+:` on a method,
//! computed imports, …) are in [`super::rules`]; they are applied where the
//! reference applies them, so that when a file breaks several, the one
//! reported is the reference's.
//!
//! **Strings** are resolved here. A string with a bad escape is not an error
//! yet: the reference resolves escapes after parsing, so a syntax error later
//! in the file wins, and [`super::order`] picks which bad string to report.
//!
//! Lexing errors win over syntax errors, because the reference lexes the
//! whole file first: on a syntax error the rest of the file is lexed, and a
//! lexing error found there is reported instead.
//!
//! **Recovery** (issue 17). The language server needs a tree of a file that
//! does not parse yet. With `recover`, each place that would return an
//! error records it ([`Parser::fail`]) and goes on: a missing expression
//! becomes [`ExprKind::Missing`] (an empty span at the token where it was
//! expected), a missing closing bracket, comma, `;`, `=` or `:` is taken as
//! written (the unexpected token is left for the construct around, which
//! may close on it), a token that can start nothing is skipped, and after a
//! lexing error the rest of the file is an end of file. Until the first
//! error both modes take the same steps, so the first error recorded is the
//! one the strict mode returns, except that the strict mode lets a later
//! lexing error win. All of this happens on the error paths: the strict
//! mode (the evaluator's and the CLI's) runs the code it ran before.

use std::borrow::Cow;
use std::collections::HashSet;

use super::lexer::{scan_text_block, LexError, Lexer, Token, TokenKind};
use super::literal;
use super::rules::{self, MemberShape, Node, Shape};
use super::{Hint, SyntaxError};
use crate::ast::{
    Arg, AssertClause, BinaryOp, Bind, Comment, CompSpec, Expr, ExprKind, Field, FieldName, Ident,
    ImportKind, Member, Param, StrStyle, UnaryOp,
};
use crate::span::{FileId, Span};
use crate::sym::Sym;

/// The reference's `MAX_PARSER_DEPTH`.
const MAX_PARSER_DEPTH: u32 = 1000;
/// Precedences as the reference numbers them: lower binds tighter.
const APPLY_PRECEDENCE: u8 = 2;
const UNARY_PRECEDENCE: u8 = 4;
const MAX_PRECEDENCE: u8 = 15;

/// Diagnostic codes of the parser.
pub(crate) mod codes {
    pub(crate) const UNEXPECTED_TOKEN: &str = "kcfg::syntax::unexpected_token";
    pub(crate) const UNEXPECTED_EOF: &str = "kcfg::syntax::unexpected_eof";
    pub(crate) const EXPECTED_COMMA: &str = "kcfg::syntax::expected_comma";
    pub(crate) const DEPTH_LIMIT: &str = "kcfg::syntax::depth_limit";
    pub(crate) const UNKNOWN_OPERATOR: &str = "kcfg::syntax::unknown_operator";
    pub(crate) const BAD_NUMBER: &str = "kcfg::syntax::bad_number";
}

/// A string literal whose escapes are wrong: where, and the reference's
/// message. Reported only if no syntax error comes first (see
/// [`super::order`]).
pub(crate) struct BadString {
    pub(crate) span: Span,
    pub(crate) message: String,
}

/// A well-formed file: its tree, its comments, and the string literals with
/// bad escapes.
pub(crate) struct Parsed {
    pub(crate) expr: Expr,
    pub(crate) tokens: Vec<Token>,
    pub(crate) comments: Vec<Comment>,
    pub(crate) bad_strings: Vec<BadString>,
}

/// Why parsing stopped.
pub(crate) enum Failure {
    Lex(LexError),
    Syntax(SyntaxError),
}

impl From<LexError> for Failure {
    fn from(err: LexError) -> Failure {
        Failure::Lex(err)
    }
}

impl From<SyntaxError> for Failure {
    fn from(err: SyntaxError) -> Failure {
        Failure::Syntax(err)
    }
}

type Parse<T> = Result<T, Failure>;

impl Failure {
    /// The failure as a syntax error (a lexing error is at one offset).
    pub(crate) fn into_syntax_error(self) -> SyntaxError {
        match self {
            Failure::Syntax(err) => err,
            Failure::Lex(err) => SyntaxError {
                start: err.offset,
                end: err.offset,
                code: err.code,
                message: err.message,
                hint: None,
            },
        }
    }
}

/// A tree of any file, and the errors met on the way (see "Recovery" above).
pub(crate) struct Recovered {
    pub(crate) parsed: Parsed,
    pub(crate) errors: Vec<SyntaxError>,
}

fn new_parser(src: &str, file: FileId, record_tokens: bool, recover: bool) -> Parser<'_> {
    let lexer = Lexer::new(src, file);
    Parser {
        src: lexer.source(),
        lexer,
        file,
        ahead: [None, None],
        bad_strings: Vec::new(),
        tokens: Vec::new(),
        record_tokens,
        memory: crate::stack::MemoryPoll::default(),
        recover,
        errors: Vec::new(),
    }
}

/// Parses `src` in recovering mode, keeping every token. Fails only on
/// what stops any parse (the depth limit, the native stack, memory), with
/// the errors recorded before.
pub(crate) fn parse_recovering(
    src: &str,
    file: FileId,
) -> Result<Recovered, (Failure, Vec<SyntaxError>)> {
    let mut parser = new_parser(src, file, true, true);
    let expr = match parser.file() {
        Ok(expr) => expr,
        Err(failure) => return Err((failure, parser.errors)),
    };
    Ok(Recovered {
        parsed: Parsed {
            expr,
            tokens: parser.tokens,
            comments: parser.lexer.take_comments(),
            bad_strings: parser.bad_strings,
        },
        errors: parser.errors,
    })
}

/// Parses `src` as the reference would; with `record_tokens`, keeps every
/// token in [`Parsed::tokens`].
pub(crate) fn parse(src: &str, file: FileId, record_tokens: bool) -> Result<Parsed, Failure> {
    let mut parser = new_parser(src, file, record_tokens, false);
    match parser.file() {
        Ok(expr) => Ok(Parsed {
            expr,
            tokens: parser.tokens,
            comments: parser.lexer.take_comments(),
            bad_strings: parser.bad_strings,
        }),
        Err(Failure::Syntax(err)) => {
            // The reference would have lexed the rest of the file first.
            loop {
                match parser.lexer.next_token() {
                    Ok(token) if token.kind == TokenKind::EndOfFile => {
                        return Err(Failure::Syntax(err))
                    }
                    Ok(_) => {}
                    Err(lex_error) => return Err(Failure::Lex(lex_error)),
                }
            }
        }
        Err(lex_error) => Err(lex_error),
    }
}

struct Parser<'s> {
    lexer: Lexer<'s>,
    /// The text the lexer reads (the file up to its first NUL byte).
    src: &'s str,
    file: FileId,
    /// Up to two tokens of lookahead (`peek` and the reference's
    /// `doublePeek`).
    ahead: [Option<Token>; 2],
    bad_strings: Vec<BadString>,
    /// Every token popped so far, in order: the lossless record of the
    /// file's layout (see [`crate::ast::SourceTree::tokens`]).
    tokens: Vec<Token>,
    /// Whether to keep `tokens` (not for the evaluator, which needs no layout).
    record_tokens: bool,
    memory: crate::stack::MemoryPoll,
    /// Whether errors are recorded in `errors` and parsing goes on.
    recover: bool,
    errors: Vec<SyntaxError>,
}

/// Whether a token can begin an expression (or an object member), so that
/// recovery may take a missing comma before it rather than close the list.
fn starts_expression(token: Token, text: &str) -> bool {
    match token.kind {
        TokenKind::BraceR
        | TokenKind::BracketR
        | TokenKind::ParenR
        | TokenKind::Comma
        | TokenKind::Semicolon
        | TokenKind::Dot
        | TokenKind::Then
        | TokenKind::Else
        | TokenKind::In
        | TokenKind::For
        | TokenKind::Tailstrict
        | TokenKind::EndOfFile => false,
        TokenKind::Operator => unary_op(text).is_some(),
        _ => true,
    }
}

/// Whether a token ends or separates something, so that recovery leaves it
/// for the construct around rather than skipping it.
fn is_closing(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::BraceR
            | TokenKind::BracketR
            | TokenKind::ParenR
            | TokenKind::Comma
            | TokenKind::Semicolon
            | TokenKind::Then
            | TokenKind::Else
            | TokenKind::EndOfFile
    )
}

/// A binary operator's token as an operator, if it is one.
fn binary_op(op: &str) -> Option<BinaryOp> {
    Some(match op {
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
        "in" => BinaryOp::In,
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        "&" => BinaryOp::BitAnd,
        "^" => BinaryOp::BitXor,
        "|" => BinaryOp::BitOr,
        "&&" => BinaryOp::And,
        "||" => BinaryOp::Or,
        _ => return None,
    })
}

/// `ast::BinaryOp::precedence` counts up (higher binds tighter, 12 for `*`
/// down to 3 for `||`); the reference counts down (5 for `*`, 14 for `||`).
fn reference_precedence(op: BinaryOp) -> u8 {
    17 - op.precedence()
}

fn unary_op(op: &str) -> Option<UnaryOp> {
    Some(match op {
        "-" => UnaryOp::Neg,
        "+" => UnaryOp::Plus,
        "!" => UnaryOp::Not,
        "~" => UnaryOp::BitNot,
        _ => return None,
    })
}

/// What the rules need to know of an expression.
fn node(expr: &Expr) -> Node {
    let shape = match &expr.kind {
        ExprKind::Var(_) => Shape::Var,
        ExprKind::Str { style, .. } => Shape::Str {
            block: matches!(style, StrStyle::Block | StrStyle::BlockChomped),
        },
        _ => Shape::Other,
    };
    Node {
        shape,
        start: expr.span.start,
        end: expr.span.end,
    }
}

fn error(token: Token, code: &'static str, message: impl Into<String>) -> Failure {
    Failure::Syntax(SyntaxError {
        start: token.start,
        end: token.end,
        code,
        message: message.into(),
        hint: None,
    })
}

/// The reference's `unexpected(tok, while_)`: it names the token's kind.
fn unexpected(token: Token, while_: &str) -> Failure {
    error(
        token,
        codes::UNEXPECTED_TOKEN,
        format!("unexpected: {} while {while_}", token.kind),
    )
}

/// Parsed arguments (or parameters, before they are checked): an optional
/// name and a value each.
type Args = Vec<(Option<Ident>, Expr)>;

impl<'s> Parser<'s> {
    fn peek(&mut self) -> Parse<Token> {
        if let Some(token) = self.ahead[0] {
            return Ok(token);
        }
        let token = match self.lexer.next_token() {
            Ok(token) => token,
            Err(err) => self.lex_failed(err)?,
        };
        self.ahead[0] = Some(token);
        Ok(token)
    }

    fn double_peek(&mut self) -> Parse<Token> {
        self.peek()?;
        if let Some(token) = self.ahead[1] {
            return Ok(token);
        }
        let token = match self.lexer.next_token() {
            Ok(token) => token,
            Err(err) => self.lex_failed(err)?,
        };
        self.ahead[1] = Some(token);
        Ok(token)
    }

    /// A lexing error: fatal, or when recovering, recorded, and the rest of
    /// the file is an end of file at the error.
    #[cold]
    fn lex_failed(&mut self, err: LexError) -> Parse<Token> {
        let offset = err.offset;
        self.fail(Failure::Lex(err))?;
        self.lexer.stop();
        Ok(Token {
            kind: TokenKind::EndOfFile,
            start: offset,
            end: offset,
        })
    }

    /// Returns `failure`, or when recovering, records it (once per offset)
    /// so that the caller goes on.
    #[cold]
    fn fail(&mut self, failure: Failure) -> Parse<()> {
        if !self.recover {
            return Err(failure);
        }
        let err = failure.into_syntax_error();
        if self
            .errors
            .last()
            .is_none_or(|last| last.start != err.start)
        {
            self.errors.push(err);
        }
        Ok(())
    }

    /// A rule's verdict, as [`Parser::fail`] treats errors.
    #[inline(always)]
    fn rule(&mut self, verdict: Result<(), SyntaxError>) -> Parse<()> {
        match verdict {
            Ok(()) => Ok(()),
            Err(err) => self.fail(Failure::Syntax(err)),
        }
    }

    /// Puts back the token just popped (recovery leaves it for the
    /// construct around).
    #[cold]
    fn unpop(&mut self, token: Token) {
        self.ahead = [Some(token), self.ahead[0]];
        if self.record_tokens {
            self.tokens.pop();
        }
    }

    /// The expression recovery puts where one is missing, at `token`.
    fn missing(&self, token: Token) -> Expr {
        Expr {
            kind: ExprKind::Missing,
            span: self.span(token.start, token.start),
        }
    }

    /// A token of `kind` that recovery takes as written, empty, before `at`.
    fn assumed(kind: TokenKind, at: Token) -> Token {
        Token {
            kind,
            start: at.start,
            end: at.start,
        }
    }

    // `pop` and `enter` run for every token and every level: the recovery
    // code of issue 17 made the functions that call them larger, and the
    // compiler stopped inlining them (2% more instructions in parsing
    // kube-prometheus), so they are inlined by hand.
    #[inline(always)]
    fn pop(&mut self) -> Parse<Token> {
        let token = self.peek()?;
        self.ahead = [self.ahead[1], None];
        if self.record_tokens {
            self.tokens.push(token);
        }
        Ok(token)
    }

    fn data(&self, token: Token) -> Cow<'s, str> {
        self.lexer.data(token)
    }

    fn text(&self, token: Token) -> &'s str {
        &self.src[token.start as usize..token.end as usize]
    }

    fn span(&self, start: u32, end: u32) -> Span {
        Span::new(self.file, start as usize, end as usize)
    }

    fn token_span(&self, token: Token) -> Span {
        self.span(token.start, token.end)
    }

    /// An expression from `first` to the end of `last`.
    fn spanning(&self, kind: ExprKind, first: Token, last: Span) -> Expr {
        Expr {
            kind,
            span: self.span(first.start, last.end),
        }
    }

    fn ident(&self, token: Token) -> Ident {
        Ident {
            name: Sym::intern(self.text(token)),
            span: self.token_span(token),
        }
    }

    fn peek_is_op(&mut self, op: &str) -> Parse<bool> {
        let token = self.peek()?;
        Ok(token.kind == TokenKind::Operator && self.data(token) == op)
    }

    fn expect(&mut self, kind: TokenKind) -> Parse<Token> {
        let token = self.pop()?;
        if token.kind != kind {
            return self.expected(kind, token);
        }
        Ok(token)
    }

    /// `expect` met `token` instead of `kind`: an error, or when recovering,
    /// an empty `kind` before `token`, which is put back.
    #[cold]
    fn expected(&mut self, kind: TokenKind, token: Token) -> Parse<Token> {
        let got = self.lexer.describe(token);
        self.fail(error(
            token,
            codes::UNEXPECTED_TOKEN,
            format!("expected token {kind} but got {got}"),
        ))?;
        self.unpop(token);
        Ok(Self::assumed(kind, token))
    }

    fn expect_op(&mut self, op: &str) -> Parse<Token> {
        let token = self.expect(TokenKind::Operator)?;
        let data = self.data(token);
        if data != op {
            self.fail(error(
                token,
                codes::UNEXPECTED_TOKEN,
                format!("expected operator {op} but got {data}"),
            ))?;
            // An empty token was assumed, or the wrong operator is read as
            // the right one.
        }
        Ok(token)
    }

    /// Every parsing function starts here, with the depth it was called at.
    #[inline(always)]
    fn enter(&mut self, depth: u32) -> Parse<()> {
        if depth >= MAX_PARSER_DEPTH {
            return self.too_deep();
        }
        Ok(())
    }

    /// The reference's error at the depth limit.
    #[cold]
    fn too_deep(&mut self) -> Parse<()> {
        let token = self.peek()?;
        Err(error(
            token,
            codes::DEPTH_LIMIT,
            "Exceeded maximum parse depth limit.",
        ))
    }

    fn file(&mut self) -> Parse<Expr> {
        let expr = self.parse(MAX_PRECEDENCE, 0)?;
        let token = self.peek()?;
        if token.kind != TokenKind::EndOfFile {
            let got = self.lexer.describe(token);
            self.fail(error(
                token,
                codes::UNEXPECTED_TOKEN,
                format!("did not expect: {got}"),
            ))?;
            // Recovering: the rest is skipped.
            while self.pop()?.kind != TokenKind::EndOfFile {}
        }
        Ok(expr)
    }

    /// An expression whose binary operators bind tighter than `max_precedence`.
    fn parse(&mut self, max_precedence: u8, depth: u32) -> Parse<Expr> {
        self.enter(depth)?;
        if let Some(limit) = self.memory.exceeded() {
            let token = self.peek()?;
            return Err(error(
                token,
                super::codes::OUT_OF_MEMORY,
                super::out_of_memory_message(limit),
            ));
        }
        // At most 1000 levels deep, but a thread's stack may be small.
        match crate::stack::with_stack(|| self.parse_at(max_precedence, depth)) {
            Ok(parsed) => parsed,
            Err(_) => {
                let token = self.peek()?;
                Err(error(
                    token,
                    super::codes::NATIVE_STACK,
                    super::NATIVE_STACK_MESSAGE,
                ))
            }
        }
    }

    fn parse_at(&mut self, max_precedence: u8, depth: u32) -> Parse<Expr> {
        if let Some(greedy) = self.maybe_greedy(depth + 1)? {
            // `local`, `if`, `function`, … extend as far right as they can,
            // so no operator can follow them.
            return Ok(greedy);
        }
        let lhs = self.terminal(depth + 1)?;
        self.infix(lhs, max_precedence, depth + 1)
    }

    /// A whole expression, as every sub-expression but an operand is.
    fn expr(&mut self, depth: u32) -> Parse<Expr> {
        self.parse(MAX_PRECEDENCE, depth)
    }

    fn maybe_greedy(&mut self, depth: u32) -> Parse<Option<Expr>> {
        self.enter(depth)?;
        let begin = self.peek()?;
        // Each form ends with the sub-expression that ends its span.
        let (kind, last) = match begin.kind {
            TokenKind::Assert => {
                self.pop()?;
                let assert = self.assert_clause(begin, depth)?;
                self.expect(TokenKind::Semicolon)?;
                let rest = self.expr(depth + 1)?;
                let last = rest.span;
                let kind = ExprKind::Assert {
                    assert: Box::new(assert),
                    rest: Box::new(rest),
                };
                (kind, last)
            }
            TokenKind::Error => {
                self.pop()?;
                let message = self.expr(depth + 1)?;
                let last = message.span;
                let kind = ExprKind::Error {
                    message: Box::new(message),
                };
                (kind, last)
            }
            TokenKind::If => {
                self.pop()?;
                let cond = self.expr(depth + 1)?;
                self.expect(TokenKind::Then)?;
                let then = self.expr(depth + 1)?;
                let otherwise = if self.peek()?.kind == TokenKind::Else {
                    self.pop()?;
                    Some(Box::new(self.expr(depth + 1)?))
                } else {
                    None
                };
                let last = otherwise
                    .as_ref()
                    .map_or(then.span, |otherwise| otherwise.span);
                let kind = ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise,
                };
                (kind, last)
            }
            TokenKind::Function => {
                self.pop()?;
                let paren = self.pop()?;
                let params = if paren.kind != TokenKind::ParenL {
                    let got = self.lexer.describe(paren);
                    self.fail(error(
                        paren,
                        codes::UNEXPECTED_TOKEN,
                        format!("expected ( but got {got}"),
                    ))?;
                    self.unpop(paren);
                    Vec::new()
                } else {
                    self.params("function parameter", depth)?
                };
                let body = self.expr(depth + 1)?;
                let last = body.span;
                let kind = ExprKind::Function {
                    params,
                    body: Box::new(body),
                };
                (kind, last)
            }
            TokenKind::Import | TokenKind::Importstr | TokenKind::Importbin => {
                self.pop()?;
                let mut path = self.expr(depth + 1)?;
                let verdict = rules::import_path(node(&path));
                self.rule(verdict)?;
                let kind = match begin.kind {
                    TokenKind::Import => ImportKind::Code,
                    TokenKind::Importstr => ImportKind::Str,
                    _ => ImportKind::Bin,
                };
                let path_span = path.span;
                // Not a string only when recovering: the path is then empty.
                let path = match &mut path.kind {
                    ExprKind::Str { value, .. } => std::mem::take(value),
                    _ => String::new(),
                };
                let kind = ExprKind::Import {
                    kind,
                    path,
                    path_span,
                };
                (kind, path_span)
            }
            TokenKind::Local => {
                self.pop()?;
                let mut bound = HashSet::new();
                let mut binds = Vec::new();
                loop {
                    let (bind, delim) = self.bind(&mut bound, depth + 1)?;
                    binds.push(bind);
                    match delim.kind {
                        TokenKind::Semicolon => break,
                        TokenKind::Comma => {}
                        _ if self.recover => {
                            let got = self.lexer.describe(delim);
                            self.fail(error(
                                delim,
                                codes::UNEXPECTED_TOKEN,
                                format!("expected , or ; but got {got}"),
                            ))?;
                            // Taken as `;`: what follows is the body.
                            self.unpop(delim);
                            break;
                        }
                        _ => {
                            let got = self.lexer.describe(delim);
                            let mut err = error(
                                delim,
                                codes::UNEXPECTED_TOKEN,
                                format!("expected , or ; but got {got}"),
                            );
                            // The reference reports the token after the
                            // value, often the end of the file; the
                            // mistake is the `local` whose binding was
                            // not ended (issue 16). Only kcfg's notes say
                            // so: the first line stays the reference's.
                            if let Failure::Syntax(err) = &mut err {
                                let name = binds
                                    .last()
                                    .map_or("", |bind: &Bind| self.text_of(&bind.name));
                                err.hint = Some(Box::new(Hint {
                                    start: begin.start,
                                    end: begin.end,
                                    label: format!("this `local` binds `{name}` but its binding is not ended"),
                                    note: format!(
                                        "the `local` at {{at}} needs `;` after the value of `{name}`, then the expression that uses it (`local {name} = ...; {name}`), or `,` and another binding"
                                    ),
                                }));
                            }
                            return Err(err);
                        }
                    }
                }
                let body = self.expr(depth + 1)?;
                let last = body.span;
                let kind = ExprKind::Local {
                    binds,
                    body: Box::new(body),
                };
                (kind, last)
            }
            _ => return Ok(None),
        };
        Ok(Some(self.spanning(kind, begin, last)))
    }

    /// `assert cond` or `assert cond : message`, after `assert`.
    fn assert_clause(&mut self, assert: Token, depth: u32) -> Parse<AssertClause> {
        let cond = self.expr(depth + 1)?;
        let message = if self.peek_is_op(":")? {
            self.pop()?;
            Some(self.expr(depth + 1)?)
        } else {
            None
        };
        let last = message.as_ref().unwrap_or(&cond).span;
        Ok(AssertClause {
            span: self.span(assert.start, last.end),
            cond,
            message,
        })
    }

    fn terminal(&mut self, depth: u32) -> Parse<Expr> {
        self.enter(depth)?;
        let token = self.pop()?;
        let leaf = |parser: &Self, kind| {
            Ok(Expr {
                kind,
                span: parser.token_span(token),
            })
        };
        match token.kind {
            TokenKind::Assert
            | TokenKind::BraceR
            | TokenKind::BracketR
            | TokenKind::Comma
            | TokenKind::Dot
            | TokenKind::Else
            | TokenKind::Error
            | TokenKind::For
            | TokenKind::Function
            | TokenKind::If
            | TokenKind::In
            | TokenKind::Import
            | TokenKind::Importstr
            | TokenKind::Importbin
            | TokenKind::Local
            | TokenKind::ParenR
            | TokenKind::Semicolon
            | TokenKind::Tailstrict
            | TokenKind::Then => {
                self.fail(unexpected(token, "parsing terminal"))?;
                Ok(self.recovered_terminal(token))
            }
            TokenKind::EndOfFile => {
                self.fail(error(
                    token,
                    codes::UNEXPECTED_EOF,
                    "unexpected end of file.",
                ))?;
                Ok(self.recovered_terminal(token))
            }
            TokenKind::Operator => {
                let text = self.text(token);
                let Some(op) = unary_op(text) else {
                    self.fail(error(
                        token,
                        codes::UNKNOWN_OPERATOR,
                        format!("not a unary operator: {text}"),
                    ))?;
                    return Ok(self.recovered_terminal(token));
                };
                let operand = self.parse(UNARY_PRECEDENCE, depth + 1)?;
                let span = operand.span;
                let kind = ExprKind::Unary {
                    op,
                    expr: Box::new(operand),
                };
                Ok(self.spanning(kind, token, span))
            }
            TokenKind::BraceL => self.object(token, depth),
            TokenKind::BracketL => self.array(token, depth),
            TokenKind::ParenL => {
                let inner = self.expr(depth + 1)?;
                let close = self.expect(TokenKind::ParenR)?;
                let kind = ExprKind::Parens(Box::new(inner));
                Ok(self.spanning(kind, token, self.token_span(close)))
            }
            TokenKind::StringSingle
            | TokenKind::StringDouble
            | TokenKind::VerbatimSingle
            | TokenKind::VerbatimDouble
            | TokenKind::StringBlock => {
                let (value, style) = self.string(token);
                leaf(self, ExprKind::Str { value, style })
            }
            TokenKind::Identifier => leaf(self, ExprKind::Var(self.ident(token))),
            TokenKind::Number => match literal::number_value(self.text(token)) {
                Some(value) => leaf(self, ExprKind::Num(value)),
                // The lexer only makes numbers Rust can read.
                None => Err(error(
                    token,
                    codes::BAD_NUMBER,
                    format!("could not read the number {}", self.text(token)),
                )),
            },
            TokenKind::False => leaf(self, ExprKind::False),
            TokenKind::True => leaf(self, ExprKind::True),
            TokenKind::Null => leaf(self, ExprKind::Null),
            TokenKind::Dollar => leaf(self, ExprKind::Dollar),
            TokenKind::SelfKw => leaf(self, ExprKind::SelfValue),
            TokenKind::Super => {
                let next = self.pop()?;
                let kind = match next.kind {
                    TokenKind::Dot => {
                        let name = self.expect(TokenKind::Identifier)?;
                        ExprKind::SuperField {
                            name: self.ident(name),
                        }
                    }
                    TokenKind::BracketL => {
                        let index = self.expr(depth + 1)?;
                        self.expect(TokenKind::BracketR)?;
                        ExprKind::SuperIndex {
                            index: Box::new(index),
                        }
                    }
                    _ => {
                        self.fail(error(
                            token,
                            codes::UNEXPECTED_TOKEN,
                            "expected . or [ after super.",
                        ))?;
                        // Recovering: `super.` with an empty name.
                        self.unpop(next);
                        ExprKind::SuperField {
                            name: self.ident(Self::assumed(TokenKind::Identifier, next)),
                        }
                    }
                };
                // The reference's location for `super.f` is `super` alone.
                leaf(self, kind)
            }
        }
    }

    /// Recovering from `token`, which cannot start an expression: a missing
    /// expression there. A closing token is left for the construct around;
    /// any other is skipped.
    #[cold]
    fn recovered_terminal(&mut self, token: Token) -> Expr {
        if is_closing(token.kind) {
            self.unpop(token);
        }
        self.missing(token)
    }

    /// Recovering from a missing comma before `next` in a list: whether to
    /// go on as if it were there (`next` can start an element), or to close
    /// the list at `next`.
    fn comma_assumed(&mut self, next: Token) -> bool {
        starts_expression(next, self.text(next))
    }

    /// After `[`: an array or an array comprehension.
    fn array(&mut self, open: Token, depth: u32) -> Parse<Expr> {
        let mut next = self.peek()?;
        let mut elems = Vec::new();
        if next.kind == TokenKind::BracketR {
            self.pop()?;
            let kind = ExprKind::Array {
                elems,
                trailing_comma: false,
            };
            return Ok(self.spanning(kind, open, self.token_span(next)));
        }
        let first = self.expr(depth + 1)?;
        let mut got_comma = false;
        next = self.peek()?;
        if next.kind == TokenKind::Comma {
            self.pop()?;
            next = self.peek()?;
            got_comma = true;
        }
        if next.kind == TokenKind::For {
            self.pop()?;
            let (specs, close) = self.comprehension_specs(next, TokenKind::BracketR, depth + 1)?;
            let kind = ExprKind::ArrayComp {
                body: Box::new(first),
                trailing_comma: got_comma,
                specs,
            };
            return Ok(self.spanning(kind, open, self.token_span(close)));
        }
        elems.push(first);
        loop {
            if next.kind == TokenKind::BracketR {
                self.pop()?;
                let kind = ExprKind::Array {
                    elems,
                    trailing_comma: got_comma,
                };
                return Ok(self.spanning(kind, open, self.token_span(next)));
            }
            if !got_comma {
                self.fail(error(
                    next,
                    codes::EXPECTED_COMMA,
                    "expected a comma before next array element.",
                ))?;
                if !self.comma_assumed(next) {
                    // Recovering: the array closes here, `]` missing.
                    let kind = ExprKind::Array {
                        elems,
                        trailing_comma: false,
                    };
                    let end = self.span(next.start, next.start);
                    return Ok(self.spanning(kind, open, end));
                }
            }
            elems.push(self.expr(depth + 1)?);
            got_comma = false;
            next = self.peek()?;
            if next.kind == TokenKind::Comma {
                self.pop()?;
                next = self.peek()?;
                got_comma = true;
            }
        }
    }

    /// Operators, indexing, calls and `e { … }` after `lhs`, as long as they
    /// bind tighter than `max_precedence`.
    fn infix(&mut self, mut lhs: Expr, max_precedence: u8, depth: u32) -> Parse<Expr> {
        self.enter(depth)?;
        loop {
            let peeked = self.peek()?;
            let (precedence, binary) = match peeked.kind {
                TokenKind::In | TokenKind::Operator => {
                    let op = self.text(peeked);
                    // The end of an assert's condition or of a slice part.
                    if op == ":" || op == "::" {
                        return Ok(lhs);
                    }
                    match binary_op(op) {
                        Some(op) => (reference_precedence(op), Some(op)),
                        None => {
                            self.fail(error(
                                peeked,
                                codes::UNKNOWN_OPERATOR,
                                format!("not a binary operator: {op}"),
                            ))?;
                            // Recovering: the expression ends here.
                            return Ok(lhs);
                        }
                    }
                }
                TokenKind::Dot | TokenKind::BracketL | TokenKind::ParenL | TokenKind::BraceL => {
                    (APPLY_PRECEDENCE, None)
                }
                _ => return Ok(lhs),
            };
            if precedence >= max_precedence {
                return Ok(lhs);
            }
            let op = self.pop()?;
            let start = lhs.span;
            let target = Box::new(lhs);
            let (kind, end) = match binary {
                Some(BinaryOp::In) if self.peek()?.kind == TokenKind::Super => {
                    let super_token = self.pop()?;
                    let kind = ExprKind::InSuper { key: target };
                    (kind, self.token_span(super_token))
                }
                Some(op) => {
                    let rhs = self.parse(precedence, depth + 1)?;
                    let end = rhs.span;
                    let kind = ExprKind::Binary {
                        op,
                        lhs: target,
                        rhs: Box::new(rhs),
                    };
                    (kind, end)
                }
                None => self.suffix(op, target, depth)?,
            };
            lhs = Expr {
                kind,
                span: start.to(end),
            };
        }
    }

    /// The suffix that `open` (`.`, `[`, `(` or `{`) starts after `target`:
    /// the expression and the end of its span.
    fn suffix(&mut self, open: Token, target: Box<Expr>, depth: u32) -> Parse<(ExprKind, Span)> {
        Ok(match open.kind {
            TokenKind::BracketL => self.index(target, depth)?,
            TokenKind::Dot => {
                let name = self.expect(TokenKind::Identifier)?;
                let name = self.ident(name);
                let end = name.span;
                (ExprKind::Field { target, name }, end)
            }
            TokenKind::ParenL => {
                let (args, trailing_comma, close) = self.args("function argument", depth)?;
                let verdict = rules::arguments_in_order(
                    args.iter()
                        .map(|(name, value)| (name.is_some(), node(value))),
                );
                self.rule(verdict)?;
                let tailstrict = self.peek()?.kind == TokenKind::Tailstrict;
                if tailstrict {
                    // Not part of the call's span in the reference.
                    self.pop()?;
                }
                let args = args
                    .into_iter()
                    .map(|(name, value)| Arg { name, value })
                    .collect();
                let kind = ExprKind::Apply {
                    target,
                    args,
                    trailing_comma,
                    tailstrict,
                };
                (kind, self.token_span(close))
            }
            // `{`: `infix` calls this for these four tokens only.
            _ => {
                let object = self.object(open, depth)?;
                let end = object.span;
                let kind = ExprKind::ApplyBrace {
                    target,
                    object: Box::new(object),
                };
                (kind, end)
            }
        })
    }

    /// After `target[`: an index or a slice, up to and with `]`.
    ///
    /// Like the reference, this looks at the *data* of tokens, not their
    /// kind, to spot the colons of a slice, so a string literal whose value
    /// is `:` acts as one (`s[1":"3]` is `s[1:3]`). go-jsonnet does the same.
    fn index(&mut self, target: Box<Expr>, depth: u32) -> Parse<(ExprKind, Span)> {
        if self.peek()?.kind == TokenKind::BracketR {
            let close = self.pop()?;
            self.fail(unexpected(close, "parsing index"))?;
            // Recovering: `target[]` indexes by a missing expression.
            let index = Box::new(self.missing(close));
            return Ok((ExprKind::Index { target, index }, self.token_span(close)));
        }
        let first = self.peek()?;
        let first_data = self.data(first);
        let mut start = None;
        if first_data != ":" && first_data != "::" {
            start = Some(Box::new(self.expr(depth + 1)?));
        }
        let (mut end, mut step) = (None, None);
        let mut is_slice = true;
        if self.peek_is_op("::")? {
            self.pop()?;
            if self.peek()?.kind != TokenKind::BracketR {
                step = Some(Box::new(self.expr(depth + 1)?));
            }
        } else if self.peek()?.kind != TokenKind::BracketR {
            self.slice_colon()?;
            let next = self.peek()?;
            if self.data(next) != ":" && next.kind != TokenKind::BracketR {
                end = Some(Box::new(self.expr(depth + 1)?));
            }
            if self.peek()?.kind != TokenKind::BracketR {
                self.slice_colon()?;
                if self.peek()?.kind != TokenKind::BracketR {
                    step = Some(Box::new(self.expr(depth + 1)?));
                }
            }
        } else {
            is_slice = false;
        }
        let close = self.expect(TokenKind::BracketR)?;
        let kind = match start {
            Some(index) if !is_slice => ExprKind::Index { target, index },
            start => ExprKind::Slice {
                target,
                start,
                end,
                step,
            },
        };
        Ok((kind, self.token_span(close)))
    }

    fn slice_colon(&mut self) -> Parse<()> {
        let delim = self.pop()?;
        if self.data(delim) != ":" {
            self.fail(unexpected(delim, "parsing slice"))?;
            self.unpop(delim);
        }
        Ok(())
    }

    /// A comma-separated list of `expr` or `name = expr` up to `)`, which
    /// has been opened. Returns the elements, whether a comma came last, and
    /// `)`.
    fn args(&mut self, element_kind: &str, depth: u32) -> Parse<(Args, bool, Token)> {
        let mut args = Vec::new();
        let mut got_comma = false;
        loop {
            let next = self.peek()?;
            if next.kind == TokenKind::ParenR {
                let close = self.pop()?;
                return Ok((args, got_comma, close));
            }
            if !args.is_empty() && !got_comma {
                self.fail(error(
                    next,
                    codes::EXPECTED_COMMA,
                    format!("expected a comma before next {element_kind}."),
                ))?;
                if !self.comma_assumed(next) {
                    // Recovering: the list closes here, `)` missing.
                    return Ok((args, false, Self::assumed(TokenKind::ParenR, next)));
                }
            }
            let mut name = None;
            if next.kind == TokenKind::Identifier {
                let maybe_eq = self.double_peek()?;
                if maybe_eq.kind == TokenKind::Operator && self.text(maybe_eq) == "=" {
                    self.pop()?;
                    self.pop()?;
                    name = Some(self.ident(next));
                }
            }
            let value = self.expr(depth + 1)?;
            got_comma = false;
            if self.peek()?.kind == TokenKind::Comma {
                self.pop()?;
                got_comma = true;
            }
            let nothing_read = matches!(value.kind, ExprKind::Missing) && !got_comma;
            args.push((name, value));
            if nothing_read && self.peek()?.kind != TokenKind::ParenR {
                // Recovering, at a token that closes something else.
                let next = self.peek()?;
                return Ok((args, false, Self::assumed(TokenKind::ParenR, next)));
            }
        }
    }

    /// Parameters, after their `(`: parsed as arguments, then checked.
    fn params(&mut self, element_kind: &str, depth: u32) -> Parse<Vec<Param>> {
        let (args, _, _) = self.args(element_kind, depth)?;
        let mut params = Vec::with_capacity(args.len());
        for (name, value) in args {
            let verdict = rules::parameter(name.is_some(), node(&value));
            self.rule(verdict)?;
            params.push(match (name, &value.kind) {
                (Some(name), _) => Param {
                    name,
                    default: Some(value),
                },
                (None, ExprKind::Var(name)) => Param {
                    name: *name,
                    default: None,
                },
                // Only when recovering: the parameter is dropped.
                (None, _) => continue,
            });
        }
        Ok(params)
    }

    /// `name = expr` or `name(params) = expr` after `local`, in an
    /// expression or an object; the name must not be in `bound`.
    fn bind_body(&mut self, bound: &HashSet<Cow<'s, str>>, depth: u32) -> Parse<Bind> {
        let name_token = self.expect(TokenKind::Identifier)?;
        let verdict = rules::local_not_bound(bound, self.text(name_token), name_token);
        self.rule(verdict)?;
        let params = if self.peek()?.kind == TokenKind::ParenL {
            self.pop()?;
            Some(self.params("function parameter", depth)?)
        } else {
            None
        };
        self.expect_op("=")?;
        let value = self.expr(depth + 1)?;
        Ok(Bind {
            name: self.ident(name_token),
            params,
            span: self.span(name_token.start, value.span.end),
            value,
        })
    }

    /// A bind of a `local` expression; returns it and the token after it
    /// (`,` or `;` when well-formed).
    fn bind(&mut self, bound: &mut HashSet<Cow<'s, str>>, depth: u32) -> Parse<(Bind, Token)> {
        let bind = self.bind_body(bound, depth)?;
        let delim = self.pop()?;
        bound.insert(Cow::Borrowed(self.text_of(&bind.name)));
        Ok((bind, delim))
    }

    /// The source text of an identifier.
    fn text_of(&self, ident: &Ident) -> &'s str {
        &self.src[ident.span.start as usize..ident.span.end as usize]
    }

    /// An object's members after its `{`, up to and with `}`.
    fn object(&mut self, open: Token, depth: u32) -> Parse<Expr> {
        self.enter(depth + 1)?;
        let depth = depth + 1;
        let mut members = Vec::new();
        let mut shapes = Vec::new();
        let mut literal_fields = HashSet::new();
        let mut bound = HashSet::new();
        let mut got_comma = false;
        let mut next = self.pop()?;
        loop {
            match next.kind {
                TokenKind::BraceR => {
                    let kind = ExprKind::Object {
                        members,
                        trailing_comma: got_comma,
                    };
                    return Ok(self.spanning(kind, open, self.token_span(next)));
                }
                TokenKind::For => {
                    let verdict = rules::object_comprehension(&shapes, next);
                    self.rule(verdict)?;
                    let (specs, close) =
                        self.comprehension_specs(next, TokenKind::BraceR, depth + 1)?;
                    let kind = ExprKind::ObjectComp {
                        members,
                        trailing_comma: got_comma,
                        specs: specs.into_boxed_slice(),
                    };
                    return Ok(self.spanning(kind, open, self.token_span(close)));
                }
                _ => {}
            }
            if !got_comma && !members.is_empty() {
                self.fail(error(
                    next,
                    codes::EXPECTED_COMMA,
                    "expected a comma before next field.",
                ))?;
                if next.kind == TokenKind::EndOfFile {
                    return Ok(self.unclosed_object(open, next, members, got_comma));
                }
            }
            let (member, shape) = match next.kind {
                TokenKind::BracketL
                | TokenKind::Identifier
                | TokenKind::StringDouble
                | TokenKind::StringSingle
                | TokenKind::StringBlock
                | TokenKind::VerbatimDouble
                | TokenKind::VerbatimSingle => {
                    let field = self.field(next, &mut literal_fields, depth)?;
                    let shape = MemberShape::Field {
                        visibility: field.visibility,
                        computed: matches!(field.name, FieldName::Computed(_)),
                    };
                    (Member::Field(field), shape)
                }
                TokenKind::Local => {
                    let bind = self.bind_body(&bound, depth)?;
                    bound.insert(Cow::Borrowed(self.text_of(&bind.name)));
                    (Member::Local(bind), MemberShape::Local)
                }
                TokenKind::Assert => {
                    let assert = self.assert_clause(next, depth)?;
                    (Member::Assert(assert), MemberShape::Assert)
                }
                _ => {
                    self.fail(unexpected(next, "parsing field definition"))?;
                    // Recovering: the token is skipped, or at the end of the
                    // file, the object closes.
                    if next.kind == TokenKind::EndOfFile {
                        return Ok(self.unclosed_object(open, next, members, got_comma));
                    }
                    if next.kind != TokenKind::Comma {
                        got_comma = !members.is_empty();
                    }
                    next = self.pop()?;
                    continue;
                }
            };
            members.push(member);
            shapes.push(shape);
            got_comma = false;
            next = self.pop()?;
            if next.kind == TokenKind::Comma {
                next = self.pop()?;
                got_comma = true;
            }
        }
    }

    /// Recovering at the end of the file inside an object: the object,
    /// closed there.
    #[cold]
    fn unclosed_object(
        &mut self,
        open: Token,
        eof: Token,
        members: Vec<Member>,
        trailing_comma: bool,
    ) -> Expr {
        self.unpop(eof);
        let kind = ExprKind::Object {
            members,
            trailing_comma,
        };
        self.spanning(kind, open, self.span(eof.start, eof.start))
    }

    /// A field, from its name (`first`, already consumed) to its value.
    /// Names written literally go into `literal_fields`, which they must not
    /// be in yet.
    fn field(
        &mut self,
        first: Token,
        literal_fields: &mut HashSet<Cow<'s, str>>,
        depth: u32,
    ) -> Parse<Field> {
        let computed = if first.kind == TokenKind::BracketL {
            let name = self.expr(depth + 1)?;
            self.expect(TokenKind::BracketR)?;
            Some(name)
        } else {
            None
        };
        let params = if self.peek()?.kind == TokenKind::ParenL {
            self.pop()?;
            Some(self.params("method parameter", depth)?)
        } else {
            None
        };
        let op = self.expect(TokenKind::Operator)?;
        let (plus, visibility) = match rules::field_operator(self.text(op), first) {
            Ok(shape) => shape,
            Err(err) => {
                self.fail(Failure::Syntax(err))?;
                // Recovering: a missing or wrong operator is read as `:`.
                (false, crate::ast::Visibility::Inherit)
            }
        };
        let data = self.data(first);
        let verdict = rules::no_super_sugar_in_method(params.is_some(), plus, first, &data);
        self.rule(verdict)?;
        if computed.is_none() {
            let verdict = rules::field_not_duplicate(literal_fields, data, first);
            self.rule(verdict)?;
        }
        let name = match computed {
            Some(name) => FieldName::Computed(name),
            None if first.kind == TokenKind::Identifier => FieldName::Ident(self.ident(first)),
            None => {
                let (value, style) = self.string(first);
                FieldName::Str {
                    value,
                    style,
                    span: self.token_span(first),
                }
            }
        };
        let value = self.expr(depth + 1)?;
        Ok(Field {
            name,
            plus,
            visibility,
            params,
            span: self.span(first.start, value.span.end),
            value,
        })
    }

    /// `x in e` (after `for`, which is `first`), then any `if c` and further
    /// `for y in e`, up to `end`. Returns the clauses and the `end` token.
    fn comprehension_specs(
        &mut self,
        first: Token,
        end: TokenKind,
        depth: u32,
    ) -> Parse<(Vec<CompSpec>, Token)> {
        self.enter(depth)?;
        let mut specs = Vec::new();
        let mut for_token = first;
        loop {
            let var = self.expect(TokenKind::Identifier)?;
            self.expect(TokenKind::In)?;
            let iter = self.expr(depth + 1)?;
            specs.push(CompSpec::For {
                var: self.ident(var),
                span: self.span(for_token.start, iter.span.end),
                iter,
            });
            let mut maybe_if = self.pop()?;
            while maybe_if.kind == TokenKind::If {
                let cond = self.expr(depth + 1)?;
                specs.push(CompSpec::If {
                    span: self.span(maybe_if.start, cond.span.end),
                    cond,
                });
                maybe_if = self.pop()?;
            }
            if maybe_if.kind == end {
                return Ok((specs, maybe_if));
            }
            if maybe_if.kind != TokenKind::For {
                let got = self.lexer.describe(maybe_if);
                self.fail(error(
                    maybe_if,
                    codes::UNEXPECTED_TOKEN,
                    format!("expected for, if or {end} after for clause, got: {got}"),
                ))?;
                // Recovering: the comprehension closes here.
                self.unpop(maybe_if);
                return Ok((specs, Self::assumed(end, maybe_if)));
            }
            for_token = maybe_if;
        }
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
                        let span = self.token_span(token);
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
}
