//! `textDocument/foldingRange`: objects, arrays, calls' arguments,
//! parenthesized expressions and text blocks that span lines, block
//! comments, and runs of line comments.

use kcfg_lang::ast::{CommentKind, ExprKind, StrStyle};
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

use crate::analysis::FileAnalysis;
use crate::position;
use crate::walk::{self, Node};
use crate::world::World;

/// The folding ranges of `file`.
pub fn folding_ranges(world: &World, file: &FileAnalysis) -> Vec<FoldingRange> {
    let encoding = world.encoding();
    let line = |offset: u32| position::position(file, offset, encoding).line;
    let mut out = Vec::new();
    let mut push = |start: u32, end: u32, kind: Option<FoldingRangeKind>| {
        let (first, last) = (line(start), line(end));
        if last > first {
            out.push(FoldingRange {
                start_line: first,
                end_line: last,
                kind,
                ..FoldingRange::default()
            });
        }
    };
    walk::for_each(&file.tree.expr, &mut |node| {
        if let Node::Expr(expr) = node {
            match &expr.kind {
                ExprKind::Object { .. }
                | ExprKind::ObjectComp { .. }
                | ExprKind::Array { .. }
                | ExprKind::ArrayComp { .. }
                | ExprKind::Parens(_)
                | ExprKind::Str {
                    style: StrStyle::Block | StrStyle::BlockChomped,
                    ..
                } => push(expr.span.start, expr.span.end, None),
                ExprKind::Apply { target, .. } => push(target.span.end, expr.span.end, None),
                _ => {}
            }
        }
    });
    // Runs of line comments, and block comments.
    let comments = &file.tree.comments;
    let mut index = 0;
    while index < comments.len() {
        let comment = &comments[index];
        if comment.kind == CommentKind::Block {
            push(
                comment.span.start,
                comment.span.end,
                Some(FoldingRangeKind::Comment),
            );
            index += 1;
            continue;
        }
        let mut last = index;
        while last + 1 < comments.len()
            && comments[last + 1].kind != CommentKind::Block
            && line(comments[last + 1].span.start) == line(comments[last].span.start) + 1
        {
            last += 1;
        }
        push(
            comment.span.start,
            comments[last].span.start,
            Some(FoldingRangeKind::Comment),
        );
        index = last + 1;
    }
    out
}
