//! First lines of errors against the reference's, recorded as goldens by
//! `syntax/update_goldens.py` (shared by `syntax.rs` and `diagnostics.rs`).

use std::path::Path;

/// For every `dir/NAME.jsonnet`, compares `actual(NAME.jsonnet, text)` with
/// the line in `NAME.jsonnet.override` (where kcfg knowingly differs) or
/// else `NAME.jsonnet.golden`. Panics listing every mismatch; returns how
/// many cases it checked.
pub fn check_first_lines(dir: &Path, actual: impl Fn(&str, &str) -> String) -> usize {
    let read = |path: &Path| {
        std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
    };
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|ext| ext != "jsonnet") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expected_path = ["override", "golden"]
            .iter()
            .map(|ext| dir.join(format!("{name}.{ext}")))
            .find(|path| path.exists())
            .unwrap_or_else(|| panic!("{name}: no .golden (run update_goldens.py)"));
        let expected = read(&expected_path).trim_end_matches('\n').to_string();
        let actual = actual(&name, &read(&path));
        if actual != expected {
            mismatches.push(format!(
                "{name}\n  expected: {expected}\n  actual:   {actual}"
            ));
        }
        checked += 1;
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    checked
}
