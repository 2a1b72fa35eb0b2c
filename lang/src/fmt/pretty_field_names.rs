//! Field names without needless quoting: `["f"]:` and `"f":` are `f:`, and
//! `a["f"]` is `a.f`, where `f` is an identifier and not a keyword (the
//! reference's `PrettyFieldNames`). Only objects, not comprehensions.

use super::tree::{FieldKind, Kind, Node};
use super::visit::{self, Pass};
use crate::syntax::fodder;

/// Whether `text` can be written as an identifier.
fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !crate::syntax::is_keyword(text)
}

struct PrettyFieldNames;

impl Pass for PrettyFieldNames {
    fn visit(&mut self, node: &mut Node) {
        match &mut node.kind {
            Kind::Index(index) if !index.is_slice => {
                if let Some(Kind::Str(str)) = index.index.as_ref().map(|lit| &lit.kind) {
                    if is_identifier(&str.value) {
                        let id = str.value.clone();
                        let mut lit = index.index.take().expect("checked above");
                        index.id = Some(id);
                        index.id_fodder = std::mem::take(&mut lit.open);
                    }
                }
            }
            Kind::Object { fields, .. } => {
                for field in fields {
                    // First `["foo"]` to `"foo"`.
                    if field.kind == FieldKind::Expr {
                        if let Some(name) = &mut field.expr1 {
                            if matches!(name.kind, Kind::Str(_)) {
                                field.kind = FieldKind::Str;
                                fodder::move_front(&mut name.open, &mut field.fodder1);
                                match &mut field.params {
                                    Some(params) => {
                                        fodder::move_front(&mut params.fodder_l, &mut field.fodder2)
                                    }
                                    None => {
                                        fodder::move_front(&mut field.op_fodder, &mut field.fodder2)
                                    }
                                }
                            }
                        }
                    }
                    // Then `"foo"` to `foo`.
                    if field.kind == FieldKind::Str {
                        let id = match field.expr1.as_ref().map(|name| &name.kind) {
                            Some(Kind::Str(str)) if is_identifier(&str.value) => str.value.clone(),
                            _ => continue,
                        };
                        let mut name = field.expr1.take().expect("checked above");
                        field.kind = FieldKind::Id;
                        field.id = id;
                        field.fodder1 = std::mem::take(&mut name.open);
                    }
                }
            }
            _ => {}
        }
        visit::walk(self, node);
    }
}

/// Unquotes every field name and index that can be.
pub(crate) fn run(node: &mut Node) {
    visit::expr(&mut PrettyFieldNames, node);
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::{check, check_with};

    #[test]
    fn quoted_names_lose_their_quotes() {
        insta::assert_snapshot!(check("{ 'a': 1, [\"b\"]: 2, 'c d': 3, 'if': 4, f(x):: x }.a + x['b']\n"), @"{ a: 1, b: 2, 'c d': 3, 'if': 4, f(x):: x }.a + x.b");
    }

    #[test]
    fn option_off_keeps_them() {
        let out = check_with("{ 'a': 1 }['a']\n", |o| o.pretty_field_names = false);
        insta::assert_snapshot!(out, @"{ 'a': 1 }['a']");
    }
}
