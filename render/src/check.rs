//! `kcfg render --check`: compare a target rendered in memory with its
//! directory on disk, and describe the differences as a reviewer wants to
//! read them in a CI log: the files added, removed and changed, then a
//! unified diff of each changed file (the `similar` crate), colored on a
//! terminal. Entries kcfg never writes (a symbolic link, a FIFO, an empty
//! directory) make a target differ too, listed as `foreign`: they were not
//! read through (`super::outdir`).

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use super::outdir::Tree;
use super::output::Files;

/// Colors for diff lines, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Whether to use ANSI colors.
    pub color: bool,
}

impl Style {
    /// `text` in the ANSI color `code`, if colors are on.
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// How a target on disk differs from its rendering.
#[derive(Debug, Default)]
pub struct Difference {
    /// Files only in the rendering.
    pub added: Vec<String>,
    /// Files only on disk.
    pub removed: Vec<String>,
    /// Files in both, with different contents.
    pub changed: Vec<String>,
    /// Entries on disk kcfg never writes, with what they are.
    pub foreign: Vec<(String, &'static str)>,
    /// The report, ready to print.
    pub report: String,
}

/// Compares `rendered` with `on_disk` (None: the directory does not exist).
/// `shown_dir` is how the target's directory is named in the report.
/// Returns None when they are identical.
pub fn compare(
    target: &str,
    shown_dir: &str,
    on_disk: Option<&Tree>,
    rendered: &Files,
    style: Style,
) -> Option<Difference> {
    let empty = Files::new();
    let old = on_disk.map_or(&empty, |tree| &tree.files);
    let foreign = on_disk.map_or(&[][..], |tree| &tree.foreign[..]);
    if on_disk.is_some() && old == rendered && foreign.is_empty() {
        return None;
    }
    let mut diff = Difference {
        foreign: foreign.to_vec(),
        ..Difference::default()
    };
    for (path, content) in rendered {
        match old.get(path) {
            None => diff.added.push(path.clone()),
            Some(previous) if previous != content => diff.changed.push(path.clone()),
            Some(_) => {}
        }
    }
    for path in old.keys() {
        if !rendered.contains_key(path) {
            diff.removed.push(path.clone());
        }
    }
    let out = &mut diff.report;
    let headline = if on_disk.is_none() {
        format!("target {target}: not rendered yet ({shown_dir} does not exist)")
    } else {
        let mut line = format!(
            "target {target}: {} added, {} removed, {} changed",
            diff.added.len(),
            diff.removed.len(),
            diff.changed.len()
        );
        if !diff.foreign.is_empty() {
            line.push_str(&format!(", {} not written by kcfg", diff.foreign.len()));
        }
        line
    };
    let _ = writeln!(out, "{}", style.paint("1", &headline));
    for (word, paths, color) in [
        ("added  ", &diff.added, "32"),
        ("removed", &diff.removed, "31"),
        ("changed", &diff.changed, "33"),
    ] {
        for path in paths {
            let _ = writeln!(out, "  {} {path}", style.paint(color, word));
        }
    }
    for (path, what) in &diff.foreign {
        let _ = writeln!(
            out,
            "  {} {path} ({what}; kcfg render never writes one)",
            style.paint("31", "foreign")
        );
    }
    for path in &diff.changed {
        let before = String::from_utf8_lossy(&old[path]);
        let after = String::from_utf8_lossy(&rendered[path]);
        unified(out, &format!("{shown_dir}/{path}"), &before, &after, style);
    }
    Some(diff)
}

/// Appends a unified diff (3 lines of context) of `before` → `after`.
fn unified(out: &mut String, path: &str, before: &str, after: &str, style: Style) {
    let diff = TextDiff::from_lines(before, after);
    let _ = writeln!(out, "{}", style.paint("1", &format!("--- {path}")));
    let _ = writeln!(
        out,
        "{}",
        style.paint("1", &format!("+++ {path} (rendered)"))
    );
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let _ = writeln!(out, "{}", style.paint("36", &hunk.header().to_string()));
        for change in hunk.iter_changes() {
            let (sign, color) = match change.tag() {
                ChangeTag::Delete => ("-", Some("31")),
                ChangeTag::Insert => ("+", Some("32")),
                ChangeTag::Equal => (" ", None),
            };
            let text = change.value();
            let line = format!("{sign}{}", text.strip_suffix('\n').unwrap_or(text));
            match color {
                Some(color) => {
                    let _ = writeln!(out, "{}", style.paint(color, &line));
                }
                None => {
                    let _ = writeln!(out, "{line}");
                }
            }
            if !text.ends_with('\n') {
                let _ = writeln!(out, "\\ No newline at end of file");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> Files {
        entries
            .iter()
            .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
            .collect()
    }

    fn tree(entries: &[(&str, &str)]) -> Tree {
        Tree {
            files: files(entries),
            foreign: Vec::new(),
        }
    }

    #[test]
    fn identical_targets_have_no_difference() {
        let same = files(&[("a.yaml", "a: 1\n")]);
        let on_disk = tree(&[("a.yaml", "a: 1\n")]);
        assert!(compare("t", "out/t", Some(&on_disk), &same, Style { color: false }).is_none());
    }

    #[test]
    fn report_lists_files_and_diffs_changes() {
        let disk = tree(&[
            (
                "deployment-web.yaml",
                "kind: Deployment\nspec:\n  replicas: 2\n  paused: false\n",
            ),
            ("secret-old.yaml", "kind: Secret\n"),
        ]);
        let rendered = files(&[
            (
                "deployment-web.yaml",
                "kind: Deployment\nspec:\n  replicas: 3\n  paused: false\n",
            ),
            ("configmap-new.yaml", "kind: ConfigMap\n"),
        ]);
        let diff = compare(
            "edge/web",
            "rendered/edge/web",
            Some(&disk),
            &rendered,
            Style { color: false },
        )
        .unwrap();
        insta::assert_snapshot!(diff.report, @r"
        target edge/web: 1 added, 1 removed, 1 changed
          added   configmap-new.yaml
          removed secret-old.yaml
          changed deployment-web.yaml
        --- rendered/edge/web/deployment-web.yaml
        +++ rendered/edge/web/deployment-web.yaml (rendered)
        @@ -1,4 +1,4 @@
         kind: Deployment
         spec:
        -  replicas: 2
        +  replicas: 3
           paused: false
        ");
    }

    #[test]
    fn colors_on_a_terminal() {
        let diff = compare(
            "t",
            "out/t",
            Some(&tree(&[("a", "x\n")])),
            &files(&[("a", "y\n")]),
            Style { color: true },
        )
        .unwrap();
        assert!(diff.report.contains("\x1b[31m-x\x1b[0m"));
        assert!(diff.report.contains("\x1b[32m+y\x1b[0m"));
    }

    #[test]
    fn missing_target_directory() {
        let diff = compare(
            "t",
            "out/t",
            None,
            &files(&[("a.yaml", "a: 1\n")]),
            Style { color: false },
        )
        .unwrap();
        insta::assert_snapshot!(diff.report, @r"
        target t: not rendered yet (out/t does not exist)
          added   a.yaml
        ");
    }

    #[test]
    fn issue13_entries_kcfg_never_writes_make_a_difference() {
        let mut on_disk = tree(&[("a.yaml", "a: 1\n")]);
        on_disk
            .foreign
            .push(("link.yaml".into(), "a symbolic link"));
        let diff = compare(
            "t",
            "out/t",
            Some(&on_disk),
            &files(&[("a.yaml", "a: 1\n")]),
            Style { color: false },
        )
        .unwrap();
        insta::assert_snapshot!(diff.report, @r"
        target t: 0 added, 0 removed, 0 changed, 1 not written by kcfg
          foreign link.yaml (a symbolic link; kcfg render never writes one)
        ");
    }
}
