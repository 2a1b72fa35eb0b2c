//! One file, parsed and analyzed for the editor: the recovering parse's
//! tree and errors ([`kcfg_lang::syntax::parse_recovering`]), the analysis'
//! errors and use→definition table ([`kcfg_lang::analyze::analyze_all`]),
//! and the line index that converts positions.
//!
//! A `FileAnalysis` is immutable. A document makes a new one when its text
//! changes (see [`crate::world`]); features share them through `Arc`s.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kcfg_lang::analyze::Resolution;
use kcfg_lang::ast::SourceTree;
use kcfg_lang::diag::Diagnostic;
use kcfg_lang::lines::LineIndex;
use kcfg_lang::span::{SourceFile, SourceMap, SourceName, Span};

/// A parsed and analyzed file.
#[derive(Debug)]
pub struct FileAnalysis {
    /// The file's path (virtual for the built-in `kcfg/` libraries).
    pub path: PathBuf,
    /// The source, in a map of its own (its `FileId` is always 0).
    pub file: Arc<SourceFile>,
    /// The map that holds `file`, for rendering diagnostics.
    pub sources: SourceMap,
    /// The tree, recovered where the text does not parse.
    pub tree: SourceTree,
    /// Syntax errors, in the order the parser met them.
    pub syntax_errors: Vec<Diagnostic>,
    /// Static errors of the analysis (unknown variables, …).
    pub static_errors: Vec<Diagnostic>,
    /// Every variable use and where it is bound, sorted by use.
    pub uses: Vec<Resolution>,
    /// Line starts, for positions.
    pub lines: LineIndex,
}

impl FileAnalysis {
    /// Parses and analyzes `text` as the file at `path`.
    pub fn new(path: &Path, text: &str) -> FileAnalysis {
        let sources = SourceMap::new();
        let file = sources.add(SourceName::Path(path.to_path_buf()), text);
        let (tree, syntax_errors) = kcfg_lang::syntax::parse_recovering(&file);
        let analysis = kcfg_lang::analyze::analyze_all(&tree, &file);
        let mut uses = analysis.uses;
        uses.sort_by_key(|resolution| resolution.use_span.start);
        FileAnalysis {
            path: path.to_path_buf(),
            lines: LineIndex::new(text),
            file,
            sources,
            tree,
            syntax_errors,
            static_errors: analysis.errors,
            uses,
        }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.file.text
    }

    /// A span of this file.
    pub fn span(&self, start: u32, end: u32) -> Span {
        Span {
            file: self.file.id,
            start,
            end,
        }
    }

    /// The source text of `span`.
    pub fn slice(&self, span: Span) -> &str {
        self.text()
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// The use of a variable at `span`, if the analysis recorded one there.
    pub fn resolution(&self, span: Span) -> Option<&Resolution> {
        let at = self
            .uses
            .binary_search_by_key(&span.start, |resolution| resolution.use_span.start)
            .ok()?;
        Some(&self.uses[at])
    }

    /// The directory imports are resolved from.
    pub fn dir(&self) -> Option<&Path> {
        self.path.parent()
    }

    /// Whether the file parsed without error.
    pub fn parsed(&self) -> bool {
        self.syntax_errors.is_empty()
    }
}
