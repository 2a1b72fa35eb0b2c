//! `kcfg argocd` against the CMP v2 contract, with this test playing the
//! part of Argo CD's `argocd-cmp-server`.
//!
//! Each test copies `tests/argocd/repo` (a small repository: an application
//! `apps/web`, a render plan `fleet`, libraries and vendored code) into a
//! temporary directory, as the CMP server unpacks a repository into its
//! work directory, and runs the plugin's commands as processes in the
//! application's directory. The environment is built the way Argo CD builds
//! it (`newEnv`, `getPluginEnvs` and `ApplicationSourcePluginParameters.
//! Environ` in Argo CD; `environ` in the CMP server drops empty values):
//! nothing from the test's own environment leaks in.
//!
//! Every failure case checks the three things Argo CD relies on: a non-zero
//! exit, a message on standard error, and nothing on standard output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value as Json};

/// A parameter as an Application's `spec.source.plugin.parameters` holds it.
enum Param {
    String(&'static str, &'static str),
    Array(&'static str, &'static [&'static str]),
    Map(&'static str, &'static [(&'static str, &'static str)]),
}

/// A copy of the test repository.
struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        // Like the CMP server's work directory: a random directory.
        let root = dir
            .path()
            .canonicalize()
            .unwrap()
            .join("_cmp_server")
            .join("3f9a1c");
        copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/argocd/repo"),
            &root,
        );
        Repo { _dir: dir, root }
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Argo CD's escaping of parameter names for `PARAM_*`.
fn escape(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'a'..='z' => c.to_ascii_uppercase(),
            'A'..='Z' | '0'..='9' | '_' => c,
            _ => '_',
        })
        .collect()
}

/// The environment the CMP server gives a command for an Application with
/// this source path, plugin env and parameters.
fn argo_env(
    source_path: &str,
    plugin_env: &[(&str, &str)],
    params: &[Param],
) -> BTreeMap<String, String> {
    let revision = "6c3e9b1d2a7f4e8c9b0a1d2e3f4a5b6c7d8e9f0a";
    let mut env: Vec<(String, String)> = vec![
        // The sidecar's own environment.
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
        ("HOME".into(), "/home/argocd".into()),
        ("NO_COLOR".into(), "1".into()),
        // newEnv
        ("ARGOCD_APP_NAME".into(), "web-prod".into()),
        ("ARGOCD_APP_NAMESPACE".into(), "argocd".into()),
        ("ARGOCD_APP_PROJECT_NAME".into(), "platform".into()),
        ("ARGOCD_APP_REVISION".into(), revision.into()),
        ("ARGOCD_APP_REVISION_SHORT".into(), revision[..7].into()),
        ("ARGOCD_APP_REVISION_SHORT_8".into(), revision[..8].into()),
        (
            "ARGOCD_APP_SOURCE_REPO_URL".into(),
            "https://git.example.com/platform/apps.git".into(),
        ),
        ("ARGOCD_APP_SOURCE_PATH".into(), source_path.into()),
        ("ARGOCD_APP_SOURCE_TARGET_REVISION".into(), "main".into()),
        // getPluginEnvs
        ("KUBE_VERSION".into(), "1.30.4".into()),
        (
            "KUBE_API_VERSIONS".into(),
            "v1,apps/v1,batch/v1,networking.k8s.io/v1".into(),
        ),
    ];
    for (name, value) in plugin_env {
        env.push((format!("ARGOCD_ENV_{name}"), value.to_string()));
    }
    // ApplicationSourcePluginParameters.Environ
    let json: Vec<Json> = params
        .iter()
        .map(|param| match param {
            Param::String(name, value) => json!({"name": name, "string": value}),
            Param::Array(name, items) => json!({"name": name, "array": items}),
            Param::Map(name, entries) => {
                let map: BTreeMap<_, _> = entries.iter().copied().collect();
                json!({"name": name, "map": map})
            }
        })
        .collect();
    env.push((
        "ARGOCD_APP_PARAMETERS".into(),
        Json::Array(json).to_string(),
    ));
    for param in params {
        match param {
            Param::String(name, value) => {
                env.push((format!("PARAM_{}", escape(name)), value.to_string()))
            }
            Param::Array(name, items) => {
                for (index, item) in items.iter().enumerate() {
                    env.push((format!("PARAM_{}_{index}", escape(name)), item.to_string()));
                }
            }
            Param::Map(name, entries) => {
                for (key, value) in entries.iter() {
                    env.push((
                        format!("PARAM_{}_{}", escape(name), escape(key)),
                        value.to_string(),
                    ));
                }
            }
        }
    }
    // The CMP server's `environ` drops empty values.
    env.into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

/// Runs `kcfg argocd ARGS` in `dir` with exactly `env`.
fn plugin(dir: &Path, env: &BTreeMap<String, String>, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .arg("argocd")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .output()
        .expect("run kcfg")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Splits a YAML stream into documents, as Argo CD's `kube.SplitYAML` does.
fn yaml_stream(text: &str) -> Vec<Json> {
    serde_norway::Deserializer::from_str(text)
        .map(|document| Json::deserialize(document).expect("a YAML document"))
        .filter(|document| !document.is_null())
        .collect()
}

fn find<'j>(objects: &'j [Json], kind: &str, name: &str) -> &'j Json {
    objects
        .iter()
        .find(|object| object["kind"] == kind && object["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {objects:#?}"))
}

/// The checks every failure must pass; returns standard error.
fn assert_fails(output: &Output, expected: &[&str]) -> String {
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success(),
        "expected a failure, got success; stderr:\n{stderr}"
    );
    assert_eq!(
        text(&output.stdout),
        "",
        "standard output must stay empty; stderr:\n{stderr}"
    );
    for part in expected {
        assert!(
            stderr.contains(part),
            "stderr should mention {part:?}:\n{stderr}"
        );
    }
    stderr
}

fn web_params() -> Vec<Param> {
    vec![
        Param::String("image", "nginx:1.27"),
        Param::String("replicas", "3"),
        Param::Array("ports", &["8080", "9090"]),
        Param::Map(
            "labels",
            &[
                ("team", "storefront"),
                ("app.kubernetes.io/part-of", "shop"),
            ],
        ),
        Param::String("debug", "true"),
        Param::Array("libs", &["lib"]),
        Param::String(
            "extVars",
            r#"[{"name": "environment", "value": "prod-$ARGOCD_APP_REVISION_SHORT"}]"#,
        ),
    ]
}

#[test]
fn contract_discover_parameters_generate() {
    let repo = Repo::new();
    let app = repo.root.join("apps/web");
    let env = argo_env("apps/web", &[("REGION", "eu-west")], &web_params());

    // discover: exit 0 and something on standard output.
    let discover = plugin(&app, &env, &["discover"]);
    assert!(discover.status.success(), "{}", text(&discover.stderr));
    assert_eq!(text(&discover.stdout), "main.kcfg\n");

    // init: the vendored dependency is there.
    let init = plugin(&app, &env, &["init"]);
    assert!(init.status.success(), "{}", text(&init.stderr));
    assert_eq!(text(&init.stdout), "");

    // parameters: Argo CD's ParameterAnnouncement list.
    let parameters = plugin(&app, &env, &["parameters"]);
    assert!(parameters.status.success(), "{}", text(&parameters.stderr));
    let announced: Json = serde_json::from_slice(&parameters.stdout).expect("JSON");
    let announced = announced.as_array().expect("a list");
    // The entry's arguments, then the reserved parameters the UI shows
    // (issue 16): `entry` with the entry in use, `tlaCode`, `extCode`.
    let reserved: Vec<(&str, &str)> = announced[5..]
        .iter()
        .map(|item| {
            (
                item["name"].as_str().unwrap(),
                item["collectionType"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reserved,
        [("entry", "string"), ("tlaCode", "map"), ("extCode", "map")]
    );
    assert_eq!(announced[5]["string"], "main.kcfg");
    assert_eq!(
        Json::Array(announced[..5].to_vec()),
        json!([
            {"name": "replicas", "tooltip": "How many pods.", "itemType": "number", "collectionType": "string", "string": "1"},
            {"name": "ports", "tooltip": "Container ports, one Service each.", "itemType": "number", "collectionType": "array", "array": ["8080"]},
            {"name": "labels", "tooltip": "Extra labels.", "itemType": "string", "collectionType": "map", "map": {"tier": "web"}},
            {"name": "image", "required": true, "itemType": "string", "collectionType": "string"},
            {"name": "debug", "itemType": "boolean", "collectionType": "string", "string": "false"},
        ])
    );

    // generate: one YAML stream, one document per object.
    let generate = plugin(&app, &env, &["generate"]);
    assert!(generate.status.success(), "{}", text(&generate.stderr));
    let stdout = text(&generate.stdout);
    assert!(stdout.starts_with("---\n"), "{stdout}");
    let objects = yaml_stream(&stdout);
    let kinds: Vec<String> = objects
        .iter()
        .map(|object| {
            format!(
                "{}/{}",
                object["kind"].as_str().unwrap(),
                object["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "ConfigMap/web-prod-config",
            "Deployment/web-prod",
            "Service/web-prod-8080",
            "Service/web-prod-9090"
        ]
    );
    let deployment = find(&objects, "Deployment", "web-prod");
    assert_eq!(
        deployment["spec"]["replicas"], 3,
        "a number, converted from the string \"3\""
    );
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "true"
    );
    assert_eq!(
        deployment["metadata"]["labels"],
        json!({
            "app.kubernetes.io/managed-by": "kcfg",
            "app.kubernetes.io/name": "web-prod",
            "app.kubernetes.io/part-of": "shop",
            "team": "storefront",
        })
    );
    assert_eq!(
        deployment["metadata"]["annotations"],
        json!({"revision": "6c3e9b1d2a7f4e8c9b0a1d2e3f4a5b6c7d8e9f0a", "revision-short": "6c3e9b1"})
    );
    let config = find(&objects, "ConfigMap", "web-prod-config");
    assert_eq!(
        config["data"],
        json!({
            "apiVersions": "v1,apps/v1,batch/v1,networking.k8s.io/v1",
            "environment": "prod-6c3e9b1",
            "kubeVersion": "1.30.4",
            "nginx.conf": "server {\n  listen 8080;\n}\n",
            "project": "platform",
            "region": "eu-west",
            "source": "https://git.example.com/platform/apps.git@main:apps/web",
        })
    );
    assert_eq!(
        find(&objects, "Service", "web-prod-9090")["spec"]["ports"][0]["port"],
        9090
    );
}

#[test]
fn contract_parameters_from_param_variables_alone() {
    // A CMP server that sets only the PARAM_* variables: kcfg decodes them
    // with the entry's argument names.
    let repo = Repo::new();
    let app = repo.root.join("apps/web");
    let mut env = argo_env(
        "apps/web",
        &[("REGION", "us"), ("environment", "dev")],
        &web_params(),
    );
    env.remove("ARGOCD_APP_PARAMETERS");
    env.remove("PARAM_EXTVARS");
    let generate = plugin(&app, &env, &["generate"]);
    assert!(generate.status.success(), "{}", text(&generate.stderr));
    let objects = yaml_stream(&text(&generate.stdout));
    let deployment = find(&objects, "Deployment", "web-prod");
    assert_eq!(deployment["spec"]["replicas"], 3);
    // Map keys come back escaped: the variables cannot carry their case.
    assert_eq!(deployment["metadata"]["labels"]["TEAM"], "storefront");
    assert_eq!(
        deployment["metadata"]["labels"]["APP_KUBERNETES_IO_PART_OF"],
        "shop"
    );
    assert_eq!(
        find(&objects, "ConfigMap", "web-prod-config")["data"]["environment"],
        "dev"
    );
    assert_eq!(kinds_of(&objects).len(), 4);
}

#[test]
fn contract_json_parameters_win_over_param_variables() {
    let repo = Repo::new();
    let app = repo.root.join("apps/web");
    let mut env = argo_env("apps/web", &[("REGION", "eu")], &web_params());
    env.insert("PARAM_REPLICAS".into(), "7".into());
    let objects = yaml_stream(&text(&plugin(&app, &env, &["generate"]).stdout));
    assert_eq!(
        find(&objects, "Deployment", "web-prod")["spec"]["replicas"],
        3
    );
}

fn kinds_of(objects: &[Json]) -> Vec<&str> {
    objects
        .iter()
        .map(|object| object["kind"].as_str().unwrap())
        .collect()
}

#[test]
fn contract_render_plan_targets() {
    let repo = Repo::new();
    let fleet = repo.root.join("fleet");
    let params = [
        Param::String("target", "edge-eu-1/*"),
        Param::String("size", "large"),
    ];
    let env = argo_env("fleet", &[], &params);

    let discover = plugin(&fleet, &env, &["discover"]);
    assert_eq!(text(&discover.stdout), "render.kcfg\n");
    let parameters: Json =
        serde_json::from_slice(&plugin(&fleet, &env, &["parameters"]).stdout).unwrap();
    let names: Vec<&str> = parameters
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["target", "size", "entry", "tlaCode", "extCode"]);

    let generate = plugin(&fleet, &env, &["generate"]);
    assert!(generate.status.success(), "{}", text(&generate.stderr));
    let objects = yaml_stream(&text(&generate.stdout));
    let names: Vec<String> = objects
        .iter()
        .map(|object| {
            format!(
                "{}/{}",
                object["metadata"]["namespace"].as_str().unwrap(),
                object["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(names, ["edge-eu-1/api", "edge-eu-1/worker"]);
    assert_eq!(objects[0]["spec"]["replicas"], 3);
    assert_eq!(objects[0]["metadata"]["labels"]["owner"], "web-prod");

    // Without `target`, every target.
    let all = plugin(&fleet, &argo_env("fleet", &[], &[]), &["generate"]);
    assert_eq!(
        yaml_stream(&text(&all.stdout)).len(),
        4,
        "{}",
        text(&all.stderr)
    );
}

#[test]
fn discover_declines_other_directories() {
    let repo = Repo::new();
    repo.write("charts/web/Chart.yaml", "name: web\n");
    let dir = repo.root.join("charts/web");
    let output = plugin(&dir, &argo_env("charts/web", &[], &[]), &["discover"]);
    assert!(!output.status.success());
    assert_eq!(text(&output.stdout), "");
    assert!(text(&output.stderr).contains("not a kcfg application"));
    // KCFG_ENTRY names another file.
    repo.write("charts/web/app.jsonnet", "{}");
    let output = plugin(
        &dir,
        &argo_env("charts/web", &[("KCFG_ENTRY", "app.jsonnet")], &[]),
        &["discover"],
    );
    assert_eq!(text(&output.stdout), "app.jsonnet\n");
}

#[test]
fn init_fails_when_vendor_is_missing() {
    let repo = Repo::new();
    std::fs::remove_dir_all(repo.root.join("vendor")).unwrap();
    let app = repo.root.join("apps/web");
    let stderr = assert_fails(
        &plugin(&app, &argo_env("apps/web", &[], &[]), &["init"]),
        &[
            "vendor/github.com/example/kube-lib is missing",
            "jb install",
        ],
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
}

/// Runs `generate` on `code` written as the entry of a fresh application.
fn generate_code(code: &str, extra: &[(&str, &str)], args: &[&str]) -> Output {
    let repo = Repo::new();
    repo.write("apps/bad/main.kcfg", code);
    for (path, text) in extra {
        repo.write(path, text);
    }
    let mut all = vec!["generate"];
    all.extend(args);
    plugin(
        &repo.root.join("apps/bad"),
        &argo_env("apps/bad", &[], &[]),
        &all,
    )
}

#[test]
fn bad_input_syntax_error() {
    let output = generate_code("{ a: 1,, }", &[], &[]);
    assert_fails(&output, &["STATIC ERROR:", "main.kcfg:1:8"]);
}

#[test]
fn bad_input_failing_assertion() {
    let output = generate_code(
        "local replicas = 0;\nassert replicas > 0 : 'replicas must be positive';\n{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }",
        &[],
        &[],
    );
    assert_fails(
        &output,
        &[
            "RUNTIME ERROR: replicas must be positive",
            "main.kcfg:(2:1)",
        ],
    );
}

#[test]
fn bad_input_policy_violation() {
    let repo = Repo::new();
    repo.write(
        "fleet/apps/api/main.kcfg",
        "function(cluster, size) { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { template: { spec: { containers: [{ name: 'api', image: 'x' }] } } } }",
    );
    let output = plugin(
        &repo.root.join("fleet"),
        &argo_env("fleet", &[], &[]),
        &["generate"],
    );
    // The same violation in both targets is reported once (issue 16).
    assert_fails(
        &output,
        &[
            "error: 2 policy violations in 2 targets:",
            "  2 targets: */api: Deployment api: [limits] container api has no memory limit",
        ],
    );
    // As JSON lines, each diagnostic with its targets.
    let output = plugin(
        &repo.root.join("fleet"),
        &argo_env("fleet", &[], &[]),
        &["generate", "--error-format", "json"],
    );
    assert_fails(&output, &["\"target_pattern\":\"*/api\""]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let codes: Vec<String> = stderr
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            value["code"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert_eq!(
        codes,
        [
            "kcfg::argocd::duplicate_object",
            "kcfg::render::policy_violation"
        ]
    );
}

#[test]
fn bad_input_not_kubernetes_objects() {
    let output = generate_code(
        "{ a: { apiVersion: 'v1', kind: 'ConfigMap' }, b: 3 }",
        &[],
        &[],
    );
    assert_fails(&output, &[".a: the ConfigMap has no metadata.name"]);
}

#[test]
fn bad_input_import_escapes() {
    let repo = Repo::new();
    // A secret next to the repository, as the CMP server's work directory
    // holds other applications' repositories.
    let secret = repo.root.parent().unwrap().join("secret.txt");
    std::fs::write(&secret, "password").unwrap();
    std::os::unix::fs::symlink(&secret, repo.root.join("lib/linked.libsonnet")).unwrap();
    std::os::unix::fs::symlink(repo.root.parent().unwrap(), repo.root.join("lib/up")).unwrap();
    let cases = [
        (
            format!("import '{}'", secret.display()),
            "absolute paths are refused",
        ),
        (
            "import '/etc/passwd'".to_string(),
            "absolute paths are refused",
        ),
        (
            "importstr '../../../secret.txt'".to_string(),
            "leaves the repository",
        ),
        (
            "importbin '../../../../../../../../etc/passwd'".to_string(),
            "leaves the repository",
        ),
        (
            "importstr '../../lib/linked.libsonnet'".to_string(),
            "is a symbolic link to",
        ),
        (
            "import '../../lib/up/secret.txt'".to_string(),
            "outside the repository",
        ),
        (
            "importbin '../../lib/up/secret.txt'".to_string(),
            "outside the repository",
        ),
    ];
    for (code, reason) in cases {
        repo.write("apps/bad/main.kcfg", &code);
        let output = plugin(
            &repo.root.join("apps/bad"),
            &argo_env("apps/bad", &[], &[]),
            &["generate"],
        );
        let stderr = assert_fails(&output, &["RUNTIME ERROR: couldn't open import", reason]);
        assert!(!stderr.contains("password"), "{code}: {stderr}");
    }
    // The entry itself may not be a link out of the repository.
    std::fs::remove_file(repo.root.join("apps/bad/main.kcfg")).unwrap();
    std::os::unix::fs::symlink(&secret, repo.root.join("apps/bad/main.kcfg")).unwrap();
    let output = plugin(
        &repo.root.join("apps/bad"),
        &argo_env("apps/bad", &[], &[]),
        &["generate"],
    );
    assert_fails(
        &output,
        &["is a symbolic link to", "outside the repository"],
    );
    // Nor may a library directory.
    std::fs::remove_file(repo.root.join("apps/bad/main.kcfg")).unwrap();
    repo.write("apps/bad/main.kcfg", "{}");
    let params = [Param::Array("libs", &["/etc"])];
    let output = plugin(
        &repo.root.join("apps/bad"),
        &argo_env("apps/bad", &[], &params),
        &["generate"],
    );
    assert_fails(&output, &["parameter `libs`", "is absolute"]);
    let params = [Param::Array("libs", &["lib/up"])];
    let output = plugin(
        &repo.root.join("apps/bad"),
        &argo_env("apps/bad", &[], &params),
        &["generate"],
    );
    assert_fails(&output, &["outside the repository"]);
}

#[test]
fn bad_input_runaway_recursion() {
    let output = generate_code("local f(x) = f(x + 1) + 1; f(0)", &[], &[]);
    assert_fails(&output, &["RUNTIME ERROR: max stack frames exceeded."]);
}

#[test]
fn budget_time() {
    let started = Instant::now();
    let output = generate_code(
        "local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1); f(40)",
        &[],
        &["--timeout", "300ms", "--memory-limit", "4Gi"],
    );
    assert_fails(
        &output,
        &[
            "RUNTIME ERROR: the evaluation exceeded its time budget of 300ms",
            "function <f>",
        ],
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn budget_time_in_a_builtin_that_does_not_stop() {
    // Sorting enters no frame per comparison of numbers: the watchdog ends
    // the process shortly after the deadline.
    let output = generate_code(
        "std.sort(std.range(1, 30000000))",
        &[],
        &["--timeout", "200ms", "--memory-limit", "8Gi"],
    );
    let stderr = assert_fails(
        &output,
        &["error: the evaluation exceeded its time budget of 200ms"],
    );
    assert!(!stderr.contains("RUNTIME ERROR"), "{stderr}");
}

/// Runs `kcfg argocd generate` on `code` like [`generate_code`], and
/// returns its output with its peak resident memory in KiB (from
/// `wait4`, for this process alone).
// The child is reaped by `wait4`, which `Child::wait` would not let us call.
#[allow(clippy::zombie_processes)]
fn generate_code_peak(code: &str, args: &[&str]) -> (Output, i64) {
    use std::io::Read;
    let repo = Repo::new();
    repo.write("apps/bad/main.kcfg", code);
    let mut child = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .arg("argocd")
        .arg("generate")
        .args(args)
        .current_dir(repo.root.join("apps/bad"))
        .env_clear()
        .envs(argo_env("apps/bad", &[], &[]))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kcfg");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stderr.read_to_end(&mut bytes).map(|_| bytes)
    });
    let mut status: libc::c_int = 0;
    // SAFETY: a zeroed `rusage` is a valid out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, whose `Child` is not waited on.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    let output = Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(status),
        stdout: out.join().unwrap().unwrap(),
        stderr: err.join().unwrap().unwrap(),
    };
    (output, usage.ru_maxrss)
}

/// A plugin's budget bounds the process's resident memory, as the
/// sidecar's memory limit does: the peak stays under it.
fn assert_within_budget(peak_kib: i64, budget_mib: i64) {
    eprintln!(
        "peak RSS {} KiB under a budget of {budget_mib} MiB",
        peak_kib
    );
    assert!(
        peak_kib < budget_mib * 1024,
        "peak RSS {} MiB under a budget of {budget_mib} MiB",
        peak_kib / 1024
    );
}

#[test]
fn budget_memory() {
    let (output, peak) = generate_code_peak(
        "local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1); f(40)",
        &["--timeout", "60s", "--memory-limit", "64Mi"],
    );
    assert_fails(
        &output,
        &[
            "RUNTIME ERROR: out of memory: the evaluation exceeded its memory limit of 64 MiB",
            "function <f>",
        ],
    );
    assert_within_budget(peak, 64);
}

#[test]
fn budget_memory_in_one_huge_allocation() {
    // Checked before it is made: a clean error with a trace.
    let (output, peak) = generate_code_peak(
        "std.length(std.makeArray(200000000, function(i) i))",
        &["--memory-limit", "64Mi"],
    );
    let stderr = assert_fails(
        &output,
        &["RUNTIME ERROR: out of memory: the evaluation exceeded its memory limit of 64 MiB"],
    );
    assert!(stderr.contains("main.kcfg:1:12-51"), "{stderr}");
    assert_within_budget(peak, 64);
}

#[test]
fn issue13_budget_covers_the_stack() {
    // `f(1)(1)…` 800,000 times: 3.2 MB of source whose parsing, analysis
    // and evaluation recurse 800,000 levels deep. It succeeded at 1.77 GB
    // peak under a 512 MiB budget; the stack is now counted (and the tree
    // being built is looked at), and the render stops at the budget: in
    // the evaluation or the analysis (the stack cannot grow), or while the
    // tree is built.
    let code = format!(
        "local f = function(x) f; f{} == null",
        "(1)".repeat(800_000)
    );
    let (output, peak) =
        generate_code_peak(&code, &["--timeout", "120s", "--memory-limit", "512Mi"]);
    let stderr = assert_fails(&output, &[]);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.ends_with("max stack frames exceeded.")
            || first
                .ends_with("out of memory: the evaluation exceeded its memory limit of 512 MiB"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_within_budget(peak, 512);
}

#[test]
fn budget_from_the_sidecar_environment() {
    let repo = Repo::new();
    repo.write(
        "apps/bad/main.kcfg",
        "local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1); f(40)",
    );
    let mut env = argo_env("apps/bad", &[], &[]);
    env.insert("KCFG_TIMEOUT".into(), "250ms".into());
    let output = plugin(&repo.root.join("apps/bad"), &env, &["generate"]);
    assert_fails(&output, &["time budget of 250ms"]);
    // An Application cannot raise it: its variables are prefixed.
    env.remove("KCFG_TIMEOUT");
    env.insert("ARGOCD_ENV_KCFG_TIMEOUT".into(), "1h".into());
    env.insert("KCFG_MEMORY_LIMIT".into(), "32Mi".into());
    let output = plugin(&repo.root.join("apps/bad"), &env, &["generate"]);
    assert_fails(&output, &["memory limit of 32 MiB"]);
}

#[test]
fn sigterm_stops_at_once() {
    let repo = Repo::new();
    repo.write(
        "apps/bad/main.kcfg",
        "local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1); f(60)",
    );
    let child = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args([
            "argocd",
            "generate",
            "--timeout",
            "60s",
            "--memory-limit",
            "16Gi",
        ])
        .current_dir(repo.root.join("apps/bad"))
        .env_clear()
        .envs(argo_env("apps/bad", &[], &[]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kcfg");
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    // SAFETY: kill(2) on the pid of our own child.
    let result = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(result, 0);
    let output = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(output.status.code(), Some(143));
    assert_fails(
        &output,
        &["stopped by SIGTERM", "no manifests were produced"],
    );
}

#[test]
fn nothing_is_written_to_disk() {
    let repo = Repo::new();
    let before = listing(&repo.root);
    let app = repo.root.join("apps/web");
    let env = argo_env("apps/web", &[("REGION", "eu")], &web_params());
    for command in ["discover", "init", "parameters", "generate"] {
        assert!(plugin(&app, &env, &[command]).status.success(), "{command}");
    }
    let fleet = repo.root.join("fleet");
    assert!(plugin(&fleet, &argo_env("fleet", &[], &[]), &["generate"])
        .status
        .success());
    assert_eq!(listing(&repo.root), before);
}

fn listing(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            out.extend(listing(&entry.path()));
        } else {
            out.push((entry.path(), meta.len()));
        }
    }
    out.sort();
    out
}

#[test]
fn bad_parameters_are_explained() {
    let repo = Repo::new();
    let app = repo.root.join("apps/web");
    let params = [
        Param::String("image", "x"),
        Param::String("replicas", "three"),
    ];
    let output = plugin(
        &app,
        &argo_env("apps/web", &[("REGION", "eu")], &params),
        &["generate"],
    );
    assert_fails(
        &output,
        &["parameter `replicas`: expected a number", r#"got "three""#],
    );
    let params = [Param::String("image", "x"), Param::String("replica", "3")];
    let output = plugin(
        &app,
        &argo_env("apps/web", &[("REGION", "eu")], &params),
        &["generate"],
    );
    assert_fails(
        &output,
        &["parameter `replica`: main.kcfg has no top-level argument of that name"],
    );
    let output = plugin(
        &app,
        &argo_env("apps/web", &[("REGION", "eu")], &[]),
        &["generate"],
    );
    assert_fails(&output, &["RUNTIME ERROR", "image"]);
    let output = plugin(&app, &argo_env("apps/api", &[], &[]), &["generate"]);
    assert_fails(&output, &["ARGOCD_APP_SOURCE_PATH"]);
}

#[path = "argocd/issue13_root.rs"]
mod issue13_root;

#[path = "argocd/issue16.rs"]
mod issue16;
