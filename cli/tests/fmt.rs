//! `kcfg fmt` end to end, through the binary (issue 14).
//!
//! The formatter's output is tested against jsonnetfmt 0.22 in kcfg-lang
//! (`lang/tests/fmt.rs`), and the reference's command-line cases run in
//! `conformance.rs`. Here: the repository round trip (every source file
//! formatted by the binary still evaluates to the same output, and the
//! outputs pass `kcfg fmt --test`), and what the command does to files:
//! `-i` (atomic, mode and untouched files kept, links, read-only files),
//! directory walks, `--check` diffs, files that do not parse, bad flags.
//!
//! Every test that writes works in a `tempfile::tempdir()` next to a
//! sacrificial sibling directory, checked unchanged at the end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn kcfg() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kcfg"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

/// Runs `kcfg fmt ARGS` in `dir` with `stdin`.
fn fmt_in(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(kcfg())
        .env("KCFG_CACHE_DIR", "off")
        .arg("fmt")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kcfg runs");
    let mut input = child.stdin.take().expect("stdin");
    // A run that does not read its input (a usage error) closes the pipe.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().expect("kcfg ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit status, stdout and stderr, for snapshots.
fn report(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    )
}

fn write(path: &Path, content: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("directory");
    }
    std::fs::write(path, content).expect("file written");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("file read")
}

const UNFORMATTED: &str = "{a:1,\n\"b\":[1,2]}";
const FORMATTED: &str = "{\n  a: 1,\n  b: [1, 2],\n}\n";

/// A sacrificial directory beside the one a test writes in: its files and
/// their contents, to compare at the end.
struct Sibling {
    dir: PathBuf,
    before: BTreeMap<PathBuf, (Vec<u8>, Option<SystemTime>)>,
}

impl Sibling {
    fn new(root: &Path) -> Sibling {
        let dir = root.join("sibling");
        write(&dir.join("keep.jsonnet"), UNFORMATTED);
        write(&dir.join("sub/keep.libsonnet"), UNFORMATTED);
        let before = snapshot(&dir);
        Sibling { dir, before }
    }

    fn assert_unchanged(&self) {
        assert_eq!(
            snapshot(&self.dir),
            self.before,
            "the sibling directory changed"
        );
    }
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, Option<SystemTime>)> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable").flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                stack.push(path);
            } else {
                let content = std::fs::read(&path).unwrap_or_default();
                files.insert(path, (content, meta.modified().ok()));
            }
        }
    }
    files
}

/// Sets a file's modification time to a moment in the past.
fn age(path: &Path) -> SystemTime {
    let past = UNIX_EPOCH + Duration::from_secs(683_153_828);
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open for the time");
    file.set_modified(past).expect("set mtime");
    past
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .expect("mtime")
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

// ----- -i ------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn issue14_in_place_rewrites_atomically_and_keeps_mode_and_untouched_files() {
    let root = tempfile::tempdir().expect("temp dir");
    let sibling = Sibling::new(root.path());
    let work = root.path().join("work");
    write(&work.join("formatted.jsonnet"), FORMATTED);
    write(&work.join("messy.jsonnet"), UNFORMATTED);
    set_mode(&work.join("messy.jsonnet"), 0o640);
    let untouched = age(&work.join("formatted.jsonnet"));
    age(&work.join("messy.jsonnet"));
    let inode_before = inode(&work.join("messy.jsonnet"));

    let output = fmt_in(&work, &["-i", "formatted.jsonnet", "messy.jsonnet"], "");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(0)
    --- stdout
    messy.jsonnet
    --- stderr
    ");
    assert_eq!(read(&work.join("messy.jsonnet")), FORMATTED);
    assert_eq!(mode(&work.join("messy.jsonnet")), 0o640, "the mode is kept");
    // A new inode: the new text was renamed into place, not written over
    // the old one.
    assert_ne!(inode(&work.join("messy.jsonnet")), inode_before);
    assert_eq!(modified(&work.join("formatted.jsonnet")), untouched);
    // No temporary file is left behind.
    assert_eq!(names_in(&work), ["formatted.jsonnet", "messy.jsonnet"]);

    // Formatting again changes nothing and names nothing.
    let again = age(&work.join("messy.jsonnet"));
    let output = fmt_in(&work, &["-i", "messy.jsonnet", "formatted.jsonnet"], "");
    assert_eq!(report(&output), "exit Some(0)\n--- stdout\n--- stderr\n");
    assert_eq!(modified(&work.join("messy.jsonnet")), again);
    sibling.assert_unchanged();
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path).expect("metadata").ino()
}

#[cfg(unix)]
#[test]
fn issue14_in_place_formats_a_links_target_and_keeps_the_link() {
    let root = tempfile::tempdir().expect("temp dir");
    let sibling = Sibling::new(root.path());
    let work = root.path().join("work");
    write(&work.join("real/target.jsonnet"), UNFORMATTED);
    std::os::unix::fs::symlink("real/target.jsonnet", work.join("link.jsonnet")).expect("link");
    // The link and its target named together are formatted once.
    let output = fmt_in(&work, &["-i", "link.jsonnet", "real/target.jsonnet"], "");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(0)
    --- stdout
    link.jsonnet
    --- stderr
    ");
    let link_meta = std::fs::symlink_metadata(work.join("link.jsonnet")).expect("metadata");
    assert!(link_meta.file_type().is_symlink(), "the link stays a link");
    assert_eq!(read(&work.join("real/target.jsonnet")), FORMATTED);
    assert_eq!(names_in(&work.join("real")), ["target.jsonnet"]);
    sibling.assert_unchanged();
}

#[cfg(unix)]
#[test]
fn issue14_in_place_respects_read_only_files() {
    let root = tempfile::tempdir().expect("temp dir");
    let sibling = Sibling::new(root.path());
    let work = root.path().join("work");
    write(&work.join("ro.jsonnet"), UNFORMATTED);
    set_mode(&work.join("ro.jsonnet"), 0o444);
    let output = fmt_in(&work, &["-i", "ro.jsonnet"], "");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Root may write any file, so jsonnetfmt would, and so does kcfg.
        assert_eq!(output.status.code(), Some(0), "{}", report(&output));
        assert_eq!(read(&work.join("ro.jsonnet")), FORMATTED);
    } else {
        insta::assert_snapshot!(report(&output), @r"
        exit Some(1)
        --- stdout
        --- stderr
        Writing to output file: ro.jsonnet: Permission denied
        ");
        assert_eq!(read(&work.join("ro.jsonnet")), UNFORMATTED);
    }
    assert_eq!(mode(&work.join("ro.jsonnet")), 0o444);
    sibling.assert_unchanged();
}

#[test]
fn issue14_files_that_do_not_parse_are_reported_and_never_written() {
    let root = tempfile::tempdir().expect("temp dir");
    let sibling = Sibling::new(root.path());
    let work = root.path().join("work");
    let broken = "{a: 1 b: 2}\n";
    write(&work.join("a_broken.jsonnet"), broken);
    write(&work.join("b_messy.jsonnet"), UNFORMATTED);
    write(&work.join("c_missing_brace.libsonnet"), "{\n  a: [1,\n");
    let output = fmt_in(
        &work,
        &[
            "-i",
            "a_broken.jsonnet",
            "b_messy.jsonnet",
            "c_missing_brace.libsonnet",
            "nope.jsonnet",
        ],
        "",
    );
    // The reference's messages; the file that formats is still formatted.
    insta::assert_snapshot!(report(&output), @r"
    exit Some(1)
    --- stdout
    b_messy.jsonnet
    --- stderr
    STATIC ERROR: a_broken.jsonnet:1:7: expected a comma before next field.
    STATIC ERROR: c_missing_brace.libsonnet:3:1: unexpected end of file.
    Opening input file: nope.jsonnet: No such file or directory
    ");
    assert_eq!(read(&work.join("a_broken.jsonnet")), broken);
    assert_eq!(
        read(&work.join("c_missing_brace.libsonnet")),
        "{\n  a: [1,\n"
    );
    assert_eq!(read(&work.join("b_messy.jsonnet")), FORMATTED);
    assert!(!work.join("nope.jsonnet").exists());

    // --test and a single file: exit 1 as well, nothing written.
    let output = fmt_in(&work, &["--test", "a_broken.jsonnet"], "");
    assert_eq!(output.status.code(), Some(1));
    let output = fmt_in(&work, &["a_broken.jsonnet", "-o", "out.jsonnet"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(!work.join("out.jsonnet").exists());
    assert_eq!(read(&work.join("a_broken.jsonnet")), broken);
    sibling.assert_unchanged();
}

#[test]
fn issue14_in_place_refuses_to_drop_text_after_a_nul_byte() {
    let root = tempfile::tempdir().expect("temp dir");
    let sibling = Sibling::new(root.path());
    let work = root.path().join("work");
    let with_nul = "{a:1}\0 trailing bytes the lexer never reads";
    write(&work.join("nul.jsonnet"), with_nul);
    let output = fmt_in(&work, &["-i", "nul.jsonnet"], "");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(1)
    --- stdout
    --- stderr
    ERROR: nul.jsonnet: contains a NUL byte; the formatter reads only up to it, so the file is not rewritten
    ");
    assert_eq!(read(&work.join("nul.jsonnet")), with_nul);
    sibling.assert_unchanged();
}

#[test]
fn issue14_in_place_rejects_stdin_and_code() {
    let root = tempfile::tempdir().expect("temp dir");
    let output = fmt_in(root.path(), &["-i", "-"], UNFORMATTED);
    insta::assert_snapshot!(report(&output), @r"
    exit Some(1)
    --- stdout
    --- stderr
    ERROR: cannot use --in-place with stdin
    ");
    let output = fmt_in(root.path(), &["-i", "-e", "{}"], "");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(1)
    --- stdout
    --- stderr
    ERROR: cannot use --in-place with --exec
    ");
}

// ----- directories ---------------------------------------------------------

/// A tree with sources, other files, vendored and hidden directories and
/// links.
fn tree(work: &Path) {
    write(&work.join("main.kcfg"), UNFORMATTED);
    write(&work.join("formatted.jsonnet"), FORMATTED);
    write(&work.join("lib/b.libsonnet"), UNFORMATTED);
    write(&work.join("lib/a.jsonnet"), UNFORMATTED);
    write(&work.join("lib/deep/c.kcfg"), UNFORMATTED);
    write(&work.join("lib/notes.txt"), UNFORMATTED);
    write(&work.join("lib/data.json"), UNFORMATTED);
    write(&work.join("vendor/dep/x.libsonnet"), UNFORMATTED);
    write(&work.join("lib/vendor/y.jsonnet"), UNFORMATTED);
    write(&work.join(".cache/z.jsonnet"), UNFORMATTED);
    write(&work.join("vendors/v.jsonnet"), UNFORMATTED);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("lib", work.join("lib_link")).expect("link");
        std::os::unix::fs::symlink("main.kcfg", work.join("main_link.kcfg")).expect("link");
    }
}

#[test]
fn issue14_directories_are_walked_skipping_vendor_hidden_and_links() {
    let root = tempfile::tempdir().expect("temp dir");
    let sibling = Sibling::new(root.path());
    let work = root.path().join("work");
    tree(&work);
    let before = snapshot(&work);
    let output = fmt_in(&work, &["--test", "."], "");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(2)
    --- stdout
    ./lib/a.jsonnet
    ./lib/b.libsonnet
    ./lib/deep/c.kcfg
    ./main.kcfg
    ./vendors/v.jsonnet
    --- stderr
    ");
    assert_eq!(snapshot(&work), before, "--test writes nothing");

    // Named explicitly, vendored and hidden directories are formatted.
    let output = fmt_in(&work, &["--test", "vendor", ".cache", "lib/vendor"], "");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(2)
    --- stdout
    vendor/dep/x.libsonnet
    .cache/z.jsonnet
    lib/vendor/y.jsonnet
    --- stderr
    ");

    let output = fmt_in(&work, &["-i", "lib"], "");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(0)
    --- stdout
    lib/a.jsonnet
    lib/b.libsonnet
    lib/deep/c.kcfg
    --- stderr
    ");
    for file in ["lib/a.jsonnet", "lib/b.libsonnet", "lib/deep/c.kcfg"] {
        assert_eq!(read(&work.join(file)), FORMATTED, "{file}");
    }
    for file in [
        "lib/notes.txt",
        "lib/data.json",
        "lib/vendor/y.jsonnet",
        "main.kcfg",
    ] {
        assert_eq!(read(&work.join(file)), UNFORMATTED, "{file}");
    }
    let output = fmt_in(&work, &["--test", "lib", "formatted.jsonnet"], "");
    assert_eq!(report(&output), "exit Some(0)\n--- stdout\n--- stderr\n");
    sibling.assert_unchanged();
}

#[test]
fn issue14_a_directory_needs_a_per_file_mode() {
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(root.path().join("lib")).expect("dir");
    let output = fmt_in(root.path(), &["lib"], "");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(1)
    --- stdout
    --- stderr
    ERROR: lib is a directory: give -i, --test or --check to format the files under it
    ");
}

#[test]
fn issue14_many_files_in_parallel_are_reported_in_order() {
    let root = tempfile::tempdir().expect("temp dir");
    let sibling = Sibling::new(root.path());
    let work = root.path().join("work");
    let mut expected = String::new();
    for index in 0..200 {
        let name = format!("f{index:03}.jsonnet");
        if index % 3 == 0 {
            write(&work.join(&name), FORMATTED);
        } else {
            write(&work.join(&name), UNFORMATTED);
            expected.push_str(&format!("./{name}\n"));
        }
    }
    let output = fmt_in(&work, &["-i", "."], "");
    assert_eq!(output.status.code(), Some(0), "{}", report(&output));
    assert_eq!(text(&output.stdout), expected);
    for index in 0..200 {
        assert_eq!(read(&work.join(format!("f{index:03}.jsonnet"))), FORMATTED);
    }
    assert_eq!(names_in(&work).len(), 200, "no temporary files left");
    sibling.assert_unchanged();
}

// ----- --check -------------------------------------------------------------

#[test]
fn issue14_check_prints_a_diff_per_file() {
    let root = tempfile::tempdir().expect("temp dir");
    let sibling = Sibling::new(root.path());
    let work = root.path().join("work");
    write(&work.join("formatted.jsonnet"), FORMATTED);
    write(&work.join("lib/messy.libsonnet"), UNFORMATTED);
    write(
        &work.join("lib/imports.jsonnet"),
        "local b = import 'b.libsonnet';\nlocal a = import \"a.libsonnet\";\n\n\n\n{ x: a + b }\n",
    );
    let before = snapshot(&work);
    let output = fmt_in(&work, &["--check", "."], "");
    insta::assert_snapshot!(report(&output), @r#"
    exit Some(2)
    --- stdout
    --- ./lib/imports.jsonnet
    +++ ./lib/imports.jsonnet (formatted)
    @@ -1,6 +1,5 @@
    +local a = import 'a.libsonnet';
     local b = import 'b.libsonnet';
    -local a = import "a.libsonnet";
    -
     
     
     { x: a + b }
    --- ./lib/messy.libsonnet
    +++ ./lib/messy.libsonnet (formatted)
    @@ -1,2 +1,4 @@
    -{a:1,
    -"b":[1,2]}
    \ No newline at end of file
    +{
    +  a: 1,
    +  b: [1, 2],
    +}
    --- stderr
    kcfg fmt: 3 files checked, 2 not formatted
    kcfg fmt: run `kcfg fmt -i` on them to format them
    "#);
    assert_eq!(snapshot(&work), before, "--check writes nothing");

    let output = fmt_in(&work, &["--check", "formatted.jsonnet"], "");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(0)
    --- stdout
    --- stderr
    kcfg fmt: 1 file checked, all formatted
    ");

    // Standard input and code are compared as well.
    let output = fmt_in(&work, &["--check", "-"], "[1,2]");
    insta::assert_snapshot!(report(&output), @r"
    exit Some(2)
    --- stdout
    --- <stdin>
    +++ <stdin> (formatted)
    @@ -1 +1 @@
    -[1,2]
    \ No newline at end of file
    +[1, 2]
    --- stderr
    kcfg fmt: 1 file checked, 1 not formatted
    kcfg fmt: run `kcfg fmt -i` on them to format them
    ");

    // With -i, the files are rewritten and the diffs show what changed.
    let output = fmt_in(
        &work,
        &["--check", "-i", "lib/messy.libsonnet", "formatted.jsonnet"],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).ends_with("2 files checked, 1 reformatted\n"));
    assert_eq!(read(&work.join("lib/messy.libsonnet")), FORMATTED);

    // A broken file fails the check with exit 1.
    write(&work.join("broken.jsonnet"), "{");
    let output = fmt_in(
        &work,
        &["--check", "broken.jsonnet", "formatted.jsonnet"],
        "",
    );
    insta::assert_snapshot!(report(&output), @r"
    exit Some(1)
    --- stdout
    --- stderr
    STATIC ERROR: broken.jsonnet:1:2: unexpected: end of file while parsing field definition
    kcfg fmt: 2 files checked, 1 failed
    ");
    sibling.assert_unchanged();
}

#[test]
fn issue14_check_colors_on_request() {
    let root = tempfile::tempdir().expect("temp dir");
    let output = fmt_in(
        root.path(),
        &["--check", "--color", "always", "-e", "[1,2]"],
        "",
    );
    let stdout = text(&output.stdout);
    assert!(stdout.contains("\x1b[31m-[1,2]\x1b[0m"), "{stdout:?}");
    assert!(stdout.contains("\x1b[32m+[1, 2]\x1b[0m"), "{stdout:?}");
    let output = fmt_in(
        root.path(),
        &["--check", "--color", "never", "-e", "[1,2]"],
        "",
    );
    assert!(!text(&output.stdout).contains('\x1b'));
}

// ----- options and bad flags -----------------------------------------------

#[test]
fn issue14_options_reach_the_formatter() {
    let root = tempfile::tempdir().expect("temp dir");
    let code = "{\"a\": [1, 'x'], # c\n}";
    let output = fmt_in(root.path(), &["-e", code], "");
    insta::assert_snapshot!(text(&output.stdout), @r"
    {
      a: [1, 'x'],  // c
    }
    ");
    let output = fmt_in(
        root.path(),
        &[
            "-n",
            "4",
            "--string-style",
            "d",
            "--comment-style",
            "h",
            "--pad-arrays",
            "--no-pad-objects",
            "--no-pretty-field-names",
            "-e",
            code,
        ],
        "",
    );
    insta::assert_snapshot!(text(&output.stdout), @r#"
    {
        "a": [ 1, "x" ],  # c
    }
    "#);
    let output = fmt_in(
        root.path(),
        &["--no-use-implicit-plus", "-e", "a + {b: 1}"],
        "",
    );
    assert_eq!(text(&output.stdout), "a + { b: 1 }\n");
    let output = fmt_in(root.path(), &["-e", "a + {b: 1}"], "");
    assert_eq!(text(&output.stdout), "a { b: 1 }\n");
}

#[test]
fn issue14_bad_flags_are_usage_errors() {
    let root = tempfile::tempdir().expect("temp dir");
    let mut all = String::new();
    for args in [
        &["--string-style", "x", "f.jsonnet"][..],
        &["--comment-style"],
        &["-n", "two", "f.jsonnet"],
        &["--max-blank-lines", "-1", "f.jsonnet"],
        &["--frobnicate", "f.jsonnet"],
        &["--color", "sometimes", "f.jsonnet"],
        &["--debug-desugaring", "f.jsonnet"],
        &["a.jsonnet", "b.jsonnet"],
        &["-e", "1", "2"],
    ] {
        let output = fmt_in(root.path(), args, "");
        all.push_str(&format!(
            "$ kcfg fmt {}\n{}",
            args.join(" "),
            report(&output)
        ));
    }
    insta::assert_snapshot!(all);
}

// ----- the repository round trip -------------------------------------------

/// Every `.kcfg`, `.jsonnet` and `.libsonnet` file under `dir`, skipping
/// hidden directories and build output.
fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.starts_with('.') && name != "target" {
                source_files(&path, out);
            }
        } else if kind.is_file()
            && [".kcfg", ".jsonnet", ".libsonnet"]
                .iter()
                .any(|ext| name.ends_with(ext))
        {
            out.push(path);
        }
    }
}

/// Copies the repository's files (not `target/` or hidden directories).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("directory");
    for entry in std::fs::read_dir(from).expect("readable").flatten() {
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name_text.starts_with('.') && name_text != "target" {
                copy_tree(&entry.path(), &to.join(&name));
            }
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).expect("copy");
        }
    }
}

/// What `kcfg eval` made of a file.
#[derive(Debug, PartialEq, Eq)]
enum Evaluation {
    /// Its output.
    Value(Vec<u8>),
    /// The first line of its error, positions left out (formatting moves
    /// code, so `f.jsonnet:3:5` may become `f.jsonnet:4:7`).
    Error(String),
    /// It did not finish within a minute.
    Timeout,
    /// Not evaluated: a fuzz reproducer (see [`evaluated`]).
    Skipped,
}

/// Whether the round trip evaluates `path`: not the fuzz corpus, whose
/// reproducers are built to run out of time or memory (they are still
/// formatted, and `cli/tests/fuzz_regressions.rs` evaluates them).
fn evaluated(path: &Path) -> bool {
    !path
        .to_string_lossy()
        .replace('\\', "/")
        .contains("/fuzz/corpus/")
}

/// `kcfg eval` of a file, with the external variables the reference suite
/// uses.
fn evaluate(path: &Path) -> Evaluation {
    let mut child = Command::new(kcfg())
        .env("KCFG_CACHE_DIR", "off")
        .args([
            "eval",
            "--ext-str",
            "var1=test",
            "--ext-code",
            "var2={x:1,y:2}",
        ])
        .arg(path)
        .current_dir(path.parent().expect("a file has a directory"))
        .env_remove("JSONNET_PATH")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kcfg runs");
    let read_all = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("stdout")));
    let stderr = read_all(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status,
            None if start.elapsed() < Duration::from_secs(60) => {
                std::thread::sleep(Duration::from_millis(5));
            }
            None => {
                let _ = child.kill();
                let _ = child.wait();
                return Evaluation::Timeout;
            }
        }
    };
    let stdout = stdout.join().expect("stdout read");
    let stderr = text(&stderr.join().expect("stderr read"));
    if status.success() {
        return Evaluation::Value(stdout);
    }
    let positions = regex::Regex::new(r"\(?\d+:\d+\)?(-\(?\d+(:\d+)?\)?)?").expect("regex");
    let first = stderr.lines().next().unwrap_or_default();
    Evaluation::Error(positions.replace_all(first, "L:C").into_owned())
}

fn summary(evaluation: &Evaluation) -> String {
    match evaluation {
        Evaluation::Value(bytes) => format!("a value of {} bytes", bytes.len()),
        Evaluation::Error(line) => line.clone(),
        Evaluation::Timeout => "no result within a minute".into(),
        Evaluation::Skipped => "not evaluated".into(),
    }
}

/// Runs `work` on every item on a few threads; results in item order.
fn parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(index) else {
                    break;
                };
                let result = work(item);
                results.lock().expect("results")[index] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .expect("results")
        .into_iter()
        .map(|result| result.expect("every item ran"))
        .collect()
}

/// Files whose value formatting changes, exactly as jsonnetfmt 0.22's
/// formatting changes it: their text blocks have CRLF line ends, which
/// the reference's lexer keeps in the string's value and its unparser
/// writes back as plain line feeds, so `"…\r\n"` becomes `"…\n"`. kcfg
/// prints the reference's bytes here, so it inherits the change. A file
/// listed here that evaluates the same fails the test (the list may only
/// shrink).
const CHANGED_LIKE_THE_REFERENCE: [&str; 3] = [
    "conformance/jsonnet/dos_line_endings.jsonnet",
    "lang/tests/syntax/reference/dos_line_endings.jsonnet",
    "lang/tests/syntax/trees/text_block_crlf.jsonnet",
];

/// Every source file of the repository, formatted by the binary: files
/// that evaluate on their own evaluate to the same bytes after formatting
/// (with every other file formatted too, so imports are formatted as
/// well), and `kcfg fmt --test` passes on the outputs (formatting them
/// again changes nothing).
#[test]
fn issue14_repository_round_trip_through_the_binary() {
    let repo = repo_root();
    let root = tempfile::tempdir().expect("temp dir");
    let copy = root.path().join("repo");
    copy_tree(&repo, &copy);
    let mut files = Vec::new();
    source_files(&copy, &mut files);
    files.sort();
    assert!(
        files.len() >= 900,
        "only {} source files found",
        files.len()
    );

    let evaluate = |path: &PathBuf| {
        if evaluated(path) {
            evaluate(path)
        } else {
            Evaluation::Skipped
        }
    };
    let before = parallel(&files, evaluate);
    let formatted = parallel(&files, |path| {
        let output = Command::new(kcfg())
            .env("KCFG_CACHE_DIR", "off")
            .arg("fmt")
            .arg(path)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("kcfg runs");
        let stderr = text(&output.stderr);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
        match output.status.code() {
            Some(0) => Some(output.stdout),
            Some(1) if stderr.starts_with("STATIC ERROR: ") => None,
            other => panic!("{}: exit {other:?}: {stderr}", path.display()),
        }
    });
    let mut outputs = Vec::new();
    for (path, output) in files.iter().zip(&formatted) {
        if let Some(output) = output {
            std::fs::write(path, output).expect("formatted file written");
            outputs.push(path.clone());
        }
    }
    let after = parallel(&files, evaluate);

    let mut problems = Vec::new();
    let (mut same_value, mut same_error) = (0, 0);
    for ((path, before), after) in files.iter().zip(&before).zip(&after) {
        let shown = path
            .strip_prefix(&copy)
            .unwrap_or(path)
            .display()
            .to_string();
        let listed = CHANGED_LIKE_THE_REFERENCE.contains(&shown.as_str());
        match (before, after) {
            (Evaluation::Timeout | Evaluation::Skipped, _) => {}
            _ if before == after && listed => problems.push(format!(
                "{shown}: evaluates the same now; remove it from CHANGED_LIKE_THE_REFERENCE"
            )),
            (Evaluation::Value(_), _) if before == after => same_value += 1,
            (Evaluation::Error(_), _) if before == after => same_error += 1,
            _ if listed => {}
            _ => problems.push(format!(
                "{shown}: evaluates differently after formatting\n  before: {}\n  after:  {}",
                summary(before),
                summary(after)
            )),
        }
    }
    // Idempotent: the outputs are formatted (one run over all of them).
    let output = Command::new(kcfg())
        .env("KCFG_CACHE_DIR", "off")
        .args(["fmt", "--test"])
        .args(&outputs)
        .output()
        .expect("kcfg runs");
    if output.status.code() != Some(0) {
        problems.push(format!(
            "kcfg fmt --test on the outputs: exit {:?}\n{}{}",
            output.status.code(),
            text(&output.stdout),
            text(&output.stderr)
        ));
    }
    eprintln!(
        "round trip: {} files, {} formatted; the same value before and after: {same_value}, \
         the same error: {same_error}",
        files.len(),
        outputs.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        outputs.len() >= 900,
        "only {} files formatted",
        outputs.len()
    );
    assert!(same_value >= 250, "only {same_value} files evaluated");
    assert!(
        same_error >= 500,
        "only {same_error} files failed the same way"
    );
}
