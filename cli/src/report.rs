//! Printing diagnostics.
//!
//! The plain rendering is the reference's exact text (`RUNTIME ERROR: …`
//! and a tab-separated stack trace): what pipes, scripts, CI logs and the
//! conformance suite see. On a terminal, or with `--color always`, the same
//! diagnostic is rendered richly: the reference's first line, then the
//! source snippet with the error's span underlined, help notes and the
//! stack trace. Both come from one [`Diagnostic`] value.

use std::fmt;
use std::io::IsTerminal;

use kcfg_lang::diag::{Diagnostic, Phase};
use kcfg_lang::span::SourceMap;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

/// Whether to use colors and snippets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// When standard error is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to render richly on standard error.
    pub fn rich_on_stderr(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

/// Renders a diagnostic as plain reference text or richly.
pub fn render(diag: &Diagnostic, sources: &SourceMap, max_trace: usize, rich: bool) -> String {
    if !rich {
        return diag.render_plain(sources, max_trace);
    }
    let plain = diag.render_plain(sources, max_trace);
    let first = plain.lines().next().unwrap_or_default();
    let mut out = format!("\x1b[1;31m{first}\x1b[0m\n");
    if let Some(span) = diag.span {
        let file = sources.get(span.file);
        let report = Snippet {
            message: diag.code.to_string(),
            source: NamedSource::new(file.name.to_string(), file.text.to_string()),
            span: SourceSpan::new(
                (span.start as usize).into(),
                (span.end - span.start) as usize,
            ),
            help: (!diag.notes.is_empty()).then(|| diag.notes.join("\n")),
        };
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode());
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_ok() {
            out.push_str(&text);
        }
    } else if !diag.notes.is_empty() {
        for note in &diag.notes {
            out.push_str(&format!("  help: {note}\n"));
        }
    }
    if diag.phase == Phase::Runtime && !diag.trace.is_empty() {
        out.push_str("\x1b[2mstack trace:\x1b[0m\n");
        for line in plain.lines().skip(1) {
            out.push_str(&format!("\x1b[2m{line}\x1b[0m\n"));
        }
    }
    out
}

/// A miette report for one span.
struct Snippet {
    message: String,
    source: NamedSource<String>,
    span: SourceSpan,
    help: Option<String>,
}

impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Snippet {}

impl miette::Diagnostic for Snippet {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some("here".into()),
            self.span,
        ))))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }
}
