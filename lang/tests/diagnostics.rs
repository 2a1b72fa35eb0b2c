//! Snapshot tests of rendered diagnostics: every `diagnostics/*.jsonnet`
//! is analyzed and evaluated, and the plain rendering of its errors (the
//! reference's text) plus their notes is snapshotted. See
//! `tests/syntax/README.md` for reviewing snapshots with `cargo insta`.

use std::sync::Arc;

use kcfg_lang::eval::{Arena, Ctx, EvalConfig};
use kcfg_lang::program::{NoImports, Program, Std};
use kcfg_lang::span::SourceName;

fn render(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).expect("readable case");
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("case")
        .to_string();
    let mut std = Std::default();
    std.builtins.extend(kcfg_lang::eval::core::CORE.iter());
    let program = Program::new(Arc::new(NoImports), std);
    let diags = match program.snippet(SourceName::Virtual(name), &text) {
        Err(diags) => diags,
        Ok(code) => {
            let arena = Arena::new();
            let config = EvalConfig::default();
            let mut ctx = Ctx::new(&arena, &program, &config);
            let result = ctx
                .eval_code(code)
                .and_then(|value| kcfg_lang::manifest::json::to_pretty(&mut ctx, value));
            match result {
                Ok(json) => return format!("(no error)\n{json}\n"),
                Err(err) => vec![err.into_diagnostic()],
            }
        }
    };
    let mut out = String::new();
    for diag in diags {
        out.push_str(&format!("[{}]\n", diag.code));
        out.push_str(&diag.render_plain(program.sources(), 20));
        for note in &diag.notes {
            out.push_str(&format!("note: {note}\n"));
        }
    }
    out
}

#[test]
fn diagnostics() {
    insta::glob!("diagnostics/*.jsonnet", |path| {
        insta::assert_snapshot!(render(path));
    });
}

/// `static_errors/NAME.jsonnet` fails the static checks (parsing or
/// analysis) with the reference's first line, recorded in `NAME.jsonnet.golden`
/// by `syntax/update_goldens.py --dir static_errors`.
#[test]
fn static_errors_match_the_reference() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/static_errors");
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/static_errors") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|ext| ext != "jsonnet") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let golden = dir.join(format!("{name}.golden"));
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|err| panic!("{}: {err}", golden.display()));
        let text = std::fs::read_to_string(&path).expect("readable case");
        let program = Program::new(Arc::new(NoImports), Std::default());
        let actual = match program.snippet(SourceName::Virtual(name.clone()), &text) {
            Ok(_) => "OK".to_string(),
            Err(diags) => diags[0].first_line(program.sources()),
        };
        if actual != expected.trim_end_matches('\n') {
            mismatches.push(format!(
                "{name}\n  expected: {expected}  actual:   {actual}"
            ));
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} cases");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
