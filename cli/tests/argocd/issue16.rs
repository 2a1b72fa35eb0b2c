//! Issue 16: the plugin across Argo CD versions (items 9 and 11).
//!
//! Contract tests: an environment as a given Argo CD version's CMP server
//! builds it goes in, the exact YAML stream (or the refusal) comes out.
//! Layouts: Tanka's and jsonnet-bundler's search order without any `libs`
//! parameter, never above the repository; files under `kcfg/` on disk come
//! before the built-in libraries.

use super::*;

/// An application that shows what it sees of the build environment.
const SHOW_ENV: &str = r#"
local argocd = std.extVar('argocd');
function(tag='none') {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'seen' },
  data: {
    project: argocd.project,
    short: argocd.revisionShort,
    short8: argocd.revisionShort8,
    tag: tag,
  },
}
"#;

/// The environment of Argo CD `version` for the application at `path`:
/// `argo_env` is 3.0's; older versions lack some variables.
fn env_of_version(version: &str, path: &str, params: &[Param]) -> BTreeMap<String, String> {
    let mut env = argo_env(path, &[], params);
    let missing: &[&str] = match version {
        "3.0" => &[],
        "2.14" => &["ARGOCD_APP_PROJECT_NAME"],
        "2.13" => &["ARGOCD_APP_PROJECT_NAME", "ARGOCD_APP_REVISION_SHORT_8"],
        "2.8" => &[
            "ARGOCD_APP_PROJECT_NAME",
            "ARGOCD_APP_REVISION_SHORT_8",
            "ARGOCD_APP_REVISION_SHORT",
        ],
        other => panic!("no environment for Argo CD {other}"),
    };
    for name in missing {
        assert!(env.remove(*name).is_some(), "{name}");
    }
    env
}

#[test]
fn issue16_every_argo_cd_version_gets_the_short_revisions() {
    let repo = Repo::new();
    repo.write("apps/env/main.kcfg", SHOW_ENV);
    let app = repo.root.join("apps/env");
    let tag = [Param::String(
        "tlas",
        r#"[{"name": "tag", "value": "r-${ARGOCD_APP_REVISION_SHORT_8}"}]"#,
    )];
    for (version, project) in [("3.0", "platform"), ("2.14", ""), ("2.13", ""), ("2.8", "")] {
        let output = plugin(
            &app,
            &env_of_version(version, "apps/env", &tag),
            &["generate"],
        );
        assert!(
            output.status.success(),
            "{version}: {}",
            text(&output.stderr)
        );
        assert_eq!(
            text(&output.stdout),
            format!(
                "---\napiVersion: v1\ndata:\n  project: \"{project}\"\n  short: 6c3e9b1\n  short8: 6c3e9b1d\n  tag: r-6c3e9b1d\nkind: ConfigMap\nmetadata:\n  name: seen\n"
            )
            .replace("project: \"platform\"", "project: platform"),
            "Argo CD {version}"
        );
    }
}

#[test]
fn issue16_a_built_in_jsonnet_directory_is_claimed() {
    let repo = Repo::new();
    // Argo CD's guestbook example layout: one .jsonnet and a library.
    repo.write(
        "jsonnet-guestbook/guestbook-ui.jsonnet",
        "local params = import 'params.libsonnet';\n[{ apiVersion: 'v1', kind: 'Service', metadata: { name: params.name }, spec: { ports: [{ port: params.port }] } }]\n",
    );
    repo.write(
        "jsonnet-guestbook/params.libsonnet",
        "{ name: 'guestbook-ui', port: 80 }\n",
    );
    let dir = repo.root.join("jsonnet-guestbook");
    let env = argo_env("jsonnet-guestbook", &[], &[]);
    let discover = plugin(&dir, &env, &["discover"]);
    assert!(discover.status.success(), "{}", text(&discover.stderr));
    assert_eq!(text(&discover.stdout), "guestbook-ui.jsonnet\n");
    let generate = plugin(&dir, &env, &["generate"]);
    assert!(generate.status.success(), "{}", text(&generate.stderr));
    assert_eq!(
        text(&generate.stdout),
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: guestbook-ui\nspec:\n  ports:\n  - port: 80\n"
    );
    let parameters: Json =
        serde_json::from_slice(&plugin(&dir, &env, &["parameters"]).stdout).unwrap();
    assert_eq!(parameters[0]["name"], "entry");
    assert_eq!(parameters[0]["string"], "guestbook-ui.jsonnet");

    // A second .jsonnet: the built-in would render both, kcfg renders one,
    // so the directory is not claimed until `entry` names one.
    repo.write(
        "jsonnet-guestbook/other.jsonnet",
        "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } }\n",
    );
    let stderr = assert_fails(
        &plugin(&dir, &env, &["discover"]),
        &[
            "2 *.jsonnet files (guestbook-ui.jsonnet, other.jsonnet)",
            "kcfg renders one entry",
        ],
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert_fails(&plugin(&dir, &env, &["generate"]), &["`entry` parameter"]);
    let named = argo_env(
        "jsonnet-guestbook",
        &[],
        &[Param::String("entry", "other.jsonnet")],
    );
    let generate = plugin(&dir, &named, &["generate"]);
    assert!(generate.status.success(), "{}", text(&generate.stderr));
    assert!(text(&generate.stdout).contains("name: other\n"));
}

/// Writes a file whose value says where it is.
fn marker(repo: &Repo, path: &str) {
    repo.write(path, &format!("'{}'\n", path));
}

#[test]
fn issue16_tanka_layout_without_libs() {
    let repo = Repo::new();
    // A Tanka project below the repository root: its own jsonnetfile.json,
    // lib/ and vendor/, and an environment with its own vendor/.
    repo.write(
        "tanka/jsonnetfile.json",
        "{\"version\": 1, \"dependencies\": []}\n",
    );
    repo.write(
        "tanka/environments/prod/main.jsonnet",
        "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'order' }, data: import 'probe/probe.libsonnet' }\n",
    );
    // The probe lives in a vendored package and imports by name, so each
    // name is found through the search path, not next to the file.
    repo.write(
        "tanka/vendor/probe/probe.libsonnet",
        "{ a: import 'a.libsonnet', b: import 'b.libsonnet', c: import 'c.libsonnet', d: import 'd.libsonnet' }\n",
    );
    for file in [
        "tanka/environments/prod/a.libsonnet",
        "tanka/lib/a.libsonnet",
        "tanka/lib/b.libsonnet",
        "tanka/environments/prod/vendor/b.libsonnet",
        "tanka/environments/prod/vendor/c.libsonnet",
        "tanka/vendor/c.libsonnet",
        "tanka/vendor/d.libsonnet",
        // The repository's own lib/ and vendor/ are not this project's.
        "lib/d.libsonnet",
        "vendor/d.libsonnet",
    ] {
        marker(&repo, file);
    }
    let app = repo.root.join("tanka/environments/prod");
    let output = plugin(
        &app,
        &argo_env("tanka/environments/prod", &[], &[]),
        &["generate"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "---\napiVersion: v1\ndata:\n  a: tanka/environments/prod/a.libsonnet\n  b: tanka/lib/b.libsonnet\n  c: tanka/environments/prod/vendor/c.libsonnet\n  d: tanka/vendor/d.libsonnet\nkind: ConfigMap\nmetadata:\n  name: order\n"
    );
    // `init` checks the project's jsonnetfile.json too.
    let init = plugin(
        &app,
        &argo_env("tanka/environments/prod", &[], &[]),
        &["init"],
    );
    assert!(init.status.success(), "{}", text(&init.stderr));
}

#[test]
fn issue16_repository_lib_is_searched_without_libs() {
    let repo = Repo::new();
    // The test repository has jsonnetfile.json, lib/kube.libsonnet and a
    // vendored library at its root.
    repo.write(
        "apps/plain/main.kcfg",
        "local kube = import 'kube.libsonnet';\nlocal labels = import 'github.com/example/kube-lib/labels.libsonnet';\n[kube.service('plain', 80)]\n",
    );
    let app = repo.root.join("apps/plain");
    let output = plugin(&app, &argo_env("apps/plain", &[], &[]), &["generate"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("name: plain\n"));
}

#[test]
fn issue16_no_project_directory_above_the_repository() {
    let repo = Repo::new();
    // A jsonnetfile.json and lib/ beside the checkout, in the CMP server's
    // work directory: a project root there would widen the search.
    let above = repo.root.parent().unwrap();
    std::fs::write(above.join("jsonnetfile.json"), "{}").unwrap();
    std::fs::create_dir_all(above.join("lib")).unwrap();
    std::fs::write(above.join("lib/outside.libsonnet"), "'outside'").unwrap();
    std::fs::remove_file(repo.root.join("jsonnetfile.json")).unwrap();
    repo.write(
        "apps/out/main.kcfg",
        "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { v: import 'outside.libsonnet' } }\n",
    );
    let app = repo.root.join("apps/out");
    assert_fails(
        &plugin(&app, &argo_env("apps/out", &[], &[]), &["generate"]),
        &["couldn't open import \"outside.libsonnet\""],
    );
    assert_eq!(
        std::fs::read_to_string(above.join("lib/outside.libsonnet")).unwrap(),
        "'outside'"
    );
}

#[test]
fn issue16_a_kcfg_directory_on_disk_comes_before_the_built_in() {
    let repo = Repo::new();
    repo.write(
        "apps/own/kcfg/kustomize.libsonnet",
        "{ name: 'from disk' }\n",
    );
    repo.write(
        "apps/own/main.kcfg",
        "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: (import 'kcfg/kustomize.libsonnet').name } }\n",
    );
    let app = repo.root.join("apps/own");
    let output = plugin(&app, &argo_env("apps/own", &[], &[]), &["generate"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("name: from disk\n"));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.matches("warning: ").count(), 1, "{stderr}");
    assert!(
        stderr.contains("hides kcfg's built-in library kcfg/kustomize.libsonnet"),
        "{stderr}"
    );
}
