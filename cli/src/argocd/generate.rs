//! `kcfg argocd generate`: render the application as one YAML stream.
//!
//! ```text
//! environment ──env──▶ location, parameters ──entry──▶ main.kcfg | render.kcfg
//!      ──signature──▶ typed inputs ──evaluate (budget, confined)──▶ objects ──▶ stdout
//! ```
//!
//! A plain entry is evaluated once with the parameters as top-level
//! arguments. A render plan is evaluated with them as the plan's arguments,
//! and then every target the `target` parameter selects (all by default),
//! in parallel, each in its own arena, as `kcfg render` does. Objects are
//! found by `kcfg render`'s rules (`crate::render::objects`): Argo CD does
//! not flatten arrays or `List` kinds coming from a plugin, so every object
//! is its own document. The plan's policies run on every object.
//!
//! Nothing is written to disk. The stream is assembled in memory and
//! printed only when every target has rendered and passed its policies;
//! otherwise the diagnostics go to standard error and standard output
//! stays empty, so Argo CD never applies half a render (with `prune`, an
//! empty or partial render would delete resources).

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use globset::{GlobBuilder, GlobSetBuilder};
use kcfg_lang::eval::{Arena, Ctx, EvalConfig, Interrupt, Value};
use kcfg_lang::manifest::yaml;
use kcfg_lang::program::{Importer, Program};
use kcfg_lang::span::{SourceMap, SourceName};
use rayon::prelude::*;

use super::budget::{self, Budget, Watchdog};
use super::confine::ConfinedImporter;
use super::entry::{self, Entry};
use super::env::{self, Environment, Location};
use super::parameters::{self, Inputs, Parameters, RESERVED};
use super::signature::{self, Param};
use crate::render::json::from_json;
use crate::render::objects::{self, ObjectsError};
use crate::render::output::OutputOptions;
use crate::render::plan::{self, PlanInput, Target};
use crate::render::policy::{Policy, Rules, Violation};
use crate::report;

/// How `generate` runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time and memory.
    pub budget: Budget,
    /// Maximum stack frames of an evaluation.
    pub max_stack: usize,
    /// Maximum stack trace lines in errors.
    pub max_trace: usize,
    /// Rich diagnostics on standard error.
    pub rich: bool,
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
    let signature = signature::read(&file);
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
    let watchdog = Watchdog::start(
        options.budget,
        interrupt.clone(),
        crate::memory::memory().clone(),
    );
    let started = std::time::Instant::now();
    let stats = options.stats;
    let env = Environment::from_process();
    let result = match std::env::current_dir() {
        Ok(cwd) => crate::with_big_stack(move || generate(&env, &cwd, &options, interrupt)),
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
                eprintln!(
                    "kcfg argocd generate: {} objects, {} bytes in {:.1} ms, peak heap {}",
                    stream.matches("---\n").count(),
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
            let _ = std::io::stderr().write_all(text.as_bytes());
            ExitCode::from(1)
        }
    }
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
    let renderer = Renderer::new(&prepared, &inputs, options, interrupt)?;
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
                info: serde_json::json!({ "name": prepared.entry_shown }),
            };
            renderer.render(&[target], &[], false)
        }
        Entry::Plan(dir) => {
            let plan = plan::load(&PlanInput {
                dir,
                jpath: &[],
                ext_vars: &inputs.ext_vars,
                tlas: &inputs.tlas,
                max_stack: options.max_stack,
                max_trace: options.max_trace,
                rich: options.rich,
                importer: Some(renderer.program_for(&[])?.importer.clone()),
                interrupt: Some(renderer.interrupt.clone()),
            })?;
            let targets = select(plan.targets, &inputs.targets)?;
            let targets: Vec<Target> = targets
                .into_iter()
                .map(|mut target| {
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
            renderer.render(&targets, &plan.policies, true)
        }
    }
}

/// The targets whose names match one of `globs` (all when empty).
fn select(targets: Vec<Target>, globs: &[String]) -> Result<Vec<Target>, String> {
    let globs: Vec<&str> = globs
        .iter()
        .map(|glob| glob.trim())
        .filter(|glob| !glob.is_empty())
        .collect();
    if globs.is_empty() {
        return Ok(targets);
    }
    let mut set = GlobSetBuilder::new();
    for pattern in &globs {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|err| format!("error: parameter `target`: {pattern:?}: {err}\n"))?;
        set.add(glob);
    }
    let set = set
        .build()
        .map_err(|err| format!("error: parameter `target`: {err}\n"))?;
    let total = targets.len();
    let sample: Vec<String> = targets.iter().take(5).map(|t| t.name.clone()).collect();
    let selected: Vec<Target> = targets
        .into_iter()
        .filter(|target| set.is_match(&target.name))
        .collect();
    if selected.is_empty() {
        return Err(format!(
            "error: parameter `target` ({}) matches none of the plan's {total} targets (such as {})\n",
            globs.join(", "),
            sample.join(", ")
        ));
    }
    Ok(selected)
}

/// One target's objects, as YAML documents.
struct Documents {
    objects: Vec<(objects::ObjectId, String, String)>,
    violations: Vec<(String, Violation)>,
}

/// Evaluates targets against the confined repository.
struct Renderer {
    root: PathBuf,
    /// Library directories of every target, relative to the root.
    jpath: Vec<PathBuf>,
    options: Options,
    interrupt: Arc<Interrupt>,
    programs: std::sync::Mutex<HashMap<Vec<PathBuf>, Programmed>>,
}

/// A program and the importer it reads through.
#[derive(Clone)]
struct Programmed {
    program: Arc<Program>,
    importer: Arc<dyn Importer>,
}

impl Renderer {
    fn new(
        prepared: &Prepared,
        inputs: &Inputs,
        options: &Options,
        interrupt: Arc<Interrupt>,
    ) -> Result<Renderer, String> {
        let location = &prepared.location;
        let app = location
            .app_dir
            .strip_prefix(&location.root)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        // In search order from the lowest: vendored libraries (jsonnet-
        // bundler's layout, next to the repository root and next to the
        // application), then the application's directory and the `libs`,
        // as Argo CD's built-in Jsonnet searches them.
        let mut jpath = vec![PathBuf::from("vendor"), app.join("vendor"), app];
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
        Ok(Renderer {
            root: location.root.clone(),
            jpath,
            options: options.clone(),
            interrupt,
            programs: std::sync::Mutex::default(),
        })
    }

    /// The program for a target with these extra library directories.
    fn program_for(&self, extra: &[PathBuf]) -> Result<Programmed, String> {
        let mut search = self.jpath.clone();
        search.extend(extra.iter().cloned());
        let mut programs = self
            .programs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(programmed) = programs.get(&search) {
            return Ok(programmed.clone());
        }
        let importer: Arc<dyn Importer> = Arc::new(
            ConfinedImporter::new(&self.root, &search)
                .map_err(|message| format!("error: {message}\n"))?,
        );
        let program = Arc::new(
            Program::new(importer.clone(), kcfg_stdlib::std())
                .with_memory_limit(crate::memory::memory().clone()),
        );
        let programmed = Programmed { program, importer };
        programs.insert(search, programmed.clone());
        Ok(programmed)
    }

    /// Renders targets in parallel and joins their objects into one
    /// stream, or reports every failure.
    fn render(
        &self,
        targets: &[Target],
        policies: &[Policy],
        plan: bool,
    ) -> Result<String, String> {
        let programs: Vec<Arc<Program>> = targets
            .iter()
            .map(|target| {
                self.program_for(&target.jpath)
                    .map(|programmed| programmed.program)
            })
            .collect::<Result<_, _>>()?;
        let render_all = || -> Vec<Result<Documents, String>> {
            targets
                .par_iter()
                .zip(programs.par_iter())
                .map(|(target, program)| self.render_one(target, program, policies))
                .collect()
        };
        let results = if targets.len() > 1 && self.options.jobs > 1 {
            match rayon::ThreadPoolBuilder::new()
                .num_threads(self.options.jobs.min(targets.len()))
                .stack_size(crate::EVAL_STACK)
                .thread_name(|index| format!("kcfg-argocd-{index}"))
                .build()
            {
                Ok(pool) => pool.install(render_all),
                Err(_) => targets
                    .iter()
                    .zip(&programs)
                    .map(|(target, program)| self.render_one(target, program, policies))
                    .collect(),
            }
        } else {
            targets
                .iter()
                .zip(&programs)
                .map(|(target, program)| self.render_one(target, program, policies))
                .collect()
        };

        let mut errors = String::new();
        let mut violations: Vec<(String, String, Violation)> = Vec::new();
        let mut stream = String::new();
        let mut seen: BTreeMap<(String, String, Option<String>, String), String> = BTreeMap::new();
        for (target, result) in targets.iter().zip(results) {
            match result {
                Err(text) if plan => {
                    errors.push_str(&format!("error: target {}:\n{text}", target.name));
                }
                Err(text) => errors.push_str(&text),
                Ok(documents) => {
                    for (object, violation) in documents.violations {
                        violations.push((target.name.clone(), object, violation));
                    }
                    for (id, path, text) in documents.objects {
                        let key = (
                            id.group().to_string(),
                            id.kind.clone(),
                            id.namespace.clone(),
                            id.name.clone(),
                        );
                        let place = if plan {
                            format!("target {} at {path}", target.name)
                        } else {
                            path
                        };
                        if let Some(first) = seen.insert(key, place.clone()) {
                            errors.push_str(&format!(
                                "error: two objects are the same {id}: {first} and {place} (Argo CD needs every object once)\n"
                            ));
                        }
                        stream.push_str("---\n");
                        stream.push_str(&text);
                    }
                }
            }
        }
        if !violations.is_empty() {
            errors.push_str(&format!(
                "error: {} policy violation{}:\n",
                violations.len(),
                if violations.len() == 1 { "" } else { "s" }
            ));
            for (target, object, violation) in &violations {
                errors.push_str(&format!(
                    "  {target}: {object}: [{}] {}\n",
                    violation.rule, violation.message
                ));
            }
        }
        if errors.is_empty() {
            Ok(stream)
        } else {
            Err(errors)
        }
    }

    fn render_one(
        &self,
        target: &Target,
        program: &Program,
        policies: &[Policy],
    ) -> Result<Documents, String> {
        let config = EvalConfig {
            ext_vars: target.ext_vars.clone(),
            max_stack: self.options.max_stack,
            trace: Arc::new(|line: &str| eprintln!("{line}")),
            interrupt: Some(self.interrupt.clone()),
            memory: Some(crate::memory::memory().clone()),
        };
        let arena = Arena::new();
        let mut ctx = Ctx::new(&arena, program, &config);
        let result = evaluate(&mut ctx, target, policies);
        drop(ctx);
        result.map_err(|err| match err {
            ObjectsError::Eval(err) => report::render(
                &err.into_diagnostic(),
                program.sources(),
                self.options.max_trace,
                self.options.rich,
            ),
            ObjectsError::Shape(message) => format!("{message}\n"),
        })
    }
}

fn evaluate<'a>(
    ctx: &mut Ctx<'a>,
    target: &Target,
    policies: &[Policy],
) -> Result<Documents, ObjectsError> {
    let value = ctx.eval_file(&target.entry)?;
    let value = ctx.apply_tlas(value, &target.tlas)?;
    let found = objects::collect(ctx, value)?;
    let mut documents = Documents {
        objects: Vec::with_capacity(found.len()),
        violations: Vec::new(),
    };
    for object in &found {
        let mut text = String::new();
        yaml::write_document(ctx, Value::Obj(object.object), &mut text)?;
        documents
            .objects
            .push((object.id.clone(), object.path.clone(), text));
    }
    if !policies.is_empty() {
        let rules = Rules::load(ctx, policies)?;
        let info = from_json(ctx, &target.info);
        for object in &found {
            for violation in rules.check(ctx, Value::Obj(object.object), info)? {
                documents
                    .violations
                    .push((object.id.to_string(), violation));
            }
        }
    }
    Ok(documents)
}
