//! Parsing: source text to [`crate::ast::SourceTree`], the first stage of the
//! flow (`syntax` → `analyze` → `eval` → `manifest`).
//!
//! [`parse`] accepts exactly the files the Jsonnet reference implementation
//! (google/jsonnet 0.22, C++) accepts, and for the others reports the error
//! the reference reports, worded the same and at the same place, because the
//! conformance suite compares the first line of every error. It works in
//! two passes:
//!
//! 1. `parser` runs the reference's recursive descent over the tokens of
//!    `lexer`, with the reference's depth limit, and applies the parser's
//!    semantic `rules` (duplicate locals, `+:` in a method, computed
//!    imports, …). It builds the tree as it goes, resolving string escapes
//!    and text blocks, and reports the first lexing or syntax error.
//! 2. If a string has a bad escape, `order` picks the one the reference
//!    reports (it resolves escapes after parsing, in its own order).
//!
//! The tree keeps every comment and every span (byte offsets). Spans follow
//! the reference's locations, which error messages and stack traces print:
//! from a node's first token to the end of its last sub-expression, except
//! that `super.f` and `super[e]` span only `super` and a call stops at `)`,
//! before `tailstrict`.

pub mod fodder;
mod lexer;
mod literal;
mod order;
mod parser;
mod rules;

pub use fodder::{Fodder, FodderElement, FodderKind};
pub use lexer::{Token, TokenKind};

use crate::ast::SourceTree;
use crate::diag::Diagnostic;
use crate::diag::Label;
use crate::span::{format_location, SourceFile, Span};

/// A syntax error before it is tied to a file: a byte range, a code and the
/// reference's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// Where the mistake probably is, when that is not where the reference
    /// reports it: a label and a note of kcfg's diagnostic, never its first
    /// line.
    pub(crate) hint: Option<Box<Hint>>,
}

/// A second location of a syntax error (issue 16: a `local` without `;`
/// is reported by the reference at the token after its value, often the
/// end of the file; the hint points at the `local`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hint {
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// What to say at that location.
    pub(crate) label: String,
    /// A help line; `{at}` is replaced with the location as the reference
    /// writes locations (`file:L:C-C`).
    pub(crate) note: String,
}

/// Diagnostic codes that belong to no single pass.
mod codes {
    pub(crate) const TOO_LARGE: &str = "kcfg::syntax::file_too_large";
    pub(crate) const NATIVE_STACK: &str = "kcfg::syntax::native_stack";
    pub(crate) const OUT_OF_MEMORY: &str = "kcfg::syntax::out_of_memory";
}

/// The message when a syntax pass finds the memory limit exceeded (the
/// evaluator's words for it).
pub(crate) fn out_of_memory_message(limit: usize) -> String {
    format!(
        "out of memory: the evaluation exceeded its memory limit of {}",
        crate::memory::format_size(limit)
    )
}

/// The message when a pass over the tree cannot get more native stack:
/// the reference's words for a program too deep to run (see
/// `crate::stack`; this happens only when memory is short).
pub(crate) const NATIVE_STACK_MESSAGE: &str = "max stack frames exceeded.";

/// The error of a pass that could not get more native stack at `span`.
pub(crate) fn native_stack_error(span: Span) -> Diagnostic {
    Diagnostic::static_error(codes::NATIVE_STACK, span, NATIVE_STACK_MESSAGE).with_note(
        "the program is nested too deeply for the memory available: the native stack could not grow",
    )
}

/// Parses one file. Returns the tree with all comments, or the first syntax error.
///
/// ```
/// use kcfg_lang::span::{SourceMap, SourceName};
///
/// let sources = SourceMap::new();
/// let file = sources.add(SourceName::Virtual("f.jsonnet".into()), "{ a: 1 } // one\n");
/// let tree = kcfg_lang::syntax::parse(&file).unwrap();
/// assert_eq!(tree.comments[0].text, " one");
///
/// let file = sources.add(SourceName::Virtual("g.jsonnet".into()), "[1, 2 3]");
/// let error = kcfg_lang::syntax::parse(&file).unwrap_err();
/// assert_eq!(
///     error.first_line(&sources),
///     "STATIC ERROR: g.jsonnet:1:7: expected a comma before next array element."
/// );
/// ```
// The signature is the crate's contract with the analyzer and the language
// server; a file has at most one syntax error, so the size of the error
// type does not matter here.
#[allow(clippy::result_large_err)]
pub fn parse(file: &SourceFile) -> Result<SourceTree, Diagnostic> {
    parse_with(file, true)
}

/// Parses one file as [`parse`] does, but leaves [`SourceTree::tokens`]
/// empty: the evaluator's parse, which needs no layout and so does not pay
/// for recording it (about 4% of parsing's instructions on
/// kube-prometheus's vendor tree).
#[allow(clippy::result_large_err)]
pub fn parse_without_tokens(file: &SourceFile) -> Result<SourceTree, Diagnostic> {
    parse_with(file, false)
}

#[allow(clippy::result_large_err)]
fn parse_with(file: &SourceFile, record_tokens: bool) -> Result<SourceTree, Diagnostic> {
    let text: &str = &file.text;
    if u32::try_from(text.len()).is_err() {
        let span = Span::new(file.id, 0, 0);
        return Err(Diagnostic::static_error(
            codes::TOO_LARGE,
            span,
            "file too large to parse (4 GiB or more)",
        ));
    }
    let to_diagnostic = |err: SyntaxError| to_diagnostic(file, err);
    let parsed = match parser::parse(text, file.id, record_tokens) {
        Ok(parsed) => parsed,
        Err(parser::Failure::Syntax(err)) => return Err(to_diagnostic(err)),
        Err(parser::Failure::Lex(err)) => {
            let err = SyntaxError {
                start: err.offset,
                end: err.offset,
                code: err.code,
                message: err.message,
                hint: None,
            };
            return Err(to_diagnostic(err));
        }
    };
    if !parsed.bad_strings.is_empty() {
        if let Some(err) = order::first_error(&parsed.expr, parsed.bad_strings) {
            return Err(to_diagnostic(err));
        }
    }
    Ok(SourceTree {
        expr: parsed.expr,
        comments: parsed.comments,
        tokens: parsed.tokens,
    })
}

/// A syntax error of `file` as a diagnostic, with its hint as a label and a
/// note.
fn to_diagnostic(file: &SourceFile, err: SyntaxError) -> Diagnostic {
    let span = point_or_range(file, &err);
    let mut diagnostic = Diagnostic::static_error(err.code, span, err.message);
    if let Some(hint) = err.hint {
        let at = Span::new(file.id, hint.start as usize, hint.end as usize);
        diagnostic.labels.push(Label {
            span: at,
            message: hint.label,
        });
        diagnostic
            .notes
            .push(hint.note.replace("{at}", &format_location(file, at)));
    }
    diagnostic
}

/// Parses any file into a tree, with every syntax error met on the way,
/// for tools that work on text being typed (the language server; issue 17).
///
/// After an error the parser goes on: a missing expression becomes
/// [`crate::ast::ExprKind::Missing`], a missing closing bracket, comma or
/// `;` is taken as written, a stray token is skipped. The first error is
/// the one [`parse`] reports, except that [`parse`] lets a lexing error
/// later in the file win as the reference does; after a lexing error the
/// rest of the file is read as its end. Strings with bad escapes are all
/// reported. The tree of a file with errors is for reading (navigation,
/// completion), never for evaluation or formatting.
///
/// ```
/// use kcfg_lang::span::{SourceMap, SourceName};
///
/// let sources = SourceMap::new();
/// let file = sources.add(SourceName::Virtual("f.kcfg".into()), "{ a: app., b: [1 2 }");
/// let (tree, errors) = kcfg_lang::syntax::parse_recovering(&file);
/// assert!(matches!(tree.expr.kind, kcfg_lang::ast::ExprKind::Object { .. }));
/// let lines: Vec<String> = errors.iter().map(|e| e.first_line(&sources)).collect();
/// assert_eq!(
///     lines,
///     [
///         "STATIC ERROR: f.kcfg:1:10: expected token IDENTIFIER but got \",\"",
///         "STATIC ERROR: f.kcfg:1:18: expected a comma before next array element.",
///         "STATIC ERROR: f.kcfg:1:20: expected a comma before next array element.",
///     ]
/// );
/// ```
pub fn parse_recovering(file: &SourceFile) -> (SourceTree, Vec<Diagnostic>) {
    let failed = |errors: Vec<Diagnostic>| {
        let tree = SourceTree {
            expr: crate::ast::Expr {
                kind: crate::ast::ExprKind::Missing,
                span: Span::new(file.id, 0, 0),
            },
            comments: Vec::new(),
            tokens: Vec::new(),
        };
        (tree, errors)
    };
    if u32::try_from(file.text.len()).is_err() {
        let span = Span::new(file.id, 0, 0);
        return failed(vec![Diagnostic::static_error(
            codes::TOO_LARGE,
            span,
            "file too large to parse (4 GiB or more)",
        )]);
    }
    match parser::parse_recovering(&file.text, file.id) {
        Ok(recovered) => {
            let mut errors: Vec<Diagnostic> = recovered
                .errors
                .into_iter()
                .map(|err| to_diagnostic(file, err))
                .collect();
            let parsed = recovered.parsed;
            let bad: Vec<(Span, String)> = parsed
                .bad_strings
                .into_iter()
                .map(|bad| (bad.span, bad.message))
                .collect();
            if errors.is_empty() && !bad.is_empty() {
                // The error the strict parse reports first (which may be
                // a `$` outside an object, found on the same walk).
                let strings = bad
                    .iter()
                    .map(|(span, message)| parser::BadString {
                        span: *span,
                        message: message.clone(),
                    })
                    .collect();
                if let Some(err) = order::first_error(&parsed.expr, strings) {
                    errors.push(to_diagnostic(file, err));
                }
            }
            for (span, message) in bad {
                if errors.iter().all(|error| error.span != Some(span)) {
                    errors.push(Diagnostic::static_error(
                        order::codes::INVALID_ESCAPE,
                        span,
                        message,
                    ));
                }
            }
            let tree = SourceTree {
                expr: parsed.expr,
                comments: parsed.comments,
                tokens: parsed.tokens,
            };
            (tree, errors)
        }
        Err((failure, before)) => {
            let mut errors: Vec<Diagnostic> = before
                .into_iter()
                .map(|err| to_diagnostic(file, err))
                .collect();
            errors.push(to_diagnostic(file, failure.into_syntax_error()));
            failed(errors)
        }
    }
}

/// The span of an error. A lexing error is at one position, which the
/// reference prints as `L:C`; it becomes a one-byte span when the byte there
/// is a one-byte character on the same line, and an empty span otherwise.
fn point_or_range(file: &SourceFile, err: &SyntaxError) -> Span {
    if err.end > err.start {
        return Span::new(file.id, err.start as usize, err.end as usize);
    }
    let start = err.start as usize;
    let end = match file.text.as_bytes().get(start) {
        Some(&byte) if byte != b'\n' && byte.is_ascii() => start + 1,
        _ => start,
    };
    Span::new(file.id, start, end)
}

/// The text block (`|||`) token starting at `start` of a file that parsed:
/// its value and the ranges of its indentation and of the closing line's.
pub(crate) fn text_block(src: &str, start: usize) -> lexer::TextBlock {
    lexer::scan_text_block(src.as_bytes(), start, true).unwrap_or(lexer::TextBlock {
        end: start,
        indent: start..start,
        term_indent: start..start,
        value: String::new(),
    })
}

/// Whether `text` is a keyword, which cannot be an identifier.
pub(crate) fn is_keyword(text: &str) -> bool {
    lexer::is_keyword(text.as_bytes())
}

/// A quoted string's value from its contents as written, for a file that
/// parsed (so every escape is valid; an invalid one is kept as written).
pub(crate) fn unescape(raw: &str) -> String {
    literal::unescape(raw).map_or_else(|_| raw.to_string(), std::borrow::Cow::into_owned)
}
