//! The engine: makes one cluster match the desired objects of one ApplySet.
//!
//! The run has two halves, and nothing changes in the cluster until the
//! first half has found no reason to stop:
//!
//! 1. **Plan.** Order the objects (waves, kind order), label them with the
//!    set's ID, read the set's parent, resolve each kind through discovery,
//!    read each live object, check who owns it, and ask the server what it
//!    would make of the desired object (server-side apply with `dryRun=All`).
//!    Compare normalised live and dry-run objects: create, update or
//!    unchanged, with a diff. List the set's current members and decide what
//!    to prune, applying the prune guards. Any conflict, refusal, error or a
//!    prune share above the limit stops the run here.
//! 2. **Apply** (skipped by a dry run). Update the parent to the superset of
//!    old and new group-kinds, then apply wave by wave: CRDs and Namespaces
//!    of a wave first, waiting until the CRDs are established and refreshing
//!    discovery, then the rest of the wave with bounded parallelism, then
//!    wait until the wave is healthy (Degraded fails at once). After the
//!    last wave, prune in reverse order with a UID precondition and set the
//!    parent to exactly what remains.
//!
//! Unchanged objects cost two requests (read, dry run) and no write.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use serde_json::Value;

use crate::applyset::{owner_of, ApplySet, Owner, ParentState, PART_OF_LABEL};
use crate::cluster::{ApplyOptions, Cluster, ClusterError};
use crate::diff::{normalize, normalize_pair, unified_diff};
use crate::health::{health_of, Health, HealthStatus};
use crate::object::{annotation, set_meta_entry, str_at, GroupKind, GroupMap, Object, ObjectRef};
use crate::order::{crd_defines, is_crd, kind_rank, order, waves, Ordered, SYNC_WAVE};
use crate::progress::Event;
use crate::report::{Action, Outcome, Record, SetReport};

/// kcfg's own opt-out of pruning: `kcfg.dev/prune: "false"` on an object.
pub const PRUNE_ANNOTATION: &str = "kcfg.dev/prune";
/// Argo CD's sync options annotation; `Prune=false` keeps an object.
pub const ARGOCD_SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";

/// Kinds never pruned unless allowed by name (`--allow-prune-kind`):
/// deleting them deletes data or everything inside them.
pub const PROTECTED_KINDS: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("", "PersistentVolume"),
    ("", "PersistentVolumeClaim"),
];

/// Everything one run needs besides the cluster and the objects.
#[derive(Debug, Clone)]
pub struct Options {
    /// Name of the ApplySet parent Secret.
    pub applyset: String,
    /// Namespace of the parent Secret.
    pub applyset_namespace: String,
    /// Explicit group mapping (see [`GroupMap`]).
    pub groups: GroupMap,
    /// Plan only: dry-run applies, no writes.
    pub dry_run: bool,
    /// Take over fields that other managers own.
    pub force_conflicts: bool,
    /// Take over objects owned by another ApplySet or Argo CD.
    pub adopt: bool,
    /// Delete set members that are no longer desired.
    pub prune: bool,
    /// Protected kinds that may be pruned anyway (`Namespace`, ...).
    pub prune_allowed_kinds: BTreeSet<String>,
    /// Refuse the run when more than this share of the set would be pruned.
    pub max_prune_ratio: f64,
    /// Wait for health between waves and after the last one.
    pub wait: bool,
    /// Deadline for the whole run on this cluster.
    pub timeout: Duration,
    /// Pause between health polls.
    pub poll_interval: Duration,
    /// Requests in flight at once on this cluster.
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            applyset: String::new(),
            applyset_namespace: "default".into(),
            groups: GroupMap::new(),
            dry_run: false,
            force_conflicts: false,
            adopt: false,
            prune: true,
            prune_allowed_kinds: BTreeSet::new(),
            max_prune_ratio: 0.5,
            wait: true,
            timeout: Duration::from_secs(300),
            poll_interval: Duration::from_secs(2),
            concurrency: 8,
        }
    }
}

pub use crate::progress::{no_progress, Progress};

/// The identity key of [`ObjectRef::key`]: group, kind, namespace, name.
type ObjectKey = (String, String, String, String);

/// One planned object.
#[derive(Debug, Clone)]
struct Step {
    ordered: Ordered,
    /// Kind not served yet; its CRD is applied earlier in this run.
    after_crd: bool,
    record: Record,
}

/// One set member that is no longer desired.
#[derive(Debug, Clone)]
struct PruneStep {
    id: ObjectRef,
    uid: String,
    record: Record,
}

struct Run<'a> {
    cluster: &'a dyn Cluster,
    target: &'a str,
    options: &'a Options,
    progress: Progress,
    set: ApplySet,
    id: String,
    deadline: Instant,
}

/// Plans and (unless `options.dry_run`) applies `objects` as one ApplySet.
/// Never panics on bad input: problems end up in the report.
pub async fn run_set(
    cluster: &dyn Cluster,
    target: &str,
    objects: Vec<Object>,
    options: &Options,
    progress: Progress,
) -> SetReport {
    let started = Instant::now();
    let requests_before = cluster.requests();
    let set = ApplySet::new(
        &options.applyset,
        &options.applyset_namespace,
        &options.groups,
    );
    let mut report = SetReport {
        cluster: cluster.name().to_string(),
        context: None,
        target: target.to_string(),
        applyset: format!("{}/{}", set.namespace, set.name),
        applyset_id: set.id(),
        dry_run: options.dry_run,
        records: Vec::new(),
        error: None,
        requests: 0,
        duration: Duration::ZERO,
    };
    let run = Run {
        cluster,
        target,
        options,
        progress,
        id: set.id(),
        set,
        deadline: started + options.timeout,
    };
    if let Err(error) = run.run(objects, &mut report.records).await {
        report.error = Some(error);
    }
    report.requests = cluster.requests() - requests_before;
    report.duration = started.elapsed();
    report
}

fn record(ordered: &Ordered, action: Action, message: impl Into<String>) -> Record {
    Record {
        object: ordered.object.id.clone(),
        wave: ordered.wave,
        action,
        result: Outcome::NotRun,
        health: None,
        message: message.into(),
        source: Some(ordered.object.source.to_string()),
        diff: None,
    }
}

fn is_protected(id: &ObjectRef, groups: &GroupMap) -> bool {
    let group = groups.canonical(&id.group);
    PROTECTED_KINDS
        .iter()
        .any(|(g, k)| *g == group && *k == id.kind)
}

/// Why a set member that is no longer desired must be kept, if it must.
pub fn prune_guard(live: &Value, id: &ObjectRef, options: &Options) -> Option<String> {
    if is_protected(id, &options.groups) && !options.prune_allowed_kinds.contains(&id.kind) {
        return Some(format!(
            "{} objects are never pruned unless allowed (--allow-prune-kind {})",
            id.kind, id.kind
        ));
    }
    if annotation(live, PRUNE_ANNOTATION).is_some_and(|v| v.trim() == "false") {
        return Some(format!("{PRUNE_ANNOTATION}: \"false\""));
    }
    let argo_options = annotation(live, ARGOCD_SYNC_OPTIONS).unwrap_or("");
    if argo_options
        .split(',')
        .any(|opt| opt.trim() == "Prune=false")
    {
        return Some(format!("{ARGOCD_SYNC_OPTIONS}: Prune=false"));
    }
    if !options.prune {
        return Some("pruning is off (--prune=false)".into());
    }
    None
}

/// The prune-share guard: `Err` when pruning `prune` of `members` objects
/// exceeds the limit.
pub fn prune_share_guard(prune: usize, members: usize, max_ratio: f64) -> Result<(), String> {
    if members == 0 || prune == 0 {
        return Ok(());
    }
    let share = prune as f64 / members as f64;
    if share > max_ratio {
        return Err(format!(
            "refusing to prune {prune} of the set's {members} objects ({:.0}%, limit {:.0}%); \
             if this is intended, raise --max-prune-ratio",
            share * 100.0,
            max_ratio * 100.0
        ));
    }
    Ok(())
}

impl Run<'_> {
    fn say(&self, event: Event) {
        (self.progress)(self.cluster.name(), &event);
    }

    fn step(&self, message: impl Into<String>) {
        self.say(Event::Step(message.into()));
    }

    async fn run(&self, objects: Vec<Object>, records: &mut Vec<Record>) -> Result<(), String> {
        let opts = self.options;
        if opts.applyset.is_empty() {
            return Err("no ApplySet name given".into());
        }
        let ordering = order(objects, &opts.groups);
        for (hook, why) in &ordering.hooks {
            let mut rec = record(
                &Ordered {
                    wave: 0,
                    object: hook.clone(),
                },
                Action::Skip,
                format!("hook ({why}): not applied"),
            );
            rec.result = Outcome::Done;
            records.push(rec);
        }
        let mut ordered = ordering.objects;
        for item in &mut ordered {
            set_meta_entry(&mut item.object.value, "labels", PART_OF_LABEL, &self.id);
        }

        // The parent says which group-kinds and namespaces to look in for members.
        self.step("reading ApplySet parent");
        let parent_ref = self.set.parent_ref();
        let parent = self.cluster.get(&parent_ref).await.map_err(|e| match e {
            ClusterError::Unreachable(_) => e.to_string(),
            e => format!("reading ApplySet parent: {e}"),
        })?;
        let old_state = match &parent {
            Some(live) => self.set.read_parent(live)?,
            None => ParentState::default(),
        };

        self.step("planning");
        let mut steps = self.resolve(ordered).await?;
        self.plan_objects(&mut steps).await;
        let desired_keys: HashSet<_> = steps.iter().map(|s| s.ordered.object.id.key()).collect();
        let (members, mut prunes) = self.plan_prunes(&steps, &old_state, &desired_keys).await?;

        let blocking = steps
            .iter()
            .filter(|s| s.record.action.is_blocking())
            .count();
        let n_prune = prunes
            .iter()
            .filter(|p| p.record.action == Action::Prune)
            .count();
        let share = prune_share_guard(n_prune, members, opts.max_prune_ratio);
        if opts.dry_run || blocking > 0 || share.is_err() {
            let outcome = if opts.dry_run {
                Outcome::Planned
            } else {
                Outcome::NotRun
            };
            for step in &mut steps {
                if !step.record.action.is_blocking() {
                    step.record.result = outcome;
                }
            }
            for prune in &mut prunes {
                prune.record.result = outcome;
            }
            records.extend(steps.into_iter().map(|s| s.record));
            records.extend(prunes.into_iter().map(|p| p.record));
            share?;
            if blocking > 0 {
                return Err(format!(
                    "{blocking} object(s) cannot be applied; nothing was changed"
                ));
            }
            return Ok(());
        }

        let res = self
            .apply_all(&mut steps, &mut prunes, &old_state, parent.is_some())
            .await;
        records.extend(steps.into_iter().map(|s| s.record));
        records.extend(prunes.into_iter().map(|p| p.record));
        res
    }

    /// Resolves kinds, fills in default namespaces, and catches duplicates.
    async fn resolve(&self, ordered: Vec<Ordered>) -> Result<Vec<Step>, String> {
        let crd_kinds: HashSet<String> = ordered
            .iter()
            .filter(|o| is_crd(&o.object))
            .filter_map(|o| crd_defines(&o.object))
            .collect();
        let mut steps = Vec::with_capacity(ordered.len());
        let mut seen: HashMap<_, String> = HashMap::new();
        for mut item in ordered {
            let id = item.object.id.clone();
            let mut after_crd = false;
            let mut problem = None;
            match self.cluster.resource(&id).await {
                Ok(Some(resource)) => {
                    if resource.namespaced && id.namespace.is_empty() {
                        let ns = self.cluster.default_namespace().to_string();
                        // The identity check made sure metadata is a mapping.
                        item.object.value["metadata"]["namespace"] = Value::String(ns.clone());
                        item.object.id.namespace = ns;
                    } else if !resource.namespaced && !id.namespace.is_empty() {
                        if let Some(meta) = item
                            .object
                            .value
                            .get_mut("metadata")
                            .and_then(Value::as_object_mut)
                        {
                            meta.remove("namespace");
                        }
                        item.object.id.namespace.clear();
                    }
                }
                Ok(None) if crd_kinds.contains(&format!("{}/{}", id.group, id.kind)) => {
                    after_crd = true
                }
                Ok(None) => {
                    problem = Some(format!(
                        "kind {} ({}) is not served by the cluster",
                        id.group_kind(),
                        id.api_version()
                    ))
                }
                Err(ClusterError::Unreachable(e)) => {
                    return Err(format!("cluster unreachable: {e}"))
                }
                Err(err) => problem = Some(format!("discovery failed: {err}")),
            }
            let key = item.object.id.key();
            let source = item.object.source.to_string();
            let mut step = Step {
                record: record(&item, Action::Create, ""),
                ordered: item,
                after_crd,
            };
            if let Some(first) = seen.get(&key) {
                problem = Some(format!(
                    "{} is defined twice: in {first} and in {source}",
                    step.ordered.object.id
                ));
            }
            seen.insert(key, source);
            if let Some(problem) = problem {
                step.record.action = Action::Error;
                step.record.message = problem;
                step.record.result = Outcome::Failed;
            }
            step.record.object = step.ordered.object.id.clone();
            steps.push(step);
        }
        Ok(steps)
    }

    /// Reads the live objects and dry-runs the desired ones, in parallel.
    async fn plan_objects(&self, steps: &mut [Step]) {
        let planned: Vec<Record> = stream::iter(steps.iter())
            .map(|step| self.plan_one(step))
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        for (step, rec) in steps.iter_mut().zip(planned) {
            step.record = rec;
        }
    }

    async fn plan_one(&self, step: &Step) -> Record {
        let mut rec = step.record.clone();
        if rec.action == Action::Error {
            return rec;
        }
        let obj = &step.ordered.object;
        if step.after_crd {
            rec.action = Action::Create;
            rec.message = "its CRD is created earlier in this run; not checked by a dry run".into();
            rec.diff = unified_diff(
                None,
                normalize_pair(None, Some(&obj.value)).1.as_ref(),
                &obj.id.to_string(),
            );
            return rec;
        }
        let fail = |mut rec: Record, err: ClusterError| {
            rec.action = Action::Error;
            rec.result = Outcome::Failed;
            rec.message = err.to_string();
            rec
        };
        let live = match self.cluster.get(&obj.id).await {
            Ok(live) => live,
            Err(err) => return fail(rec, err),
        };
        if let Some(live) = &live {
            let owner = owner_of(live, &self.id);
            if owner != Owner::Free && !self.options.adopt {
                rec.action = Action::Refuse;
                rec.result = Outcome::Failed;
                rec.message = match owner {
                    Owner::OtherSet(other) => {
                        format!("owned by another ApplySet ({other}); pass --adopt to take it over")
                    }
                    Owner::ArgoCd(tracking) => format!(
                        "managed by Argo CD (tracking id {tracking}); pass --adopt to take it over"
                    ),
                    Owner::Free => unreachable!("checked above"),
                };
                return rec;
            }
        }
        let opts = ApplyOptions {
            dry_run: true,
            force: self.options.force_conflicts,
        };
        match self.cluster.apply(&obj.id, &obj.value, opts).await {
            Ok(after) => {
                let (before_n, after_n) = normalize_pair(live.as_ref(), Some(&after));
                rec.diff = unified_diff(before_n.as_ref(), after_n.as_ref(), &obj.id.to_string());
                rec.action = match &live {
                    None => Action::Create,
                    Some(_) if rec.diff.is_some() => Action::Update,
                    Some(live) if our_fields(live) != our_fields(&after) => {
                        rec.message = "field ownership changes (same content)".into();
                        Action::Update
                    }
                    Some(_) => Action::Unchanged,
                };
            }
            Err(ClusterError::Conflict(conflicts)) => {
                rec.action = Action::Conflict;
                rec.result = Outcome::Failed;
                let fields: Vec<String> = conflicts
                    .iter()
                    .map(|c| format!("{} (owned by {:?})", c.field, c.manager))
                    .collect();
                rec.message = format!(
                    "conflict: {}; pass --force-conflicts to take them over",
                    fields.join(", ")
                );
            }
            Err(err) => return fail(rec, err),
        }
        rec
    }

    /// Lists the set's members and decides which to prune.
    async fn plan_prunes(
        &self,
        steps: &[Step],
        old: &ParentState,
        desired: &HashSet<ObjectKey>,
    ) -> Result<(usize, Vec<PruneStep>), String> {
        let mut kinds: BTreeSet<GroupKind> = old.group_kinds.clone();
        kinds.extend(steps.iter().map(|s| s.ordered.object.id.group_kind()));
        let mut namespaces: BTreeSet<String> = old.namespaces.clone();
        namespaces.insert(self.set.namespace.clone());
        namespaces.extend(
            steps
                .iter()
                .map(|s| s.ordered.object.id.namespace.clone())
                .filter(|ns| !ns.is_empty()),
        );
        let selector = format!("{PART_OF_LABEL}={}", self.id);
        let mut members = Vec::new();
        for gk in kinds {
            let version = match steps
                .iter()
                .find(|s| s.ordered.object.id.group_kind() == gk && !s.after_crd)
            {
                Some(step) => Some(step.ordered.object.id.version.clone()),
                None => self
                    .cluster
                    .preferred_version(&gk)
                    .await
                    .map_err(|e| format!("discovery of {gk}: {e}"))?,
            };
            let Some(version) = version else { continue };
            let probe = ObjectRef {
                group: gk.group.clone(),
                version,
                kind: gk.kind.clone(),
                namespace: String::new(),
                name: String::new(),
            };
            let Some(resource) = self
                .cluster
                .resource(&probe)
                .await
                .map_err(|e| format!("discovery of {gk}: {e}"))?
            else {
                continue;
            };
            let scopes: Vec<Option<&str>> = if resource.namespaced {
                namespaces.iter().map(|ns| Some(ns.as_str())).collect()
            } else {
                vec![None]
            };
            for ns in scopes {
                let listed = self
                    .cluster
                    .list(&probe, ns, &selector)
                    .await
                    .map_err(|e| format!("listing {gk} members of the ApplySet: {e}"))?;
                members.extend(listed);
            }
        }
        let n_members = members.len();
        let mut prunes = Vec::new();
        for live in members {
            let Some(id) = ObjectRef::from_value(&live) else {
                continue;
            };
            if desired.contains(&id.key()) {
                continue;
            }
            let uid = str_at(&live, &["metadata", "uid"])
                .unwrap_or_default()
                .to_string();
            let wave = annotation(&live, SYNC_WAVE)
                .and_then(|w| w.trim().parse().ok())
                .unwrap_or(0);
            let (before, _) = normalize_pair(Some(&live), None);
            let mut rec = Record {
                object: id.clone(),
                wave,
                action: Action::Prune,
                result: Outcome::NotRun,
                health: None,
                message: String::new(),
                source: None,
                diff: unified_diff(before.as_ref(), None, &id.to_string()),
            };
            if let Some(reason) = prune_guard(&live, &id, self.options) {
                rec.action = Action::Keep;
                rec.message = format!("not pruned: {reason}");
                rec.diff = None;
                rec.result = Outcome::Done;
            }
            prunes.push(PruneStep {
                id,
                uid,
                record: rec,
            });
        }
        // Delete in the reverse of apply order.
        prunes.sort_by(|a, b| {
            (b.record.wave, kind_rank(&b.id.kind), &b.id.name).cmp(&(
                a.record.wave,
                kind_rank(&a.id.kind),
                &a.id.name,
            ))
        });
        Ok((n_members, prunes))
    }

    async fn update_parent(
        &self,
        kinds: BTreeSet<GroupKind>,
        namespaces: BTreeSet<String>,
    ) -> Result<(), String> {
        let parent = self.set.parent_object(&kinds, &namespaces);
        let opts = ApplyOptions {
            dry_run: false,
            force: true,
        };
        self.cluster
            .apply(&self.set.parent_ref(), &parent, opts)
            .await
            .map(|_| ())
            .map_err(|e| format!("updating ApplySet parent: {e}"))
    }

    async fn apply_all(
        &self,
        steps: &mut [Step],
        prunes: &mut [PruneStep],
        old: &ParentState,
        parent_exists: bool,
    ) -> Result<(), String> {
        let kept: Vec<&PruneStep> = prunes
            .iter()
            .filter(|p| p.record.action == Action::Keep)
            .collect();
        let desired_kinds: BTreeSet<GroupKind> = steps
            .iter()
            .map(|s| s.ordered.object.id.group_kind())
            .collect();
        // Cluster-scoped objects have no namespace; the parent records
        // namespaces only, so an empty one would make it look changed on
        // every run.
        let desired_ns: BTreeSet<String> = steps
            .iter()
            .map(|s| s.ordered.object.id.namespace.clone())
            .filter(|ns| !ns.is_empty())
            .collect();
        let kept_kinds: BTreeSet<GroupKind> = kept.iter().map(|p| p.id.group_kind()).collect();
        let kept_ns: BTreeSet<String> = kept
            .iter()
            .map(|p| p.id.namespace.clone())
            .filter(|ns| !ns.is_empty())
            .collect();

        // Superset first, so that an interrupted run leaves every member findable.
        let mut superset_kinds = old.group_kinds.clone();
        superset_kinds.extend(desired_kinds.iter().cloned());
        let mut superset_ns = old.namespaces.clone();
        superset_ns.extend(desired_ns.iter().cloned());
        let changes = steps.iter().any(|s| s.record.action.is_change())
            || prunes.iter().any(|p| p.record.action == Action::Prune);
        if !parent_exists
            || superset_kinds != old.group_kinds
            || superset_ns != old.namespaces
            || changes
        {
            self.step("updating ApplySet parent (superset)");
            self.update_parent(superset_kinds, superset_ns).await?;
        }

        let index_of: HashMap<_, usize> = steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.ordered.object.id.key(), i))
            .collect();
        let wave_list: Vec<(i64, Vec<ObjectKey>)> =
            waves(&steps.iter().map(|s| s.ordered.clone()).collect::<Vec<_>>())
                .into_iter()
                .map(|(wave, items)| (wave, items.iter().map(|o| o.object.id.key()).collect()))
                .collect();
        for (wave, keys) in wave_list {
            let indices: Vec<usize> = keys.iter().map(|k| index_of[k]).collect();
            // CRDs and Namespaces of the wave go first; custom resources wait for their CRD.
            let (first, rest): (Vec<usize>, Vec<usize>) = indices.iter().partition(|&&i| {
                let obj = &steps[i].ordered.object;
                is_crd(obj)
                    || (obj.id.kind == "Namespace"
                        && self.options.groups.canonical(&obj.id.group).is_empty())
            });
            let wave_started = Instant::now();
            self.say(Event::WaveStarted {
                target: self.target.to_string(),
                wave,
                objects: indices.len(),
            });
            self.apply_batch(steps, &first).await?;
            let crds: Vec<usize> = first
                .iter()
                .copied()
                .filter(|&i| is_crd(&steps[i].ordered.object))
                .collect();
            if !crds.is_empty() {
                self.wait_healthy(steps, &crds, "CRDs to be established")
                    .await?;
            }
            // Custom resources whose CRD came in this run or an earlier wave.
            self.await_served(steps, &rest).await?;
            self.apply_batch(steps, &rest).await?;
            if self.options.wait {
                self.wait_healthy(steps, &indices, &format!("wave {wave}"))
                    .await?;
            }
            self.say(Event::WaveFinished {
                target: self.target.to_string(),
                wave,
                objects: indices.len(),
                elapsed: wave_started.elapsed(),
            });
        }

        let n_prunes = prunes
            .iter()
            .filter(|p| p.record.action == Action::Prune)
            .count();
        let mut pruned = 0;
        for prune in prunes.iter_mut() {
            if prune.record.action != Action::Prune {
                continue;
            }
            pruned += 1;
            self.step(format!("pruning {} ({pruned} of {n_prunes})", prune.id));
            match self.cluster.delete(&prune.id, &prune.uid, false).await {
                Ok(()) => prune.record.result = Outcome::Done,
                Err(err) if err.is_not_found() => {
                    prune.record.result = Outcome::Done;
                    prune.record.message = "already gone".into();
                }
                Err(err) => {
                    prune.record.result = Outcome::Failed;
                    prune.record.message = if matches!(&err, ClusterError::Api { code: 409, .. }) {
                        format!("not deleted: the object was replaced since it was listed (UID changed): {err}")
                    } else {
                        err.to_string()
                    };
                }
            }
        }
        let failed_prunes: Vec<&PruneStep> = prunes
            .iter()
            .filter(|p| p.record.result == Outcome::Failed)
            .collect();

        // Exactly what remains: desired, kept, and whatever failed to delete.
        let mut exact_kinds = desired_kinds;
        exact_kinds.extend(kept_kinds);
        exact_kinds.extend(failed_prunes.iter().map(|p| p.id.group_kind()));
        let mut exact_ns = desired_ns;
        exact_ns.extend(kept_ns);
        exact_ns.extend(failed_prunes.iter().map(|p| p.id.namespace.clone()));
        exact_ns.insert(self.set.namespace.clone());
        exact_ns.retain(|ns| !ns.is_empty());
        let mut superset_ns_check = old.namespaces.clone();
        superset_ns_check.insert(self.set.namespace.clone());
        if changes || exact_kinds != old.group_kinds || exact_ns != superset_ns_check {
            self.update_parent(exact_kinds, exact_ns).await?;
        }
        if !failed_prunes.is_empty() {
            return Err(format!(
                "{} object(s) could not be pruned",
                failed_prunes.len()
            ));
        }
        Ok(())
    }

    /// After CRDs are established, refreshes discovery until the kinds they
    /// define are served (an API server publishes them a moment later), and
    /// fills in the default namespace of namespaced custom resources.
    async fn await_served(&self, steps: &mut [Step], indices: &[usize]) -> Result<(), String> {
        for &i in indices {
            if !steps[i].after_crd {
                continue;
            }
            let resource = loop {
                self.cluster.refresh_discovery().await;
                let id = &steps[i].ordered.object.id;
                match self.cluster.resource(id).await {
                    Ok(Some(resource)) => break resource,
                    Ok(None) if Instant::now() < self.deadline => {
                        self.step(format!("waiting for {} to be served", id.group_kind()));
                        tokio::time::sleep(
                            self.options.poll_interval.min(Duration::from_millis(500)),
                        )
                        .await;
                    }
                    Ok(None) => {
                        return Err(format!(
                            "timed out waiting for {} to be served",
                            id.group_kind()
                        ))
                    }
                    Err(err) => return Err(format!("discovery of {}: {err}", id.group_kind())),
                }
            };
            let step = &mut steps[i];
            if resource.namespaced && step.ordered.object.id.namespace.is_empty() {
                let ns = self.cluster.default_namespace().to_string();
                step.ordered.object.value["metadata"]["namespace"] = Value::String(ns.clone());
                step.ordered.object.id.namespace = ns;
                step.record.object = step.ordered.object.id.clone();
            }
        }
        Ok(())
    }

    /// Applies the given steps in parallel (bounded); unchanged ones are not sent.
    async fn apply_batch(&self, steps: &mut [Step], indices: &[usize]) -> Result<(), String> {
        let opts = ApplyOptions {
            dry_run: false,
            force: self.options.force_conflicts,
        };
        let results: Vec<(usize, Result<(), ClusterError>)> = stream::iter(indices.iter().copied())
            .map(|i| {
                let step = &steps[i];
                async move {
                    if step.record.action == Action::Unchanged {
                        return (i, Ok(()));
                    }
                    let obj = &step.ordered.object;
                    (
                        i,
                        self.cluster
                            .apply(&obj.id, &obj.value, opts)
                            .await
                            .map(|_| ()),
                    )
                }
            })
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        let mut failures = 0;
        for (i, res) in results {
            let rec = &mut steps[i].record;
            match res {
                Ok(()) => rec.result = Outcome::Done,
                Err(err) => {
                    failures += 1;
                    rec.result = Outcome::Failed;
                    rec.message = err.to_string();
                }
            }
        }
        if failures > 0 {
            return Err(format!(
                "{failures} object(s) failed to apply; later waves and pruning were not run"
            ));
        }
        Ok(())
    }

    /// Polls the health of the given steps until all are ready, one is
    /// Degraded, or the deadline passes.
    async fn wait_healthy(
        &self,
        steps: &mut [Step],
        indices: &[usize],
        what: &str,
    ) -> Result<(), String> {
        loop {
            let healths: Vec<(usize, Result<Option<Value>, ClusterError>)> =
                stream::iter(indices.iter().copied())
                    .map(|i| {
                        let id = steps[i].ordered.object.id.clone();
                        async move { (i, self.cluster.get(&id).await) }
                    })
                    .buffered(self.options.concurrency.max(1))
                    .collect()
                    .await;
            let mut waiting = Vec::new();
            for (i, res) in healths {
                let health = match res {
                    Ok(Some(live)) => health_of(&live, &self.options.groups),
                    Ok(None) => Health {
                        status: HealthStatus::Missing,
                        message: "not found after apply".into(),
                    },
                    Err(err) => Health {
                        status: HealthStatus::Unknown,
                        message: err.to_string(),
                    },
                };
                let rec = &mut steps[i].record;
                if health.status == HealthStatus::Degraded {
                    rec.result = Outcome::Failed;
                    rec.message = format!("Degraded: {}", health.message);
                    rec.health = Some(health);
                    return Err(format!(
                        "{} is Degraded while waiting for {what}",
                        rec.object
                    ));
                }
                if !health.status.is_ready() {
                    waiting.push(format!(
                        "{} ({}{}{})",
                        rec.object,
                        health.status,
                        if health.message.is_empty() { "" } else { ": " },
                        health.message
                    ));
                }
                rec.health = Some(health);
            }
            if waiting.is_empty() {
                return Ok(());
            }
            if Instant::now() >= self.deadline {
                for &i in indices {
                    let rec = &mut steps[i].record;
                    if rec.health.as_ref().is_some_and(|h| !h.status.is_ready()) {
                        rec.result = Outcome::Failed;
                        rec.message = "timed out waiting to become healthy".into();
                    }
                }
                return Err(format!(
                    "timed out waiting for {what}: {}",
                    waiting.join(", ")
                ));
            }
            self.say(Event::Waiting {
                target: self.target.to_string(),
                what: what.to_string(),
                objects: waiting,
            });
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }
}

/// Our manager's entries in `managedFields`, without timestamps.
fn our_fields(obj: &Value) -> Vec<Value> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter(|e| {
                    e.get("manager").and_then(Value::as_str) == Some(crate::applyset::FIELD_MANAGER)
                })
                .map(|e| {
                    let mut e = e.clone();
                    if let Some(map) = e.as_object_mut() {
                        map.remove("time");
                    }
                    normalize(&e)
                })
                .collect()
        })
        .unwrap_or_default()
}
