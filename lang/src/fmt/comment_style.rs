//! Line comments as `#` or `//` (the reference's `EnforceCommentStyle`).
//! A `#!` first line is left alone when `//` is asked for.

use super::tree::Node;
use super::visit::{self, Pass};
use super::CommentStyle;
use crate::syntax::fodder::{Fodder, FodderKind};

struct EnforceCommentStyle {
    style: CommentStyle,
    first_fodder: bool,
}

impl EnforceCommentStyle {
    fn fix(&self, comment: &mut String, preserve_hash: bool) {
        if self.style == CommentStyle::Hash && comment.starts_with('/') {
            *comment = format!("#{}", comment.get(2..).unwrap_or_default());
        }
        if self.style == CommentStyle::Slash && comment.starts_with('#') {
            if preserve_hash && comment.as_bytes().get(1) == Some(&b'!') {
                return;
            }
            *comment = format!("//{}", &comment[1..]);
        }
    }
}

impl Pass for EnforceCommentStyle {
    fn fodder(&mut self, fodder: &mut Fodder) {
        for elem in fodder {
            if elem.kind != FodderKind::Interstitial && elem.comment.len() == 1 {
                let first = self.first_fodder;
                self.fix(&mut elem.comment[0], first);
            }
            self.first_fodder = false;
        }
    }
}

/// Rewrites every one-line comment the walk reaches.
pub(crate) fn run(node: &mut Node, final_fodder: &mut Fodder, style: CommentStyle) {
    let mut pass = EnforceCommentStyle {
        style,
        first_fodder: true,
    };
    visit::file(&mut pass, node, final_fodder);
}

#[cfg(test)]
mod tests {
    use crate::fmt::tests::check_with;
    use crate::fmt::CommentStyle;

    #[test]
    fn slash_keeps_a_shebang() {
        let out = check_with("#!/usr/bin/env kcfg\n# a\n1 # b\n", |_| {});
        insta::assert_snapshot!(out, @r"
        #!/usr/bin/env kcfg
        // a
        1  // b
        ");
    }

    #[test]
    fn hash_rewrites_slashes() {
        let out = check_with("// a\n1 // b\n", |o| o.comment_style = CommentStyle::Hash);
        insta::assert_snapshot!(out, @r"
        # a
        1  # b
        ");
    }
}
