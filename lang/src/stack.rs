//! Native stack for the recursive passes over syntax trees.
//!
//! Parsing, analysis and dropping a tree recurse once per level of the
//! tree, and a tree can be far deeper than its file's bracket nesting
//! (`1 + 1 + …` nests to the left, one level per operator). Each level goes
//! through [`with_stack`], which moves onto a fresh segment when the current
//! stack runs low, so these passes work on any thread: the main thread of
//! `kcfg eval`, a worker of a pool, a language server's task.
//!
//! The check runs once per tree node, so it is one comparison of the frame
//! address with bounds learned for the current segment (kept per thread);
//! `stacker` is asked only when that fails. Evaluation keeps its own bounds
//! and larger margins (see `eval::Ctx::with_stack`).

use std::cell::Cell;

/// Stack that must be left before a level runs.
const RED_ZONE: usize = 64 * 1024;

/// Size of each new segment.
const SEGMENT: usize = 1024 * 1024;

/// Room above the point where the bounds were learned that still counts as
/// the same segment (the frames of the callers in between).
const CEILING_MARGIN: usize = 8 * 1024;

thread_local! {
    /// `(floor, span)`: frame addresses from `floor` to `floor + span` have
    /// at least [`RED_ZONE`] below them. Empty until learned.
    static BOUNDS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// The address of the current stack frame, near enough.
#[inline(always)]
pub(crate) fn stack_pointer() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// Runs `f`, first moving to a new stack segment if little is left.
#[inline]
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    let (floor, span) = BOUNDS.get();
    if stack_pointer().wrapping_sub(floor) < span {
        f()
    } else {
        with_new_stack(f)
    }
}

/// [`with_stack`] when the bounds say no: `stacker` knows the real limit,
/// moves to a new segment if needed, and the bounds are learned there for
/// the levels below, then restored.
#[cold]
#[inline(never)]
fn with_new_stack<R>(f: impl FnOnce() -> R) -> R {
    let saved = BOUNDS.get();
    let result = stacker::maybe_grow(RED_ZONE, SEGMENT, || {
        learn();
        f()
    });
    BOUNDS.set(saved);
    result
}

/// Learns the bounds of the segment this runs on.
#[inline(never)]
fn learn() {
    let here = stack_pointer();
    let bounds = match stacker::remaining_stack() {
        Some(remaining) if remaining > RED_ZONE => {
            let usable = remaining - RED_ZONE;
            (here - usable, usable + CEILING_MARGIN)
        }
        _ => (0, 0),
    };
    BOUNDS.set(bounds);
}
