//! Snapshot tests of rendered diagnostics: every `diagnostics/*.jsonnet`
//! is analyzed and evaluated, and the plain rendering of its errors (the
//! reference's text) plus their notes is snapshotted. See
//! `tests/syntax/README.md` for reviewing snapshots with `cargo insta`.
// Tests read their cases from disk; the crate itself may not (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::sync::Arc;

use kcfg_lang::eval::{Arena, Ctx, EvalConfig};
use kcfg_lang::program::{NoImports, Program, Std};
use kcfg_lang::span::SourceName;

#[path = "support/goldens.rs"]
mod goldens;

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
    let checked = goldens::check_first_lines(&dir, |name, text| {
        let program = Program::new(Arc::new(NoImports), Std::default());
        match program.snippet(SourceName::Virtual(name.to_string()), text) {
            Ok(_) => "OK".to_string(),
            Err(diags) => diags[0].first_line(program.sources()),
        }
    });
    assert!(checked >= 15, "only {checked} cases");
}

/// Issue 16: a `local` without `;` keeps the reference's first line (at
/// the end of the file), and kcfg's diagnostic labels the `local` itself
/// and says what is missing in a note (shown by the rich renderer only).
#[test]
fn issue16_a_local_without_semicolon_is_labelled() {
    let sources = kcfg_lang::span::SourceMap::new();
    let file = sources.add(
        SourceName::Virtual("f.jsonnet".into()),
        "{\n  a: local x = 1\n}\n",
    );
    let diag = kcfg_lang::syntax::parse(&file).expect_err("a syntax error");
    assert_eq!(
        diag.first_line(&sources),
        "STATIC ERROR: f.jsonnet:3:1: expected , or ; but got \"}\""
    );
    assert_eq!(diag.labels.len(), 1);
    assert_eq!(diag.labels[0].span.range(), 7..12);
    assert_eq!(&file.text[diag.labels[0].span.range()], "local");
    assert!(
        diag.notes[0]
            .starts_with("the `local` at f.jsonnet:2:6-11 needs `;` after the value of `x`"),
        "{:?}",
        diag.notes
    );
    assert_eq!(
        diag.render_plain(&sources, 20),
        "STATIC ERROR: f.jsonnet:3:1: expected , or ; but got \"}\"\n"
    );
}
