//! Render plans as roots of the workspace (issue 17, "workspace model").
//!
//! `kcfg render` evaluates each target's entry with the library
//! directories its plan gives it (`jpath: ['lib']` in `render.kcfg`,
//! relative to the plan's directory), so an application's
//! `import 'edge.libsonnet'` resolves only through its plan. The server
//! does not evaluate, so it reads the plan's syntax tree instead: every
//! field named `jpath` whose value is an array of string literals adds
//! those directories for the files under the plan's directory. That is the
//! form the examples and the README use; a `jpath` computed at render time
//! (from a function's argument, say) is not seen, and its imports resolve
//! through the `jpath` setting instead.

use std::path::{Path, PathBuf};

use kcfg_lang::ast::ExprKind;

use crate::analysis::FileAnalysis;
use crate::walk::{self, Node};

/// The file name of a render plan.
pub const PLAN_FILE: &str = "render.kcfg";

/// The plan that renders files in `dir`: `render.kcfg` in `dir` or in the
/// nearest directory above it that has one.
pub fn plan_for(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|dir| dir.join(PLAN_FILE))
        .find(|plan| plan.is_file())
}

/// The library directories `plan` gives its targets, in search order: each
/// literal `jpath` array's directories, the right-most first (as `-J`),
/// joined to the plan's directory, each once.
pub fn library_dirs(plan: &FileAnalysis) -> Vec<PathBuf> {
    let Some(base) = plan.dir() else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    walk::for_each(&plan.tree.expr, &mut |node| {
        let Node::Field(field) = node else {
            return;
        };
        if walk::field_name(field).map(|(name, _)| name) != Some("jpath") {
            return;
        }
        let ExprKind::Array { elems, .. } = &field.value.kind else {
            return;
        };
        for elem in elems.iter().rev() {
            if let ExprKind::Str { value, .. } = &elem.kind {
                let dir = base.join(value);
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
        }
    });
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue17_literal_jpath_arrays_of_a_plan() {
        let plan = FileAnalysis::new(
            Path::new("/fleet/render.kcfg"),
            "local kcfg = import 'kcfg/render.libsonnet';\n\
             kcfg.plan {\n\
               template(c):: { entry: 'apps/web/main.kcfg', jpath: ['lib', 'vendor'] },\n\
               other:: { jpath: ['lib'] },\n\
               computed(j):: { jpath: j },\n\
             }\n",
        );
        assert_eq!(
            library_dirs(&plan),
            [PathBuf::from("/fleet/vendor"), PathBuf::from("/fleet/lib")]
        );
    }

    #[test]
    fn issue17_a_plan_that_does_not_parse_still_gives_its_directories() {
        let plan = FileAnalysis::new(
            Path::new("/fleet/render.kcfg"),
            "{ targets: [{ entry: 'a.kcfg', jpath: ['lib'] }], broken: ",
        );
        assert_eq!(library_dirs(&plan), [PathBuf::from("/fleet/lib")]);
    }
}
