//! Fleet policies: rules every object of every target must pass before
//! anything is written (what Kyverno does as an admission "bouncer", done
//! here before the manifests reach a cluster or a repository).
//!
//! A policy file evaluates to `function(object, target)` returning a list of
//! violations, or to an object of such functions keyed by rule name. A
//! violation is a message string or `{rule, message}`; `null` elements are
//! ignored so `[if bad then 'message']` reads naturally. The rule of a
//! violation defaults to its function's field name, else to the file's name
//! without extension.
//!
//! Policies run inside each target's evaluation, on the objects' values
//! (nothing is converted), once per object. The renderer collects the
//! violations of every target and reports them all at the end.

use std::path::PathBuf;

use kcfg_lang::diag::Diagnostic;
use kcfg_lang::eval::{Ctx, Error, Function, Lazy, Result, Site, Value};
use kcfg_lang::sym::Sym;

use crate::objects::ObjectId;

/// A policy file of the plan.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The file (the plan's directory joined with the path in the plan).
    pub path: PathBuf,
    /// The rule name of violations that do not name theirs.
    pub default_rule: String,
}

impl Policy {
    /// The policy file at `path`; its default rule is the file's name
    /// without extension.
    pub fn new(path: PathBuf) -> Policy {
        let default_rule = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Policy { path, default_rule }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Violation {
    /// The object that broke it.
    pub object: ObjectId,
    /// The rule.
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

impl Violation {
    /// The violation as a diagnostic without a span
    /// (`kcfg::render::policy_violation`), for programs that report
    /// everything as diagnostics.
    pub fn diagnostic(&self, target: &str) -> Diagnostic {
        Diagnostic::runtime_error(
            "kcfg::render::policy_violation",
            format!("{target}: {self}"),
        )
    }
}

impl std::fmt::Display for Violation {
    /// `Deployment apps/web: [rule] message`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: [{}] {}", self.object, self.rule, self.message)
    }
}

/// The rules of a target's policies, loaded in its evaluation.
pub struct Rules<'a> {
    rules: Vec<(String, Function<'a>)>,
}

fn policy_error(message: String) -> Error {
    Error::from(Diagnostic::runtime_error("kcfg::render::policy", message))
}

impl<'a> Rules<'a> {
    /// Evaluates the policy files.
    pub fn load(ctx: &mut Ctx<'a>, policies: &[Policy]) -> Result<Rules<'a>> {
        let mut rules = Vec::new();
        for policy in policies {
            match ctx.eval_file(&policy.path)? {
                Value::Func(func) => rules.push((policy.default_rule.clone(), func)),
                Value::Obj(obj) => {
                    let names: Vec<Sym> = obj.visible_fields(ctx.bump).collect();
                    for name in names {
                        match ctx.get_field(obj, name, Site::None, None)? {
                            Value::Func(func) => rules.push((name.as_str().to_string(), func)),
                            other => {
                                return Err(policy_error(format!(
                                    "policy {}: rule `{name}` must be a function(object, target), got {}",
                                    policy.path.display(),
                                    other.type_name()
                                )))
                            }
                        }
                    }
                }
                other => {
                    return Err(policy_error(format!(
                        "policy {} must be a function(object, target) or an object of them, got {}",
                        policy.path.display(),
                        other.type_name()
                    )))
                }
            }
        }
        Ok(Rules { rules })
    }

    /// The violations of `object` (identified by `id`) in `target`.
    pub fn check(
        &self,
        ctx: &mut Ctx<'a>,
        id: &ObjectId,
        object: Value<'a>,
        target: Value<'a>,
    ) -> Result<Vec<Violation>> {
        let mut found = Vec::new();
        for (rule, func) in &self.rules {
            let result = ctx.call_values(
                *func,
                &[Lazy::Val(object), Lazy::Val(target)],
                &[],
                Site::None,
            )?;
            let Value::Arr(items) = result else {
                return Err(policy_error(format!(
                    "policy rule `{rule}` must return an array of violations, got {}",
                    result.type_name()
                )));
            };
            for lazy in items.iter() {
                let item = ctx.force_from(lazy, Site::None)?;
                match item {
                    Value::Null => {}
                    Value::Str(s) => found.push(Violation {
                        object: id.clone(),
                        rule: rule.clone(),
                        message: ctx.text(s).to_string(),
                    }),
                    Value::Obj(obj) => {
                        let message = match ctx.field_or_null(obj, "message")? {
                            Value::Str(s) => ctx.text(s).to_string(),
                            other => {
                                return Err(policy_error(format!(
                                    "policy rule `{rule}`: a violation's message must be a string, got {}",
                                    other.type_name()
                                )))
                            }
                        };
                        let rule = match ctx.field_or_null(obj, "rule")? {
                            Value::Str(s) => ctx.text(s).to_string(),
                            Value::Null => rule.clone(),
                            other => {
                                return Err(policy_error(format!(
                                    "policy rule `{rule}`: a violation's rule must be a string, got {}",
                                    other.type_name()
                                )))
                            }
                        };
                        found.push(Violation {
                            object: id.clone(),
                            rule,
                            message,
                        });
                    }
                    other => {
                        return Err(policy_error(format!(
                            "policy rule `{rule}`: a violation must be a string or {{rule, message}}, got {}",
                            other.type_name()
                        )))
                    }
                }
            }
        }
        Ok(found)
    }
}

/// Reading optional fields.
trait FieldOrNull<'a> {
    fn field_or_null(&mut self, obj: kcfg_lang::eval::Object<'a>, name: &str) -> Result<Value<'a>>;
}

impl<'a> FieldOrNull<'a> for Ctx<'a> {
    fn field_or_null(&mut self, obj: kcfg_lang::eval::Object<'a>, name: &str) -> Result<Value<'a>> {
        let name = Sym::intern(name);
        if obj.has_field(name) {
            self.get_field(obj, name, Site::None, None)
        } else {
            Ok(Value::Null)
        }
    }
}
