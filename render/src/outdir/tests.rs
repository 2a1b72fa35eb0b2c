//! Tests of the output directory: ownership, links, leftovers, the lock.

use super::lock::Lock;
use super::marker::parse_marker;
use super::*;
use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::time::Duration;

fn files(entries: &[(&str, &str)]) -> Files {
    entries
        .iter()
        .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
        .collect()
}

fn opened(root: &Path) -> (OutDir, Lock) {
    let mut out = OutDir::open(root, false).unwrap();
    let lock = out.lock(&mut |_| {}, Duration::from_secs(5)).unwrap();
    (out, lock)
}

/// Every entry under `dir` (not following links): path → content, or
/// `-> destination` for a link.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let to = std::fs::read_link(&path).unwrap();
                out.insert(relative, format!("-> {}", to.display()));
            } else if meta.is_dir() {
                out.insert(relative.clone() + "/", String::new());
                walk(root, &path, out);
            } else {
                out.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn temp_names() {
    for name in [
        ".web.kcfg-new-12-0",
        ".web.kcfg-old-1-99",
        ".edge-eu.kcfg-new-4294967295-3",
        ".a.kcfg-new-1-2.kcfg-old-3-4",
    ] {
        assert!(is_temp_name(name, false), "{name}");
    }
    assert!(is_temp_name(".kcfg-rendered.77.tmp", true));
    for name in [
        ".kcfg-rendered.77.tmp",
        "web.kcfg-new-1-2",
        "..kcfg-new-1-2",
        ".web.kcfg-new-1",
        ".web.kcfg-new-1-",
        ".web.kcfg-new-a-1",
        ".web.kcfg-new-1-2x",
        "..web.kcfg-new-1-2",
        ".web.kcfg-gone-1-2",
        ".kcfg-lock",
        ".kcfg-rendered",
    ] {
        assert!(!is_temp_name(name, false), "{name}");
    }
    assert!(!is_temp_name(".kcfg-rendered.x.tmp", true));
    assert!(!is_temp_name(".kcfg-rendered", true));
}

#[test]
fn issue13_marker_lines_are_validated() {
    let shown = Path::new("out/.kcfg-rendered");
    let good = parse_marker(shown, b"# header\nc1/web\n\nc2\n").unwrap();
    assert_eq!(
        good.into_iter().collect::<Vec<_>>(),
        [(2, "c1/web".to_string()), (4, "c2".to_string())]
    );
    for line in [
        "..",
        "../sib",
        "c3/../../x",
        "/",
        "/etc",
        ".",
        "a/./b",
        "a//b",
        "a/",
        ".git",
        "a\\b",
        "a\0b",
        "a\rb",
        " \t",
    ] {
        let marker = format!("# header\nok\n{line}\n");
        let err = parse_marker(shown, marker.as_bytes()).unwrap_err();
        assert!(
            err.starts_with("out/.kcfg-rendered: 1 line is not a target"),
            "{line:?}: {err}"
        );
        assert!(
            err.contains(&format!("out/.kcfg-rendered:3: {line:?}: ")),
            "{line:?}: {err}"
        );
    }
    let err = parse_marker(shown, b"ok\n\xff\xfe\n").unwrap_err();
    assert!(err.contains("not UTF-8 text"), "{err}");
    let many: String = (0..30).map(|i| format!("../{i}\n")).collect();
    let err = parse_marker(shown, many.as_bytes()).unwrap_err();
    assert!(err.contains("30 lines are not"), "{err}");
    assert!(err.contains("… and 10 more"), "{err}");
}

#[test]
fn issue13_marker_paths_through_links_are_refused_before_any_change() {
    let tmp = tempfile::tempdir().unwrap();
    let sacrificial = tmp.path().join("sacrificial");
    std::fs::create_dir_all(sacrificial.join("x")).unwrap();
    std::fs::write(sacrificial.join("x/keep"), "keep").unwrap();
    let root = tmp.path().join("out");
    std::fs::create_dir_all(&root).unwrap();
    symlink(&sacrificial, root.join("link")).unwrap();
    std::fs::write(root.join(MARKER), "link/x\n").unwrap();
    let before = snapshot(tmp.path());
    let err = OutDir::open(&root, false).unwrap_err();
    assert!(
        err.contains(":1: \"link/x\": its path passes through the symbolic link"),
        "{err}"
    );
    // The link as a target itself is refused too.
    std::fs::write(root.join(MARKER), "ok\nlink\n").unwrap();
    let err = OutDir::open(&root, false).unwrap_err();
    assert!(err.contains(":2: \"link\""), "{err}");
    std::fs::write(root.join(MARKER), "link/x\n").unwrap();
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn a_root_given_as_a_link_is_followed_only_when_told() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("real")).unwrap();
    symlink("real", tmp.path().join("out")).unwrap();
    let err = OutDir::open(&tmp.path().join("out"), false).unwrap_err();
    assert!(err.contains("is a symbolic link"), "{err}");
    let mut out = OutDir::open(&tmp.path().join("out"), true).unwrap();
    let lock = out.lock(&mut |_| {}, Duration::from_secs(5)).unwrap();
    out.write_target("t", &files(&[("a.yaml", "a")])).unwrap();
    drop(lock);
    assert!(tmp.path().join("real/t/a.yaml").is_file());
    assert!(!tmp.path().join("real").join(LOCK).exists());
}

#[test]
fn writes_replace_and_leave_identical_targets_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("out");
    let (out, _lock) = opened(&root);
    let mut target = files(&[("a.yaml", "a: 1\n"), ("ns/b.yaml", "b: 1\n")]);
    assert_eq!(
        out.write_target("cluster/app", &target),
        Ok(Written::Replaced)
    );
    let on_disk = out.read_target("cluster/app").unwrap().unwrap();
    assert_eq!(on_disk.files, target);
    let dir = root.join("cluster/app");
    let modified = || {
        std::fs::metadata(dir.join("a.yaml"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = modified();
    assert_eq!(
        out.write_target("cluster/app", &target),
        Ok(Written::Unchanged)
    );
    assert_eq!(modified(), before);
    // A file no longer produced disappears, with its empty directory.
    target.remove("ns/b.yaml");
    target.insert("c.yaml".into(), b"c: 1\n".to_vec());
    assert_eq!(
        out.write_target("cluster/app", &target),
        Ok(Written::Replaced)
    );
    assert_eq!(
        out.read_target("cluster/app").unwrap().unwrap().files,
        target
    );
    let names: Vec<_> = std::fs::read_dir(root.join("cluster"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, ["app"]);
}

#[test]
fn unchanged_files_keep_their_inode_when_a_target_changes() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let (out, _lock) = opened(&tmp.path().join("out"));
    let dir = tmp.path().join("out/t");
    let mut target = files(&[("same.yaml", "same\n"), ("sub/changes.yaml", "v1\n")]);
    out.write_target("t", &target).unwrap();
    let inode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().ino();
    let (same, changes) = (inode("same.yaml"), inode("sub/changes.yaml"));
    target.insert("sub/changes.yaml".into(), b"v2\n".to_vec());
    assert_eq!(out.write_target("t", &target), Ok(Written::Replaced));
    assert_eq!(inode("same.yaml"), same);
    assert_ne!(inode("sub/changes.yaml"), changes);
    assert_eq!(out.read_target("t").unwrap().unwrap().files, target);
}

#[test]
fn issue13_links_inside_a_target_are_foreign_and_removed_as_links() {
    let tmp = tempfile::tempdir().unwrap();
    let sacrificial = tmp.path().join("sacrificial");
    std::fs::create_dir_all(&sacrificial).unwrap();
    std::fs::write(sacrificial.join("a.yaml"), "a: 1\n").unwrap();
    let root = tmp.path().join("out");
    let (out, _lock) = opened(&root);
    let target = files(&[("a.yaml", "a: 1\n")]);
    out.write_target("t", &target).unwrap();
    // A link with the right name and the right content behind it.
    std::fs::remove_file(root.join("t/a.yaml")).unwrap();
    symlink(sacrificial.join("a.yaml"), root.join("t/a.yaml")).unwrap();
    symlink(&sacrificial, root.join("t/dir")).unwrap();
    std::fs::create_dir(root.join("t/empty")).unwrap();
    let tree = out.read_target("t").unwrap().unwrap();
    assert!(tree.files.is_empty());
    assert_eq!(
        tree.foreign,
        [
            ("a.yaml".to_string(), "a symbolic link"),
            ("dir".to_string(), "a symbolic link"),
            ("empty".to_string(), "an empty directory"),
        ]
    );
    let before = snapshot(&sacrificial);
    assert_eq!(out.write_target("t", &target), Ok(Written::Replaced));
    assert_eq!(snapshot(&sacrificial), before);
    let tree = out.read_target("t").unwrap().unwrap();
    assert_eq!((tree.files, tree.foreign), (target, Vec::new()));
}

#[test]
fn issue13_targets_through_links_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let sacrificial = tmp.path().join("sacrificial");
    std::fs::create_dir_all(sacrificial.join("web")).unwrap();
    std::fs::write(sacrificial.join("web/keep"), "keep").unwrap();
    let root = tmp.path().join("out");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join(MARKER), "").unwrap();
    symlink(&sacrificial, root.join("c1")).unwrap();
    let before = snapshot(&sacrificial);
    let (out, _lock) = opened(&root);
    let err = out.check_paths(["c1/web", "c1", "fine/web"]).unwrap_err();
    assert!(err.starts_with("target c1/web: "), "{err}");
    assert!(err.contains("\ntarget c1: "), "{err}");
    assert!(err.ends_with("nothing was deleted or written"), "{err}");
    assert!(out.write_target("c1/web", &files(&[("a", "a")])).is_err());
    assert!(out.remove_target("c1/web").is_err());
    // Removing the link as a target removes the link, not what is behind it.
    out.remove_target("c1").unwrap();
    assert!(!root.join("c1").exists());
    assert_eq!(snapshot(&sacrificial), before);
}

#[test]
fn leftovers_are_found_and_removed_only_under_kcfg_names() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("out");
    let (out, _lock) = opened(&root);
    out.write_target("c1/web", &files(&[("a", "a")])).unwrap();
    std::fs::create_dir_all(root.join("c1/.web.kcfg-new-9-0/x")).unwrap();
    std::fs::create_dir_all(root.join("c1/.web.kcfg-old-9-1")).unwrap();
    std::fs::write(root.join(".kcfg-rendered.9.tmp"), "").unwrap();
    std::fs::create_dir_all(root.join("c1/web/.web.kcfg-new-9-2")).unwrap();
    std::fs::create_dir_all(root.join("c1/.notes")).unwrap();
    let found = out.leftovers(["c1/web"]).unwrap();
    let paths: Vec<String> = found
        .iter()
        .map(|leftover| {
            leftover
                .path
                .strip_prefix(&root)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        paths,
        [
            ".kcfg-rendered.9.tmp",
            "c1/.web.kcfg-new-9-0",
            "c1/.web.kcfg-old-9-1"
        ]
    );
    out.remove_leftovers(&found).unwrap();
    assert!(out.leftovers(["c1/web"]).unwrap().is_empty());
    assert!(root.join("c1/.notes").exists());
    // Inside a target it is an entry kcfg did not write, not a leftover.
    assert!(root.join("c1/web/.web.kcfg-new-9-2").exists());
}

#[test]
fn the_lock_serializes_and_leaves_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("out");
    let mut first = OutDir::open(&root, false).unwrap();
    let lock = first.lock(&mut |_| {}, Duration::from_secs(5)).unwrap();
    assert_eq!(
        std::fs::read_to_string(root.join(LOCK)).unwrap(),
        format!("{}\n", std::process::id())
    );
    let mut second = OutDir::open(&root, false).unwrap();
    let mut seen = None;
    let err = second
        .lock(&mut |pid| seen = pid, Duration::from_millis(120))
        .unwrap_err();
    assert_eq!(seen, Some(std::process::id()));
    assert!(err.starts_with("gave up waiting for"), "{err}");
    let check = OutDir::open(&root, false).unwrap();
    assert!(check
        .wait_for_render(&mut |_| {}, Duration::from_millis(120))
        .is_err());
    drop(lock);
    assert!(!root.join(LOCK).exists());
    assert_eq!(check.wait_for_render(&mut |_| {}, Duration::ZERO), Ok(None));
    // A lock file nobody holds is a leftover for --check, and taken over
    // by the next render.
    std::fs::write(root.join(LOCK), "12345\n").unwrap();
    let found = check
        .wait_for_render(&mut |_| {}, Duration::ZERO)
        .unwrap()
        .unwrap();
    assert!(found.path.ends_with(LOCK));
    let lock = second.lock(&mut |_| {}, Duration::ZERO).unwrap();
    drop(lock);
    assert!(!root.join(LOCK).exists());
}

#[test]
fn ownership() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("rendered");
    let (mut out, _lock) = opened(&root);
    out.write_marker(&["a/x".to_string(), "b".to_string()].into())
        .unwrap();
    out.write_target("a/x", &files(&[("f.yaml", "x")])).unwrap();
    drop((out, _lock));
    let out = OutDir::open(&root, false).unwrap();
    assert_eq!(
        out.listed.iter().collect::<Vec<_>>(),
        ["a/x", "b"].iter().collect::<Vec<_>>()
    );
    let (out, _lock) = opened(&root);
    out.remove_target("a/x").unwrap();
    drop(_lock);
    assert!(!root.join("a").exists());
    assert!(root.exists());

    let foreign = tmp.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let err = OutDir::open(&foreign, false).unwrap_err();
    assert!(err.contains("was not written by kcfg render"), "{err}");
    // The lock and a marker's temporary file do not make a directory foreign.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join(LOCK), "").unwrap();
    std::fs::write(empty.join(".kcfg-rendered.5.tmp"), "").unwrap();
    assert!(OutDir::open(&empty, false).is_ok());
    // A marker that is a link or a directory is refused.
    let odd = tmp.path().join("odd");
    std::fs::create_dir_all(odd.join(MARKER)).unwrap();
    let err = OutDir::open(&odd, false).unwrap_err();
    assert!(err.contains("is a directory, not kcfg's marker"), "{err}");
    std::fs::remove_dir(odd.join(MARKER)).unwrap();
    symlink(root.join(MARKER), odd.join(MARKER)).unwrap();
    let err = OutDir::open(&odd, false).unwrap_err();
    assert!(err.contains("symbolic link"), "{err}");
}

#[test]
fn issue18_root_files_and_their_temp_names() {
    use crate::shard::Shard;
    let shard = Shard { index: 1, count: 3 };
    for file in [
        RootFile::Marker,
        RootFile::ShardMarker(shard),
        RootFile::Inputs,
        RootFile::ShardInputs(shard),
    ] {
        let name = file.name();
        assert_eq!(RootFile::from_name(&name), Some(file), "{name}");
        assert!(is_temp_name(&format!("{name}.42.tmp"), true), "{name}");
        assert!(!is_temp_name(&format!("{name}.42.tmp"), false), "{name}");
    }
    assert_eq!(
        RootFile::ShardMarker(shard).name(),
        ".kcfg-rendered-shard-1-of-3"
    );
    assert_eq!(
        RootFile::ShardInputs(shard).name(),
        ".kcfg-inputs-shard-1-of-3"
    );
    for name in [
        ".kcfg-rendered-shard-3-of-3",
        ".kcfg-renderedx",
        ".kcfg-inputs-",
        ".kcfg-inputs-shard-1-of-3/x",
    ] {
        assert_eq!(RootFile::from_name(name), None, "{name}");
    }
    assert!(!is_temp_name(".kcfg-other.42.tmp", true));
}

#[test]
fn issue18_a_stamp_through_a_cursor_is_the_stamp_of_a_fresh_walk() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("out");
    let (out, _lock) = opened(&root);
    let names = ["a/x", "a/y", "b/z", "top", "c/d/e"];
    for name in names {
        out.write_target(
            name,
            &files(&[("deployment.yaml", name), ("sub/cm.yaml", "data")]),
        )
        .unwrap();
    }
    let mut cursor = StampCursor::default();
    // In plan order, then with the parents interleaved.
    for name in names
        .iter()
        .chain(&["a/x", "b/z", "a/y", "missing/q", "a/x"])
    {
        assert_eq!(
            out.stamp_target_at(&mut cursor, name).unwrap(),
            out.stamp_target(name).unwrap(),
            "{name}"
        );
    }
    let stamp = out.stamp_target_at(&mut cursor, "a/x").unwrap().unwrap();
    assert_eq!(
        stamp.files.keys().collect::<Vec<_>>(),
        ["deployment.yaml", "sub/cm.yaml"]
    );
    // A file edited, added, or a sibling target removed, seen through the
    // cursor's open parent.
    std::fs::write(root.join("a/x/deployment.yaml"), "edited").unwrap();
    let edited = out.stamp_target_at(&mut cursor, "a/x").unwrap().unwrap();
    assert_ne!(edited.digest, stamp.digest);
    std::fs::write(root.join("a/x/extra.yaml"), "").unwrap();
    let added = out.stamp_target_at(&mut cursor, "a/x").unwrap().unwrap();
    assert_ne!(added.digest, edited.digest);
    assert!(added.files.contains_key("extra.yaml"));
    std::fs::remove_dir_all(root.join("a/y")).unwrap();
    assert_eq!(out.stamp_target_at(&mut cursor, "a/y").unwrap(), None);
    // A link where the target's directory was is not stamped.
    std::fs::rename(root.join("a/x"), root.join("a/moved")).unwrap();
    symlink("moved", root.join("a/x")).unwrap();
    assert!(out.stamp_target_at(&mut cursor, "a/x").is_err());
}

#[test]
fn issue18_a_stamp_by_name_is_the_listed_stamp_of_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("out");
    let (out, _lock) = opened(&root);
    out.write_target("a/x", &files(&[("b.yaml", "b"), ("a.yaml", "a")]))
        .unwrap();
    out.write_target("flat", &files(&[("only.yaml", "1")]))
        .unwrap();
    out.write_target("a/nested", &files(&[("x.yaml", "x"), ("sub/y.yaml", "y")]))
        .unwrap();
    let mut cursor = StampCursor::default();
    let named = |cursor: &mut StampCursor, name: &str, names: &str| {
        out.stamp_target_named(cursor, name, names).unwrap()
    };
    for name in ["a/x", "flat"] {
        let listed = out.stamp_target(name).unwrap().unwrap();
        let names = listed.names().unwrap();
        assert_eq!(
            named(&mut cursor, name, &names),
            Some(listed.clone()),
            "{name}"
        );
        assert_eq!(listed.kept().names, Some(names));
    }
    assert_eq!(
        out.stamp_target("a/x").unwrap().unwrap().names().as_deref(),
        Some("a.yaml\nb.yaml")
    );
    // A subdirectory is not covered by names: a record keeps none.
    assert_eq!(out.stamp_target("a/nested").unwrap().unwrap().names(), None);

    // Names that are not the directory's, in another order, or missing one:
    // another digest.
    let listed = out.stamp_target("a/x").unwrap().unwrap();
    for names in ["b.yaml\na.yaml", "a.yaml", "a.yaml\na.yaml\nb.yaml"] {
        let now = named(&mut cursor, "a/x", names).unwrap();
        assert_ne!(now.digest, listed.digest, "{names:?}");
    }
    // Names that are not plain file names are not looked up.
    for names in ["a.yaml\n../x/a.yaml", "..", "sub/y.yaml", "a\0b"] {
        assert_eq!(named(&mut cursor, "a/x", names), None, "{names:?}");
    }
    assert_eq!(named(&mut cursor, "a/x", "missing.yaml"), None);
    assert_eq!(named(&mut cursor, "a/gone", "a.yaml"), None);
    assert_eq!(named(&mut cursor, "gone/x", "a.yaml"), None);

    // A file added, removed or renamed changes the directory's times, and
    // so the stamp taken by the old names; an edit changes the file's. Each
    // change comes a tick of the kernel's coarse clock after the last (a
    // render records only stamps older than `SETTLE`).
    let tick = || std::thread::sleep(std::time::Duration::from_millis(30));
    let names = listed.names().unwrap();
    let dir = root.join("a/x");
    tick();
    std::fs::write(dir.join("extra.yaml"), "").unwrap();
    assert_ne!(
        named(&mut cursor, "a/x", &names).unwrap().digest,
        listed.digest
    );
    std::fs::remove_file(dir.join("extra.yaml")).unwrap();
    let listed = out.stamp_target("a/x").unwrap().unwrap();
    assert_eq!(named(&mut cursor, "a/x", &names).unwrap(), listed);
    tick();
    std::fs::rename(dir.join("b.yaml"), dir.join("c.yaml")).unwrap();
    std::fs::rename(dir.join("c.yaml"), dir.join("b.yaml")).unwrap();
    assert_ne!(
        named(&mut cursor, "a/x", &names).unwrap().digest,
        listed.digest
    );
    let listed = out.stamp_target("a/x").unwrap().unwrap();
    tick();
    std::fs::write(dir.join("a.yaml"), "A").unwrap();
    assert_ne!(
        named(&mut cursor, "a/x", &names).unwrap().digest,
        listed.digest
    );
    // A link where the directory was: no stamp.
    std::fs::rename(&dir, root.join("a/moved")).unwrap();
    symlink("moved", &dir).unwrap();
    assert_eq!(named(&mut cursor, "a/x", &names), None);
}

#[test]
fn issue18_links_are_found_in_every_chunk_and_reported_in_order() {
    // More targets than one worker checks at a time: the links are in
    // different chunks, and reported in the marker's and the plan's order.
    let tmp = tempfile::tempdir().unwrap();
    let sacrificial = tmp.path().join("sacrificial");
    std::fs::create_dir_all(sacrificial.join("t0")).unwrap();
    std::fs::write(sacrificial.join("keep"), "keep").unwrap();
    let root = tmp.path().join("out");
    let names: Vec<String> = (0..70)
        .flat_map(|p| (0..10).map(move |t| format!("p{p:03}/t{t}")))
        .collect();
    for name in &names {
        std::fs::create_dir_all(root.join(name)).unwrap();
    }
    for parent in ["p005", "p040"] {
        std::fs::remove_dir_all(root.join(parent)).unwrap();
        symlink(&sacrificial, root.join(parent)).unwrap();
    }
    std::fs::remove_dir(root.join("p065/t3")).unwrap();
    symlink(&sacrificial, root.join("p065/t3")).unwrap();
    let before = snapshot(&sacrificial);
    std::fs::write(root.join(MARKER), names.join("\n") + "\n").unwrap();
    let err = OutDir::open(&root, false).unwrap_err();
    assert!(err.contains("21 lines are not"), "{err}");
    let first = err.find(":51: \"p005/t0\"").expect(&err);
    let later = err.find(":401: \"p040/t0\"").expect(&err);
    assert!(first < later, "{err}");
    assert!(err.contains("… and 1 more"), "{err}");

    std::fs::write(root.join(MARKER), "").unwrap();
    let (out, _lock) = opened(&root);
    let mut reversed = names.iter().map(String::as_str).collect::<Vec<_>>();
    reversed.reverse();
    let err = out.check_paths(reversed).unwrap_err();
    assert!(err.starts_with("target p065/t3: "), "{err}");
    assert!(err.contains("\ntarget p040/t9: "), "{err}");
    assert!(err.contains("… and 1 more"), "{err}");
    let err = out
        .check_paths(names.iter().map(String::as_str))
        .unwrap_err();
    assert!(err.starts_with("target p005/t0: "), "{err}");
    assert_eq!(snapshot(&sacrificial), before);
}
