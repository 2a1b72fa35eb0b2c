//! External variables and top-level arguments from the settings (issue
//! 17, "workspace model": `extVars`, `extCode`, `tlas` and `tlaCode` under
//! the `kcfg` section), read without evaluating anything:
//! - completion of the configured names inside `std.extVar('…` or
//!   `std.extVar("…`, called from [`super::completion`];
//! - hover on `std.extVar('name')` (on the string or on `extVar`): the
//!   configured string or code, or that `name` is not configured, which
//!   `kcfg eval` would report as an error;
//! - hover on a parameter of the file's top-level function: the top-level
//!   argument configured for it, called from [`super::hover`].

use kcfg_lang::ast::{Expr, ExprKind, Param};
use kcfg_lang::span::Span;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent,
    MarkupKind, Range, TextEdit,
};

use crate::analysis::FileAnalysis;
use crate::walk::{self, Node};
use crate::world::{External, World};

/// When the line up to the cursor ends inside the string argument of
/// `std.extVar(`, the part of the name typed so far.
pub fn completion_context(before: &str) -> Option<&str> {
    let typed_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |(index, c)| index + c.len_utf8());
    let typed = &before[typed_start..];
    let rest = before[..typed_start]
        .strip_suffix(['\'', '"'])?
        .trim_end()
        .strip_suffix('(')?
        .trim_end()
        .strip_suffix("extVar")?
        .trim_end()
        .strip_suffix('.')?
        .trim_end()
        .strip_suffix("std")?;
    let whole_word = !rest
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    whole_word.then_some(typed)
}

/// The configured external variables, each replacing `range` (the name
/// typed so far).
pub fn completion_items(world: &World, range: Range) -> Vec<CompletionItem> {
    world
        .settings
        .ext_var_names()
        .into_iter()
        .map(|(name, settings)| CompletionItem {
            label: name.to_string(),
            kind: Some(CompletionItemKind::CONSTANT),
            detail: Some(kinds(&settings).to_string()),
            documentation: Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: describe(&settings),
            })),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                range,
                name.to_string(),
            ))),
            ..CompletionItem::default()
        })
        .collect()
}

/// Hover text for `std.extVar('name')` when `offset` is on its string or
/// on `extVar`, with the span it covers.
pub fn ext_var_hover(world: &World, file: &FileAnalysis, offset: u32) -> Option<(String, Span)> {
    let path = walk::path_at(&file.tree.expr, offset);
    for node in path.iter().rev() {
        let Node::Expr(expr) = node else {
            continue;
        };
        let ExprKind::Apply { target, args, .. } = &expr.kind else {
            continue;
        };
        let ExprKind::Field { target: std, name } = &target.kind else {
            continue;
        };
        let ExprKind::Var(var) = &std.kind else {
            continue;
        };
        let shadowed = file.resolution(var.span).and_then(|r| r.def).is_some();
        if var.name.as_str() != "std" || shadowed || name.name.as_str() != "extVar" {
            continue;
        }
        let arg = args.first().filter(|arg| arg.name.is_none())?;
        let ExprKind::Str { value, .. } = &arg.value.kind else {
            return None;
        };
        let on = |span: Span| span.start <= offset && offset <= span.end;
        let at = if on(arg.value.span) {
            arg.value.span
        } else if on(name.span) {
            name.span
        } else {
            return None;
        };
        let settings = world.settings.ext_var(value);
        let text = if settings.is_empty() {
            format!(
                "External variable `{value}` is not configured (settings `kcfg.extVars`, \
                 `kcfg.extCode`): `kcfg eval` without `--ext-str {value}=…` or \
                 `--ext-code {value}=…` fails with `undefined external variable: {value}`."
            )
        } else {
            format!(
                "External variable `{value}`, {}:\n\n{}",
                kinds(&settings),
                describe(&settings)
            )
        };
        return Some((text, at));
    }
    None
}

/// The parameters of the function the file evaluates to (after its
/// `local`s), which top-level arguments bind.
fn top_level_params(file: &FileAnalysis) -> &[Param] {
    let mut expr: &Expr = &file.tree.expr;
    loop {
        match &expr.kind {
            ExprKind::Local { body, .. } => expr = body,
            ExprKind::Function { params, .. } => return params,
            _ => return &[],
        }
    }
}

/// For a parameter of the file's top-level function, what the settings
/// bind it to, as a paragraph to append to its hover.
pub fn tla_note(world: &World, file: &FileAnalysis, param: &Param) -> Option<String> {
    let top_level = top_level_params(file)
        .iter()
        .any(|top| top.name.span == param.name.span);
    if !top_level {
        return None;
    }
    let name = param.name.name.as_str();
    let settings = world.settings.tla(name);
    Some(if settings.is_empty() {
        let fallback = if param.default.is_some() {
            "its default applies"
        } else {
            "`kcfg eval` fails unless `--tla-str` or `--tla-code` gives it"
        };
        format!("Top-level argument `{name}` is not configured (settings `kcfg.tlas`, `kcfg.tlaCode`): {fallback}.")
    } else {
        format!(
            "Top-level argument `{name}`, {}:\n\n{}",
            kinds(&settings),
            describe(&settings)
        )
    })
}

/// "a string", "code", or both.
fn kinds(settings: &[External<'_>]) -> &'static str {
    match settings {
        [External::Str(_)] => "set to a string",
        [External::Code(_)] => "set to code",
        _ => "set both to a string and to code",
    }
}

/// The configured values as Markdown code blocks: a string as its JSON
/// literal, code as written.
fn describe(settings: &[External<'_>]) -> String {
    settings
        .iter()
        .map(|setting| match setting {
            External::Str(value) => format!(
                "```jsonnet\n{}\n```",
                serde_json::Value::String(value.to_string())
            ),
            External::Code(code) => format!("```jsonnet\n{}\n```", code.trim_end()),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::completion_context;

    #[test]
    fn issue17_ext_var_completion_context() {
        assert_eq!(completion_context("x: std.extVar('"), Some(""));
        assert_eq!(completion_context("x: std.extVar(\"clu"), Some("clu"));
        assert_eq!(completion_context("std . extVar( 'a_1"), Some("a_1"));
        assert_eq!(completion_context("std.extVar(x"), None);
        assert_eq!(completion_context("mystd.extVar('"), None);
        assert_eq!(completion_context("std.extVars('"), None);
        assert_eq!(completion_context("std.extVar('a-"), None);
        assert_eq!(completion_context("import '"), None);
    }
}
