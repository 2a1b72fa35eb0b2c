//! The limits of an evaluation: time (the interrupt), memory and native
//! stack.
//!
//! The interrupt ([`super::Interrupt`]) and the memory limit
//! ([`super::MemoryLimit`], see `crate::memory`) are checked together
//! ([`Ctx::check_limits`]): on every frame (in `Ctx::guard`), on every
//! iteration of a loop that grows a result without entering frames, and
//! every [`POLL_INTERVAL`] iterations of a loop that only reads
//! ([`Ctx::poll_limits`]), so that neither a budget nor a memory limit
//! waits for a builtin walking an array of 10^15 elements. An allocation
//! whose size comes from the program is checked before it is made
//! ([`Ctx::reserve`]) and made fallibly (the allocators below), so that
//! one the system refuses is an `out of memory` error too, with or without
//! a limit. Lengths of arrays and strings are capped at [`MAX_LENGTH`]. The
//! native stack grows by segments charged to the same limit
//! (`crate::stack`); when it cannot grow, the evaluation fails with the
//! reference's `max stack frames exceeded.`.

use super::{
    Array, Bounds, Ctx, Error, Interrupt, Lazy, Result, Site, Str, Value, MAX_ALLOCATION,
    MAX_LENGTH, RED_ZONE,
};
use crate::span::Span;

/// Iterations between two looks at the limits in loops that read without
/// entering frames or growing a result ([`Ctx::poll_limits`]): rare enough
/// to cost nothing measurable, frequent enough that a budget stops such a
/// loop within microseconds.
pub const POLL_INTERVAL: usize = 1024;

impl<'a> Ctx<'a> {
    /// Fails with the interrupt's message if another thread has raised it
    /// (see [`Interrupt`]), or with `out of memory` if more memory is in use
    /// than the limit allows: two relaxed loads. For loops of builtins,
    /// comprehensions and manifesters that grow their output without
    /// entering frames (every iteration).
    #[inline]
    pub fn check_limits(&self, span: Span) -> Result<()> {
        self.check_limits_at(Site::At(span))
    }

    /// [`Ctx::check_limits`] for a frame entered from `site`. Called
    /// wherever a frame is entered, and on each iteration of a `tailstrict`
    /// tail-call loop, which enters none.
    #[inline]
    pub fn check_limits_at(&self, site: Site) -> Result<()> {
        if let Some(interrupt) = self.interrupt {
            if interrupt.is_raised() {
                return Err(self.interrupted(site, interrupt));
            }
        }
        match self.memory {
            Some(memory) if memory.is_exceeded() => Err(self.out_of_memory(site, None)),
            _ => Ok(()),
        }
    }

    /// [`Ctx::check_limits`] once every [`POLL_INTERVAL`] calls, for loops
    /// that only read (`std.count`, `std.member`, comparisons, …): a
    /// counter of the evaluation's, so the loop needs no index of its own.
    #[inline(always)]
    pub fn poll_limits(&self, span: Span) -> Result<()> {
        let polls = self.polls.get().wrapping_add(1);
        self.polls.set(polls);
        if polls.is_multiple_of(POLL_INTERVAL) {
            self.check_limits(span)
        } else {
            Ok(())
        }
    }

    #[cold]
    #[inline(never)]
    fn interrupted(&self, site: Site, interrupt: &Interrupt) -> Error {
        let message = interrupt
            .message()
            .unwrap_or("the evaluation was interrupted");
        self.error_at("kcfg::eval::interrupted", site, message)
    }

    /// Makes sure that `bytes` more may be allocated for something whose
    /// size comes from the program (a long array, a wide field): fails with
    /// `out of memory` at `span`, before anything is allocated, if they do
    /// not fit within the memory limit (or exceed [`MAX_ALLOCATION`]).
    #[inline]
    pub fn reserve(&self, bytes: usize, span: Span) -> Result<()> {
        self.reserve_at(bytes, Site::At(span))
    }

    /// [`Ctx::reserve`] for a frame entered from `site`.
    #[inline]
    pub fn reserve_at(&self, bytes: usize, site: Site) -> Result<()> {
        let fits = bytes <= MAX_ALLOCATION && self.memory.is_none_or(|memory| memory.fits(bytes));
        if fits {
            Ok(())
        } else {
            Err(self.out_of_memory(site, Some(bytes)))
        }
    }

    /// [`Ctx::reserve`] for `count` values of type `T`.
    #[inline]
    pub fn reserve_items<T>(&self, count: usize, span: Span) -> Result<()> {
        self.reserve_items_at::<T>(count, Site::At(span))
    }

    /// [`Ctx::reserve_items`] for a frame entered from `site`.
    #[inline]
    pub fn reserve_items_at<T>(&self, count: usize, site: Site) -> Result<()> {
        self.reserve_at(count.saturating_mul(std::mem::size_of::<T>()), site)
    }

    /// A slice of `len` values made by `f` from their index, in the arena,
    /// for a length that comes from the program: checked against the memory
    /// limit first, and allocated fallibly.
    pub fn alloc_slice_with<T>(
        &self,
        len: usize,
        span: Span,
        f: impl FnMut(usize) -> T,
    ) -> Result<&'a mut [T]> {
        self.reserve_items::<T>(len, span)?;
        self.bump.try_alloc_slice_fill_with(len, f).map_err(|_| {
            let bytes = len.saturating_mul(std::mem::size_of::<T>());
            self.allocation_failed(Site::At(span), bytes)
        })
    }

    /// Makes sure an array of `len` elements may exist: at most
    /// [`MAX_LENGTH`] long, and `copied` of its elements (the ones its
    /// construction copies) within the memory limit.
    pub fn check_array_len(&self, len: usize, copied: usize, span: Span) -> Result<()> {
        if len > MAX_LENGTH {
            return Err(self.too_long("an array", len, span));
        }
        self.reserve_items::<Lazy<'a>>(copied, span)
    }

    /// Makes sure a string of `len` bytes may exist: at most [`MAX_LENGTH`]
    /// long, and its text (which concatenation defers, but every reader
    /// needs) within the memory limit. Short strings pass without a look at
    /// the limit.
    #[inline]
    pub fn check_string_len(&self, len: usize, span: Span) -> Result<()> {
        const CHECKED_FROM: usize = 1 << 20;
        if len < CHECKED_FROM {
            return Ok(());
        }
        if len > MAX_LENGTH {
            return Err(self.too_long("a string", len, span));
        }
        self.reserve(len, span)
    }

    /// `out of memory` for a value longer than [`MAX_LENGTH`].
    #[cold]
    pub(crate) fn too_long(&self, what: &str, len: usize, span: Span) -> Error {
        self.out_of_memory(Site::At(span), None).with_note(format!(
            "{what} of {len} elements is longer than kcfg allows (2^53)"
        ))
    }

    /// `parts` concatenated (`std.flattenArrays`, `std.join` of arrays), with
    /// the length and the memory checked first, and the elements copied
    /// fallibly when [`Array::concat_all`] would copy them.
    pub fn concat_arrays(&self, parts: &[Array<'a>], span: Span) -> Result<Array<'a>> {
        let (copied, len) = Array::concat_all_copies(parts).unwrap_or((usize::MAX, usize::MAX));
        self.check_array_len(len, copied, span)?;
        if copied == 0 {
            return Ok(Array::concat_all(self.bump, parts));
        }
        let mut elems = parts.iter().flat_map(Array::iter);
        let elems = self.alloc_slice_with(len, span, |_| {
            elems.next().unwrap_or(Lazy::Val(super::Value::Null))
        })?;
        Ok(Array::new(self.bump, elems))
    }

    /// `left + right` of arrays, with the length and the memory checked
    /// first, and the elements copied fallibly when [`Array::concat`] would
    /// copy them (short results, and chains of views grown too deep).
    pub fn concat_two(&self, left: Array<'a>, right: Array<'a>, span: Span) -> Result<Array<'a>> {
        // Each length is at most 2^53, so the sum cannot overflow.
        let len = left.len() + right.len();
        let copied = Array::concat_copies(left, right);
        self.check_array_len(len, copied, span)?;
        if copied == 0 {
            return Ok(Array::concat(self.bump, left, right));
        }
        let mut elems = left.iter().chain(right.iter());
        let elems = self.alloc_slice_with(len, span, |_| {
            elems.next().unwrap_or(Lazy::Val(super::Value::Null))
        })?;
        Ok(Array::new(self.bump, elems))
    }

    /// An empty string in the arena with room for `capacity` bytes, for a
    /// text whose length comes from the program: checked against the
    /// memory limit first, and allocated fallibly.
    pub fn string_with_capacity(
        &self,
        capacity: usize,
        span: Span,
    ) -> Result<bumpalo::collections::String<'a>> {
        if capacity > MAX_LENGTH {
            return Err(self.too_long("a string", capacity, span));
        }
        self.reserve(capacity, span)?;
        let mut bytes = bumpalo::collections::Vec::new_in(self.bump);
        bytes
            .try_reserve_exact(capacity)
            .map_err(|_| self.allocation_failed(Site::At(span), capacity))?;
        // SAFETY: an empty byte vector is valid UTF-8.
        Ok(unsafe { bumpalo::collections::String::from_utf8_unchecked(bytes) })
    }

    /// A string value copied into the arena, for a text whose length comes
    /// from the program (the result of a builtin): allocated fallibly.
    pub fn copy_str(&self, text: &str, span: Span) -> Result<Value<'a>> {
        self.copy_text(text, span).map(Value::Str)
    }

    /// [`Ctx::copy_str`], as a [`Str`].
    pub fn copy_text(&self, text: &str, span: Span) -> Result<Str<'a>> {
        match self.bump.try_alloc_str(text) {
            Ok(text) => Ok(Str::new(self.bump, text)),
            Err(_) => Err(self.allocation_failed(Site::At(span), text.len())),
        }
    }

    /// A copy of `values` in the arena, for a slice whose length comes from
    /// the program (see [`Ctx::alloc_slice_with`]).
    pub fn alloc_slice_copied<T: Copy>(&self, values: &[T], span: Span) -> Result<&'a mut [T]> {
        self.alloc_slice_with(values.len(), span, |index| values[index])
    }

    /// An empty vector with room for `capacity` items, for a working set
    /// whose size comes from the program (a sort's keys, a copy of a lazy
    /// view): checked against the memory limit first, and allocated
    /// fallibly, so that a size the system refuses is `out of memory`
    /// rather than an abort.
    pub fn vec_with_capacity<T>(&self, capacity: usize, span: Span) -> Result<Vec<T>> {
        self.vec_with_capacity_at(capacity, Site::At(span))
    }

    /// [`Ctx::vec_with_capacity`] for a frame entered from `site`.
    pub fn vec_with_capacity_at<T>(&self, capacity: usize, site: Site) -> Result<Vec<T>> {
        self.reserve_items_at::<T>(capacity, site)?;
        let mut vec = Vec::new();
        vec.try_reserve_exact(capacity).map_err(|_| {
            let bytes = capacity.saturating_mul(std::mem::size_of::<T>());
            self.allocation_failed(site, bytes)
        })?;
        Ok(vec)
    }

    /// Appends `item` to `vec`, growing it fallibly: for results that grow
    /// one item at a time to a size the program decides (comprehensions,
    /// `std.filter`). The caller checks the limits in the same loop
    /// ([`Ctx::check_limits`]), so the vector stays within the memory limit
    /// but for its last doubling.
    #[inline]
    pub fn push<T>(&self, vec: &mut Vec<T>, item: T, span: Span) -> Result<()> {
        self.push_at(vec, item, Site::At(span))
    }

    /// [`Ctx::push`] for a frame entered from `site`.
    #[inline]
    pub fn push_at<T>(&self, vec: &mut Vec<T>, item: T, site: Site) -> Result<()> {
        if vec.len() == vec.capacity() {
            self.grow(vec, site)?;
        }
        vec.push(item);
        Ok(())
    }

    /// Makes room for `additional` more items in `vec`, fallibly (see
    /// [`Ctx::vec_with_capacity`]): for a result extended by a whole part
    /// at a time (`std.flatMap`).
    pub fn reserve_more<T>(&self, vec: &mut Vec<T>, additional: usize, span: Span) -> Result<()> {
        if vec.capacity() - vec.len() >= additional {
            return Ok(());
        }
        self.reserve_items::<T>(additional, span)?;
        vec.try_reserve(additional).map_err(|_| {
            let bytes = additional.saturating_mul(std::mem::size_of::<T>());
            self.allocation_failed(Site::At(span), bytes)
        })
    }

    /// Makes room for `additional` more bytes in `text`, fallibly: for a
    /// heap string that a builtin grows by parts the program decides.
    pub fn reserve_text(&self, text: &mut String, additional: usize, span: Span) -> Result<()> {
        if text.capacity() - text.len() >= additional {
            return Ok(());
        }
        self.reserve(additional, span)?;
        text.try_reserve(additional)
            .map_err(|_| self.allocation_failed(Site::At(span), additional))
    }

    /// `text` repeated `count` times, in the arena (`std.repeat` of a
    /// string): its length checked, allocated fallibly, and filled by
    /// doubling copies, so that a billion repetitions of one character take
    /// thirty copies rather than a billion appends.
    pub fn repeat_str(&self, text: &str, count: usize, span: Span) -> Result<&'a str> {
        if text.is_empty() || count == 0 {
            return Ok("");
        }
        let len = text.len().saturating_mul(count);
        if len > MAX_LENGTH {
            return Err(self.too_long("a string", len, span));
        }
        self.reserve(len, span)?;
        let layout = std::alloc::Layout::array::<u8>(len)
            .map_err(|_| self.allocation_failed(Site::At(span), len))?;
        let start = self
            .bump
            .try_alloc_layout(layout)
            .map_err(|_| self.allocation_failed(Site::At(span), len))?
            .as_ptr();
        // SAFETY: `start` points to `len` bytes the arena just gave us for
        // the arena's lifetime. The first copy fills `text.len()` of them;
        // each next copy duplicates the `filled` bytes written so far into
        // the unwritten ones after them (`copied <= filled`, so source and
        // destination do not overlap, and `filled + copied <= len`). No
        // reference is made to the bytes until all `len` are written, and
        // they are whole copies of `text` (`len` is a multiple of its
        // length), so valid UTF-8.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), start, text.len());
            let mut filled = text.len();
            while filled < len {
                let copied = filled.min(len - filled);
                std::ptr::copy_nonoverlapping(start, start.add(filled), copied);
                filled += copied;
            }
            let bytes = std::slice::from_raw_parts(start, len);
            Ok(std::str::from_utf8_unchecked(bytes))
        }
    }

    #[cold]
    #[inline(never)]
    fn grow<T>(&self, vec: &mut Vec<T>, site: Site) -> Result<()> {
        let wanted = vec.capacity().max(4);
        self.reserve_items_at::<T>(wanted, site)?;
        vec.try_reserve(wanted).map_err(|_| {
            let bytes = wanted.saturating_mul(std::mem::size_of::<T>());
            self.allocation_failed(site, bytes)
        })
    }

    /// The text of a string value, flattening a rope fallibly: `out of
    /// memory` at `span` if the arena cannot hold its text.
    #[inline]
    pub fn flat_text(&self, s: Str<'a>, span: Span) -> Result<&'a str> {
        self.flat_text_at(s, Site::At(span))
    }

    /// [`Ctx::flat_text`] for a value read from `site` (the manifester).
    #[inline]
    pub fn flat_text_at(&self, s: Str<'a>, site: Site) -> Result<&'a str> {
        match s.try_flat(self.bump) {
            Some(text) => Ok(text),
            None => Err(self.allocation_failed(site, s.byte_len())),
        }
    }

    /// The number of code points of a string value (`std.length`), which
    /// flattens a rope (see [`Ctx::flat_text`]).
    #[inline]
    pub fn char_len(&self, s: Str<'a>, span: Span) -> Result<usize> {
        match s.try_char_len(self.bump) {
            Some(len) => Ok(len),
            None => Err(self.allocation_failed(Site::At(span), s.byte_len())),
        }
    }

    /// Whether a string value is ASCII-only (see [`Ctx::char_len`]).
    #[inline]
    pub fn is_ascii(&self, s: Str<'a>, span: Span) -> Result<bool> {
        Ok(self.char_len(s, span)? == s.byte_len())
    }

    /// `out of memory`: the limit is exceeded, or `needed` more bytes would
    /// exceed it.
    #[cold]
    #[inline(never)]
    pub(crate) fn out_of_memory(&self, site: Site, needed: Option<usize>) -> Error {
        use crate::memory::format_size;
        let (message, mut notes) = match self.memory.filter(|memory| memory.is_limited()) {
            Some(memory) => {
                let limit = format_size(memory.limit());
                let mut notes = Vec::new();
                if let Some(needed) = needed {
                    notes.push(format!(
                        "this step needs {} more, and {} of the {limit} are in use",
                        format_size(needed),
                        format_size(memory.in_use()),
                    ));
                }
                (
                    format!("out of memory: the evaluation exceeded its memory limit of {limit}"),
                    notes,
                )
            }
            None => (
                format!(
                    "out of memory: this step needs {}, more than can be allocated",
                    format_size(needed.unwrap_or(0))
                ),
                Vec::new(),
            ),
        };
        if let Some(hint) = self.memory.and_then(|memory| memory.hint()) {
            notes.push(hint.to_string());
        }
        let mut err = self.error_at("kcfg::eval::out_of_memory", site, message);
        for note in notes {
            err = err.with_note(note);
        }
        err
    }

    /// `out of memory` for an allocation the system refused.
    #[cold]
    #[inline(never)]
    pub(crate) fn allocation_failed(&self, site: Site, bytes: usize) -> Error {
        self.out_of_memory(site, Some(bytes)).with_note(format!(
            "the system refused an allocation of {}",
            crate::memory::format_size(bytes)
        ))
    }

    /// Runs `f`, first moving to a new native stack segment if less than
    /// [`RED_ZONE`] is left; fails at `site()` when the stack cannot grow
    /// (`site` is only called then). The check is one comparison with the
    /// bounds learned for the segment this runs on, no call to the OS or to
    /// thread-locals.
    #[inline(always)]
    pub(crate) fn with_stack<T>(
        &mut self,
        site: impl FnOnce() -> Site,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        if self.stack_bounds.have_room() {
            f(self)
        } else {
            self.with_new_stack(site(), f)
        }
    }

    /// [`Ctx::with_stack`] when the bounds say no: finds out how much stack
    /// is really left, moves to a segment if needed (one the memory limit
    /// has room for), and learns the bounds there for the levels below.
    #[cold]
    #[inline(never)]
    fn with_new_stack<T>(
        &mut self,
        site: Site,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        let saved = self.stack_bounds;
        let result = if crate::stack::remaining().is_some_and(|left| left >= RED_ZONE) {
            self.stack_bounds = Bounds::learn(RED_ZONE);
            f(self)
        } else {
            let grown = crate::stack::on_segment(self.memory_arc, || {
                self.stack_bounds = Bounds::learn(RED_ZONE);
                f(self)
            });
            grown.unwrap_or_else(|_| {
                let by_limit = self
                    .memory
                    .is_some_and(|memory| !memory.fits(crate::stack::SEGMENT));
                Err(self.stack_exhausted(site, by_limit))
            })
        };
        self.stack_bounds = saved;
        result
    }

    /// The native stack cannot grow: the reference's message for a program
    /// too deep to run, with the reason (the memory limit has no room for
    /// another segment, or the system refused one).
    #[cold]
    #[inline(never)]
    fn stack_exhausted(&self, site: Site, by_limit: bool) -> Error {
        use crate::memory::format_size;
        let segment = format_size(crate::stack::SEGMENT);
        let reason = match self.memory {
            Some(memory) if by_limit => format!(
                "the native stack could not grow by {segment}: {} of the memory limit of {} are in use",
                format_size(memory.in_use()),
                format_size(memory.limit())
            ),
            _ => format!("the native stack could not grow by {segment}: the system refused the memory"),
        };
        let mut err = self
            .error_at(
                "kcfg::eval::native_stack",
                site,
                "max stack frames exceeded.",
            )
            .with_note(reason);
        if let Some(hint) = self.memory.and_then(|memory| memory.hint()) {
            err = err.with_note(hint.to_string());
        }
        err
    }
}
