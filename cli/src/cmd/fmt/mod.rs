//! `kcfg fmt`: reformat kcfg / Jsonnet files, as `jsonnetfmt` does.
//!
//! A drop-in for `jsonnetfmt` 0.22: the same flags (parsed in [`args`]),
//! the same output bytes (the engine is [`kcfg_lang::fmt`], shared with the
//! language server), the same messages and exit statuses. The binary also
//! behaves this way when it is invoked through a link named `jsonnetfmt`.
//!
//! Two modes, as in the reference:
//!
//! - One input (a file, `-` for standard input, or code with `-e`): its
//!   formatting goes to standard output or to `-o`.
//! - With `-i`, `--test` or `--check`, any number of inputs, each compared
//!   with its formatting: `-i` rewrites the ones that differ (see [`files`]
//!   for how), `--test` exits with 2 if any differs, and both print the
//!   names of those that differ. kcfg adds `--check`, which prints a
//!   unified diff per file instead of its name, and directory arguments,
//!   which stand for the source files under them ([`files::walk`]).
//!
//! In the second mode the files are read, formatted and written in
//! parallel, and reported in argument order. Where `jsonnetfmt` stops at
//! the first file it cannot read or parse, kcfg reports that file and goes
//! on with the others (a pre-commit hook formats every file it can), then
//! exits with 1. A file is written only when its formatting succeeded and
//! differs from it.

pub mod args;
pub mod files;

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kcfg_lang::fmt::Options;
use kcfg_lang::span::{SourceMap, SourceName};
use rayon::prelude::*;

use self::args::{FmtArgs, Parsed};
use crate::cmd::eval::args::io_message;
use crate::cmd::unified;
use crate::color::Painter;
use crate::report;

/// Which program the user thinks they are running, for help and version
/// texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personality {
    /// `kcfg fmt`.
    Kcfg,
    /// The binary invoked as `jsonnetfmt`.
    Jsonnetfmt,
}

/// Runs `kcfg fmt` with the arguments after `fmt`.
pub fn run(raw: &[OsString], personality: Personality) -> ExitCode {
    match args::parse(raw) {
        Err(err) => {
            let mut text = err.text;
            if err.then_usage {
                text.push_str(&usage(personality));
            }
            let _ = std::io::stderr().write_all(text.as_bytes());
            ExitCode::from(1)
        }
        Ok(Parsed::Help) => {
            print_stdout(&usage(personality));
            ExitCode::SUCCESS
        }
        Ok(Parsed::Version) => {
            print_stdout(&format!("{}\n", version_line(personality)));
            ExitCode::SUCCESS
        }
        Ok(Parsed::Run(args)) if args.per_file() => per_file(&args),
        Ok(Parsed::Run(args)) => single(&args),
    }
}

fn print_stdout(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

fn version_line(personality: Personality) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match personality {
        Personality::Jsonnetfmt => {
            format!("Jsonnet reformatter (kcfg {version}, compatible with v0.22.0)")
        }
        Personality::Kcfg => format!("kcfg fmt {version} (jsonnetfmt v0.22.0 compatible)"),
    }
}

/// The help text: the reference's options, then kcfg's own, then examples.
pub fn usage(personality: Personality) -> String {
    let command = match personality {
        Personality::Jsonnetfmt => "jsonnetfmt",
        Personality::Kcfg => "kcfg fmt",
    };
    format!(
        "{version}

{command} {{<option>}} {{ <filename> }}

Reformats kcfg / Jsonnet code exactly as jsonnetfmt 0.22 does.

Available options:
  -h / --help             This message
  -e / --exec             Treat filename as code
  -o / --output-file <file> Write to the output file rather than stdout
  -i / --in-place         Rewrite each file that is not formatted, print its name
  --test                  Print the name of each file that is not formatted; exit 2 if any
  -n / --indent <n>       Spaces per indentation level (default 2, 0 leaves indentation)
  --max-blank-lines <n>   Most blank lines in a row (default 2, 0 means no limit)
  --string-style <d|s|l>  Double or single (default) quotes, or leave them as written
  --comment-style <h|s|l> # (h) or // (s, default) comments, or leave; #! stays
  --[no-]pretty-field-names Use syntax sugar for fields and indexing (on by default)
  --[no-]pad-arrays       [ 1, 2, 3 ] instead of [1, 2, 3]
  --[no-]pad-objects      {{ x: 1, y: 2 }} instead of {{x: 1, y: 2}} (on by default)
  --[no-]sort-imports     Sort each group of top-level imports (on by default)
  --debug-desugaring      Not supported (jsonnetfmt's output embeds its std.jsonnet; kcfg's std is built in)
  --version               Print version

kcfg's additions:
  --check                 Like --test, but print a unified diff of each file instead
  --[no-]use-implicit-plus a + {{ x: 1 }} as a {{ x: 1 }} (on by default, as jsonnetfmt does)
  --color <when>          Colored diffs and rich errors: auto (on a terminal), always, never
  <dir>                   With -i, --test or --check: every .kcfg, .jsonnet and .libsonnet
                          file under <dir>, skipping vendor/ and hidden directories
                          below it; files are formatted in parallel
  -i writes a temporary file beside each file and renames it over the file (its
  permissions kept); a formatted file is not touched. A symbolic link is formatted
  where it points; a directory walk does not follow links.

Exit status: 0 done; 1 a usage error or a file that cannot be read or parsed (it is
reported and never written; the other files are still formatted); 2 with --test or
--check when some file is not formatted.

Examples:
  {command} main.kcfg                 Print main.kcfg formatted
  {command} -i .                      Format every file under . in place
  {command} --check .                 In CI: show what is not formatted, exit 2 if anything is
  {command} --test lib/*.libsonnet    Name the files that are not formatted
  echo '{{a:1}}' | {command} -          Format standard input

  As a pre-commit hook (.pre-commit-config.yaml):
    repos:
      - repo: local
        hooks:
          - id: kcfg-fmt
            name: kcfg fmt
            entry: kcfg fmt -i
            language: system
            files: \\.(kcfg|jsonnet|libsonnet)$

In all cases:
<filename> can be - (stdin)
Multichar options are expanded e.g. -abc becomes -a -b -c.
The -- option suppresses option processing for subsequent arguments.
Note that since filenames and jsonnet programs can begin with -, it is advised to
use -- if the argument is unknown, e.g. {command} -- \"$FILENAME\".
",
        version = version_line(personality),
    )
}

/// Formats `text`; a parse error rendered for standard error.
fn format_text(
    name: SourceName,
    text: &str,
    options: &Options,
    stderr: Painter,
) -> Result<String, String> {
    let sources = SourceMap::new();
    let file = sources.add(name, text);
    kcfg_lang::fmt::format(&file, options)
        .map_err(|diag| report::render(&diag, &sources, 20, stderr))
}

/// Reads a file as UTF-8 text; the reference's message on failure.
fn read_file(path: &Path, shown: &str) -> Result<String, String> {
    let bytes = std::fs::read(path)
        .map_err(|err| format!("Opening input file: {shown}: {}\n", io_message(&err)))?;
    String::from_utf8(bytes).map_err(|err| {
        format!(
            "ERROR: {shown}: file is not valid UTF-8: {}\n",
            err.utf8_error()
        )
    })
}

fn read_stdin() -> Result<String, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|err| format!("Reading standard input: {}\n", io_message(&err)))?;
    String::from_utf8(bytes).map_err(|err| {
        format!(
            "ERROR: <stdin>: input is not valid UTF-8: {}\n",
            err.utf8_error()
        )
    })
}

/// Writes `text` to standard error and returns exit status 1.
fn fail(text: &str) -> ExitCode {
    let _ = std::io::stderr().write_all(text.as_bytes());
    ExitCode::from(1)
}

/// One input to standard output or `-o`.
fn single(args: &FmtArgs) -> ExitCode {
    let stderr_painter = args.color.stderr();
    let input = &args.inputs[0];
    let (name, text) = if args.exec {
        (SourceName::Virtual("<cmdline>".into()), Ok(input.clone()))
    } else if input == "-" {
        (SourceName::Virtual("<stdin>".into()), read_stdin())
    } else if Path::new(input).is_dir() {
        return fail(&format!(
            "ERROR: {input} is a directory: give -i, --test or --check to format the files under it\n"
        ));
    } else {
        (
            SourceName::Path(PathBuf::from(input)),
            read_file(Path::new(input), input),
        )
    };
    let text = match text {
        Ok(text) => text,
        Err(message) => return fail(&message),
    };
    let output = match format_text(name, &text, &args.options, stderr_painter) {
        Ok(output) => output,
        Err(message) => return fail(&message),
    };
    match &args.output_file {
        Some(path) => match std::fs::write(path, &output) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => fail(&format!(
                "Writing to output file: {}: {}\n",
                path.display(),
                io_message(&err)
            )),
        },
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(output.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                // A closed pipe (`kcfg fmt x | head`) is not an error.
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(err) => fail(&format!("ERROR: writing output: {}\n", io_message(&err))),
            }
        }
    }
}

/// Where one input of the per-file mode comes from.
enum Source {
    /// A file; with `-i`, the file to rewrite (a link's target), or None
    /// when an earlier argument already names the same file.
    File {
        path: PathBuf,
        write_to: Option<PathBuf>,
    },
    /// Standard input or `-e` code, already read.
    Text { name: &'static str, text: String },
    /// Something that went wrong before formatting (a directory that could
    /// not be read): the message.
    Failed(String),
}

/// One input of the per-file mode.
struct Job {
    /// How messages name it: the argument, or the walked path.
    shown: String,
    source: Source,
}

/// What became of one input.
enum Outcome {
    /// Already formatted, or a repeated argument.
    Unchanged,
    /// Not formatted (and with `-i`, rewritten). With `--check`, the texts
    /// before and after for the diff.
    Changed(Option<(String, String)>),
    /// Not read, not parsed or not written: the message.
    Failed(String),
}

/// `-i`, `--test`, `--check`: every input compared with its formatting.
fn per_file(args: &FmtArgs) -> ExitCode {
    if args.in_place && args.exec {
        return fail("ERROR: cannot use --in-place with --exec\n");
    }
    if args.in_place && args.inputs.iter().any(|input| input == "-") {
        return fail("ERROR: cannot use --in-place with stdin\n");
    }
    let jobs = jobs(args);
    let stderr_painter = args.color.stderr();
    let outcomes: Vec<Outcome> = jobs
        .par_iter()
        .map(|job| process(job, args, stderr_painter))
        .collect();

    let stdout_painter = args.color.stdout();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let (mut changed, mut failed) = (0usize, 0usize);
    // Write errors (a closed pipe) end the listing, not the run: the files
    // are already written.
    for (job, outcome) in jobs.iter().zip(&outcomes) {
        match outcome {
            Outcome::Unchanged => {}
            Outcome::Failed(message) => {
                failed += 1;
                let _ = stderr.write_all(message.as_bytes());
            }
            Outcome::Changed(texts) => {
                changed += 1;
                if let Some((before, after)) = texts {
                    let mut diff = String::new();
                    let after_label = format!("{} (formatted)", job.shown);
                    let hunks = kcfg_render::check::unified(before, after);
                    unified::write(&mut diff, &job.shown, &after_label, &hunks, stdout_painter);
                    let _ = stdout.write_all(diff.as_bytes());
                } else if matches!(job.source, Source::File { .. }) {
                    // The reference names files, not standard input or code.
                    let _ = writeln!(stdout, "{}", job.shown);
                }
            }
        }
    }
    let _ = stdout.flush();
    if args.check {
        let _ = stderr.write_all(summary(jobs.len(), changed, failed, args.in_place).as_bytes());
    }
    if failed > 0 {
        ExitCode::from(1)
    } else if (args.test || args.check) && changed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--check`'s last line, on standard error.
fn summary(total: usize, changed: usize, failed: usize, in_place: bool) -> String {
    let files = |n: usize| {
        if n == 1 {
            "1 file".to_string()
        } else {
            format!("{n} files")
        }
    };
    let mut parts = Vec::new();
    if changed > 0 {
        parts.push(if in_place {
            format!("{changed} reformatted")
        } else {
            format!("{changed} not formatted")
        });
    }
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if parts.is_empty() {
        return format!("kcfg fmt: {} checked, all formatted\n", files(total));
    }
    let mut text = format!("kcfg fmt: {} checked, {}\n", files(total), parts.join(", "));
    if changed > 0 && !in_place {
        text.push_str("kcfg fmt: run `kcfg fmt -i` on them to format them\n");
    }
    text
}

/// The inputs, in order: directories expanded, standard input read once
/// (a second `-` reads nothing, as in the reference), repeated files found.
fn jobs(args: &FmtArgs) -> Vec<Job> {
    let mut jobs = Vec::new();
    let mut stdin_read = false;
    let mut seen = std::collections::HashSet::new();
    let mut file_job = |path: PathBuf, shown: String, jobs: &mut Vec<Job>| {
        let write_to = if args.in_place {
            match files::write_target(&path) {
                // Canonical: two names of one file are written once.
                Ok(target) => {
                    let key = std::fs::canonicalize(&target).unwrap_or_else(|_| target.clone());
                    seen.insert(key).then_some(target)
                }
                // Reading the file reports the problem.
                Err(_) => Some(path.clone()),
            }
        } else {
            None
        };
        jobs.push(Job {
            shown,
            source: Source::File { path, write_to },
        });
    };
    for input in &args.inputs {
        if args.exec {
            jobs.push(Job {
                shown: "<cmdline>".into(),
                source: Source::Text {
                    name: "<cmdline>",
                    text: input.clone(),
                },
            });
        } else if input == "-" {
            let text = if std::mem::replace(&mut stdin_read, true) {
                Ok(String::new())
            } else {
                read_stdin()
            };
            jobs.push(Job {
                shown: "<stdin>".into(),
                source: match text {
                    Ok(text) => Source::Text {
                        name: "<stdin>",
                        text,
                    },
                    Err(message) => Source::Failed(message),
                },
            });
        } else if Path::new(input).is_dir() {
            let (mut found, mut errors) = (Vec::new(), Vec::new());
            files::walk(Path::new(input), &mut found, &mut errors);
            for path in found {
                let shown = path.display().to_string();
                file_job(path, shown, &mut jobs);
            }
            jobs.extend(errors.into_iter().map(|message| Job {
                shown: input.clone(),
                source: Source::Failed(message),
            }));
        } else {
            file_job(PathBuf::from(input), input.clone(), &mut jobs);
        }
    }
    jobs
}

/// Reads, formats and (with `-i`) rewrites one input.
fn process(job: &Job, args: &FmtArgs, stderr_painter: Painter) -> Outcome {
    let (text, name, write_to) = match &job.source {
        Source::Failed(message) => return Outcome::Failed(message.clone()),
        // A file an earlier argument names as well: that one is written.
        Source::File { write_to: None, .. } if args.in_place => return Outcome::Unchanged,
        Source::File { path, write_to } => match read_file(path, &job.shown) {
            Ok(text) => (text, SourceName::Path(path.clone()), write_to.as_deref()),
            Err(message) => return Outcome::Failed(message),
        },
        Source::Text { name, text } => (text.clone(), SourceName::Virtual((*name).into()), None),
    };
    let output = match format_text(name, &text, &args.options, stderr_painter) {
        Ok(output) => output,
        Err(message) => return Outcome::Failed(message),
    };
    if output == text {
        return Outcome::Unchanged;
    }
    if let Some(target) = write_to.filter(|_| args.in_place) {
        // The lexer, like the reference's, stops at a NUL byte; rewriting
        // the file would drop everything after it.
        if text.contains('\0') {
            return Outcome::Failed(format!(
                "ERROR: {}: contains a NUL byte; the formatter reads only up to it, so the file is not rewritten\n",
                job.shown
            ));
        }
        if let Err(message) = files::replace(target, &job.shown, &output) {
            return Outcome::Failed(message);
        }
    }
    Outcome::Changed(args.check.then_some((text, output)))
}
