//! `textDocument/formatting` and `textDocument/rangeFormatting`: the
//! formatter of `kcfg fmt` ([`kcfg_lang::fmt`], jsonnetfmt 0.22's output
//! with its default options, so the editor and `kcfg fmt --check` agree),
//! returned as the few line edits that turn the text into the formatted
//! one rather than one edit replacing everything, so cursors, marks and
//! folds elsewhere stay put.
//!
//! A range is formatted by formatting the file and keeping the edits that
//! touch the range's lines. A file that does not parse is not formatted
//! (no edits; its diagnostics say why).

use similar::{capture_diff_slices, Algorithm, DiffTag};
use tower_lsp_server::ls_types::{Position, Range, TextEdit};

use crate::analysis::FileAnalysis;
use crate::position;
use crate::world::World;

/// The edits that format `file`, only those touching `range` if given.
pub fn format(world: &World, file: &FileAnalysis, range: Option<Range>) -> Vec<TextEdit> {
    if !file.parsed() {
        return Vec::new();
    }
    let Ok(formatted) = kcfg_lang::fmt::format(&file.file, &kcfg_lang::fmt::Options::default())
    else {
        return Vec::new();
    };
    let edits = line_edits(world, file, &formatted);
    match range {
        None => edits,
        Some(range) => edits
            .into_iter()
            .filter(|edit| {
                edit.range.start.line <= range.end.line && edit.range.end.line >= range.start.line
            })
            .collect(),
    }
}

/// Line-by-line edits from `file`'s text to `new`.
fn line_edits(world: &World, file: &FileAnalysis, new: &str) -> Vec<TextEdit> {
    let old = file.text();
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    // Byte offset of each old line's start, and the end.
    let mut starts = Vec::with_capacity(old_lines.len() + 1);
    let mut offset = 0u32;
    for line in &old_lines {
        starts.push(offset);
        offset += line.len() as u32;
    }
    starts.push(offset);
    let encoding = world.encoding();
    let mut edits = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines) {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            continue;
        }
        let start: Position = position::position(file, starts[old_range.start], encoding);
        let end: Position = position::position(file, starts[old_range.end], encoding);
        let text: String = new_lines[new_range].concat();
        edits.push(TextEdit::new(Range::new(start, end), text));
    }
    edits
}
