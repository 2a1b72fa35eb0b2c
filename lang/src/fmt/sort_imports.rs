//! Sorting top-level imports (the reference's `SortImports`).
//!
//! The imports sorted are the `local x = import "p"` at the top of the
//! file: the file's expression if it is such a `local`, and the body of each
//! such `local` in turn. They sort in groups, which blank lines and lines
//! holding only comments separate, by path (code point order, so `Z` comes
//! before `a`). A comment on an import's line moves with the import. A group
//! that binds a name twice keeps its order, because the order then matters.
//! Every bind of the group becomes a `local` of its own.

use super::tree::{open_fodder, open_fodder_mut, Bind, Kind, Node};
use crate::ast::ImportKind;
use crate::syntax::fodder::{self, ensure_clean_newline, Fodder, FodderElement, FodderKind};

struct ImportElem {
    /// The imported path as written (escapes included).
    key: String,
    /// The comment after the import on its line, which moves with it.
    adjacent: Fodder,
    bind: Bind,
}

/// Whether the node is a `local` whose binds are all plain imports.
fn is_good_local(node: &Node) -> bool {
    match &node.kind {
        Kind::Local { binds, .. } => binds.iter().all(|bind| {
            bind.params.is_none()
                && matches!(
                    bind.body.kind,
                    Kind::Import {
                        kind: ImportKind::Code,
                        ..
                    }
                )
        }),
        _ => false,
    }
}

/// Splits fodder after its first line break: what belongs to the token
/// before (a comment on its line) and what to the token after (blank lines
/// and comments on lines of their own).
fn split_fodder(fodder: &Fodder) -> (Fodder, Fodder) {
    let (mut after_prev, mut before_next) = (Fodder::new(), Fodder::new());
    let mut in_second_part = false;
    for elem in fodder {
        if in_second_part {
            fodder::push(&mut before_next, elem.clone());
        } else {
            after_prev.push(elem.clone());
        }
        if elem.kind != FodderKind::Interstitial && !in_second_part {
            in_second_part = true;
            if elem.blanks > 0 {
                // Blank lines go with the next token.
                if let Some(last) = after_prev.last_mut() {
                    last.blanks = 0;
                }
                before_next.push(FodderElement::line_end(elem.blanks, elem.indent));
            }
        }
    }
    (after_prev, before_next)
}

/// Whether the group of imports ends after this `local`, whose body is `body`.
fn group_ends_after(body: &Node) -> bool {
    if !is_good_local(body) {
        return true;
    }
    let mut newline_reached = false;
    for elem in open_fodder(body) {
        if newline_reached || elem.blanks > 0 {
            return true;
        }
        if elem.kind != FodderKind::Interstitial {
            newline_reached = true;
        }
    }
    false
}

fn extract_import_elems(binds: Vec<Bind>, after: Fodder) -> Vec<ImportElem> {
    let count = binds.len();
    let mut before = binds[0].var_fodder.clone();
    let next_fodders: Vec<Fodder> = binds
        .iter()
        .skip(1)
        .map(|bind| bind.var_fodder.clone())
        .collect();
    let mut after = Some(after);
    let mut out = Vec::with_capacity(count);
    for (index, mut bind) in binds.into_iter().enumerate() {
        let (mut adjacent, before_next) = if index + 1 < count {
            split_fodder(&next_fodders[index])
        } else {
            (after.take().unwrap_or_default(), Fodder::new())
        };
        ensure_clean_newline(&mut adjacent);
        bind.var_fodder = std::mem::replace(&mut before, before_next);
        let key = match &bind.body.kind {
            Kind::Import { file, .. } => match &file.kind {
                Kind::Str(str) => str.value.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        out.push(ImportElem {
            key,
            adjacent,
            bind,
        });
    }
    out
}

fn sort_group(imports: &mut [ImportElem]) {
    let names: std::collections::HashSet<&str> = imports
        .iter()
        .map(|import| import.bind.var.as_str())
        .collect();
    if names.len() == imports.len() {
        imports.sort_by(|a, b| a.key.cmp(&b.key));
    }
}

fn build_group(imports: Vec<ImportElem>, body: Node, group_open: Fodder) -> Node {
    let fodders: Vec<Fodder> = std::iter::once(group_open)
        .chain(imports.iter().map(|import| import.adjacent.clone()))
        .collect();
    let mut body = body;
    for (index, import) in imports.into_iter().enumerate().rev() {
        body = Node {
            open: fodders[index].clone(),
            kind: Kind::Local {
                binds: vec![import.bind],
                body: Box::new(body),
            },
        };
    }
    body
}

fn toplevel_import(mut local: Node, mut imports: Vec<ImportElem>, group_open: Fodder) -> Node {
    let Kind::Local { binds, mut body } = std::mem::replace(&mut local.kind, Kind::Null) else {
        return local;
    };
    let (mut adjacent, mut before_next) = split_fodder(open_fodder(&body));
    ensure_clean_newline(&mut adjacent);
    imports.extend(extract_import_elems(binds, adjacent));
    if !group_ends_after(&body) {
        return toplevel_import(*body, imports, group_open);
    }
    sort_group(&mut imports);
    let after_group = imports
        .last()
        .map(|import| import.adjacent.clone())
        .unwrap_or_default();
    ensure_clean_newline(&mut before_next);
    let next_open = fodder::concat(after_group, before_next);
    let body_after = if is_good_local(&body) {
        toplevel_import(*body, Vec::new(), next_open)
    } else {
        *open_fodder_mut(&mut body) = next_open;
        *body
    };
    build_group(imports, body_after, group_open)
}

/// Sorts the file's top-level imports.
pub(crate) fn run(node: &mut Node) {
    if is_good_local(node) {
        let group_open = node.open.clone();
        let local = std::mem::replace(node, Node::new(Kind::Null));
        *node = toplevel_import(local, Vec::new(), group_open);
    }
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::{check, check_with};

    #[test]
    fn groups_sort_separately() {
        let src = "local c = import 'c.libsonnet';  // c\nlocal a = import 'a.libsonnet';\n\nlocal z = import 'z.libsonnet';\nlocal b = import 'b.libsonnet';\nc + a + z + b\n";
        insta::assert_snapshot!(check(src), @r"
        local a = import 'a.libsonnet';
        local c = import 'c.libsonnet';  // c

        local b = import 'b.libsonnet';
        local z = import 'z.libsonnet';
        c + a + z + b
        ");
    }

    #[test]
    fn option_off_keeps_order() {
        let out = check_with(
            "local b = import 'b';\nlocal a = import 'a';\na + b\n",
            |o| o.sort_imports = false,
        );
        insta::assert_snapshot!(out, @r"
        local b = import 'b';
        local a = import 'a';
        a + b
        ");
    }
}
