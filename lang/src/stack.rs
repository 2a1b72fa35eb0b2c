//! Native stack for the recursive passes over syntax trees.
//!
//! Parsing, analysis and dropping a tree recurse once per level of the
//! tree, and a tree can be far deeper than its file's bracket nesting
//! (`1 + 1 + …` nests to the left, one level per operator). Each level goes
//! through [`with_stack`], which moves onto a fresh segment when the current
//! stack runs low, so these passes work on any thread: the main thread of
//! `kcfg eval`, a worker of a pool, a language server's task.
//!
//! Evaluation has its own, larger margins (see `eval::Ctx::guard`).

/// Stack that must be left before a level runs.
const RED_ZONE: usize = 64 * 1024;

/// Size of each new segment.
const SEGMENT: usize = 1024 * 1024;

/// Runs `f`, first moving to a new stack segment if little is left.
#[inline]
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
