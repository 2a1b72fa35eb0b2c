//! `textDocument/documentSymbol` and `workspace/symbol`.
//!
//! A document's symbols are its locals (functions as functions) and its
//! objects' fields, nested as the objects are; a field whose value is an
//! object (directly, or after `+` / `e { … }`) holds that object's fields.
//! Workspace symbols are the top-level ones of every file in the workspace
//! whose name contains the query (case-insensitively).

use std::sync::Arc;

use kcfg_lang::ast::{Expr, ExprKind, Member};
use tower_lsp_server::ls_types::{DocumentSymbol, Location, SymbolInformation, SymbolKind, Uri};

use crate::analysis::FileAnalysis;
use crate::position;
use crate::walk;
use crate::world::World;

/// How deep nested symbols go.
const MAX_DEPTH: usize = 12;
/// How many workspace symbols are returned at most.
const MAX_WORKSPACE_SYMBOLS: usize = 500;

/// The symbols of `file`.
pub fn document_symbols(world: &World, file: &FileAnalysis) -> Vec<DocumentSymbol> {
    let mut out = Vec::new();
    symbols_of(world, file, &file.tree.expr, 0, &mut out);
    out
}

fn symbol(
    world: &World,
    file: &FileAnalysis,
    name: &str,
    kind: SymbolKind,
    whole: kcfg_lang::span::Span,
    name_span: kcfg_lang::span::Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    let encoding = world.encoding();
    #[allow(deprecated)]
    DocumentSymbol {
        name: if name.is_empty() {
            "<missing>".to_string()
        } else {
            name.to_string()
        },
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: position::range(file, whole, encoding),
        selection_range: position::range(file, name_span, encoding),
        children: (!children.is_empty()).then_some(children),
    }
}

/// The symbols an expression defines, added to `out`.
fn symbols_of(
    world: &World,
    file: &FileAnalysis,
    expr: &Expr,
    depth: usize,
    out: &mut Vec<DocumentSymbol>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match &expr.kind {
        ExprKind::Local { binds, body } => {
            for bind in binds {
                let mut children = Vec::new();
                symbols_of(world, file, &bind.value, depth + 1, &mut children);
                let kind = if bind.params.is_some()
                    || matches!(bind.value.kind, ExprKind::Function { .. })
                {
                    SymbolKind::FUNCTION
                } else {
                    SymbolKind::VARIABLE
                };
                out.push(symbol(
                    world,
                    file,
                    bind.name.name.as_str(),
                    kind,
                    bind.span,
                    bind.name.span,
                    children,
                ));
            }
            symbols_of(world, file, body, depth, out);
        }
        ExprKind::Object { members, .. } | ExprKind::ObjectComp { members, .. } => {
            for member in members {
                match member {
                    Member::Local(bind) => {
                        let mut children = Vec::new();
                        symbols_of(world, file, &bind.value, depth + 1, &mut children);
                        out.push(symbol(
                            world,
                            file,
                            bind.name.name.as_str(),
                            SymbolKind::VARIABLE,
                            bind.span,
                            bind.name.span,
                            children,
                        ));
                    }
                    Member::Field(field) => {
                        let (name, name_span) = match walk::field_name(field) {
                            Some((name, span)) => (name.to_string(), span),
                            None => match &field.name {
                                kcfg_lang::ast::FieldName::Computed(e) => {
                                    (format!("[{}]", file.slice(e.span)), e.span)
                                }
                                _ => continue,
                            },
                        };
                        let mut children = Vec::new();
                        symbols_of(world, file, &field.value, depth + 1, &mut children);
                        let kind = if field.params.is_some() {
                            SymbolKind::METHOD
                        } else if matches!(field.value.kind, ExprKind::Object { .. }) {
                            SymbolKind::OBJECT
                        } else {
                            SymbolKind::FIELD
                        };
                        out.push(symbol(
                            world, file, &name, kind, field.span, name_span, children,
                        ));
                    }
                    Member::Assert(_) => {}
                }
            }
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            symbols_of(world, file, lhs, depth, out);
            symbols_of(world, file, rhs, depth, out);
        }
        ExprKind::ApplyBrace { target, object } => {
            symbols_of(world, file, target, depth, out);
            symbols_of(world, file, object, depth, out);
        }
        ExprKind::Parens(inner) | ExprKind::Function { body: inner, .. } => {
            symbols_of(world, file, inner, depth, out)
        }
        _ => {}
    }
}

/// The workspace's symbols whose name contains `query`.
pub fn workspace_symbols(world: &World, query: &str) -> Vec<SymbolInformation> {
    let query = query.to_lowercase();
    let mut out = Vec::new();
    for path in world.workspace_files(5_000) {
        let Some(file) = world.file(&path) else {
            continue;
        };
        let Some(uri) = Uri::from_file_path(&path) else {
            continue;
        };
        let mut symbols = Vec::new();
        symbols_of(world, &file, &file.tree.expr, MAX_DEPTH - 1, &mut symbols);
        flatten(&file, &uri, &symbols, None, &query, &mut out);
        if out.len() >= MAX_WORKSPACE_SYMBOLS {
            out.truncate(MAX_WORKSPACE_SYMBOLS);
            break;
        }
    }
    out
}

fn flatten(
    file: &Arc<FileAnalysis>,
    uri: &Uri,
    symbols: &[DocumentSymbol],
    container: Option<&str>,
    query: &str,
    out: &mut Vec<SymbolInformation>,
) {
    for symbol in symbols {
        if symbol.name.to_lowercase().contains(query) {
            #[allow(deprecated)]
            out.push(SymbolInformation {
                name: symbol.name.clone(),
                kind: symbol.kind,
                tags: None,
                deprecated: None,
                location: Location::new(uri.clone(), symbol.selection_range),
                container_name: container.map(str::to_string).or_else(|| {
                    file.path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                }),
            });
        }
        if let Some(children) = &symbol.children {
            flatten(file, uri, children, Some(&symbol.name), query, out);
        }
    }
}
