//! Health rules, driven by the fixtures in `tests/fixtures/health/`.
//!
//! Each fixture is one object whose header comments say what kcfg must
//! answer (`# expect: STATUS`, optionally `# message: TEXT`), which group
//! mapping applies (`# groups: FROM=TO`), and where the case comes from
//! (`# from: ...`, mostly Argo CD's own health test data, condensed). A case
//! where kcfg answers differently from Argo CD on purpose says so in a
//! `# divergence:` line. To add a case, add a file; nothing else changes.

use std::fs;
use std::path::Path;

use kcfg_apply::health::health_of;
use kcfg_apply::object::GroupMap;

fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| {
            line.strip_prefix('#')?
                .trim()
                .strip_prefix(key)?
                .strip_prefix(':')
                .map(str::trim)
        })
}

#[test]
fn argo_cd_health_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/health");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut table = String::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy();
        let expect =
            header(&text, "expect").unwrap_or_else(|| panic!("{name}: no '# expect:' header"));
        assert!(
            header(&text, "from").is_some(),
            "{name}: no '# from:' header"
        );
        let mut groups = GroupMap::new();
        if let Some(rule) = header(&text, "groups") {
            groups.parse_rule(rule).unwrap();
        }
        let obj: serde_json::Value = serde_norway::from_str(&text).unwrap();
        let health = health_of(&obj, &groups);
        table.push_str(&format!("{name}: {} {}\n", health.status, health.message));
        if health.status.to_string() != expect {
            failures.push(format!(
                "{name}: expected {expect}, got {} ({})",
                health.status, health.message
            ));
        }
        if let Some(message) = header(&text, "message") {
            let message = message.trim_matches(|c| c == '"' || c == '\'');
            if health.message != message {
                failures.push(format!(
                    "{name}: expected message {message:?}, got {:?}",
                    health.message
                ));
            }
        }
    }
    assert!(files.len() >= 30, "fixtures missing: {}", files.len());
    assert!(
        failures.is_empty(),
        "{}\n\nall results:\n{table}",
        failures.join("\n")
    );
}
