//! `kcfg eval`: evaluate one program, as the `jsonnet` command does.
//!
//! A drop-in for `jsonnet` 0.22: the same flags (parsed in [`args`]), the
//! same outputs (JSON, `-S`, `-m`, `-y`, `-o`), the same messages and exit
//! statuses. The binary also behaves this way when it is invoked through a
//! link named `jsonnet`.

pub mod args;
mod output;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use kcfg_lang::diag::Diagnostic;
use kcfg_lang::eval::{Arena, Ctx, EvalConfig};
use kcfg_lang::manifest::{self, Mode};
use kcfg_lang::program::Program;
use kcfg_lang::span::SourceName;
use kcfg_render::importer::{split_path_list, FsImporter};

use self::args::{EvalArgs, Input, Parsed, ProcessEnv, Usage};
use self::output::{Failure, Output};
use crate::report::{ErrorFormat, Errors};

/// Which program the user thinks they are running, for help and version
/// texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personality {
    /// `kcfg eval`.
    Kcfg,
    /// The binary invoked as `jsonnet`.
    Jsonnet,
}

/// Whether `kcfg ARGS` (no command) means `kcfg eval ARGS` (issue 16).
///
/// Tools that drive a `jsonnet` binary run `BIN -J DIR … FILE` or
/// `BIN … -e CODE` (Tanka's `--jsonnet-implementation binary:PATH`), so
/// kcfg evaluates when the first argument is a flag other than its own
/// `-h`, `--help`, `--version` and a lone `-V` (with more arguments, `-V`
/// is jsonnet's `--ext-str`), or `-` (standard input), or a file: a
/// name that is not a command and exists, or looks like a path (a `/` or
/// a `.`), so that a mistyped command still gets clap's suggestion. A
/// command name always means the command, even when a file has that
/// name; `kcfg eval render` or `kcfg ./render` evaluates such a file.
pub fn is_implicit(args: &[OsString], is_command: impl Fn(&str) -> bool) -> bool {
    let Some(first) = args.first() else {
        return false;
    };
    let text = first.to_string_lossy();
    if text == "-" {
        return true;
    }
    if text.starts_with('-') {
        let own = matches!(text.as_ref(), "-h" | "--help" | "--version")
            || (text == "-V" && args.len() == 1);
        return !own;
    }
    if is_command(&text) || text == "help" {
        return false;
    }
    Path::new(first).exists() || text.contains('/') || text.contains('.')
}

/// Runs `kcfg eval` with the arguments after `eval`.
pub fn run(raw: &[OsString], personality: Personality) -> ExitCode {
    let parsed = match args::parse(raw, &ProcessEnv) {
        Ok(parsed) => parsed,
        Err(err) => {
            let mut text = err.message.clone();
            text.push('\n');
            match err.usage {
                Usage::None => {}
                Usage::BlankLine => text.push('\n'),
                Usage::BlankLineThenText => {
                    text.push('\n');
                    text.push_str(&usage(personality));
                }
                Usage::Text => text.push_str(&usage(personality)),
            }
            let _ = std::io::stderr().write_all(text.as_bytes());
            return ExitCode::from(1);
        }
    };
    match parsed {
        Parsed::Help => {
            print_stdout(&usage(personality));
            ExitCode::SUCCESS
        }
        Parsed::Version => {
            print_stdout(&format!("{}\n", version_line(personality)));
            ExitCode::SUCCESS
        }
        // On this thread: every recursive pass grows its own stack when it
        // runs low (see kcfg-lang's `stack` module and `Ctx::guard`), and
        // starting a thread with a large stack costs a tenth of a
        // millisecond, a few percent of a typical `jsonnet` call.
        Parsed::Run(args) => evaluate(*args, personality),
    }
}

fn print_stdout(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

fn version_line(personality: Personality) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match personality {
        Personality::Jsonnet => {
            format!("Jsonnet commandline interpreter (kcfg {version}, compatible with v0.22.0)")
        }
        Personality::Kcfg => format!("kcfg eval {version} (Jsonnet v0.22.0 compatible)"),
    }
}

/// The help text: the reference's options, worded for kcfg.
pub fn usage(personality: Personality) -> String {
    let (command, implicit) = match personality {
        Personality::Jsonnet => ("jsonnet", ""),
        Personality::Kcfg => (
            "kcfg eval",
            "\n`kcfg` without a command does the same when its first argument is a flag\n\
             (other than -h, --help, --version, or -V alone) or a file, so kcfg can stand\n\
             in for a `jsonnet` binary (Tanka: --jsonnet-implementation binary:PATH).\n",
        ),
    };
    format!(
        "{version}

{command} {{<option>}} <filename>

Evaluates a kcfg / Jsonnet program and prints its value as JSON.
{implicit}
Available options:
  -h / --help             This message
  -e / --exec             Treat filename as code
  -J / --jpath <dir>      Specify an additional library search dir (right-most wins)
  -o / --output-file <file> Write to the output file rather than stdout
  -m / --multi <dir>      Write multiple files to the directory, list files on stdout
  -c / --create-output-dirs Create the directories -o and -m write into
  -y / --yaml-stream      Write output as a YAML stream of JSON documents
  -S / --string           Expect a string, manifest as plain text
  --no-trailing-newline   Do not add a trailing newline to the output
  -s / --max-stack <n>    Number of allowed stack frames (default 500)
  -t / --max-trace <n>    Max length of stack trace before cropping (default 20, 0 = no limit)
  --max-memory <size>     Memory the evaluation may use, like 512Mi or 8Gi (default:
                          half of the memory available to kcfg)
  --color <when>          Colours of rich error messages: auto (on a terminal), always, never
  --error-format <format> rich (source snippet, hints), plain (the reference's text) or
                          json (one object per line); default: {default_format}
  --gc-min-objects <n>    Accepted for compatibility; kcfg frees memory per evaluation
  --gc-growth-trigger <n> Accepted for compatibility
  --version               Print version
Available options for specifying values of 'external' variables:
Provide the value as a string:
  -V / --ext-str <var>[=<val>]     If <val> is omitted, get from environment var <var>
       --ext-str-file <var>=<file> Read the string from the file
Provide a value as Jsonnet code:
  --ext-code <var>[=<code>]    If <code> is omitted, get from environment var <var>
  --ext-code-file <var>=<file> Read the code from the file
Available options for specifying values of 'top-level arguments':
Provide the value as a string:
  -A / --tla-str <var>[=<val>]     If <val> is omitted, get from environment var <var>
       --tla-str-file <var>=<file> Read the string from the file
Provide a value as Jsonnet code:
  --tla-code <var>[=<code>]    If <code> is omitted, get from environment var <var>
  --tla-code-file <var>=<file> Read the code from the file
Environment variables:
JSONNET_PATH is a colon separated list of directories added
in reverse order before the paths specified by --jpath (i.e. left-most wins)
E.g. JSONNET_PATH=a:b {command} -J c -J d is equivalent to:
JSONNET_PATH=d:c:a:b {command}
{command} -J b -J a -J c -J d

Examples:
  {command} main.kcfg                      Print main.kcfg's value as JSON
  {command} -e '{{a: 1 + 1}}'                Evaluate code from the command line
  {command} -J vendor -m out main.jsonnet  One file per field of the result, under out/
  {command} -y stream.jsonnet              A YAML stream, one document per array element
  {command} -A env=prod main.kcfg          Call a top-level function with env=\"prod\"

In all cases:
<filename> can be - (stdin)
Multichar options are expanded e.g. -abc becomes -a -b -c.
The -- option suppresses option processing for subsequent arguments.
Note that since filenames and jsonnet programs can begin with -, it is advised to
use -- if the argument is unknown, e.g. {command} -- \"$FILENAME\".
",
        version = version_line(personality),
        default_format = match personality {
            Personality::Jsonnet => "plain",
            Personality::Kcfg => "rich on a terminal, else plain",
        },
    )
}

fn evaluate(args: EvalArgs, personality: Personality) -> ExitCode {
    // The `jsonnet` personality prints the reference's text unless asked
    // otherwise (issue 16).
    let format = match personality {
        Personality::Jsonnet => Some(args.error_format.unwrap_or(ErrorFormat::Plain)),
        Personality::Kcfg => args.error_format,
    };
    let errors = Errors::new(format, args.color, args.max_trace);
    let library_path = std::env::var("JSONNET_PATH")
        .map(|list| split_path_list(&list))
        .unwrap_or_default();
    let importer = FsImporter::new(&args.jpath, &library_path);
    let program = Program::new(Arc::new(importer), kcfg_stdlib::std())
        .with_memory_limit(crate::memory::memory().clone());
    set_memory_limit(args.max_memory);
    let config = EvalConfig {
        ext_vars: args.ext_vars.clone(),
        max_stack: args.max_stack,
        trace: Arc::new(|line: &str| {
            let _ = writeln!(std::io::stderr(), "{line}");
        }),
        interrupt: None,
        memory: Some(crate::memory::memory().clone()),
    };
    let outcome = run_program(&program, &config, &args);
    match outcome {
        Ok(output) => match output::write(&args, output) {
            Ok(()) => ExitCode::SUCCESS,
            Err(Failure(text)) => {
                let _ = std::io::stderr().write_all(text.as_bytes());
                ExitCode::from(1)
            }
        },
        Err(Outcome::Usage(text)) => {
            let _ = std::io::stderr().write_all(text.as_bytes());
            ExitCode::from(1)
        }
        Err(Outcome::Diagnostics(diags)) => {
            let mut text = String::new();
            for diag in &diags {
                text.push_str(&errors.diagnostic(diag, program.sources()));
            }
            let _ = std::io::stderr().write_all(text.as_bytes());
            ExitCode::from(1)
        }
    }
}

/// Sets the process's memory limit from `--max-memory` (of `kcfg eval` or
/// `kcfg render`), or to the default.
pub fn set_memory_limit(max_memory: Option<usize>) {
    let (limit, hint) = match max_memory {
        Some(bytes) => (
            bytes,
            "The limit was set with --max-memory; raise it if the program needs more.".to_string(),
        ),
        None => {
            let (limit, why) = crate::memory::default_limit();
            (
                limit,
                format!("The limit is {why}; set it with --max-memory SIZE (like 8Gi)."),
            )
        }
    };
    crate::memory::set_limit(limit, hint);
}

enum Outcome {
    Usage(String),
    Diagnostics(Vec<Diagnostic>),
}

fn run_program(program: &Program, config: &EvalConfig, args: &EvalArgs) -> Result<Output, Outcome> {
    let code = match &args.input {
        Input::File(path) => {
            let file = program.load(path).map_err(|err| {
                Outcome::Usage(format!(
                    "Opening input file: {}: {}\n",
                    path.display(),
                    args::io_message(&err)
                ))
            })?;
            program.code(&file).map_err(Outcome::Diagnostics)?
        }
        Input::Code(text) => program
            .snippet(SourceName::Virtual("<cmdline>".into()), text)
            .map_err(Outcome::Diagnostics)?,
        Input::Stdin => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|err| {
                Outcome::Usage(format!(
                    "Reading standard input: {}\n",
                    args::io_message(&err)
                ))
            })?;
            program
                .snippet(SourceName::Virtual("<stdin>".into()), &text)
                .map_err(Outcome::Diagnostics)?
        }
    };
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, program, config);
    let result = (|| {
        let value = ctx.eval_code(code)?;
        let value = ctx.apply_tlas(value, &args.tlas)?;
        let mode = if args.string {
            Mode::String
        } else {
            Mode::Json
        };
        if args.multi.is_some() {
            manifest::multi(&mut ctx, value, mode).map(Output::Multi)
        } else if args.yaml_stream {
            manifest::stream(&mut ctx, value, mode).map(Output::Stream)
        } else {
            manifest::document(&mut ctx, value, mode).map(Output::Document)
        }
    })();
    let output = result.map_err(|err| Outcome::Diagnostics(vec![err.into_diagnostic()]));
    // The arena holds every value of the evaluation; the process is about
    // to print and exit, so skip walking it to free memory.
    std::mem::forget(ctx);
    std::mem::forget(arena);
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    fn implicit(args: &[&str]) -> bool {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        is_implicit(&args, |name| matches!(name, "eval" | "render" | "fmt"))
    }

    #[test]
    fn issue16_flags_and_files_mean_eval() {
        for args in [
            &["-J", "vendor", "main.jsonnet"][..],
            &["--ext-code", "a=1", "-e", "a"],
            &["-e", "1"],
            &["-V", "a=1", "x.jsonnet"],
            &["-"],
            &["main.jsonnet"],
            &["dir/main"],
            &["./render"],
        ] {
            assert!(implicit(args), "{args:?}");
        }
        for args in [
            &[][..],
            &["-h"],
            &["--help"],
            &["--version"],
            &["-V"],
            &["render"],
            &["render", "--check"],
            &["help"],
            &["rendr"],
        ] {
            assert!(!implicit(args), "{args:?}");
        }
    }
}
