//! `textDocument/references`, `textDocument/prepareRename` and
//! `textDocument/rename`.
//!
//! A local or parameter is found in its file, from the analyzer's
//! use→definition table. A field is found across the workspace: in every
//! kcfg/Jsonnet file under the workspace's roots (and every open document)
//! whose text mentions the name, each access (`x.name`, `x['name']`,
//! `super.name`) and definition (`name: …`) whose definitions, resolved
//! through merges and imports, include one of the field's. Computed field
//! names (`[e]: …`) cannot be renamed, and `prepareRename` says so.

use std::collections::HashMap;
use std::sync::Arc;

use kcfg_lang::ast::ExprKind;
use kcfg_lang::span::Span;
use tower_lsp_server::ls_types::{
    Location, Position, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit,
};

use crate::analysis::FileAnalysis;
use crate::features::definition::location;
use crate::lookup::{self, Target};
use crate::position;
use crate::shape::{FieldDef, Resolver};
use crate::walk::{self, Node};
use crate::world::World;

/// A place in a file.
type Occurrence = (Arc<FileAnalysis>, Span);

/// How many workspace files a field search reads at most.
const MAX_FILES: usize = 5_000;

/// Every place the name at `at` in `file` refers to the same thing,
/// definitions included.
pub fn references(world: &World, file: &Arc<FileAnalysis>, at: Position) -> Vec<Location> {
    occurrences(world, file, at)
        .map(|(_, spans)| {
            spans
                .iter()
                .filter_map(|(file, span)| location(file, *span, world))
                .collect()
        })
        .unwrap_or_default()
}

/// The name at `at` and the spans naming what it names.
fn occurrences(
    world: &World,
    file: &Arc<FileAnalysis>,
    at: Position,
) -> Option<(String, Vec<Occurrence>)> {
    let offset = position::offset(file, at, world.encoding());
    let mut resolver = Resolver::new(world);
    match lookup::target_at(&mut resolver, file, offset)? {
        Target::Local { name, def, .. } => {
            let mut spans = vec![(file.clone(), def)];
            spans.extend(
                file.uses
                    .iter()
                    .filter(|resolution| resolution.def == Some(def))
                    .map(|resolution| (file.clone(), resolution.use_span)),
            );
            Some((name, spans))
        }
        Target::Field { name, defs, .. } if !defs.is_empty() => {
            let spans = field_occurrences(world, &name, &defs);
            Some((name, spans))
        }
        _ => None,
    }
}

fn same_def(a: &FieldDef, b: &FieldDef) -> bool {
    a.file.path == b.file.path && a.span == b.span
}

/// The accesses and definitions of field `name` whose definitions meet
/// `defs`, across the workspace.
fn field_occurrences(
    world: &World,
    name: &str,
    defs: &[FieldDef],
) -> Vec<(Arc<FileAnalysis>, Span)> {
    let mut found: Vec<(Arc<FileAnalysis>, Span)> = Vec::new();
    let mut paths = world.workspace_files(MAX_FILES);
    for def in defs {
        if !paths.contains(&def.file.path) {
            paths.push(def.file.path.clone());
        }
    }
    for path in paths {
        let Some(file) = world.file(&path) else {
            continue;
        };
        if !file.text().contains(name) {
            continue;
        }
        let mut candidates: Vec<u32> = Vec::new();
        walk::for_each(&file.tree.expr, &mut |node| match node {
            Node::Expr(expr) => match &expr.kind {
                ExprKind::Field { name: field, .. } | ExprKind::SuperField { name: field }
                    if field.name.as_str() == name =>
                {
                    candidates.push(field.span.start)
                }
                ExprKind::Index { index, .. } => {
                    if let ExprKind::Str { value, .. } = &index.kind {
                        if value == name {
                            candidates.push(index.span.start);
                        }
                    }
                }
                _ => {}
            },
            Node::Field(field) => {
                if let Some((field_name, span)) = walk::field_name(field) {
                    if field_name == name {
                        candidates.push(span.start);
                    }
                }
            }
            _ => {}
        });
        let mut resolver = Resolver::new(world);
        for offset in candidates {
            if let Some(Target::Field { defs: here, at, .. }) =
                lookup::target_at(&mut resolver, &file, offset)
            {
                if here
                    .iter()
                    .any(|d| defs.iter().any(|want| same_def(d, want)))
                    && !found.iter().any(|(f, s)| f.path == file.path && *s == at)
                {
                    found.push((file.clone(), at));
                }
            }
        }
    }
    found
}

/// Whether the name at `at` can be renamed: its range and text, or why not.
pub fn prepare_rename(
    world: &World,
    file: &Arc<FileAnalysis>,
    at: Position,
) -> Result<Option<PrepareRenameResponse>, String> {
    let offset = position::offset(file, at, world.encoding());
    let mut resolver = Resolver::new(world);
    let span = match lookup::target_at(&mut resolver, file, offset) {
        Some(Target::Local { at, .. }) => at,
        Some(Target::Field { defs, at, .. }) => {
            if defs.is_empty() {
                return Err("cannot rename: no definition of this field was found (fields with computed names cannot be renamed)".into());
            }
            at
        }
        Some(Target::ComputedField { .. }) => {
            return Err("cannot rename a computed field name ([expression]: …): its name is only known when evaluated".into())
        }
        Some(Target::Std { .. }) => return Err("cannot rename a function of the standard library".into()),
        Some(Target::Import { .. }) | None => return Ok(None),
    };
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: position::range(file, span, world.encoding()),
        placeholder: file.slice(span).trim_matches(['"', '\'']).to_string(),
    }))
}

/// The edits that rename the name at `at` to `new_name`.
pub fn rename(
    world: &World,
    file: &Arc<FileAnalysis>,
    at: Position,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, String> {
    if !is_identifier(new_name) {
        return Err(format!("`{new_name}` is not an identifier"));
    }
    prepare_rename(world, file, at)?;
    let Some((_, spans)) = occurrences(world, file, at) else {
        return Ok(None);
    };
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (file, span) in spans {
        if kcfg_render::libraries::by_path(&file.path).is_some() {
            continue;
        }
        let Some(uri) = Uri::from_file_path(&file.path) else {
            continue;
        };
        let written = file.slice(span);
        // A quoted name (`'name': …`, `x['name']`) keeps its quotes.
        let text = match written.chars().next() {
            Some(quote @ ('"' | '\'')) => format!("{quote}{new_name}{quote}"),
            _ => new_name.to_string(),
        };
        let range = position::range(&file, span, world.encoding());
        changes
            .entry(uri)
            .or_default()
            .push(TextEdit::new(range, text));
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            name,
            "assert"
                | "else"
                | "error"
                | "false"
                | "for"
                | "function"
                | "if"
                | "import"
                | "importstr"
                | "importbin"
                | "in"
                | "local"
                | "null"
                | "tailstrict"
                | "then"
                | "self"
                | "super"
                | "true"
        )
}
