//! Unified diffs as `kcfg render --check` and `kcfg fmt --check` print
//! them: the two headers in bold, hunk headers in cyan, removed lines red
//! and added lines green. The hunks come from `kcfg_render::check`.

use std::fmt::Write as _;

use kcfg_render::check::{Change, Hunk};

use crate::color::Painter;

/// Appends the diff of `hunks` to `out`, its headers naming the two sides
/// `before_label` and `after_label`.
pub fn write(
    out: &mut String,
    before_label: &str,
    after_label: &str,
    hunks: &[Hunk],
    painter: Painter,
) {
    let _ = writeln!(out, "{}", painter.bold(&format!("--- {before_label}")));
    let _ = writeln!(out, "{}", painter.bold(&format!("+++ {after_label}")));
    for hunk in hunks {
        let _ = writeln!(out, "{}", painter.cyan(&hunk.header));
        for line in &hunk.lines {
            let text = format!("{}{}", line.change.sign(), line.text);
            let text = match line.change {
                Change::Delete => painter.red(&text),
                Change::Insert => painter.green(&text),
                Change::Equal => text,
            };
            let _ = writeln!(out, "{text}");
            if line.no_newline {
                let _ = writeln!(out, "\\ No newline at end of file");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use kcfg_render::check::unified;

    use super::*;
    use crate::color::ColorWhen;

    fn diff(before: &str, after: &str, painter: Painter) -> String {
        let mut out = String::new();
        write(&mut out, "a", "a (new)", &unified(before, after), painter);
        out
    }

    #[test]
    fn issue15_plain_and_painted() {
        insta::assert_snapshot!(diff("x\ny\n", "x\nz", Painter::default()), @r"
        --- a
        +++ a (new)
        @@ -1,2 +1,2 @@
         x
        -y
        +z
        \ No newline at end of file
        ");
        let painted = diff("x\n", "y\n", ColorWhen::Always.stdout());
        assert!(painted.starts_with("\x1b[1m--- a\x1b[0m\n"), "{painted:?}");
        assert!(
            painted.contains("\x1b[36m@@ -1 +1 @@\x1b[0m\n"),
            "{painted:?}"
        );
        assert!(
            painted.contains("\x1b[31m-x\x1b[0m\n\x1b[32m+y\x1b[0m\n"),
            "{painted:?}"
        );
    }
}
