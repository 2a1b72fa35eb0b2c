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

use kcfg_lang::eval::{Arena, Ctx, Reads, Value};
use kcfg_lang::manifest::{json, yaml};
use kcfg_lang::program::Program;
use kcfg_lang::sym::{NameScope, Sym};

use crate::error::{EvalError, Failure};
use crate::hydrator;
use crate::json::from_json;
use crate::objects::{self, ObjectId, ObjectsError};
use crate::output::{Files, Format, Layout, Output};
use crate::plan::Target;
use crate::policy::{Policy, Rules, Violation};
use crate::settings::Settings;

/// A target rendered in memory.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Its files: path relative to the target's directory → content.
    pub files: Files,
    /// Its objects, in the order they were found in its value.
    pub objects: Vec<RenderedObject>,
    /// The policy violations of its objects.
    pub violations: Vec<Violation>,
}

/// One object of a rendered target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedObject {
    /// What identifies it.
    pub id: ObjectId,
    /// Where it is in the target's value (`.deployment`, `[2].items[0]`).
    pub path: String,
}

impl Rendered {
    /// The size of its files.
    pub fn bytes(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

/// Renders a target with the program of its search path; with `record`,
/// also returns what its evaluation read (for the input record,
/// [`crate::inputs`]).
pub(crate) fn render(
    target: &Target,
    output: &Output,
    program: &Program,
    settings: &Settings,
    policies: &[Policy],
    record: bool,
) -> (Result<Rendered, Failure>, Option<Reads>) {
    let config = settings.eval_config(target.ext_vars.clone());
    // Field names the target computes are freed with it (see
    // `kcfg_lang::sym`), so a fleet's memory does not grow with the names of
    // all its objects.
    // SAFETY: the scope ends when this function returns, after the arena
    // and every value in it are dropped; what leaves (files, object ids,
    // violations, the diagnostic) is owned strings and bytes.
    let _names = unsafe { NameScope::enter() };
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, program, &config);
    if record {
        ctx.record_reads();
    }
    let result = evaluate(&mut ctx, target, output, policies);
    let reads = ctx.take_reads();
    drop(ctx);
    let result = result.map_err(|err| match err {
        ObjectsError::Eval(err) => Failure::Eval(Box::new(EvalError {
            diagnostic: err.into_diagnostic(),
            sources: Arc::clone(program.sources()),
        })),
        ObjectsError::Shape(message) => Failure::Objects(message),
    });
    drop(arena);
    let result = result.map(|(mut rendered, documents)| {
        if output.layout == Layout::Hydrator {
            let command = hydrator::command(settings.hydrator_command.as_deref(), &target.name);
            rendered.files.insert(
                "hydrator.metadata".into(),
                hydrator::metadata(&command).into_bytes(),
            );
            rendered.files.insert(
                "README.md".into(),
                hydrator::readme(&target.name, rendered.objects.len(), &command).into_bytes(),
            );
        }
        // A single-file YAML layout is joined once the arena is gone:
        // writing an object evaluates it, so while the arena grows only the
        // objects' own texts are held, not a stream doubling beside it.
        if let Some(documents) = documents {
            let mut stream = String::with_capacity(documents.iter().map(String::len).sum());
            for document in documents {
                stream.push_str(&document);
            }
            rendered
                .files
                .insert("manifest.yaml".into(), stream.into_bytes());
        }
        rendered
    });
    (result, reads)
}

/// The target rendered, and for a single-file YAML layout the documents of
/// `manifest.yaml`, to be joined by the caller.
fn evaluate<'a>(
    ctx: &mut Ctx<'a>,
    target: &Target,
    output: &Output,
    policies: &[Policy],
) -> Result<(Rendered, Option<Vec<String>>), ObjectsError> {
    let value = ctx.eval_file(&target.entry)?;
    let value = ctx.apply_tlas(value, &target.tlas)?;
    let found = objects::collect(ctx, value)?;

    let mut files = Files::new();
    let mut written_by: BTreeMap<String, usize> = BTreeMap::new();
    let mut documents = Vec::new();
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
                    let mut document = String::from("---\n");
                    yaml::write_document(ctx, Value::Obj(object.object), &mut document)?;
                    documents.push(document);
                }
                Format::Json => items.push(Value::Obj(object.object)),
            },
        }
    }
    let single_file = matches!(output.layout, Layout::SingleFile | Layout::Hydrator);
    let documents = (single_file && output.format == Format::Yaml).then_some(documents);
    if single_file {
        match output.format {
            Format::Yaml => {}
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
        let info = from_json(ctx, target.info.value());
        for object in &found {
            violations.extend(rules.check(ctx, &object.id, Value::Obj(object.object), info)?);
        }
    }
    let rendered = Rendered {
        files,
        objects: found
            .into_iter()
            .map(|object| RenderedObject {
                id: object.id,
                path: object.path,
            })
            .collect(),
        violations,
    };
    Ok((rendered, documents))
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
