//! Line breaks inside bracketed constructs (the reference's `FixNewlines`):
//! a construct is either expanded, with a line break in every designated
//! place, or not, with none. One line break in one of those places expands
//! it. Only the construct's own places count: in `[{\n a: 1,\n}]` the
//! array stays on one line, because no line break is directly inside it.

use super::tree::{open_fodder, open_fodder_mut, Apply, FieldKind, Kind, Node, ObjField, Params};
use super::visit::{self, Pass};
use crate::syntax::fodder::{count_newlines, ensure_clean_newline, Fodder};

/// The fodder before an object member's first token.
fn field_open(field: &ObjField) -> &Fodder {
    match (&field.kind, &field.expr1) {
        (FieldKind::Str, Some(name)) => &name.open,
        _ => &field.fodder1,
    }
}

fn field_open_mut(field: &mut ObjField) -> &mut Fodder {
    match (&field.kind, &mut field.expr1) {
        (FieldKind::Str, Some(name)) => &mut name.open,
        _ => &mut field.fodder1,
    }
}

fn breaks(fodder: &Fodder) -> bool {
    count_newlines(fodder) > 0
}

struct FixNewlines;

impl FixNewlines {
    /// `f(1, 2,\n3)` gets a line break before every argument but the first;
    /// `f(\n1, 2)` one before the first and one before `)`.
    fn expand_list(opens: Vec<&mut Fodder>, close: &mut Fodder) {
        let mut opens = opens;
        if opens.iter().skip(1).any(|open| breaks(open)) {
            for open in opens.iter_mut().skip(1) {
                ensure_clean_newline(open);
            }
        }
        if let Some(first) = opens.first_mut() {
            if breaks(close) || breaks(first) {
                ensure_clean_newline(first);
                ensure_clean_newline(close);
            }
        }
    }
}

impl Pass for FixNewlines {
    fn visit(&mut self, node: &mut Node) {
        match &mut node.kind {
            Kind::Array { elems, close, .. } => {
                let expand =
                    elems.iter().any(|elem| breaks(open_fodder(&elem.expr))) || breaks(close);
                if expand {
                    for elem in elems.iter_mut() {
                        ensure_clean_newline(open_fodder_mut(&mut elem.expr));
                    }
                    ensure_clean_newline(close);
                }
            }
            Kind::Object { fields, close, .. } => {
                let expand = fields.iter().any(|field| breaks(field_open(field))) || breaks(close);
                if expand {
                    for field in fields.iter_mut() {
                        ensure_clean_newline(field_open_mut(field));
                    }
                    ensure_clean_newline(close);
                }
            }
            Kind::Local { binds, .. } if binds.iter().any(|bind| breaks(&bind.var_fodder)) => {
                for bind in binds.iter_mut().skip(1) {
                    ensure_clean_newline(&mut bind.var_fodder);
                }
            }
            Kind::ArrayComp {
                body, specs, close, ..
            } => {
                let expand = breaks(open_fodder(body))
                    || specs.iter().any(|spec| breaks(&spec.open))
                    || breaks(close);
                if expand {
                    ensure_clean_newline(open_fodder_mut(body));
                    for spec in specs.iter_mut() {
                        ensure_clean_newline(&mut spec.open);
                    }
                    ensure_clean_newline(close);
                }
            }
            Kind::ObjectComp {
                fields,
                specs,
                close,
                ..
            } => {
                let expand = fields.iter().any(|field| breaks(field_open(field)))
                    || specs.iter().any(|spec| breaks(&spec.open))
                    || breaks(close);
                if expand {
                    for field in fields.iter_mut() {
                        ensure_clean_newline(field_open_mut(field));
                    }
                    for spec in specs.iter_mut() {
                        ensure_clean_newline(&mut spec.open);
                    }
                    ensure_clean_newline(close);
                }
            }
            Kind::Parens { expr, close } if breaks(open_fodder(expr)) || breaks(close) => {
                ensure_clean_newline(open_fodder_mut(expr));
                ensure_clean_newline(close);
            }
            _ => {}
        }
        visit::walk(self, node);
    }

    fn params(&mut self, params: &mut Params) {
        let opens = params
            .params
            .iter_mut()
            .map(|param| &mut param.id_fodder)
            .collect();
        Self::expand_list(opens, &mut params.fodder_r);
        visit::walk_params(self, params);
    }

    fn args(&mut self, apply: &mut Apply) {
        let opens = apply
            .args
            .iter_mut()
            .map(|arg| {
                if arg.id.is_some() {
                    &mut arg.id_fodder
                } else {
                    open_fodder_mut(&mut arg.expr)
                }
            })
            .collect();
        Self::expand_list(opens, &mut apply.fodder_r);
        visit::walk_args(self, apply);
    }
}

/// Expands every construct that has a line break in one of its places.
pub(crate) fn run(node: &mut Node) {
    visit::expr(&mut FixNewlines, node);
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::check;

    #[test]
    fn one_break_expands_the_array() {
        insta::assert_snapshot!(check("[1, 2,\n3]\n"), @r"
        [
          1,
          2,
          3,
        ]
        ");
    }

    #[test]
    fn arguments_expand_between_and_near_parens() {
        insta::assert_snapshot!(check("f(1, 2,\n  3)\n"), @r"
        f(1,
          2,
          3)
        ");
        insta::assert_snapshot!(check("f(\n  1, 2)\n"), @r"
        f(
          1, 2
        )
        ");
    }
}
