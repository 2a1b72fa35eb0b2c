//! The recovering parse and the full analysis (issue 17): the trees of
//! half-typed files, and agreement with the strict parse on every input the
//! syntax tests have and on thousands of mutilated ones.
// Tests read their cases from disk; the crate itself may not (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod sexpr;
mod support;

use std::path::Path;

use kcfg_lang::span::{SourceMap, SourceName};
use kcfg_lang::syntax::{parse, parse_recovering};
use support::Rng;

/// The recovered tree of `text` and its errors' first lines.
fn check(text: &str) -> String {
    let sources = SourceMap::new();
    let file = sources.add(SourceName::Virtual("t.kcfg".into()), text);
    let (tree, errors) = parse_recovering(&file);
    let mut out = sexpr::tree(&file, &tree);
    for error in errors {
        out.push_str(&error.first_line(&sources));
        out.push('\n');
    }
    out
}

#[test]
fn issue17_half_typed_field_access() {
    insta::assert_snapshot!(check("local app = { a: 1 };\n{\n  x: app.\n}\n"));
}

#[test]
fn issue17_half_typed_local_before_another() {
    insta::assert_snapshot!(check("local a = app.\nlocal b = 2;\nb\n"));
}

#[test]
fn issue17_missing_brackets_and_commas() {
    insta::assert_snapshot!(check("{ a: [1 2, b: f(1,, c: (3 }"));
}

#[test]
fn issue17_unclosed_object_at_end_of_file() {
    insta::assert_snapshot!(check("{ a: { b: 1,\n  c: "));
}

#[test]
fn issue17_lexing_error_ends_the_file() {
    insta::assert_snapshot!(check("{ a: 1, b: \"open\n, c: 2 }"));
}

#[test]
fn issue17_analysis_keeps_results_and_uses() {
    let sources = SourceMap::new();
    let text = "local x = 1, f(p) = p + y; { a: x + f(2), b: self.a, c: $.b }";
    let file = sources.add(SourceName::Virtual("t.kcfg".into()), text);
    let tree = parse(&file).unwrap();
    let analysis = kcfg_lang::analyze::analyze_all(&tree, &file);
    let errors: Vec<String> = analysis
        .errors
        .iter()
        .map(|error| error.first_line(&sources))
        .collect();
    assert_eq!(errors, ["STATIC ERROR: t.kcfg:1:25: Unknown variable: y"]);
    let uses: Vec<String> = analysis
        .uses
        .iter()
        .map(|resolution| {
            let def = resolution
                .def
                .map_or("-".to_string(), |def| def.start.to_string());
            format!("{}@{}->{def}", resolution.name, resolution.use_span.start)
        })
        .collect();
    assert_eq!(uses, ["p@20->15", "y@24->-", "x@32->6", "f@36->13"]);
}

fn read_inputs() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut texts = Vec::new();
    for dir in [
        "syntax/reference",
        "syntax/errors",
        "syntax/trees",
        "static_errors",
    ] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "jsonnet"))
            .collect();
        paths.sort();
        for path in paths {
            if let Ok(text) = String::from_utf8(std::fs::read(&path).unwrap()) {
                texts.push(text);
            }
        }
    }
    texts
}

/// Where the strict parse succeeds, the recovering one gives the same tree
/// and no error; where it fails, the recovering one reports that error
/// among its own, first unless the strict one is a lexing error found after
/// the first syntax error (the reference lexes the whole file first) or a
/// bad escape (reported after every syntax error).
fn agree(text: &str) {
    let shown: String = text.chars().take(200).collect();
    let sources = SourceMap::new();
    let file = sources.add(SourceName::Virtual("t".into()), text);
    let (tree, errors) = parse_recovering(&file);
    match parse(&file) {
        Ok(strict) => {
            assert!(errors.is_empty(), "errors for a good file {shown:?}");
            assert_eq!(strict, tree, "another tree for {shown:?}");
        }
        Err(strict) => {
            let same = |error: &kcfg_lang::diag::Diagnostic| {
                error.span == strict.span && error.message == strict.message
            };
            assert!(
                errors.iter().any(same),
                "{shown:?}: {:?} not in {:?}",
                strict.message,
                errors.iter().map(|e| &e.message).collect::<Vec<_>>()
            );
            let later_lexing = strict
                .span
                .is_some_and(|s| errors[0].span.is_some_and(|f| f.start < s.start));
            assert!(
                same(&errors[0]) || later_lexing || strict.code.contains("escape"),
                "{shown:?}: first {:?}, strict {:?}",
                errors[0].message,
                strict.message
            );
        }
    }
}

#[test]
fn issue17_recovery_agrees_with_the_strict_parse() {
    let texts = read_inputs();
    let pieces = [
        "[",
        "]",
        "{",
        "}",
        "(",
        ")",
        ",",
        ";",
        ":",
        "::",
        "+:",
        ".",
        "=",
        "$",
        "\"",
        "'",
        "\n",
        "local ",
        "if ",
        "then ",
        "else ",
        "for ",
        "in ",
        "function",
        "super",
        "self",
        "import ",
        "assert ",
        "error ",
        "tailstrict",
        "x",
        "1",
        "-",
        "+",
        "!",
        "*",
        "é",
    ];
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut count = 0;
    for text in &texts {
        agree(text);
        for _ in 0..6 {
            let mut mutated = text.clone();
            for _ in 0..1 + rng.below(3) {
                let mut at = rng.below(mutated.len() + 1);
                while !mutated.is_char_boundary(at) {
                    at -= 1;
                }
                match rng.below(3) {
                    0 => mutated.truncate(at),
                    1 => mutated.insert_str(at, pieces[rng.below(pieces.len())]),
                    _ => {
                        let mut end = (at + 1 + rng.below(10)).min(mutated.len());
                        while !mutated.is_char_boundary(end) {
                            end += 1;
                        }
                        mutated.replace_range(at..end, "");
                    }
                }
            }
            agree(&mutated);
            count += 1;
        }
    }
    assert!(count > 2000, "only {count} inputs");
}
