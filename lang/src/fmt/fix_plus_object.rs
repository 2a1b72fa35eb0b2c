//! `a + { … }` is `a { … }` when `a` is a variable or a field (the
//! reference's `FixPlusObject`).

use super::tree::{Kind, Node};
use super::visit::{self, Pass};
use crate::ast::BinaryOp;
use crate::syntax::fodder;

struct FixPlusObject;

impl Pass for FixPlusObject {
    fn visit(&mut self, node: &mut Node) {
        let applies = matches!(
            &node.kind,
            Kind::Binary { left, op: BinaryOp::Add, right, .. }
                if matches!(left.kind, Kind::Var(_) | Kind::Index(_))
                    && matches!(right.kind, Kind::Object { .. })
        );
        if applies {
            if let Kind::Binary {
                left,
                mut op_fodder,
                mut right,
                ..
            } = std::mem::replace(&mut node.kind, Kind::Null)
            {
                fodder::move_front(&mut right.open, &mut op_fodder);
                node.kind = Kind::ApplyBrace { left, right };
            }
        }
        visit::walk(self, node);
    }
}

/// Rewrites every such `+` into the implicit form.
pub(crate) fn run(node: &mut Node) {
    visit::expr(&mut FixPlusObject, node);
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::{check, check_with};

    #[test]
    fn plus_object_becomes_implicit() {
        insta::assert_snapshot!(check("a + { b: 1 }\n"), @"a { b: 1 }");
        insta::assert_snapshot!(check("a.b + { c: 1 }\n"), @"a.b { c: 1 }");
        insta::assert_snapshot!(check("f() + { c: 1 }\n"), @"f() + { c: 1 }");
    }

    #[test]
    fn option_off_keeps_plus() {
        let out = check_with("a + { b: 1 }\n", |o| o.use_implicit_plus = false);
        insta::assert_snapshot!(out, @"a + { b: 1 }");
    }
}
