//! A trailing comma exactly when the closing bracket is on its own line
//! (the reference's `FixTrailingCommas`); comprehensions never keep one.

use super::tree::{Kind, Node};
use super::visit::{self, Pass};
use crate::syntax::fodder::{self, Fodder};

fn fix_comma(last_comma: &mut Fodder, trailing_comma: &mut bool, close: &mut Fodder) {
    let need_comma = fodder::has_newline(close) || fodder::has_newline(last_comma);
    if *trailing_comma {
        if !need_comma {
            // Remove it but keep the fodder.
            *trailing_comma = false;
            fodder::move_front(close, last_comma);
        } else if fodder::has_newline(last_comma) {
            // Needed, but a line break separates it from the last element.
            fodder::move_front(close, last_comma);
        }
    } else if need_comma {
        *trailing_comma = true;
    }
}

fn remove_comma(last_comma: &mut Fodder, trailing_comma: &mut bool, close: &mut Fodder) {
    if *trailing_comma {
        *trailing_comma = false;
        let before = std::mem::take(last_comma);
        let after = std::mem::take(close);
        *close = fodder::concat(before, after);
    }
}

struct FixTrailingCommas;

impl Pass for FixTrailingCommas {
    fn visit(&mut self, node: &mut Node) {
        match &mut node.kind {
            Kind::Array {
                elems,
                trailing_comma,
                close,
            } => {
                let Some(last) = elems.last_mut() else {
                    return;
                };
                fix_comma(&mut last.comma_fodder, trailing_comma, close);
            }
            Kind::ArrayComp {
                comma,
                trailing_comma,
                specs,
                ..
            } => remove_comma(comma, trailing_comma, &mut specs[0].open),
            Kind::Object {
                fields,
                trailing_comma,
                close,
            } => {
                let Some(last) = fields.last_mut() else {
                    return;
                };
                fix_comma(&mut last.comma_fodder, trailing_comma, close);
            }
            Kind::ObjectComp {
                fields,
                trailing_comma,
                close,
                ..
            } => {
                if let Some(last) = fields.last_mut() {
                    remove_comma(&mut last.comma_fodder, trailing_comma, close);
                }
            }
            _ => {}
        }
        visit::walk(self, node);
    }
}

/// Adds or removes the trailing comma of every array and object.
pub(crate) fn run(node: &mut Node) {
    visit::expr(&mut FixTrailingCommas, node);
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::check;

    #[test]
    fn comma_follows_the_line_break() {
        insta::assert_snapshot!(check("[1, 2,]\n"), @"[1, 2]");
        insta::assert_snapshot!(check("{a: 1\n}\n"), @r"
        {
          a: 1,
        }
        ");
        insta::assert_snapshot!(check("[x, for x in y]\n"), @"[x for x in y]");
    }
}
