//! The text report of `kcfg fleet-diff`: a summary, the tables per
//! application and per cluster, then each group of identical changes with
//! its objects and fields, coloured through the one [`Painter`].

use std::fmt::Write as _;

use kcfg_render::diff::{Change, ChangeKind, FleetDiff, Tally};

use super::{plural, shown, Header};
use crate::color::Painter;

/// The longest value shown in a field line, in characters.
const VALUE_WIDTH: usize = 120;

/// The whole report.
pub fn report(fleet: &FleetDiff, header: &Header, paint: Painter) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "Fleet diff of {}: {} -> {}",
            header.plan,
            header.base_label(),
            header.head_label()
        ))
    );
    for line in plan_notes(header) {
        let _ = writeln!(out, "{}", paint.yellow(&line));
    }
    let _ = writeln!(out, "{}", summary(fleet));
    if fleet.is_empty() {
        let _ = writeln!(out, "No target changes.");
        return out;
    }
    out.push('\n');
    table(&mut out, paint, "application", &fleet.applications());
    out.push('\n');
    table(&mut out, paint, "cluster", &fleet.clusters());
    for group in fleet.groups() {
        out.push('\n');
        let (sign, verb) = marks(group.change.change);
        let _ = writeln!(
            out,
            "{} {}",
            paint_kind(paint, group.change.change, sign),
            paint.bold(&format!("{verb}: {}", group.targets))
        );
        if let Some(names) = super::unlisted(&group.targets) {
            let _ = writeln!(out, "  {}", paint.dim(&format!("targets: {names}")));
        }
        change_lines(&mut out, paint, group.change);
    }
    out
}

/// What the header says when `--only` selected targets, and when the plan
/// is missing at a side.
pub fn plan_notes(header: &Header) -> Vec<String> {
    let mut notes = Vec::new();
    if !header.only.is_empty() {
        let flags: Vec<String> = header
            .only
            .iter()
            .map(|glob| format!("--only {}", kcfg_render::hydrator::shell_word(glob)))
            .collect();
        notes.push(format!(
            "Selection: only the targets {} selects are compared and counted.",
            flags.join(" ")
        ));
    }
    if !header.plan_at.0 {
        notes.push(format!(
            "No plan at {}: every target is added.",
            header.base_label()
        ));
    }
    if !header.plan_at.1 {
        notes.push(format!(
            "No plan at {}: every target is removed.",
            header.head_label()
        ));
    }
    notes
}

/// `683 targets -> 690: 7 added, 0 removed, 97 changed, 579 unchanged
/// (579 proven by the input record; evaluated 97 at the base, 104 at the
/// head)`.
pub fn summary(fleet: &FleetDiff) -> String {
    let totals = fleet.totals();
    let common = fleet.base_targets + fleet.head_targets - fleet.every.len();
    format!(
        "{} -> {}: {} added, {} removed, {} changed, {} unchanged ({} proven by the input record; evaluated {} at the base, {} at the head)",
        plural(fleet.base_targets, "target"),
        fleet.head_targets,
        totals.added,
        totals.removed,
        totals.changed,
        common - totals.changed,
        fleet.proven,
        fleet.evaluated_base,
        fleet.evaluated_head,
    )
}

/// `+`/`-`/`~` and the verb of a change.
pub fn marks(kind: ChangeKind) -> (&'static str, &'static str) {
    match kind {
        ChangeKind::Added => ("+", "added"),
        ChangeKind::Removed => ("-", "removed"),
        ChangeKind::Changed => ("~", "changed"),
    }
}

fn paint_kind(paint: Painter, kind: ChangeKind, text: &str) -> String {
    match kind {
        ChangeKind::Added => paint.green(text),
        ChangeKind::Removed => paint.red(text),
        ChangeKind::Changed => paint.yellow(text),
    }
}

fn table(out: &mut String, paint: Painter, what: &str, rows: &[Tally]) {
    let width = rows
        .iter()
        .map(|row| row.name.chars().count())
        .chain([what.len()])
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "{what:<width$}  {:>7}  {:>7}  {:>7}",
            "added", "removed", "changed"
        ))
    );
    for row in rows {
        let name = if row.name.is_empty() { "-" } else { &row.name };
        let _ = writeln!(
            out,
            "{name:<width$}  {:>7}  {:>7}  {:>7}",
            row.added, row.removed, row.changed
        );
    }
}

fn change_lines(out: &mut String, paint: Painter, change: &Change) {
    for object in &change.objects {
        let (sign, _) = marks(object.change);
        let _ = writeln!(
            out,
            "    {}",
            paint_kind(paint, object.change, &format!("{sign} {}", object.object))
        );
        for field in &object.fields {
            let _ = writeln!(
                out,
                "        {}: {} -> {}",
                field.path,
                paint.red(&shown(&field.before, VALUE_WIDTH)),
                paint.green(&shown(&field.after, VALUE_WIDTH))
            );
        }
    }
    for file in &change.files {
        let (sign, _) = marks(file.change);
        let _ = writeln!(
            out,
            "    {}",
            paint_kind(paint, file.change, &format!("{sign} file {}", file.path))
        );
    }
}
