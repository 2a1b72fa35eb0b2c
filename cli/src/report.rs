//! Printing diagnostics.
//!
//! The plain rendering is the reference's exact text (`RUNTIME ERROR: …`
//! and a tab-separated stack trace): what pipes, scripts, CI logs and the
//! conformance suite see. On a terminal, or with `--color always`, the same
//! diagnostic is rendered richly: the reference's first line, then the
//! source snippet with the error's span underlined, help notes and the
//! stack trace. Both come from one [`Diagnostic`] value.

use std::fmt;

use kcfg_lang::diag::{Diagnostic, Phase};
use kcfg_lang::span::SourceMap;
use kcfg_render::{Error, EvalError, Failure};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::color::Painter;

/// Renders a diagnostic as plain reference text, or richly when the
/// painter colors.
pub fn render(
    diag: &Diagnostic,
    sources: &SourceMap,
    max_trace: usize,
    painter: Painter,
) -> String {
    if !painter.is_on() {
        return diag.render_plain(sources, max_trace);
    }
    let plain = diag.render_plain(sources, max_trace);
    let first = plain.lines().next().unwrap_or_default();
    let mut out = format!("{}\n", painter.error(first));
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
        out.push_str(&format!("{}\n", painter.dim("stack trace:")));
        for line in plain.lines().skip(1) {
            out.push_str(&format!("{}\n", painter.dim(line)));
        }
    }
    out
}

/// A failed evaluation of the renderer, as [`render`] renders it.
pub fn eval_error(err: &EvalError, max_trace: usize, painter: Painter) -> String {
    render(&err.diagnostic, &err.sources, max_trace, painter)
}

/// Why a target failed, ending in a line break: the diagnostic, or the
/// renderer's message.
pub fn failure(failure: &Failure, max_trace: usize, painter: Painter) -> String {
    match failure {
        Failure::Eval(err) => eval_error(err, max_trace, painter),
        Failure::Objects(message) | Failure::Output(message) => format!("{message}\n"),
    }
}

/// A render that stopped, as `kcfg render` and `kcfg argocd generate`
/// print it on standard error (every line ends in a line break).
pub fn render_error(err: &Error, max_trace: usize, painter: Painter) -> String {
    match err {
        Error::NoPlan { .. } => format!(
            "error: {err} (kcfg render reads {} in the directory it is given; see kcfg render --help)\n",
            kcfg_render::PLAN_FILE
        ),
        Error::PlanEval {
            path,
            context,
            error,
        } => format!(
            "error: {}: {context}\n{}",
            path.display(),
            eval_error(error, max_trace, painter)
        ),
        Error::NothingSelected {
            in_plan,
            suggestions,
        } => {
            let mut text =
                format!("error: no target of the plan matches --only ({in_plan} targets in the plan)");
            if !suggestions.is_empty() {
                let globs: Vec<String> = suggestions
                    .iter()
                    .map(|glob| format!("--only '{glob}'"))
                    .collect();
                text.push_str(&format!("; did you mean {}?", globs.join(" ")));
            }
            text.push('\n');
            text
        }
        Error::MassDelete(mass) if mass.over_ratio() => format!(
            "error: {err}\nif this is intended, pass --allow-mass-delete (or raise --max-prune-ratio)\n"
        ),
        Error::MassDelete(_) => {
            format!("error: {err}\nif this is intended, pass --allow-mass-delete\n")
        }
        _ => format!("error: {err}\n"),
    }
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
