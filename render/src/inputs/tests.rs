//! Unit tests of the input record.

use super::*;

const BUILD: &str = "kcfg test";

fn closure(files: &[(&str, &str)]) -> Closure {
    Closure {
        files: files
            .iter()
            .map(|(path, content)| (path.to_string(), file_digest(content.as_bytes())))
            .collect(),
        imports: vec![(
            Some("app".into()),
            "lib.libsonnet".into(),
            "lib/lib.libsonnet".into(),
        )],
    }
}

/// The target `edge-1/web` of `app/main.kcfg`, which policies see as
/// `info`.
fn web_target(info: serde_json::Value) -> Target {
    Target {
        name: "edge-1/web".into(),
        entry: "app/main.kcfg".into(),
        tlas: Vec::new(),
        ext_vars: Vec::new(),
        jpath: Vec::new(),
        namespace: None,
        output: Default::default(),
        info: crate::info::Info::new(info),
    }
}

fn inputs(params: &str) -> TargetInputs {
    TargetInputs {
        closure: String::new(),
        params: file_digest(params.as_bytes()),
        outputs: file_digest(b"out"),
        objects: 2,
        stamp: None,
        stamp_names: None,
        vouched: false,
    }
}

fn sample() -> Record {
    let mut record = Record::new(BUILD);
    let shared = closure(&[("app/main.kcfg", "main"), ("lib/lib.libsonnet", "lib")]);
    record.insert("edge-1/web".into(), inputs("1"), shared.clone());
    record.insert("edge-2/web".into(), inputs("2"), shared);
    record.insert(
        "edge-1/db".into(),
        inputs("3"),
        closure(&[("db/main.kcfg", "db")]),
    );
    record
}

/// `sample()` as JSON, changed by `edit`.
fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(&sample().to_bytes()).unwrap();
    edit(&mut json);
    serde_json::to_vec(&json).unwrap()
}

#[test]
fn issue18_a_record_reads_back_and_shares_closures() {
    let record = sample();
    assert_eq!(record.closures.len(), 2);
    assert_eq!(Record::parse(&record.to_bytes(), BUILD), Ok(record.clone()));
    let mut fewer = record.clone();
    fewer.retain(|name| name != "edge-1/db");
    assert_eq!(fewer.targets.len(), 2);
    assert_eq!(fewer.closures.len(), 1, "an unused closure goes");
    let mut merged = Record::new(BUILD);
    merged.absorb(fewer);
    merged.absorb(record.clone());
    assert_eq!(merged, record);
}

#[test]
fn issue18_records_that_cannot_be_used() {
    let first_target =
        |json: &mut serde_json::Value| -> serde_json::Map<String, serde_json::Value> {
            let targets = json["targets"].as_object_mut().unwrap();
            let (name, entry) = targets
                .iter()
                .next()
                .map(|(n, e)| (n.clone(), e.clone()))
                .unwrap();
            targets.remove(&name);
            entry.as_object().unwrap().clone()
        };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not JSON", b"{".to_vec(), "not a record"),
        (
            "a marker",
            b"# Written by kcfg\nweb\n".to_vec(),
            "not a record",
        ),
        (
            "another format",
            edited(|json| json["format"] = "kcfg-other".into()),
            "its format is not",
        ),
        (
            "another version",
            edited(|json| json["version"] = 1.into()),
            "another version of the format (1; this kcfg reads 2)",
        ),
        (
            "another build",
            edited(|json| json["build"] = "kcfg 0.0.1".into()),
            "written by another kcfg build (kcfg 0.0.1; this is kcfg test)",
        ),
        (
            "an unknown field",
            edited(|json| json["trust_me"] = true.into()),
            "unknown field `trust_me`",
        ),
        (
            "a target outside the output",
            edited(|json| {
                let entry = first_target(json);
                json["targets"]["../sacrificial"] = entry.into();
            }),
            "target \"../sacrificial\"",
        ),
        (
            "an absolute target",
            edited(|json| {
                let entry = first_target(json);
                json["targets"]["/etc"] = entry.into();
            }),
            "target \"/etc\"",
        ),
        (
            "a hidden target",
            edited(|json| {
                let entry = first_target(json);
                json["targets"][".git/hooks"] = entry.into();
            }),
            "target \".git/hooks\"",
        ),
        (
            "a short digest",
            edited(|json| json["targets"]["edge-1/web"]["outputs"] = "abc".into()),
            "is not a SHA-256 digest",
        ),
        (
            "an upper-case digest",
            edited(|json| {
                let digest = json["targets"]["edge-1/web"]["params"]
                    .as_str()
                    .unwrap()
                    .to_uppercase();
                json["targets"]["edge-1/web"]["params"] = digest.into();
            }),
            "is not a SHA-256 digest",
        ),
        (
            "a missing closure",
            edited(|json| json["targets"]["edge-1/web"]["closure"] = "0".repeat(64).into()),
            "which the record lacks",
        ),
        (
            "a closure that is not its digest",
            edited(|json| {
                let closures = json["closures"].as_object_mut().unwrap();
                for closure in closures.values_mut() {
                    closure["files"]["app/main.kcfg"] = file_digest(b"forged").into();
                }
            }),
            "is not what its digest says",
        ),
        (
            "a negative object count",
            edited(|json| json["targets"]["edge-1/web"]["objects"] = (-1).into()),
            "not a record",
        ),
    ];
    for (what, bytes, wanted) in cases {
        let err = Record::parse(&bytes, BUILD).expect_err(what);
        assert!(err.contains(wanted), "{what}: {err}");
    }
    // A target recorded twice (JSON allows it; a record never holds it).
    let text = String::from_utf8(sample().to_bytes()).unwrap();
    assert!(text.contains("\"edge-2/web\": {"));
    let twice = text.replace("\"edge-2/web\": {", "\"edge-1/web\": {");
    let err = Record::parse(twice.as_bytes(), BUILD).unwrap_err();
    assert!(err.contains("recorded twice"), "{err}");
}

#[test]
fn issue18_changed_targets_between_records() {
    let before = sample();
    let mut after = sample();
    // edge-2/web reads another version of the library; edge-1/db's
    // parameters change; edge-3/web is new; edge-1/web is the same.
    after.insert(
        "edge-2/web".into(),
        inputs("2"),
        closure(&[("app/main.kcfg", "main"), ("lib/lib.libsonnet", "lib v2")]),
    );
    after.insert(
        "edge-1/db".into(),
        inputs("3b"),
        closure(&[("db/main.kcfg", "db")]),
    );
    after.insert(
        "edge-3/web".into(),
        inputs("4"),
        closure(&[("app/main.kcfg", "main")]),
    );
    let changed: Vec<String> = before.changed(&after).into_iter().collect();
    assert_eq!(changed, ["edge-1/db", "edge-2/web", "edge-3/web"]);
    assert!(before.changed(&sample()).is_empty());
}

#[test]
fn issue18_files_must_be_named_by_the_plan_or_an_import() {
    let target = web_target(serde_json::Value::Null);
    let policies = [Policy::new("policies/p.kcfg".into())];
    let ok = closure(&[
        ("app/main.kcfg", ""),
        ("lib/lib.libsonnet", ""),
        ("policies/p.kcfg", ""),
    ]);
    assert!(ok.files_are_accounted_for(&target, &policies, &Spelling::new(None)));
    let hostile = closure(&[("app/main.kcfg", ""), ("/etc/shadow", "")]);
    assert!(!hostile.files_are_accounted_for(&target, &policies, &Spelling::new(None)));
}

#[test]
fn issue18_the_hydrator_command_is_a_parameter_of_the_hydrator_layout() {
    use crate::output::{FileName, Format};
    let target = web_target(serde_json::Value::Null);
    let output = |layout| Output {
        format: Format::Yaml,
        layout,
        file_name: FileName::default_for(Format::Yaml),
    };
    let digest = |layout, command| {
        params_digest(
            &target,
            &output(layout),
            &[],
            500,
            command,
            &Spelling::new(None),
        )
    };
    // hydrator.metadata and README.md show the command.
    assert_ne!(
        digest(Layout::Hydrator, Some("kcfg render --layout hydrator")),
        digest(
            Layout::Hydrator,
            Some("kcfg render --layout hydrator -J lib")
        ),
    );
    // Other layouts do not write it.
    assert_eq!(
        digest(Layout::Files, Some("kcfg render")),
        digest(Layout::Files, Some("kcfg render -J lib")),
    );
}

#[test]
fn issue18_digests_separate_paths_from_contents() {
    let one: Files = [("ab".to_string(), b"c".to_vec())].into();
    let two: Files = [("a".to_string(), b"bc".to_vec())].into();
    assert_ne!(files_digest(&one), files_digest(&two));
    // SHA-256 of "abc", as published in FIPS 180-2.
    assert_eq!(
        file_digest(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn issue18_cache_records_are_never_read_or_written_through_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let sacrificial = tmp.path().join("sacrificial");
    std::fs::write(&sacrificial, "keep").unwrap();
    let cache = tmp.path().join("cache");
    let path = cache_file(&cache, Path::new("/work/rendered"), None);
    assert!(
        matches!(read_cache(&path), Ok(None)),
        "no cache directory yet"
    );
    std::fs::create_dir(&cache).unwrap();
    // A link at the record's name, and at this process's temporary name.
    std::os::unix::fs::symlink(&sacrificial, &path).unwrap();
    let mut temp = path.clone().into_os_string();
    temp.push(format!(".{}.tmp", std::process::id()));
    std::os::unix::fs::symlink(&sacrificial, &temp).unwrap();
    let err = read_cache(&path).unwrap_err();
    assert!(err.contains("symbolic link"), "{err}");
    write_cache(&path, &sample()).unwrap();
    assert_eq!(std::fs::read_to_string(&sacrificial).unwrap(), "keep");
    assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
    assert!(
        std::fs::symlink_metadata(&temp).is_err(),
        "the temporary name is gone"
    );
    let bytes = read_cache(&path).unwrap().unwrap();
    assert_eq!(Record::parse(&bytes, BUILD), Ok(sample()));
}

#[test]
fn issue18_cache_files_are_per_output_and_shard() {
    let dir = Path::new("/cache");
    let a = cache_file(dir, Path::new("/work/a/rendered"), None);
    let b = cache_file(dir, Path::new("/work/b/rendered"), None);
    let shard = cache_file(
        dir,
        Path::new("/work/a/rendered"),
        Some(Shard { index: 1, count: 2 }),
    );
    assert_ne!(a, b);
    assert!(a.starts_with(dir) && a.to_str().unwrap().ends_with(".json"));
    assert!(shard.to_str().unwrap().ends_with("-shard-1-of-2.json"));
}

#[test]
fn issue18_what_policies_see_is_hashed_as_exactly_as_its_json() {
    use crate::output::{FileName, Format};
    let output = Output {
        format: Format::Yaml,
        layout: Layout::Files,
        file_name: FileName::default_for(Format::Yaml),
    };
    let digest = |info: &str| {
        let target = web_target(serde_json::from_str(info).unwrap());
        params_digest(&target, &output, &[], 500, None, &Spelling::new(None))
    };
    // Values whose JSON differs, however slightly, have digests that
    // differ; the same JSON has the same digest.
    let values = [
        r#"{"a":"bc"}"#,
        r#"{"ab":"c"}"#,
        r#"{"a":"b","c":1}"#,
        r#"{"c":1,"a":"b"}"#,
        r#"["a","b"]"#,
        r#"["ab"]"#,
        r#"[["a"],"b"]"#,
        "1",
        "1.0",
        "-1",
        "-0.0",
        "0.0",
        "1e300",
        r#""1""#,
        "true",
        "false",
        "null",
        "{}",
        "[]",
        r#""""#,
    ];
    let digests: BTreeSet<String> = values.iter().map(|value| digest(value)).collect();
    assert_eq!(digests.len(), values.len());
    assert_eq!(digest(r#"{"a":[1,2.5]}"#), digest(r#"{ "a" : [1, 2.5] }"#));
}

#[test]
fn issue18_parameter_digests_change_only_on_purpose() {
    use crate::output::{FileName, Format};
    // A record is never reused across builds, but a change of these bytes
    // must be a deliberate one. The last: what policies see enters by its
    // own digest (`Info`), which a kept plan holds.
    let target = Target {
        name: "edge-1/web".into(),
        entry: "apps/web/main.kcfg".into(),
        tlas: vec![
            (
                "cluster".into(),
                ExtValue::Code {
                    name: kcfg_lang::span::SourceName::Virtual("<tla:cluster>".into()),
                    text: r#"{"name":"edge-1","size":"large"}"#.into(),
                },
            ),
            ("wave".into(), ExtValue::Str("3".into())),
        ],
        ext_vars: vec![("region".into(), ExtValue::Str("eu-west".into()))],
        jpath: vec!["lib".into(), "vendor".into()],
        namespace: Some("web".into()),
        output: Default::default(),
        info: crate::info::Info::new(
            serde_json::json!({"cluster": {"name": "edge-1", "wave": 3, "ratio": 0.5}, "path": "apps/web", "tags": ["a", null, true]}),
        ),
    };
    let output = Output {
        format: Format::Yaml,
        layout: Layout::Hydrator,
        file_name: FileName::default_for(Format::Yaml),
    };
    assert_eq!(
        params_digest(
            &target,
            &output,
            &[],
            500,
            Some("kcfg render --layout hydrator"),
            &Spelling::new(None),
        ),
        "264944ff6f4a5cd37150cf6afb2839806271aa7e52e4510b83a879a657f35397"
    );
}

#[test]
fn issue18_vouched_entries_are_dropped_for_checks_and_never_come_from_the_output() {
    let mut record = sample();
    record.targets.get_mut("edge-1/web").unwrap().vouched = true;
    // An output directory's record that says so was forged: forgotten.
    let mut output = record.clone();
    assert!(output.forget_stamps());
    assert!(output.targets.values().all(|t| !t.vouched));
    // A check leaves them out, with the closures only they used.
    let mut cache = record.clone();
    assert!(cache.drop_vouched());
    assert!(!cache.targets.contains_key("edge-1/web"));
    assert_eq!(cache.targets.len(), record.targets.len() - 1);
    assert!(!cache.drop_vouched());
    // The mark is kept through a write and a read.
    let read = Record::parse(&record.to_bytes(), BUILD).unwrap();
    assert!(read.targets["edge-1/web"].vouched);
    assert!(!read.targets["edge-2/web"].vouched);
}

#[test]
fn issue18_a_record_serialized_unstamped_is_the_record_with_its_stamps_forgotten() {
    let plain = sample();
    let mut stamped = plain.clone();
    stamped.output_stamp = Some(file_digest(b"stamp"));
    stamped.output_digest = Some(file_digest(b"digest"));
    for (index, target) in stamped.targets.values_mut().enumerate() {
        target.stamp = Some(file_digest(b"dir"));
        target.stamp_names = Some("a.yaml\nb.yaml".into());
        target.vouched = index % 2 == 0;
    }
    for record in [&plain, &stamped] {
        let mut forgotten = record.clone();
        forgotten.forget_stamps();
        assert_eq!(record.to_bytes_unstamped(), forgotten.to_bytes());
    }
    assert_eq!(plain.to_bytes_unstamped(), plain.to_bytes());
}
