//! Quotes as asked for (the reference's `EnforceStringStyle`): a quoted
//! string changes to the preferred quote unless it contains that quote
//! (then to the other one), and stays as written if it contains both.
//! Text blocks and verbatim strings are left alone.

use super::tree::{Kind, Node, StrKind};
use super::visit::{self, Pass};
use super::StringStyle;

/// Escapes a string's value for the given quote (the reference's
/// `jsonnet_string_escape`).
fn escape(value: &str, single: bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '"' => out.push_str(if single { "\"" } else { "\\\"" }),
            '\'' => out.push_str(if single { "\\'" } else { "'" }),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\u0000"),
            c if (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)) => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

struct EnforceStringStyle {
    style: StringStyle,
}

impl Pass for EnforceStringStyle {
    fn visit(&mut self, node: &mut Node) {
        if let Kind::Str(str) = &mut node.kind {
            if matches!(str.kind, StrKind::Double | StrKind::Single) {
                // The parser has checked every escape.
                let canonical = crate::syntax::unescape(&str.value);
                let singles = canonical.matches('\'').count();
                let doubles = canonical.matches('"').count();
                if singles > 0 && doubles > 0 {
                    return;
                }
                let mut single = self.style == StringStyle::Single;
                if singles > 0 {
                    single = false;
                }
                if doubles > 0 {
                    single = true;
                }
                str.value = escape(&canonical, single);
                str.kind = if single {
                    StrKind::Single
                } else {
                    StrKind::Double
                };
            }
            return;
        }
        visit::walk(self, node);
    }
}

/// Requotes every quoted string.
pub(crate) fn run(node: &mut Node, style: StringStyle) {
    visit::expr(&mut EnforceStringStyle { style }, node);
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::{check, check_with};
    use crate::fmt::StringStyle;

    #[test]
    fn single_is_preferred() {
        insta::assert_snapshot!(check(r#"["a", "it's", 'say "x"', "\u0041\t", @"v"]"#), @r#"['a', "it's", 'say "x"', 'A\t', @"v"]"#);
    }

    #[test]
    fn double_when_asked() {
        let out = check_with("['a', 'b\"']\n", |o| o.string_style = StringStyle::Double);
        insta::assert_snapshot!(out, @r#"["a", 'b"']"#);
    }
}
