//! `a[x:y:]` is `a[x:y]` (the reference's `NoRedundantSliceColon`).

use super::tree::{Kind, Node};
use super::visit::{self, Pass};
use crate::syntax::fodder;

struct NoRedundantSliceColon;

impl Pass for NoRedundantSliceColon {
    fn visit(&mut self, node: &mut Node) {
        if let Kind::Index(index) = &mut node.kind {
            if index.is_slice && index.step.is_none() && !index.step_colon.is_empty() {
                fodder::move_front(&mut index.id_fodder, &mut index.step_colon);
            }
        }
        visit::walk(self, node);
    }
}

/// Drops the step colon of every slice without a step.
pub(crate) fn run(node: &mut Node) {
    visit::expr(&mut NoRedundantSliceColon, node);
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::check;

    #[test]
    fn step_colon_without_step_goes() {
        insta::assert_snapshot!(check("[a[1:2:], a[::], a[1::3]]\n"), @"[a[1:2], a[:], a[1::3]]");
    }
}
