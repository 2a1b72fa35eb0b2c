//! Protocol positions and ranges to byte offsets and spans, and back, in
//! the encoding negotiated at `initialize` (UTF-16 unless the client offers
//! UTF-8). See [`kcfg_lang::lines`].

use kcfg_lang::lines::{Encoding, LinePos};
use kcfg_lang::span::Span;
use tower_lsp_server::ls_types::{Position, Range};

use crate::analysis::FileAnalysis;

/// Byte offset of `position` in `file`.
pub fn offset(file: &FileAnalysis, position: Position, encoding: Encoding) -> u32 {
    let at = LinePos {
        line: position.line,
        character: position.character,
    };
    file.lines.offset(file.text(), at, encoding)
}

/// The position of byte `offset` of `file`.
pub fn position(file: &FileAnalysis, offset: u32, encoding: Encoding) -> Position {
    let at = file.lines.position(file.text(), offset, encoding);
    Position::new(at.line, at.character)
}

/// The range of `span` in `file`.
pub fn range(file: &FileAnalysis, span: Span, encoding: Encoding) -> Range {
    Range::new(
        position(file, span.start, encoding),
        position(file, span.end.max(span.start), encoding),
    )
}

/// The byte range of `range` in `file`.
pub fn span(file: &FileAnalysis, range: Range, encoding: Encoding) -> Span {
    let start = offset(file, range.start, encoding);
    let end = offset(file, range.end, encoding).max(start);
    file.span(start, end)
}
