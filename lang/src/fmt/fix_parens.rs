//! `((e))` is `(e)` (the reference's `FixParens`).

use super::tree::{open_fodder_mut, Kind, Node};
use super::visit::{self, Pass};
use crate::syntax::fodder;

struct FixParens;

impl Pass for FixParens {
    fn visit(&mut self, node: &mut Node) {
        if let Kind::Parens { expr, close } = &mut node.kind {
            if let Kind::Parens {
                expr: inner,
                close: inner_close,
            } = &mut expr.kind
            {
                let mut body = std::mem::replace(inner, Box::new(Node::new(Kind::Null)));
                let mut inner_open = std::mem::take(&mut expr.open);
                let mut inner_close = std::mem::take(inner_close);
                fodder::move_front(open_fodder_mut(&mut body), &mut inner_open);
                fodder::move_front(close, &mut inner_close);
                *expr = body;
            }
        }
        visit::walk(self, node);
    }
}

/// Removes one level of doubled parentheses wherever they are nested.
pub(crate) fn run(node: &mut Node) {
    visit::expr(&mut FixParens, node);
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::check;

    #[test]
    fn doubled_parens_go() {
        insta::assert_snapshot!(check("((1 + 2)) * (((3)))\n"), @"(1 + 2) * ((3))");
    }
}
