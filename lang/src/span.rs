//! Source files and positions.
//!
//! Every AST node, IR node and stack frame carries a [`Span`]: a file and a
//! byte range in it. Spans are small (12 bytes) and `Copy`; turning them into
//! lines and columns happens only when a diagnostic is rendered, through the
//! [`SourceMap`] that owns the files' texts.
//!
//! Columns follow the Jsonnet reference: lines and columns are 1-based, and a
//! column counts bytes of UTF-8 from the start of the line, as the C++ lexer
//! does.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Identifies a source file in a [`SourceMap`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct FileId(pub u32);

/// A byte range `[start, end)` in a file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span that covers both `self` and `other` (same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range as `usize`s.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Where a source file came from: a path on disk, or a snippet with a name
/// (`<cmdline>`, `<stdin>`, an ext-code variable, a buffer in an editor).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SourceName {
    /// A file, by the path used to open it (not canonicalized: error messages
    /// show the path as the user or the import wrote it).
    Path(PathBuf),
    /// A snippet, by its display name.
    Virtual(String),
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceName::Path(path) => write!(f, "{}", path.display()),
            SourceName::Virtual(name) => f.write_str(name),
        }
    }
}

/// One source file: its name, its text and where its lines start.
#[derive(Debug)]
pub struct SourceFile {
    /// The file's id in its map.
    pub id: FileId,
    /// Where the text came from.
    pub name: SourceName,
    /// The text.
    pub text: Arc<str>,
    line_starts: Vec<u32>,
}

/// A 1-based line and column.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LineCol {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in bytes.
    pub column: u32,
}

impl SourceFile {
    fn new(id: FileId, name: SourceName, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        SourceFile {
            id,
            name,
            text,
            line_starts,
        }
    }

    /// The line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        LineCol {
            line: line as u32 + 1,
            column: offset - self.line_starts[line] + 1,
        }
    }

    /// The byte offset of a 0-based line and byte column, clamped to the text.
    pub fn offset(&self, line: u32, column: u32) -> u32 {
        let Some(start) = self.line_starts.get(line as usize) else {
            return self.text.len() as u32;
        };
        (start + column).min(self.text.len() as u32)
    }

    /// The text of the 1-based line `line`, without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let index = line as usize - 1;
        let start = self.line_starts[index] as usize;
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |&end| end as usize);
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The directory imports in this file are resolved against, if it is a
    /// file on disk.
    pub fn dir(&self) -> Option<&Path> {
        match &self.name {
            SourceName::Path(path) => path.parent(),
            SourceName::Virtual(_) => None,
        }
    }
}

/// All source files an evaluation, a render or an editor session has seen.
///
/// Shared by threads (`Arc<SourceMap>`); adding a file takes a short write
/// lock, reading one a read lock. Files are never removed, so a [`FileId`]
/// stays valid for the life of the map.
#[derive(Default, Debug)]
pub struct SourceMap {
    files: RwLock<Vec<Arc<SourceFile>>>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns it.
    pub fn add(&self, name: SourceName, text: impl Into<Arc<str>>) -> Arc<SourceFile> {
        let mut files = self
            .files
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let id = FileId(files.len() as u32);
        let file = Arc::new(SourceFile::new(id, name, text.into()));
        files.push(file.clone());
        file
    }

    /// The file with this id.
    ///
    /// # Panics
    /// If the id does not come from this map.
    pub fn get(&self, id: FileId) -> Arc<SourceFile> {
        let files = self
            .files
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        files[id.0 as usize].clone()
    }

    /// Formats a span the way the Jsonnet reference prints locations:
    /// `file:L:C` for a one-character span, `file:L:C1-C2` within a line
    /// (`C2` one past the end), `file:(L1:C1)-(L2:C2)` across lines.
    pub fn format_span(&self, span: Span) -> String {
        let file = self.get(span.file);
        format_location(&file, span)
    }
}

/// See [`SourceMap::format_span`].
pub fn format_location(file: &SourceFile, span: Span) -> String {
    let begin = file.line_col(span.start);
    let end = file.line_col(span.end.max(span.start));
    let name = &file.name;
    if begin.line == end.line {
        if end.column <= begin.column + 1 {
            format!("{name}:{}:{}", begin.line, begin.column)
        } else {
            format!("{name}:{}:{}-{}", begin.line, begin.column, end.column)
        }
    } else {
        format!(
            "{name}:({}:{})-({}:{})",
            begin.line, begin.column, end.line, end.column
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_print_like_the_reference() {
        let map = SourceMap::new();
        let file = map.add(
            SourceName::Virtual("<cmdline>".into()),
            "local x = 1; x\n[\n1]",
        );
        let at = |start, end| {
            map.format_span(Span {
                file: file.id,
                start,
                end,
            })
        };
        assert_eq!(at(13, 14), "<cmdline>:1:14");
        assert_eq!(at(0, 5), "<cmdline>:1:1-6");
        assert_eq!(at(15, 19), "<cmdline>:(2:1)-(3:3)");
    }

    #[test]
    fn line_text_strips_breaks() {
        let map = SourceMap::new();
        let file = map.add(SourceName::Virtual("x".into()), "a\r\nbc\n");
        assert_eq!(file.line_text(1), "a");
        assert_eq!(file.line_text(2), "bc");
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 1 });
    }
}
