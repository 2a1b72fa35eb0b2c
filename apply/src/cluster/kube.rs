//! The real cluster: kube-rs over rustls, with dynamic objects, discovery
//! per group-version, server-side apply (field manager `kcfg`), `dryRun=All`
//! and deletes with a UID precondition.
//!
//! Every request goes through [`KubeCluster::call`], which spaces requests to
//! the configured rate (`qps`) and retries transient failures (429, 5xx,
//! time-outs, refused connections) with exponential back-off, so one busy or
//! flapping API server slows its own cluster down and nothing else.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, Preconditions,
    PropagationPolicy,
};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::core::GroupVersion;
use kube::discovery::Scope;
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{conflicts_from_causes, ApplyOptions, Cluster, ClusterError, Resource};
use crate::applyset::FIELD_MANAGER;
use crate::object::{GroupKind, ObjectRef};

/// How to reach one cluster.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// The kubeconfig file; `None` reads `$KUBECONFIG` or `~/.kube/config`
    /// (or the in-cluster service account).
    pub kubeconfig: Option<PathBuf>,
    /// The context; `None` uses the kubeconfig's current context.
    pub context: Option<String>,
    /// Connect and read time-out of each request.
    pub timeout: Duration,
    /// Requests per second at most (`None`: no limit).
    pub qps: Option<f64>,
    /// Attempts per request, including the first.
    pub attempts: u32,
    /// First back-off delay; it doubles per attempt up to 8 s.
    pub backoff: Duration,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            kubeconfig: None,
            context: None,
            timeout: Duration::from_secs(10),
            qps: Some(50.0),
            attempts: 4,
            backoff: Duration::from_millis(250),
        }
    }
}

type Discovered = Option<Vec<(ApiResource, Scope)>>;

/// A cluster reached through kube-rs.
pub struct KubeCluster {
    name: String,
    client: kube::Client,
    default_namespace: String,
    options: ConnectOptions,
    discovery: Mutex<HashMap<(String, String), Discovered>>,
    next_slot: Mutex<Instant>,
    requests: AtomicU64,
}

impl KubeCluster {
    /// Builds a client from a kubeconfig. Nothing is sent yet; an
    /// unreachable server shows on the first request.
    pub async fn connect(name: &str, options: ConnectOptions) -> Result<KubeCluster, ClusterError> {
        let kube_options = KubeConfigOptions {
            context: options.context.clone(),
            cluster: None,
            user: None,
        };
        let config = match &options.kubeconfig {
            Some(path) => {
                let file = Kubeconfig::read_from(path)
                    .map_err(|err| ClusterError::Other(kubeconfig_error(&err)))?;
                kube::Config::from_custom_kubeconfig(file, &kube_options).await
            }
            None => kube::Config::from_kubeconfig(&kube_options).await,
        };
        let mut config = config.map_err(|err| ClusterError::Other(kubeconfig_error(&err)))?;
        config.connect_timeout = Some(options.timeout);
        config.read_timeout = Some(options.timeout);
        config.write_timeout = Some(options.timeout);
        let default_namespace = config.default_namespace.clone();
        let client = kube::Client::try_from(config)
            .map_err(|err| ClusterError::Other(format!("client: {err}")))?;
        Ok(KubeCluster {
            name: name.to_string(),
            client,
            default_namespace,
            options,
            discovery: Mutex::new(HashMap::new()),
            next_slot: Mutex::new(Instant::now()),
            requests: AtomicU64::new(0),
        })
    }

    /// The underlying client, for tests that play a controller.
    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    async fn throttle(&self) {
        let Some(qps) = self.options.qps.filter(|qps| *qps > 0.0) else {
            return;
        };
        let interval = Duration::from_secs_f64(1.0 / qps);
        let wait_until = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + interval;
            slot
        };
        tokio::time::sleep_until(wait_until).await;
    }

    /// Sends one request, throttled, retrying transient failures.
    async fn call<T, F, Fut>(&self, mut request: F) -> Result<T, ClusterError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        let mut delay = self.options.backoff;
        let mut attempt = 1;
        loop {
            self.throttle().await;
            self.requests.fetch_add(1, Ordering::Relaxed);
            match request().await.map_err(convert_error) {
                Err(err) if err.is_transient() && attempt < self.options.attempts.max(1) => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(8));
                    attempt += 1;
                }
                res => return res,
            }
        }
    }

    async fn api_resource(&self, id: &ObjectRef) -> Result<(ApiResource, Scope), ClusterError> {
        let gv = (id.group.clone(), id.version.clone());
        let cached = self.discovery.lock().await.get(&gv).cloned();
        let resources = match cached {
            Some(resources) => resources,
            None => {
                let group_version = GroupVersion::gv(&id.group, &id.version);
                let found = self
                    .call(|| kube::discovery::pinned_group(&self.client, &group_version))
                    .await;
                let resources = match found {
                    Ok(group) => Some(
                        group
                            .versioned_resources(&id.version)
                            .into_iter()
                            .map(|(resource, caps)| (resource, caps.scope))
                            .collect(),
                    ),
                    Err(err) if err.is_not_found() => None,
                    Err(err) => return Err(err),
                };
                self.discovery.lock().await.insert(gv, resources.clone());
                resources
            }
        };
        resources
            .into_iter()
            .flatten()
            .find(|(resource, _)| resource.kind == id.kind)
            .ok_or_else(|| {
                ClusterError::UnknownKind(format!("{} ({})", id.group_kind(), id.api_version()))
            })
    }

    async fn api(
        &self,
        id: &ObjectRef,
        namespace: Option<&str>,
    ) -> Result<(Api<DynamicObject>, ApiResource), ClusterError> {
        let (resource, scope) = self.api_resource(id).await?;
        let api = match (scope, namespace) {
            (Scope::Namespaced, Some(ns)) if !ns.is_empty() => {
                Api::namespaced_with(self.client.clone(), ns, &resource)
            }
            (Scope::Namespaced, Some(_)) => {
                Api::namespaced_with(self.client.clone(), &self.default_namespace, &resource)
            }
            _ => Api::all_with(self.client.clone(), &resource),
        };
        Ok((api, resource))
    }
}

fn to_value(obj: DynamicObject, resource: &ApiResource) -> Result<Value, ClusterError> {
    let mut value = serde_json::to_value(obj)
        .map_err(|err| ClusterError::Other(format!("decoding object: {err}")))?;
    // List items come without apiVersion and kind.
    if value.get("kind").is_none_or(Value::is_null) {
        value["apiVersion"] = Value::String(resource.api_version.clone());
        value["kind"] = Value::String(resource.kind.clone());
    }
    Ok(value)
}

/// Maps kube-rs errors onto [`ClusterError`], reading apply conflicts from
/// the status causes.
fn convert_error(err: kube::Error) -> ClusterError {
    match err {
        kube::Error::Api(status) => {
            let causes = status
                .details
                .as_ref()
                .map(|d| d.causes.as_slice())
                .unwrap_or_default();
            let conflicts = conflicts_from_causes(
                causes
                    .iter()
                    .map(|c| (c.reason.as_str(), c.message.as_str(), c.field.as_str())),
            );
            if status.code == 409 && !conflicts.is_empty() {
                ClusterError::Conflict(conflicts)
            } else {
                ClusterError::Api {
                    code: status.code,
                    reason: status.reason.clone(),
                    message: status.message.clone(),
                }
            }
        }
        kube::Error::HyperError(err) => ClusterError::Unreachable(error_chain(&err)),
        // A group missing from discovery is a kind that is not served.
        kube::Error::Discovery(err) => ClusterError::UnknownKind(err.to_string()),
        kube::Error::Service(err) => ClusterError::Unreachable(error_chain(err.as_ref())),
        other => ClusterError::Other(error_chain(&other)),
    }
}

/// An error with its sources, since hyper's top-level message ("client
/// error (Connect)") does not say what happened.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[async_trait]
impl Cluster for KubeCluster {
    fn name(&self) -> &str {
        &self.name
    }

    async fn resource(&self, id: &ObjectRef) -> Result<Option<Resource>, ClusterError> {
        match self.api_resource(id).await {
            Ok((resource, scope)) => Ok(Some(Resource {
                plural: resource.plural,
                namespaced: matches!(scope, Scope::Namespaced),
            })),
            Err(ClusterError::UnknownKind(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn preferred_version(
        &self,
        group_kind: &GroupKind,
    ) -> Result<Option<String>, ClusterError> {
        match self
            .call(|| kube::discovery::group(&self.client, &group_kind.group))
            .await
        {
            Ok(group) => Ok(group
                .recommended_kind(&group_kind.kind)
                .map(|(resource, _)| resource.version)),
            Err(ClusterError::UnknownKind(_)) => Ok(None),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn refresh_discovery(&self) {
        self.discovery.lock().await.clear();
    }

    async fn get(&self, id: &ObjectRef) -> Result<Option<Value>, ClusterError> {
        let (api, resource) = self.api(id, Some(&id.namespace)).await?;
        let found = self.call(|| api.get_opt(&id.name)).await?;
        found.map(|obj| to_value(obj, &resource)).transpose()
    }

    async fn apply(
        &self,
        id: &ObjectRef,
        obj: &Value,
        opts: ApplyOptions,
    ) -> Result<Value, ClusterError> {
        let (api, resource) = self.api(id, Some(&id.namespace)).await?;
        let mut params = PatchParams::apply(FIELD_MANAGER);
        params.force = opts.force;
        params.dry_run = opts.dry_run;
        let patch = Patch::Apply(obj);
        let applied = self.call(|| api.patch(&id.name, &params, &patch)).await?;
        to_value(applied, &resource)
    }

    async fn list(
        &self,
        id: &ObjectRef,
        namespace: Option<&str>,
        selector: &str,
    ) -> Result<Vec<Value>, ClusterError> {
        let (api, resource) = self.api(id, namespace).await?;
        let mut res = Vec::new();
        let mut params = ListParams::default().labels(selector).limit(500);
        loop {
            let page = self.call(|| api.list(&params)).await?;
            for item in page.items {
                res.push(to_value(item, &resource)?);
            }
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => params.continue_token = Some(token),
                _ => break,
            }
        }
        Ok(res)
    }

    async fn delete(&self, id: &ObjectRef, uid: &str, dry_run: bool) -> Result<(), ClusterError> {
        let (api, _) = self.api(id, Some(&id.namespace)).await?;
        let params = DeleteParams {
            dry_run,
            preconditions: Some(Preconditions {
                uid: Some(uid.to_string()),
                resource_version: None,
            }),
            propagation_policy: Some(PropagationPolicy::Background),
            ..DeleteParams::default()
        };
        self.call(|| api.delete(&id.name, &params))
            .await
            .map(|_| ())
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn default_namespace(&self) -> &str {
        &self.default_namespace
    }
}

/// A kubeconfig error as kcfg words it. kube-rs writes a file it cannot
/// read as `'"/path"'` (its message quotes the path's `Debug` form); kcfg
/// names paths plainly, as everywhere else (issue 16).
pub fn kubeconfig_error(err: &KubeconfigError) -> String {
    match err {
        KubeconfigError::ReadConfig(source, path) => {
            format!("cannot read kubeconfig {}: {source}", path.display())
        }
        other => format!("kubeconfig: {other}"),
    }
}

#[cfg(test)]
mod kubeconfig_tests {
    use super::*;

    #[test]
    fn issue16_kubeconfig_paths_are_not_double_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing config");
        let err = Kubeconfig::read_from(&path).unwrap_err();
        let message = kubeconfig_error(&err);
        assert_eq!(
            message,
            format!(
                "cannot read kubeconfig {}: No such file or directory (os error 2)",
                path.display()
            )
        );
        assert!(
            !message.contains('"') && !message.contains('\''),
            "{message}"
        );
    }
}
