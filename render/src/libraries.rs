//! The libraries built into kcfg: `import 'kcfg/render.libsonnet'`
//! (plans and generators) and `import 'kcfg/kustomize.libsonnet'` (the
//! Kustomize-equivalent helpers).
//!
//! They are ordinary `.libsonnet` files in `render/src/lib/`, included
//! with `include_str!`, so a plan or an application needs no vendored copy
//! and every program built on this crate carries the version of the
//! library its renderer understands. The importer (`crate::importer`)
//! resolves `kcfg/<name>` to one of them when no file on disk matches
//! (files come first, with a warning when one hides a library: issue 16),
//! to a virtual path under `<kcfg>/` that error messages and stack traces
//! show.

use std::path::{Path, PathBuf};

/// The import prefix of the built-in libraries.
pub const PREFIX: &str = "kcfg/";

/// The directory the built-in libraries appear to live in, in messages.
const VIRTUAL_DIR: &str = "<kcfg>";

/// A built-in library.
#[derive(Debug, Clone, Copy)]
pub struct Library {
    /// The name after `kcfg/`.
    pub name: &'static str,
    /// Its source text.
    pub text: &'static str,
}

impl Library {
    /// The virtual path the importer gives it.
    pub fn path(&self) -> PathBuf {
        Path::new(VIRTUAL_DIR).join(self.name)
    }
}

/// Every built-in library.
pub const LIBRARIES: &[Library] = &[
    Library {
        name: "render.libsonnet",
        text: include_str!("lib/render.libsonnet"),
    },
    Library {
        name: "kustomize.libsonnet",
        text: include_str!("lib/kustomize.libsonnet"),
    },
];

/// The library imported as `kcfg/<name>`.
pub fn find(name: &str) -> Option<Library> {
    LIBRARIES
        .iter()
        .copied()
        .find(|library| library.name == name)
}

/// The library behind a virtual path returned by [`Library::path`].
pub fn by_path(path: &Path) -> Option<Library> {
    let name = path.strip_prefix(VIRTUAL_DIR).ok()?.to_str()?;
    find(name)
}
