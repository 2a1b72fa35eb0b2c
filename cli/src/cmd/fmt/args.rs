//! The `jsonnetfmt` command line, parsed exactly as the reference parses it
//! (google/jsonnet 0.22 `cmd/jsonnetfmt.cpp` and `cmd/utils.cpp`).
//!
//! As with `kcfg eval` ([`crate::cmd::eval::args`]), the conventions are
//! not clap's: `-abc` means `-a -b -c` (so `-n4` is `-n -4`), the flags are
//! read left to right and the first problem ends the run, usage errors exit
//! with 1, and the messages and the blank lines after some of them are the
//! reference's. kcfg's own additions (`--check`, `--color`,
//! `--[no-]use-implicit-plus`) are parsed in the same loop.

use std::ffi::OsString;
use std::path::PathBuf;

use kcfg_lang::fmt::{CommentStyle, Options, StringStyle};

use crate::cmd::eval::args::simplify;
use crate::color::ColorWhen;

/// A parsed command line.
#[derive(Debug, Clone)]
pub struct FmtArgs {
    /// The formatter's options.
    pub options: Options,
    /// The file (or code, with `-e`) arguments, in order.
    pub inputs: Vec<String>,
    /// `-e`: the arguments are code, not file names.
    pub exec: bool,
    /// `-i`: rewrite each changed file.
    pub in_place: bool,
    /// `--test`: exit 2 when a file would change, naming it.
    pub test: bool,
    /// `--check`: `--test` with a unified diff per file.
    pub check: bool,
    /// `-o`: where the single output goes instead of standard output.
    pub output_file: Option<PathBuf>,
    /// `--color`: colored diffs and rich errors.
    pub color: ColorWhen,
}

impl FmtArgs {
    /// Whether several inputs and directories are allowed: the modes that
    /// compare each file with its formatting.
    pub fn per_file(&self) -> bool {
        self.in_place || self.test || self.check
    }
}

/// The outcome of parsing.
#[derive(Debug)]
pub enum Parsed {
    /// Format.
    Run(Box<FmtArgs>),
    /// Print the help text.
    Help,
    /// Print the version.
    Version,
}

/// A usage error: its text for standard error (with the reference's line
/// breaks), and whether the help text follows it.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError {
    /// The message, ending in its line break(s).
    pub text: String,
    /// The help text follows (`ERROR: must give filename`).
    pub then_usage: bool,
}

fn error(text: impl Into<String>) -> UsageError {
    UsageError {
        text: text.into(),
        then_usage: false,
    }
}

/// Parses a `jsonnetfmt` command line (without the program name).
pub fn parse(raw: &[OsString]) -> Result<Parsed, UsageError> {
    let raw: Vec<String> = raw
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let args = simplify(&raw);
    let mut parsed = FmtArgs {
        options: Options::default(),
        inputs: Vec::new(),
        exec: false,
        in_place: false,
        test: false,
        check: false,
        output_file: None,
        color: ColorWhen::Auto,
    };
    let mut i = 0;
    // The reference's `next_arg`: a flag's value, or the end of the run.
    let next = |i: &mut usize| -> Result<String, UsageError> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| error("Expected another commandline argument.\n"))
    };
    while i < args.len() {
        let arg = args[i].as_str();
        let options = &mut parsed.options;
        match arg {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-v" | "--version" => return Ok(Parsed::Version),
            "-e" | "--exec" => parsed.exec = true,
            "-o" | "--output-file" => {
                let value = next(&mut i)?;
                if value.is_empty() {
                    return Err(error("ERROR: -o argument was empty string\n"));
                }
                parsed.output_file = Some(PathBuf::from(value));
            }
            "--" => {
                parsed.inputs.extend(args[i + 1..].iter().cloned());
                break;
            }
            "-i" | "--in-place" => parsed.in_place = true,
            "--test" => parsed.test = true,
            "-n" | "--indent" => options.indent = count(&next(&mut i)?, "--indent")?,
            "--max-blank-lines" => {
                options.max_blank_lines = count(&next(&mut i)?, "--max-blank-lines")?;
            }
            "--comment-style" => {
                let value = next(&mut i)?;
                options.comment_style = match value.as_str() {
                    "h" => CommentStyle::Hash,
                    "s" => CommentStyle::Slash,
                    "l" => CommentStyle::Leave,
                    _ => {
                        return Err(error(format!(
                            "ERROR: invalid --comment-style value: {value}\n"
                        )))
                    }
                };
            }
            "--string-style" => {
                let value = next(&mut i)?;
                options.string_style = match value.as_str() {
                    "d" => StringStyle::Double,
                    "s" => StringStyle::Single,
                    "l" => StringStyle::Leave,
                    _ => {
                        return Err(error(format!(
                            "ERROR: invalid --string-style value: {value}\n"
                        )))
                    }
                };
            }
            "--pad-arrays" => options.pad_arrays = true,
            "--no-pad-arrays" => options.pad_arrays = false,
            "--pad-objects" => options.pad_objects = true,
            "--no-pad-objects" => options.pad_objects = false,
            "--pretty-field-names" => options.pretty_field_names = true,
            "--no-pretty-field-names" => options.pretty_field_names = false,
            "--sort-imports" => options.sort_imports = true,
            "--no-sort-imports" => options.sort_imports = false,
            // go-jsonnet's option; libjsonnet 0.22 always uses implicit plus.
            "--use-implicit-plus" => options.use_implicit_plus = true,
            "--no-use-implicit-plus" => options.use_implicit_plus = false,
            // The reference prints its desugared tree, an internal form of
            // its interpreter; kcfg desugars into a different form (its IR),
            // so it refuses rather than print something that only looks
            // like the reference's output.
            "--debug-desugaring" => {
                return Err(error(
                    "ERROR: --debug-desugaring is not supported: jsonnetfmt prints the program desugared together with \
                     its own std.jsonnet source, and kcfg's std is built in, not Jsonnet code\n",
                ))
            }
            "--check" => parsed.check = true,
            "--color" => {
                let value = next(&mut i)?;
                parsed.color = match ColorWhen::parse(&value) {
                    Some(color) => color,
                    None => {
                        return Err(error(format!(
                            "ERROR: invalid --color value: {value} (expected auto, always or never)\n"
                        )))
                    }
                };
            }
            _ if arg.len() > 1 && arg.starts_with('-') => {
                return Err(error(format!("ERROR: unrecognized argument: {arg}\n")));
            }
            _ => parsed.inputs.push(arg.to_string()),
        }
        i += 1;
    }
    let want = if parsed.exec { "code" } else { "filename" };
    if parsed.inputs.is_empty() {
        return Err(UsageError {
            text: format!("ERROR: must give {want}\n\n"),
            then_usage: true,
        });
    }
    if !parsed.per_file() && parsed.inputs.len() > 1 {
        return Err(error(format!("ERROR: only one {want} is allowed\n\n")));
    }
    Ok(Parsed::Run(Box::new(parsed)))
}

/// A non-negative count (`-n`, `--max-blank-lines`): the reference's
/// `strtol_check` (the whole argument must be a base-10 integer, with
/// optional leading white space and sign), then its `< 0` check. The
/// reference passes the value on as a C `int`; kcfg refuses what does not
/// fit one instead of letting it wrap.
fn count(text: &str, flag: &str) -> Result<usize, UsageError> {
    let value = strtol_check(text)?;
    if value < 0 || value > i64::from(i32::MAX) {
        return Err(error(format!("ERROR: invalid {flag} value: {value}\n")));
    }
    Ok(value as usize)
}

/// C's `strtol(text, &end, 10)` where `end` must reach the end of a
/// non-empty argument; out-of-range values saturate as `strtol`'s do.
fn strtol_check(text: &str) -> Result<i64, UsageError> {
    let invalid = || error(format!("ERROR: invalid integer \"{text}\"\n\n"));
    // `isspace` in the C locale.
    let rest = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits) = match rest.as_bytes().first() {
        Some(b'-') => (true, &rest[1..]),
        Some(b'+') => (false, &rest[1..]),
        _ => (false, rest),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    // Saturating at 2^64 is enough to tell every out-of-range value.
    let magnitude = digits.bytes().fold(0i128, |acc, b| {
        (acc * 10 + i128::from(b - b'0')).min(1 << 64)
    });
    let value = if negative { -magnitude } else { magnitude };
    Ok(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Parsed, UsageError> {
        let raw: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse(&raw)
    }

    fn run(args: &[&str]) -> FmtArgs {
        match parse_strs(args) {
            Ok(Parsed::Run(args)) => *args,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn message(args: &[&str]) -> String {
        match parse_strs(args) {
            Err(err) => err.text,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_jsonnetfmts() {
        let args = run(&["x.jsonnet"]);
        assert_eq!(args.options, Options::default());
        assert_eq!(args.inputs, ["x.jsonnet"]);
        assert!(!args.per_file());
    }

    #[test]
    fn every_option() {
        let args = run(&[
            "-n",
            "4",
            "--max-blank-lines",
            "0",
            "--string-style",
            "d",
            "--comment-style",
            "h",
            "--pad-arrays",
            "--no-pad-objects",
            "--no-pretty-field-names",
            "--no-sort-imports",
            "--no-use-implicit-plus",
            "-i",
            "a",
            "b",
        ]);
        assert_eq!(
            args.options,
            Options {
                indent: 4,
                max_blank_lines: 0,
                string_style: StringStyle::Double,
                comment_style: CommentStyle::Hash,
                pad_arrays: true,
                pad_objects: false,
                pretty_field_names: false,
                sort_imports: false,
                use_implicit_plus: false,
            }
        );
        assert!(args.in_place && args.per_file());
        let args = run(&["--string-style", "l", "--comment-style", "l", "--test", "a"]);
        assert_eq!(args.options.string_style, StringStyle::Leave);
        assert_eq!(args.options.comment_style, CommentStyle::Leave);
        assert!(args.test);
    }

    #[test]
    fn later_flags_win() {
        let args = run(&[
            "--no-pad-objects",
            "--pad-objects",
            "-n",
            "3",
            "-n",
            "0",
            "x",
        ]);
        assert!(args.options.pad_objects);
        assert_eq!(args.options.indent, 0);
    }

    #[test]
    fn multichar_flags_expand_as_the_reference_does() {
        let args = run(&["-ie", "a", "b"]);
        assert!(args.in_place && args.exec);
        // `-n4` is `-n -4`.
        assert_eq!(
            message(&["-n4", "x"]),
            "ERROR: invalid --indent value: -4\n"
        );
    }

    #[test]
    fn double_dash_ends_options() {
        let args = run(&["-e", "--", "-1"]);
        assert!(args.exec);
        assert_eq!(args.inputs, ["-1"]);
        let args = run(&["--test", "--", "--check", "-"]);
        assert!(!args.check);
        assert_eq!(args.inputs, ["--check", "-"]);
    }

    #[test]
    fn counts_are_strtol_checked() {
        assert_eq!(run(&["-n", " +7", "x"]).options.indent, 7);
        assert_eq!(
            message(&["-n", "x", "f"]),
            "ERROR: invalid integer \"x\"\n\n"
        );
        assert_eq!(message(&["-n", "", "f"]), "ERROR: invalid integer \"\"\n\n");
        assert_eq!(
            message(&["-n", "4 ", "f"]),
            "ERROR: invalid integer \"4 \"\n\n"
        );
        assert_eq!(
            message(&["-n", "-", "f"]),
            "ERROR: invalid integer \"-\"\n\n"
        );
        assert_eq!(
            message(&["--max-blank-lines", "-1", "f"]),
            "ERROR: invalid --max-blank-lines value: -1\n"
        );
        assert_eq!(
            message(&["-n", "99999999999999999999", "f"]),
            format!("ERROR: invalid --indent value: {}\n", i64::MAX)
        );
        // A negative value is split like a flag group: `-99` is `-9 -9`.
        assert_eq!(
            message(&["-n", "-99", "f"]),
            "ERROR: invalid --indent value: -9\n"
        );
        assert_eq!(
            message(&["-n", "--", "f"]),
            "ERROR: invalid integer \"--\"\n\n"
        );
        assert_eq!(strtol_check("-99999999999999999999").ok(), Some(i64::MIN));
        assert_eq!(strtol_check("+1").ok(), Some(1));
    }

    #[test]
    fn errors_read_like_the_reference() {
        assert_eq!(message(&["-n"]), "Expected another commandline argument.\n");
        assert_eq!(
            message(&["x", "-o", ""]),
            "ERROR: -o argument was empty string\n"
        );
        assert_eq!(
            message(&["--string-style", "q", "x"]),
            "ERROR: invalid --string-style value: q\n"
        );
        assert_eq!(
            message(&["--comment-style", "x", "x"]),
            "ERROR: invalid --comment-style value: x\n"
        );
        assert_eq!(message(&["--foo"]), "ERROR: unrecognized argument: --foo\n");
        assert_eq!(
            message(&["a", "b"]),
            "ERROR: only one filename is allowed\n\n"
        );
        assert_eq!(
            message(&["-e", "1", "2"]),
            "ERROR: only one code is allowed\n\n"
        );
        let err = parse_strs(&[]).unwrap_err();
        assert_eq!(err.text, "ERROR: must give filename\n\n");
        assert!(err.then_usage);
        assert_eq!(
            parse_strs(&["-e"]).unwrap_err().text,
            "ERROR: must give code\n\n"
        );
        // The first problem, reading left to right, is the one reported.
        assert_eq!(
            message(&["--foo", "-h"]),
            "ERROR: unrecognized argument: --foo\n"
        );
        assert!(matches!(parse_strs(&["-h", "--foo"]), Ok(Parsed::Help)));
        assert!(matches!(parse_strs(&["-v"]), Ok(Parsed::Version)));
    }

    #[test]
    fn kcfg_additions() {
        let args = run(&["--check", "--color", "never", "a", "b"]);
        assert!(args.check && args.per_file());
        assert_eq!(args.color, ColorWhen::Never);
        assert_eq!(
            message(&["--color", "pink", "x"]),
            "ERROR: invalid --color value: pink (expected auto, always or never)\n"
        );
        assert!(message(&["--debug-desugaring", "x"]).contains("not supported"));
    }
}
