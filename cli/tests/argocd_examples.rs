//! `examples/argocd/`: the plugin's installation files are valid and have
//! what Argo CD requires of them, and its Applications render, through the
//! plugin, exactly what `kcfg render` commits for their cluster in
//! `examples/edge-fleet/rendered/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde_json::{json, Value as Json};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn example(name: &str) -> PathBuf {
    repository().join("examples/argocd").join(name)
}

/// The documents of a YAML file, each parsed (so each must be valid).
fn documents(path: &Path) -> Vec<Json> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_norway::Deserializer::from_str(&text)
        .map(|document| {
            Json::deserialize(document).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        })
        .filter(|document| !document.is_null())
        .collect()
}

fn one(path: &Path) -> Json {
    let mut all = documents(path);
    assert_eq!(all.len(), 1, "{}: one document", path.display());
    all.remove(0)
}

fn string<'j>(value: &'j Json, pointer: &str) -> &'j str {
    value
        .pointer(pointer)
        .and_then(Json::as_str)
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| panic!("{pointer} must be a non-empty string in {value:#}"))
}

fn command(value: &Json, pointer: &str) -> Vec<String> {
    let command: Vec<String> = value
        .pointer(pointer)
        .and_then(Json::as_array)
        .unwrap_or_else(|| panic!("{pointer} must be a list"))
        .iter()
        .map(|part| part.as_str().expect("a string").to_string())
        .collect();
    assert!(!command.is_empty(), "{pointer} is empty");
    command
}

#[test]
fn plugin_yaml_is_a_config_management_plugin() {
    let plugin = one(&example("plugin.yaml"));
    assert_eq!(string(&plugin, "/apiVersion"), "argoproj.io/v1alpha1");
    assert_eq!(string(&plugin, "/kind"), "ConfigManagementPlugin");
    assert_eq!(string(&plugin, "/metadata/name"), "kcfg");
    assert_eq!(
        command(&plugin, "/spec/init/command"),
        ["kcfg", "argocd", "init"]
    );
    assert_eq!(
        command(&plugin, "/spec/generate/command"),
        ["kcfg", "argocd", "generate"]
    );
    assert_eq!(
        command(&plugin, "/spec/discover/find/command"),
        ["kcfg", "argocd", "discover"]
    );
    assert_eq!(
        command(&plugin, "/spec/parameters/dynamic/command"),
        ["kcfg", "argocd", "parameters"]
    );
    // The generate arguments are ones kcfg accepts.
    let args = command(&plugin, "/spec/generate/args");
    let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(["argocd", "generate"])
        .args(&args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for announcement in plugin["spec"]["parameters"]["static"].as_array().unwrap() {
        string(announcement, "/name");
        let collection = announcement["collectionType"].as_str().unwrap_or("string");
        assert!(["string", "array", "map"].contains(&collection));
    }
}

#[test]
fn the_sidecar_runs_argocd_cmp_server_as_user_999_with_its_mounts() {
    let patch = one(&example("repo-server-patch.yaml"));
    assert_eq!(string(&patch, "/kind"), "Deployment");
    assert_eq!(string(&patch, "/metadata/name"), "argocd-repo-server");
    let containers = patch["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 1);
    let sidecar = &containers[0];
    string(sidecar, "/name");
    string(sidecar, "/image");
    assert_eq!(
        command(sidecar, "/command"),
        ["/var/run/argocd/argocd-cmp-server"]
    );
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(sidecar["securityContext"]["runAsNonRoot"], true);
    let mounts: Vec<(&str, &str)> = sidecar["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|mount| (string(mount, "/mountPath"), string(mount, "/name")))
        .collect();
    assert!(
        mounts.contains(&("/var/run/argocd", "var-files")),
        "{mounts:?}"
    );
    assert!(
        mounts.contains(&("/home/argocd/cmp-server/plugins", "plugins")),
        "{mounts:?}"
    );
    // /tmp is the sidecar's own volume, declared here, not the repo
    // server's `tmp`.
    let tmp = mounts
        .iter()
        .find(|(path, _)| *path == "/tmp")
        .expect("a /tmp mount")
        .1;
    assert_ne!(tmp, "tmp");
    let volumes: Vec<&str> = patch["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|volume| string(volume, "/name"))
        .collect();
    assert!(volumes.contains(&tmp));

    let kustomization = one(&example("kustomization.yaml"));
    assert_eq!(
        kustomization["patches"][0]["path"],
        "repo-server-patch.yaml"
    );
}

#[test]
fn the_dockerfile_builds_kcfg_and_uses_the_cmp_server_entrypoint() {
    let text = std::fs::read_to_string(example("Dockerfile")).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect();
    let has = |prefix: &str| lines.iter().any(|line| line.starts_with(prefix));
    assert!(
        has("RUN cargo build --profile dist --locked --bin kcfg"),
        "{text}"
    );
    assert!(has(
        "COPY --from=build /src/target/dist/kcfg /usr/local/bin/kcfg"
    ));
    assert!(has(
        "COPY examples/argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml"
    ));
    assert!(has("USER 999"));
    assert!(has(r#"ENTRYPOINT ["/var/run/argocd/argocd-cmp-server"]"#));
    // Every COPY source exists in the build context (the repository).
    for line in lines
        .iter()
        .filter(|line| line.starts_with("COPY ") && !line.contains("--from"))
    {
        let source = line.split_whitespace().nth(1).unwrap();
        assert!(repository().join(source).exists(), "{source}");
    }
}

/// Checks the fields Argo CD requires of an Application's spec and returns
/// its source's plugin parameters.
fn check_application_spec(spec: &Json) -> Vec<Json> {
    string(spec, "/project");
    string(spec, "/source/repoURL");
    string(spec, "/source/targetRevision");
    let path = string(spec, "/source/path");
    assert!(
        repository().join(path).join("render.kcfg").is_file(),
        "{path}"
    );
    assert_eq!(
        string(spec, "/source/plugin/name"),
        "kcfg",
        "the plugin's metadata.name"
    );
    assert!(
        spec.pointer("/destination/name").is_some()
            || spec.pointer("/destination/server").is_some(),
        "a destination"
    );
    let parameters = spec["source"]["plugin"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for parameter in &parameters {
        string(parameter, "/name");
        let forms = ["string", "array", "map"]
            .iter()
            .filter(|form| parameter.get(**form).is_some())
            .count();
        assert_eq!(forms, 1, "one of string, array, map: {parameter}");
    }
    parameters
}

#[test]
fn the_application_and_applicationset_are_valid() {
    let application = one(&example("application.yaml"));
    assert_eq!(string(&application, "/apiVersion"), "argoproj.io/v1alpha1");
    assert_eq!(string(&application, "/kind"), "Application");
    string(&application, "/metadata/name");
    let parameters = check_application_spec(&application["spec"]);
    assert!(parameters.iter().any(|p| p["name"] == "target"));

    let set = one(&example("applicationset.yaml"));
    assert_eq!(string(&set, "/kind"), "ApplicationSet");
    assert!(!set["spec"]["generators"].as_array().unwrap().is_empty());
    string(&set, "/spec/template/metadata/name");
    let parameters = check_application_spec(&set["spec"]["template"]["spec"]);
    assert_eq!(
        parameters,
        [json!({"name": "target", "string": "{{.name}}/*"})]
    );
}

/// Runs a plugin command as the CMP server would for this Application
/// spec: in its source path, with its parameters. `generate` runs with a
/// 64 MiB heap budget: a cluster of the edge fleet fits well inside the
/// issue's 100 MB target.
fn plugin(spec: &Json, app_name: &str, subcommand: &str) -> std::process::Output {
    let path = string(spec, "/source/path");
    let parameters = spec["source"]["plugin"]["parameters"].clone();
    let budget: &[&str] = match subcommand {
        "generate" => &["--memory-limit", "64Mi", "--timeout", "20s"],
        _ => &[],
    };
    Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(["argocd", subcommand])
        .args(budget)
        .current_dir(repository().join(path))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("ARGOCD_APP_NAME", app_name)
        .env("ARGOCD_APP_NAMESPACE", "argocd")
        .env("ARGOCD_APP_SOURCE_PATH", path)
        .env(
            "ARGOCD_APP_SOURCE_REPO_URL",
            string(spec, "/source/repoURL"),
        )
        .env(
            "ARGOCD_APP_SOURCE_TARGET_REVISION",
            string(spec, "/source/targetRevision"),
        )
        .env("ARGOCD_APP_PARAMETERS", parameters.to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The objects rendered for one cluster, as committed.
fn committed(cluster: &str) -> BTreeSet<String> {
    let dir = repository()
        .join("examples/edge-fleet/rendered")
        .join(cluster);
    let mut out = BTreeSet::new();
    for app in std::fs::read_dir(&dir).unwrap() {
        for file in std::fs::read_dir(app.unwrap().path()).unwrap() {
            out.insert(std::fs::read_to_string(file.unwrap().path()).unwrap());
        }
    }
    out
}

fn generated(stdout: &[u8]) -> Vec<String> {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    text.split("---\n")
        .filter(|doc| !doc.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_application_renders_its_cluster_as_committed() {
    let application = one(&example("application.yaml"));
    let spec = &application["spec"];
    let cluster = string(&application, "/spec/destination/name");
    let discover = plugin(spec, cluster, "discover");
    assert!(
        discover.status.success(),
        "{}",
        String::from_utf8_lossy(&discover.stderr)
    );
    let announced: Json =
        serde_json::from_slice(&plugin(spec, cluster, "parameters").stdout).unwrap();
    let names: Vec<&str> = announced
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["target", "policyDemo", "entry", "tlaCode", "extCode"]
    );
    let output = plugin(spec, cluster, "generate");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let documents = generated(&output.stdout);
    assert_eq!(
        documents.len(),
        documents.iter().collect::<BTreeSet<_>>().len()
    );
    assert_eq!(
        documents.into_iter().collect::<BTreeSet<_>>(),
        committed(cluster)
    );
}

#[test]
fn the_applicationset_renders_each_cluster_as_committed() {
    let set = one(&example("applicationset.yaml"));
    // What the clusters generator makes for two registered clusters.
    for cluster in ["edge-ap-northeast-001", "edge-us-east-010"] {
        let text = set["spec"]["template"]
            .to_string()
            .replace("{{.name}}", cluster);
        let template: Json = serde_json::from_str(&text).unwrap();
        let output = plugin(&template["spec"], cluster, "generate");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let documents: BTreeSet<String> = generated(&output.stdout).into_iter().collect();
        assert_eq!(documents, committed(cluster), "{cluster}");
    }
}
