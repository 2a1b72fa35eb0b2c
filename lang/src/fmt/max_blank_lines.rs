//! At most `max` blank lines in a row anywhere (the reference's
//! `EnforceMaximumBlankLines`).

use super::tree::Node;
use super::visit::{self, Pass};
use crate::syntax::fodder::{Fodder, FodderKind};

struct MaxBlankLines {
    max: u32,
}

impl Pass for MaxBlankLines {
    fn fodder(&mut self, fodder: &mut Fodder) {
        for elem in fodder {
            if elem.kind != FodderKind::Interstitial && elem.blanks > self.max {
                elem.blanks = self.max;
            }
        }
    }
}

/// Caps the blank lines of every fodder the walk reaches, and of the file's end.
pub(crate) fn run(node: &mut Node, final_fodder: &mut Fodder, max: usize) {
    let max = u32::try_from(max).unwrap_or(u32::MAX);
    visit::file(&mut MaxBlankLines { max }, node, final_fodder);
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::check_with;

    #[test]
    fn blank_lines_are_capped() {
        let out = check_with("{\n  a: 1,\n\n\n\n\n  b: 2,\n}\n", |o| {
            o.max_blank_lines = 1
        });
        insta::assert_snapshot!(out, @r"
        {
          a: 1,

          b: 2,
        }
        ");
    }
}
