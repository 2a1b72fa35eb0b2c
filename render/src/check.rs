//! `--check`: compare a target rendered in memory with its directory on
//! disk, and describe the differences as a reviewer wants to read them in
//! a CI log: the files added, removed and changed, then a unified diff of
//! each changed file (the `similar` crate, three lines of context). Entries
//! kcfg never writes (a symbolic link, a FIFO, an empty directory) make a
//! target differ too, listed as `foreign`: they were not read through
//! (`super::outdir`).
//!
//! The difference is a value; the `kcfg` binary prints it (and colors it on
//! a terminal).

use similar::{ChangeTag, TextDiff};

use super::outdir::Tree;
use super::output::Files;

/// How a target on disk differs from its rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Difference {
    /// The target's directory, as messages show it.
    pub dir: String,
    /// Whether the directory does not exist at all.
    pub missing: bool,
    /// Files only in the rendering.
    pub added: Vec<String>,
    /// Files only on disk.
    pub removed: Vec<String>,
    /// Files in both, with different contents.
    pub changed: Vec<String>,
    /// Entries on disk kcfg never writes, with what they are.
    pub foreign: Vec<(String, &'static str)>,
    /// The unified diff of each file of `changed`, in that order.
    pub diffs: Vec<FileDiff>,
}

/// The unified diff of one changed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// The file, relative to the target's directory.
    pub path: String,
    /// Its hunks.
    pub hunks: Vec<Hunk>,
}

/// One hunk of a unified diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// `@@ -1,4 +1,4 @@`.
    pub header: String,
    /// Its lines.
    pub lines: Vec<Line>,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Whether the line was removed, added or kept.
    pub change: Change,
    /// Its text, without the line break.
    pub text: String,
    /// Whether it is the last line of a file that does not end with a line
    /// break (`\ No newline at end of file`).
    pub no_newline: bool,
}

/// What happened to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Only on disk (`-`).
    Delete,
    /// Only in the rendering (`+`).
    Insert,
    /// In both (context).
    Equal,
}

impl Change {
    /// The sign a unified diff puts in front of the line.
    pub fn sign(self) -> char {
        match self {
            Change::Delete => '-',
            Change::Insert => '+',
            Change::Equal => ' ',
        }
    }
}

/// Compares `rendered` with `on_disk` (None: the directory does not exist).
/// `shown_dir` is how the target's directory is named in messages.
/// Returns None when they are identical.
pub fn compare(shown_dir: &str, on_disk: Option<&Tree>, rendered: &Files) -> Option<Difference> {
    let empty = Files::new();
    let old = on_disk.map_or(&empty, |tree| &tree.files);
    let foreign = on_disk.map_or(&[][..], |tree| &tree.foreign[..]);
    if on_disk.is_some() && old == rendered && foreign.is_empty() {
        return None;
    }
    let mut diff = Difference {
        dir: shown_dir.to_string(),
        missing: on_disk.is_none(),
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
    diff.diffs = diff
        .changed
        .iter()
        .map(|path| {
            let before = String::from_utf8_lossy(&old[path]);
            let after = String::from_utf8_lossy(&rendered[path]);
            FileDiff {
                path: path.clone(),
                hunks: unified(&before, &after),
            }
        })
        .collect();
    Some(diff)
}

/// The hunks of a unified diff (3 lines of context) of `before` → `after`
/// (`kcfg fmt --check` shows its diffs with them too).
pub fn unified(before: &str, after: &str) -> Vec<Hunk> {
    let diff = TextDiff::from_lines(before, after);
    let mut hunks = Vec::new();
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let lines = hunk
            .iter_changes()
            .map(|change| {
                let text = change.value();
                Line {
                    change: match change.tag() {
                        ChangeTag::Delete => Change::Delete,
                        ChangeTag::Insert => Change::Insert,
                        ChangeTag::Equal => Change::Equal,
                    },
                    text: text.strip_suffix('\n').unwrap_or(text).to_string(),
                    no_newline: !text.ends_with('\n'),
                }
            })
            .collect();
        hunks.push(Hunk {
            header: hunk.header().to_string(),
            lines,
        });
    }
    hunks
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
        assert!(compare("out/t", Some(&on_disk), &same).is_none());
    }

    #[test]
    fn lists_files_and_diffs_changes() {
        let disk = tree(&[
            ("a.yaml", "x: 1\ny: 2\n"),
            ("old.yaml", "kind: Secret\n"),
            ("tail.yaml", "a\nb"),
        ]);
        let rendered = files(&[
            ("a.yaml", "x: 1\ny: 3\n"),
            ("new.yaml", "kind: ConfigMap\n"),
            ("tail.yaml", "a\nc"),
        ]);
        let diff = compare("out/t", Some(&disk), &rendered).unwrap();
        assert!(!diff.missing);
        assert_eq!(diff.added, ["new.yaml"]);
        assert_eq!(diff.removed, ["old.yaml"]);
        assert_eq!(diff.changed, ["a.yaml", "tail.yaml"]);
        let line = |change, text: &str, no_newline| Line {
            change,
            text: text.into(),
            no_newline,
        };
        assert_eq!(
            diff.diffs[0].hunks,
            [Hunk {
                header: "@@ -1,2 +1,2 @@".into(),
                lines: vec![
                    line(Change::Equal, "x: 1", false),
                    line(Change::Delete, "y: 2", false),
                    line(Change::Insert, "y: 3", false),
                ],
            }]
        );
        let last = diff.diffs[1].hunks[0].lines.last().unwrap();
        assert_eq!(last, &line(Change::Insert, "c", true));
    }

    #[test]
    fn missing_target_directory() {
        let diff = compare("out/t", None, &files(&[("a.yaml", "a: 1\n")])).unwrap();
        assert!(diff.missing);
        assert_eq!(diff.added, ["a.yaml"]);
    }

    #[test]
    fn issue13_entries_kcfg_never_writes_make_a_difference() {
        let mut on_disk = tree(&[("a.yaml", "a: 1\n")]);
        on_disk
            .foreign
            .push(("link.yaml".into(), "a symbolic link"));
        let diff = compare("out/t", Some(&on_disk), &files(&[("a.yaml", "a: 1\n")])).unwrap();
        assert_eq!(diff.foreign, [("link.yaml".to_string(), "a symbolic link")]);
        assert!(diff.added.is_empty() && diff.changed.is_empty());
    }
}
