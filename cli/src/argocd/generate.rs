//! `kcfg argocd generate`: render the application as one YAML stream.
//!
//! ```text
//! environment ──env──▶ location, parameters ──entry──▶ main.kcfg | render.kcfg
//!      ──signature──▶ typed inputs ──evaluate (budget, confined)──▶ objects ──▶ stdout
//! ```
//!
//! A plain entry is evaluated once with the parameters as top-level
//! arguments. A render plan is evaluated with them as the plan's arguments,
//! and then every target the `target` parameter selects (all by default).
//! Both go through `kcfg render`'s renderer (`kcfg_render::Renderer`, in
//! memory, each target in its own arena, in parallel): objects are found
//! by its rules (`kcfg_render::objects`; Argo CD does not flatten arrays or
//! `List` kinds coming from a plugin, so every object is its own document),
//! the plan's policies run on every object, and each target comes back as
//! one YAML stream. This module keeps what is the plugin's own: the
//! environment contract, the budgets, importers confined to the
//! repository, one object only once across targets, and standard output
//! written once.
//!
//! Nothing is written to disk. The stream is assembled in memory and
//! printed only when every target has rendered and passed its policies;
//! otherwise the diagnostics go to standard error and standard output
//! stays empty, so Argo CD never applies half a render (with `prune`, an
//! empty or partial render would delete resources).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use kcfg_lang::eval::Interrupt;
use kcfg_lang::program::Importer;
use kcfg_lang::span::{SourceMap, SourceName};
use kcfg_render::importer::Warnings;
use kcfg_render::project::ProjectSearch;
use kcfg_render::signature::{self, Param};
use kcfg_render::{
    Batch, Output, OutputOptions, Plan, Renderer, Selection, Settings, Status, Target, TargetReport,
};

use super::budget::{self, Budget, Watchdog};
use super::confine::ConfinedImporter;
use super::entry::{self, Entry};
use super::env::{self, Environment, Location};
use super::parameters::{self, Inputs, Parameters, RESERVED};
use crate::report::{self, Errors};

/// How `generate` runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time and memory.
    pub budget: Budget,
    /// Maximum stack frames of an evaluation.
    pub max_stack: usize,
    /// How diagnostics are printed on standard error (the stack trace
    /// lines, `--error-format`, colours).
    pub errors: Errors,
    /// Targets evaluated in parallel.
    pub jobs: usize,
    /// Print the time, object count and peak heap on standard error.
    pub stats: bool,
}

/// Everything the three read-only commands share: where the application
/// is, what to evaluate, how imports are confined, and the entry's
/// top-level arguments.
pub struct Prepared {
    /// The repository and the application's directory.
    pub location: Location,
    /// The entry.
    pub entry: Entry,
    /// The entry as the user knows it.
    pub entry_shown: String,
    /// The entry's top-level arguments (`None`: not a function).
    pub signature: Option<Vec<Param>>,
    /// The parameters.
    pub parameters: Parameters,
}

/// Locates the application, finds its entry and reads its signature.
pub fn prepare(env: &Environment, cwd: &Path) -> Result<Prepared, String> {
    let location = env::locate(cwd, env.get("ARGOCD_APP_SOURCE_PATH"))?;
    let entry = entry::find(&location, env)?;
    let entry_shown = entry.shown(&location);
    // The signature is read through the confinement too: an entry that is
    // a link out of the repository is refused here.
    let reader = ConfinedImporter::new(&location.root, &[])?;
    let path = entry.path();
    let bytes = reader
        .read(&path)
        .map_err(|err| format!("cannot read {entry_shown}: {err}"))?;
    let text = String::from_utf8_lossy(&bytes);
    let sources = SourceMap::new();
    let file = sources.add(SourceName::Path(path), text.as_ref());
    // A syntax error is reported by the evaluation, with its snippet.
    let signature = signature::read(&file, Some(crate::memory::memory()));
    let mut known: Vec<&str> = RESERVED.to_vec();
    if let Some(params) = &signature {
        known.extend(params.iter().map(|param| param.name.as_str()));
    }
    let parameters = parameters::read(env, &known)?;
    Ok(Prepared {
        location,
        entry,
        entry_shown,
        signature,
        parameters,
    })
}

/// Runs `kcfg argocd generate` in the current directory.
pub fn run(options: Options) -> ExitCode {
    budget::exit_on_sigterm();
    let interrupt = Arc::new(Interrupt::new());
    crate::memory::set_limit(options.budget.memory, budget::MEMORY_HINT.into());
    crate::memory::memory().set_reserve(budget::reserve(options.budget.memory));
    let watchdog = Watchdog::start(
        options.budget,
        interrupt.clone(),
        crate::memory::memory().clone(),
    );
    let started = std::time::Instant::now();
    let stats = options.stats;
    let errors = options.errors;
    let env = Environment::from_process();
    let result = match std::env::current_dir() {
        Ok(cwd) => {
            kcfg_render::threads::on_big_stack(move || generate(&env, &cwd, &options, interrupt))
                .unwrap_or_else(|err| {
                    Err(format!(
                        "INTERNAL ERROR: cannot start the evaluation thread: {err}\n"
                    ))
                })
        }
        Err(err) => Err(format!("error: cannot read the working directory: {err}\n")),
    };
    if !watchdog.finish() {
        // The watchdog is stopping the process; print nothing.
        loop {
            std::thread::park();
        }
    }
    match result {
        Ok(stream) => {
            if stats {
                let objects = stream.matches("---\n").count();
                eprintln!(
                    "kcfg argocd generate: {} object{}, {} bytes in {:.1} ms, peak heap {}",
                    objects,
                    if objects == 1 { "" } else { "s" },
                    stream.len(),
                    started.elapsed().as_secs_f64() * 1000.0,
                    kcfg_lang::memory::format_size(crate::memory::memory().peak())
                );
            }
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(stream.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("error: cannot write the manifests: {err}");
                    ExitCode::from(1)
                }
            }
        }
        Err(text) => {
            let _ = std::io::stderr().write_all(as_format(&text, &errors).as_bytes());
            ExitCode::from(1)
        }
    }
}

/// The text for standard error in the format asked for: with
/// `--error-format json`, a message that is not already JSON lines (the
/// plugin's own `error: …` texts) becomes one JSON diagnostic.
fn as_format(text: &str, errors: &Errors) -> String {
    if !errors.is_json() || text.starts_with('{') {
        return text.to_string();
    }
    let message = text.trim_end();
    let message = message.strip_prefix("error: ").unwrap_or(message);
    errors.message("kcfg::argocd::generate", message)
}

/// Renders the application; the error is the text for standard error.
pub fn generate(
    env: &Environment,
    cwd: &Path,
    options: &Options,
    interrupt: Arc<Interrupt>,
) -> Result<String, String> {
    let prepared = prepare(env, cwd).map_err(|message| format!("error: {message}\n"))?;
    let inputs = parameters::inputs(
        &prepared.parameters,
        prepared.signature.as_deref(),
        env,
        &prepared.entry_shown,
    )
    .map_err(|message| format!("error: {message}\n"))?;
    let mut stderr = std::io::stderr();
    for warning in &inputs.warnings {
        let _ = writeln!(stderr, "{warning}");
    }
    if !prepared.parameters.json.is_empty() {
        // With the JSON present, unclaimed variables are its duplicates.
    } else {
        for name in &prepared.parameters.unclaimed {
            let _ = writeln!(
                stderr,
                "warning: {name} matches no top-level argument of {} and no reserved parameter; ignored",
                prepared.entry_shown
            );
        }
    }
    let jpath = library_dirs(&inputs)?;
    let root = prepared.location.root.clone();
    let warnings = Warnings::to(|text| eprintln!("{text}"));
    let renderer = Renderer::new(Settings {
        // Every file of the render is read through the confinement: imports,
        // the entry, the plan's inventories and policies.
        imports: Arc::new(move |search: &[PathBuf]| {
            ConfinedImporter::new(&root, search).map(|importer| {
                Arc::new(importer.with_warnings(warnings.clone())) as Arc<dyn Importer>
            })
        }),
        jpath,
        // Tanka's and jsonnet-bundler's layout, never above the repository;
        // without a jsonnetfile.json the repository's root is the project's.
        project: ProjectSearch::Within(prepared.location.root.clone()),
        hydrator_command: None,
        max_stack: options.max_stack,
        jobs: options.jobs,
        trace: Arc::new(|line: &str| eprintln!("{line}")),
        interrupt: Some(interrupt),
        memory: Some(crate::memory::memory().clone()),
        build: crate::BUILD.to_string(),
    });
    let failed = |err: kcfg_render::Error| report::render_error(&err, &options.errors);
    match &prepared.entry {
        Entry::File(path) => {
            if !inputs.targets.is_empty() {
                return Err(format!(
                    "error: the `target` parameter selects targets of a render plan, but {} is not one\n",
                    prepared.entry_shown
                ));
            }
            let target = Target {
                name: prepared.entry_shown.clone(),
                entry: path.clone(),
                tlas: inputs.tlas.clone(),
                ext_vars: inputs.ext_vars.clone(),
                jpath: Vec::new(),
                namespace: None,
                output: OutputOptions::default(),
                info: kcfg_render::info::Info::new(
                    serde_json::json!({ "name": prepared.entry_shown }),
                ),
            };
            let batch = Batch::new(vec![&target], Output::yaml_stream(), &[]);
            let reports = renderer.render(&batch, &|_| {}).map_err(failed)?;
            stream(reports, false, options)
        }
        Entry::Plan(dir) => {
            let plan = renderer
                .load_plan(dir, &inputs.ext_vars, &inputs.tlas)
                .map_err(failed)?;
            let targets: Vec<Target> = select(&plan, &inputs.targets)?
                .into_iter()
                .map(|target| {
                    let mut target = target.clone();
                    // The target's own external variables win, except the
                    // reserved `argocd`.
                    for (name, value) in inputs.ext_vars.iter().rev() {
                        let own = target.ext_vars.iter().any(|(existing, _)| existing == name);
                        if name == parameters::ARGOCD_EXT_VAR || !own {
                            target.ext_vars.retain(|(existing, _)| existing != name);
                            target.ext_vars.insert(0, (name.clone(), value.clone()));
                        }
                    }
                    target
                })
                .collect();
            let batch = Batch::new(
                targets.iter().collect(),
                Output::yaml_stream(),
                &plan.policies,
            );
            let reports = renderer.render(&batch, &|_| {}).map_err(failed)?;
            stream(reports, true, options)
        }
    }
}

/// The library directories every file of the render searches first, in
/// command-line order (the right-most wins): the `libs`, relative to the
/// repository root, as Argo CD's built-in Jsonnet searches them. After them
/// come the project's (`kcfg_render::project`): the entry's directory (for a
/// plain entry, the application's, which the built-in searches too),
/// `lib/`, the entry's `vendor/` and `vendor/`, where the root is the
/// nearest directory with a `jsonnetfile.json` (or `tkrc.yaml`) inside the
/// repository, else the repository's root.
fn library_dirs(inputs: &Inputs) -> Result<Vec<PathBuf>, String> {
    let mut jpath = Vec::new();
    for lib in &inputs.libs {
        let lib = Path::new(lib.trim());
        if lib.is_absolute() {
            return Err(format!(
                "error: parameter `libs`: {} is absolute; library directories are relative to the repository root\n",
                lib.display()
            ));
        }
        jpath.push(lib.to_path_buf());
    }
    Ok(jpath)
}

/// The targets whose names match one of `globs` (all when empty).
fn select<'p>(plan: &'p Plan, globs: &[String]) -> Result<Vec<&'p Target>, String> {
    let globs: Vec<&str> = globs
        .iter()
        .map(|glob| glob.trim())
        .filter(|glob| !glob.is_empty())
        .collect();
    let selection = Selection::globs(&globs).map_err(|err| match err.pattern {
        Some(pattern) => format!("error: parameter `target`: {pattern:?}: {}\n", err.message),
        None => format!("error: parameter `target`: {}\n", err.message),
    })?;
    let selected = plan.select(&selection);
    if selected.is_empty() && !selection.is_all() {
        let sample: Vec<&str> = plan
            .targets
            .iter()
            .take(5)
            .map(|target| target.name.as_str())
            .collect();
        let names: Vec<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
        let suggestions = selection.suggestions(&names);
        let hint = if suggestions.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", suggestions.join(", "))
        };
        return Err(format!(
            "error: parameter `target` ({}) matches none of the plan's {} targets (such as {}){hint}\n",
            globs.join(", "),
            plan.targets.len(),
            sample.join(", ")
        ));
    }
    Ok(selected)
}

/// Joins the targets' objects into one stream, or reports every failure,
/// every policy violation and every object that two targets (or places)
/// both make: Argo CD needs every object once.
fn stream(mut reports: Vec<TargetReport>, plan: bool, options: &Options) -> Result<String, String> {
    let mut errors = String::new();
    // Failures and violations, identical ones once for all their targets
    // (issue 16).
    for group in kcfg_render::group::failures(&reports) {
        if plan {
            errors.push_str(&report::failure_group(&group, &options.errors));
        } else {
            errors.push_str(&report::failure(group.failure, &options.errors));
        }
    }
    let violations =
        report::violation_groups(&kcfg_render::group::violations(&reports), &options.errors);
    // Each target's stream is moved out of its report, not copied: the
    // plugin's peak memory is its largest render plus the output once.
    let mut manifests: Vec<Vec<u8>> = Vec::with_capacity(reports.len());
    let mut seen: BTreeMap<(String, String, Option<String>, String), String> = BTreeMap::new();
    for target in &mut reports {
        if let Status::Rendered(rendered) = &mut target.status {
            for object in &rendered.objects {
                let id = &object.id;
                let key = (
                    id.group().to_string(),
                    id.kind.clone(),
                    id.namespace.clone(),
                    id.name.clone(),
                );
                let place = if plan {
                    format!("target {} at {}", target.name, object.path)
                } else {
                    object.path.clone()
                };
                if let Some(first) = seen.insert(key, place.clone()) {
                    errors.push_str(&options.errors.message(
                        "kcfg::argocd::duplicate_object",
                        &format!(
                            "two objects are the same {id}: {first} and {place} (Argo CD needs every object once)"
                        ),
                    ));
                }
            }
            manifests.extend(rendered.files.remove("manifest.yaml"));
        }
        // A render in memory that does not stop at the first failure
        // reports nothing else.
    }
    errors.push_str(&violations);
    if !errors.is_empty() {
        return Err(errors);
    }
    let bytes = if manifests.len() == 1 {
        manifests.pop().unwrap_or_default()
    } else {
        manifests.concat()
    };
    // The YAML writer writes text; the check costs one pass, no copy.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()))
}
