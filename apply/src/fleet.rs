//! Fleets: many targets, many clusters, one ApplySet per (cluster,
//! application), clusters in parallel, and one cluster's failure never
//! stops the others.
//!
//! A target is named `cluster/app` (as `kcfg render` writes it); the cluster
//! part is mapped to a kubeconfig context by [`ContextMap`] rules
//! (`edge-*=edge-{cluster}`; the first matching glob wins; with no match the
//! context is the cluster's own name). A target without an application part
//! (or the single-directory target `.`) uses the ApplySet name the caller
//! gives. Clusters not among the targets are not touched: a cluster removed
//! from the fleet keeps what was applied to it.
//!
//! An application removed from a cluster (its target is no longer rendered)
//! is left in place too, unless the run asks for it to go
//! ([`FleetOptions::prune_apps`], `--prune-apps`): then every ApplySet kcfg
//! made on the cluster whose parent is in the ApplySet namespace and whose
//! name is not among the cluster's targets is pruned whole, with the usual
//! guards for each object (protected kinds, `prune: "false"`), and its
//! parent is deleted once nothing of it is left. The sets are found before
//! anything changes, and a cluster where more than `max_prune_ratio` of
//! kcfg's sets would go is refused whole, as the prune-share guard refuses
//! a set. It is opt-in because kcfg cannot tell a removed application from
//! one that is just not in this directory (a render of some targets only,
//! `kcfg render --only`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, StreamExt};
use globset::{Glob, GlobMatcher};
use serde_json::Value;

use crate::applyset::{ApplySet, ID_LABEL, TOOL, TOOLING_ANNOTATION};
use crate::cluster::kube::{ConnectOptions, KubeCluster};
use crate::cluster::{Cluster, ClusterError};
use crate::engine::{run_set, Options};
use crate::load::{load_targets, LoadError};
use crate::object::{
    annotation, check_objects, label, objects_from_documents, str_at, GroupMap, Object, Problem,
    Source,
};
use crate::progress::{Event, Progress};
use crate::report::{Action, ClusterReport, FleetReport, Outcome, SetReport};

/// The checked objects of one render target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// `cluster/app`, `cluster`, or `.`.
    pub name: String,
    /// Its objects.
    pub objects: Vec<Object>,
}

impl Target {
    /// A target from already-rendered values (what `kcfg render` hands over
    /// without writing files); problems name the target and the index, and
    /// include objects defined twice and malformed Secret data
    /// ([`check_objects`]).
    pub fn from_values(
        name: &str,
        values: Vec<Value>,
        groups: &GroupMap,
    ) -> (Target, Vec<Problem>) {
        let docs = values.into_iter().enumerate().map(|(doc, value)| {
            (
                Source {
                    origin: name.to_string(),
                    doc,
                },
                value,
            )
        });
        let (objects, mut problems) = objects_from_documents(docs, groups);
        problems.extend(check_objects(&objects, groups));
        (
            Target {
                name: name.to_string(),
                objects,
            },
            problems,
        )
    }

    /// The cluster part of the name (`None` for `.`).
    pub fn cluster(&self) -> Option<&str> {
        (self.name != ".").then(|| self.name.split('/').next().unwrap_or(&self.name))
    }

    /// The application part of the name, `/` replaced by `-` (`None` when there is none).
    pub fn app(&self) -> Option<String> {
        let (_, app) = self.name.split_once('/')?;
        Some(app.replace('/', "-"))
    }
}

/// Reading a directory failed: a file could not be read or parsed, or
/// documents are not valid objects, an object is defined twice in a target,
/// or a Secret's data is malformed (all problems are listed). Nothing has
/// been sent to a cluster then.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Reading or parsing.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Invalid documents.
    #[error("{} problem(s) in the manifests, nothing was sent to a cluster:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// Reads a rendered directory into targets; any invalid document, object
/// defined twice in a target, or malformed Secret data is an error, found
/// without a cluster.
pub fn load_dir(root: &Path, groups: &GroupMap) -> Result<Vec<Target>, InputError> {
    let mut targets = Vec::new();
    let mut problems = Vec::new();
    for docs in load_targets(root)? {
        let (objects, found) = objects_from_documents(docs.docs, groups);
        problems.extend(found);
        problems.extend(check_objects(&objects, groups));
        targets.push(Target {
            name: docs.name,
            objects,
        });
    }
    if !problems.is_empty() {
        return Err(InputError::Invalid(problems));
    }
    Ok(targets)
}

/// Maps cluster names to kubeconfig contexts.
#[derive(Debug, Clone, Default)]
pub struct ContextMap {
    rules: Vec<(String, GlobMatcher, String)>,
}

impl ContextMap {
    /// Adds `GLOB=CONTEXT`; `{cluster}` in CONTEXT is replaced by the name.
    pub fn add_rule(&mut self, rule: &str) -> Result<(), String> {
        let (glob, context) = rule.split_once('=').ok_or_else(|| {
            format!("context rule {rule:?} is not GLOB=CONTEXT (e.g. 'edge-*=edge-{{cluster}}')")
        })?;
        self.add(glob.trim(), context.trim())
    }

    fn add(&mut self, glob: &str, context: &str) -> Result<(), String> {
        let matcher = Glob::new(glob)
            .map_err(|err| format!("bad cluster glob {glob:?}: {err}"))?
            .compile_matcher();
        self.rules
            .push((glob.to_string(), matcher, context.to_string()));
        Ok(())
    }

    /// Reads rules from a YAML or JSON mapping file (glob → context), in file order.
    pub fn from_file(path: &Path) -> Result<ContextMap, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let value: Value =
            serde_norway::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))?;
        let Value::Object(map) = value else {
            return Err(format!(
                "{}: expected a mapping of cluster glob to context",
                path.display()
            ));
        };
        let mut res = ContextMap::default();
        for (glob, context) in map {
            let context = context.as_str().ok_or_else(|| {
                format!(
                    "{}: the context for {glob:?} is not a string",
                    path.display()
                )
            })?;
            res.add(&glob, context)?;
        }
        Ok(res)
    }

    /// The context for a cluster.
    pub fn context_for(&self, cluster: &str) -> String {
        self.rules
            .iter()
            .find(|(_, matcher, _)| matcher.is_match(cluster))
            .map(|(_, _, context)| context.replace("{cluster}", cluster))
            .unwrap_or_else(|| cluster.to_string())
    }
}

/// Opens a connection to a cluster by context; the fleet calls it once per
/// cluster. Tests hand in fakes.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Connects to `context` for `cluster`.
    async fn connect(
        &self,
        cluster: &str,
        context: Option<&str>,
    ) -> Result<Arc<dyn Cluster>, ClusterError>;

    /// The name of the context that a connection without one uses (the
    /// kubeconfig's current context), so that reports name the real cluster
    /// (issue 16). `Ok(None)` when the connector has no such notion.
    async fn current_context(&self) -> Result<Option<String>, ClusterError> {
        Ok(None)
    }
}

/// Connects through a kubeconfig with kube-rs.
#[derive(Debug, Clone)]
pub struct KubeConnector {
    /// The kubeconfig (`None`: `$KUBECONFIG` or `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// Time-outs, rate and retries.
    pub options: ConnectOptions,
}

#[async_trait]
impl Connector for KubeConnector {
    async fn connect(
        &self,
        cluster: &str,
        context: Option<&str>,
    ) -> Result<Arc<dyn Cluster>, ClusterError> {
        let options = ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: context.map(String::from),
            ..self.options.clone()
        };
        Ok(Arc::new(KubeCluster::connect(cluster, options).await?))
    }

    async fn current_context(&self) -> Result<Option<String>, ClusterError> {
        self.resolve_current_context().map(Some)
    }
}

impl KubeConnector {
    /// The kubeconfig's current context: of `--kubeconfig`'s file, or of
    /// `$KUBECONFIG` (its files merged, the first current context winning)
    /// or `~/.kube/config`, as kube-rs and kubectl read them.
    pub fn resolve_current_context(&self) -> Result<String, ClusterError> {
        let (config, source) = match &self.kubeconfig {
            Some(path) => (
                kube::config::Kubeconfig::read_from(path),
                path.display().to_string(),
            ),
            None => (
                kube::config::Kubeconfig::read(),
                "the kubeconfig ($KUBECONFIG or ~/.kube/config)".to_string(),
            ),
        };
        let config = config.map_err(|err| match &err {
            kube::config::KubeconfigError::ReadConfig(..) => {
                ClusterError::Other(crate::cluster::kube::kubeconfig_error(&err))
            }
            _ => ClusterError::Other(format!("cannot read {source}: {err}")),
        })?;
        config
            .current_context
            .filter(|name| !name.is_empty())
            .ok_or_else(|| {
                ClusterError::Other(format!(
                    "{source} sets no current-context: pass --context NAME"
                ))
            })
    }
}

/// How a fleet run goes.
#[derive(Clone)]
pub struct FleetOptions {
    /// Engine options; `applyset` is the name for targets without an
    /// application part.
    pub engine: Options,
    /// Cluster → context rules.
    pub contexts: ContextMap,
    /// The context for the single-directory target `.` (`None`: current).
    pub context: Option<String>,
    /// Clusters in flight at once.
    pub parallel: usize,
    /// Prune the ApplySets kcfg made on a cluster that none of its targets
    /// names any more (applications removed from the cluster); see the
    /// module's documentation.
    pub prune_apps: bool,
}

/// Applies every target: clusters in parallel, each cluster's applications
/// one after another. An unreachable cluster is reported and skipped.
pub async fn run_fleet(
    targets: Vec<Target>,
    options: &FleetOptions,
    connector: &dyn Connector,
    progress: Progress,
) -> FleetReport {
    let mut by_cluster: BTreeMap<String, Vec<Target>> = BTreeMap::new();
    for target in targets {
        let cluster = target.cluster().unwrap_or(".").to_string();
        by_cluster.entry(cluster).or_default().push(target);
    }
    let mut clusters: Vec<ClusterReport> = stream::iter(by_cluster)
        .map(|(cluster, targets)| {
            run_cluster(cluster, targets, options, connector, progress.clone())
        })
        .buffer_unordered(options.parallel.max(1))
        .collect()
        .await;
    clusters.sort_by(|a, b| a.cluster.cmp(&b.cluster));
    FleetReport { clusters }
}

async fn run_cluster(
    cluster: String,
    targets: Vec<Target>,
    options: &FleetOptions,
    connector: &dyn Connector,
    progress: Progress,
) -> ClusterReport {
    let single = cluster == ".";
    // The single-directory target uses the given context or the current
    // one, and reports name it: never a placeholder (issue 16).
    let resolved = if !single {
        Ok(Some(options.contexts.context_for(&cluster)))
    } else if options.context.is_some() {
        Ok(options.context.clone())
    } else {
        connector.current_context().await
    };
    let (context, resolve_error) = match resolved {
        Ok(context) => (context, None),
        Err(err) => (None, Some(err.to_string())),
    };
    let display_context = context
        .clone()
        .unwrap_or_else(|| "(current context)".into());
    // The single-directory target is named after its context.
    let cluster = if single {
        display_context.clone()
    } else {
        cluster
    };
    let mut report = ClusterReport {
        cluster: cluster.clone(),
        context: display_context,
        sets: Vec::new(),
        error: resolve_error,
    };
    if report.error.is_some() {
        progress(
            &cluster,
            &Event::ClusterDone {
                status: report.status(),
            },
        );
        return report;
    }
    let client = match connector.connect(&cluster, context.as_deref()).await {
        Ok(client) => client,
        Err(err) => {
            report.error = Some(err.to_string());
            progress(
                &cluster,
                &Event::ClusterDone {
                    status: report.status(),
                },
            );
            return report;
        }
    };
    // Removed applications are found before anything changes, so that the
    // guard can refuse the cluster whole. A single directory (`.`) is one
    // set, and has no applications to compare with.
    let removed = if options.prune_apps && options.engine.prune && !single {
        let current: BTreeSet<String> = targets
            .iter()
            .map(|t| t.app().unwrap_or_else(|| options.engine.applyset.clone()))
            .collect();
        progress(
            &cluster,
            &Event::Step("looking for applications no longer rendered".into()),
        );
        match removed_sets(client.as_ref(), &current, &options.engine).await {
            Ok(removed) => removed,
            Err(err) => {
                report.error = Some(err);
                progress(
                    &cluster,
                    &Event::ClusterDone {
                        status: report.status(),
                    },
                );
                return report;
            }
        }
    } else {
        Vec::new()
    };
    for target in targets {
        let mut engine = options.engine.clone();
        if let Some(app) = target.app() {
            engine.applyset = app;
        } else if engine.applyset.is_empty() {
            report.error = Some(format!(
                "target {:?} has no application part; pass --applyset NAME",
                target.name
            ));
            progress(
                &cluster,
                &Event::ClusterDone {
                    status: report.status(),
                },
            );
            return report;
        }
        progress(
            &cluster,
            &Event::TargetStarted {
                target: target.name.clone(),
            },
        );
        let mut set = run_set(
            client.as_ref(),
            &target.name,
            target.objects,
            &engine,
            progress.clone(),
        )
        .await;
        set.context = Some(report.context.clone());
        progress(
            &cluster,
            &Event::TargetFinished {
                target: target.name.clone(),
                summary: set.summary(),
            },
        );
        let unreachable = set
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("cluster unreachable"));
        report.sets.push(set);
        if unreachable {
            report.error = Some(format!(
                "cluster unreachable (context {}); its remaining applications were skipped",
                report.context
            ));
            break;
        }
    }
    if report.error.is_none() {
        for name in removed {
            let target = format!("{cluster}/{name}");
            progress(
                &cluster,
                &Event::TargetStarted {
                    target: target.clone(),
                },
            );
            progress(
                &cluster,
                &Event::Step("no longer rendered, pruning its objects".into()),
            );
            let mut set =
                remove_set(client.as_ref(), &target, &name, &options.engine, &progress).await;
            set.context = Some(report.context.clone());
            progress(
                &cluster,
                &Event::TargetFinished {
                    target,
                    summary: set.summary(),
                },
            );
            report.sets.push(set);
        }
    }
    progress(
        &cluster,
        &Event::ClusterDone {
            status: report.status(),
        },
    );
    report
}

/// The names of the ApplySets kcfg made on the cluster (parents in the
/// ApplySet namespace, with kcfg's tooling and the ID their name gives) that
/// are not in `current`, sorted; an error when more than the prune ratio of
/// them would go.
async fn removed_sets(
    cluster: &dyn Cluster,
    current: &BTreeSet<String>,
    options: &Options,
) -> Result<Vec<String>, String> {
    let namespace = &options.applyset_namespace;
    let probe = ApplySet::new("", namespace, &options.groups).parent_ref();
    let parents = cluster
        .list(&probe, Some(namespace), ID_LABEL)
        .await
        .map_err(|err| match err {
            ClusterError::Unreachable(_) => err.to_string(),
            err => format!("listing ApplySet parents in {namespace}: {err}"),
        })?;
    let mut ours = BTreeSet::new();
    for parent in &parents {
        let Some(name) = str_at(parent, &["metadata", "name"]) else {
            continue;
        };
        let tooling = annotation(parent, TOOLING_ANNOTATION).unwrap_or("");
        let set = ApplySet::new(name, namespace, &options.groups);
        if tooling.split('/').next() == Some(TOOL) && label(parent, ID_LABEL) == Some(&set.id()) {
            ours.insert(name.to_string());
        }
    }
    let removed: Vec<String> = ours.difference(current).cloned().collect();
    if !ours.is_empty() {
        let share = removed.len() as f64 / ours.len() as f64;
        if share > options.max_prune_ratio {
            return Err(format!(
                "refusing to remove {} of the cluster's {} applications ({:.0}%, limit {:.0}%): {}; \
                 nothing was changed; if this is intended, raise --max-prune-ratio",
                removed.len(),
                ours.len(),
                share * 100.0,
                options.max_prune_ratio * 100.0,
                removed.join(", ")
            ));
        }
    }
    Ok(removed)
}

/// Prunes a whole set that is no longer rendered (its share guard is the
/// cluster's, checked by [`removed_sets`]), then deletes its parent when
/// nothing of the set is left.
async fn remove_set(
    cluster: &dyn Cluster,
    target: &str,
    name: &str,
    options: &Options,
    progress: &Progress,
) -> SetReport {
    let engine = Options {
        applyset: name.to_string(),
        max_prune_ratio: 1.0,
        ..options.clone()
    };
    let started = std::time::Instant::now();
    let requests_before = cluster.requests();
    let mut set = run_set(cluster, target, Vec::new(), &engine, progress.clone()).await;
    let left = set
        .records
        .iter()
        .any(|r| r.action != Action::Prune || r.result != Outcome::Done);
    if engine.dry_run || set.error.is_some() || left {
        return set;
    }
    let parent = ApplySet::new(name, &engine.applyset_namespace, &engine.groups).parent_ref();
    let deleted = match cluster.get(&parent).await {
        Ok(Some(live)) => {
            let uid = str_at(&live, &["metadata", "uid"]).unwrap_or_default();
            match cluster.delete(&parent, uid, false).await {
                Err(err) if !err.is_not_found() => Err(err),
                _ => Ok(()),
            }
        }
        Ok(None) => Ok(()),
        Err(err) => Err(err),
    };
    if let Err(err) = deleted {
        set.error = Some(format!(
            "the set's objects were pruned, but its parent was not deleted: {err}"
        ));
    }
    set.requests = cluster.requests() - requests_before;
    set.duration = started.elapsed();
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_rules() {
        let mut map = ContextMap::default();
        map.add_rule("edge-eu-*=eu-{cluster}").unwrap();
        map.add_rule("edge-*=kind-edge").unwrap();
        assert_eq!(map.context_for("edge-eu-001"), "eu-edge-eu-001");
        assert_eq!(map.context_for("edge-us-001"), "kind-edge");
        assert_eq!(map.context_for("core"), "core");
        assert!(map.add_rule("no-equals").is_err());
        assert!(map.add_rule("[=x").is_err());

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("contexts.yaml");
        std::fs::write(&file, "'edge-*': 'ctx-{cluster}'\ncore: admin@core\n").unwrap();
        let map = ContextMap::from_file(&file).unwrap();
        assert_eq!(map.context_for("edge-9"), "ctx-edge-9");
        assert_eq!(map.context_for("core"), "admin@core");
    }

    #[test]
    fn target_names() {
        let (target, problems) =
            Target::from_values("edge-1/ingress/gw", vec![Value::Null], &GroupMap::new());
        assert!(problems.is_empty());
        assert_eq!(target.cluster(), Some("edge-1"));
        assert_eq!(target.app().as_deref(), Some("ingress-gw"));
        let (single, _) = Target::from_values(".", vec![], &GroupMap::new());
        assert_eq!(single.cluster(), None);
        assert_eq!(single.app(), None);
    }
}
