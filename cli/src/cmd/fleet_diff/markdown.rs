//! The Markdown report of `kcfg fleet-diff`, for a pull-request comment:
//! the summary and the table per application in the open, each group of
//! identical changes and the table per cluster in a collapsed `<details>`
//! section, and at most `--max-size` bytes: sections that do not fit are
//! left out and a last line says how many and which command shows them.

use std::fmt::Write as _;

use kcfg_render::diff::{Change, FleetDiff, Tally};

use super::text::{marks, plan_notes, summary};
use super::{plural, shown, Header};

/// The longest value shown in a field line, in characters.
const VALUE_WIDTH: usize = 80;

/// Room kept for the line saying what was cut.
const CUT_NOTE: usize = 400;

/// The whole report, at most `max_size` bytes (never less than the
/// summary and the table per application).
pub fn report(fleet: &FleetDiff, header: &Header, max_size: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Fleet diff of {}: {} → {}\n",
        code(&header.plan),
        code(&header.base_label()),
        code(&header.head_label())
    );
    for note in plan_notes(header) {
        let _ = writeln!(out, "> {note}\n");
    }
    let _ = writeln!(out, "{}\n", summary(fleet));
    if fleet.is_empty() {
        let _ = writeln!(out, "No target changes.");
        return out;
    }
    table(&mut out, "application", &fleet.applications());
    out.push('\n');

    let groups = fleet.groups();
    let mut cut_groups = 0;
    let mut cut_targets = 0;
    for group in &groups {
        let (sign, verb) = marks(group.change.change);
        let mut section = format!(
            "<details><summary>{sign} {verb}: {}</summary>\n\n",
            html(&group.targets.to_string())
        );
        if let Some(names) = super::unlisted(&group.targets) {
            let _ = writeln!(section, "Targets: {}\n", code(&names));
        }
        change_items(&mut section, group.change);
        section.push_str("\n</details>\n\n");
        // Once one group is cut, so are the smaller ones after it.
        if cut_groups == 0 && out.len() + section.len() + CUT_NOTE <= max_size {
            out.push_str(&section);
        } else {
            cut_groups += 1;
            cut_targets += group.targets.names.len();
        }
    }
    let clusters = fleet.clusters();
    let mut cluster_table = format!(
        "<details><summary>Per cluster ({} with changes)</summary>\n\n",
        clusters.len()
    );
    table(&mut cluster_table, "cluster", &clusters);
    cluster_table.push_str("\n</details>\n");
    let room = if cut_groups > 0 { CUT_NOTE } else { 0 };
    let clusters_fit = out.len() + cluster_table.len() + room <= max_size;
    if clusters_fit {
        out.push_str(&cluster_table);
    }
    if cut_groups > 0 || !clusters_fit {
        let mut cut = Vec::new();
        if cut_groups > 0 {
            cut.push(format!(
                "{} of {} ({})",
                plural(cut_groups, "group"),
                groups.len(),
                plural(cut_targets, "target")
            ));
        }
        if !clusters_fit {
            cut.push("the table per cluster".into());
        }
        let _ = writeln!(
            out,
            "\n**Cut to stay under {max_size} bytes:** {} not shown. Run `kcfg fleet-diff` (or `--format json`) for the whole diff.",
            cut.join(" and ")
        );
    }
    out
}

fn table(out: &mut String, what: &str, rows: &[Tally]) {
    let _ = writeln!(out, "| {what} | added | removed | changed |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for row in rows {
        let name = if row.name.is_empty() {
            "-".to_string()
        } else {
            code(&row.name).replace('|', "\\|")
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} |",
            row.added, row.removed, row.changed
        );
    }
}

fn change_items(out: &mut String, change: &Change) {
    for object in &change.objects {
        let (sign, _) = marks(object.change);
        let _ = writeln!(out, "- {sign} {}", code(&object.object.to_string()));
        for field in &object.fields {
            let _ = writeln!(
                out,
                "  - {}: {} → {}",
                code(&field.path),
                code(&shown(&field.before, VALUE_WIDTH)),
                code(&shown(&field.after, VALUE_WIDTH))
            );
        }
    }
    for file in &change.files {
        let (sign, _) = marks(file.change);
        let _ = writeln!(out, "- {sign} file {}", code(&file.path));
    }
}

/// `text` as inline code, whatever backticks it holds.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 || text.starts_with(' ') || text.ends_with(' ') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// `text` escaped for HTML (a `<summary>` shows no Markdown).
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue18_inline_code_holds_backticks() {
        assert_eq!(code("spec.replicas"), "`spec.replicas`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(html("<a & b>"), "&lt;a &amp; b&gt;");
    }
}
