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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, StreamExt};
use globset::{Glob, GlobMatcher};
use serde_json::Value;

use crate::cluster::kube::{ConnectOptions, KubeCluster};
use crate::cluster::{Cluster, ClusterError};
use crate::engine::{run_set, Options, Progress};
use crate::load::{load_targets, LoadError};
use crate::object::{objects_from_documents, GroupMap, Object, Problem, Source};
use crate::report::{ClusterReport, FleetReport};

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
    /// without writing files); problems name the target and the index.
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
        let (objects, problems) = objects_from_documents(docs, groups);
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
/// documents are not valid objects (all problems are listed).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Reading or parsing.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Invalid documents.
    #[error("{} invalid document(s):\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// Reads a rendered directory into targets; any invalid document is an error.
pub fn load_dir(root: &Path, groups: &GroupMap) -> Result<Vec<Target>, InputError> {
    let mut targets = Vec::new();
    let mut problems = Vec::new();
    for docs in load_targets(root)? {
        let (objects, found) = objects_from_documents(docs.docs, groups);
        problems.extend(found);
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
    let context = if cluster == "." {
        options.context.clone()
    } else {
        Some(options.contexts.context_for(&cluster))
    };
    let display_context = context.clone().unwrap_or_else(|| "current-context".into());
    // The single-directory target is named after its context.
    let cluster = if cluster == "." {
        display_context.clone()
    } else {
        cluster
    };
    let mut report = ClusterReport {
        cluster: cluster.clone(),
        context: display_context,
        sets: Vec::new(),
        error: None,
    };
    let client = match connector.connect(&cluster, context.as_deref()).await {
        Ok(client) => client,
        Err(err) => {
            report.error = Some(err.to_string());
            progress(&cluster, &format!("done: {}", report.status()));
            return report;
        }
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
            return report;
        }
        progress(&cluster, &format!("{}: starting", target.name));
        let set = run_set(
            client.as_ref(),
            &target.name,
            target.objects,
            &engine,
            progress.clone(),
        )
        .await;
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
    progress(&cluster, &format!("done: {}", report.status()));
    report
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
