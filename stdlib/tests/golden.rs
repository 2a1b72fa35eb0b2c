//! Golden tests of the standard library against C++ jsonnet 0.22.
//!
//! Every `tests/cases/**/NAME.jsonnet` is evaluated; its output must equal
//! `NAME.golden` byte for byte: the program's JSON output (three-space
//! indentation, final newline), or for a program that fails, the first line
//! of the error (`RUNTIME ERROR: …`). The goldens were recorded with the
//! reference implementation (`tests/record.py`); where kcfg deliberately
//! differs, the case says so in a comment and the golden holds kcfg's
//! output. See `tests/README.md`.
// Tests read their cases from disk; the crate itself may not (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kcfg_lang::eval::{Arena, Ctx, EvalConfig};
use kcfg_lang::program::{MapImporter, Program};
use kcfg_lang::span::SourceName;

fn evaluate(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("case is readable");
    let program = Program::new(Arc::new(MapImporter::new()), kcfg_stdlib::std());
    let config = EvalConfig::default();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("case")
        .to_string();
    let code = match program.snippet(SourceName::Virtual(name), &text) {
        Ok(code) => code,
        Err(diags) => return diags[0].first_line(program.sources()) + "\n",
    };
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, &program, &config);
    let result = ctx
        .eval_code(code)
        .and_then(|value| kcfg_lang::manifest::json::to_pretty(&mut ctx, value));
    match result {
        Ok(json) => json + "\n",
        Err(err) => err.diagnostic().first_line(program.sources()) + "\n",
    }
}

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            cases(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "jsonnet") {
            out.push(path);
        }
    }
}

#[test]
fn std_goldens() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut all = Vec::new();
    cases(&root, &mut all);
    all.sort();
    let mut failures = Vec::new();
    for case in &all {
        let golden_path = case.with_extension("golden");
        let expected = std::fs::read_to_string(&golden_path)
            .unwrap_or_else(|_| panic!("missing {}", golden_path.display()));
        let actual = evaluate(case);
        if actual != expected {
            failures.push(format!(
                "{}\n--- expected\n{}--- actual\n{}",
                case.strip_prefix(&root).unwrap_or(case).display(),
                expected,
                actual
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} std cases differ:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
