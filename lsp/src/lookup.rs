//! What the name at a position is: the common first step of definition,
//! hover, references and rename.

use std::path::PathBuf;
use std::sync::Arc;

use kcfg_lang::ast::{CompSpec, ExprKind, FieldName};
use kcfg_lang::span::Span;

use crate::analysis::FileAnalysis;
use crate::shape::{FieldDef, Resolver};
use crate::walk::{self, Node};

/// The thing named at a position.
#[derive(Debug, Clone)]
pub enum Target {
    /// A variable (a use, or the name that binds it).
    Local {
        /// Its name.
        name: String,
        /// The binding's name, in the same file.
        def: Span,
        /// The name at the position.
        at: Span,
    },
    /// A field (an access, or a definition).
    Field {
        /// Its name.
        name: String,
        /// Every definition found, in merge order.
        defs: Vec<FieldDef>,
        /// The name at the position.
        at: Span,
        /// Whether the position is on a definition.
        is_def: bool,
    },
    /// A field whose name is computed (`[e]: …`).
    ComputedField {
        /// The name expression's span.
        at: Span,
    },
    /// An import's path.
    Import {
        /// The file it names, if found.
        file: Option<PathBuf>,
        /// The path as written (with quotes).
        at: Span,
    },
    /// A function or field of the standard library (`std.name`).
    Std {
        /// The function's or field's name.
        name: String,
        /// The name at the position.
        at: Span,
    },
}

fn holds(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// The target at `offset` of `file`.
pub fn target_at(
    resolver: &mut Resolver<'_>,
    file: &Arc<FileAnalysis>,
    offset: u32,
) -> Option<Target> {
    let root = &file.tree.expr;
    let path = walk::path_at(root, offset);
    // `super.name` spans only `super`: its name is found among the
    // children of the innermost node.
    let mut kids = Vec::new();
    if let Some(&last) = path.last() {
        walk::children(last, &mut kids);
        kids.push(last);
    }
    for node in kids {
        if let Node::Expr(expr) = node {
            if let ExprKind::SuperField { name } = &expr.kind {
                if holds(name.span, offset) {
                    let layers = resolver.super_layers(file, expr.span.start);
                    let defs = resolver.field_defs(&layers, name.name.as_str());
                    return Some(Target::Field {
                        name: name.name.as_str().to_string(),
                        defs,
                        at: name.span,
                        is_def: false,
                    });
                }
            }
        }
    }
    for (depth, &node) in path.iter().enumerate().rev() {
        match node {
            Node::Expr(expr) => match &expr.kind {
                ExprKind::Var(ident) if holds(ident.span, offset) => {
                    let name = ident.name.as_str().to_string();
                    let def = file.resolution(ident.span).and_then(|r| r.def);
                    return def.map(|def| Target::Local {
                        name,
                        def,
                        at: ident.span,
                    });
                }
                ExprKind::Field { target, name } if holds(name.span, offset) => {
                    let field = name.name.as_str().to_string();
                    if let ExprKind::Var(var) = &target.kind {
                        let local = file.resolution(var.span).and_then(|r| r.def);
                        if var.name.as_str() == "std" && local.is_none() {
                            return Some(Target::Std {
                                name: field,
                                at: name.span,
                            });
                        }
                    }
                    let layers = resolver.layers(file, target);
                    let defs = resolver.field_defs(&layers, &field);
                    return Some(Target::Field {
                        name: field,
                        defs,
                        at: name.span,
                        is_def: false,
                    });
                }
                ExprKind::Str { value, .. } => {
                    // `target['name']`
                    if let Some(Node::Expr(parent)) = depth.checked_sub(1).map(|d| path[d]) {
                        if let ExprKind::Index { target, index } = &parent.kind {
                            if index.span == expr.span {
                                let layers = resolver.layers(file, target);
                                let defs = resolver.field_defs(&layers, value);
                                return Some(Target::Field {
                                    name: value.clone(),
                                    defs,
                                    at: expr.span,
                                    is_def: false,
                                });
                            }
                        }
                    }
                }
                ExprKind::Import {
                    path, path_span, ..
                } if holds(*path_span, offset) => {
                    return Some(Target::Import {
                        file: resolver.world().resolve_import(file, path),
                        at: *path_span,
                    });
                }
                _ => {}
            },
            Node::Field(field) => {
                if let FieldName::Computed(name) = &field.name {
                    if holds(name.span, offset) {
                        return Some(Target::ComputedField { at: name.span });
                    }
                }
                if let Some((name, span)) = walk::field_name(field) {
                    if holds(span, offset) {
                        let layers = resolver.self_layers(file, span.start);
                        let defs = resolver.field_defs(&layers, name);
                        return Some(Target::Field {
                            name: name.to_string(),
                            defs,
                            at: span,
                            is_def: true,
                        });
                    }
                }
            }
            Node::Bind(bind) if holds(bind.name.span, offset) => {
                return Some(Target::Local {
                    name: bind.name.name.as_str().to_string(),
                    def: bind.name.span,
                    at: bind.name.span,
                });
            }
            Node::Param(param) if holds(param.name.span, offset) => {
                return Some(Target::Local {
                    name: param.name.name.as_str().to_string(),
                    def: param.name.span,
                    at: param.name.span,
                });
            }
            Node::Spec(CompSpec::For { var, .. }) if holds(var.span, offset) => {
                return Some(Target::Local {
                    name: var.name.as_str().to_string(),
                    def: var.span,
                    at: var.span,
                });
            }
            _ => {}
        }
    }
    None
}
