//! The reference parser's judgement: is this file well-formed, and if not,
//! what is the first error the reference reports?
//!
//! [`super::parse`] runs this before the pest grammar. It walks the tokens of
//! [`super::lexer`] with the same recursive descent as the reference parser
//! (google/jsonnet `core/parser.cpp`, v0.22): the same functions, the same
//! order of checks, the same messages and locations, and the same depth
//! counter. It builds no tree; it only remembers, for each expression, what
//! [`super::rules`] need (is it a variable? a string literal?) and the span
//! the reference gives it, and it records the tokens it consumes as the
//! token string that pest parses next ([`super::tokens`]).
//!
//! Checking first has two purposes:
//!
//! - **Errors read like the reference's.** A PEG parser fails at the furthest
//!   position it reached, with a list of expected rules; the reference fails
//!   at the first token its recursive descent cannot use, with a message
//!   worded for that place. The conformance suite compares the two.
//! - **Depth is bounded before pest recurses.** The reference stops with
//!   `Exceeded maximum parse depth limit.` once its recursion is 1000 calls
//!   deep. Each of its parsing functions (`parse`, `maybeParseGreedy`,
//!   `parseTerminalBracketsOrUnary`, `parseInfix`, `parseObjectRemainder`,
//!   `parseComprehensionSpecs`) checks the depth it is called with, and each
//!   call into a sub-expression passes one more; the functions here do the
//!   same, so the error appears at the same token. A nested array costs two
//!   levels (`[`×500 fails at the 500th element), an object field three, a
//!   unary operator two. Recursion here is therefore at most 1000 frames,
//!   whatever the input, and pest only sees input whose nesting is bounded.
//!
//! Lexing errors win over syntax errors, because the reference lexes the
//! whole file first: on a syntax error the rest of the file is lexed, and a
//! lexing error found there is reported instead.

use std::collections::HashSet;

use super::lexer::{LexError, Lexer, Token, TokenKind};
use super::rules::{self, MemberShape, Node, Shape};
use super::tokens::TokenString;
use super::SyntaxError;
use crate::ast::Comment;
use crate::span::FileId;

/// The reference's `MAX_PARSER_DEPTH`.
const MAX_PARSER_DEPTH: u32 = 1000;
/// Precedences as the reference numbers them: lower binds tighter.
const APPLY_PRECEDENCE: u8 = 2;
const UNARY_PRECEDENCE: u8 = 4;
const MAX_PRECEDENCE: u8 = 15;

/// Diagnostic codes of the checker.
pub(crate) mod codes {
    pub(crate) const UNEXPECTED_TOKEN: &str = "kcfg::syntax::unexpected_token";
    pub(crate) const UNEXPECTED_EOF: &str = "kcfg::syntax::unexpected_eof";
    pub(crate) const EXPECTED_COMMA: &str = "kcfg::syntax::expected_comma";
    pub(crate) const DEPTH_LIMIT: &str = "kcfg::syntax::depth_limit";
    pub(crate) const UNKNOWN_OPERATOR: &str = "kcfg::syntax::unknown_operator";
}

/// A well-formed file's tokens (as the token string pest parses) and
/// comments, and how deep the reference's recursion went (which bounds the
/// nesting pest will see).
pub(crate) struct Checked {
    pub(crate) tokens: TokenString,
    pub(crate) comments: Vec<Comment>,
    pub(crate) max_depth: u32,
}

/// Why checking stopped.
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

type Check<T> = Result<T, Failure>;

/// Checks `src` as the reference would parse it.
pub(crate) fn check(src: &str, file: FileId) -> Result<Checked, Failure> {
    let mut checker = Checker {
        lexer: Lexer::new(src, file),
        ahead: [None, None],
        max_depth: 0,
        recorded: TokenString::default(),
    };
    match checker.file() {
        Ok(()) => Ok(Checked {
            comments: checker.lexer.take_comments(),
            tokens: checker.recorded,
            max_depth: checker.max_depth,
        }),
        Err(Failure::Syntax(err)) => {
            // The reference would have lexed the rest of the file first.
            loop {
                match checker.lexer.next_token() {
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

struct Checker<'s> {
    lexer: Lexer<'s>,
    /// Up to two tokens of lookahead (`peek` and the reference's
    /// `doublePeek`).
    ahead: [Option<Token>; 2],
    max_depth: u32,
    /// Every token consumed so far, for pest.
    recorded: TokenString,
}

fn binary_precedence(op: &str) -> Option<u8> {
    Some(match op {
        "*" | "/" | "%" => 5,
        "+" | "-" => 6,
        "<<" | ">>" => 7,
        ">" | ">=" | "<" | "<=" | "in" => 8,
        "==" | "!=" => 9,
        "&" => 10,
        "^" => 11,
        "|" => 12,
        "&&" => 13,
        "||" => 14,
        _ => return None,
    })
}

fn is_unary(op: &str) -> bool {
    matches!(op, "!" | "~" | "+" | "-")
}

fn node(shape: Shape, start: Token, end: u32) -> Node {
    Node {
        shape,
        start: start.start,
        end,
    }
}

fn error(token: Token, code: &'static str, message: impl Into<String>) -> Failure {
    Failure::Syntax(SyntaxError {
        start: token.start,
        end: token.end,
        code,
        message: message.into(),
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

impl<'s> Checker<'s> {
    fn peek(&mut self) -> Check<Token> {
        if let Some(token) = self.ahead[0] {
            return Ok(token);
        }
        let token = self.lexer.next_token()?;
        self.ahead[0] = Some(token);
        Ok(token)
    }

    fn double_peek(&mut self) -> Check<Token> {
        self.peek()?;
        if let Some(token) = self.ahead[1] {
            return Ok(token);
        }
        let token = self.lexer.next_token()?;
        self.ahead[1] = Some(token);
        Ok(token)
    }

    fn pop(&mut self) -> Check<Token> {
        let token = self.peek()?;
        self.ahead = [self.ahead[1], None];
        self.recorded.push(token, self.lexer.source());
        Ok(token)
    }

    fn data(&self, token: Token) -> std::borrow::Cow<'s, str> {
        self.lexer.data(token)
    }

    fn peek_is_op(&mut self, op: &str) -> Check<bool> {
        let token = self.peek()?;
        Ok(token.kind == TokenKind::Operator && self.data(token) == op)
    }

    fn expect(&mut self, kind: TokenKind) -> Check<Token> {
        let token = self.pop()?;
        if token.kind != kind {
            let got = self.lexer.describe(token);
            return Err(error(
                token,
                codes::UNEXPECTED_TOKEN,
                format!("expected token {kind} but got {got}"),
            ));
        }
        Ok(token)
    }

    fn expect_op(&mut self, op: &str) -> Check<Token> {
        let token = self.expect(TokenKind::Operator)?;
        let data = self.data(token);
        if data != op {
            return Err(error(
                token,
                codes::UNEXPECTED_TOKEN,
                format!("expected operator {op} but got {data}"),
            ));
        }
        Ok(token)
    }

    /// Every parsing function starts here, with the depth it was called at.
    fn enter(&mut self, depth: u32) -> Check<()> {
        if depth >= MAX_PARSER_DEPTH {
            let token = self.peek()?;
            return Err(error(
                token,
                codes::DEPTH_LIMIT,
                "Exceeded maximum parse depth limit.",
            ));
        }
        self.max_depth = self.max_depth.max(depth);
        Ok(())
    }

    fn file(&mut self) -> Check<()> {
        self.parse(MAX_PRECEDENCE, 0)?;
        let token = self.peek()?;
        if token.kind != TokenKind::EndOfFile {
            let got = self.lexer.describe(token);
            return Err(error(
                token,
                codes::UNEXPECTED_TOKEN,
                format!("did not expect: {got}"),
            ));
        }
        Ok(())
    }

    /// An expression whose binary operators bind tighter than `max_precedence`.
    fn parse(&mut self, max_precedence: u8, depth: u32) -> Check<Node> {
        self.enter(depth)?;
        // At most 1000 levels deep, but a thread's stack may be small.
        crate::stack::with_stack(|| self.parse_at(max_precedence, depth))
    }

    fn parse_at(&mut self, max_precedence: u8, depth: u32) -> Check<Node> {
        if let Some(greedy) = self.maybe_greedy(depth + 1)? {
            // `local`, `if`, `function`, … extend as far right as they can,
            // so no operator can follow them.
            return Ok(greedy);
        }
        let begin = self.peek()?;
        let lhs = self.terminal(depth + 1)?;
        self.infix(lhs, begin, max_precedence, depth + 1)
    }

    fn maybe_greedy(&mut self, depth: u32) -> Check<Option<Node>> {
        self.enter(depth)?;
        let begin = self.peek()?;
        let end = match begin.kind {
            TokenKind::Assert => {
                self.pop()?;
                self.parse(MAX_PRECEDENCE, depth + 1)?;
                if self.peek_is_op(":")? {
                    self.pop()?;
                    self.parse(MAX_PRECEDENCE, depth + 1)?;
                }
                self.expect(TokenKind::Semicolon)?;
                self.parse(MAX_PRECEDENCE, depth + 1)?.end
            }
            TokenKind::Error => {
                self.pop()?;
                self.parse(MAX_PRECEDENCE, depth + 1)?.end
            }
            TokenKind::If => {
                self.pop()?;
                self.parse(MAX_PRECEDENCE, depth + 1)?;
                self.expect(TokenKind::Then)?;
                let then = self.parse(MAX_PRECEDENCE, depth + 1)?;
                if self.peek()?.kind == TokenKind::Else {
                    self.pop()?;
                    self.parse(MAX_PRECEDENCE, depth + 1)?.end
                } else {
                    then.end
                }
            }
            TokenKind::Function => {
                self.pop()?;
                let paren = self.pop()?;
                if paren.kind != TokenKind::ParenL {
                    let got = self.lexer.describe(paren);
                    return Err(error(
                        paren,
                        codes::UNEXPECTED_TOKEN,
                        format!("expected ( but got {got}"),
                    ));
                }
                self.params("function parameter", depth)?;
                self.parse(MAX_PRECEDENCE, depth + 1)?.end
            }
            TokenKind::Import | TokenKind::Importstr | TokenKind::Importbin => {
                self.pop()?;
                let path = self.parse(MAX_PRECEDENCE, depth + 1)?;
                rules::import_path(path)?;
                path.end
            }
            TokenKind::Local => {
                self.pop()?;
                let mut bound = HashSet::new();
                loop {
                    let delim = self.bind(&mut bound, depth + 1)?;
                    match delim.kind {
                        TokenKind::Semicolon => break,
                        TokenKind::Comma => {}
                        _ => {
                            let got = self.lexer.describe(delim);
                            return Err(error(
                                delim,
                                codes::UNEXPECTED_TOKEN,
                                format!("expected , or ; but got {got}"),
                            ));
                        }
                    }
                }
                self.parse(MAX_PRECEDENCE, depth + 1)?.end
            }
            _ => return Ok(None),
        };
        Ok(Some(node(Shape::Other, begin, end)))
    }

    fn terminal(&mut self, depth: u32) -> Check<Node> {
        self.enter(depth)?;
        let token = self.pop()?;
        let leaf = |shape| Ok(node(shape, token, token.end));
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
            | TokenKind::Then => Err(unexpected(token, "parsing terminal")),
            TokenKind::EndOfFile => Err(error(
                token,
                codes::UNEXPECTED_EOF,
                "unexpected end of file.",
            )),
            TokenKind::Operator => {
                let op = self.data(token);
                if !is_unary(&op) {
                    return Err(error(
                        token,
                        codes::UNKNOWN_OPERATOR,
                        format!("not a unary operator: {op}"),
                    ));
                }
                let operand = self.parse(UNARY_PRECEDENCE, depth + 1)?;
                Ok(node(Shape::Other, token, operand.end))
            }
            TokenKind::BraceL => {
                let last = self.object_remainder(depth + 1)?;
                Ok(node(Shape::Other, token, last.end))
            }
            TokenKind::BracketL => self.array(token, depth),
            TokenKind::ParenL => {
                self.parse(MAX_PRECEDENCE, depth + 1)?;
                let close = self.expect(TokenKind::ParenR)?;
                Ok(node(Shape::Other, token, close.end))
            }
            TokenKind::StringSingle
            | TokenKind::StringDouble
            | TokenKind::VerbatimSingle
            | TokenKind::VerbatimDouble => leaf(Shape::Str { block: false }),
            TokenKind::StringBlock => leaf(Shape::Str { block: true }),
            TokenKind::Identifier => leaf(Shape::Var),
            TokenKind::Number
            | TokenKind::False
            | TokenKind::True
            | TokenKind::Null
            | TokenKind::Dollar
            | TokenKind::SelfKw => leaf(Shape::Other),
            TokenKind::Super => {
                let next = self.pop()?;
                match next.kind {
                    TokenKind::Dot => {
                        self.expect(TokenKind::Identifier)?;
                    }
                    TokenKind::BracketL => {
                        self.parse(MAX_PRECEDENCE, depth + 1)?;
                        self.expect(TokenKind::BracketR)?;
                    }
                    _ => {
                        return Err(error(
                            token,
                            codes::UNEXPECTED_TOKEN,
                            "expected . or [ after super.",
                        ))
                    }
                }
                // The reference's location for `super.f` is `super` alone.
                leaf(Shape::Other)
            }
        }
    }

    /// After `[`: an array or an array comprehension.
    fn array(&mut self, open: Token, depth: u32) -> Check<Node> {
        let mut next = self.peek()?;
        if next.kind == TokenKind::BracketR {
            self.pop()?;
            return Ok(node(Shape::Other, open, next.end));
        }
        self.parse(MAX_PRECEDENCE, depth + 1)?;
        let mut got_comma = false;
        next = self.peek()?;
        if next.kind == TokenKind::Comma {
            self.pop()?;
            next = self.peek()?;
            got_comma = true;
        }
        if next.kind == TokenKind::For {
            self.pop()?;
            let last = self.comprehension_specs(TokenKind::BracketR, depth + 1)?;
            return Ok(node(Shape::Other, open, last.end));
        }
        loop {
            if next.kind == TokenKind::BracketR {
                self.pop()?;
                return Ok(node(Shape::Other, open, next.end));
            }
            if !got_comma {
                return Err(error(
                    next,
                    codes::EXPECTED_COMMA,
                    "expected a comma before next array element.",
                ));
            }
            self.parse(MAX_PRECEDENCE, depth + 1)?;
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
    fn infix(
        &mut self,
        mut lhs: Node,
        begin: Token,
        max_precedence: u8,
        depth: u32,
    ) -> Check<Node> {
        self.enter(depth)?;
        loop {
            let peeked = self.peek()?;
            let precedence = match peeked.kind {
                TokenKind::In | TokenKind::Operator => {
                    let op = self.data(peeked);
                    // The end of an assert's condition or of a slice part.
                    if op == ":" || op == "::" {
                        return Ok(lhs);
                    }
                    match binary_precedence(&op) {
                        Some(precedence) => precedence,
                        None => {
                            return Err(error(
                                peeked,
                                codes::UNKNOWN_OPERATOR,
                                format!("not a binary operator: {op}"),
                            ));
                        }
                    }
                }
                TokenKind::Dot | TokenKind::BracketL | TokenKind::ParenL | TokenKind::BraceL => {
                    APPLY_PRECEDENCE
                }
                _ => return Ok(lhs),
            };
            if precedence >= max_precedence {
                return Ok(lhs);
            }
            let op = self.pop()?;
            let end = match op.kind {
                TokenKind::BracketL => self.index(depth)?,
                TokenKind::Dot => self.expect(TokenKind::Identifier)?.end,
                TokenKind::ParenL => {
                    let (close, args) = self.args("function argument", depth)?;
                    rules::arguments_in_order(&args)?;
                    if self.peek()?.kind == TokenKind::Tailstrict {
                        // Not part of the call's span in the reference.
                        self.pop()?;
                    }
                    close.end
                }
                TokenKind::BraceL => self.object_remainder(depth + 1)?.end,
                TokenKind::In if self.peek()?.kind == TokenKind::Super => self.pop()?.end,
                _ => self.parse(precedence, depth + 1)?.end,
            };
            lhs = node(Shape::Other, begin, end);
        }
    }

    /// After `target[`: an index or a slice; returns the end of `]`.
    ///
    /// Like the reference, this looks at the *data* of tokens, not their
    /// kind, to spot the colons of a slice, so a string literal whose value
    /// is `:` acts as one (`s[1":"3]` is `s[1:3]`). go-jsonnet does the same.
    fn index(&mut self, depth: u32) -> Check<u32> {
        if self.peek()?.kind == TokenKind::BracketR {
            let close = self.pop()?;
            return Err(unexpected(close, "parsing index"));
        }
        let first = self.peek()?;
        let first_data = self.data(first);
        if first_data != ":" && first_data != "::" {
            self.parse(MAX_PRECEDENCE, depth + 1)?;
        }
        if self.peek_is_op("::")? {
            self.pop()?;
            if self.peek()?.kind != TokenKind::BracketR {
                self.parse(MAX_PRECEDENCE, depth + 1)?;
            }
        } else if self.peek()?.kind != TokenKind::BracketR {
            self.slice_colon()?;
            let next = self.peek()?;
            if self.data(next) != ":" && next.kind != TokenKind::BracketR {
                self.parse(MAX_PRECEDENCE, depth + 1)?;
            }
            if self.peek()?.kind != TokenKind::BracketR {
                self.slice_colon()?;
                if self.peek()?.kind != TokenKind::BracketR {
                    self.parse(MAX_PRECEDENCE, depth + 1)?;
                }
            }
        }
        Ok(self.expect(TokenKind::BracketR)?.end)
    }

    fn slice_colon(&mut self) -> Check<()> {
        let delim = self.pop()?;
        if self.data(delim) != ":" {
            return Err(unexpected(delim, "parsing slice"));
        }
        Ok(())
    }

    /// A comma-separated list of `expr` or `name = expr` up to `)`, which
    /// has been opened. Returns `)` and, per element, whether it was named.
    fn args(&mut self, element_kind: &str, depth: u32) -> Check<(Token, Vec<(bool, Node)>)> {
        let mut args = Vec::new();
        let mut got_comma = false;
        loop {
            let next = self.peek()?;
            if next.kind == TokenKind::ParenR {
                return Ok((self.pop()?, args));
            }
            if !args.is_empty() && !got_comma {
                return Err(error(
                    next,
                    codes::EXPECTED_COMMA,
                    format!("expected a comma before next {element_kind}."),
                ));
            }
            let mut named = false;
            if next.kind == TokenKind::Identifier {
                let maybe_eq = self.double_peek()?;
                if maybe_eq.kind == TokenKind::Operator && self.data(maybe_eq) == "=" {
                    self.pop()?;
                    self.pop()?;
                    named = true;
                }
            }
            let value = self.parse(MAX_PRECEDENCE, depth + 1)?;
            got_comma = false;
            if self.peek()?.kind == TokenKind::Comma {
                self.pop()?;
                got_comma = true;
            }
            args.push((named, value));
        }
    }

    /// Parameters, after their `(`: parsed as arguments, then checked.
    fn params(&mut self, element_kind: &str, depth: u32) -> Check<()> {
        let (_, params) = self.args(element_kind, depth)?;
        for (named, value) in params {
            rules::parameter(named, value)?;
        }
        Ok(())
    }

    /// `name = expr` or `name(params) = expr` in a `local`; returns the
    /// token after it (`,` or `;` when well-formed).
    fn bind(&mut self, bound: &mut HashSet<String>, depth: u32) -> Check<Token> {
        let name = self.expect(TokenKind::Identifier)?;
        let text = self.data(name);
        rules::local_not_bound(bound, &text, name)?;
        if self.peek()?.kind == TokenKind::ParenL {
            self.pop()?;
            self.params("function parameter", depth)?;
        }
        self.expect_op("=")?;
        self.parse(MAX_PRECEDENCE, depth + 1)?;
        let delim = self.pop()?;
        bound.insert(text.into_owned());
        Ok(delim)
    }

    /// An object's members after its `{`; returns the closing `}`.
    fn object_remainder(&mut self, depth: u32) -> Check<Token> {
        self.enter(depth)?;
        let mut members = Vec::new();
        let mut literal_fields = HashSet::new();
        let mut bound = HashSet::new();
        let mut got_comma = false;
        let mut next = self.pop()?;
        loop {
            match next.kind {
                TokenKind::BraceR => return Ok(next),
                TokenKind::For => {
                    rules::object_comprehension(&members, next)?;
                    return self.comprehension_specs(TokenKind::BraceR, depth + 1);
                }
                _ => {}
            }
            if !got_comma && !members.is_empty() {
                return Err(error(
                    next,
                    codes::EXPECTED_COMMA,
                    "expected a comma before next field.",
                ));
            }
            let member = match next.kind {
                TokenKind::BracketL
                | TokenKind::Identifier
                | TokenKind::StringDouble
                | TokenKind::StringSingle
                | TokenKind::StringBlock
                | TokenKind::VerbatimDouble
                | TokenKind::VerbatimSingle => {
                    let computed = next.kind == TokenKind::BracketL;
                    if computed {
                        self.parse(MAX_PRECEDENCE, depth + 1)?;
                        self.expect(TokenKind::BracketR)?;
                    }
                    let mut is_method = false;
                    if self.peek()?.kind == TokenKind::ParenL {
                        self.pop()?;
                        self.params("method parameter", depth)?;
                        is_method = true;
                    }
                    let op = self.expect(TokenKind::Operator)?;
                    let (plus, visibility) = rules::field_operator(&self.data(op), next)?;
                    let name = self.data(next);
                    rules::no_super_sugar_in_method(is_method, plus, next, &name)?;
                    if !computed {
                        rules::field_not_duplicate(&mut literal_fields, &name, next)?;
                    }
                    self.parse(MAX_PRECEDENCE, depth + 1)?;
                    MemberShape::Field {
                        visibility,
                        computed,
                    }
                }
                TokenKind::Local => {
                    let name = self.expect(TokenKind::Identifier)?;
                    let text = self.data(name);
                    rules::local_not_bound(&bound, &text, name)?;
                    if self.peek()?.kind == TokenKind::ParenL {
                        self.pop()?;
                        self.params("function parameter", depth)?;
                    }
                    self.expect_op("=")?;
                    self.parse(MAX_PRECEDENCE, depth + 1)?;
                    bound.insert(text.into_owned());
                    MemberShape::Local
                }
                TokenKind::Assert => {
                    self.parse(MAX_PRECEDENCE, depth + 1)?;
                    if self.peek_is_op(":")? {
                        self.pop()?;
                        self.parse(MAX_PRECEDENCE, depth + 1)?;
                    }
                    MemberShape::Assert
                }
                _ => return Err(unexpected(next, "parsing field definition")),
            };
            members.push(member);
            got_comma = false;
            next = self.pop()?;
            if next.kind == TokenKind::Comma {
                next = self.pop()?;
                got_comma = true;
            }
        }
    }

    /// `x in e` (the `for` is consumed), then any `if c` and further
    /// `for y in e`, up to `end`, which is returned.
    fn comprehension_specs(&mut self, end: TokenKind, depth: u32) -> Check<Token> {
        self.enter(depth)?;
        loop {
            self.expect(TokenKind::Identifier)?;
            self.expect(TokenKind::In)?;
            self.parse(MAX_PRECEDENCE, depth + 1)?;
            let mut maybe_if = self.pop()?;
            while maybe_if.kind == TokenKind::If {
                self.parse(MAX_PRECEDENCE, depth + 1)?;
                maybe_if = self.pop()?;
            }
            if maybe_if.kind == end {
                return Ok(maybe_if);
            }
            if maybe_if.kind != TokenKind::For {
                let got = self.lexer.describe(maybe_if);
                return Err(error(
                    maybe_if,
                    codes::UNEXPECTED_TOKEN,
                    format!("expected for, if or {end} after for clause, got: {got}"),
                ));
            }
        }
    }
}
