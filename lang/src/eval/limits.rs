//! The limits of an evaluation: memory and native stack.
//!
//! The memory limit ([`super::MemoryLimit`], see `crate::memory`) is
//! checked three ways: on every frame (with the interrupt, in `Ctx::guard`),
//! in loops that grow a result without entering frames
//! ([`Ctx::check_memory`]), and before an allocation whose size comes from
//! the program ([`Ctx::reserve`] and the fallible allocators below). Lengths
//! of arrays and strings are capped at [`MAX_LENGTH`]. The native stack
//! grows by segments charged to the same limit (`crate::stack`); when it
//! cannot grow, the evaluation fails with the reference's `max stack frames
//! exceeded.`.

use super::{Array, Bounds, Ctx, Error, Lazy, Result, Site, MAX_ALLOCATION, MAX_LENGTH, RED_ZONE};
use crate::span::Span;

impl<'a> Ctx<'a> {
    /// Fails with `out of memory` if more memory is in use than the limit
    /// allows. For loops of builtins and manifesters that grow their output
    /// without entering frames.
    #[inline]
    pub fn check_memory(&self, span: Span) -> Result<()> {
        self.check_memory_at(Site::At(span))
    }

    /// [`Ctx::check_memory`] for a frame entered from `site`.
    #[inline]
    pub fn check_memory_at(&self, site: Site) -> Result<()> {
        match self.memory {
            Some(memory) if memory.is_exceeded() => Err(self.out_of_memory(site, None)),
            _ => Ok(()),
        }
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
    /// the length and the memory checked first.
    pub fn concat_arrays(&self, parts: &[Array<'a>], span: Span) -> Result<Array<'a>> {
        let (copied, len) = Array::concat_all_copies(parts).unwrap_or((usize::MAX, usize::MAX));
        self.check_array_len(len, copied, span)?;
        Ok(Array::concat_all(self.bump, parts))
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

    /// A copy of `values` in the arena, for a slice whose length comes from
    /// the program (see [`Ctx::alloc_slice_with`]).
    pub fn alloc_slice_copied<T: Copy>(&self, values: &[T], span: Span) -> Result<&'a mut [T]> {
        self.alloc_slice_with(values.len(), span, |index| values[index])
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
