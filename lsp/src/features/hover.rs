//! `textDocument/hover`: what the name under the cursor is.
//!
//! For `std.name`, the function's signature (from the builtin table) and
//! its documentation ([`crate::std_docs`]); for `std.extVar('name')` and
//! the parameters of a top-level function, also what the settings bind
//! them to ([`super::external`]). For user code, the comment
//! written right above the definition (its doc comment) and its shape: a
//! function's parameters, an object's fields (through its merges), or the
//! value's first line.

use std::sync::Arc;

use kcfg_lang::ast::{Expr, ExprKind, Param};
use kcfg_lang::lines::Encoding;
use kcfg_lang::span::Span;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::analysis::FileAnalysis;
use crate::lookup::{self, Target};
use crate::position;
use crate::shape::Resolver;
use crate::walk::{self, Binding};
use crate::world::World;

/// The hover text for the name at `at` in `file`.
pub fn hover(world: &World, file: &Arc<FileAnalysis>, at: Position) -> Option<Hover> {
    let encoding = world.encoding();
    let offset = position::offset(file, at, encoding);
    if let Some((ext_var, at)) = super::external::ext_var_hover(world, file, offset) {
        // On `extVar` itself, the function's description comes first.
        let mut text = String::new();
        if file.slice(at) == "extVar" {
            text.push_str(&crate::std_docs::markdown("extVar")?);
            text.push_str("\n\n");
        }
        text.push_str(&ext_var);
        return Some(markdown(file, text, at, encoding));
    }
    let mut resolver = Resolver::new(world);
    let target = lookup::target_at(&mut resolver, file, offset)?;
    let (text, span) = match target {
        Target::Std { name, at } => (crate::std_docs::markdown(&name)?, at),
        Target::Local { name, def, at } => {
            let binding = walk::binding_at(&file.tree.expr, def)?;
            let mut text = String::new();
            push_doc(&mut text, file, binding_start(binding));
            match binding {
                Binding::Local(bind) => {
                    let params = bind.params.as_deref().or(match &bind.value.kind {
                        ExprKind::Function { params, .. } => Some(params.as_slice()),
                        _ => None,
                    });
                    match params {
                        Some(params) => code(
                            &mut text,
                            &format!("local {name}({})", signature(file, params)),
                        ),
                        None => {
                            code(
                                &mut text,
                                &format!("local {name} = {}", summary(file, &bind.value)),
                            );
                            push_fields(&mut text, &mut resolver, file, &bind.value);
                        }
                    }
                }
                Binding::Param(param) => {
                    let default = param
                        .default
                        .as_ref()
                        .map(|d| format!(" = {}", summary(file, d)))
                        .unwrap_or_default();
                    code(&mut text, &format!("(parameter) {name}{default}"));
                    if let Some(note) = super::external::tla_note(world, file, param) {
                        text.push_str("\n\n");
                        text.push_str(&note);
                    }
                }
                Binding::ForVar(_) => code(&mut text, &format!("(for) {name}")),
            }
            (text, at)
        }
        Target::Field { name, defs, at, .. } => {
            let def = defs.last()?;
            let field = def.field()?;
            let mut text = String::new();
            push_doc(&mut text, &def.file, field.span.start);
            let colons = match field.visibility {
                kcfg_lang::ast::Visibility::Inherit => ":",
                kcfg_lang::ast::Visibility::Hidden => "::",
                kcfg_lang::ast::Visibility::Visible => ":::",
            };
            match &field.params {
                Some(params) => code(
                    &mut text,
                    &format!("{name}({}){colons}", signature(&def.file, params)),
                ),
                None => {
                    code(
                        &mut text,
                        &format!("{name}{colons} {}", summary(&def.file, &field.value)),
                    );
                    let def_file = def.file.clone();
                    push_fields(&mut text, &mut resolver, &def_file, &field.value);
                }
            }
            if defs.len() > 1 {
                text.push_str(&format!("\n\nDefined in {} layers.", defs.len()));
            }
            (text, at)
        }
        Target::Import { file: found, at } => {
            let text = match found {
                Some(path) => format!("`{}`", path.display()),
                None => "File not found in the import search path.".to_string(),
            };
            (text, at)
        }
        Target::ComputedField { .. } => return None,
    };
    Some(markdown(file, text, span, encoding))
}

/// A Markdown hover over `span`.
fn markdown(file: &FileAnalysis, text: String, span: Span, encoding: Encoding) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(position::range(file, span, encoding)),
    }
}

fn code(text: &mut String, line: &str) {
    text.push_str("```jsonnet\n");
    text.push_str(line);
    text.push_str("\n```");
}

fn binding_start(binding: Binding<'_>) -> u32 {
    binding.ident().span.start
}

/// The parameters as written.
fn signature(file: &FileAnalysis, params: &[Param]) -> String {
    params
        .iter()
        .map(|param| match &param.default {
            Some(default) => format!("{}={}", param.name.name, summary(file, default)),
            None => param.name.name.as_str().to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An expression's text, shortened to its first line and 60 characters.
fn summary(file: &FileAnalysis, expr: &Expr) -> String {
    let text = file.slice(expr.span);
    let first = text.lines().next().unwrap_or("");
    let mut short: String = first.chars().take(60).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// Lists the fields of the object `value` evaluates to, if known.
fn push_fields(
    text: &mut String,
    resolver: &mut Resolver<'_>,
    file: &Arc<FileAnalysis>,
    value: &Expr,
) {
    let layers = resolver.layers(file, value);
    let mut names: Vec<String> = Vec::new();
    for layer in &layers {
        let Some(object) = layer.expr() else { continue };
        for field in walk::fields(object) {
            if let Some((name, _)) = walk::field_name(field) {
                if !names.iter().any(|known| known == name) {
                    names.push(name.to_string());
                }
            }
        }
    }
    if !names.is_empty() {
        text.push_str("\n\nFields: ");
        let shown: Vec<String> = names.iter().take(30).map(|n| format!("`{n}`")).collect();
        text.push_str(&shown.join(", "));
        if names.len() > 30 {
            text.push_str(&format!(" and {} more", names.len() - 30));
        }
    }
}

/// Puts the comment right above offset `at` (only blank space between,
/// no blank line) before the text.
fn push_doc(text: &mut String, file: &FileAnalysis, at: u32) {
    if let Some(doc) = doc_comment(file, at) {
        text.push_str(&doc);
        text.push_str("\n\n");
    }
}

/// The comments that end right above the line of offset `at`, joined.
pub fn doc_comment(file: &FileAnalysis, at: u32) -> Option<String> {
    let source = file.text();
    let line_start = source[..at as usize].rfind('\n').map_or(0, |i| i + 1) as u32;
    // Only indentation (or `local`) between the line's start and `at`.
    let before = &source[line_start as usize..at as usize];
    if !before.trim().is_empty() && before.trim() != "local" {
        return None;
    }
    let mut lines: Vec<String> = Vec::new();
    let mut end = line_start;
    for comment in file.tree.comments.iter().rev() {
        if comment.span.end > end {
            continue;
        }
        let between = &source[comment.span.end as usize..end as usize];
        if between.chars().filter(|&c| c == '\n').count() > 1 || !between.trim().is_empty() {
            break;
        }
        // The comment must start its line.
        let start_of_line = source[..comment.span.start as usize]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        if !source[start_of_line..comment.span.start as usize]
            .trim()
            .is_empty()
        {
            break;
        }
        lines.push(clean_comment(&comment.text));
        end = start_of_line as u32;
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}

fn clean_comment(text: &str) -> String {
    text.lines()
        .map(|line| line.trim().trim_start_matches('*').trim())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}
