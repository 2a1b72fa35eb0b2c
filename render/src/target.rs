//! Rendering one target: evaluate its entry, find its objects, run the
//! policies, and write every object in the target's format and layout, in
//! memory.
//!
//! Each target gets its own [`Arena`] and [`Ctx`] on the worker thread that
//! renders it; the [`Program`] (parsed files) is shared. When this returns,
//! the arena is gone and only the target's bytes remain, so memory follows
//! the largest target being rendered, not the fleet.

use std::collections::BTreeMap;
use std::sync::Arc;

use kcfg_apply::hydrate::{hydrator_readme, HydratorMeta};
use kcfg_lang::eval::{Arena, Ctx, EvalConfig, Value};
use kcfg_lang::manifest::{json, yaml};
use kcfg_lang::program::Program;
use kcfg_lang::sym::{NameScope, Sym};

use super::json::from_json;
use super::objects::{self, ObjectsError};
use super::output::{Files, Format, Layout, Output};
use super::plan::Target;
use super::policy::{Policy, Rules, Violation};
use crate::report;

/// A target rendered in memory.
pub struct Rendered {
    /// Its files.
    pub files: Files,
    /// How many objects.
    pub objects: usize,
    /// Policy violations, as (object, violation).
    pub violations: Vec<(String, Violation)>,
}

impl Rendered {
    /// The size of its files.
    pub fn bytes(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

/// Settings shared by every target.
pub struct Shared<'s> {
    /// The policies of the plan.
    pub policies: &'s [Policy],
    /// `--max-stack`.
    pub max_stack: usize,
    /// `--max-trace`.
    pub max_trace: usize,
    /// Render diagnostics richly.
    pub rich: bool,
    /// Where `std.trace` goes.
    pub trace: Arc<dyn Fn(&str) + Send + Sync>,
}

/// Renders a target. An error comes back as text for standard error.
pub fn render(
    target: &Target,
    output: &Output,
    program: &Program,
    shared: &Shared<'_>,
) -> Result<Rendered, String> {
    let config = EvalConfig {
        ext_vars: target.ext_vars.clone(),
        max_stack: shared.max_stack,
        trace: shared.trace.clone(),
        interrupt: None,
    };
    // Field names the target computes are freed with it (see
    // `kcfg_lang::sym`), so a fleet's memory does not grow with the names of
    // all its objects.
    // SAFETY: the scope ends when this function returns, after the arena
    // and every value in it are dropped; what leaves (files, counts,
    // violations, error text) is owned strings and bytes.
    let _names = unsafe { NameScope::enter() };
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, program, &config);
    let result = evaluate(&mut ctx, target, output, shared.policies);
    drop(ctx);
    let result = result.map_err(|err| match err {
        ObjectsError::Eval(err) => report::render(
            &err.into_diagnostic(),
            program.sources(),
            shared.max_trace,
            shared.rich,
        ),
        ObjectsError::Shape(message) => format!("{message}\n"),
    });
    drop(arena);
    result
}

fn evaluate<'a>(
    ctx: &mut Ctx<'a>,
    target: &Target,
    output: &Output,
    policies: &[Policy],
) -> Result<Rendered, ObjectsError> {
    let value = ctx.eval_file(&target.entry)?;
    let value = ctx.apply_tlas(value, &target.tlas)?;
    let found = objects::collect(ctx, value)?;

    let mut files = Files::new();
    let mut written_by: BTreeMap<String, usize> = BTreeMap::new();
    let mut stream = String::new();
    let mut items = Vec::new();
    for (index, object) in found.iter().enumerate() {
        match output.layout {
            Layout::Files => {
                let path = output
                    .file_name
                    .render(&object.id, target.namespace.as_deref());
                if let Some(first) = written_by.insert(path.clone(), index) {
                    return Err(ObjectsError::Shape(format!(
                        "two objects would be written to {path}: {} at {} and {} at {}",
                        found[first].id, found[first].path, object.id, object.path
                    )));
                }
                let text = manifest(ctx, output.format, Value::Obj(object.object))?;
                files.insert(path, text.into_bytes());
            }
            Layout::SingleFile | Layout::Hydrator => match output.format {
                Format::Yaml => {
                    stream.push_str("---\n");
                    yaml::write_document(ctx, Value::Obj(object.object), &mut stream)?;
                }
                Format::Json => items.push(Value::Obj(object.object)),
            },
        }
    }
    if output.layout == Layout::Hydrator {
        let meta = HydratorMeta {
            commands: vec!["kcfg render".into()],
            ..HydratorMeta::default()
        };
        files.insert("hydrator.metadata".into(), meta.to_json(true).into_bytes());
        files.insert(
            "README.md".into(),
            hydrator_readme(&target.name, found.len(), &meta).into_bytes(),
        );
    }
    if matches!(output.layout, Layout::SingleFile | Layout::Hydrator) {
        match output.format {
            Format::Yaml => {
                files.insert("manifest.yaml".into(), stream.into_bytes());
            }
            Format::Json => {
                let list = ctx.object([
                    (Sym::intern("apiVersion"), ctx.str("v1").into()),
                    (Sym::intern("kind"), ctx.str("List").into()),
                    (Sym::intern("items"), ctx.array(items).into()),
                ]);
                let text = manifest(ctx, Format::Json, list)?;
                files.insert("manifest.json".into(), text.into_bytes());
            }
        }
    }

    let mut violations = Vec::new();
    if !policies.is_empty() {
        let rules = Rules::load(ctx, policies)?;
        let info = from_json(ctx, &target.info);
        for object in &found {
            for violation in rules.check(ctx, Value::Obj(object.object), info)? {
                violations.push((object.id.to_string(), violation));
            }
        }
    }
    Ok(Rendered {
        files,
        objects: found.len(),
        violations,
    })
}

fn manifest<'a>(
    ctx: &mut Ctx<'a>,
    format: Format,
    value: Value<'a>,
) -> Result<String, ObjectsError> {
    Ok(match format {
        Format::Yaml => yaml::to_document(ctx, value)?,
        Format::Json => {
            let mut text = json::to_pretty(ctx, value)?;
            text.push('\n');
            text
        }
    })
}
