//! The plan's inputs on the command line: the external variables and
//! top-level arguments (`-V/--ext-str`, `--ext-code`, `--ext-str-file`,
//! `--ext-code-file`, `-A/--tla-str`, `--tla-code`, `--tla-str-file`,
//! `--tla-code-file`) that `kcfg render` and `kcfg fleet-diff` both take
//! (`#[command(flatten)]`), so that a fleet diff evaluates the plan CI
//! renders. [`PlanInputArgs::resolve`] turns them into the
//! `(ext_vars, tlas)` that `kcfg_render::Renderer::load_plan` takes.

use std::path::{Path, PathBuf};

use clap::Args;
use kcfg_lang::eval::ExtValue;
use kcfg_lang::span::SourceName;

/// Variables by name, as the renderer takes them.
pub type Variables = Vec<(String, ExtValue)>;

/// The plan's external variables and top-level arguments.
#[derive(Debug, Clone, Default, Args)]
pub struct PlanInputArgs {
    /// External variable of the plan, as a string (NAME=VALUE, or NAME to read the environment)
    #[arg(short = 'V', long = "ext-str", value_name = "NAME[=VALUE]")]
    ext_str: Vec<String>,

    /// External variable of the plan, as code
    #[arg(long = "ext-code", value_name = "NAME[=CODE]")]
    ext_code: Vec<String>,

    /// External variable of the plan, a string read from a file
    #[arg(long = "ext-str-file", value_name = "NAME=FILE")]
    ext_str_file: Vec<String>,

    /// External variable of the plan, code read from a file
    #[arg(long = "ext-code-file", value_name = "NAME=FILE")]
    ext_code_file: Vec<String>,

    /// Top-level argument of the plan, as a string
    #[arg(short = 'A', long = "tla-str", value_name = "NAME[=VALUE]")]
    tla_str: Vec<String>,

    /// Top-level argument of the plan, as code
    #[arg(long = "tla-code", value_name = "NAME[=CODE]")]
    tla_code: Vec<String>,

    /// Top-level argument of the plan, a string read from a file
    #[arg(long = "tla-str-file", value_name = "NAME=FILE")]
    tla_str_file: Vec<String>,

    /// Top-level argument of the plan, code read from a file
    #[arg(long = "tla-code-file", value_name = "NAME=FILE")]
    tla_code_file: Vec<String>,
}

/// One kind of flag: its name, its values, whether it sets an external
/// variable (`ext`) or a top-level argument (`tla`), whether its values are
/// code, and whether they name a file.
struct Flag<'a> {
    name: &'static str,
    values: &'a [String],
    kind: &'static str,
    code: bool,
    file: bool,
}

fn flag<'a>(
    name: &'static str,
    values: &'a [String],
    kind: &'static str,
    code: bool,
    file: bool,
) -> Flag<'a> {
    Flag {
        name,
        values,
        kind,
        code,
        file,
    }
}

impl PlanInputArgs {
    /// The eight flags in the order the help lists them.
    fn flags(&self) -> [Flag<'_>; 8] {
        [
            flag("--ext-str", &self.ext_str, "ext", false, false),
            flag("--ext-code", &self.ext_code, "ext", true, false),
            flag("--ext-str-file", &self.ext_str_file, "ext", false, true),
            flag("--ext-code-file", &self.ext_code_file, "ext", true, true),
            flag("--tla-str", &self.tla_str, "tla", false, false),
            flag("--tla-code", &self.tla_code, "tla", true, false),
            flag("--tla-str-file", &self.tla_str_file, "tla", false, true),
            flag("--tla-code-file", &self.tla_code_file, "tla", true, true),
        ]
    }

    /// The external variables and the top-level arguments, in that order.
    /// A `*-file` flag's file is read here, once; a variable given twice
    /// takes its last value.
    pub fn resolve(&self) -> Result<(Variables, Variables), String> {
        let mut vars: [Variables; 2] = [Vec::new(), Vec::new()];
        for flag in self.flags() {
            let into = &mut vars[usize::from(flag.kind == "tla")];
            for value in flag.values {
                let (name, value) = variable(value, flag.kind, flag.code, flag.file)?;
                into.retain(|(existing, _)| *existing != name);
                into.push((name, value));
            }
        }
        let [ext_vars, tlas] = vars;
        Ok((ext_vars, tlas))
    }

    /// The flags as given, as words of a command line, with the path of
    /// every `*-file` flag passed through `path` (`kcfg render` records
    /// them relative to the plan's directory, issue 16).
    pub fn words(&self, path: impl Fn(&Path) -> PathBuf) -> Vec<String> {
        let mut words = Vec::new();
        for flag in self.flags() {
            for value in flag.values {
                let value = match value.split_once('=') {
                    Some((name, file)) if flag.file => {
                        format!("{name}={}", path(Path::new(file)).display())
                    }
                    _ => value.clone(),
                };
                words.extend([flag.name.to_string(), value]);
            }
        }
        words
    }
}

/// Reads `NAME=VALUE`, `NAME` (from the environment) or `NAME=FILE`.
fn variable(flag: &str, kind: &str, code: bool, file: bool) -> Result<(String, ExtValue), String> {
    let (name, text, source) = match flag.split_once('=') {
        Some((name, rest)) if file => {
            let text = std::fs::read_to_string(rest)
                .map_err(|err| format!("--{kind}-*-file {name}: cannot read {rest}: {err}"))?;
            (name, text, SourceName::Path(PathBuf::from(rest)))
        }
        Some((name, value)) => (
            name,
            value.to_string(),
            SourceName::Virtual(format!("<{kind}:{name}>")),
        ),
        None if file => return Err(format!("expected NAME=FILE, got {flag:?}")),
        None => match std::env::var(flag) {
            Ok(value) => (flag, value, SourceName::Virtual(format!("<{kind}:{flag}>"))),
            Err(_) => return Err(format!("environment variable {flag} is not set")),
        },
    };
    if name.is_empty() {
        return Err(format!("missing variable name in {flag:?}"));
    }
    let value = if code {
        ExtValue::Code { name: source, text }
    } else {
        ExtValue::Str(text)
    };
    Ok((name.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tla_code: &[&str], ext_str: &[&str]) -> PlanInputArgs {
        PlanInputArgs {
            tla_code: tla_code.iter().map(|s| s.to_string()).collect(),
            ext_str: ext_str.iter().map(|s| s.to_string()).collect(),
            ..PlanInputArgs::default()
        }
    }

    #[test]
    fn issue18_last_value_wins_and_kinds_stay_apart() {
        let (ext_vars, tlas) = args(&["a=1", "b=2", "a=3"], &["a=x"]).resolve().unwrap();
        let names = |vars: &Variables| -> Vec<String> {
            vars.iter().map(|(name, _)| name.clone()).collect()
        };
        assert_eq!(names(&ext_vars), ["a"]);
        assert_eq!(names(&tlas), ["b", "a"]);
        assert!(matches!(&tlas[1].1, ExtValue::Code { text, .. } if text == "3"));
        assert!(matches!(&ext_vars[0].1, ExtValue::Str(text) if text == "x"));
    }

    #[test]
    fn issue18_bad_flags_name_what_is_wrong() {
        assert_eq!(
            args(&["=1"], &[]).resolve().unwrap_err(),
            "missing variable name in \"=1\""
        );
        let file = PlanInputArgs {
            tla_code_file: vec!["x".into()],
            ..PlanInputArgs::default()
        };
        assert_eq!(file.resolve().unwrap_err(), "expected NAME=FILE, got \"x\"");
        let missing = PlanInputArgs {
            ext_str_file: vec!["x=/nonexistent/kcfg-issue18".into()],
            ..PlanInputArgs::default()
        };
        let err = missing.resolve().unwrap_err();
        assert!(
            err.starts_with("--ext-*-file x: cannot read /nonexistent/kcfg-issue18: "),
            "{err}"
        );
    }

    #[test]
    fn issue18_words_rewrite_only_file_paths() {
        let flags = PlanInputArgs {
            tla_code: vec!["a=1".into()],
            ext_str_file: vec!["b=dir/f.txt".into()],
            ..PlanInputArgs::default()
        };
        let words = flags.words(|path| Path::new("..").join(path));
        assert_eq!(
            words,
            ["--ext-str-file", "b=../dir/f.txt", "--tla-code", "a=1"]
        );
    }
}
