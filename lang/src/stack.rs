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
//! A segment is [`SEGMENT`] bytes mapped with `mmap`, with an inaccessible
//! guard page below them, entered with `psm::on_stack`. It is charged to a
//! [`MemoryLimit`] while it is mapped: the evaluator's to the limit of its
//! evaluation, the syntax passes' to the one installed with [`charging`]
//! (a `Program` with a limit installs it while it parses and analyzes), so
//! deep recursion counts against the same limit as the heap. Getting a
//! segment is fallible: when the limit has no room for it or `mmap`
//! refuses, the caller gets [`Exhausted`] and reports an error (the
//! evaluator and the syntax passes: `max stack frames exceeded.`) instead
//! of crashing. `stacker`, used before, panics when its `mmap` fails, and
//! the panic then unwound through frames that needed stack to drop their
//! trees, panicked again, and deadlocked in the standard library's
//! backtrace lock while reporting that allocation failed (issue 13).
//!
//! One segment per thread is kept when it is no longer used, so that a
//! recursion that goes back and forth across a segment boundary does not
//! map a segment each time.
//!
//! # The thread's own stack
//!
//! Passes use at most [`THREAD_STACK_ALLOWANCE`] of the thread's own stack
//! (counted from where they first ran on that thread), then move to
//! segments. A thread with a huge stack (the `kcfg` binary reserves 1 GiB
//! for its render and plugin threads) would otherwise let a deep program
//! use a gigabyte that no memory limit sees; this way all but a few MiB
//! of the evaluator's stack is on segments, which are counted.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::sync::Arc;

use crate::memory::MemoryLimit;

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
    /// The limit the syntax passes' segments are charged to (see
    /// [`charging`]).
    static CHARGE_TO: RefCell<Option<Arc<MemoryLimit>>> = const { RefCell::new(None) };
}

/// Looks at the limit installed with [`charging`] once every 1024 calls
/// of [`MemoryPoll::exceeded`]: the syntax passes build trees on the heap
/// and enter no frame the evaluator checks, so they look for themselves.
#[derive(Debug, Default)]
pub(crate) struct MemoryPoll {
    calls: u32,
}

impl MemoryPoll {
    /// The limit, if it is exceeded (looked at once in 1024 calls).
    #[inline]
    pub(crate) fn exceeded(&mut self) -> Option<usize> {
        self.calls = self.calls.wrapping_add(1);
        if !self.calls.is_multiple_of(1024) {
            return None;
        }
        CHARGE_TO.with_borrow(|memory| {
            memory
                .as_ref()
                .filter(|memory| memory.is_exceeded())
                .map(|memory| memory.limit())
        })
    }
}

/// Runs `f` with the syntax passes' segments charged to `memory`.
pub(crate) fn charging<R>(memory: Option<&Arc<MemoryLimit>>, f: impl FnOnce() -> R) -> R {
    let saved = CHARGE_TO.replace(memory.cloned());
    let result = f();
    CHARGE_TO.replace(saved);
    result
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

/// Whether a spare segment is ready, so that growing maps nothing.
#[cfg(test)]
fn has_spare() -> bool {
    let spare = SPARE.take();
    let ready = spare.is_some();
    SPARE.set(spare);
    ready
}

/// Runs `f` on a segment (the spare one, or a new one charged to
/// `memory`). `Err` when no segment can be had; `f` is then not run, and
/// dropped.
pub(crate) fn on_segment<R>(
    memory: Option<&Arc<MemoryLimit>>,
    f: impl FnOnce() -> R,
) -> Result<R, Exhausted> {
    // The thread's own limit must be known before it is replaced, so that
    // it is restored rather than learned again lower down.
    remaining();
    let segment = match SPARE.take() {
        Some(segment) => segment,
        None => Segment::allocate(memory).ok_or(Exhausted)?,
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
        let memory = CHARGE_TO.with_borrow(|memory| memory.clone());
        on_segment(memory.as_ref(), || {
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
    // SAFETY: `sysconf` has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 {
        size as usize
    } else {
        4096
    }
}

/// A stack segment: a guard page, then [`SEGMENT`] usable bytes, mapped
/// and charged to a memory limit until dropped.
struct Segment {
    base: NonNull<u8>,
    len: usize,
    guard: usize,
    charged: Option<Arc<MemoryLimit>>,
}

impl Segment {
    /// A new segment, or `None` when `memory` has no room for it or the
    /// system refuses.
    fn allocate(memory: Option<&Arc<MemoryLimit>>) -> Option<Segment> {
        let guard = page_size();
        let len = SEGMENT.checked_add(guard)?;
        if memory.is_some_and(|memory| !memory.fits(len)) {
            return None;
        }
        // SAFETY: a fresh private anonymous mapping; no memory of this
        // process is touched.
        let mapped = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if mapped == libc::MAP_FAILED {
            return None;
        }
        let base = NonNull::new(mapped.cast::<u8>())?;
        // SAFETY: the first page of the mapping just made.
        if unsafe { libc::mprotect(mapped, guard, libc::PROT_NONE) } != 0 {
            // SAFETY: unmaps the mapping just made.
            unsafe { libc::munmap(mapped, len) };
            return None;
        }
        if let Some(memory) = memory {
            memory.charge(len);
        }
        Some(Segment {
            base,
            len,
            guard,
            charged: memory.cloned(),
        })
    }

    /// The lowest usable address and the usable size.
    fn usable(&self) -> (*mut u8, usize) {
        // SAFETY: the guard page is within the mapping.
        let bottom = unsafe { self.base.as_ptr().add(self.guard) };
        (bottom, self.len - self.guard)
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `allocate`, no longer in use.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
        if let Some(memory) = &self.charged {
            memory.release(self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn try_depth(levels: usize) -> Result<usize, Exhausted> {
        if levels == 0 {
            return Ok(0);
        }
        // A frame of a few hundred bytes, so that segments are needed.
        let pad = [levels as u8; 256];
        let below = with_stack(|| try_depth(levels - 1))??;
        Ok(below + 1 + usize::from(std::hint::black_box(pad)[0] == 0))
    }

    fn depth(levels: usize) -> usize {
        try_depth(levels).expect("stack grows")
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
            on_segment(None, || panic!("on the segment")).ok();
        });
        assert!(caught.is_err());
        // The thread's limit was restored: the spare segment is reused.
        assert!(has_spare());
        assert_eq!(on_segment(None, || 7), Ok(7));
    }

    #[test]
    fn segments_are_charged_and_refused_past_the_limit() {
        std::thread::spawn(|| {
            let memory = Arc::new(MemoryLimit::new(SEGMENT * 3));
            let in_use = on_segment(Some(&memory), || memory.in_use()).unwrap();
            assert!(in_use > SEGMENT, "{in_use}");
            // Kept as the spare, still charged.
            assert!(memory.in_use() > SEGMENT);
            // A second segment while the first is in use: room for it.
            let nested = on_segment(Some(&memory), || {
                SPARE.set(None);
                on_segment(Some(&memory), || memory.in_use())
            });
            assert!(nested.unwrap().unwrap() > 2 * SEGMENT);
            // No room for a segment: none is mapped.
            SPARE.set(None);
            assert_eq!(memory.in_use(), 0);
            memory.charge(2 * SEGMENT);
            assert_eq!(on_segment(Some(&memory), || ()), Err(Exhausted));
            memory.release(2 * SEGMENT);
            assert_eq!(memory.in_use(), 0);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn syntax_passes_charge_the_installed_limit() {
        std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(|| {
                let memory = Arc::new(MemoryLimit::new(1 << 40));
                let levels = charging(Some(&memory), || depth(100_000));
                assert!(levels >= 100_000);
                // The spare segment is still charged; others were released.
                assert!(memory.peak() > SEGMENT);
                SPARE.set(None);
                assert_eq!(memory.in_use(), 0);
                // Nothing may be charged any more: the stack cannot grow.
                let full = Arc::new(MemoryLimit::new(0));
                let failed = charging(Some(&full), || try_depth(100_000));
                assert_eq!(failed, Err(Exhausted));
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
