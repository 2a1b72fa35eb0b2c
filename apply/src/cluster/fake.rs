//! An in-memory cluster for testing the engine's logic without a server.
//!
//! It is not an API server: apply replaces the object's content (no field
//! merging), conflicts happen only where a test scripted them, and status is
//! whatever the test set (optionally a sequence, one step per read, to play a
//! controller). Applying a CRD serves its kind after the next discovery
//! refresh and marks it `Established`, which is enough to test the engine's
//! ordering, planning, pruning and waiting. Server semantics are tested
//! against the real API server in `tests/k8s.rs`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{ApplyOptions, Cluster, ClusterError, FieldConflict, Resource};
use crate::object::{label, split_api_version, str_at, GroupKind, ObjectRef};

type Key = (String, String, String, String);

#[derive(Default)]
struct State {
    /// Served kinds: (group, kind) → resource.
    served: HashMap<(String, String), Resource>,
    /// Kinds defined by applied CRDs, served after the next refresh.
    pending: HashMap<(String, String), Resource>,
    objects: BTreeMap<Key, Value>,
    conflicts: HashMap<Key, Vec<FieldConflict>>,
    statuses: HashMap<Key, VecDeque<Value>>,
    next_uid: u64,
    next_version: u64,
    log: Vec<String>,
}

/// See the module documentation.
#[derive(Default)]
pub struct FakeCluster {
    name: String,
    state: Mutex<State>,
    unreachable: AtomicBool,
    requests: AtomicU64,
}

fn key(id: &ObjectRef) -> Key {
    id.key()
}

impl FakeCluster {
    /// A cluster that serves the common built-in kinds.
    pub fn new(name: &str) -> FakeCluster {
        let cluster = FakeCluster {
            name: name.to_string(),
            ..Default::default()
        };
        for (group, kind, plural, namespaced) in [
            ("", "Namespace", "namespaces", false),
            ("", "ConfigMap", "configmaps", true),
            ("", "Secret", "secrets", true),
            ("", "Service", "services", true),
            ("", "PersistentVolume", "persistentvolumes", false),
            ("", "PersistentVolumeClaim", "persistentvolumeclaims", true),
            ("apps", "Deployment", "deployments", true),
            ("batch", "Job", "jobs", true),
            (
                "apiextensions.k8s.io",
                "CustomResourceDefinition",
                "customresourcedefinitions",
                false,
            ),
        ] {
            cluster.serve(group, kind, plural, namespaced);
        }
        cluster
    }

    /// Serves another kind.
    pub fn serve(&self, group: &str, kind: &str, plural: &str, namespaced: bool) {
        let mut state = self.state.lock().unwrap();
        state.served.insert(
            (group.into(), kind.into()),
            Resource {
                plural: plural.into(),
                namespaced,
            },
        );
    }

    /// Makes every request fail as if the server were down (or back up).
    pub fn set_unreachable(&self, down: bool) {
        self.unreachable.store(down, Ordering::SeqCst);
    }

    /// Scripts a conflict for applies of `id` without force.
    pub fn script_conflict(&self, id: &ObjectRef, manager: &str, field: &str) {
        let conflict = FieldConflict {
            manager: manager.into(),
            field: field.into(),
        };
        self.state
            .lock()
            .unwrap()
            .conflicts
            .entry(key(id))
            .or_default()
            .push(conflict);
    }

    /// Scripts the status of `id` as a controller would write it: each read
    /// takes the next status of the list, and the last one stays.
    pub fn script_status(&self, id: &ObjectRef, statuses: Vec<Value>) {
        self.state
            .lock()
            .unwrap()
            .statuses
            .insert(key(id), statuses.into());
    }

    /// Puts an object in the cluster as another tool would have.
    pub fn insert(&self, obj: Value) {
        let id = ObjectRef::from_value(&obj).expect("test object has an identity");
        let mut state = self.state.lock().unwrap();
        let obj = stamp(&mut state, obj, None);
        state.objects.insert(key(&id), obj);
    }

    /// The stored object.
    pub fn stored(&self, id: &ObjectRef) -> Option<Value> {
        self.state.lock().unwrap().objects.get(&key(id)).cloned()
    }

    /// All stored objects' identities, as `Kind ns/name` lines.
    pub fn inventory(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state
            .objects
            .keys()
            .map(|(_, kind, ns, name)| format!("{kind} {ns}/{name}"))
            .collect()
    }

    /// The writes this cluster saw, in order (`apply Kind ns/name`, `delete …`).
    pub fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    fn check(&self) -> Result<(), ClusterError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(ClusterError::Unreachable(format!(
                "{}: connection refused",
                self.name
            )));
        }
        Ok(())
    }

    fn served(&self, id: &ObjectRef) -> Result<Resource, ClusterError> {
        let state = self.state.lock().unwrap();
        state
            .served
            .get(&(id.group.clone(), id.kind.clone()))
            .cloned()
            .ok_or_else(|| ClusterError::UnknownKind(id.group_kind().to_string()))
    }
}

/// Sets uid, resourceVersion and generation as a server would.
fn stamp(state: &mut State, mut obj: Value, old: Option<&Value>) -> Value {
    let meta_of = |v: &Value, f: &str| v.get("metadata").and_then(|m| m.get(f)).cloned();
    let uid = old.and_then(|o| meta_of(o, "uid")).unwrap_or_else(|| {
        state.next_uid += 1;
        json!(format!("uid-{}", state.next_uid))
    });
    let content_changed = old.map(|o| strip(o) != strip(&obj)).unwrap_or(true);
    let spec_changed = old
        .map(|o| o.get("spec") != obj.get("spec"))
        .unwrap_or(true);
    let version = if content_changed {
        state.next_version += 1;
        json!(state.next_version.to_string())
    } else {
        old.and_then(|o| meta_of(o, "resourceVersion"))
            .unwrap_or(json!("0"))
    };
    let old_generation = old
        .and_then(|o| meta_of(o, "generation"))
        .and_then(|g| g.as_i64())
        .unwrap_or(0);
    let generation = if spec_changed {
        old_generation + 1
    } else {
        old_generation.max(1)
    };
    if let Some(status) = old.and_then(|o| o.get("status")) {
        obj["status"] = status.clone();
    }
    let meta = &mut obj["metadata"];
    meta["uid"] = uid;
    meta["resourceVersion"] = version;
    meta["generation"] = json!(generation);
    obj
}

fn strip(obj: &Value) -> Value {
    let mut obj = obj.clone();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in ["uid", "resourceVersion", "generation", "managedFields"] {
            meta.remove(field);
        }
    }
    if let Some(map) = obj.as_object_mut() {
        map.remove("status");
    }
    obj
}

#[async_trait]
impl Cluster for FakeCluster {
    fn name(&self) -> &str {
        &self.name
    }

    async fn resource(&self, id: &ObjectRef) -> Result<Option<Resource>, ClusterError> {
        self.check()?;
        Ok(self.served(id).ok())
    }

    async fn preferred_version(
        &self,
        group_kind: &GroupKind,
    ) -> Result<Option<String>, ClusterError> {
        self.check()?;
        let state = self.state.lock().unwrap();
        Ok(state
            .served
            .contains_key(&(group_kind.group.clone(), group_kind.kind.clone()))
            .then(|| "v1".to_string()))
    }

    async fn refresh_discovery(&self) {
        let mut state = self.state.lock().unwrap();
        let pending: Vec<_> = state.pending.drain().collect();
        state.served.extend(pending);
    }

    async fn get(&self, id: &ObjectRef) -> Result<Option<Value>, ClusterError> {
        self.check()?;
        self.served(id)?;
        let mut state = self.state.lock().unwrap();
        let k = key(id);
        if let Some(queue) = state.statuses.get_mut(&k) {
            let status = if queue.len() > 1 {
                queue.pop_front()
            } else {
                queue.front().cloned()
            };
            if let (Some(status), Some(obj)) = (status, state.objects.get_mut(&k)) {
                obj["status"] = status;
            }
        }
        Ok(state.objects.get(&k).cloned())
    }

    async fn apply(
        &self,
        id: &ObjectRef,
        obj: &Value,
        opts: ApplyOptions,
    ) -> Result<Value, ClusterError> {
        self.check()?;
        self.served(id)?;
        let mut state = self.state.lock().unwrap();
        let k = key(id);
        if !opts.force {
            if let Some(conflicts) = state.conflicts.get(&k) {
                return Err(ClusterError::Conflict(conflicts.clone()));
            }
        }
        let old = state.objects.get(&k).cloned();
        let mut new = stamp(&mut state, obj.clone(), old.as_ref());
        new["metadata"]["managedFields"] = json!([{"manager": "kcfg", "operation": "Apply"}]);
        if opts.dry_run {
            return Ok(new);
        }
        if id.kind == "CustomResourceDefinition" {
            let group = str_at(obj, &["spec", "group"])
                .unwrap_or_default()
                .to_string();
            let kind = str_at(obj, &["spec", "names", "kind"])
                .unwrap_or_default()
                .to_string();
            let plural = str_at(obj, &["spec", "names", "plural"])
                .unwrap_or_default()
                .to_string();
            let namespaced = str_at(obj, &["spec", "scope"]) != Some("Cluster");
            state
                .pending
                .insert((group, kind), Resource { plural, namespaced });
            new["status"] = json!({"conditions": [{"type": "Established", "status": "True"}]});
        }
        state
            .log
            .push(format!("apply {} {}/{}", id.kind, id.namespace, id.name));
        state.objects.insert(k, new.clone());
        Ok(new)
    }

    async fn list(
        &self,
        id: &ObjectRef,
        namespace: Option<&str>,
        selector: &str,
    ) -> Result<Vec<Value>, ClusterError> {
        self.check()?;
        self.served(id)?;
        // `key=value`, or `key` alone: the label exists.
        let (label_key, label_value) = match selector.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (selector, None),
        };
        let state = self.state.lock().unwrap();
        Ok(state
            .objects
            .iter()
            .filter(|((group, kind, ns, _), obj)| {
                let found = label(obj, label_key);
                *group == id.group
                    && *kind == id.kind
                    && namespace.is_none_or(|want| want == ns)
                    && found.is_some()
                    && (label_value.is_none() || found == label_value)
            })
            .map(|(_, obj)| obj.clone())
            .collect())
    }

    async fn delete(&self, id: &ObjectRef, uid: &str, dry_run: bool) -> Result<(), ClusterError> {
        self.check()?;
        self.served(id)?;
        let mut state = self.state.lock().unwrap();
        let k = key(id);
        let Some(obj) = state.objects.get(&k) else {
            return Err(ClusterError::Api {
                code: 404,
                reason: "NotFound".into(),
                message: format!("{id} not found"),
            });
        };
        if str_at(obj, &["metadata", "uid"]) != Some(uid) {
            return Err(ClusterError::Api {
                code: 409,
                reason: "Conflict".into(),
                message: format!("Precondition failed: UID in precondition: {uid}"),
            });
        }
        if !dry_run {
            state.objects.remove(&k);
            state
                .log
                .push(format!("delete {} {}/{}", id.kind, id.namespace, id.name));
        }
        Ok(())
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Builds an [`ObjectRef`] from `apiVersion`, kind, namespace and name, for tests.
pub fn id(api_version: &str, kind: &str, namespace: &str, name: &str) -> ObjectRef {
    let (group, version) = split_api_version(api_version);
    ObjectRef {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}
