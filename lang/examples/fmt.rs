//! Formats files with `kcfg_lang::fmt`, for comparing with jsonnetfmt by
//! hand (`kcfg fmt` is the command for users):
//!
//! ```text
//! cargo run -p kcfg-lang --example fmt -- [-n N] [-m N] [-s d|s|l] [-c h|s|l]
//!     [-pa 0|1] [-po 0|1] [-pf 0|1] [-si 0|1] [-ip 0|1] FILE...
//! ```
//!
//! With one file it prints the output; with several, it writes each
//! output next to its file as `FILE.kcfgfmt` (the output directory given
//! by `-o DIR` instead, named by the file's index), and prints errors.

// An example is an embedding program: it reads files and the command line,
// which the crate itself may not (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use kcfg_lang::fmt::{format, CommentStyle, Options, StringStyle};
use kcfg_lang::span::{SourceMap, SourceName};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut options = Options::default();
    let mut files = Vec::new();
    let mut out_dir = None;
    let mut index = 0;
    while index < args.len() {
        let flag = args[index].as_str();
        let value = args.get(index + 1).cloned().unwrap_or_default();
        let on = value == "1";
        match flag {
            "-n" => options.indent = value.parse().unwrap_or(2),
            "-m" => options.max_blank_lines = value.parse().unwrap_or(2),
            "-s" => {
                options.string_style = match value.as_str() {
                    "d" => StringStyle::Double,
                    "l" => StringStyle::Leave,
                    _ => StringStyle::Single,
                }
            }
            "-c" => {
                options.comment_style = match value.as_str() {
                    "h" => CommentStyle::Hash,
                    "l" => CommentStyle::Leave,
                    _ => CommentStyle::Slash,
                }
            }
            "-pa" => options.pad_arrays = on,
            "-po" => options.pad_objects = on,
            "-pf" => options.pretty_field_names = on,
            "-si" => options.sort_imports = on,
            "-ip" => options.use_implicit_plus = on,
            "-o" => out_dir = Some(value),
            _ => {
                files.push(flag.to_string());
                index += 1;
                continue;
            }
        }
        index += 2;
    }
    let sources = SourceMap::new();
    let single = files.len() == 1 && out_dir.is_none();
    let mut failed = false;
    for (number, path) in files.iter().enumerate() {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(err) => {
                eprintln!("{path}: {err}");
                failed = true;
                continue;
            }
        };
        let file = sources.add(SourceName::Virtual(path.clone()), text);
        match format(&file, &options) {
            Ok(out) if single => print!("{out}"),
            Ok(out) => {
                let target = match &out_dir {
                    Some(dir) => format!("{dir}/{number}"),
                    None => format!("{path}.kcfgfmt"),
                };
                if let Err(err) = std::fs::write(&target, out) {
                    eprintln!("{target}: {err}");
                }
            }
            Err(err) => {
                eprintln!("{}", err.first_line(&sources));
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
