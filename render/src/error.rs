//! What goes wrong in a render, as values.
//!
//! Nothing here is printed: a failed evaluation keeps its [`Diagnostic`]
//! with the sources its spans point into, so a terminal can show it with a
//! snippet, a language server can turn it into its own diagnostic, and the
//! reference's plain text is one call away ([`EvalError::render_plain`]).
//! [`Error`] stops a whole render (the plan, the output directory);
//! [`Failure`] stops one target while the others go on.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use kcfg_lang::diag::Diagnostic;
use kcfg_lang::span::SourceMap;

/// A failed evaluation: its diagnostic and the sources it points into.
#[derive(Debug, Clone)]
pub struct EvalError {
    /// What went wrong, where, and the stack trace.
    pub diagnostic: Diagnostic,
    /// The files of the evaluation, which the diagnostic's spans name.
    pub sources: Arc<SourceMap>,
}

impl EvalError {
    /// The reference's plain text, ending in a line break; `max_trace`
    /// limits the stack trace as `jsonnet -t` does (0: no limit).
    pub fn render_plain(&self, max_trace: usize) -> String {
        self.diagnostic.render_plain(&self.sources, max_trace)
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.first_line(&self.sources))
    }
}

/// Why one target was not rendered.
#[derive(Debug, Clone)]
pub enum Failure {
    /// Evaluating the target, writing one of its objects or running a
    /// policy on it failed.
    Eval(Box<EvalError>),
    /// The target's value does not hold Kubernetes objects as
    /// [`crate::objects`] asks (the message names the path in the value).
    Objects(String),
    /// The target's directory could not be read, compared or written.
    Output(String),
}

impl Failure {
    /// The failure as a diagnostic: the evaluation's own, or one without a
    /// span (`kcfg::render::objects`, `kcfg::render::output`).
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            Failure::Eval(err) => err.diagnostic.clone(),
            Failure::Objects(message) => {
                Diagnostic::runtime_error("kcfg::render::objects", message.clone())
            }
            Failure::Output(message) => {
                Diagnostic::runtime_error("kcfg::render::output", message.clone())
            }
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Eval(err) => err.fmt(f),
            Failure::Objects(message) | Failure::Output(message) => f.write_str(message),
        }
    }
}

/// A render that would remove too many targets (issue 13: a typo in a glob
/// removed 673 of 683 targets).
#[derive(Debug, Clone)]
pub struct MassDelete {
    /// The targets that left the plan, which would be removed.
    pub stale: Vec<String>,
    /// How many targets the marker lists (of those the selection selects).
    pub listed: usize,
    /// The marker, as messages show it.
    pub marker: PathBuf,
    /// The largest share of `listed` a render may remove.
    pub max_prune_ratio: f64,
    /// The generators of the plan that made no target.
    pub empty_generators: Vec<String>,
}

impl MassDelete {
    /// The share of the listed targets that would be removed.
    pub fn share(&self) -> f64 {
        self.stale.len() as f64 / self.listed.max(1) as f64
    }

    /// Whether the share is over the limit; otherwise the render was
    /// stopped because a generator made no target.
    pub fn over_ratio(&self) -> bool {
        self.share() > self.max_prune_ratio
    }
}

impl fmt::Display for MassDelete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sample: Vec<&str> = self.stale.iter().take(5).map(String::as_str).collect();
        let more = self.stale.len() - sample.len();
        let sample = if more > 0 {
            sample.push("…");
            format!("{} ({more} more)", sample.join(", "))
        } else {
            sample.join(", ")
        };
        let generators = if self.empty_generators.is_empty() {
            String::new()
        } else {
            format!(
                "\nthese generators of the plan made no target (a typo in a glob, a file or a selector?):\n  {}",
                self.empty_generators.join("\n  ")
            )
        };
        if self.over_ratio() {
            write!(
                f,
                "refusing to remove {} of the {} target{} listed in {} ({:.0}%, limit {:.0}%): \
                 {sample}; nothing was changed{generators}",
                self.stale.len(),
                self.listed,
                plural(self.listed),
                self.marker.display(),
                self.share() * 100.0,
                self.max_prune_ratio * 100.0,
            )
        } else {
            write!(
                f,
                "refusing to remove {} target{} ({sample}) while a generator made no target; \
                 nothing was changed{generators}",
                self.stale.len(),
                plural(self.stale.len()),
            )
        }
    }
}

/// Why a render stopped before (or instead of) rendering its targets.
#[derive(Debug)]
pub enum Error {
    /// The plan's directory has no `render.kcfg`.
    NoPlan {
        /// The file looked for.
        path: PathBuf,
    },
    /// Evaluating the plan, or one of its fields, failed.
    PlanEval {
        /// The plan file.
        path: PathBuf,
        /// What was being evaluated (`evaluating the plan failed`).
        context: String,
        /// The evaluation's error.
        error: Box<EvalError>,
    },
    /// The plan's value is not a valid plan (a field, a generator, a
    /// target, a duplicate name).
    PlanInvalid {
        /// The plan file.
        path: PathBuf,
        /// What is wrong, and where in the plan.
        message: String,
    },
    /// An importer could not be made ([`crate::importer::Imports`]).
    Imports(String),
    /// A selection that names targets matched none of the plan's.
    NothingSelected {
        /// How many targets the plan has.
        in_plan: usize,
        /// Globs close to those given that select targets
        /// ([`crate::Selection::suggestions`]).
        suggestions: Vec<String>,
    },
    /// A target's output options do not resolve (a bad file name
    /// template, the hydrator layout with JSON).
    Output {
        /// The target.
        target: String,
        /// What is wrong.
        message: String,
    },
    /// The output directory is not kcfg's to change (its rules are in
    /// [`crate::outdir`]), or it could not be read, locked or updated.
    OutDir(String),
    /// The render would remove more targets than it may.
    MassDelete(Box<MassDelete>),
    /// The worker threads could not be started.
    Threads(String),
}

impl Error {
    /// A stable, readable code for programs that report errors as data
    /// (`kcfg render --error-format json`), in the style of the
    /// diagnostics' codes; a failed plan evaluation has its diagnostic's.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NoPlan { .. } => "kcfg::render::no_plan",
            Error::PlanEval { error, .. } => error.diagnostic.code,
            Error::PlanInvalid { .. } => "kcfg::render::plan_invalid",
            Error::Imports(_) => "kcfg::render::imports",
            Error::NothingSelected { .. } => "kcfg::render::nothing_selected",
            Error::Output { .. } => "kcfg::render::output",
            Error::OutDir(_) => "kcfg::render::out_dir",
            Error::MassDelete(_) => "kcfg::render::mass_delete",
            Error::Threads(_) => "kcfg::render::threads",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoPlan { path } => write!(f, "no plan: {} does not exist", path.display()),
            Error::PlanEval {
                path,
                context,
                error,
            } => write!(f, "{}: {context}: {error}", path.display()),
            Error::PlanInvalid { path, message } => write!(f, "{}: {message}", path.display()),
            Error::Imports(message) | Error::OutDir(message) | Error::Threads(message) => {
                f.write_str(message)
            }
            Error::NothingSelected {
                in_plan,
                suggestions,
            } => {
                write!(
                    f,
                    "no target of the plan matches the selection ({in_plan} targets in the plan)"
                )?;
                if !suggestions.is_empty() {
                    write!(f, "; did you mean {}?", quoted(suggestions))?;
                }
                Ok(())
            }
            Error::Output { target, message } => write!(f, "target {target}: {message}"),
            Error::MassDelete(mass) => mass.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<MassDelete> for Error {
    fn from(mass: MassDelete) -> Error {
        Error::MassDelete(Box::new(mass))
    }
}

/// `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`: globs as a shell takes them.
pub(crate) fn quoted(globs: &[String]) -> String {
    let quoted: Vec<String> = globs.iter().map(|glob| format!("'{glob}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// `s` for every count but one.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mass(stale: usize, listed: usize, empty: &[&str]) -> MassDelete {
        MassDelete {
            stale: (0..stale).map(|index| format!("t{index}")).collect(),
            listed,
            marker: PathBuf::from("out/.kcfg-rendered"),
            max_prune_ratio: 0.5,
            empty_generators: empty.iter().map(|text| text.to_string()).collect(),
        }
    }

    #[test]
    fn issue15_mass_delete_says_what_and_why() {
        let over = mass(7, 10, &[]);
        assert!(over.over_ratio());
        assert_eq!(
            over.to_string(),
            "refusing to remove 7 of the 10 targets listed in out/.kcfg-rendered (70%, limit 50%): \
             t0, t1, t2, t3, t4, … (2 more); nothing was changed"
        );
        let generator = mass(
            1,
            10,
            &["generators[0]: directories('apps/*') matched nothing"],
        );
        assert!(!generator.over_ratio());
        assert_eq!(
            generator.to_string(),
            "refusing to remove 1 target (t0) while a generator made no target; nothing was \
             changed\nthese generators of the plan made no target (a typo in a glob, a file or a \
             selector?):\n  generators[0]: directories('apps/*') matched nothing"
        );
    }

    #[test]
    fn failures_are_diagnostics() {
        let failure = Failure::Objects(".spec: expected an object".into());
        let diagnostic = failure.diagnostic();
        assert_eq!(diagnostic.code, "kcfg::render::objects");
        assert_eq!(diagnostic.message, failure.to_string());
    }
}
