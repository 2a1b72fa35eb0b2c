//! `textDocument/completion`.
//!
//! Five contexts, tried in order:
//! - inside an import's string: the files and directories the import
//!   search path has for what is typed so far, and the built-in `kcfg/`
//!   libraries;
//! - inside the string of `std.extVar('…`: the external variables the
//!   settings configure ([`super::external`]);
//! - after `.`: the fields of what is before it, through merges, imports
//!   and function calls ([`crate::shape`]); `std.` lists the standard
//!   library (as snippets with a placeholder per parameter when the client
//!   takes snippets). The expression before the dot is taken from the
//!   recovered tree, or when recovery made nothing of it, read back from
//!   the text as a chain of names (`app.` on a line that does not parse
//!   yet);
//! - anywhere else: the locals and parameters in scope, `std`, `self`,
//!   `super` and `$` inside objects, and the keywords.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use kcfg_lang::ast::ExprKind;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, InsertTextFormat, Position, Range,
    TextEdit,
};

use crate::analysis::FileAnalysis;
use crate::position;
use crate::shape::{Layer, Resolver};
use crate::walk::{self, Binding, Node};
use crate::world::{is_source, World};

const KEYWORDS: &[&str] = &[
    "assert",
    "else",
    "error",
    "false",
    "for",
    "function",
    "if",
    "import",
    "importbin",
    "importstr",
    "in",
    "local",
    "null",
    "tailstrict",
    "then",
    "true",
];

/// The completions at `at` in `file`.
pub fn completion(world: &World, file: &Arc<FileAnalysis>, at: Position) -> Vec<CompletionItem> {
    let encoding = world.encoding();
    let offset = position::offset(file, at, encoding) as usize;
    let text = file.text();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    if let Some(partial) = import_string(before) {
        let start = position::position(file, (offset - partial.len()) as u32, encoding);
        return import_paths(world, file, partial, Range::new(start, at));
    }
    if let Some(typed) = super::external::completion_context(before) {
        let start = position::position(file, (offset - typed.len()) as u32, encoding);
        return super::external::completion_items(world, Range::new(start, at));
    }
    let word_start = trailing_start(before, is_ident_char);
    let mut resolver = Resolver::new(world);
    if before[..word_start].ends_with('.') {
        let dot = line_start + word_start - 1;
        return members(&mut resolver, file, dot as u32, &before[..word_start - 1]);
    }
    scope_items(file, offset as u32)
}

/// Where the run of characters `keep` accepts at the end of `text` starts
/// (a byte offset, on a character boundary).
fn trailing_start(text: &str, keep: impl Fn(char) -> bool) -> usize {
    text.char_indices()
        .rev()
        .find(|&(_, c)| !keep(c))
        .map_or(0, |(index, c)| index + c.len_utf8())
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// What is typed of an import's path, when `before` (the line up to the
/// cursor) ends inside one.
fn import_string(before: &str) -> Option<&str> {
    let quote = before.rfind(['"', '\''])?;
    let head = before[..quote].trim_end();
    let is_import = ["import", "importstr", "importbin"]
        .iter()
        .any(|keyword| head.ends_with(keyword));
    // An even number of quotes before: this one opens a string.
    let quotes = before[..quote].matches(['"', '\'']).count();
    (is_import && quotes.is_multiple_of(2)).then(|| &before[quote + 1..])
}

fn import_paths(
    world: &World,
    file: &FileAnalysis,
    partial: &str,
    range: Range,
) -> Vec<CompletionItem> {
    let (dir_part, _) = partial.rsplit_once('/').unwrap_or(("", partial));
    let dir_prefix = if dir_part.is_empty() {
        String::new()
    } else {
        format!("{dir_part}/")
    };
    let mut bases: Vec<std::path::PathBuf> =
        file.dir().map(Path::to_path_buf).into_iter().collect();
    bases.extend(world.search_path(file.dir()));
    let mut found: BTreeMap<String, CompletionItemKind> = BTreeMap::new();
    for base in bases {
        let Ok(entries) = std::fs::read_dir(base.join(dir_part)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                found.insert(format!("{dir_prefix}{name}/"), CompletionItemKind::FOLDER);
            } else if is_source(&path) || name.ends_with(".json") {
                found.insert(format!("{dir_prefix}{name}"), CompletionItemKind::FILE);
            }
        }
    }
    if dir_part.is_empty() || dir_part == "kcfg" {
        for library in kcfg_render::libraries::LIBRARIES {
            found
                .entry(format!(
                    "{}{}",
                    kcfg_render::libraries::PREFIX,
                    library.name
                ))
                .or_insert(CompletionItemKind::MODULE);
        }
    }
    found
        .into_iter()
        .filter(|(label, _)| label.starts_with(partial))
        .map(|(label, kind)| CompletionItem {
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                range,
                label.clone(),
            ))),
            label,
            kind: Some(kind),
            ..CompletionItem::default()
        })
        .collect()
}

/// The fields of the expression that ends before the `.` at `dot`.
fn members(
    resolver: &mut Resolver<'_>,
    file: &Arc<FileAnalysis>,
    dot: u32,
    before_dot: &str,
) -> Vec<CompletionItem> {
    let chain = name_chain(before_dot);
    if chain.first().map(String::as_str) == Some("std") && chain.len() == 1 {
        let snippets = resolver.world().snippets;
        let path = walk::path_at(&file.tree.expr, dot);
        let shadowed = walk::scope(&path)
            .iter()
            .any(|binding| binding.ident().name.as_str() == "std");
        if !shadowed {
            return std_items(snippets);
        }
    }
    let layers = match tree_target(resolver, file, dot) {
        Some(layers) if !layers.is_empty() => layers,
        _ => chain_layers(resolver, file, dot, &chain),
    };
    field_items(&layers)
}

/// The layers of the target of the field access whose `.` is at `dot`,
/// from the tree.
fn tree_target(
    resolver: &mut Resolver<'_>,
    file: &Arc<FileAnalysis>,
    dot: u32,
) -> Option<Vec<Layer>> {
    let path = walk::path_at(&file.tree.expr, dot + 1);
    for node in path.iter().rev() {
        if let Node::Expr(expr) = node {
            if let ExprKind::Field { target, .. } = &expr.kind {
                if target.span.end <= dot {
                    let file_ref = file.clone();
                    return Some(resolver.layers(&file_ref, target));
                }
            }
        }
    }
    None
}

/// The names of `a.b.c` at the end of `text` (`$` and `self` included).
fn name_chain(text: &str) -> Vec<String> {
    let mut chain = Vec::new();
    let mut rest = text;
    loop {
        let start = trailing_start(rest, |c| is_ident_char(c) || c == '$');
        let name = &rest[start..];
        if name.is_empty() {
            break;
        }
        chain.push(name.to_string());
        rest = &rest[..start];
        match rest.strip_suffix('.') {
            Some(shorter) => rest = shorter,
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// The layers of the chain of names `chain`, read at `at`.
fn chain_layers(
    resolver: &mut Resolver<'_>,
    file: &Arc<FileAnalysis>,
    at: u32,
    chain: &[String],
) -> Vec<Layer> {
    let Some((head, rest)) = chain.split_first() else {
        return Vec::new();
    };
    let mut layers = match head.as_str() {
        "self" => resolver.self_layers(file, at),
        "super" => resolver.super_layers(file, at),
        "$" => resolver.dollar_layers(file, at),
        name => {
            let path = walk::path_at(&file.tree.expr, at);
            let scope = walk::scope(&path);
            match scope.iter().rev().find(|b| b.ident().name.as_str() == name) {
                Some(Binding::Local(bind)) if bind.params.is_none() => {
                    resolver.layers(file, &bind.value)
                }
                Some(Binding::Param(param)) => match &param.default {
                    Some(default) => resolver.layers(file, default),
                    None => Vec::new(),
                },
                _ => Vec::new(),
            }
        }
    };
    for name in rest {
        layers = resolver.field_value_layers(&layers, name);
    }
    layers
}

fn field_items(layers: &[Layer]) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = Vec::new();
    for layer in layers {
        let Some(object) = layer.expr() else { continue };
        for field in walk::fields(object) {
            let Some((name, _)) = walk::field_name(field) else {
                continue;
            };
            if name.is_empty() || items.iter().any(|item| item.label == name) {
                continue;
            }
            let (kind, detail) = match &field.params {
                Some(params) => {
                    let names: Vec<&str> = params.iter().map(|p| p.name.name.as_str()).collect();
                    (
                        CompletionItemKind::METHOD,
                        format!("({})", names.join(", ")),
                    )
                }
                None => (CompletionItemKind::FIELD, String::new()),
            };
            let shown_in = layer
                .file
                .path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            items.push(CompletionItem {
                label: name.to_string(),
                kind: Some(kind),
                detail: Some(format!("{detail} {shown_in}").trim().to_string()),
                ..CompletionItem::default()
            });
        }
    }
    items
}

/// The functions of `std`; with `snippets`, each inserts its call with a
/// placeholder per required parameter.
fn std_items(snippets: bool) -> Vec<CompletionItem> {
    crate::std_docs::builtins()
        .iter()
        .filter(|row| !row.name.starts_with('$'))
        .map(|row| CompletionItem {
            label: row.name.to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some(crate::std_docs::signature(row)),
            documentation: crate::std_docs::doc(row.name)
                .map(|doc| tower_lsp_server::ls_types::Documentation::String(doc.to_string())),
            insert_text: snippets.then(|| crate::std_docs::snippet(row)),
            insert_text_format: snippets.then_some(InsertTextFormat::SNIPPET),
            ..CompletionItem::default()
        })
        .collect()
}

fn scope_items(file: &FileAnalysis, offset: u32) -> Vec<CompletionItem> {
    let path = walk::path_at(&file.tree.expr, offset);
    let mut items: Vec<CompletionItem> = Vec::new();
    for binding in walk::scope(&path).iter().rev() {
        let name = binding.ident().name.as_str();
        if items.iter().any(|item| item.label == name) {
            continue;
        }
        let kind = match binding {
            Binding::Local(bind)
                if bind.params.is_some()
                    || matches!(bind.value.kind, ExprKind::Function { .. }) =>
            {
                CompletionItemKind::FUNCTION
            }
            Binding::Local(_) => CompletionItemKind::VARIABLE,
            Binding::Param(_) => CompletionItemKind::VARIABLE,
            Binding::ForVar(_) => CompletionItemKind::VARIABLE,
        };
        items.push(CompletionItem {
            label: name.to_string(),
            kind: Some(kind),
            ..CompletionItem::default()
        });
    }
    items.push(CompletionItem {
        label: "std".to_string(),
        kind: Some(CompletionItemKind::MODULE),
        ..CompletionItem::default()
    });
    if walk::in_object(&path) {
        for name in ["self", "super", "$"] {
            items.push(CompletionItem {
                label: name.to_string(),
                kind: Some(CompletionItemKind::KEYWORD),
                ..CompletionItem::default()
            });
        }
    }
    items.extend(KEYWORDS.iter().map(|keyword| CompletionItem {
        label: keyword.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        ..CompletionItem::default()
    }));
    items
}
