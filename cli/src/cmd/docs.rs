//! `kcfg completions SHELL` and `kcfg manpages DIR`: kcfg's command line
//! described for shells and for `man` (issue 16), from the same clap
//! definitions that parse it.
//!
//! `kcfg eval` and `kcfg fmt` are the exceptions: they take the `jsonnet`
//! and `jsonnetfmt` command lines, which [`super::eval::args`] and
//! [`super::fmt::args`] parse by hand (clap cannot: `-abc` is `-a -b -c`,
//! `-e` changes what the file argument is). So the description shells and
//! man pages get comes from [`eval_command`] and [`fmt_command`], clap
//! `Command`s that only describe those flags; tests hold each to its
//! command's `--help` and to its parser, so a flag added there without being
//! added here fails the build's tests.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Arg, ArgAction, Command, ValueHint};
use clap_complete::Shell;

use super::CmdError;

/// Print shell completions for kcfg.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = COMPLETIONS_HELP)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

const COMPLETIONS_HELP: &str = "\
Examples:
  kcfg completions bash > ~/.local/share/bash-completion/completions/kcfg
  kcfg completions zsh > \"${fpath[1]}/_kcfg\"
  kcfg completions fish > ~/.config/fish/completions/kcfg.fish
  echo 'source <(kcfg completions bash)' >> ~/.bashrc   # or load them at start-up

The script is printed to standard output. `kcfg eval` completes the jsonnet
flags it takes.";

/// Write one man page per command into a directory.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = MANPAGES_HELP)]
pub struct ManpagesArgs {
    /// The directory (created if missing); pages are named kcfg.1,
    /// kcfg-eval.1, kcfg-argocd-generate.1, ...
    #[arg(value_hint = ValueHint::DirPath)]
    pub dir: PathBuf,
}

const MANPAGES_HELP: &str = "\
Examples:
  kcfg manpages ~/.local/share/man/man1 && man kcfg-apply
  kcfg manpages dist/man/man1

Existing pages of the same names are replaced; nothing else in the directory is
touched. The written paths are printed, one per line.";

impl CompletionsArgs {
    /// Prints the completion script of `cli` (kcfg's whole command line).
    pub fn run(self, cli: Command) -> Result<ExitCode, CmdError> {
        let mut cli = with_eval(cli);
        let mut out = Vec::new();
        clap_complete::generate(self.shell, &mut cli, "kcfg", &mut out);
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`kcfg completions bash | head`) is not an error.
        let _ = stdout.write_all(&out);
        Ok(ExitCode::SUCCESS)
    }
}

impl ManpagesArgs {
    /// Writes the man pages of `cli` and of each of its subcommands.
    pub fn run(self, cli: Command) -> Result<ExitCode, CmdError> {
        let written = write_manpages(cli, &self.dir)?;
        let mut stdout = std::io::stdout().lock();
        for path in written {
            let _ = writeln!(stdout, "{}", path.display());
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Writes `kcfg.1` and one page per (visible) subcommand, at any depth, into
/// `dir`; returns the paths in the order written.
pub fn write_manpages(cli: Command, dir: &Path) -> Result<Vec<PathBuf>, CmdError> {
    std::fs::create_dir_all(dir)
        .map_err(|err| CmdError(format!("cannot create {}: {err}", dir.display())))?;
    let mut cli = with_eval(cli).disable_help_subcommand(true);
    cli.build();
    let mut written = Vec::new();
    write_page(&cli, dir, &mut written)?;
    Ok(written)
}

fn write_page(cmd: &Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<(), CmdError> {
    let man = clap_mangen::Man::new(cmd.clone())
        .date(env!("KCFG_BUILD_DATE"))
        .source(format!("kcfg {}", env!("CARGO_PKG_VERSION")))
        .manual("kcfg manual");
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    man.render(&mut page)
        .map_err(|err| CmdError(format!("cannot render {}: {err}", path.display())))?;
    std::fs::write(&path, page)
        .map_err(|err| CmdError(format!("cannot write {}: {err}", path.display())))?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        write_page(sub, dir, written)?;
    }
    Ok(())
}

/// `cli` with its `eval` and `fmt` subcommands (bags of raw arguments for
/// parsing) replaced by [`eval_command`]'s and [`fmt_command`]'s
/// descriptions.
fn with_eval(cli: Command) -> Command {
    cli.mut_subcommand("eval", |_| eval_command())
        .mut_subcommand("fmt", |_| fmt_command())
}

/// A flag without a value, as the hand-written help lists it.
fn flag(id: &'static str, short: Option<char>, long: &'static str, help: &'static str) -> Arg {
    let arg = Arg::new(id)
        .long(long)
        .help(help)
        .action(ArgAction::SetTrue);
    match short {
        Some(short) => arg.short(short),
        None => arg,
    }
}

/// A flag that takes a value.
fn option(
    id: &'static str,
    short: Option<char>,
    long: &'static str,
    value: &'static str,
    hint: ValueHint,
    help: &'static str,
) -> Arg {
    flag(id, short, long, help)
        .value_name(value)
        .value_hint(hint)
        .action(ArgAction::Append)
}

/// A jsonnetfmt switch with its `--no-` form.
fn switch(long: &'static str, no: &'static str, help: &'static str) -> [Arg; 2] {
    [
        flag(long, None, long, help),
        flag(no, None, no, "Turn the option above off").hide_short_help(true),
    ]
}

/// `kcfg fmt`'s flags as `kcfg fmt --help` lists them, for completions and
/// man pages only (see the module's documentation).
pub fn fmt_command() -> Command {
    let var = ValueHint::Other;
    Command::new("fmt")
        .about("Reformat kcfg / Jsonnet files (a drop-in for the `jsonnetfmt` command)")
        .long_about(
            "Reformats kcfg / Jsonnet code exactly as jsonnetfmt 0.22 does. The flags, \
             messages and exit statuses are those of jsonnetfmt; with -i, --test or --check, \
             a directory formats every .kcfg, .jsonnet and .libsonnet file under it, in parallel.",
        )
        .override_usage("kcfg fmt [OPTIONS] [FILES|DIRS]...")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args([
            flag("help", Some('h'), "help", "Print help"),
            flag("version", None, "version", "Print version"),
            flag("exec", Some('e'), "exec", "Treat the file name as code"),
            option(
                "output-file",
                Some('o'),
                "output-file",
                "FILE",
                ValueHint::FilePath,
                "Write to the output file rather than standard output",
            ),
            flag(
                "in-place",
                Some('i'),
                "in-place",
                "Rewrite each file that is not formatted, print its name",
            ),
            flag(
                "test",
                None,
                "test",
                "Print the name of each file that is not formatted; exit 2 if any",
            ),
            flag(
                "check",
                None,
                "check",
                "Like --test, but print a unified diff of each file instead",
            ),
            option(
                "indent",
                Some('n'),
                "indent",
                "N",
                var,
                "Spaces per indentation level (default 2, 0 leaves indentation)",
            ),
            option(
                "max-blank-lines",
                None,
                "max-blank-lines",
                "N",
                var,
                "Most blank lines in a row (default 2, 0 means no limit)",
            ),
            option(
                "string-style",
                None,
                "string-style",
                "d|s|l",
                var,
                "Double or single (default) quotes, or leave them as written",
            )
            .value_parser(["d", "s", "l"]),
            option(
                "comment-style",
                None,
                "comment-style",
                "h|s|l",
                var,
                "# (h) or // (s, default) comments, or leave them",
            )
            .value_parser(["h", "s", "l"]),
            flag(
                "debug-desugaring",
                None,
                "debug-desugaring",
                "Not supported (jsonnetfmt's output embeds its std.jsonnet)",
            ),
            option(
                "color",
                None,
                "color",
                "WHEN",
                var,
                "Colored diffs and rich errors: auto (on a terminal), always, never",
            )
            .value_parser(["auto", "always", "never"]),
        ])
        .args(switch(
            "pretty-field-names",
            "no-pretty-field-names",
            "Use syntax sugar for fields and indexing (on by default)",
        ))
        .args(switch(
            "pad-arrays",
            "no-pad-arrays",
            "[ 1, 2, 3 ] instead of [1, 2, 3]",
        ))
        .args(switch(
            "pad-objects",
            "no-pad-objects",
            "{ x: 1, y: 2 } instead of {x: 1, y: 2} (on by default)",
        ))
        .args(switch(
            "sort-imports",
            "no-sort-imports",
            "Sort each group of top-level imports (on by default)",
        ))
        .args(switch(
            "use-implicit-plus",
            "no-use-implicit-plus",
            "a + { x: 1 } as a { x: 1 } (on by default)",
        ))
        .arg(
            Arg::new("files")
                .value_name("FILES")
                .num_args(0..)
                .value_hint(ValueHint::AnyPath)
                .help("Files (- for standard input), or with -e the code; directories with -i, --test or --check"),
        )
}

/// `kcfg eval`'s flags as `kcfg eval --help` lists them, for completions
/// and man pages only (see the module's documentation).
pub fn eval_command() -> Command {
    let var = ValueHint::Other;
    Command::new("eval")
        .about("Evaluate a program and print its value (a drop-in for the `jsonnet` command)")
        .long_about(
            "Evaluates a kcfg / Jsonnet program and prints its value as JSON. The flags, \
             outputs, messages and exit statuses are those of the jsonnet command (0.22); \
             multi-character short flags expand (-abc is -a -b -c) and -- ends the options.",
        )
        .override_usage("kcfg eval [OPTIONS] <FILENAME>")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args([
            flag("help", Some('h'), "help", "Print help"),
            flag("version", Some('v'), "version", "Print version"),
            flag("exec", Some('e'), "exec", "Treat the file name as code"),
            option(
                "jpath",
                Some('J'),
                "jpath",
                "DIR",
                ValueHint::DirPath,
                "Add a library search directory (right-most wins)",
            ),
            option(
                "output-file",
                Some('o'),
                "output-file",
                "FILE",
                ValueHint::FilePath,
                "Write to the file rather than standard output",
            ),
            option(
                "multi",
                Some('m'),
                "multi",
                "DIR",
                ValueHint::DirPath,
                "Write one file per field into the directory, list them on standard output",
            ),
            flag(
                "create-output-dirs",
                Some('c'),
                "create-output-dirs",
                "Create the directories -o and -m write into",
            ),
            flag(
                "yaml-stream",
                Some('y'),
                "yaml-stream",
                "Write a YAML stream of JSON documents",
            ),
            flag(
                "string",
                Some('S'),
                "string",
                "Expect a string, write it as plain text",
            ),
            flag(
                "no-trailing-newline",
                None,
                "no-trailing-newline",
                "Do not add a trailing newline",
            ),
            option(
                "max-stack",
                Some('s'),
                "max-stack",
                "N",
                var,
                "Number of allowed stack frames (default 500)",
            ),
            option(
                "max-trace",
                Some('t'),
                "max-trace",
                "N",
                var,
                "Stack trace lines before cropping (default 20, 0 = no limit)",
            ),
            option(
                "max-memory",
                None,
                "max-memory",
                "SIZE",
                var,
                "Memory the evaluation may use, like 512Mi or 8Gi (default: half of the memory available)",
            ),
            option(
                "color",
                None,
                "color",
                "WHEN",
                var,
                "Colours of rich error messages: auto (on a terminal), always, never",
            )
            .value_parser(["auto", "always", "never"]),
            option(
                "error-format",
                None,
                "error-format",
                "FORMAT",
                var,
                "rich (source snippet, hints), plain (the reference's text) or json (one object per line)",
            )
            .value_parser(["rich", "plain", "json"]),
            option(
                "gc-min-objects",
                None,
                "gc-min-objects",
                "N",
                var,
                "Accepted for compatibility",
            ),
            option(
                "gc-growth-trigger",
                None,
                "gc-growth-trigger",
                "N",
                var,
                "Accepted for compatibility",
            ),
            option(
                "ext-str",
                Some('V'),
                "ext-str",
                "VAR[=VALUE]",
                var,
                "External variable as a string (VALUE from the environment variable VAR if omitted)",
            ),
            option(
                "ext-str-file",
                None,
                "ext-str-file",
                "VAR=FILE",
                var,
                "External variable as a string read from FILE when used (found like an import)",
            ),
            option(
                "ext-code",
                None,
                "ext-code",
                "VAR[=CODE]",
                var,
                "External variable as code (CODE from the environment variable VAR if omitted)",
            ),
            option(
                "ext-code-file",
                None,
                "ext-code-file",
                "VAR=FILE",
                var,
                "External variable as code read from FILE when used (found like an import)",
            ),
            option(
                "tla-str",
                Some('A'),
                "tla-str",
                "VAR[=VALUE]",
                var,
                "Top-level argument as a string (VALUE from the environment variable VAR if omitted)",
            ),
            option(
                "tla-str-file",
                None,
                "tla-str-file",
                "VAR=FILE",
                var,
                "Top-level argument as a string read from FILE when used (found like an import)",
            ),
            option(
                "tla-code",
                None,
                "tla-code",
                "VAR[=CODE]",
                var,
                "Top-level argument as code (CODE from the environment variable VAR if omitted)",
            ),
            option(
                "tla-code-file",
                None,
                "tla-code-file",
                "VAR=FILE",
                var,
                "Top-level argument as code read from FILE when used (found like an import)",
            ),
            Arg::new("filename")
                .value_name("FILENAME")
                .value_hint(ValueHint::FilePath)
                .help("The program's file, - for standard input, or with -e the code"),
        ])
        .after_help(
            "Environment: JSONNET_PATH, a colon-separated list of library directories \
             searched after the -J ones (left-most wins).",
        )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::ffi::OsString;

    use super::*;
    use crate::cmd::eval::args::{parse, ProcessEnv};
    use crate::cmd::eval::{usage, Personality};

    /// The flags `cmd` describes, as `-x` and `--long`.
    fn described(cmd: &Command) -> BTreeSet<String> {
        let mut res = BTreeSet::new();
        for arg in cmd.get_arguments() {
            if let Some(short) = arg.get_short() {
                res.insert(format!("-{short}"));
            }
            if let Some(long) = arg.get_long() {
                res.insert(format!("--{long}"));
            }
        }
        res
    }

    /// The flags a hand-written help lists: the option column of each line
    /// that starts with a flag; `--[no-]x` is `--x` and `--no-x`.
    fn documented(help: &str) -> BTreeSet<String> {
        let mut res = BTreeSet::new();
        for line in help.lines() {
            let line = line.trim_start();
            if !line.starts_with('-') {
                continue;
            }
            let column = line.split("  ").next().unwrap_or_default();
            for word in column.split([' ', '/']) {
                let name = word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
                if let Some(rest) = name.strip_prefix("--[no-]") {
                    res.insert(format!("--{rest}"));
                    res.insert(format!("--no-{rest}"));
                    continue;
                }
                let is_flag = (name.starts_with("--") && name.len() > 2)
                    || (name.len() == 2 && name.starts_with('-'));
                if is_flag {
                    res.insert(name.to_string());
                }
            }
        }
        res
    }

    #[test]
    fn issue16_eval_description_matches_its_help_and_parser() {
        let described = described(&eval_command());
        let documented = documented(&usage(Personality::Kcfg));
        assert!(documented.len() > 20, "{documented:?}");
        let missing: Vec<_> = documented.difference(&described).collect();
        assert!(
            missing.is_empty(),
            "flags in `kcfg eval --help` but not in docs::eval_command: {missing:?}"
        );
        // Every described flag is one the parser takes (-v is the
        // reference's short --version, which its help does not list).
        for flag in &described {
            let raw: Vec<OsString> = [flag.as_str(), "auto", "x.jsonnet"]
                .iter()
                .map(OsString::from)
                .collect();
            if let Err(err) = parse(&raw, &ProcessEnv) {
                assert!(
                    !err.message.contains("unrecognized argument"),
                    "{flag}: {}",
                    err.message
                );
            }
        }
    }

    #[test]
    fn issue16_fmt_description_matches_its_help_and_parser() {
        let described = described(&fmt_command());
        let documented = documented(&crate::cmd::fmt::usage(crate::cmd::fmt::Personality::Kcfg));
        assert!(documented.len() > 20, "{documented:?}");
        let missing: Vec<_> = documented.difference(&described).collect();
        assert!(
            missing.is_empty(),
            "flags in `kcfg fmt --help` but not in docs::fmt_command: {missing:?}"
        );
        // Every described flag is one the parser takes.
        for flag in &described {
            let raw: Vec<OsString> = [flag.as_str(), "s", "x.jsonnet"]
                .iter()
                .map(OsString::from)
                .collect();
            if let Err(err) = crate::cmd::fmt::args::parse(&raw) {
                assert!(
                    !err.text.contains("unrecognized argument"),
                    "{flag}: {}",
                    err.text
                );
            }
        }
    }

    #[test]
    fn eval_is_described_in_the_whole_command() {
        let cli = with_eval(
            Command::new("kcfg")
                .subcommand(Command::new("eval"))
                .subcommand(Command::new("fmt")),
        );
        let eval = cli.find_subcommand("eval").unwrap();
        assert!(eval.get_arguments().any(|a| a.get_long() == Some("jpath")));
        eval.clone().debug_assert();
        let fmt = cli.find_subcommand("fmt").unwrap();
        assert!(fmt
            .get_arguments()
            .any(|a| a.get_long() == Some("in-place")));
        fmt.clone().debug_assert();
    }
}
