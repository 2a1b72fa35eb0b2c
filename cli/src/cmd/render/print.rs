//! What `kcfg render` prints once the renderer is done: with `--check`, the
//! differences on standard output; the targets removed, the failures (each
//! with its full diagnostic), the policy violations of the whole fleet and
//! the summary line on standard error; and the exit status.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use kcfg_render::check::Difference;
use kcfg_render::{group, DirReport, Status};

use super::json;
use crate::cmd::unified;
use crate::color::Painter;
use crate::report::{self, Errors};

/// Writes the JSON report of a render that stopped (`--output json`).
pub fn json_error(err: &kcfg_render::Error, elapsed: Duration) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", json::stopped(err, elapsed));
    let _ = stdout.flush();
}

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// No summary line.
    pub quiet: bool,
    /// A JSON report on standard output instead of the differences.
    pub json: bool,
    /// Standard output (differences).
    pub stdout: Painter,
    /// Diagnostics on standard error.
    pub errors: Errors,
}

/// Prints a render's report and picks the exit status: 1 when a target
/// failed or, with `--check`, the directory differs from the plan.
///
/// With `--error-format json`, standard error holds only diagnostics, one
/// JSON object per line: the lines about removed targets and the summary
/// are left to the `--output json` report.
pub fn finish(report: &DirReport, style: Style, elapsed: Duration) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let root = &report.root;
    let errors = &style.errors;
    let text_on_stderr = !errors.is_json();

    if style.json {
        let _ = writeln!(stdout, "{}", json::report(report, elapsed));
        let _ = stdout.flush();
    } else if report.check {
        for target in &report.targets {
            if let Status::Differs(difference) = &target.status {
                let _ = stdout
                    .write_all(differences(&target.name, difference, style.stdout).as_bytes());
            }
        }
        for name in &report.stale {
            let line = format!(
                "target {name}: no longer in the plan ({} would be removed)",
                root.join(name).display()
            );
            let _ = writeln!(stdout, "{}", style.stdout.bold(&line));
        }
        if !report.stale.is_empty() {
            for generator in &report.empty_generators {
                let _ = writeln!(stdout, "note: {generator}: it made no target");
            }
        }
        for leftover in &report.leftovers {
            let line = format!(
                "leftover of an interrupted kcfg render: {} (the next kcfg render removes it)",
                leftover.path.display()
            );
            let _ = writeln!(stdout, "{}", style.stdout.bold(&line));
        }
        let _ = stdout.flush();
    }
    if !report.check && text_on_stderr {
        for leftover in &report.leftovers {
            let _ = writeln!(
                stderr,
                "removed {}: left by an interrupted kcfg render",
                leftover.path.display()
            );
        }
        for name in &report.stale {
            let _ = writeln!(
                stderr,
                "removed {}: target {name} is no longer in the plan",
                root.join(name).display()
            );
        }
    }

    // Failures, each with its full diagnostic, identical ones once for all
    // their targets (issue 16).
    for group in group::failures(&report.targets) {
        let _ = stderr.write_all(report::failure_group(&group, errors).as_bytes());
    }

    // Policy violations of every target, all at once, grouped alike.
    let summary = report.summary();
    let violations = group::violations(&report.targets);
    let _ = stderr.write_all(report::violation_groups(&violations, errors).as_bytes());

    // In --check, a stale target and a leftover are differences; a render
    // removes them.
    let differ = summary.differ
        + if report.check {
            report.stale.len() + report.leftovers.len()
        } else {
            0
        };
    if !style.quiet && text_on_stderr {
        for ignored in &report.records_ignored {
            let _ = writeln!(
                stderr,
                "note: input record not used: {ignored}; its targets were evaluated, unless another record proved them"
            );
        }
        let verb = if report.check { "checked" } else { "rendered" };
        let mut parts = Vec::new();
        for (count, what) in [
            (summary.written, "written"),
            (summary.unchanged, "unchanged"),
            (summary.identical, "identical"),
            (summary.differ, "differ"),
            (summary.failed, "failed"),
            (summary.skipped, "skipped"),
        ] {
            if count > 0 {
                // "1 differs", "2 differ" (issue 16).
                let what = if what == "differ" && count == 1 {
                    "differs"
                } else {
                    what
                };
                parts.push(format!("{count} {what}"));
            }
        }
        if summary.reused > 0 {
            parts.push(format!("{} reused: inputs unchanged", summary.reused));
        }
        let stale = report.stale.len();
        if stale > 0 {
            parts.push(format!(
                "{stale} stale target{} {}",
                plural(stale),
                if report.check { "to remove" } else { "removed" }
            ));
        }
        let leftovers = report.leftovers.len();
        if leftovers > 0 {
            parts.push(format!(
                "{leftovers} leftover{} of an interrupted render{}",
                plural(leftovers),
                if report.check { "" } else { " removed" }
            ));
        }
        let _ = writeln!(
            stderr,
            "{verb} {} target{} {} {}: {} object{}, {} in {:.2}s ({})",
            summary.targets,
            plural(summary.targets),
            if report.check { "against" } else { "into" },
            root.display(),
            summary.objects,
            plural(summary.objects),
            human_bytes(summary.bytes),
            elapsed.as_secs_f64(),
            parts.join(", ")
        );
        if report.check && differ > 0 && summary.failed == 0 && summary.violations == 0 {
            let _ = writeln!(
                stderr,
                "{} does not match the plan; run `kcfg render` to update it",
                root.display()
            );
        }
    }
    if summary.failed > 0 || differ > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// How a target on disk differs from its rendering, as a reviewer wants to
/// read it in a CI log: the files added, removed and changed, then a
/// unified diff of each changed file.
pub fn differences(target: &str, diff: &Difference, painter: Painter) -> String {
    let mut out = String::new();
    let headline = if diff.missing {
        format!(
            "target {target}: not rendered yet ({} does not exist)",
            diff.dir
        )
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
    let _ = writeln!(out, "{}", painter.bold(&headline));
    for (word, paths, paint) in [
        (
            "added  ",
            &diff.added,
            Painter::green as fn(Painter, &str) -> String,
        ),
        ("removed", &diff.removed, Painter::red),
        ("changed", &diff.changed, Painter::yellow),
    ] {
        for path in paths {
            let _ = writeln!(out, "  {} {path}", paint(painter, word));
        }
    }
    for (path, what) in &diff.foreign {
        let _ = writeln!(
            out,
            "  {} {path} ({what}; kcfg render never writes one)",
            painter.red("foreign")
        );
    }
    for file in &diff.diffs {
        let path = format!("{}/{}", diff.dir, file.path);
        unified::write(
            &mut out,
            &path,
            &format!("{path} (rendered)"),
            &file.hunks,
            painter,
        );
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `1.5 MB`, `980 B`.
fn human_bytes(bytes: usize) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < units.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

#[cfg(test)]
mod tests {
    use kcfg_render::check::compare;
    use kcfg_render::outdir::Tree;
    use kcfg_render::output::Files;

    use super::*;
    use crate::color::ColorWhen;

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
        let diff = compare("rendered/edge/web", Some(&disk), &rendered).unwrap();
        insta::assert_snapshot!(differences("edge/web", &diff, Painter::default()), @r"
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
            "out/t",
            Some(&tree(&[("a", "x\n")])),
            &files(&[("a", "y\n")]),
        )
        .unwrap();
        let text = differences("t", &diff, ColorWhen::Always.stdout());
        assert!(text.contains("\x1b[31m-x\x1b[0m"));
        assert!(text.contains("\x1b[32m+y\x1b[0m"));
    }

    #[test]
    fn missing_target_directory() {
        let diff = compare("out/t", None, &files(&[("a.yaml", "a: 1\n")])).unwrap();
        insta::assert_snapshot!(differences("t", &diff, Painter::default()), @r"
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
        let diff = compare("out/t", Some(&on_disk), &files(&[("a.yaml", "a: 1\n")])).unwrap();
        insta::assert_snapshot!(differences("t", &diff, Painter::default()), @r"
        target t: 0 added, 0 removed, 0 changed, 1 not written by kcfg
          foreign link.yaml (a symbolic link; kcfg render never writes one)
        ");
    }

    #[test]
    fn a_last_line_without_a_line_break_is_marked() {
        let diff = compare(
            "out/t",
            Some(&tree(&[("a", "x\ny")])),
            &files(&[("a", "x\nz")]),
        )
        .unwrap();
        insta::assert_snapshot!(differences("t", &diff, Painter::default()), @r"
        target t: 0 added, 0 removed, 1 changed
          changed a
        --- out/t/a
        +++ out/t/a (rendered)
        @@ -1,2 +1,2 @@
         x
        -y
        \ No newline at end of file
        +z
        \ No newline at end of file
        ");
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(human_bytes(980), "980 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
    }
}
