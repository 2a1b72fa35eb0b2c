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

/// Room above the point where bounds were learned that still counts as the
/// same segment (the frames of the callers in between).
const CEILING_MARGIN: usize = 8 * 1024;

/// The part of the current stack segment where at least a red zone is left
/// below the frame: one comparison tells whether a level may run here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    floor: usize,
    span: usize,
}

impl Bounds {
    /// No bounds: every check fails and goes to `stacker`.
    pub(crate) const NONE: Bounds = Bounds { floor: 0, span: 0 };

    /// The bounds of the segment this runs on, keeping `red_zone` free.
    #[inline(never)]
    pub(crate) fn learn(red_zone: usize) -> Bounds {
        let here = stack_pointer();
        match stacker::remaining_stack() {
            Some(remaining) if remaining > red_zone => {
                let usable = remaining - red_zone;
                Bounds {
                    floor: here - usable,
                    span: usable + CEILING_MARGIN,
                }
            }
            // Unknown or already short.
            _ => Bounds::NONE,
        }
    }

    /// Whether the current frame is within the bounds: an address outside
    /// them (another segment, or above the point they were learned at)
    /// counts as no room.
    #[inline(always)]
    pub(crate) fn have_room(self) -> bool {
        stack_pointer().wrapping_sub(self.floor) < self.span
    }
}

thread_local! {
    /// The bounds of the syntax passes on this thread.
    static BOUNDS: Cell<Bounds> = const { Cell::new(Bounds::NONE) };
}

/// The address of the current stack frame, near enough.
#[inline(always)]
fn stack_pointer() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// Runs `f`, first moving to a new stack segment if little is left.
#[inline]
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    if BOUNDS.get().have_room() {
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
        BOUNDS.set(Bounds::learn(RED_ZONE));
        f()
    });
    BOUNDS.set(saved);
    result
}

/// Drops a tree node's `kind` (replaced by `empty`) with stack to spare:
/// dropping a tree recurses once per level, and trees can be deeper than
/// any thread's stack. For the `Drop` of the AST's and the IR's `Expr`.
#[inline]
pub(crate) fn drop_deep<K>(kind: &mut K, empty: K) {
    let kind = std::mem::replace(kind, empty);
    with_stack(move || drop(kind));
}
