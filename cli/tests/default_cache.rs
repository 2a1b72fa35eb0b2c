//! Issue 18: `kcfg render`'s default per-user cache. Each test gives kcfg
//! a HOME in a temporary directory (and no XDG_CACHE_HOME, no
//! KCFG_CACHE_DIR), beside a sacrificial sibling whose content is checked
//! to be unchanged, so nothing reaches the real user's cache.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

const KEY: &str = "0123456789abcdef0123456789abcdef";

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// A plan of three targets in `plan/`, an empty `home/`, and
    /// `sacrificial/keep`.
    fn new() -> Sandbox {
        let sandbox = Sandbox {
            dir: tempfile::tempdir().unwrap(),
        };
        for (path, text) in [
            (
                "plan/render.kcfg",
                "{ targets: [
                   { name: 'c%d/web' % c, entry: 'web.kcfg', tlas: { cluster: c } }
                   for c in [1, 2, 3]
                 ] }",
            ),
            (
                "plan/web.kcfg",
                "function(cluster) { apiVersion: 'v1', kind: 'ConfigMap',
                   metadata: { name: 'web' }, data: { cluster: std.toString(cluster) } }",
            ),
            ("sacrificial/keep", "keep"),
        ] {
            let path = sandbox.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        fs::create_dir(sandbox.home()).unwrap();
        sandbox
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    /// The default cache directory with this HOME.
    fn cache(&self) -> PathBuf {
        self.home().join(".cache/kcfg")
    }

    /// `kcfg render ARGS` on the plan, with `env` on top of a HOME in the
    /// sandbox.
    fn render_with(&self, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kcfg"));
        command
            .arg("render")
            .arg("plan")
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.home())
            .env_remove("XDG_CACHE_HOME")
            .env_remove("KCFG_CACHE_DIR")
            .env("NO_COLOR", "1");
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().unwrap()
    }

    fn render(&self, args: &[&str]) -> Output {
        self.render_with(args, &[])
    }

    fn sacrificial_unchanged(&self) {
        let names: Vec<_> = fs::read_dir(self.path().join("sacrificial"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["keep"]);
        assert_eq!(
            fs::read_to_string(self.path().join("sacrificial/keep")).unwrap(),
            "keep"
        );
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The summary of a successful run.
fn ok(output: Output) -> String {
    assert!(output.status.success(), "{}", stderr(&output));
    stderr(&output)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// The cache's entries named `prefix*`.
fn entries(dir: &Path, prefix: &str) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|name| name.starts_with(prefix))
        .collect()
}

fn set_modified(path: &Path, time: SystemTime) {
    fs::File::open(path).unwrap().set_modified(time).unwrap();
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 24 * 3600)
}

#[test]
fn issue18_plain_render_uses_the_default_cache() {
    let sandbox = Sandbox::new();
    let first = ok(sandbox.render(&[]));
    assert!(first.contains("(3 written)"), "{first}");
    let cache = sandbox.cache();
    let mode = fs::metadata(&cache).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    assert_eq!(entries(&cache, "kcfg-plan-").len(), 1);
    assert_eq!(entries(&cache, "kcfg-inputs-").len(), 1);
    assert!(cache.join("trim.txt").is_file());
    // The committed output still carries its own record.
    assert!(sandbox.path().join("plan/rendered/.kcfg-inputs").is_file());

    let second = ok(sandbox.render(&[]));
    assert!(second.contains("3 unchanged, 3 reused"), "{second}");
    // A check believes only a cache's record: with the default cache it
    // reuses, without one it evaluates every target.
    let check = ok(sandbox.render(&["--check"]));
    assert!(check.contains("3 identical, 3 reused"), "{check}");
    let uncached = ok(sandbox.render(&["--check", "--no-cache"]));
    assert!(!uncached.contains("reused"), "{uncached}");

    // An edited output file is still caught.
    let file = sandbox
        .path()
        .join("plan/rendered/c2/web/configmap-web.yaml");
    let good = fs::read(&file).unwrap();
    fs::write(&file, "edited\n").unwrap();
    let check = sandbox.render(&["--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("configmap-web.yaml"),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let write = ok(sandbox.render(&[]));
    assert!(write.contains("1 written"), "{write}");
    assert_eq!(fs::read(&file).unwrap(), good);
    sandbox.sacrificial_unchanged();
}

#[test]
fn issue18_kcfg_cache_dir_moves_the_cache() {
    let sandbox = Sandbox::new();
    let moved = sandbox.path().join("elsewhere/cache");
    ok(sandbox.render_with(&[], &[("KCFG_CACHE_DIR", &moved)]));
    assert_eq!(entries(&moved, "kcfg-plan-").len(), 1);
    assert!(!sandbox.home().join(".cache").exists());
    let check = ok(sandbox.render_with(&["--check"], &[("KCFG_CACHE_DIR", &moved)]));
    assert!(check.contains("3 reused"), "{check}");
    // XDG_CACHE_HOME moves the default.
    let xdg = sandbox.path().join("xdg");
    ok(sandbox.render_with(&[], &[("XDG_CACHE_HOME", &xdg)]));
    assert_eq!(entries(&xdg.join("kcfg"), "kcfg-inputs-").len(), 1);
    assert!(!sandbox.home().join(".cache").exists());
    sandbox.sacrificial_unchanged();
}

#[test]
fn issue18_no_cache_and_off_write_nothing() {
    let sandbox = Sandbox::new();
    ok(sandbox.render(&["--no-cache"]));
    ok(sandbox.render_with(&[], &[("KCFG_CACHE_DIR", Path::new("off"))]));
    let check = ok(sandbox.render_with(&["--check"], &[("KCFG_CACHE_DIR", Path::new("off"))]));
    assert!(!check.contains("reused"), "{check}");
    assert_eq!(names(&sandbox.home()), Vec::<String>::new());
    assert!(!sandbox.path().join("off").exists());
    let both = sandbox.render(&["--no-cache", "--cache", "dir"]);
    assert_eq!(both.status.code(), Some(1));
    assert!(stderr(&both).contains("--no-cache"), "{}", stderr(&both));
    sandbox.sacrificial_unchanged();
}

#[test]
fn issue18_an_unusable_default_cache_is_skipped_quietly() {
    let sandbox = Sandbox::new();
    let no_cache = ok(sandbox.render(&["--no-cache"]));
    assert!(!no_cache.contains("cache"), "{no_cache}");

    // A link at the cache's place, to a directory kcfg does not own.
    fs::create_dir_all(sandbox.home().join(".cache")).unwrap();
    symlink(sandbox.path().join("sacrificial"), sandbox.cache()).unwrap();
    let linked = ok(sandbox.render(&[]));
    assert!(!linked.contains("cache"), "{linked}");
    let check = ok(sandbox.render(&["--check"]));
    assert!(!check.contains("reused"), "{check}");
    sandbox.sacrificial_unchanged();
    fs::remove_file(sandbox.cache()).unwrap();

    // A cache directory that cannot be created (a file where its parent
    // should be).
    let file = sandbox.path().join("file");
    fs::write(&file, "file").unwrap();
    let blocked = ok(sandbox.render_with(&[], &[("XDG_CACHE_HOME", &file)]));
    assert!(!blocked.contains("cache"), "{blocked}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "file");

    // A read-only parent (root writes there all the same).
    let read_only = sandbox.path().join("read-only");
    fs::create_dir(&read_only).unwrap();
    fs::set_permissions(&read_only, fs::Permissions::from_mode(0o500)).unwrap();
    let root = fs::metadata(sandbox.path()).unwrap().uid() == 0;
    let ran = sandbox.render_with(&[], &[("XDG_CACHE_HOME", &read_only)]);
    fs::set_permissions(&read_only, fs::Permissions::from_mode(0o700)).unwrap();
    let ran = ok(ran);
    assert!(!ran.contains("cache"), "{ran}");
    if !root {
        assert_eq!(names(&read_only), Vec::<String>::new());
    }
    sandbox.sacrificial_unchanged();
}

#[test]
fn issue18_trim_removes_only_old_kcfg_entries() {
    let sandbox = Sandbox::new();
    ok(sandbox.render(&[]));
    let cache = sandbox.cache();
    let used: Vec<String> = names(&cache)
        .into_iter()
        .filter(|name| name.starts_with("kcfg-"))
        .collect();
    assert_eq!(used.len(), 2);
    let now = SystemTime::now();
    // An abandoned entry and a dead run's temporary file, a file that is
    // not kcfg's and a link named as an entry, all old.
    let abandoned = format!("kcfg-plan-{KEY}.json");
    let temporary = format!("kcfg-inputs-{KEY}.json.12345.tmp");
    let linked = format!("kcfg-inputs-{}.json", KEY.replace('0', "f"));
    for name in [&abandoned, &temporary, &"notes.txt".to_string()] {
        fs::write(cache.join(name), "old").unwrap();
        set_modified(&cache.join(name), now - days(10));
    }
    symlink(sandbox.path().join("sacrificial/keep"), cache.join(&linked)).unwrap();
    set_modified(&sandbox.path().join("sacrificial/keep"), now - days(10));
    // The entries this plan uses were last used 6 days ago, and the last
    // trim was 2 days ago.
    for name in &used {
        set_modified(&cache.join(name), now - days(6));
    }
    set_modified(&cache.join("trim.txt"), now - days(2));

    let again = ok(sandbox.render(&[]));
    assert!(again.contains("3 reused"), "{again}");
    // The trim is due: it removes only the old kcfg entries, and not the
    // ones this run used, which it refreshed first.
    let mut expected = vec![
        linked.clone(),
        "notes.txt".to_string(),
        "trim.txt".to_string(),
    ];
    expected.extend(used.iter().cloned());
    expected.sort();
    assert_eq!(names(&cache), expected);
    assert!(fs::symlink_metadata(cache.join(&linked))
        .unwrap()
        .file_type()
        .is_symlink());
    for name in &used {
        let age = now
            .duration_since(fs::metadata(cache.join(name)).unwrap().modified().unwrap())
            .unwrap_or_default();
        assert!(age < Duration::from_secs(3600), "{name} refreshed");
    }
    sandbox.sacrificial_unchanged();

    // Within a day of the trim, nothing is removed.
    fs::write(cache.join(&abandoned), "old").unwrap();
    set_modified(&cache.join(&abandoned), now - days(10));
    ok(sandbox.render(&[]));
    assert!(cache.join(&abandoned).exists());
}

#[test]
fn issue18_records_do_not_depend_on_how_the_plan_directory_is_named() {
    let sandbox = Sandbox::new();
    let first = ok(sandbox.render(&[]));
    assert!(first.contains("(3 written)"), "{first}");
    let record = sandbox.path().join("plan/rendered/.kcfg-inputs");
    let committed = fs::read_to_string(&record).unwrap();
    assert!(committed.contains("<plan>/web.kcfg"), "{committed}");
    let absolute = sandbox.path().join("plan");
    // From inside the plan (`kcfg render`), and by its absolute path: the
    // output's record (no cache) and the cache's both still prove every
    // target, and the committed record keeps its bytes.
    for (dir, plan, cache) in [
        (absolute.clone(), PathBuf::from("."), Some("--no-cache")),
        (PathBuf::from("/"), absolute.clone(), Some("--no-cache")),
        (absolute.clone(), PathBuf::from("."), None),
        (PathBuf::from("/"), absolute.clone(), None),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
            .arg("render")
            .arg(&plan)
            .args(cache)
            .current_dir(&dir)
            .env("HOME", sandbox.home())
            .env_remove("XDG_CACHE_HOME")
            .env_remove("KCFG_CACHE_DIR")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let summary = ok(output);
        assert!(
            summary.contains("3 unchanged, 3 reused"),
            "{plan:?} {cache:?}: {summary}"
        );
        assert_eq!(fs::read_to_string(&record).unwrap(), committed);
    }
    let check = ok(sandbox.render(&["--check"]));
    assert!(check.contains("3 identical, 3 reused"), "{check}");
    sandbox.sacrificial_unchanged();
}
