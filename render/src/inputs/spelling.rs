//! How an input record spells the paths of what a target read.
//!
//! A program names a file as the plan's directory was named on the command
//! line joined with the rest: `apps/web/main.kcfg` for `kcfg render`,
//! `fleet/apps/web/main.kcfg` for `kcfg render fleet`,
//! `/home/ana/fleet/apps/web/main.kcfg` for an absolute path. A record
//! holding those names would depend on where kcfg was started: a render
//! started elsewhere would evaluate every target again, and rewrite a
//! committed record with another machine's paths. So a record spells a
//! path under the plan's directory from that directory,
//! `<plan>/apps/web/main.kcfg`, and turns it back into the program's
//! spelling before asking the program about it. Other paths (a library
//! directory outside the plan, kcfg's own `<kcfg>/…` libraries) are kept
//! as the program spells them, normalized.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

use kcfg_lang::program::normalize;
use rustc_hash::FxHashMap;

use crate::plan::under;

/// What a path under the plan's directory starts with in a record.
const PLAN: &str = "<plan>";

/// The spelling of a record's paths for a plan in one directory.
#[derive(Debug, Clone)]
pub struct Spelling {
    /// The plan's directory as the program's paths begin with it (`None`:
    /// no plan, every path is kept as it is).
    dir: Option<PathBuf>,
    /// The same, normalized (empty for `.`).
    normalized: PathBuf,
    /// The paths spelled so far (by their bytes): every target of a plan
    /// spells the same few entries, library directories and policies.
    spelled: Arc<RwLock<Spelled>>,
}

/// Paths (by their bytes) and how a record spells them.
type Spelled = FxHashMap<Box<[u8]>, Option<Box<str>>>;

impl Spelling {
    /// The spelling for a plan in `dir` (as named on the command line).
    pub fn new(dir: Option<&Path>) -> Spelling {
        Spelling {
            dir: dir.map(Path::to_path_buf),
            normalized: dir.map(normalize).unwrap_or_default(),
            spelled: Arc::default(),
        }
    }

    /// Calls `with` on [`Spelling::record`]'s answer for `path`, spelling
    /// each path once.
    pub fn with_record<R>(&self, path: &Path, with: impl FnOnce(Option<&str>) -> R) -> R {
        let key = path.as_os_str().as_encoded_bytes();
        if let Ok(spelled) = self.spelled.read() {
            if let Some(found) = spelled.get(key) {
                return with(found.as_deref());
            }
        }
        let found = self.record(path);
        if let Ok(mut spelled) = self.spelled.write() {
            spelled.insert(key.into(), found.as_deref().map(Box::from));
        }
        with(found.as_deref())
    }

    /// `path` (as the program names it) as a record spells it; `None` when
    /// it is not UTF-8.
    pub fn record(&self, path: &Path) -> Option<String> {
        let text = path.to_str()?;
        if self.dir.is_none() || text.starts_with('<') {
            return Some(text.to_string());
        }
        let path = normalize(path);
        let rest = if self.normalized.as_os_str().is_empty() {
            // The plan is in the current directory: every relative path
            // that does not climb out of it is under it.
            let inside = matches!(path.components().next(), Some(Component::Normal(_)) | None);
            inside.then_some(path.as_path())
        } else {
            path.strip_prefix(&self.normalized).ok()
        };
        let spelled = match rest {
            Some(rest) if rest.as_os_str().is_empty() => PLAN.to_string(),
            Some(rest) => format!("{PLAN}/{}", rest.to_str()?),
            None => path.to_str()?.to_string(),
        };
        Some(spelled)
    }

    /// The path a record spells `recorded`, as the program names it.
    pub fn real(&self, recorded: &str) -> PathBuf {
        let Some(dir) = &self.dir else {
            return PathBuf::from(recorded);
        };
        if recorded == PLAN {
            return dir.clone();
        }
        match recorded
            .strip_prefix(PLAN)
            .and_then(|rest| rest.strip_prefix('/'))
        {
            Some(rest) => under(dir, rest),
            None => PathBuf::from(recorded),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue18_a_record_spells_the_plan_directory_alike_however_it_was_named() {
        for (dir, file) in [
            (".", "apps/web/main.kcfg"),
            ("./", "./apps/web/main.kcfg"),
            ("fleet", "fleet/apps/web/main.kcfg"),
            ("./fleet", "./fleet/apps/web/main.kcfg"),
            ("/src/fleet", "/src/fleet/apps/web/main.kcfg"),
            ("/src/fleet/", "/src/fleet/lib/../apps/web/main.kcfg"),
        ] {
            let spelling = Spelling::new(Some(Path::new(dir)));
            let recorded = spelling.record(Path::new(file)).unwrap();
            assert_eq!(recorded, "<plan>/apps/web/main.kcfg", "{dir} {file}");
            // Spelled once, then remembered: the same answer both times.
            for _ in 0..2 {
                let remembered = spelling.with_record(Path::new(file), |s| s.map(str::to_owned));
                assert_eq!(
                    remembered.as_deref(),
                    Some(recorded.as_str()),
                    "{dir} {file}"
                );
            }
            assert_eq!(
                normalize(&spelling.real(&recorded)),
                normalize(Path::new(file)),
                "{dir}"
            );
            assert_eq!(spelling.record(Path::new(dir)).unwrap(), "<plan>");
        }
    }

    #[test]
    fn issue18_paths_outside_the_plan_are_kept() {
        let here = Spelling::new(Some(Path::new(".")));
        let fleet = Spelling::new(Some(Path::new("/src/fleet")));
        for (spelling, path) in [
            (&here, "../vendor/k.libsonnet"),
            (&here, "/usr/share/kcfg/k.libsonnet"),
            (&here, "<kcfg>/render.libsonnet"),
            (&fleet, "/src/fleet2/k.libsonnet"),
            (&fleet, "vendor/k.libsonnet"),
            (&fleet, "<kcfg>/render.libsonnet"),
        ] {
            let recorded = spelling.record(Path::new(path)).unwrap();
            assert_eq!(recorded, path);
            assert_eq!(spelling.real(&recorded), PathBuf::from(path));
        }
        let none = Spelling::new(None);
        assert_eq!(none.record(Path::new("./a/../b")).unwrap(), "./a/../b");
        assert_eq!(none.real("<plan>/x"), PathBuf::from("<plan>/x"));
    }
}
