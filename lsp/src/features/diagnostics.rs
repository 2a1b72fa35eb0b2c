//! Diagnostics: every syntax error of the recovering parse and every
//! static error of the analysis, each with its span, its code
//! (`kcfg::syntax::…`, `kcfg::analyze::…`) and its notes; the message is
//! the reference's, as `kcfg eval` prints it after `STATIC ERROR: …:`. A
//! label on another place (the `local` whose binding lacks `;`) becomes
//! related information.
//!
//! The server publishes them on open and, debounced, after changes; an
//! empty list clears what the client shows once the file is fixed.

use kcfg_lang::diag::Diagnostic as KcfgDiagnostic;
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};

use crate::analysis::FileAnalysis;
use crate::position;
use crate::world::World;

/// The diagnostics of `file`, which the client knows as `uri`.
pub fn diagnostics(world: &World, file: &FileAnalysis, uri: &Uri) -> Vec<Diagnostic> {
    file.syntax_errors
        .iter()
        .chain(&file.static_errors)
        .map(|diagnostic| convert(world, file, uri, diagnostic))
        .collect()
}

fn convert(
    world: &World,
    file: &FileAnalysis,
    uri: &Uri,
    diagnostic: &KcfgDiagnostic,
) -> Diagnostic {
    let encoding = world.encoding();
    let span = diagnostic.span.unwrap_or_else(|| file.span(0, 0));
    let mut message = diagnostic.message.clone();
    for note in &diagnostic.notes {
        message.push('\n');
        message.push_str(note);
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), position::range(file, label.span, encoding)),
            message: label.message.clone(),
        })
        .collect();
    Diagnostic {
        range: position::range(file, span, encoding),
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        source: Some("kcfg".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    }
}
