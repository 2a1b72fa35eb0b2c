//! Diagnostics: the one error type of kcfg.
//!
//! Every stage reports problems as a [`Diagnostic`]: the parser (a syntax
//! error), the static checks (unknown variables, duplicates, …) and the
//! evaluator (runtime errors, with a stack trace). A diagnostic is built once
//! and rendered several ways: [`Diagnostic::render_plain`] prints the exact
//! text of the Jsonnet reference implementation (what pipes, scripts and the
//! conformance suite see), the CLI adds a rich rendering with source snippets
//! on a terminal, and the language server converts the same value into LSP
//! diagnostics.

use std::fmt::Write as _;

use crate::span::{SourceMap, Span};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Stops evaluation.
    Error,
    /// Worth knowing; evaluation goes on.
    Warning,
}

/// When the problem was found, which decides the reference's first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before evaluation (parsing, static checks): `STATIC ERROR: …`.
    Static,
    /// During evaluation: `RUNTIME ERROR: …`.
    Runtime,
}

/// A secondary location with a short message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say about it.
    pub message: String,
}

/// One line of a runtime stack trace: a location and the name of the
/// function, thunk or object being evaluated there (empty at top level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceFrame {
    /// A location in a source file.
    At {
        /// Where.
        span: Span,
        /// `function <f>`, `thunk <x>`, `object <o>` or empty.
        name: String,
    },
    /// A frame with no source location, such as `During manifestation` or
    /// `Top-level function`, printed as the reference does.
    Note(String),
}

/// A problem found in a kcfg program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Static or runtime.
    pub phase: Phase,
    /// A stable, readable code such as `kcfg::eval::field_not_found`.
    pub code: &'static str,
    /// The message, worded as the Jsonnet reference words it.
    pub message: String,
    /// The main location, if there is one.
    pub span: Option<Span>,
    /// Other locations worth showing.
    pub labels: Vec<Label>,
    /// Help lines (`did you mean …`), shown by the rich renderer only, so the
    /// plain text stays identical to the reference's.
    pub notes: Vec<String>,
    /// Runtime errors: the stack, innermost first.
    pub trace: Vec<TraceFrame>,
}

impl Diagnostic {
    /// A static error at `span`.
    pub fn static_error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            phase: Phase::Static,
            code,
            message: message.into(),
            span: Some(span),
            labels: Vec::new(),
            notes: Vec::new(),
            trace: Vec::new(),
        }
    }

    /// A runtime error with no trace yet.
    pub fn runtime_error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            phase: Phase::Runtime,
            code,
            message: message.into(),
            span: None,
            labels: Vec::new(),
            notes: Vec::new(),
            trace: Vec::new(),
        }
    }

    /// Adds a help line.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Renders the diagnostic as the Jsonnet reference prints it, ending in a
    /// line break. `max_trace` limits the stack trace the way `jsonnet -t`
    /// does (0: no limit): the first `max_trace / 2` and the last
    /// `max_trace - max_trace / 2` frames are kept around a `...` line.
    pub fn render_plain(&self, sources: &SourceMap, max_trace: usize) -> String {
        let mut out = String::new();
        match self.phase {
            Phase::Static => {
                out.push_str("STATIC ERROR: ");
                if let Some(span) = self.span {
                    let _ = write!(out, "{}: ", sources.format_span(span));
                }
                out.push_str(&self.message);
                out.push('\n');
            }
            Phase::Runtime => {
                let _ = writeln!(out, "RUNTIME ERROR: {}", self.message);
                let frames = &self.trace;
                let write_frame = |out: &mut String, frame: &TraceFrame| match frame {
                    TraceFrame::At { span, name } => {
                        let _ = writeln!(out, "\t{}\t{}", sources.format_span(*span), name);
                    }
                    TraceFrame::Note(text) => {
                        let _ = writeln!(out, "\t{text}\t");
                    }
                };
                if max_trace > 0 && frames.len() > max_trace {
                    let head = max_trace / 2;
                    let tail = max_trace - head;
                    for frame in &frames[..head] {
                        write_frame(&mut out, frame);
                    }
                    out.push_str("\t...\n");
                    for frame in &frames[frames.len() - tail..] {
                        write_frame(&mut out, frame);
                    }
                } else {
                    for frame in frames {
                        write_frame(&mut out, frame);
                    }
                }
            }
        }
        out
    }

    /// The first line of [`Diagnostic::render_plain`], without the line
    /// break: what the conformance suite compares.
    pub fn first_line(&self, sources: &SourceMap) -> String {
        let text = self.render_plain(sources, 1);
        text.lines().next().unwrap_or_default().to_string()
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::SourceName;

    #[test]
    fn static_error_text() {
        let map = SourceMap::new();
        let file = map.add(
            SourceName::Virtual("f.jsonnet".into()),
            "local x = tmp2;\nx",
        );
        let diag = Diagnostic::static_error(
            "kcfg::analyze::unknown_variable",
            Span {
                file: file.id,
                start: 10,
                end: 14,
            },
            "Unknown variable: tmp2",
        );
        assert_eq!(
            diag.render_plain(&map, 0),
            "STATIC ERROR: f.jsonnet:1:11-15: Unknown variable: tmp2\n"
        );
    }

    #[test]
    fn trace_is_cropped_like_the_reference() {
        let map = SourceMap::new();
        let file = map.add(SourceName::Virtual("<cmdline>".into()), "0123456789");
        let mut diag = Diagnostic::runtime_error("kcfg::eval::user_error", "whee");
        for i in 0..5 {
            diag.trace.push(TraceFrame::At {
                span: Span {
                    file: file.id,
                    start: i,
                    end: i + 1,
                },
                name: String::new(),
            });
        }
        let text = diag.render_plain(&map, 3);
        assert_eq!(
            text,
            "RUNTIME ERROR: whee\n\t<cmdline>:1:1\t\n\t...\n\t<cmdline>:1:4\t\n\t<cmdline>:1:5\t\n"
        );
    }
}
