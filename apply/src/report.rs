//! Reports: one record per object and action, a table per cluster and a
//! fleet summary, or JSON records for machines (`-o json`).
//!
//! The engine fills these in; the CLI prints them. Rendering is plain text
//! (colour is the CLI's business), so it can be snapshot-tested.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::health::Health;
use crate::object::ObjectRef;
use crate::progress::plural;

/// What the engine decided for one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The object does not exist and will be (or was) created.
    Create,
    /// The object exists and differs from the desired state.
    Update,
    /// The object is as desired; nothing is sent.
    Unchanged,
    /// The object is in the set but no longer desired; it is deleted.
    Prune,
    /// The object would be pruned, but a guard keeps it.
    Keep,
    /// Server-side apply reported fields owned by another manager.
    Conflict,
    /// Another ApplySet or Argo CD owns the object (see `--adopt`).
    Refuse,
    /// A hook object, never applied as a plain object.
    Skip,
    /// The object could not be planned (invalid, kind not served, ...).
    Error,
}

impl Action {
    /// True for actions that change the cluster.
    pub fn is_change(self) -> bool {
        matches!(self, Action::Create | Action::Update | Action::Prune)
    }

    /// True for actions that stop the run before anything changes.
    pub fn is_blocking(self) -> bool {
        matches!(self, Action::Conflict | Action::Refuse | Action::Error)
    }
}

/// What happened to the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Dry run: planned only.
    Planned,
    /// Sent and accepted (or nothing to send, for unchanged objects).
    Done,
    /// Sent and refused, or timed out waiting.
    Failed,
    /// Not attempted, because the run stopped earlier.
    NotRun,
}

/// One object's line in a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// The object.
    #[serde(flatten)]
    pub object: ObjectRef,
    /// Sync wave (0 for pruned objects without one).
    pub wave: i64,
    /// The decision.
    pub action: Action,
    /// What happened.
    pub result: Outcome,
    /// Health after applying, when waited for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
    /// Why (conflict fields, guard, error message).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Where the desired object came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Unified diff of the normalised live and desired objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// The result of one ApplySet on one cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetReport {
    /// Cluster (context) name.
    pub cluster: String,
    /// The kubeconfig context, when the run knows it (a fleet run does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Render target (`cluster/app`), or `.` for a single directory.
    pub target: String,
    /// ApplySet parent `namespace/name`.
    pub applyset: String,
    /// ApplySet ID.
    pub applyset_id: String,
    /// True for a dry run.
    pub dry_run: bool,
    /// Object records, in apply order, then prunes.
    pub records: Vec<Record>,
    /// Why the run stopped, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// API requests sent.
    pub requests: u64,
    /// Wall time.
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((duration.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl SetReport {
    /// True when something was (or would be) created, updated or pruned.
    pub fn has_changes(&self) -> bool {
        self.records.iter().any(|r| r.action.is_change())
    }

    /// True when the run failed.
    pub fn failed(&self) -> bool {
        self.error.is_some()
            || self
                .records
                .iter()
                .any(|r| r.result == Outcome::Failed || r.action.is_blocking())
    }

    /// Count of records with `action`.
    pub fn count(&self, action: Action) -> usize {
        self.records.iter().filter(|r| r.action == action).count()
    }

    /// One line: the counts and the time, or why the run failed.
    pub fn summary(&self) -> String {
        let counts = format!(
            "{} create, {} update, {} prune, {} unchanged in {:.1}s",
            self.count(Action::Create),
            self.count(Action::Update),
            self.count(Action::Prune),
            self.count(Action::Unchanged),
            self.duration.as_secs_f64()
        );
        match &self.error {
            Some(error) => format!("failed: {}", error.replace('\n', " ")),
            None if self.failed() => format!("failed: {counts}"),
            None if self.dry_run => format!("planned: {counts}"),
            None => counts,
        }
    }
}

/// Outcome of one cluster in a fleet run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterReport {
    /// Cluster name (first part of the target).
    pub cluster: String,
    /// Kubeconfig context it was mapped to.
    pub context: String,
    /// Set reports, one per application.
    pub sets: Vec<SetReport>,
    /// A cluster-level failure (unreachable, kubeconfig), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ClusterReport {
    /// `ok`, `changed`, `failed` or `unreachable`.
    pub fn status(&self) -> &'static str {
        if self
            .error
            .as_deref()
            .is_some_and(|e| e.contains("unreachable"))
        {
            "unreachable"
        } else if self.error.is_some() || self.sets.iter().any(SetReport::failed) {
            "failed"
        } else if self.sets.iter().any(SetReport::has_changes) {
            "changed"
        } else {
            "ok"
        }
    }
}

/// A whole run: one or more clusters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetReport {
    /// Per cluster, sorted by name.
    pub clusters: Vec<ClusterReport>,
}

impl FleetReport {
    /// True when a cluster failed or was unreachable.
    pub fn failed(&self) -> bool {
        self.clusters
            .iter()
            .any(|c| matches!(c.status(), "failed" | "unreachable"))
    }

    /// True when something changed (or would change, in a dry run).
    pub fn has_changes(&self) -> bool {
        self.clusters.iter().any(|c| c.status() == "changed")
    }

    /// Process exit code: 1 on any failure; otherwise 2 when `detailed` and
    /// something changed (or would change, in a dry run), else 0. Commands
    /// that report differences (`kcfg diff`, `apply --dry-run`, `apply
    /// --exit-code`) are detailed; a plain `kcfg apply` exits 0 whenever it
    /// succeeded, as kubectl and helm do (issue 16).
    pub fn exit_code(&self, detailed: bool) -> u8 {
        if self.failed() {
            1
        } else if detailed && self.has_changes() {
            2
        } else {
            0
        }
    }

    /// The whole run in one line: clusters by status, then the objects'
    /// actions (what `--quiet` prints at the end).
    pub fn totals(&self) -> String {
        let mut statuses = std::collections::BTreeMap::<&str, usize>::new();
        for cluster in &self.clusters {
            *statuses.entry(cluster.status()).or_default() += 1;
        }
        let sets = self.clusters.iter().flat_map(|c| &c.sets);
        let sum = |action| sets.clone().map(|s| s.count(action)).sum::<usize>();
        let dry_run = self
            .clusters
            .iter()
            .flat_map(|c| &c.sets)
            .any(|s| s.dry_run);
        format!(
            "{}: {}; {}: {} create, {} update, {} prune, {} unchanged{}",
            plural(self.clusters.len(), "cluster"),
            statuses
                .iter()
                .map(|(status, n)| format!("{n} {status}"))
                .collect::<Vec<_>>()
                .join(", "),
            plural(sets.clone().count(), "set"),
            sum(Action::Create),
            sum(Action::Update),
            sum(Action::Prune),
            sum(Action::Unchanged),
            if dry_run { " (dry run)" } else { "" }
        )
    }

    /// Every record as one flat JSON line-friendly value per object.
    pub fn json_records(&self) -> Vec<serde_json::Value> {
        let mut res = Vec::new();
        for cluster in &self.clusters {
            if let Some(error) = &cluster.error {
                res.push(serde_json::json!({"cluster": cluster.cluster, "context": cluster.context, "result": "failed", "message": error}));
            }
            for set in &cluster.sets {
                for record in &set.records {
                    let mut value = serde_json::to_value(record).unwrap_or_default();
                    value["cluster"] = cluster.cluster.clone().into();
                    value["context"] = cluster.context.clone().into();
                    value["target"] = set.target.clone().into();
                    value["applyset"] = set.applyset.clone().into();
                    res.push(value);
                }
                if let Some(error) = &set.error {
                    res.push(serde_json::json!({"cluster": cluster.cluster, "context": cluster.context, "target": set.target, "applyset": set.applyset, "result": "failed", "message": error}));
                }
            }
        }
        res
    }
}

fn object_column(record: &Record) -> String {
    let gk = record.object.group_kind().to_string();
    if record.object.namespace.is_empty() {
        format!("{gk}/{}", record.object.name)
    } else {
        format!("{gk} {}/{}", record.object.namespace, record.object.name)
    }
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Unchanged => "unchanged",
        Action::Prune => "prune",
        Action::Keep => "keep",
        Action::Conflict => "conflict",
        Action::Refuse => "refuse",
        Action::Skip => "skip",
        Action::Error => "error",
    }
}

fn outcome_word(outcome: Outcome, dry_run: bool) -> &'static str {
    match outcome {
        Outcome::Planned if dry_run => "dry-run",
        Outcome::Planned => "planned",
        Outcome::Done => "ok",
        Outcome::Failed => "FAILED",
        Outcome::NotRun => "not run",
    }
}

/// Renders one set as a table: wave, action, object, result, health, message.
/// Diffs follow the table when `with_diffs` is set.
pub fn render_set(set: &SetReport, with_diffs: bool) -> String {
    let mut rows: Vec<[String; 6]> = vec![[
        "WAVE".into(),
        "ACTION".into(),
        "OBJECT".into(),
        "RESULT".into(),
        "HEALTH".into(),
        "MESSAGE".into(),
    ]];
    for record in &set.records {
        rows.push([
            record.wave.to_string(),
            action_word(record.action).into(),
            object_column(record),
            outcome_word(record.result, set.dry_run).into(),
            record
                .health
                .as_ref()
                .map(|h| h.status.to_string())
                .unwrap_or_else(|| "-".into()),
            record.message.replace('\n', " "),
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    // Targets are usually "<cluster>/<app>": name the cluster once. The
    // context is named when it is not the cluster's own name: a single
    // directory is named after its context (issue 16).
    let context = set.context.as_deref().filter(|c| *c != set.cluster);
    let title = if set.target == "." {
        match &set.context {
            Some(context) => format!("context {context}"),
            None => set.cluster.clone(),
        }
    } else if set.target.starts_with(&format!("{}/", set.cluster)) {
        set.target.clone()
    } else {
        format!("{} {}", set.cluster, set.target)
    };
    let context = match context {
        Some(context) if set.target != "." => format!("context {context}, "),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "== {} ({}ApplySet {}){}",
        title,
        context,
        set.applyset,
        if set.dry_run { " [dry run]" } else { "" }
    );
    for row in &rows {
        let mut line = String::new();
        for (index, cell) in row.iter().enumerate() {
            if index + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[index]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} create, {} update, {} unchanged, {} prune, {} keep, {} skip; {} request{} in {:.1}s",
        set.count(Action::Create),
        set.count(Action::Update),
        set.count(Action::Unchanged),
        set.count(Action::Prune),
        set.count(Action::Keep),
        set.count(Action::Skip),
        set.requests,
        if set.requests == 1 { "" } else { "s" },
        set.duration.as_secs_f64()
    );
    if let Some(error) = &set.error {
        let _ = writeln!(out, "error: {error}");
    }
    if with_diffs {
        for record in &set.records {
            if let Some(diff) = &record.diff {
                out.push('\n');
                out.push_str(diff);
            }
        }
    }
    out
}

/// Renders the fleet summary: one line per cluster, then totals.
pub fn render_summary(fleet: &FleetReport) -> String {
    let mut out = String::new();
    let name_width = fleet
        .clusters
        .iter()
        .map(|c| c.cluster.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        out,
        "{:<name_width$}  {:<11}  SETS  CREATE  UPDATE  PRUNE  MESSAGE",
        "CLUSTER", "STATUS"
    );
    let mut totals = std::collections::BTreeMap::<&str, usize>::new();
    for cluster in &fleet.clusters {
        let status = cluster.status();
        *totals.entry(status).or_default() += 1;
        let sum = |action| cluster.sets.iter().map(|s| s.count(action)).sum::<usize>();
        let message = cluster
            .error
            .clone()
            .or_else(|| cluster.sets.iter().find_map(|s| s.error.clone()))
            .unwrap_or_default();
        let line = format!(
            "{:<name_width$}  {:<11}  {:>4}  {:>6}  {:>6}  {:>5}  {}",
            cluster.cluster,
            status,
            cluster.sets.len(),
            sum(Action::Create),
            sum(Action::Update),
            sum(Action::Prune),
            message.replace('\n', " ")
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let parts: Vec<String> = totals
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    let _ = writeln!(
        out,
        "{} cluster{}: {}",
        fleet.clusters.len(),
        if fleet.clusters.len() == 1 { "" } else { "s" },
        parts.join(", ")
    );
    out
}
