//! Native stack for the recursive passes: bounds checks and segments.
//!
//! Parsing, analysis, evaluation and dropping a tree recurse once per level
//! of the tree, and a tree can be far deeper than its file's bracket
//! nesting (`1 + 1 + …` nests to the left, one level per operator); values
//! can be nested deeper still. Each level makes sure of stack first and,
//! when the current stack runs low, continues on a fresh *segment*, so these
//! passes work on any thread: the main thread of `kcfg eval`, a worker of a
//! pool, a language server's task.
//!
//! # Checks
//!
//! The check runs once per tree node or frame, so it is one comparison of
//! the frame address with bounds learned for the current stack
//! ([`Bounds`]: kept per thread for the syntax passes, per evaluation for
//! the evaluator); the slow path ([`remaining`]) is taken only when that
//! fails.
//!
//! # Segments
//!
//! A segment is [`SEGMENT`] bytes plus a guard page, taken from the global
//! allocator (so an embedding program that counts its heap counts the
//! stack too: the `kcfg` binary charges it to its memory limit) and entered
//! with `psm::on_stack`. The guard page is made inaccessible with
//! `mprotect` while the segment is in use, so an overflow faults instead of
//! writing into the heap; the bounds checks keep a red zone free above it
//! anyway (64 KiB for the syntax passes, 256 KiB for the evaluator).
//! Getting a segment is fallible: when the allocator or `mprotect`
//! refuses, the caller gets [`Exhausted`] and reports an error
//! (the evaluator: `max stack frames exceeded.`) instead of crashing.
//! `stacker`, used before, panics when its `mmap` fails, and the panic
//! then unwound through frames that needed stack to drop their trees,
//! panicked again, and deadlocked in the standard library's backtrace lock
//! while reporting that allocation failed (issue 13).
//!
//! One segment per thread is kept when it is no longer used, so that a
//! recursion that goes back and forth across a segment boundary does not
//! allocate a segment each time.
//!
//! # The thread's own stack
//!
//! Passes use at most [`THREAD_STACK_ALLOWANCE`] of the thread's own stack
//! (counted from where they first ran on that thread), then move to
//! segments. A thread with a huge stack (the `kcfg` binary reserves 1 GiB
//! for its render and plugin threads) would otherwise let a deep program
//! use a gigabyte that no memory limit sees; this way all but a few MiB
//! of the evaluator's stack is on segments, which are counted.

use std::alloc::Layout;
use std::cell::Cell;
use std::ptr::NonNull;

/// Stack that must be left before a level of the syntax passes runs.
const RED_ZONE: usize = 64 * 1024;

/// Usable size of each segment.
pub(crate) const SEGMENT: usize = 8 * 1024 * 1024;

/// How much of a thread's own stack the passes use before moving to
/// segments (see the module documentation).
const THREAD_STACK_ALLOWANCE: usize = 8 * 1024 * 1024;

/// Room above the point where bounds were learned that still counts as the
/// same segment (the frames of the callers in between).
const CEILING_MARGIN: usize = 8 * 1024;

/// The part of the current stack where at least a red zone is left below
/// the frame: one comparison tells whether a level may run here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    floor: usize,
    span: usize,
}

impl Bounds {
    /// No bounds: every check fails and goes to the slow path.
    pub(crate) const NONE: Bounds = Bounds { floor: 0, span: 0 };

    /// The bounds of the stack this runs on, keeping `red_zone` free.
    #[inline(never)]
    pub(crate) fn learn(red_zone: usize) -> Bounds {
        let here = stack_pointer();
        match remaining() {
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

/// A stack could not grow: the allocator or the operating system refused a
/// segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exhausted;

thread_local! {
    /// The lowest address the passes may use on the stack this thread runs
    /// on now; 0 until learned on the thread's own stack.
    static LIMIT: Cell<usize> = const { Cell::new(0) };
    /// The bounds of the syntax passes on this thread.
    static BOUNDS: Cell<Bounds> = const { Cell::new(Bounds::NONE) };
    /// A segment no longer in use, kept for the next growth.
    static SPARE: Cell<Option<Segment>> = const { Cell::new(None) };
}

/// The address of the current stack frame, near enough.
#[inline(always)]
fn stack_pointer() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// Bytes of stack left below the current frame, on the thread's own stack
/// or on a segment; `None` when the thread's stack is unknown.
pub(crate) fn remaining() -> Option<usize> {
    let here = stack_pointer();
    let limit = match LIMIT.get() {
        0 => learn_thread_limit(here)?,
        limit => limit,
    };
    Some(here.saturating_sub(limit))
}

/// The limit on the thread's own stack: what the operating system gives
/// (which `stacker` finds out, per platform), but no more than
/// [`THREAD_STACK_ALLOWANCE`] below the first frame that asks.
#[cold]
fn learn_thread_limit(here: usize) -> Option<usize> {
    let os_limit = here.saturating_sub(stacker::remaining_stack()?);
    let limit = os_limit.max(here.saturating_sub(THREAD_STACK_ALLOWANCE));
    LIMIT.set(limit);
    Some(limit)
}

/// Whether a spare segment is ready, so that growing allocates nothing.
pub(crate) fn has_spare() -> bool {
    let spare = SPARE.take();
    let ready = spare.is_some();
    SPARE.set(spare);
    ready
}

/// Runs `f` on a segment (the spare one or a new one). `Err` when no
/// segment can be had; `f` is then not run, and dropped.
pub(crate) fn on_segment<R>(f: impl FnOnce() -> R) -> Result<R, Exhausted> {
    // The thread's own limit must be known before it is replaced, so that
    // it is restored rather than learned again lower down.
    remaining();
    let segment = match SPARE.take() {
        Some(segment) => segment,
        None => Segment::allocate().ok_or(Exhausted)?,
    };
    let (bottom, size) = segment.usable();
    let saved = LIMIT.replace(bottom as usize);
    // SAFETY: `bottom .. bottom + size` is memory this thread owns for the
    // duration of the call (the segment outlives it), page-aligned, with an
    // inaccessible page below; `callback` does not unwind (panics are
    // caught and resumed after switching back).
    let outcome = unsafe {
        psm::on_stack(bottom, size, move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        })
    };
    LIMIT.set(saved);
    // Keep one segment for the next growth; drop any other.
    if let Some(other) = SPARE.replace(Some(segment)) {
        drop(other);
    }
    match outcome {
        Ok(result) => Ok(result),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Runs `f` for a syntax pass, first moving to a segment if little stack
/// is left. `Err` (and `f` not run) when the stack cannot grow.
#[inline]
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> Result<R, Exhausted> {
    if BOUNDS.get().have_room() {
        Ok(f())
    } else {
        with_new_stack(f)
    }
}

/// [`with_stack`] when the bounds say no: finds out how much stack is
/// really left, moves to a segment if needed, and learns the bounds there
/// for the levels below, then restores them.
#[cold]
#[inline(never)]
fn with_new_stack<R>(f: impl FnOnce() -> R) -> Result<R, Exhausted> {
    let saved = BOUNDS.get();
    let result = if remaining().is_some_and(|left| left >= RED_ZONE) {
        BOUNDS.set(Bounds::learn(RED_ZONE));
        Ok(f())
    } else {
        on_segment(|| {
            BOUNDS.set(Bounds::learn(RED_ZONE));
            f()
        })
    };
    BOUNDS.set(saved);
    result
}

/// Drops a tree node's `kind` (replaced by `empty`) with stack to spare:
/// dropping a tree recurses once per level, and trees can be deeper than
/// any thread's stack. For the `Drop` of the AST's and the IR's `Expr`.
/// When no stack can be had, the rest of the tree is leaked rather than
/// dropped on a stack that would overflow.
#[inline]
pub(crate) fn drop_deep<K>(kind: &mut K, empty: K) {
    let mut kind = Some(std::mem::replace(kind, empty));
    if with_stack(|| drop(kind.take())).is_err() {
        std::mem::forget(kind.take());
    }
}

// ----- segments --------------------------------------------------------------

/// The operating system's page size.
fn page_size() -> usize {
    #[cfg(unix)]
    {
        // SAFETY: `sysconf` has no preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if size > 0 {
            return size as usize;
        }
    }
    4096
}

/// A stack segment: a guard page, then [`SEGMENT`] usable bytes, from the
/// global allocator.
struct Segment {
    base: NonNull<u8>,
    layout: Layout,
    guard: usize,
}

impl Segment {
    /// A new segment, or `None` when the allocator or `mprotect` refuses.
    fn allocate() -> Option<Segment> {
        let page = page_size();
        let layout = Layout::from_size_align(SEGMENT.checked_add(page)?, page).ok()?;
        // SAFETY: the layout has a non-zero size.
        let base = NonNull::new(unsafe { std::alloc::alloc(layout) })?;
        let segment = Segment {
            base,
            layout,
            guard: page,
        };
        #[cfg(unix)]
        {
            // SAFETY: the first page of the block is ours; it is made
            // accessible again before the block is freed (`Drop`).
            let protected =
                unsafe { libc::mprotect(base.as_ptr().cast(), page, libc::PROT_NONE) } == 0;
            if !protected {
                // Not dropped: its guard page was not protected.
                // SAFETY: allocated above with this layout.
                unsafe { std::alloc::dealloc(base.as_ptr(), layout) };
                std::mem::forget(segment);
                return None;
            }
        }
        Some(segment)
    }

    /// The lowest usable address and the usable size.
    fn usable(&self) -> (*mut u8, usize) {
        // SAFETY: the guard page is within the block.
        let bottom = unsafe { self.base.as_ptr().add(self.guard) };
        (bottom, self.layout.size() - self.guard)
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            // SAFETY: the guard page protected in `allocate`; the allocator
            // may write to the block once it is freed.
            let restored = unsafe {
                libc::mprotect(
                    self.base.as_ptr().cast(),
                    self.guard,
                    libc::PROT_READ | libc::PROT_WRITE,
                )
            } == 0;
            if !restored {
                // Leaked rather than handed back unwritable.
                return;
            }
        }
        // SAFETY: allocated in `allocate` with this layout.
        unsafe { std::alloc::dealloc(self.base.as_ptr(), self.layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(levels: usize) -> usize {
        if levels == 0 {
            return 0;
        }
        // A frame of a few hundred bytes, so that segments are needed.
        let pad = [levels as u8; 256];
        let below = with_stack(|| depth(levels - 1)).expect("stack grows");
        below + 1 + usize::from(std::hint::black_box(pad)[0] == 0)
    }

    #[test]
    fn deep_recursion_moves_to_segments_on_a_small_thread() {
        let levels = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(|| depth(200_000))
            .unwrap()
            .join()
            .unwrap();
        assert!(levels >= 200_000);
    }

    #[test]
    fn the_thread_stack_is_used_up_to_the_allowance() {
        std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024)
            .spawn(|| {
                let left = remaining().expect("known stack");
                assert!(left <= THREAD_STACK_ALLOWANCE, "{left}");
                assert!(left > THREAD_STACK_ALLOWANCE / 2, "{left}");
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn a_panic_on_a_segment_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            on_segment(|| panic!("on the segment")).ok();
        });
        assert!(caught.is_err());
        // The thread's limit was restored: the spare segment is reused.
        assert!(has_spare());
        assert_eq!(on_segment(|| 7), Ok(7));
    }
}
