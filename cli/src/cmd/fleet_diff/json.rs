//! The JSON report of `kcfg fleet-diff` (schema version 1, documented in
//! the README): one object on standard output.

use kcfg_render::diff::{FleetDiff, Which};
use serde_json::{json, Value as Json};

use super::Header;

/// The report's schema version: a field that changes meaning changes it;
/// new fields may be added without.
pub const VERSION: u32 = 1;

/// The whole report, one line.
pub fn report(fleet: &FleetDiff, header: &Header) -> String {
    let totals = fleet.totals();
    let common = fleet.base_targets + fleet.head_targets - fleet.every.len();
    let side = |revision: Option<&(String, String)>, plan: bool| {
        json!({
            "revision": revision.map(|r| &r.0),
            "commit": revision.map(|r| &r.1),
            "plan": plan,
        })
    };
    let groups: Vec<Json> = fleet
        .groups()
        .iter()
        .map(|group| {
            json!({
                "targets": group.targets.names,
                "pattern": group.targets.pattern,
                "change": group.change.change,
                "objects": group.change.objects,
                "files": group.change.files,
            })
        })
        .collect();
    let failures: Vec<Json> = fleet
        .failures
        .iter()
        .map(|failure| {
            json!({
                "side": match failure.side {
                    Which::Base => "base",
                    Which::Head => "head",
                },
                "target": failure.target,
                "error": crate::report::failure_json(&failure.failure),
            })
        })
        .collect();
    let report = json!({
        "version": VERSION,
        "plan": header.plan,
        // Added in version 1 (a new field, no change of meaning): the
        // `--only` globs, or null when every target is compared.
        "selection": (!header.only.is_empty()).then_some(&header.only),
        "base": side(Some(&header.base), header.plan_at.0),
        "head": side(header.head.as_ref(), header.plan_at.1),
        "status": if !fleet.failures.is_empty() {
            "failed"
        } else if fleet.is_empty() {
            "same"
        } else {
            "changed"
        },
        "summary": {
            "base_targets": fleet.base_targets,
            "head_targets": fleet.head_targets,
            "added": totals.added,
            "removed": totals.removed,
            "changed": totals.changed,
            "unchanged": common - totals.changed,
            "proven": fleet.proven,
            "evaluated": { "base": fleet.evaluated_base, "head": fleet.evaluated_head },
        },
        "applications": fleet.applications(),
        "clusters": fleet.clusters(),
        "groups": groups,
        "targets": fleet.changes,
        "failures": failures,
    });
    format!("{report}\n")
}
