//! Random edits over real files (issue 17): thousands of deletions,
//! insertions and retyped characters, applied as the editor sends them
//! (incremental changes in UTF-16 positions), each followed by every
//! request the server answers. No request may panic, the document must
//! hold exactly the edited text, and the diagnostics must agree with what
//! `kcfg eval` reports first: the strict parse's error among the syntax
//! diagnostics, and when the file parses, exactly the analysis' errors.
//!
//! The files are the repository's own (examples, the built-in libraries,
//! the benchmark fleet, the editor test's project) and, when the shared
//! benchmark cases sit beside the repository (`../shared`, as in CI), the
//! vendored kube-prometheus library.
#![allow(clippy::disallowed_methods)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use kcfg_lang::lines::{Encoding, LineIndex};
use kcfg_lang::span::{SourceMap, SourceName};
use kcfg_lsp::features;
use kcfg_lsp::world::{Change, World};
use tower_lsp_server::ls_types::{Position, Uri};

/// A fixed-seed xorshift generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "rendered" {
                sources(&path, out);
            }
        } else if kcfg_lsp::world::is_source(&path) {
            out.push(path);
        }
    }
}

fn files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["examples", "render/src/lib", "bench/fleet", "editors"] {
        sources(&root.join(dir), &mut files);
    }
    for shared in ["../shared", "../../shared"] {
        let vendor = root.join(shared).join("bench/cases/kube-prometheus");
        if vendor.is_dir() {
            sources(&vendor, &mut files);
            break;
        }
    }
    files
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
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
    "'",
    "\"",
    "\n",
    "local ",
    "if ",
    "then ",
    "else ",
    "for ",
    " in ",
    "function(",
    "self.",
    "super.",
    "import '",
    "std.",
    "x",
    "é",
    "𝄞",
    "|||\n",
    "/*",
    "//",
    "#",
];

/// The text of `file` edited at random: the change as the protocol sends
/// it, and the text after it.
fn random_change(rng: &mut Rng, text: &str) -> (Change, String) {
    let mut at = rng.below(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let (end, insert) = match rng.below(4) {
        // Delete a few characters.
        0 => {
            let mut end = (at + 1 + rng.below(12)).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            (end, String::new())
        }
        // Insert a piece of syntax.
        1 | 2 => (at, PIECES[rng.below(PIECES.len())].to_string()),
        // Retype: replace a character by another one.
        _ => {
            let mut end = (at + 1).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let typed = text[at..end].chars().next().map_or('x', |c| {
                if c.is_ascii_alphabetic() {
                    'q'
                } else {
                    c
                }
            });
            (end, typed.to_string())
        }
    };
    let index = LineIndex::new(text);
    let start = index.position(text, at as u32, Encoding::Utf16);
    let stop = index.position(text, end as u32, Encoding::Utf16);
    let mut after = text.to_string();
    after.replace_range(at..end, &insert);
    let change = Change {
        range: Some((start, stop)),
        text: insert,
    };
    (change, after)
}

/// Every request at a random position; panics propagate.
fn requests(world: &World, path: &Path, rng: &mut Rng, heavy: bool) {
    let file = world.file(path).expect("open");
    let lines = file.lines.line_count() as u32;
    let line = rng.below(lines as usize) as u32;
    let at = Position::new(line, rng.below(80) as u32);
    let uri = Uri::from_file_path(path).unwrap();
    features::diagnostics::diagnostics(world, &file, &uri);
    features::completion::completion(world, &file, at);
    features::hover::hover(world, &file, at);
    features::definition::definition(world, &file, at);
    features::symbols::document_symbols(world, &file);
    features::folding::folding_ranges(world, &file);
    features::selection::selection_ranges(world, &file, &[at]);
    if heavy {
        features::references::references(world, &file, at);
        let _ = features::references::prepare_rename(world, &file, at);
        let _ = features::references::rename(world, &file, at, "renamed");
        features::formatting::format(world, &file, None);
    }
}

/// The diagnostics agree with the strict parse and the analysis.
fn consistent(world: &World, path: &Path, text: &str) -> Result<(), String> {
    let file = world.file(path).expect("open");
    if file.text() != text {
        return Err("the document's text is not the edited text".into());
    }
    let sources = SourceMap::new();
    let strict_file = sources.add(SourceName::Path(path.to_path_buf()), text);
    match kcfg_lang::syntax::parse(&strict_file) {
        Err(strict) => {
            let found = file
                .syntax_errors
                .iter()
                .any(|error| error.span == strict.span && error.message == strict.message);
            if !found {
                return Err(format!(
                    "the strict parse's error is missing: {}",
                    strict.message
                ));
            }
        }
        Ok(tree) => {
            if !file.syntax_errors.is_empty() {
                return Err(format!(
                    "syntax errors for a file that parses: {}",
                    file.syntax_errors[0].message
                ));
            }
            let expected: Vec<(Option<kcfg_lang::span::Span>, String)> =
                match kcfg_lang::analyze::analyze(&tree, &strict_file) {
                    Ok(_) => Vec::new(),
                    Err(errors) => errors.into_iter().map(|e| (e.span, e.message)).collect(),
                };
            let got: Vec<(Option<kcfg_lang::span::Span>, String)> = file
                .static_errors
                .iter()
                .map(|e| (e.span, e.message.clone()))
                .collect();
            if expected != got {
                return Err(format!("static errors differ: {expected:?} vs {got:?}"));
            }
        }
    }
    Ok(())
}

#[test]
fn issue17_random_edits_never_break_the_server() {
    let files = files();
    assert!(files.len() >= 20, "only {} files found", files.len());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut world = World::default();
    let edits_per_file = (4_000 / files.len()).clamp(8, 60);
    let mut edits = 0;
    for path in &files {
        let Ok(original) = std::fs::read_to_string(path) else {
            continue;
        };
        world.open(path.clone(), 0, &original);
        let mut text = original;
        for version in 1..=edits_per_file {
            let (change, after) = random_change(&mut rng, &text);
            let heavy = version % 15 == 0;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                assert!(world.change(path, version as i32, vec![change.clone()]));
                requests(&world, path, &mut rng, heavy);
            }));
            if outcome.is_err() {
                panic!(
                    "{}: a request panicked after edit {version} ({change:?})",
                    path.display()
                );
            }
            text = after;
            if let Err(problem) = consistent(&world, path, &text) {
                panic!(
                    "{}: after edit {version} ({change:?}): {problem}",
                    path.display()
                );
            }
            edits += 1;
        }
        world.close(path);
    }
    assert!(edits >= 3_000, "only {edits} edits");
}
