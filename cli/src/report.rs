//! Printing diagnostics, in the three formats of `--error-format` (issue
//! 16, item 4).
//!
//! * `plain` is the reference's exact text (`RUNTIME ERROR: …` and a
//!   tab-separated stack trace): what scripts and the conformance suite
//!   compare, and what the `jsonnet` personality always prints unless
//!   asked otherwise.
//! * `rich` is the same first line, then the source snippet with the
//!   error's span underlined (miette's graphical layout), the "did you
//!   mean" and other help notes, and the stack trace. It is a layout, not
//!   a colour scheme: without colour (`NO_COLOR`, `--color never`, a pipe)
//!   it is printed the same, uncoloured.
//! * `json` is one JSON object per diagnostic, one per line (JSON Lines),
//!   described in the README ("Errors as JSON"); its field names are
//!   stable.
//!
//! All three come from one [`Diagnostic`] value. `kcfg` defaults to rich
//! when standard error is a terminal (or colour is forced with
//! `--color always`) and to plain otherwise.

use std::fmt;
use std::io::IsTerminal as _;

use clap::ValueEnum;
use kcfg_lang::diag::{Diagnostic, Phase, Severity, TraceFrame};
use kcfg_lang::span::{SourceMap, Span};
use kcfg_render::group::TargetSet;
use kcfg_render::policy::Violation;
use kcfg_render::{Error, EvalError, Failure};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde_json::{json, Value as Json};

use crate::color::{ColorWhen, Painter};

/// How errors are printed on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormat {
    /// Source snippet, underline, hints and trace (coloured when colours are on)
    Rich,
    /// The Jsonnet reference's exact text
    Plain,
    /// One JSON object per diagnostic and line
    Json,
}

/// The help line of `--error-format`, shared by the commands that take it.
pub const ERROR_FORMAT_HELP: &str = "How errors are printed: rich, plain (the Jsonnet reference's text) or json (one object per line) [default: rich when standard error is a terminal or with --color always, else plain]";

impl ErrorFormat {
    /// `rich`, `plain` or `json`, for the command lines parsed by hand.
    pub fn parse(text: &str) -> Option<ErrorFormat> {
        ErrorFormat::from_str(text, false).ok()
    }

    /// The format `kcfg` uses when none is asked for: rich when standard
    /// error is a terminal or colour is forced, else plain (what logs and
    /// scripts expect).
    pub fn default_for(color: ColorWhen) -> ErrorFormat {
        if color == ColorWhen::Always || std::io::stderr().is_terminal() {
            ErrorFormat::Rich
        } else {
            ErrorFormat::Plain
        }
    }
}

/// Everything that decides how a diagnostic is printed.
#[derive(Debug, Clone, Copy)]
pub struct Errors {
    /// Rich, plain or JSON.
    pub format: ErrorFormat,
    /// Colours of the rich format.
    pub painter: Painter,
    /// Stack trace lines of the plain and rich formats (0: all; JSON always
    /// has every frame).
    pub max_trace: usize,
}

impl Errors {
    /// The format asked for (or the default), the colours of standard
    /// error.
    pub fn new(format: Option<ErrorFormat>, color: ColorWhen, max_trace: usize) -> Errors {
        Errors {
            format: format.unwrap_or_else(|| ErrorFormat::default_for(color)),
            painter: color.stderr(),
            max_trace,
        }
    }

    /// Whether diagnostics are JSON lines.
    pub fn is_json(&self) -> bool {
        self.format == ErrorFormat::Json
    }

    /// A diagnostic, ending in a line break.
    pub fn diagnostic(&self, diag: &Diagnostic, sources: &SourceMap) -> String {
        match self.format {
            ErrorFormat::Plain => diag.render_plain(sources, self.max_trace),
            ErrorFormat::Rich => rich(diag, sources, self.max_trace, self.painter),
            ErrorFormat::Json => line(diagnostic_json(diag, sources)),
        }
    }

    /// An error that is only a message (`error: …`), with its code in JSON.
    pub fn message(&self, code: &str, message: &str) -> String {
        match self.format {
            ErrorFormat::Json => line(message_json(code, message)),
            _ => format!("{}\n", self.painter.error(&format!("error: {message}"))),
        }
    }
}

/// A JSON value on a line of its own.
fn line(value: Json) -> String {
    format!("{value}\n")
}

/// The rich layout: the reference's first line, the snippet with the span
/// underlined and the help notes (miette), then the stack trace.
fn rich(diag: &Diagnostic, sources: &SourceMap, max_trace: usize, painter: Painter) -> String {
    let plain = diag.render_plain(sources, max_trace);
    let first = plain.lines().next().unwrap_or_default();
    let mut out = format!("{}\n", painter.error(first));
    if let Some(span) = diag.span {
        let file = sources.get(span.file);
        let mut labels = vec![LabeledSpan::new_with_span(
            Some("here".into()),
            source_span(span),
        )];
        let mut notes = diag.notes.clone();
        for label in &diag.labels {
            if label.span.file == span.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    source_span(label.span),
                ));
            } else {
                notes.push(format!(
                    "{}: {}",
                    sources.format_span(label.span),
                    label.message
                ));
            }
        }
        let report = Snippet {
            message: diag.code.to_string(),
            source: NamedSource::new(file.name.to_string(), file.text.to_string()),
            labels,
            help: (!notes.is_empty()).then(|| notes.join("\n")),
        };
        let theme = if painter.is_on() {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_ok() {
            out.push_str(text.trim_end_matches('\n'));
            out.push('\n');
        }
    } else {
        for note in &diag.notes {
            out.push_str(&format!("  {} {note}\n", painter.cyan("help:")));
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

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new(
        (span.start as usize).into(),
        span.end.saturating_sub(span.start) as usize,
    )
}

/// A location as JSON: the file as messages name it, and 1-based lines and
/// byte columns of the first character and of the one after the last (the
/// reference's `f.jsonnet:1:11-15` is columns 11 to 15).
fn location_json(span: Span, sources: &SourceMap) -> Json {
    let file = sources.get(span.file);
    let start = file.line_col(span.start);
    let end = file.line_col(span.end.max(span.start));
    json!({
        "file": file.name.to_string(),
        "start": { "line": start.line, "column": start.column },
        "end": { "line": end.line, "column": end.column },
    })
}

/// A diagnostic as a JSON object (the schema is in the README).
pub fn diagnostic_json(diag: &Diagnostic, sources: &SourceMap) -> Json {
    let trace: Vec<Json> = diag
        .trace
        .iter()
        .map(|frame| match frame {
            TraceFrame::At { span, name } => json!({
                "location": location_json(*span, sources),
                "name": name,
            }),
            TraceFrame::Note(text) => json!({ "location": null, "name": text }),
        })
        .collect();
    let labels: Vec<Json> = diag
        .labels
        .iter()
        .map(|label| {
            json!({ "location": location_json(label.span, sources), "message": label.message })
        })
        .collect();
    json!({
        "severity": match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        "code": diag.code,
        "message": diag.message,
        "text": diag.first_line(sources),
        "location": diag.span.map(|span| location_json(span, sources)),
        "labels": labels,
        "notes": diag.notes,
        "trace": trace,
    })
}

/// An error with no source location as a JSON object of the same shape.
pub fn message_json(code: &str, message: &str) -> Json {
    json!({
        "severity": "error",
        "code": code,
        "message": message,
        "text": format!("error: {message}"),
        "location": null,
        "labels": [],
        "notes": [],
        "trace": [],
    })
}

/// Adds `targets` (every name) and `target_pattern` (the glob naming them,
/// or null) to a diagnostic's JSON object.
pub fn with_targets(mut value: Json, targets: &TargetSet) -> Json {
    if let Json::Object(fields) = &mut value {
        fields.insert("targets".into(), json!(targets.names));
        fields.insert("target_pattern".into(), json!(targets.pattern));
    }
    value
}

/// A target's failure as a JSON diagnostic.
pub fn failure_json(failure: &Failure) -> Json {
    match failure {
        Failure::Eval(err) => diagnostic_json(&err.diagnostic, &err.sources),
        other => {
            let diag = other.diagnostic();
            message_json(diag.code, &diag.message)
        }
    }
}

/// A policy violation as a JSON diagnostic, with its `rule` and `object`.
pub fn violation_json(violation: &Violation) -> Json {
    let mut value = message_json("kcfg::render::policy_violation", &violation.to_string());
    if let Json::Object(fields) = &mut value {
        let object = &violation.object;
        fields.insert("rule".into(), json!(violation.rule));
        fields.insert(
            "object".into(),
            json!({
                "apiVersion": object.api_version,
                "kind": object.kind,
                "namespace": object.namespace,
                "name": object.name,
            }),
        );
    }
    value
}

/// A diagnostic as commands without `--error-format` print it (`kcfg
/// fmt`): rich when the painter colours, else plain.
pub fn render(
    diag: &Diagnostic,
    sources: &SourceMap,
    max_trace: usize,
    painter: Painter,
) -> String {
    let format = if painter.is_on() {
        ErrorFormat::Rich
    } else {
        ErrorFormat::Plain
    };
    Errors {
        format,
        painter,
        max_trace,
    }
    .diagnostic(diag, sources)
}

/// A failed evaluation of the renderer.
pub fn eval_error(err: &EvalError, errors: &Errors) -> String {
    errors.diagnostic(&err.diagnostic, &err.sources)
}

/// Why a target failed, ending in a line break: the diagnostic, or the
/// renderer's message.
pub fn failure(failure: &Failure, errors: &Errors) -> String {
    match (failure, errors.format) {
        (_, ErrorFormat::Json) => line(failure_json(failure)),
        (Failure::Eval(err), _) => eval_error(err, errors),
        (Failure::Objects(message) | Failure::Output(message), _) => format!("{message}\n"),
    }
}

/// A render that stopped, as a JSON diagnostic.
pub fn render_error_json(err: &Error) -> Json {
    match err {
        Error::PlanEval {
            path,
            context,
            error,
        } => {
            let mut value = diagnostic_json(&error.diagnostic, &error.sources);
            if let Json::Object(fields) = &mut value {
                fields.insert("plan".into(), json!(path.display().to_string()));
                fields.insert("context".into(), json!(context));
            }
            value
        }
        Error::NothingSelected { suggestions, .. } => {
            let mut value = message_json(err.code(), &err.to_string());
            if let Json::Object(fields) = &mut value {
                fields.insert("suggestions".into(), json!(suggestions));
            }
            value
        }
        _ => message_json(err.code(), &err.to_string()),
    }
}

/// A render that stopped, as `kcfg render` and `kcfg argocd generate`
/// print it on standard error (every line ends in a line break).
pub fn render_error(err: &Error, errors: &Errors) -> String {
    if errors.is_json() {
        return line(render_error_json(err));
    }
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
            eval_error(error, errors)
        ),
        Error::NothingSelected {
            in_plan,
            suggestions,
        } => {
            let mut text = format!(
                "error: no target of the plan matches --only ({in_plan} targets in the plan)"
            );
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

/// Identical failures of several targets, grouped (`kcfg_render::group`):
/// `error: target NAME:` for one target, `error: 3 targets:
/// edge-eu-*/web:` for several, then the diagnostic; in JSON, one line
/// with `targets` and `target_pattern`.
pub fn failure_group(group: &kcfg_render::group::FailureGroup<'_>, errors: &Errors) -> String {
    if errors.is_json() {
        return line(with_targets(failure_json(group.failure), &group.targets));
    }
    let text = failure(group.failure, errors);
    let header = match group.targets.names.as_slice() {
        [one] => format!("error: target {one}:"),
        _ => format!("error: {}:", group.targets),
    };
    let header = errors.painter.error(&header);
    if text.trim_end().contains('\n') {
        format!("{header}\n{text}")
    } else {
        format!("{header} {text}")
    }
}

/// The policy violations of a render, identical ones grouped: a headline
/// with the counts, then one line per group (`  3 targets: edge-eu-*/web:
/// Deployment web/web: [rule] message`); in JSON, one line per group.
pub fn violation_groups(
    groups: &[kcfg_render::group::ViolationGroup<'_>],
    errors: &Errors,
) -> String {
    let mut out = String::new();
    if groups.is_empty() {
        return out;
    }
    if errors.is_json() {
        for group in groups {
            out.push_str(&line(with_targets(
                violation_json(group.violation),
                &group.targets,
            )));
        }
        return out;
    }
    let count: usize = groups.iter().map(|group| group.targets.names.len()).sum();
    let mut targets: Vec<&str> = groups
        .iter()
        .flat_map(|group| group.targets.names.iter().map(String::as_str))
        .collect();
    targets.sort_unstable();
    targets.dedup();
    out.push_str(&errors.painter.error(&format!(
        "error: {count} policy violation{} in {} target{}:",
        plural(count),
        targets.len(),
        plural(targets.len())
    )));
    out.push('\n');
    for group in groups {
        out.push_str(&format!("  {}: {}\n", group.targets, group.violation));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A miette report for one file: the code, labelled spans, help.
struct Snippet {
    message: String,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
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
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }
}

#[cfg(test)]
mod tests {
    use kcfg_lang::span::SourceName;

    use super::*;

    fn sample() -> (Diagnostic, SourceMap) {
        let sources = SourceMap::new();
        let file = sources.add(
            SourceName::Virtual("f.jsonnet".into()),
            "local xyz = 1;\nxya + 1\n",
        );
        let diag = Diagnostic::static_error(
            "kcfg::analyze::unknown_variable",
            Span::new(file.id, 15, 18),
            "Unknown variable: xya",
        )
        .with_note("did you mean `xyz`?");
        (diag, sources)
    }

    fn errors(format: ErrorFormat, painter: Painter) -> Errors {
        Errors {
            format,
            painter,
            max_trace: 20,
        }
    }

    #[test]
    fn issue16_rich_without_colour_is_the_same_layout() {
        let (diag, sources) = sample();
        let plain = errors(ErrorFormat::Rich, Painter::default()).diagnostic(&diag, &sources);
        insta::assert_snapshot!(plain, @r"
        STATIC ERROR: f.jsonnet:2:1-4: Unknown variable: xya
          × kcfg::analyze::unknown_variable
           ╭─[f.jsonnet:2:1]
         1 │ local xyz = 1;
         2 │ xya + 1
           · ─┬─
           ·  ╰── here
           ╰────
          help: did you mean `xyz`?
        ");
        let coloured =
            errors(ErrorFormat::Rich, ColorWhen::Always.stderr()).diagnostic(&diag, &sources);
        assert!(coloured.contains("\x1b["));
        let stripped = regex_lite_strip(&coloured);
        assert_eq!(stripped, plain);
    }

    /// The text without ANSI escapes.
    fn regex_lite_strip(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn issue16_json_fields() {
        let (diag, sources) = sample();
        let text = errors(ErrorFormat::Json, Painter::default()).diagnostic(&diag, &sources);
        assert!(text.ends_with('\n') && text.trim_end().lines().count() == 1);
        let value: Json = serde_json::from_str(&text).unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&value).unwrap(), @r#"
        {
          "severity": "error",
          "code": "kcfg::analyze::unknown_variable",
          "message": "Unknown variable: xya",
          "text": "STATIC ERROR: f.jsonnet:2:1-4: Unknown variable: xya",
          "location": {
            "file": "f.jsonnet",
            "start": {
              "line": 2,
              "column": 1
            },
            "end": {
              "line": 2,
              "column": 4
            }
          },
          "labels": [],
          "notes": [
            "did you mean `xyz`?"
          ],
          "trace": []
        }
        "#);
    }
}
