//! Issue 13: the repository root comes from the source path, not from the
//! working directory's physical path.
//!
//! Each case puts a secret beside the checkout (the sacrificial sibling,
//! where the CMP server's work directory would hold other applications'
//! repositories) and an entry that imports it with
//! `importstr '../../../secret.txt'`, then checks that the plugin fails
//! with a message, prints nothing, and never read the secret.

use super::*;

const SECRET: &str = "password-beside-the-checkout";

/// A checkout at `<tmp>/<name>`, the test repository with an application
/// `apps/bad` whose entry reads the secret at `<tmp>/secret.txt`.
fn checkout(name: &str) -> (Repo, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path().canonicalize().unwrap();
    let root = outer.join(name);
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/argocd/repo"),
        &root,
    );
    let secret = outer.join("secret.txt");
    std::fs::write(&secret, SECRET).unwrap();
    let repo = Repo { _dir: dir, root };
    repo.write(
        "apps/bad/main.kcfg",
        "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { s: importstr '../../../secret.txt' } }",
    );
    (repo, secret)
}

/// The three checks, and that the secret is untouched and appears nowhere.
fn assert_refused(output: &Output, secret: &Path, expected: &[&str]) {
    let stderr = assert_fails(output, expected);
    assert!(!stderr.contains(SECRET), "{stderr}");
    assert!(!text(&output.stdout).contains(SECRET));
    assert_eq!(std::fs::read_to_string(secret).unwrap(), SECRET);
}

#[test]
fn issue13_a_link_to_the_root_keeps_the_root() {
    // Argo CD accepts `repo -> .`; with the source path `repo/apps/bad`
    // the command runs in <checkout>/repo/apps/bad, which the kernel
    // resolves to <checkout>/apps/bad. A checkout that happens to be
    // called `repo` made the old rule put the root at its parent.
    let (repo, secret) = checkout("repo");
    std::os::unix::fs::symlink(".", repo.root.join("repo")).unwrap();
    let env = argo_env("repo/apps/bad", &[], &[]);
    let output = plugin(&repo.root.join("repo/apps/bad"), &env, &["generate"]);
    assert_refused(
        &output,
        &secret,
        &["couldn't open import", "leaves the repository"],
    );

    // The layout itself is fine: an application that stays inside renders.
    let env = argo_env("repo/apps/web", &[("REGION", "eu-west")], &web_params());
    let dir = repo.root.join("repo/apps/web");
    let output = plugin(&dir, &env, &["generate"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(yaml_stream(&text(&output.stdout)).len(), 4);
    assert_eq!(
        text(&plugin(&dir, &env, &["discover"]).stdout),
        "main.kcfg\n"
    );
}

#[test]
fn issue13_inconsistent_source_paths_are_refused() {
    let (repo, secret) = checkout("3f9a1c");
    let app = repo.root.join("apps/bad");
    for source in ["other/apps/bad", "apps/web", "apps", "bad/apps/bad"] {
        let env = argo_env(source, &[], &[]);
        for command in ["generate", "parameters", "init", "discover"] {
            let output = plugin(&app, &env, &[command]);
            assert_refused(
                &output,
                &secret,
                &[
                    "is not the application's source path",
                    &format!("{source:?}"),
                ],
            );
        }
    }
}

#[test]
fn issue13_absolute_and_parent_source_paths_are_refused() {
    let (repo, secret) = checkout("3f9a1c");
    let app = repo.root.join("apps/bad");
    let absolute = app.display().to_string();
    for (source, reason) in [
        ("/apps/bad", "is absolute"),
        (absolute.as_str(), "is absolute"),
        ("../3f9a1c/apps/bad", "'..'"),
        ("apps/../apps/bad", "'..'"),
        ("apps/bad/../bad", "'..'"),
    ] {
        let output = plugin(&app, &argo_env(source, &[], &[]), &["generate"]);
        assert_refused(&output, &secret, &["ARGOCD_APP_SOURCE_PATH", reason]);
    }
}

#[test]
fn issue13_source_paths_through_links_out_of_the_root_are_refused() {
    let (repo, secret) = checkout("3f9a1c");
    let outer = repo.root.parent().unwrap().to_path_buf();
    // An application beside the checkout, reachable through links in it.
    std::fs::create_dir_all(outer.join("outside/app")).unwrap();
    std::fs::write(
        outer.join("outside/app/main.kcfg"),
        "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { s: importstr '../../secret.txt' } }",
    )
    .unwrap();
    std::os::unix::fs::symlink(outer.join("outside"), repo.root.join("abs")).unwrap();
    std::os::unix::fs::symlink("../outside", repo.root.join("rel")).unwrap();
    for source in ["abs/app", "rel/app"] {
        let output = plugin(
            &repo.root.join(source),
            &argo_env(source, &[], &[]),
            &["generate"],
        );
        assert_refused(&output, &secret, &["is not the application's source path"]);
    }
    // A link that leaves the checkout and comes back into it: the working
    // directory is inside, but the path to it is not.
    std::os::unix::fs::symlink("..", repo.root.join("up")).unwrap();
    let source = "up/3f9a1c/apps/bad";
    let output = plugin(
        &repo.root.join(source),
        &argo_env(source, &[], &[]),
        &["generate"],
    );
    assert_refused(
        &output,
        &secret,
        &["is not the application's source path", "leads above"],
    );
}
