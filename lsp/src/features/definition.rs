//! `textDocument/definition`: where the name under the cursor is defined.
//!
//! A variable goes to its `local`, parameter or `for`; a field to every
//! layer that defines it (so `app.port` on `base { port: 80 } + { port:
//! 8080 }` gives both); an import's path to the file. Works on files that
//! do not parse, through the recovered tree.

use std::sync::Arc;

use tower_lsp_server::ls_types::{Location, Position, Range, Uri};

use crate::analysis::FileAnalysis;
use crate::lookup::{self, Target};
use crate::position;
use crate::shape::Resolver;
use crate::world::World;

/// The definitions of the name at `at` in `file`.
pub fn definition(world: &World, file: &Arc<FileAnalysis>, at: Position) -> Vec<Location> {
    let encoding = world.encoding();
    let offset = position::offset(file, at, encoding);
    let mut resolver = Resolver::new(world);
    match lookup::target_at(&mut resolver, file, offset) {
        Some(Target::Local { def, .. }) => location(file, def, world).into_iter().collect(),
        Some(Target::Field { defs, .. }) => defs
            .iter()
            .filter_map(|def| location(&def.file, def.name_span, world))
            .collect(),
        Some(Target::Import {
            file: Some(path), ..
        }) => Uri::from_file_path(&path)
            .map(|uri| Location::new(uri, Range::default()))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// The location of `span` in `file`, if the file has a URI (built-in
/// libraries have none).
pub fn location(
    file: &FileAnalysis,
    span: kcfg_lang::span::Span,
    world: &World,
) -> Option<Location> {
    let uri = Uri::from_file_path(&file.path)?;
    if kcfg_render::libraries::by_path(&file.path).is_some() {
        return None;
    }
    Some(Location::new(
        uri,
        position::range(file, span, world.encoding()),
    ))
}
