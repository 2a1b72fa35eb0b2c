use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::*;

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 24 * 3600)
}

fn set_modified(path: &Path, time: SystemTime) {
    // Read-only: a directory cannot be opened for writing.
    fs::File::open(path).unwrap().set_modified(time).unwrap();
}

fn modified(path: &Path) -> SystemTime {
    fs::symlink_metadata(path).unwrap().modified().unwrap()
}

/// A file `name` in `dir` last modified `ago` before `now`.
fn entry(dir: &Path, name: &str, now: SystemTime, ago: Duration) {
    fs::write(dir.join(name), name).unwrap();
    set_modified(&dir.join(name), now - ago);
}

/// A temporary directory with an empty cache and a sacrificial sibling,
/// and the time now.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf, SystemTime) {
    let temp = tempfile::tempdir().unwrap();
    let cache = temp.path().join("cache");
    let sacrificial = temp.path().join("sacrificial");
    fs::create_dir_all(&cache).unwrap();
    fs::create_dir_all(&sacrificial).unwrap();
    (temp, cache, sacrificial, SystemTime::now())
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn issue18_entry_names_are_exactly_kcfgs() {
    for name in [
        format!("kcfg-plan-{KEY}.json"),
        format!("kcfg-inputs-{KEY}.json"),
        format!("kcfg-inputs-{KEY}-shard-1-of-4.json"),
        format!("kcfg-plan-{KEY}.json.4242.tmp"),
        format!("kcfg-inputs-{KEY}-shard-0-of-2.json.7.tmp"),
        "trim.txt.12.tmp".to_string(),
    ] {
        assert!(is_entry_name(&name), "{name} is kcfg's");
    }
    for name in [
        "trim.txt".to_string(),
        "notes.json".to_string(),
        format!("kcfg-plan-{}.json", &KEY[..31]),
        format!("kcfg-plan-{}.json", KEY.to_uppercase()),
        format!("kcfg-plan-{KEY}.json.bak"),
        format!("kcfg-plan-{KEY}.json.x1.tmp"),
        format!("kcfg-plan-{KEY}.json..tmp"),
        format!("kcfg-inputs-{KEY}-shard-4-of-4.json"),
        format!("kcfg-inputs-{KEY}-other.json"),
        format!("kcfg-lock-{KEY}.json"),
        "other.1.tmp".to_string(),
    ] {
        assert!(!is_entry_name(&name), "{name} is not kcfg's");
    }
}

#[test]
fn issue18_trim_removes_only_old_kcfg_entries() {
    let (_temp, cache, sacrificial, now) = setup();
    let old_plan = format!("kcfg-plan-{KEY}.json");
    let old_tmp = format!("kcfg-inputs-{KEY}.json.99.tmp");
    let fresh_inputs = format!("kcfg-inputs-{KEY}.json");
    let linked = format!("kcfg-plan-{}.json", KEY.replace('0', "f"));
    let as_dir = format!("kcfg-inputs-{}.json", KEY.replace('1', "e"));
    entry(&cache, &old_plan, now, days(6));
    entry(&cache, &old_tmp, now, days(30));
    entry(&cache, &fresh_inputs, now, days(3));
    entry(&cache, "notes.txt", now, days(60));
    // A link named as an entry, to an old file outside: neither goes.
    entry(&sacrificial, "keep.json", now, days(60));
    symlink(sacrificial.join("keep.json"), cache.join(&linked)).unwrap();
    fs::create_dir(cache.join(&as_dir)).unwrap();
    set_modified(&cache.join(&as_dir), now - days(60));

    let trimmed = trim_if_due(&cache, now).unwrap().unwrap();
    assert_eq!(
        trimmed.removed,
        vec![OsString::from(&old_tmp), OsString::from(&old_plan)]
    );
    assert_eq!(
        names(&cache),
        vec![
            fresh_inputs.clone(),
            as_dir,
            linked.clone(),
            "notes.txt".to_string(),
            TRIM_STAMP.to_string()
        ]
    );
    assert!(fs::symlink_metadata(cache.join(&linked))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(names(&sacrificial), vec!["keep.json"]);
    assert_eq!(
        fs::read_to_string(sacrificial.join("keep.json")).unwrap(),
        "keep.json"
    );

    // Not again within a day, even with an old entry there.
    entry(&cache, &old_plan, now, days(6));
    assert_eq!(trim_if_due(&cache, now + days(1) / 2).unwrap(), None);
    assert!(cache.join(&old_plan).exists());
    // A day later it is due again.
    let later = now + days(1) + Duration::from_secs(1);
    let trimmed = trim_if_due(&cache, later).unwrap().unwrap();
    assert_eq!(trimmed.removed, vec![OsString::from(&old_plan)]);
    assert!(cache.join(&fresh_inputs).exists());
}

#[test]
fn issue18_trim_of_a_missing_directory_does_nothing() {
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("missing");
    assert_eq!(trim_if_due(&missing, SystemTime::now()).unwrap(), None);
    assert!(!missing.exists());
}

#[test]
fn issue18_trim_never_writes_its_stamp_through_a_link() {
    let temp = tempfile::tempdir().unwrap();
    let cache = temp.path().join("cache");
    let sacrificial = temp.path().join("sacrificial");
    fs::create_dir_all(&cache).unwrap();
    fs::create_dir_all(&sacrificial).unwrap();
    fs::write(sacrificial.join("victim"), "unchanged").unwrap();
    symlink(sacrificial.join("victim"), cache.join(TRIM_STAMP)).unwrap();
    let now = SystemTime::now();
    entry(&cache, &format!("kcfg-plan-{KEY}.json"), now, days(6));
    assert!(trim_if_due(&cache, now).is_err());
    assert_eq!(
        fs::read_to_string(sacrificial.join("victim")).unwrap(),
        "unchanged"
    );
    assert!(cache.join(format!("kcfg-plan-{KEY}.json")).exists());
}

#[test]
fn issue18_refresh_marks_an_entry_used_at_most_hourly() {
    let (_temp, cache, sacrificial, now) = setup();
    let old = format!("kcfg-plan-{KEY}.json");
    let recent = format!("kcfg-inputs-{KEY}.json");
    entry(&cache, &old, now, days(4));
    entry(&cache, &recent, now, Duration::from_secs(600));
    entry(&sacrificial, "target", now, days(9));
    symlink(sacrificial.join("target"), cache.join("link")).unwrap();
    let dir = Dir::open(&cache, false).unwrap().unwrap();

    refresh(&dir, OsStr::new(&old), now);
    refresh(&dir, OsStr::new(&recent), now);
    refresh(&dir, OsStr::new("link"), now);
    refresh(&dir, OsStr::new("missing"), now);
    assert_eq!(modified(&cache.join(&old)), now);
    assert_eq!(
        modified(&cache.join(&recent)),
        now - Duration::from_secs(600)
    );
    assert_eq!(modified(&sacrificial.join("target")), now - days(9));
    // A used entry survives the trim.
    trim_if_due(&cache, now + days(2)).unwrap().unwrap();
    assert!(cache.join(&old).exists());
}
