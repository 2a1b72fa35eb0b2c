//! Inputs: what one execution evaluates, and how a run makes them.
//!
//! Input `index` of a run with `seed` is a pure function of the two and
//! the corpus ([`Source::input`]): a worker that died is restarted at the
//! next index, and a finding is regenerated exactly from its header. The
//! mix, per input:
//!
//! - 60%: a program from the structured generator ([`crate::generate`]);
//! - 24%: a corpus file with one to four mutations (byte ranges deleted,
//!   duplicated or swapped, tokens inserted, number and string literals
//!   replaced by edge values, a chunk of another file spliced in);
//! - 8%: a corpus file with a generated expression spliced in where a
//!   literal or a name was, which reaches deep into real programs;
//! - 8%: token soup and random bytes, for the lexer and the parser.
//!
//! Each input also picks how its value is manifested ([`Mode`]): the JSON
//! writer, the Kubernetes YAML writer, a JSON stream (`-y`), one document
//! per field (`-m`) or a plain string (`-S`).

use crate::corpus::{Corpus, ROOT};
use crate::generate::{Generator, Signature, EDGE_NUMBERS, EDGE_STRINGS};
use crate::rng::Rng;

/// How an input's value is turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `kcfg eval`: one pretty JSON document.
    Json,
    /// The Kubernetes YAML writer of `kcfg render`.
    Yaml,
    /// `kcfg eval -y`: one JSON document per array element.
    Stream,
    /// `kcfg eval -m`: one JSON document per field.
    Multi,
    /// `kcfg eval -S`: the value must be a string.
    String,
}

impl Mode {
    /// Every mode, in the order of their names.
    pub const ALL: [Mode; 5] = [
        Mode::Json,
        Mode::Yaml,
        Mode::Stream,
        Mode::Multi,
        Mode::String,
    ];

    /// The mode's name in finding headers.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Json => "json",
            Mode::Yaml => "yaml",
            Mode::Stream => "stream",
            Mode::Multi => "multi",
            Mode::String => "string",
        }
    }

    /// The mode named `name`.
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.name() == name)
    }

    /// The `kcfg eval` flags that manifest the same way, when there are.
    pub fn eval_flags(self) -> Option<&'static str> {
        match self {
            Mode::Json => Some(""),
            Mode::Stream => Some("-y "),
            Mode::Multi => Some("-m /tmp/kcfg-fuzz-out "),
            Mode::String => Some("-S "),
            Mode::Yaml => None,
        }
    }
}

/// One input.
#[derive(Debug, Clone)]
pub struct Input {
    /// The program.
    pub text: String,
    /// Its path in the importer's name space, relative to `/fuzz/`:
    /// relative imports resolve next to it.
    pub name: String,
    /// How its value is manifested.
    pub mode: Mode,
    /// How it was made, for the finding's header.
    pub origin: String,
}

impl Input {
    /// An input read from a file, evaluated as `/fuzz/<name>`.
    pub fn from_text(text: String, name: &str, mode: Mode) -> Input {
        Input {
            text,
            name: name.to_string(),
            mode,
            origin: "file".to_string(),
        }
    }

    /// The absolute path the evaluator sees.
    pub fn path(&self) -> String {
        format!("{ROOT}/{}", self.name)
    }
}

/// Makes the inputs of runs.
pub struct Source {
    corpus: Corpus,
    signatures: Vec<Signature>,
}

/// Pieces of Jsonnet syntax for token soup and insertions.
const PIECES: &[&str] = &[
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
    ":::",
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
    "importstr ",
    "assert ",
    "error ",
    "tailstrict",
    "x",
    "1",
    "1.",
    "1e",
    "1e308",
    "_",
    "-",
    "+",
    "!",
    "~",
    "*",
    "/",
    "%",
    "<<",
    ">>",
    "&&",
    "||",
    "==",
    "//",
    "/*",
    "*/",
    "#",
    "\\",
    "\\u",
    "\\ud800",
    "é",
    "\u{0}",
    "\t",
    "\r\n",
    "std.",
    "std.range(",
    "std.format(",
    "std.makeArray(",
    "null",
    "true",
    "[x for x in ",
    "{[k]: 1 for k in ",
    "super.",
    "self.",
    "$.",
    " tailstrict",
    "+: ",
    "::: ",
];

impl Source {
    /// A source over `corpus`, calling the builtins of `kcfg_stdlib::std()`.
    pub fn new(corpus: Corpus) -> Source {
        Source {
            corpus,
            signatures: crate::generate::std_signatures(),
        }
    }

    /// The corpus.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// Input `index` of a run with `seed`.
    pub fn input(&self, seed: u64, index: u64) -> Input {
        let mut rng = Rng::for_input(seed, index);
        let mode = match rng.below(20) {
            0..=9 => Mode::Json,
            10..=14 => Mode::Yaml,
            15..=16 => Mode::Stream,
            17..=18 => Mode::Multi,
            _ => Mode::String,
        };
        let kind = rng.below(100);
        let has_corpus = !self.corpus.files.is_empty();
        let (text, name, origin) = if kind < 60 || !has_corpus {
            let text = Generator::new(&mut rng, &self.signatures).program();
            (text, "input.jsonnet".to_string(), "generated".to_string())
        } else if kind < 84 {
            let file = rng.pick_ref(&self.corpus.files).clone();
            let mut text = file.text.clone();
            let n = rng.between(1, 4);
            for _ in 0..n {
                text = self.mutate(&mut rng, text);
            }
            let origin = format!("{} mutated {n}x", file.name);
            (text, format!("corpus/{}", file.name), origin)
        } else if kind < 92 {
            let file = rng.pick_ref(&self.corpus.files).clone();
            let text = self.splice(&mut rng, &file.text);
            let origin = format!("{} with a generated expression", file.name);
            (text, format!("corpus/{}", file.name), origin)
        } else {
            (
                soup(&mut rng),
                "input.jsonnet".to_string(),
                "token soup".to_string(),
            )
        };
        Input {
            text,
            name,
            mode,
            origin,
        }
    }

    /// One random mutation of `text`.
    fn mutate(&self, rng: &mut Rng, mut text: String) -> String {
        let at = boundary(&text, rng.below(text.len() + 1));
        match rng.below(9) {
            0 => {
                let end = boundary(&text, at + rng.log_size(64));
                text.replace_range(at..end, "");
            }
            1 => {
                let end = boundary(&text, at + rng.log_size(64));
                let copy = text[at..end].to_string();
                text.insert_str(end, &copy);
            }
            2 | 3 => text.insert_str(at, rng.pick(PIECES)),
            4 => {
                if let Some(range) = find_literal(&text, rng, |b| b.is_ascii_digit()) {
                    text.replace_range(range, rng.pick(EDGE_NUMBERS));
                }
            }
            5 => {
                if let Some(range) = find_string(&text, rng) {
                    text.replace_range(range, rng.pick(EDGE_STRINGS));
                }
            }
            6 => {
                let other = &rng.pick_ref(&self.corpus.files).text;
                let start = boundary(other, rng.below(other.len() + 1));
                let end = boundary(other, start + rng.log_size(200));
                text.insert_str(at, &other[start..end]);
            }
            7 => {
                // Swap two lines.
                let mut lines: Vec<&str> = text.split('\n').collect();
                if lines.len() > 1 {
                    let a = rng.below(lines.len());
                    let b = rng.below(lines.len());
                    lines.swap(a, b);
                }
                text = lines.join("\n");
            }
            _ => {
                let end = boundary(&text, at + rng.log_size(16));
                text.replace_range(at..end, rng.pick(PIECES));
            }
        }
        text
    }

    /// `text` with one literal or name replaced by a generated expression.
    fn splice(&self, rng: &mut Rng, text: &str) -> String {
        let range = if rng.chance(1, 2) {
            find_literal(text, rng, |b| b.is_ascii_digit())
        } else {
            find_literal(text, rng, |b| b.is_ascii_alphabetic())
        };
        let Some(range) = range else {
            return text.to_string();
        };
        let mut generator = Generator::new(rng, &self.signatures);
        let expr = generator.expr(4);
        let mut out = text.to_string();
        out.replace_range(range, &format!("({expr})"));
        out
    }
}

/// Token soup and random bytes.
fn soup(rng: &mut Rng) -> String {
    if rng.chance(1, 3) {
        let len = rng.log_size(200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    let n = rng.log_size(60);
    (0..n).map(|_| rng.pick(PIECES)).collect()
}

/// The nearest char boundary at or after `at`, within the text.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// A random run of bytes that start with `first` and continue with
/// alphanumerics, `_` or `.`: a number literal or a name.
fn find_literal(
    text: &str,
    rng: &mut Rng,
    first: impl Fn(u8) -> bool,
) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let starts: Vec<usize> = (0..bytes.len())
        .filter(|&i| first(bytes[i]) && (i == 0 || !is_word(bytes[i - 1])))
        .collect();
    if starts.is_empty() {
        return None;
    }
    let start = rng.pick(&starts);
    let mut end = start;
    while end < bytes.len() && (is_word(bytes[end]) || bytes[end] == b'.') {
        end += 1;
    }
    Some(start..end)
}

/// A random double-quoted string literal on one line.
fn find_string(text: &str, rng: &mut Rng) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let quotes: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == b'"').collect();
    if quotes.len() < 2 {
        return None;
    }
    let i = rng.below(quotes.len() - 1);
    let (start, end) = (quotes[i], quotes[i + 1] + 1);
    (!text[start..end].contains('\n')).then_some(start..end)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::CorpusFile;

    fn source() -> Source {
        Source::new(Corpus {
            files: vec![
                CorpusFile {
                    name: "t/a.jsonnet".into(),
                    text: "local x = 1; { a: x + 2, b: \"s\" }".into(),
                },
                CorpusFile {
                    name: "t/b.jsonnet".into(),
                    text: "[é, 3.5, std.length('abc')]".into(),
                },
            ],
        })
    }

    #[test]
    fn inputs_are_a_function_of_seed_and_index() {
        let source = source();
        for index in 0..200 {
            let a = source.input(11, index);
            let b = source.input(11, index);
            assert_eq!(a.text, b.text);
            assert_eq!(a.mode, b.mode);
            assert_eq!(a.name, b.name);
        }
    }

    #[test]
    fn every_kind_of_input_is_made() {
        let source = source();
        let origins: Vec<String> = (0..400).map(|i| source.input(3, i).origin).collect();
        for kind in ["generated", "mutated", "generated expression", "token soup"] {
            assert!(origins.iter().any(|o| o.contains(kind)), "no {kind} input");
        }
        let modes: Vec<Mode> = (0..400).map(|i| source.input(3, i).mode).collect();
        for mode in Mode::ALL {
            assert!(modes.contains(&mode), "no {} input", mode.name());
        }
    }

    #[test]
    fn mode_names_round_trip() {
        for mode in Mode::ALL {
            assert_eq!(Mode::from_name(mode.name()), Some(mode));
        }
    }
}
