//! The `jsonnet` command line, parsed exactly as the reference parses it.
//!
//! `kcfg eval` (and the binary invoked as `jsonnet`) must accept every
//! command line the reference accepts and reject the rest with the same
//! messages and exit status 1, so existing scripts run unchanged. The
//! reference's conventions are not clap's: `-abc` means `-a -b -c`, `-e`
//! changes what the positional argument is, an option's value may be `--`
//! (`-m -- …`), and usage errors exit with 1. So this module parses by hand,
//! step for step like the reference, into [`EvalArgs`].

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;

use kcfg_lang::eval::ExtValue;
use kcfg_lang::span::SourceName;

use crate::color::ColorWhen;
use crate::report::ErrorFormat;

/// What to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file.
    File(PathBuf),
    /// Code given on the command line (`-e`).
    Code(String),
    /// Standard input (`-`).
    Stdin,
}

/// A parsed command line.
#[derive(Debug, Clone)]
pub struct EvalArgs {
    pub input: Input,
    pub output_file: Option<PathBuf>,
    pub multi: Option<String>,
    pub create_dirs: bool,
    pub yaml_stream: bool,
    pub string: bool,
    pub trailing_newline: bool,
    /// `-J` directories in the order given.
    pub jpath: Vec<PathBuf>,
    pub max_stack: usize,
    pub max_trace: usize,
    /// `--max-memory`: bytes the evaluation may use (`None`: the default).
    pub max_memory: Option<usize>,
    pub ext_vars: Vec<(String, ExtValue)>,
    pub tlas: Vec<(String, ExtValue)>,
    pub color: ColorWhen,
    /// `--error-format` (`None`: the personality's default).
    pub error_format: Option<ErrorFormat>,
}

/// The outcome of parsing.
#[derive(Debug)]
pub enum Parsed {
    /// Evaluate.
    Run(Box<EvalArgs>),
    /// Print the help text.
    Help,
    /// Print the version.
    Version,
}

/// A usage error: the message, and whether the usage text follows it.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    pub usage: Usage,
}

/// What follows a usage error's message.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Usage {
    /// Nothing.
    None,
    /// A blank line.
    BlankLine,
    /// A blank line, then the usage text.
    BlankLineThenText,
    /// The usage text.
    Text,
}

fn usage_error(message: impl Into<String>, usage: Usage) -> UsageError {
    UsageError {
        message: message.into(),
        usage,
    }
}

/// Splits `-abc` into `-a -b -c`, leaving everything after `--` alone
/// (the reference's `simplify_args`, shared with `kcfg fmt`).
pub fn simplify(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            out.push(arg.clone());
            out.extend(iter.by_ref().cloned());
            break;
        }
        if arg.len() > 2 && arg.starts_with('-') && !arg.starts_with("--") {
            out.extend(arg[1..].chars().map(|c| format!("-{c}")));
        } else {
            out.push(arg.clone());
        }
    }
    out
}

/// What parsing needs from the process: the environment for `NAME` given
/// without `=VALUE`, and standard error for warnings.
pub trait Env {
    /// The variable's value, if set.
    fn var(&self, name: &str) -> Option<String>;
    /// Prints a warning at once, as the reference does while it parses
    /// (a later usage error follows it).
    fn warn(&self, text: &str);
}

/// The process environment and standard error.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn warn(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{text}");
    }
}

/// Parses a `jsonnet` command line (without the program name).
pub fn parse(raw: &[OsString], env: &dyn Env) -> Result<Parsed, UsageError> {
    let raw: Vec<String> = raw
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let args = simplify(&raw);
    let mut code = false;
    let mut files: Vec<String> = Vec::new();
    let mut parsed = EvalArgs {
        input: Input::Stdin,
        output_file: None,
        multi: None,
        create_dirs: false,
        yaml_stream: false,
        string: false,
        trailing_newline: true,
        jpath: Vec::new(),
        max_stack: 500,
        max_trace: 20,
        max_memory: None,
        ext_vars: Vec::new(),
        tlas: Vec::new(),
        color: ColorWhen::Auto,
        error_format: None,
    };
    let mut i = 0;
    let next = |i: &mut usize| -> Result<String, UsageError> {
        *i += 1;
        args.get(*i).cloned().ok_or_else(|| {
            // The reference's `next_arg` (cmd/utils.cpp) has no `ERROR:`.
            usage_error("Expected another commandline argument.", Usage::None)
        })
    };
    while i < args.len() {
        let arg = args[i].as_str();
        match arg {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-v" | "--version" => return Ok(Parsed::Version),
            "-e" | "--exec" => code = true,
            "-o" | "--output-file" => {
                let value = next(&mut i)?;
                if value.is_empty() {
                    return Err(usage_error(
                        "ERROR: -o argument was empty string",
                        Usage::None,
                    ));
                }
                parsed.output_file = Some(PathBuf::from(value));
            }
            "--" => {
                files.extend(args[i + 1..].iter().cloned());
                break;
            }
            "-s" | "--max-stack" => {
                let value = strtol_check(&next(&mut i)?)?;
                if value < 1 {
                    return Err(usage_error(
                        format!("ERROR: invalid --max-stack value: {value}"),
                        Usage::None,
                    ));
                }
                parsed.max_stack = value as usize;
            }
            "--max-memory" => {
                let value = next(&mut i)?;
                let bytes = crate::memory::parse_size(&value).map_err(|err| {
                    usage_error(
                        format!("ERROR: invalid --max-memory value: {err}"),
                        Usage::None,
                    )
                })?;
                parsed.max_memory = Some(bytes);
            }
            "-J" | "--jpath" => {
                let value = next(&mut i)?;
                if value.is_empty() {
                    return Err(usage_error(
                        "ERROR: -J argument was empty string",
                        Usage::None,
                    ));
                }
                parsed.jpath.push(PathBuf::from(value));
            }
            "-V" | "--ext-str" | "--ext-code" | "-A" | "--tla-str" | "--tla-code" | "-E"
            | "--var" | "--env" | "--code-var" | "--code-env" => {
                if let Some(warning) = deprecation_warning(arg) {
                    env.warn(warning);
                }
                let is_code = arg.contains("code");
                let value = next(&mut i)?;
                let (name, text) = match value.split_once('=') {
                    Some((name, text)) => (name.to_string(), text.to_string()),
                    None => match env.var(&value) {
                        Some(text) => (value.clone(), text),
                        None => {
                            return Err(usage_error(
                                format!("ERROR: environment variable {value} was undefined."),
                                Usage::None,
                            ));
                        }
                    },
                };
                let ext = if is_code {
                    ExtValue::Code {
                        name: code_name(arg, &name),
                        text,
                    }
                } else {
                    ExtValue::Str(text)
                };
                push_var(&mut parsed, arg, name, ext);
            }
            "--ext-str-file" | "--ext-code-file" | "--tla-str-file" | "--tla-code-file" | "-F"
            | "--file" | "--code-file" => {
                if let Some(warning) = deprecation_warning(arg) {
                    env.warn(warning);
                }
                let value = next(&mut i)?;
                let Some((name, path)) = value.split_once('=') else {
                    return Err(usage_error(
                        format!("ERROR: argument not in form <var>=<file> \"{value}\"."),
                        Usage::None,
                    ));
                };
                let keyword = if arg.contains("code") {
                    "import"
                } else {
                    "importstr"
                };
                // As the reference does, the variable becomes code that
                // imports the file: it is read only when the variable is
                // used, found like any import (next to the working
                // directory, then through -J and JSONNET_PATH), and a
                // missing file is a runtime error at that point.
                let ext = ExtValue::Code {
                    name: code_name(arg, name),
                    text: format!("{keyword} @'{}'", path.replace('\'', "''")),
                };
                push_var(&mut parsed, arg, name.to_string(), ext);
            }
            "-t" | "--max-trace" => {
                let value = strtol_check(&next(&mut i)?)?;
                if value < 0 {
                    return Err(usage_error(
                        format!("ERROR: invalid --max-trace value: {value}"),
                        Usage::None,
                    ));
                }
                parsed.max_trace = value as usize;
            }
            "-m" | "--multi" => {
                let value = next(&mut i)?;
                if value.is_empty() {
                    return Err(usage_error(
                        "ERROR: -m argument was empty string",
                        Usage::None,
                    ));
                }
                parsed.multi = Some(value);
            }
            "-c" | "--create-output-dirs" => parsed.create_dirs = true,
            "-y" | "--yaml-stream" => parsed.yaml_stream = true,
            "-S" | "--string" => parsed.string = true,
            "--no-trailing-newline" => parsed.trailing_newline = false,
            // kcfg frees memory per evaluation and has no collector to tune,
            // but the values are checked as the reference checks them.
            "--gc-min-objects" => {
                let value = strtol_check(&next(&mut i)?)?;
                if value < 0 {
                    return Err(usage_error(
                        format!("ERROR: invalid --gc-min-objects value: {value}"),
                        Usage::None,
                    ));
                }
            }
            "--gc-growth-trigger" => {
                let text = next(&mut i)?;
                let Some(value) = strtod(&text) else {
                    return Err(usage_error(
                        format!("ERROR: invalid number \"{text}\""),
                        Usage::None,
                    ));
                };
                if value < 0.0 {
                    return Err(usage_error(
                        format!("ERROR: invalid --gc-growth-trigger \"{text}\""),
                        Usage::None,
                    ));
                }
            }
            "--color" => {
                let value = next(&mut i)?;
                parsed.color = match ColorWhen::parse(&value) {
                    Some(color) => color,
                    None => {
                        let other = value.as_str();
                        return Err(usage_error(
                            format!("ERROR: invalid --color value: {other} (expected auto, always or never)"),
                            Usage::None,
                        ));
                    }
                }
            }
            "--error-format" => {
                let value = next(&mut i)?;
                parsed.error_format = match ErrorFormat::parse(&value) {
                    Some(format) => Some(format),
                    None => {
                        return Err(usage_error(
                            format!("ERROR: invalid --error-format value: {value} (expected rich, plain or json)"),
                            Usage::None,
                        ));
                    }
                }
            }
            _ if arg.len() > 1 && arg.starts_with('-') => {
                return Err(usage_error(
                    format!("ERROR: unrecognized argument: {arg}"),
                    Usage::None,
                ));
            }
            _ => files.push(arg.to_string()),
        }
        i += 1;
    }
    let want = if code { "code" } else { "filename" };
    if files.is_empty() {
        return Err(usage_error(
            format!("ERROR: must give {want}"),
            Usage::BlankLineThenText,
        ));
    }
    if files.len() > 1 {
        return Err(usage_error(
            format!("ERROR: only one {want} is allowed"),
            Usage::BlankLine,
        ));
    }
    if parsed.yaml_stream && !parsed.trailing_newline {
        return Err(usage_error(
            "ERROR: cannot use --no-trailing-newline with --yaml-stream",
            Usage::Text,
        ));
    }
    let file = files.remove(0);
    parsed.input = if code {
        Input::Code(file)
    } else if file == "-" {
        Input::Stdin
    } else {
        Input::File(PathBuf::from(file))
    };
    Ok(Parsed::Run(Box::new(parsed)))
}

/// The file name the reference gives a variable's code in messages:
/// `<extvar:NAME>` for an external variable, `tla:NAME` for a top-level
/// argument (libjsonnet's `vm.cpp`).
fn code_name(flag: &str, name: &str) -> SourceName {
    SourceName::Virtual(if var_kind(flag) == "tla" {
        format!("tla:{name}")
    } else {
        format!("<extvar:{name}>")
    })
}

/// The reference's warning for a deprecated flag it still takes.
fn deprecation_warning(flag: &str) -> Option<&'static str> {
    match flag {
        "-E" | "--var" | "--env" => Some(
            "WARNING: jsonnet eval -E, --var and --env are deprecated, please use -V or --ext-str.",
        ),
        "-F" | "--file" => Some(
            "WARNING: jsonnet eval -F and --file are deprecated, please use --ext-str-file.",
        ),
        "--code-var" | "--code-env" => Some(
            "WARNING: jsonnet eval --code-var and --code-env are deprecated, please use --ext-code.",
        ),
        "--code-file" => Some(
            "WARNING: jsonnet eval --code-file is deprecated, please use --ext-code-file.",
        ),
        _ => None,
    }
}

fn var_kind(flag: &str) -> &'static str {
    if flag.starts_with("--tla") || flag == "-A" {
        "tla"
    } else {
        "extvar"
    }
}

fn push_var(parsed: &mut EvalArgs, flag: &str, name: String, value: ExtValue) {
    let list = if var_kind(flag) == "tla" {
        &mut parsed.tlas
    } else {
        &mut parsed.ext_vars
    };
    list.retain(|(existing, _)| *existing != name);
    list.push((name, value));
}

/// The reference's `strtol_check` (cmd/utils.cpp): C's `strtol` in base 10
/// (leading white space, a sign, digits; clamped to the range of `long`),
/// which must consume the whole, non-empty argument.
fn strtol_check(text: &str) -> Result<i64, UsageError> {
    let invalid = || {
        usage_error(
            format!("ERROR: invalid integer \"{text}\""),
            Usage::BlankLine,
        )
    };
    let body = text.trim_start_matches(is_c_space);
    let (negative, digits) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let magnitude = digits.bytes().fold(0i128, |acc, digit| {
        (acc * 10 + i128::from(digit - b'0')).min(i128::from(i64::MAX) + 1)
    });
    let value = if negative { -magnitude } else { magnitude };
    Ok(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// C's `isspace` in the C locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// C's `strtod` on a whole argument, as the reference checks
/// `--gc-growth-trigger`: leading white space, then a decimal number,
/// `inf`/`infinity` or `nan` (any case), and nothing after it.
fn strtod(text: &str) -> Option<f64> {
    let body = text.trim_start_matches(is_c_space);
    // Rust's parser reads the same decimal forms (`1`, `1.`, `.5`, `1e3`,
    // signs, `inf`, `nan`); it refuses C's hexadecimal floats, which the
    // reference would take.
    body.parse::<f64>().ok()
}

/// An IO error's message without Rust's ` (os error N)` suffix, like C's
/// `strerror`.
pub fn io_message(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(index) => text[..index].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct FakeEnv {
        warnings: std::cell::RefCell<Vec<String>>,
    }

    impl Env for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            (name == "HOME").then(|| "/home/x".to_string())
        }

        fn warn(&self, text: &str) {
            self.warnings.borrow_mut().push(text.to_string());
        }
    }

    fn run_in(env: &FakeEnv, args: &[&str]) -> Result<EvalArgs, UsageError> {
        let raw: Vec<OsString> = args.iter().map(OsString::from).collect();
        match parse(&raw, env)? {
            Parsed::Run(args) => Ok(*args),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn run(args: &[&str]) -> Result<EvalArgs, UsageError> {
        run_in(&FakeEnv::default(), args)
    }

    #[test]
    fn multichar_flags_expand() {
        let args = run(&["-Sy", "x.jsonnet"]).unwrap();
        assert!(args.string && args.yaml_stream);
    }

    #[test]
    fn double_dash_is_a_value_of_m() {
        let args = run(&["-m", "--", "-e", "null"]).unwrap();
        assert_eq!(args.multi.as_deref(), Some("--"));
        assert_eq!(args.input, Input::Code("null".into()));
    }

    #[test]
    fn double_dash_ends_options() {
        let args = run(&["-e", "--", "-1"]).unwrap();
        assert_eq!(args.input, Input::Code("-1".into()));
    }

    #[test]
    fn errors_read_like_the_reference() {
        assert_eq!(
            run(&["-s", "0", "-e", "1"]).unwrap_err().message,
            "ERROR: invalid --max-stack value: 0"
        );
        assert_eq!(
            run(&["-t", "-1", "-e", "1"]).unwrap_err().message,
            "ERROR: invalid --max-trace value: -1"
        );
        assert_eq!(run(&[]).unwrap_err().usage, Usage::BlankLineThenText);
        assert_eq!(
            run(&["a", "b"]).unwrap_err().message,
            "ERROR: only one filename is allowed"
        );
        assert_eq!(
            run(&["-V"]).unwrap_err().message,
            "Expected another commandline argument."
        );
        assert_eq!(run(&["-e"]).unwrap_err().message, "ERROR: must give code");
        assert_eq!(
            run(&["-e", "1", "2"]).unwrap_err().message,
            "ERROR: only one code is allowed"
        );
        assert_eq!(
            run(&["--max-memory", "lots", "-e", "1"])
                .unwrap_err()
                .message,
            "ERROR: invalid --max-memory value: \"lots\" is not a size like 512Mi, 1Gi or 100MB"
        );
        assert_eq!(
            run(&["-V", "NOPE", "x"]).unwrap_err().message,
            "ERROR: environment variable NOPE was undefined."
        );
    }

    #[test]
    fn max_memory_takes_a_size() {
        let args = run(&["--max-memory", "64Mi", "-e", "1"]).unwrap();
        assert_eq!(args.max_memory, Some(64 << 20));
        assert_eq!(run(&["-e", "1"]).unwrap().max_memory, None);
    }

    #[test]
    fn variables() {
        let args = run(&[
            "-V",
            "a=1",
            "--ext-code",
            "b=1+1",
            "-A",
            "HOME",
            "--tla-str-file",
            "f=x.txt",
            "x",
        ])
        .unwrap();
        assert_eq!(args.ext_vars.len(), 2);
        assert!(
            matches!(&args.tlas[0], (name, ExtValue::Str(v)) if name == "HOME" && v == "/home/x")
        );
        assert!(matches!(
            &args.tlas[1],
            (name, ExtValue::Code { name: SourceName::Virtual(file), text })
                if name == "f" && file == "tla:f" && text == "importstr @'x.txt'"
        ));
    }

    #[test]
    fn issue16_file_flags_become_imports() {
        let args = run(&[
            "--ext-code-file",
            "a=it's.jsonnet",
            "--ext-str-file",
            "b=x=y.txt",
            "-e",
            "1",
        ])
        .unwrap();
        let code: Vec<(&str, &str, &str)> = args
            .ext_vars
            .iter()
            .map(|(name, value)| match value {
                ExtValue::Code {
                    name: SourceName::Virtual(file),
                    text,
                } => (name.as_str(), file.as_str(), text.as_str()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            code,
            [
                ("a", "<extvar:a>", "import @'it''s.jsonnet'"),
                ("b", "<extvar:b>", "importstr @'x=y.txt'"),
            ]
        );
        assert_eq!(
            run(&["--tla-code-file", "nofile", "x"])
                .unwrap_err()
                .message,
            "ERROR: argument not in form <var>=<file> \"nofile\"."
        );
    }

    #[test]
    fn issue16_numbers_are_checked_as_the_reference_checks_them() {
        for (args, message, usage) in [
            (
                &["-t", "x"][..],
                "ERROR: invalid integer \"x\"",
                Usage::BlankLine,
            ),
            (
                &["-s", "x"],
                "ERROR: invalid integer \"x\"",
                Usage::BlankLine,
            ),
            (&["-s", ""], "ERROR: invalid integer \"\"", Usage::BlankLine),
            (
                &["-s", "5 "],
                "ERROR: invalid integer \"5 \"",
                Usage::BlankLine,
            ),
            (
                &["--gc-min-objects", "1x"],
                "ERROR: invalid integer \"1x\"",
                Usage::BlankLine,
            ),
            (
                &["--gc-min-objects", "-1"],
                "ERROR: invalid --gc-min-objects value: -1",
                Usage::None,
            ),
            (
                &["--gc-growth-trigger", "x"],
                "ERROR: invalid number \"x\"",
                Usage::None,
            ),
            (
                &["--gc-growth-trigger", ""],
                "ERROR: invalid number \"\"",
                Usage::None,
            ),
            (
                &["--gc-growth-trigger", "-2"],
                "ERROR: invalid --gc-growth-trigger \"-2\"",
                Usage::None,
            ),
            // `-0.5` is split into `-0 -. -5` first, as the reference does.
            (
                &["--gc-growth-trigger", "-0.5"],
                "ERROR: unrecognized argument: -.",
                Usage::None,
            ),
        ] {
            let mut args = args.to_vec();
            args.extend(["-e", "1"]);
            let err = run(&args).unwrap_err();
            assert_eq!(
                (err.message.as_str(), err.usage),
                (message, usage),
                "{args:?}"
            );
        }
        let args = run(&[
            "-s",
            " +20",
            "-t",
            "0",
            "--gc-growth-trigger",
            " 2.5",
            "-e",
            "1",
        ])
        .unwrap();
        assert_eq!((args.max_stack, args.max_trace), (20, 0));
        let args = run(&["-s", "99999999999999999999999", "-e", "1"]).unwrap();
        assert_eq!(args.max_stack, i64::MAX as usize);
    }

    #[test]
    fn issue16_deprecated_flags_warn_and_work() {
        let env = FakeEnv::default();
        let args = run_in(
            &env,
            &["-E", "a=1", "--code-file", "b=f.jsonnet", "-e", "1"],
        )
        .unwrap();
        assert_eq!(args.ext_vars.len(), 2);
        assert_eq!(
            *env.warnings.borrow(),
            [
                "WARNING: jsonnet eval -E, --var and --env are deprecated, please use -V or --ext-str.",
                "WARNING: jsonnet eval --code-file is deprecated, please use --ext-code-file.",
            ]
        );
    }
}
