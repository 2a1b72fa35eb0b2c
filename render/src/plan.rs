//! Plans: evaluating `render.kcfg` once and reading its targets.
//!
//! The plan is an ordinary kcfg program (usually `kcfg.plan { … }` from
//! `kcfg/render.libsonnet`, whose header documents the format). It is
//! evaluated with the top-level arguments, external variables and library
//! directories the caller gives (`kcfg render`'s `--tla-*`, `--ext-*` and
//! `-J`); then its generators are expanded ([`crate::generators`]), its
//! `template` is called once per parameter set, and every target is read
//! into a plain [`Target`]. After that the plan's evaluation ends: targets
//! carry no values, only data, so they can be evaluated on any thread.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use kcfg_lang::eval::{Arena, Ctx, EvalConfig, ExtValue, Lazy, Object, Site, Value};
use kcfg_lang::program::{Importer, Program};
use kcfg_lang::span::SourceName;
use kcfg_lang::sym::Sym;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::error::{Error, EvalError};
use crate::generators::Generator;
use crate::importer::{PlanFiles, Tree};
use crate::info::Info;
use crate::json::{from_json, to_code, to_json};
use crate::output::{check_nesting, check_target_name, OutputOptions};
use crate::policy::Policy;
use crate::suggest;

/// The file a plan directory holds.
pub const PLAN_FILE: &str = "render.kcfg";

/// One target: a program to evaluate and where its objects go.
#[derive(Debug, Clone)]
pub struct Target {
    /// The output directory, relative to the output root.
    pub name: String,
    /// The file to evaluate (the plan's directory joined with `entry`).
    pub entry: PathBuf,
    /// Top-level arguments.
    pub tlas: Vec<(String, ExtValue)>,
    /// External variables.
    pub ext_vars: Vec<(String, ExtValue)>,
    /// The target's own import directories (resolved), searched before
    /// the renderer's.
    pub jpath: Vec<PathBuf>,
    /// The default namespace of the layout.
    pub namespace: Option<String>,
    /// The target's output options.
    pub output: OutputOptions,
    /// The target as policies see it.
    pub info: Info,
}

/// An evaluated plan.
#[derive(Debug)]
pub struct Plan {
    /// The plan's directory.
    pub dir: PathBuf,
    /// Its targets, in plan order.
    pub targets: Vec<Target>,
    /// Its policies.
    pub policies: Vec<Policy>,
    /// Its default output options.
    pub output: OutputOptions,
    /// The generators that made no parameter set, each as where it is in
    /// the plan and what it looked for ([`Generator::expand_noting`]).
    pub empty_generators: Vec<String>,
}

impl Plan {
    /// The targets `selection` selects, in plan order.
    pub fn select(&self, selection: &Selection) -> Vec<&Target> {
        self.targets
            .iter()
            .filter(|target| selection.matches(&target.name))
            .collect()
    }

    /// Where the plan's targets go by default: `rendered/` in the plan's
    /// directory.
    pub fn default_output_dir(&self) -> PathBuf {
        Plan::default_output_dir_of(&self.dir)
    }

    /// [`Plan::default_output_dir`] of the plan in `dir`, known before the
    /// plan is loaded.
    pub fn default_output_dir_of(dir: &Path) -> PathBuf {
        under(dir, "rendered")
    }
}

/// Which targets a render looks at: all, or those whose name matches one
/// of a set of globs (`*` does not match `/`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    globs: Option<GlobSet>,
    /// The globs as given, for suggestions.
    patterns: Vec<String>,
}

/// A glob of a [`Selection`] that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectionError {
    /// The glob, when one glob is at fault.
    pub pattern: Option<String>,
    /// What is wrong with it.
    pub message: String,
}

impl Selection {
    /// Every target.
    pub fn all() -> Selection {
        Selection::default()
    }

    /// The targets whose name matches one of `patterns`; every target when
    /// there are none.
    pub fn globs<S: AsRef<str>>(
        patterns: impl IntoIterator<Item = S>,
    ) -> Result<Selection, SelectionError> {
        let mut set = GlobSetBuilder::new();
        let mut given = Vec::new();
        for pattern in patterns {
            let pattern = pattern.as_ref();
            set.add(glob(pattern).map_err(|message| SelectionError {
                pattern: Some(pattern.to_string()),
                message,
            })?);
            given.push(pattern.to_string());
        }
        if given.is_empty() {
            return Ok(Selection::all());
        }
        let globs = set.build().map_err(|err| SelectionError {
            pattern: None,
            message: err.to_string(),
        })?;
        Ok(Selection {
            globs: Some(globs),
            patterns: given,
        })
    }

    /// The globs as given (none: every target).
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// For each glob that matches none of `names`, a glob close to it that
    /// matches some (issue 16): `prod-eu-1` → `prod-eu-1/*` when targets
    /// are named `prod-eu-1/<app>` (`*` does not match `/`), `web` →
    /// `*/web`, and a name or leading part of names one typo away
    /// (`prod-eu1` → `prod-eu-1/*`). At most one suggestion per glob, in
    /// the order of the globs.
    pub fn suggestions(&self, names: &[&str]) -> Vec<String> {
        let matches_any = |pattern: &str| {
            glob(pattern).is_ok_and(|glob| {
                let matcher = glob.compile_matcher();
                names.iter().any(|name| matcher.is_match(name))
            })
        };
        let mut found: Vec<String> = Vec::new();
        for pattern in &self.patterns {
            if matches_any(pattern) {
                continue;
            }
            let mut suggestion = [
                format!("{pattern}/*"),
                format!("{pattern}/**"),
                format!("*/{pattern}"),
                format!("**/{pattern}"),
            ]
            .into_iter()
            .find(|candidate| matches_any(candidate));
            if suggestion.is_none() {
                // A typo: the closest whole name, or leading part of a name
                // (`prod-eu-1` of `prod-eu-1/web`).
                let mut parts: Vec<&str> = Vec::new();
                for name in names {
                    parts.push(name);
                    parts.extend(name.match_indices('/').map(|(at, _)| &name[..at]));
                }
                parts.sort_unstable();
                parts.dedup();
                suggestion = suggest::closest(pattern, parts.iter().copied()).map(|close| {
                    if names.contains(&close) {
                        close.to_string()
                    } else if names
                        .iter()
                        .filter_map(|name| name.strip_prefix(close)?.strip_prefix('/'))
                        .all(|rest| !rest.contains('/'))
                    {
                        format!("{close}/*")
                    } else {
                        format!("{close}/**")
                    }
                });
            }
            if let Some(suggestion) = suggestion {
                if !found.contains(&suggestion) {
                    found.push(suggestion);
                }
            }
        }
        found
    }

    /// Whether this selects every target.
    pub fn is_all(&self) -> bool {
        self.globs.is_none()
    }

    /// Whether the target named `name` is selected.
    pub fn matches(&self, name: &str) -> bool {
        self.globs.as_ref().is_none_or(|globs| globs.is_match(name))
    }
}

/// A glob of `--only`: `*` and `?` do not match `/`, `**` does.
fn glob(pattern: &str) -> Result<globset::Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|err| err.to_string())
}

/// A target as the plan writes it.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TargetSpec {
    name: String,
    entry: String,
    #[serde(default)]
    tlas: Map<String, Json>,
    #[serde(default)]
    ext_vars: Map<String, Json>,
    #[serde(default)]
    jpath: Vec<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    output: OutputOptions,
    #[serde(default)]
    params: Option<Json>,
}

const PLAN_FIELDS: &[&str] = &["generators", "targets", "template", "policies", "output"];

/// Evaluates the plan in `dir` with its importer and evaluation settings,
/// and reads its targets.
pub(crate) fn load(
    dir: &Path,
    tlas: &[(String, ExtValue)],
    importer: Arc<dyn Importer>,
    tree: &dyn Tree,
    config: &EvalConfig,
) -> Result<Plan, Error> {
    let data = evaluate(dir, tlas, importer, tree, config)?;
    build(dir, data)
}

/// Evaluates the plan in `dir`: what it says, before its targets are
/// checked and made ([`build`]). This is what the plan cache keeps
/// ([`crate::plan_cache`]).
pub(crate) fn evaluate(
    dir: &Path,
    tlas: &[(String, ExtValue)],
    importer: Arc<dyn Importer>,
    tree: &dyn Tree,
    config: &EvalConfig,
) -> Result<PlanData, Error> {
    let path = under(dir, PLAN_FILE);
    if !tree.is_file(&path) {
        return Err(Error::NoPlan { path });
    }
    let mut program = Program::new(importer.clone(), kcfg_stdlib::std());
    if let Some(memory) = &config.memory {
        program = program.with_memory_limit(memory.clone());
    }
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, &program, config);
    let files = PlanFiles {
        importer: &*importer,
        tree,
    };
    let result = read_plan(&mut ctx, dir, tlas, &path, &files);
    drop(ctx);
    result.map_err(|err| plan_error(err, path, &program))
}

/// The plan whose evaluation said `data`: its targets checked (names,
/// nesting) and made.
pub(crate) fn build(dir: &Path, data: PlanData) -> Result<Plan, Error> {
    build_in(dir, data, false).map(|(plan, _)| plan)
}

/// [`build`], and the plan as the cache keeps it (`None` when part of it
/// cannot be kept, as JSON text that is not valid).
pub(crate) fn build_keeping(dir: &Path, data: PlanData) -> Result<(Plan, Option<KeptPlan>), Error> {
    build_in(dir, data, true)
}

fn build_in(dir: &Path, data: PlanData, keep: bool) -> Result<(Plan, Option<KeptPlan>), Error> {
    let PlanData {
        specs,
        policies,
        output,
        empty_generators,
    } = data;
    let invalid = |message| Error::PlanInvalid {
        path: under(dir, PLAN_FILE),
        message,
    };
    // Made on every core (a thousand clusters make thousands of targets,
    // each with its inventory entry as code); checked in plan order, so
    // the first problem reported is the first in the plan.
    type Made = (Target, Option<KeptTarget>);
    let made: Vec<(Result<Made, String>, String)> = specs
        .into_par_iter()
        .map(|(spec, origin)| {
            let target = check_target_name(&spec.name).map(|()| make_target(dir, spec, keep));
            (target, origin)
        })
        .collect();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (target, origin) in &made {
        let (target, _) = target
            .as_ref()
            .map_err(|err| invalid(format!("{origin}: {err}")))?;
        if let Some(first) = seen.insert(&target.name, origin) {
            return Err(invalid(format!(
                "two targets are named {:?}: {first} and {origin}",
                target.name
            )));
        }
    }
    drop(seen);
    let mut targets = Vec::with_capacity(made.len());
    let mut kept_targets = Some(Vec::with_capacity(made.len())).filter(|_| keep);
    for (target, kept) in made.into_iter().filter_map(|(made, _)| made.ok()) {
        targets.push(target);
        kept_targets = kept_targets.zip(kept).map(|(mut all, kept)| {
            all.push(kept);
            all
        });
    }
    check_nesting(targets.iter().map(|t| t.name.as_str())).map_err(invalid)?;
    let kept = kept_targets.map(|targets| KeptPlan {
        targets,
        loaded: Vec::new(),
        policies: policies.clone(),
        output: output.clone(),
        empty_generators: empty_generators.clone(),
    });
    let plan = Plan {
        dir: dir.to_path_buf(),
        targets,
        policies: policies
            .iter()
            .map(|file| Policy::new(under(dir, file)))
            .collect(),
        output,
        empty_generators,
    };
    Ok((plan, kept))
}

fn plan_error(err: PlanError, path: PathBuf, program: &Program) -> Error {
    match err {
        PlanError::Eval(err, context) => Error::PlanEval {
            path,
            context,
            error: Box::new(EvalError {
                diagnostic: err.into_diagnostic(),
                sources: Arc::clone(program.sources()),
            }),
        },
        PlanError::Invalid(message) => Error::PlanInvalid { path, message },
    }
}

/// What a plan's evaluation says: its targets as written (each with where
/// it came from, for messages), its policies and output options, and the
/// generators that made nothing.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanData {
    specs: Vec<(TargetSpec, String)>,
    policies: Vec<String>,
    output: OutputOptions,
    empty_generators: Vec<String>,
}

/// The name in messages of a target's top-level argument or external
/// variable (`kind`: `tla` or `ext`) made of plan data.
fn var_name(kind: &str, name: &str) -> SourceName {
    SourceName::Virtual(format!("<{kind}:{name}>"))
}

/// A plan as the cache keeps it ([`crate::plan_cache`]): its targets as
/// made, their variables as code and what policies see as JSON text, so
/// that loading it parses strings, not the values of the plan's data (at
/// a thousand clusters, most of a render that finds nothing to do).
///
/// Its targets are not part of its JSON: the cache keeps them one per line
/// after it ([`KeptPlan::target_lines`], [`KeptPlan::parse_targets`]), so
/// that a load splits them at newlines and parses them on every core.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeptPlan {
    #[serde(skip)]
    targets: Vec<KeptTarget>,
    /// The targets as loaded ([`KeptPlan::parse_targets`]), made into
    /// [`Target`]s as they were parsed (or why one cannot be).
    #[serde(skip)]
    loaded: Vec<Result<Target, String>>,
    policies: Vec<String>,
    output: OutputOptions,
    empty_generators: Vec<String>,
}

/// A [`Target`] as kept.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeptTarget {
    name: String,
    entry: String,
    tlas: Vec<(String, KeptVar)>,
    ext_vars: Vec<(String, KeptVar)>,
    jpath: Vec<String>,
    namespace: Option<String>,
    output: OutputOptions,
    info: Box<serde_json::value::RawValue>,
    info_digest: [u8; 32],
}

/// A target's variable as kept: a string, or code named by [`var_name`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
enum KeptVar {
    Str(String),
    Code(String),
}

impl KeptPlan {
    /// Its targets as JSON, one per line (compact JSON has no newline).
    pub(crate) fn target_lines(&self) -> serde_json::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        for target in &self.targets {
            serde_json::to_writer(&mut bytes, target)?;
            bytes.push(b'\n');
        }
        Ok(bytes)
    }

    /// How many targets it has.
    pub(crate) fn target_count(&self) -> usize {
        self.targets.len()
    }

    /// Sets its targets from `lines` as [`KeptPlan::target_lines`] wrote
    /// them, each parsed on its own and made into the target of the plan
    /// in `dir`, on every core; how many.
    pub(crate) fn parse_targets(&mut self, dir: &Path, lines: &[u8]) -> serde_json::Result<usize> {
        let lines: Vec<&[u8]> = lines
            .split(|byte| *byte == b'\n')
            .filter(|line| !line.is_empty())
            .collect();
        self.loaded = lines
            .par_iter()
            .with_min_len(64)
            .map(|line| {
                serde_json::from_slice::<KeptTarget>(line).map(|kept| kept.into_target(dir))
            })
            .collect::<Result<_, _>>()?;
        Ok(self.loaded.len())
    }
}

impl KeptTarget {
    /// The target of the plan in `dir` it keeps, if its name is one a
    /// plan could give.
    fn into_target(self, dir: &Path) -> Result<Target, String> {
        let vars = |kind: &str, vars: Vec<(String, KeptVar)>| -> Vec<(String, ExtValue)> {
            vars.into_iter()
                .map(|(name, value)| {
                    let value = match value {
                        KeptVar::Str(text) => ExtValue::Str(text),
                        KeptVar::Code(text) => ExtValue::Code {
                            name: var_name(kind, &name),
                            text,
                        },
                    };
                    (name, value)
                })
                .collect()
        };
        check_target_name(&self.name)?;
        Ok(Target {
            name: self.name,
            entry: under(dir, &self.entry),
            tlas: vars("tla", self.tlas),
            ext_vars: vars("ext", self.ext_vars),
            jpath: self.jpath.iter().map(|p| under(dir, p)).collect(),
            namespace: self.namespace,
            output: self.output,
            info: Info::kept(self.info, self.info_digest),
        })
    }
}

/// The plan in `dir` that `kept` keeps, its targets checked as [`build`]
/// checks a plan's (their names, that no two are the same and that none
/// lies in another's directory): a kept plan is the cache's word, and a
/// name decides where a render writes.
pub(crate) fn build_kept(dir: &Path, kept: KeptPlan) -> Result<Plan, Error> {
    let invalid = |message: String| Error::PlanInvalid {
        path: under(dir, PLAN_FILE),
        message: format!("the plan kept in the cache: {message}"),
    };
    let mut targets: Vec<Result<Target, String>> = kept
        .targets
        .into_par_iter()
        .map(|kept| kept.into_target(dir))
        .collect();
    targets.extend(kept.loaded);
    let targets = targets
        .into_iter()
        .collect::<Result<Vec<Target>, String>>()
        .map_err(invalid)?;
    let mut seen = rustc_hash::FxHashSet::default();
    if let Some(twice) = targets
        .iter()
        .find(|target| !seen.insert(target.name.as_str()))
    {
        return Err(invalid(format!("two targets are named {:?}", twice.name)));
    }
    check_nesting(targets.iter().map(|target| target.name.as_str())).map_err(invalid)?;
    Ok(Plan {
        dir: dir.to_path_buf(),
        targets,
        policies: kept
            .policies
            .iter()
            .map(|file| Policy::new(under(dir, file)))
            .collect(),
        output: kept.output,
        empty_generators: kept.empty_generators,
    })
}

enum PlanError {
    Eval(kcfg_lang::eval::Error, String),
    Invalid(String),
}

fn eval_error(context: impl Into<String>) -> impl FnOnce(kcfg_lang::eval::Error) -> PlanError {
    let context = context.into();
    move |err| PlanError::Eval(err, context)
}

fn read_plan<'a>(
    ctx: &mut Ctx<'a>,
    dir: &Path,
    tlas: &[(String, ExtValue)],
    path: &Path,
    files: &PlanFiles<'_>,
) -> Result<PlanData, PlanError> {
    let value = ctx
        .eval_file(path)
        .and_then(|value| ctx.apply_tlas(value, tlas))
        .map_err(eval_error("evaluating the plan failed"))?;
    let Value::Obj(plan) = value else {
        return Err(PlanError::Invalid(format!(
            "a plan must be an object (`kcfg.plan {{ … }}` from kcfg/render.libsonnet), got {}",
            value.type_name()
        )));
    };
    for name in plan.visible_fields(ctx.bump) {
        let name = name.as_str();
        if !PLAN_FIELDS.contains(&name) {
            let mut message = format!(
                "unknown plan field `{name}` (a plan has {})",
                PLAN_FIELDS.join(", ")
            );
            if let Some(close) = suggest::closest(name, PLAN_FIELDS.iter().copied()) {
                message.push_str(&format!("; did you mean `{close}`?"));
            }
            return Err(PlanError::Invalid(message));
        }
    }
    let generators = field_json(ctx, plan, "generators")?.unwrap_or(Json::Array(Vec::new()));
    let Json::Array(generators) = generators else {
        return Err(PlanError::Invalid(format!(
            "`generators` must be an array, got {}",
            crate::json::type_name(&generators)
        )));
    };
    let mut sets = Vec::new();
    let mut empty_generators = Vec::new();
    for (index, generator) in generators.iter().enumerate() {
        let at = format!("generators[{index}]");
        let generator = Generator::from_json(generator)
            .map_err(|err| PlanError::Invalid(format!("{at}: {err}")))?;
        let expanded = generator
            .expand_noting(dir, files, &at, &mut empty_generators)
            .map_err(|err| PlanError::Invalid(format!("{at}: {err}")))?;
        sets.extend(expanded);
    }

    let mut specs: Vec<(TargetSpec, String)> = Vec::new();
    if !sets.is_empty() {
        let template = match plan.has_field(Sym::intern("template")) {
            true => ctx
                .get_field(plan, Sym::intern("template"), Site::None, None)
                .map_err(eval_error("reading the plan's template failed"))?,
            false => Value::Null,
        };
        let Value::Func(template) = template else {
            return Err(PlanError::Invalid(format!(
                "the generators made {} parameter sets but `template` is {}, not a function of them",
                sets.len(),
                template.type_name()
            )));
        };
        for (index, set) in sets.into_iter().enumerate() {
            let set = Json::Object(set);
            let params = from_json(ctx, &set);
            let context = || format!("template(params) failed for parameter set {index}: {set}");
            let made = ctx
                .call_values(template, &[Lazy::Val(params)], &[], Site::None)
                .map_err(|err| PlanError::Eval(err, context()))?;
            if let Value::Null = made {
                continue;
            }
            let made = to_json(ctx, made).map_err(|err| PlanError::Eval(err, context()))?;
            let mut spec = target_spec(made)
                .map_err(|err| PlanError::Invalid(format!("{}: {err}", context())))?;
            spec.params.get_or_insert(set);
            specs.push((spec, format!("the target made from parameter set {index}")));
        }
    }
    let explicit = field_json(ctx, plan, "targets")?.unwrap_or(Json::Array(Vec::new()));
    let Json::Array(explicit) = explicit else {
        return Err(PlanError::Invalid(format!(
            "`targets` must be an array, got {}",
            crate::json::type_name(&explicit)
        )));
    };
    for (index, target) in explicit.into_iter().enumerate() {
        let spec = target_spec(target)
            .map_err(|err| PlanError::Invalid(format!("targets[{index}]: {err}")))?;
        specs.push((spec, format!("targets[{index}]")));
    }

    let policies: Vec<String> = deserialize_field(ctx, plan, "policies")?.unwrap_or_default();
    let output: OutputOptions = deserialize_field(ctx, plan, "output")?.unwrap_or_default();

    Ok(PlanData {
        specs,
        policies,
        output,
        empty_generators,
    })
}

fn target_spec(data: Json) -> Result<TargetSpec, String> {
    if !data.is_object() {
        return Err(format!(
            "a target must be an object with name and entry, got {}",
            crate::json::type_name(&data)
        ));
    }
    // By value: the strings and the arguments' JSON move into the spec.
    TargetSpec::deserialize(data).map_err(|err| suggest::unknown_field(err.to_string()))
}

fn make_target(dir: &Path, spec: TargetSpec, keep: bool) -> (Target, Option<KeptTarget>) {
    let values = |kind: &str, vars: &Map<String, Json>| -> Vec<(String, ExtValue)> {
        vars.iter()
            .map(|(name, value)| {
                let value = match value {
                    Json::String(text) => ExtValue::Str(text.clone()),
                    other => ExtValue::Code {
                        name: var_name(kind, name),
                        text: to_code(other),
                    },
                };
                (name.clone(), value)
            })
            .collect()
    };
    let tlas = values("tla", &spec.tlas);
    let ext_vars = values("ext", &spec.ext_vars);
    // The policies' view, made of the spec's own values (moved, not
    // copied: they hold a whole inventory entry per target).
    let mut info = Map::new();
    info.insert("name".into(), Json::String(spec.name.clone()));
    info.insert("entry".into(), Json::String(spec.entry.clone()));
    info.insert("tlas".into(), Json::Object(spec.tlas));
    info.insert("extVars".into(), Json::Object(spec.ext_vars));
    info.insert(
        "namespace".into(),
        spec.namespace.clone().map_or(Json::Null, Json::String),
    );
    info.insert(
        "params".into(),
        spec.params.unwrap_or(Json::Object(Map::new())),
    );
    let info = Json::Object(info);
    // Kept as the plan wrote it: paths relative to the plan's directory,
    // which a later load may spell otherwise (`.` or its path).
    let kept = keep.then(|| {
        Some(KeptTarget {
            name: spec.name.clone(),
            entry: spec.entry.clone(),
            tlas: keep_vars(&tlas),
            ext_vars: keep_vars(&ext_vars),
            jpath: spec.jpath.clone(),
            namespace: spec.namespace.clone(),
            output: spec.output.clone(),
            info: serde_json::value::to_raw_value(&info).ok()?,
            info_digest: [0; 32],
        })
    });
    let target = Target {
        entry: under(dir, &spec.entry),
        tlas,
        ext_vars,
        jpath: spec.jpath.iter().map(|p| under(dir, p)).collect(),
        namespace: spec.namespace,
        output: spec.output,
        name: spec.name,
        info: Info::new(info),
    };
    let kept = kept.flatten().map(|kept| KeptTarget {
        info_digest: *target.info.digest(),
        ..kept
    });
    (target, kept)
}

/// A target's variables as kept ([`make_target`] names its code).
fn keep_vars(vars: &[(String, ExtValue)]) -> Vec<(String, KeptVar)> {
    vars.iter()
        .map(|(name, value)| {
            let kept = match value {
                ExtValue::Str(text) => KeptVar::Str(text.clone()),
                ExtValue::Code { text, .. } => KeptVar::Code(text.clone()),
            };
            (name.clone(), kept)
        })
        .collect()
}

/// `path` relative to the plan's directory, without a leading `./` when the
/// plan is in the current directory (paths show in messages).
pub fn under(dir: &Path, path: &str) -> PathBuf {
    if dir == Path::new(".") {
        PathBuf::from(path)
    } else {
        dir.join(path)
    }
}

fn field_json<'a>(
    ctx: &mut Ctx<'a>,
    plan: Object<'a>,
    name: &str,
) -> Result<Option<Json>, PlanError> {
    let sym = Sym::intern(name);
    if !plan.has_field(sym) {
        return Ok(None);
    }
    let value = ctx
        .get_field(plan, sym, Site::None, None)
        .map_err(eval_error(format!("evaluating the plan's `{name}` failed")))?;
    to_json(ctx, value)
        .map(Some)
        .map_err(eval_error(format!("evaluating the plan's `{name}` failed")))
}

fn deserialize_field<'a, T: serde::de::DeserializeOwned>(
    ctx: &mut Ctx<'a>,
    plan: Object<'a>,
    name: &str,
) -> Result<Option<T>, PlanError> {
    match field_json(ctx, plan, name)? {
        None => Ok(None),
        Some(data) => T::deserialize(&data).map(Some).map_err(|err| {
            PlanError::Invalid(format!(
                "`{name}`: {}",
                suggest::unknown_field(err.to_string())
            ))
        }),
    }
}
