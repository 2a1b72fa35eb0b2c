//! `textDocument/selectionRange`: for each position, the nested ranges of
//! the nodes around it, innermost first (expand selection).

use tower_lsp_server::ls_types::{Position, SelectionRange};

use crate::analysis::FileAnalysis;
use crate::position;
use crate::walk;
use crate::world::World;

/// The selection ranges at each of `positions`.
pub fn selection_ranges(
    world: &World,
    file: &FileAnalysis,
    positions: &[Position],
) -> Vec<SelectionRange> {
    let encoding = world.encoding();
    positions
        .iter()
        .map(|&at| {
            let offset = position::offset(file, at, encoding);
            let mut spans: Vec<kcfg_lang::span::Span> = walk::path_at(&file.tree.expr, offset)
                .iter()
                .map(|node| node.span())
                .collect();
            // The whole file first, then the nodes; equal ranges once.
            spans.insert(0, file.span(0, file.text().len() as u32));
            spans.dedup_by_key(|span| (span.start, span.end));
            let mut range: Option<SelectionRange> = None;
            for span in spans {
                if span.start > offset || span.end < offset {
                    continue;
                }
                range = Some(SelectionRange {
                    range: position::range(file, span, encoding),
                    parent: range.map(Box::new),
                });
            }
            range.unwrap_or(SelectionRange {
                range: tower_lsp_server::ls_types::Range::new(at, at),
                parent: None,
            })
        })
        .collect()
}
