//! `kcfg/kustomize.libsonnet` checked against Kustomize: every case under
//! `cli/tests/kustomize/` (see its README) is evaluated with `kcfg eval` and
//! its objects compared with the output Kustomize recorded for the same
//! kustomization. Then the helpers' own behaviour (shapes kept, merge
//! directives, generators) in small inline cases.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kustomize")
}

/// `kcfg eval ARGS` in `dir`: its JSON output, or its error text.
fn eval(dir: &Path, args: &[&str]) -> Result<Value, String> {
    let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .arg("eval")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kcfg");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(serde_json::from_slice(&output.stdout).expect("kcfg eval prints JSON"))
}

/// The Kubernetes objects of a value, flattened, sorted by kind, namespace
/// and name.
fn objects(value: Value) -> Vec<Value> {
    fn walk(value: Value, out: &mut Vec<Value>) {
        match value {
            Value::Array(items) => items.into_iter().for_each(|item| walk(item, out)),
            Value::Object(ref fields) if fields.contains_key("apiVersion") => out.push(value),
            Value::Object(fields) => fields.into_iter().for_each(|(_, item)| walk(item, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut out);
    out.sort_by_key(|object| {
        let text = |path: &str| {
            object
                .pointer(path)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        (
            text("/kind"),
            text("/metadata/namespace"),
            text("/metadata/name"),
        )
    });
    out
}

fn yaml_stream(path: &Path) -> Vec<Value> {
    use serde::Deserialize;
    let text = std::fs::read_to_string(path).unwrap();
    let docs: Vec<Value> = serde_norway::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).unwrap())
        .filter(|doc| !doc.is_null())
        .collect();
    objects(Value::Array(docs))
}

#[test]
fn cases_match_kustomize() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "cases missing: {names:?}");
    let mut failures = Vec::new();
    for dir in &names {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let kustomize = yaml_stream(&dir.join("expected.yaml"));
        let divergence = dir.join("divergence.yaml");
        let expected = if divergence.exists() {
            let ours = yaml_stream(&divergence);
            if ours == kustomize {
                failures.push(format!(
                    "{name}: divergence.yaml equals expected.yaml; delete it"
                ));
            }
            ours
        } else {
            kustomize
        };
        match eval(dir, &["main.kcfg"]) {
            Err(err) => failures.push(format!("{name}: kcfg failed:\n{err}")),
            Ok(value) => {
                let got = objects(value);
                if got != expected {
                    failures.push(format!(
                        "{name}: differs\n--- expected\n{}\n--- kcfg\n{}",
                        serde_json::to_string_pretty(&expected).unwrap(),
                        serde_json::to_string_pretty(&got).unwrap()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Evaluates `code` (with `k` bound to the library) as compact JSON.
fn check(code: &str) -> String {
    let program = format!("local k = import 'kcfg/kustomize.libsonnet';\n{code}");
    match eval(&cases_dir(), &["-e", &program]) {
        Ok(value) => serde_json::to_string(&value).unwrap(),
        Err(err) => err,
    }
}

const DEPLOYMENT: &str = "{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } } } }";

#[test]
fn helpers_keep_the_shape_of_their_input() {
    let code = format!(
        "k.images({{ app: {{ deploy: {DEPLOYMENT}, extra: [null, {DEPLOYMENT}] }}, other: 'x' }}, {{ nginx: '1.27' }})"
    );
    insta::assert_snapshot!(check(&code), @r#"{"app":{"deploy":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"template":{"spec":{"containers":[{"image":"nginx:1.27","name":"web"}]}}}},"extra":[null,{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"template":{"spec":{"containers":[{"image":"nginx:1.27","name":"web"}]}}}}]},"other":"x"}"#);
    let code = "k.replicas({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: {} }] }, { r: 4 })";
    insta::assert_snapshot!(check(code), @r#"{"apiVersion":"v1","items":[{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"r"},"spec":{"replicas":4}}],"kind":"List"}"#);
}

#[test]
fn strategic_merge_directives() {
    let code = r#"k.patch(
      { spec: { keep: 1, drop: 2, map: { a: 1, b: 2 }, list: [1, 2],
                env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
                volumeMounts: [{ mountPath: '/a', name: 'a' }] } },
      { spec: { drop: null, map: { '$patch': 'replace', c: 3 }, list: [3],
                env: [{ name: 'B', '$patch': 'delete' }, { name: 'C', value: '3' }],
                volumeMounts: [{ mountPath: '/a', readOnly: true }] } })"#;
    insta::assert_snapshot!(check(code), @r#"{"spec":{"env":[{"name":"C","value":"3"},{"name":"A","value":"1"}],"keep":1,"list":[3],"map":{"c":3},"volumeMounts":[{"mountPath":"/a","name":"a","readOnly":true}]}}"#);
}

#[test]
fn generators_hash_their_content_like_kustomize() {
    // Kustomize names these app-config-4mk975g452 and creds-25k92892fb.
    let code = "k.hashNames([k.configMap('app-config', literals=['a=1', 'b=<x & y>']), k.secret('creds', literals=['password=s3cr3t']), k.configMap('plain', hash=false)])";
    insta::assert_snapshot!(check(code), @r#"[{"apiVersion":"v1","data":{"a":"1","b":"<x & y>"},"kind":"ConfigMap","metadata":{"name":"app-config-4mk975g452"}},{"apiVersion":"v1","data":{"password":"czNjcjN0"},"kind":"Secret","metadata":{"name":"creds-25k92892fb"},"type":"Opaque"},{"apiVersion":"v1","data":{},"kind":"ConfigMap","metadata":{"name":"plain"}}]"#);
    insta::assert_snapshot!(check("k.parseEnv('# comment\\nA=1\\n  B = x=y \\n\\nBAD\\n')"), @r#"{"A":"1","B":" x=y"}"#);
}

#[test]
fn kustomization_refuses_what_it_does_not_do() {
    let out = check("k.kustomization([], { helmCharts: [] })");
    assert!(
        out.contains("kustomization: unsupported fields helmCharts"),
        "{out}"
    );
    let out = check(&format!(
        "k.kustomization([{DEPLOYMENT}], {{ patches: [{{ patch: '- op: add' }}] }})"
    ));
    assert!(
        out.contains("only strategic merge patches are supported"),
        "{out}"
    );
}
