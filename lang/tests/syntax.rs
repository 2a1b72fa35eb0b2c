//! Parser tests (see `syntax/README.md`):
//!
//! - `syntax/trees/*.jsonnet`: the tree of each input, as an S-expression
//!   snapshot.
//! - `syntax/errors/*.jsonnet`: the rendered error of each input, as a
//!   snapshot, and its first line against the reference's (`.golden`, or
//!   `.override` where kcfg knowingly differs).
//! - `syntax/reference/`: the reference test suite's inputs, which must
//!   parse, except the syntax errors, whose first line must match.
//! - Depth limits on inputs far deeper than any file, and random inputs,
//!   which must give a result, never a panic or a stack overflow.
// Tests read their cases from disk; the crate itself may not (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod sexpr;

use std::path::Path;

use kcfg_lang::span::{SourceMap, SourceName};
use kcfg_lang::syntax::parse;

mod support;
use support::Rng;
#[path = "support/goldens.rs"]
mod goldens;

/// Parses `text` as a file called `name`: the tree, or the rendered error.
fn check(name: &str, text: &str) -> String {
    let sources = SourceMap::new();
    let file = sources.add(SourceName::Virtual(name.to_string()), text);
    match parse(&file) {
        Ok(tree) => sexpr::tree(&file, &tree),
        Err(error) => error.render_plain(&sources, 0),
    }
}

/// The first line of the error for `text`, or `OK`.
fn first_line(name: &str, text: &str) -> String {
    let sources = SourceMap::new();
    let file = sources.add(SourceName::Virtual(name.to_string()), text);
    match parse(&file) {
        Ok(_) => "OK".to_string(),
        Err(error) => error.first_line(&sources),
    }
}

fn read(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    String::from_utf8(bytes).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn trees() {
    insta::glob!("syntax/trees/*.jsonnet", |path| {
        let output = check(&file_name(path), &read(path));
        assert!(
            !output.starts_with("STATIC ERROR"),
            "{}: {output}",
            path.display()
        );
        insta::assert_snapshot!(output);
    });
}

#[test]
fn errors() {
    insta::glob!("syntax/errors/*.jsonnet", |path| {
        let output = check(&file_name(path), &read(path));
        insta::assert_snapshot!(output);
    });
}

/// The goldens hold the reference's first line (`update_goldens.py`);
/// `.override` files hold kcfg's where it knowingly differs.
#[test]
fn errors_match_the_reference() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/syntax/errors");
    let checked = goldens::check_first_lines(&dir, first_line);
    assert!(checked > 100, "only {checked} cases");
}

/// Every input of the reference test suite parses, except its syntax
/// errors, which fail with the reference's first line.
#[test]
fn reference_suite() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/syntax/reference");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.extend(
        std::fs::read_dir(dir.join("lib"))
            .unwrap()
            .map(|entry| entry.unwrap().path()),
    );
    let mut parsed = 0;
    let mut mismatches = Vec::new();
    for path in paths {
        let name = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !(name.ends_with(".jsonnet") || name.ends_with(".libsonnet")) {
            continue;
        }
        let expected = if name.starts_with("error.parse.") {
            read(&dir.join(format!("{name}.golden")))
                .trim_end_matches('\n')
                .to_string()
        } else if name == "lib/syntax_error.jsonnet" {
            // `error.import_syntax-error.jsonnet` imports it.
            read(&dir.join("error.import_syntax-error.jsonnet.golden"))
                .trim_end_matches('\n')
                .to_string()
        } else {
            "OK".to_string()
        };
        let actual = first_line(&name, &read(&path));
        if actual != expected {
            mismatches.push(format!(
                "{name}\n  expected: {expected}\n  actual:   {actual}"
            ));
        }
        parsed += 1;
    }
    assert!(parsed > 180, "only {parsed} files");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Runs `f` on a thread with a small stack, as a language server or a
/// worker pool might: deep inputs must not overflow it.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// The reference stops at depth 1000 of its recursion; these are the
/// positions it reports (measured with C++ jsonnet 0.22).
#[test]
fn depth_limit() {
    let cases: Vec<(String, &str)> = vec![
        (format!("{}1{}", "[".repeat(499), "]".repeat(499)), "OK"),
        (
            format!("{}1{}", "[".repeat(500), "]".repeat(500)),
            "t:1:501:",
        ),
        (format!("{}{}", "[".repeat(500), "]".repeat(500)), "OK"),
        ("[".repeat(501), "t:1:501:"),
        ("(".repeat(600), "t:1:501:"),
        ("{a:".repeat(333), "t:1:1000:"),
        (format!("{}1{}", "{a:".repeat(332), "}".repeat(332)), "OK"),
        (format!("{}a", "local a = 1;\n".repeat(600)), "t:499:11:"),
        (
            format!("{}1", "if true then 1 else\n".repeat(600)),
            "t:500:4-8:",
        ),
        (format!("{}1", "-".repeat(600)), "t:1:501:"),
        (format!("{}1", "-".repeat(499)), "OK"),
        // Far deeper than any file: the error comes as quickly.
        ("[".repeat(100_000), "t:1:501:"),
        (format!("{}1", "-".repeat(1_000_000)), "t:1:501:"),
        ("[".repeat(10_000_000), "t:1:501:"),
        (format!("{}{}", "{a:[(".repeat(100_000), "1"), "t:1:"),
        // The rest of the file is still lexed: a lexing error wins.
        (
            format!("{}\"", "[".repeat(100_000)),
            "t:1:100001: unterminated string",
        ),
    ];
    for (text, expected) in cases {
        let start = std::time::Instant::now();
        let preview: String = text.chars().take(30).collect();
        let len = text.len();
        let actual = on_small_stack(move || first_line("t", &text));
        if expected == "OK" {
            assert_eq!(actual, "OK", "{preview}… ({len} bytes)");
        } else {
            assert!(
                actual.starts_with(&format!("STATIC ERROR: {expected}")),
                "{preview}… ({len} bytes): {actual}"
            );
            if !expected.contains("unterminated") {
                assert!(
                    actual.ends_with("Exceeded maximum parse depth limit."),
                    "{actual}"
                );
            }
        }
        assert!(
            start.elapsed().as_secs() < 20,
            "{preview}… took {:?}",
            start.elapsed()
        );
    }
}

/// Long flat inputs (no nesting) parse, and their trees are dropped, on a
/// small stack.
///
/// Their trees are deep all the same (`1 + 1 + …` nests to the left):
/// every recursive pass, dropping included, grows the stack as it goes.
#[test]
fn long_flat_inputs() {
    let inputs = [
        format!("1{}", " + 1".repeat(50_000)),
        format!("f{}", "(1).x[2]".repeat(20_000)),
        format!("[{}]", "1, ".repeat(100_000)),
        format!(
            "{{{}}}",
            (0..50_000)
                .map(|i| format!("f{i}: {i}, "))
                .collect::<String>()
        ),
    ];
    for text in inputs {
        // The tree is dropped on the small stack too, inside `map`.
        let parsed = on_small_stack(move || {
            let sources = SourceMap::new();
            let file = sources.add(SourceName::Virtual("t".into()), text);
            parse(&file)
                .map(drop)
                .map_err(|error| error.first_line(&sources))
        });
        assert!(parsed.is_ok(), "{:?}", parsed.err());
    }
}

/// Random bytes, random token soup, and mutilated real files: every input
/// gives a tree or an error, never a panic.
#[test]
fn random_inputs_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/syntax/reference");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonnet"))
        .map(|path| read(&path))
        .collect();
    texts.sort();
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
        "@",
        "\"",
        "'",
        "|||\n  ",
        "\n",
        " ",
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
        "1.",
        "1e",
        "_",
        "-",
        "+",
        "!",
        "~",
        "*",
        "/",
        "//",
        "/*",
        "*/",
        "#",
        "\\",
        "\\u",
        "é",
        "\u{0}",
        "\t",
        "\r\n",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut inputs = Vec::new();
    for _ in 0..300 {
        let len = rng.below(40);
        let bytes: Vec<u8> = (0..len)
            .map(|_| b"[]{}()\"'|@:;,.=+-*/\\#$ \n\tax1e_"[rng.below(30)])
            .collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        let soup: String = (0..rng.below(30))
            .map(|_| pieces[rng.below(pieces.len())])
            .collect();
        inputs.push(soup);
    }
    for text in &texts {
        for _ in 0..3 {
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
            inputs.push(mutated);
        }
        // Every prefix of a short file.
        if text.len() < 400 {
            inputs.extend(text.char_indices().map(|(at, _)| text[..at].to_string()));
        }
    }
    for input in inputs {
        let result = std::panic::catch_unwind(|| first_line("t", &input));
        assert!(result.is_ok(), "panicked on {input:?}");
    }
}
