//! The memory limit of evaluations.
//!
//! A [`MemoryLimit`] is a byte counter and a limit, shared by every
//! evaluation of a process (or of whatever the embedding program wants to
//! bound together). `kcfg-lang` never counts allocations itself: the
//! embedding program feeds the counter from its global allocator (the `kcfg`
//! binary does, through a counting allocator), so the count covers
//! everything the process holds: arenas, the heap of builtins and
//! manifesters, and the evaluator's native stack segments, which come from
//! the global allocator too (see `crate::stack`).
//!
//! The evaluator reads the limit in three ways:
//!
//! - every frame it enters (`Ctx::guard`, `Ctx::descend`) checks that the
//!   count is within the limit, and fails with `out of memory` and a stack
//!   trace once it is not: allocation that grows little by little is
//!   stopped within one frame of crossing the limit;
//! - an allocation whose size comes from the program's input (`std.makeArray`
//!   of a large size, a wide `%` field, `std.repeat`, joins, …) is checked
//!   against what is left *before* it is made ([`MemoryLimit::fits`]), so a
//!   single huge request fails cleanly instead of asking the system for it;
//! - growing the native stack by a segment is refused (with the reference's
//!   `max stack frames exceeded.`) when the segment does not fit.
//!
//! The counter is read with relaxed loads: a check costs two loads and a
//! comparison. Its writers are expected to batch (the `kcfg` binary adds a
//! thread's allocations once they reach 256 KiB), so the count may be off
//! by a few hundred KiB per thread, which does not matter for a limit.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Bytes in use by a process (or a group of evaluations), and the most
/// they may use.
#[derive(Debug)]
pub struct MemoryLimit {
    limit: AtomicUsize,
    /// The part of `limit` kept for memory the count does not see; the
    /// count may reach `limit - reserve`.
    reserve: AtomicUsize,
    in_use: AtomicIsize,
    /// `in_use > limit`, kept up to date by the writers, so that the
    /// evaluator's check on every frame is one load.
    exceeded: AtomicBool,
    peak: AtomicIsize,
    hint: OnceLock<Cow<'static, str>>,
}

impl Default for MemoryLimit {
    fn default() -> Self {
        MemoryLimit::unlimited()
    }
}

impl MemoryLimit {
    /// A limit of `bytes`, nothing in use.
    pub const fn new(bytes: usize) -> MemoryLimit {
        MemoryLimit {
            limit: AtomicUsize::new(bytes),
            reserve: AtomicUsize::new(0),
            in_use: AtomicIsize::new(0),
            exceeded: AtomicBool::new(false),
            peak: AtomicIsize::new(0),
            hint: OnceLock::new(),
        }
    }

    /// No limit (the counter still counts).
    pub const fn unlimited() -> MemoryLimit {
        MemoryLimit::new(usize::MAX)
    }

    /// Changes the limit.
    pub fn set_limit(&self, bytes: usize) {
        self.limit.store(bytes, Ordering::Relaxed);
        self.update_exceeded(self.in_use.load(Ordering::Relaxed));
    }

    /// Keeps `bytes` of the limit for memory the count cannot see (the
    /// program's own pages, thread stacks, the allocator's bookkeeping), for
    /// an embedding program whose limit bounds the whole process, as a
    /// container's memory limit does: the count may then reach the limit
    /// less the reserve, while messages still name the limit.
    pub fn set_reserve(&self, bytes: usize) {
        self.reserve.store(bytes, Ordering::Relaxed);
        self.update_exceeded(self.in_use.load(Ordering::Relaxed));
    }

    /// The most the count may reach: the limit less the reserve.
    #[inline]
    pub fn ceiling(&self) -> usize {
        let limit = self.limit();
        if limit == usize::MAX {
            return limit;
        }
        limit.saturating_sub(self.reserve.load(Ordering::Relaxed))
    }

    fn update_exceeded(&self, in_use: isize) {
        let exceeded = in_use.max(0) as usize > self.ceiling();
        if self.exceeded.load(Ordering::Relaxed) != exceeded {
            self.exceeded.store(exceeded, Ordering::Relaxed);
        }
    }

    /// The limit in bytes (`usize::MAX`: none), as messages name it; the
    /// count is held to [`MemoryLimit::ceiling`].
    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// Whether there is a limit.
    pub fn is_limited(&self) -> bool {
        self.limit() != usize::MAX
    }

    /// Sets the sentence that tells the user where the limit comes from and
    /// how to raise it (the embedding program knows its flags; the
    /// evaluator adds it to its `out of memory` errors). The first call
    /// wins.
    pub fn set_hint(&self, hint: impl Into<Cow<'static, str>>) {
        let _ = self.hint.set(hint.into());
    }

    /// The sentence given to [`MemoryLimit::set_hint`].
    pub fn hint(&self) -> Option<&str> {
        self.hint.get().map(|hint| hint.as_ref())
    }

    /// Adds `delta` bytes (negative: freed) to the count. Called by the
    /// embedding program's allocator, preferably in batches.
    #[inline]
    pub fn add(&self, delta: isize) {
        let now = self.in_use.fetch_add(delta, Ordering::Relaxed) + delta;
        if delta > 0 {
            self.peak.fetch_max(now, Ordering::Relaxed);
        }
        self.update_exceeded(now);
    }

    /// Counts `bytes` more in use.
    #[inline]
    pub fn charge(&self, bytes: usize) {
        self.add(bytes.min(isize::MAX as usize) as isize);
    }

    /// Counts `bytes` less in use.
    #[inline]
    pub fn release(&self, bytes: usize) {
        self.add(-(bytes.min(isize::MAX as usize) as isize));
    }

    /// Bytes in use now.
    #[inline]
    pub fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Relaxed).max(0) as usize
    }

    /// The most bytes in use at any time.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed).max(0) as usize
    }

    /// Whether more is in use than the limit allows (as of the last
    /// change of either).
    #[inline]
    pub fn is_exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// Bytes that may still be allocated.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.ceiling().saturating_sub(self.in_use())
    }

    /// Whether `bytes` more may be allocated.
    #[inline]
    pub fn fits(&self, bytes: usize) -> bool {
        bytes <= self.remaining()
    }
}

/// Runs `f` with the native stack segments that the syntax passes on this
/// thread need (parsing, analysis, dropping deep trees) charged to
/// `memory`, and refused when it has no room. A `Program` made with
/// `Program::with_memory_limit` does this for what it compiles; this is for
/// other callers of `crate::syntax::parse`.
pub fn charging_stack<R>(memory: &std::sync::Arc<MemoryLimit>, f: impl FnOnce() -> R) -> R {
    crate::stack::charging(Some(memory), f)
}

/// `512 MiB`, `1.5 GiB`, `900 KiB`, `12 B`: a size for people.
pub fn format_size(bytes: usize) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value.fract() == 0.0 {
        format!("{value:.0} {}", units[unit])
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_against_the_limit() {
        let memory = MemoryLimit::new(1000);
        assert!(memory.fits(1000));
        memory.charge(600);
        assert_eq!(memory.remaining(), 400);
        assert!(!memory.fits(401));
        assert!(!memory.is_exceeded());
        memory.charge(500);
        assert!(memory.is_exceeded());
        assert_eq!(memory.remaining(), 0);
        memory.release(1100);
        assert_eq!(memory.in_use(), 0);
        assert_eq!(memory.peak(), 1100);
        // Frees counted on another thread than their allocation may take
        // a batched count below zero for a while.
        memory.add(-10);
        assert_eq!(memory.in_use(), 0);
        assert!(MemoryLimit::unlimited().fits(usize::MAX));
    }

    #[test]
    fn the_reserve_lowers_the_ceiling_not_the_limit() {
        let memory = MemoryLimit::new(1000);
        memory.charge(800);
        assert!(!memory.is_exceeded());
        memory.set_reserve(300);
        assert_eq!(memory.limit(), 1000);
        assert_eq!(memory.ceiling(), 700);
        assert!(memory.is_exceeded());
        assert_eq!(memory.remaining(), 0);
        memory.release(200);
        assert!(!memory.is_exceeded());
        assert_eq!(memory.remaining(), 100);
        assert!(!memory.fits(101));
        // No limit: the reserve changes nothing.
        let unlimited = MemoryLimit::unlimited();
        unlimited.set_reserve(1 << 20);
        assert!(unlimited.fits(usize::MAX));
    }

    #[test]
    fn the_first_hint_wins() {
        let memory = MemoryLimit::new(1);
        assert_eq!(memory.hint(), None);
        memory.set_hint("raise it with --max-memory");
        memory.set_hint("other");
        assert_eq!(memory.hint(), Some("raise it with --max-memory"));
    }

    #[test]
    fn sizes_print_for_people() {
        assert_eq!(format_size(512 << 20), "512 MiB");
        assert_eq!(format_size(1536 << 20), "1.5 GiB");
        assert_eq!(format_size(100), "100 B");
        assert_eq!(format_size(1 << 60), "1 EiB");
    }
}
