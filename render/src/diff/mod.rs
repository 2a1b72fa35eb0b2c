//! The fleet diff between two revisions (issue 18, item 2): which targets
//! a change adds, removes and changes, and how, object by object and
//! field by field, with identical changes of many targets put together.
//!
//! Each side is a [`Renderer`] and the plan it loaded (or no plan, when
//! the plan does not exist there: then every target of the other side is
//! added or removed). One side usually reads a git revision
//! ([`crate::git::Revision`] behind [`crate::importer::TreeImports`]), the
//! other the work tree or a second revision; this module does not care.
//!
//! **Incremental.** A target in both plans is evaluated only when its
//! inputs may differ. Given an input record ([`crate::inputs`]) that the
//! caller trusts, a target is unchanged when the record's entry for it
//! matches *both* sides: the same parameters, every import resolving to the
//! same file and every file it read hashing the same at the base and at
//! the head ([`Renderer::changed_targets`] on each side). Evaluation is
//! deterministic and reads only what the record lists, so both sides would
//! render the files the record names, byte for byte. The record's word is
//! what makes this sound, which is why the caller passes only a record it
//! trusts (`kcfg fleet-diff` reads the one committed at the base revision,
//! which the change under review cannot edit, and `--cache`'s); every other
//! target in both plans is evaluated on both sides and compared, added
//! targets at the head and removed ones at the base.
//!
//! **Objects and fields.** A target's files are parsed back into objects
//! (YAML or JSON documents, identified by apiVersion, kind, namespace and
//! name); objects are matched by identity and compared as data
//! ([`fields`]); a file that holds no objects (`hydrator.metadata`) is
//! compared as bytes.
//!
//! **Groups.** A fleet changes alike: one edit of an application's file
//! changes that application the same way on most clusters.
//! [`FleetDiff::groups`] puts targets whose changes are identical (the same
//! objects, the same fields, the same values) together and names them as
//! [`crate::group`] names failures: by the shortest `--only` glob that
//! selects exactly them, or by their list; the odd ones out form groups of
//! their own. [`FleetDiff::applications`] and [`FleetDiff::clusters`]
//! count the changes per application and per cluster.
//!
//! Nothing is printed here: `kcfg fleet-diff` formats the result as text,
//! Markdown or JSON.

pub mod fields;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::Value as Json;

pub use self::fields::FieldChange;
use crate::error::{Error, Failure};
use crate::group::TargetSet;
use crate::inputs::Record;
use crate::output::{Files, OutputOptions};
use crate::plan::{Plan, Selection, Target};
use crate::renderer::{Batch, Renderer, Status};

/// One side of a diff: a renderer and the plan it loaded there, or `None`
/// when there is no plan at that side.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// Renders at that side (its importer reads that side's files).
    pub renderer: &'a Renderer,
    /// The plan at that side.
    pub plan: Option<&'a Plan>,
}

/// Which side of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    /// The revision compared against.
    Base,
    /// The revision (or work tree) under review.
    Head,
}

/// What happened to a target, an object or a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only at the head.
    Added,
    /// Only at the base.
    Removed,
    /// At both, different.
    Changed,
}

impl ChangeKind {
    /// `added`, `removed` or `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// What identifies an object in a target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectKey {
    /// `Deployment`.
    pub kind: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `apps/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
}

impl std::fmt::Display for ObjectKey {
    /// `Deployment web/api`, or `Namespace web` without a namespace.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{} {namespace}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One object that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectChange {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// Which object.
    pub object: ObjectKey,
    /// For a changed object, the fields that differ.
    pub fields: Vec<FieldChange>,
}

/// A file that holds no objects and differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The file, relative to the target's directory.
    pub path: String,
}

/// How a target differs, without its name: what [`FleetDiff::groups`]
/// compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// Its objects that differ (all of them, for an added or removed
    /// target), by identity.
    pub objects: Vec<ObjectChange>,
    /// Its other files that differ.
    pub files: Vec<FileChange>,
}

/// A target that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetChange {
    /// The target.
    pub target: String,
    /// How.
    #[serde(flatten)]
    pub change: Change,
}

/// A target that failed to render at one side: its change is unknown.
#[derive(Debug, Clone)]
pub struct SideFailure {
    /// Where.
    pub side: Which,
    /// The target.
    pub target: String,
    /// Why.
    pub failure: Failure,
}

/// The fleet diff between two sides.
#[derive(Debug, Clone)]
pub struct FleetDiff {
    /// How many targets the base's plan has.
    pub base_targets: usize,
    /// How many targets the head's plan has.
    pub head_targets: usize,
    /// Targets in both plans proven unchanged by the input record, without
    /// evaluating them.
    pub proven: usize,
    /// Targets evaluated at the base.
    pub evaluated_base: usize,
    /// Targets evaluated at the head.
    pub evaluated_head: usize,
    /// The targets that differ, by name.
    pub changes: Vec<TargetChange>,
    /// The targets that failed to render.
    pub failures: Vec<SideFailure>,
    /// Every target of either side, sorted: what groups are named among.
    pub every: Vec<String>,
}

/// Identical changes of several targets.
#[derive(Debug, Clone)]
pub struct ChangeGroup<'d> {
    /// The targets.
    pub targets: TargetSet,
    /// Their change.
    pub change: &'d Change,
}

/// Changes counted for one application or one cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The application or cluster.
    pub name: String,
    /// Targets added.
    pub added: usize,
    /// Targets removed.
    pub removed: usize,
    /// Targets changed.
    pub changed: usize,
}

/// A target name's cluster and application: `edge-eu-1/web` is cluster
/// `edge-eu-1` and application `web` (the part after the last `/`); a name
/// without `/` is its own cluster, with no application.
pub fn split_target(name: &str) -> (&str, &str) {
    match name.rsplit_once('/') {
        Some((cluster, application)) => (cluster, application),
        None => (name, ""),
    }
}

impl FleetDiff {
    /// Whether nothing differs (failures aside).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many targets are added, removed and changed.
    pub fn totals(&self) -> Tally {
        let mut tally = Tally {
            name: String::new(),
            ..Tally::default()
        };
        for change in &self.changes {
            count(&mut tally, change.change.change);
        }
        tally
    }

    /// Identical changes together, the largest group first (then by the
    /// first target's name).
    pub fn groups(&self) -> Vec<ChangeGroup<'_>> {
        let every: Vec<&str> = self.every.iter().map(String::as_str).collect();
        let mut order: Vec<(String, Vec<String>, &Change)> = Vec::new();
        let mut at: HashMap<String, usize> = HashMap::new();
        for change in &self.changes {
            let key = serde_json::to_string(&change.change).unwrap_or_default();
            match at.get(&key) {
                Some(&index) => order[index].1.push(change.target.clone()),
                None => {
                    at.insert(key.clone(), order.len());
                    order.push((key, vec![change.target.clone()], &change.change));
                }
            }
        }
        order.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.1[0].cmp(&b.1[0])));
        order
            .into_iter()
            .map(|(_, names, change)| ChangeGroup {
                targets: TargetSet::new(names, &every),
                change,
            })
            .collect()
    }

    /// The changes per application (the part of a target's name after its
    /// last `/`), by name.
    pub fn applications(&self) -> Vec<Tally> {
        self.tally(|name| split_target(name).1)
    }

    /// The changes per cluster (what comes before the last `/`), by name.
    pub fn clusters(&self) -> Vec<Tally> {
        self.tally(|name| split_target(name).0)
    }

    fn tally(&self, part: impl Fn(&str) -> &str) -> Vec<Tally> {
        let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
        for change in &self.changes {
            let name = part(&change.target);
            let tally = tallies.entry(name).or_insert_with(|| Tally {
                name: name.to_string(),
                ..Tally::default()
            });
            count(tally, change.change.change);
        }
        tallies.into_values().collect()
    }
}

fn count(tally: &mut Tally, kind: ChangeKind) {
    match kind {
        ChangeKind::Added => tally.added += 1,
        ChangeKind::Removed => tally.removed += 1,
        ChangeKind::Changed => tally.changed += 1,
    }
}

/// What a diff looks at.
#[derive(Debug, Clone, Default)]
pub struct Options<'r> {
    /// Output options over the targets' and the plans' (as `kcfg render`'s
    /// command line gives them; they decide which files are compared).
    pub overrides: OutputOptions,
    /// An input record the caller trusts (see the module's header); `None`
    /// evaluates every target of both plans.
    pub record: Option<&'r Record>,
    /// The targets looked at (`--only`), at both sides: a target it does
    /// not select is neither evaluated nor reported, and the counts of
    /// [`FleetDiff`] are of selected targets. A selection that selects no
    /// target at either side is [`Error::NothingSelected`], with
    /// suggestions among the names of both sides.
    pub selection: Selection,
}

/// The fleet diff from `base` to `head` (see the module's header).
pub fn fleet_diff(
    base: Side<'_>,
    head: Side<'_>,
    options: &Options<'_>,
) -> Result<FleetDiff, Error> {
    let base_batch = batch(base.plan, &options.selection, &options.overrides)?;
    let head_batch = batch(head.plan, &options.selection, &options.overrides)?;
    nothing_selected(
        &options.selection,
        [base.plan, head.plan],
        [&base_batch, &head_batch],
    )?;
    let base_names: HashMap<&str, usize> = names(&base_batch);
    let head_names: HashMap<&str, usize> = names(&head_batch);
    let common: Vec<&str> = base_batch
        .iter()
        .flat_map(|batch| &batch.targets)
        .map(|target| target.name.as_str())
        .filter(|name| head_names.contains_key(name))
        .collect();

    // Targets in both plans that the record proves unchanged.
    let mut proven: HashSet<&str> = HashSet::new();
    if let (Some(record), Some(base_all), Some(head_all)) =
        (options.record, &base_batch, &head_batch)
    {
        let changed_base = changed_names(base.renderer, base_all, &base_names, &common, record)?;
        let changed_head = changed_names(head.renderer, head_all, &head_names, &common, record)?;
        proven = common
            .iter()
            .copied()
            .filter(|name| !changed_base.contains(*name) && !changed_head.contains(*name))
            .collect();
    }

    let base_files = render_unproven(base.renderer, base_batch.as_ref(), &proven, Which::Base)?;
    let head_files = render_unproven(head.renderer, head_batch.as_ref(), &proven, Which::Head)?;

    let mut every: Vec<String> = base_names
        .keys()
        .chain(head_names.keys())
        .map(|name| name.to_string())
        .collect();
    every.sort();
    every.dedup();

    let mut changes = Vec::new();
    for name in &every {
        let before = base_files.files.get(name.as_str());
        let after = head_files.files.get(name.as_str());
        let in_base = base_names.contains_key(name.as_str());
        let in_head = head_names.contains_key(name.as_str());
        let change = match (in_base, in_head, before, after) {
            (true, true, Some(before), Some(after)) => {
                if before == after {
                    continue;
                }
                compare(ChangeKind::Changed, before, after)
            }
            (false, true, _, Some(after)) => compare(ChangeKind::Added, &Files::new(), after),
            (true, false, Some(before), _) => compare(ChangeKind::Removed, before, &Files::new()),
            // Proven unchanged, or failed at a side (reported there).
            _ => continue,
        };
        changes.push(TargetChange {
            target: name.clone(),
            change,
        });
    }
    let mut failures = base_files.failures;
    failures.extend(head_files.failures);
    Ok(FleetDiff {
        base_targets: base_names.len(),
        head_targets: head_names.len(),
        proven: proven.len(),
        evaluated_base: base_files.evaluated,
        evaluated_head: head_files.evaluated,
        changes,
        failures,
        every,
    })
}

/// The targets of a side's plan that `selection` selects. Selecting none
/// at one side is no error here (an application added at the head is at
/// the base nowhere): [`nothing_selected`] looks at both sides.
fn batch<'p>(
    plan: Option<&'p Plan>,
    selection: &Selection,
    overrides: &OutputOptions,
) -> Result<Option<Batch<'p>>, Error> {
    plan.map(|plan| match Batch::from_plan(plan, selection, overrides) {
        Err(Error::NothingSelected { .. }) => Ok(Batch {
            targets: Vec::new(),
            outputs: Vec::new(),
            policies: &plan.policies,
            fail_fast: false,
            plan_dir: Some(&plan.dir),
        }),
        other => other,
    })
    .transpose()
}

/// [`Error::NothingSelected`] when a selection was given and selects no
/// target at either side, suggesting globs close to the names of both.
fn nothing_selected(
    selection: &Selection,
    plans: [Option<&Plan>; 2],
    batches: [&Option<Batch<'_>>; 2],
) -> Result<(), Error> {
    let selected = batches
        .iter()
        .flat_map(|batch| batch.iter())
        .any(|batch| !batch.targets.is_empty());
    if selection.is_all() || selected {
        return Ok(());
    }
    let mut names: Vec<&str> = plans
        .iter()
        .flatten()
        .flat_map(|plan| plan.targets.iter().map(|target| target.name.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    Err(Error::NothingSelected {
        in_plan: names.len(),
        suggestions: selection.suggestions(&names),
    })
}

fn names<'b>(batch: &Option<Batch<'b>>) -> HashMap<&'b str, usize> {
    batch
        .iter()
        .flat_map(|batch| batch.targets.iter().enumerate())
        .map(|(index, target)| (target.name.as_str(), index))
        .collect()
}

/// The targets named `common` whose inputs at `renderer`'s side differ
/// from what `record` says.
fn changed_names(
    renderer: &Renderer,
    all: &Batch<'_>,
    index: &HashMap<&str, usize>,
    common: &[&str],
    record: &Record,
) -> Result<HashSet<String>, Error> {
    let picked = pick(all, common.iter().map(|name| index[name]));
    Ok(renderer
        .changed_targets(&picked, record)?
        .into_iter()
        .map(|target| target.name.clone())
        .collect())
}

/// The targets of `all` at `indexes`, with their outputs.
fn pick<'b>(all: &Batch<'b>, indexes: impl Iterator<Item = usize>) -> Batch<'b> {
    let mut targets: Vec<&'b Target> = Vec::new();
    let mut outputs = Vec::new();
    for index in indexes {
        targets.push(all.targets[index]);
        outputs.push(all.outputs[index].clone());
    }
    Batch {
        targets,
        outputs,
        policies: all.policies,
        fail_fast: false,
        plan_dir: all.plan_dir,
    }
}

/// The files of the targets rendered at one side.
#[derive(Default)]
struct Rendered {
    files: HashMap<String, Files>,
    failures: Vec<SideFailure>,
    evaluated: usize,
}

/// Renders the targets of one side's plan (none when the side has no plan)
/// that the input record did not prove unchanged.
fn render_unproven(
    renderer: &Renderer,
    all: Option<&Batch<'_>>,
    proven: &HashSet<&str>,
    side: Which,
) -> Result<Rendered, Error> {
    let Some(all) = all else {
        return Ok(Rendered::default());
    };
    let wanted = all
        .targets
        .iter()
        .enumerate()
        .filter(|(_, target)| !proven.contains(target.name.as_str()))
        .map(|(index, _)| index);
    render_files(renderer, &pick(all, wanted), side)
}

fn render_files(renderer: &Renderer, batch: &Batch<'_>, side: Which) -> Result<Rendered, Error> {
    let mut found = Rendered {
        evaluated: batch.targets.len(),
        ..Rendered::default()
    };
    if batch.targets.is_empty() {
        return Ok(found);
    }
    for report in renderer.render(batch, &|_| {})? {
        match report.status {
            Status::Rendered(rendered) => {
                found.files.insert(report.name, rendered.files);
            }
            Status::Failed(failure) => found.failures.push(SideFailure {
                side,
                target: report.name,
                failure,
            }),
            _ => {}
        }
    }
    Ok(found)
}

/// A target's objects by identity, and its files that hold none.
fn objects(files: &Files) -> (BTreeMap<ObjectKey, Json>, BTreeMap<&str, &[u8]>) {
    let mut objects = BTreeMap::new();
    let mut others = BTreeMap::new();
    for (path, bytes) in files {
        match parse_objects(path, bytes) {
            Some(found) => objects.extend(found),
            None => {
                others.insert(path.as_str(), bytes.as_slice());
            }
        }
    }
    (objects, others)
}

/// The objects of a YAML or JSON file, or `None` when it is not one or a
/// document is not an object with a kind and a name.
fn parse_objects(path: &str, bytes: &[u8]) -> Option<Vec<(ObjectKey, Json)>> {
    let documents: Vec<Json> = if path.ends_with(".json") {
        vec![serde_json::from_slice(bytes).ok()?]
    } else if path.ends_with(".yaml") || path.ends_with(".yml") {
        use serde::Deserialize as _;
        serde_norway::Deserializer::from_slice(bytes)
            .map(Json::deserialize)
            .collect::<Result<Vec<_>, _>>()
            .ok()?
            .into_iter()
            .filter(|document| !document.is_null())
            .collect()
    } else {
        return None;
    };
    documents
        .into_iter()
        .map(|document| {
            let text = |value: Option<&Json>| value.and_then(Json::as_str).map(str::to_string);
            let metadata = document.get("metadata");
            let key = ObjectKey {
                kind: text(document.get("kind"))?,
                namespace: text(metadata.and_then(|m| m.get("namespace"))),
                name: text(metadata.and_then(|m| m.get("name")))?,
                api_version: text(document.get("apiVersion")).unwrap_or_default(),
            };
            Some((key, document))
        })
        .collect()
}

fn compare(kind: ChangeKind, before: &Files, after: &Files) -> Change {
    let (old_objects, old_files) = objects(before);
    let (new_objects, new_files) = objects(after);
    let mut objects = Vec::new();
    for (key, old) in &old_objects {
        match new_objects.get(key) {
            Some(new) if new == old => {}
            Some(new) => objects.push(ObjectChange {
                change: ChangeKind::Changed,
                object: key.clone(),
                fields: fields::changes(old, new, key.kind == "Secret"),
            }),
            None => objects.push(ObjectChange {
                change: ChangeKind::Removed,
                object: key.clone(),
                fields: Vec::new(),
            }),
        }
    }
    for key in new_objects.keys() {
        if !old_objects.contains_key(key) {
            objects.push(ObjectChange {
                change: ChangeKind::Added,
                object: key.clone(),
                fields: Vec::new(),
            });
        }
    }
    objects.sort_by(|a, b| a.object.cmp(&b.object));
    let mut files = Vec::new();
    for (path, old) in &old_files {
        match new_files.get(path) {
            Some(new) if new == old => {}
            Some(_) => files.push(FileChange {
                change: ChangeKind::Changed,
                path: path.to_string(),
            }),
            None => files.push(FileChange {
                change: ChangeKind::Removed,
                path: path.to_string(),
            }),
        }
    }
    for path in new_files.keys() {
        if !old_files.contains_key(path) {
            files.push(FileChange {
                change: ChangeKind::Added,
                path: path.to_string(),
            });
        }
    }
    if kind == ChangeKind::Changed && objects.is_empty() && files.is_empty() {
        // The same objects in other files (a layout or file name change):
        // the files say what changed.
        for (path, old) in before {
            match after.get(path) {
                Some(new) if new == old => {}
                Some(_) => files.push(FileChange {
                    change: ChangeKind::Changed,
                    path: path.clone(),
                }),
                None => files.push(FileChange {
                    change: ChangeKind::Removed,
                    path: path.clone(),
                }),
            }
        }
        for path in after.keys().filter(|path| !before.contains_key(*path)) {
            files.push(FileChange {
                change: ChangeKind::Added,
                path: path.clone(),
            });
        }
    }
    Change {
        change: kind,
        objects,
        files,
    }
}
