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

/// Reads the environment for `NAME` given without `=VALUE`.
pub trait Env {
    /// The variable's value, if set.
    fn var(&self, name: &str) -> Option<String>;
    /// A file's contents.
    fn read(&self, path: &str) -> std::io::Result<String>;
}

/// The process environment and file system.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn read(&self, path: &str) -> std::io::Result<String> {
        std::fs::read_to_string(path)
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
            usage_error("ERROR: expected another commandline argument.", Usage::None)
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
                let value = strtol(&next(&mut i)?);
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
            "-V" | "--ext-str" | "--ext-code" | "-A" | "--tla-str" | "--tla-code" => {
                let is_code = arg.ends_with("code");
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
                        name: SourceName::Virtual(format!("<{}:{name}>", var_kind(arg))),
                        text,
                    }
                } else {
                    ExtValue::Str(text)
                };
                push_var(&mut parsed, arg, name, ext);
            }
            "--ext-str-file" | "--ext-code-file" | "--tla-str-file" | "--tla-code-file" => {
                let value = next(&mut i)?;
                let Some((name, path)) = value.split_once('=') else {
                    return Err(usage_error(
                        format!("ERROR: argument not in form <var>=<file>: {value}"),
                        Usage::None,
                    ));
                };
                let text = env.read(path).map_err(|err| {
                    usage_error(
                        format!("ERROR: reading {path}: {}", io_message(&err)),
                        Usage::None,
                    )
                })?;
                let ext = if arg.contains("code") {
                    ExtValue::Code {
                        name: SourceName::Path(PathBuf::from(path)),
                        text,
                    }
                } else {
                    ExtValue::Str(text)
                };
                push_var(&mut parsed, arg, name.to_string(), ext);
            }
            "-t" | "--max-trace" => {
                let value = strtol(&next(&mut i)?);
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
            "--gc-min-objects" | "--gc-growth-trigger" => {
                next(&mut i)?;
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
    if files.is_empty() {
        return Err(usage_error(
            "ERROR: must give filename",
            Usage::BlankLineThenText,
        ));
    }
    if files.len() > 1 {
        return Err(usage_error(
            "ERROR: only one filename is allowed",
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

/// C's `strtol` on a whole argument: leading whitespace, a sign, digits;
/// anything unparsable is 0.
fn strtol(text: &str) -> i64 {
    let text = text.trim_start();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<i64>().map(|n| sign * n).unwrap_or(0)
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

    struct FakeEnv;

    impl Env for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            (name == "HOME").then(|| "/home/x".to_string())
        }

        fn read(&self, path: &str) -> std::io::Result<String> {
            Ok(format!("contents of {path}"))
        }
    }

    fn run(args: &[&str]) -> Result<EvalArgs, UsageError> {
        let raw: Vec<OsString> = args.iter().map(OsString::from).collect();
        match parse(&raw, &FakeEnv)? {
            Parsed::Run(args) => Ok(*args),
            other => panic!("unexpected {other:?}"),
        }
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
            "ERROR: expected another commandline argument."
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
        assert!(
            matches!(&args.tlas[1], (name, ExtValue::Str(v)) if name == "f" && v == "contents of x.txt")
        );
    }
}
