//! Strings: UTF-8 text, with cheap concatenation.
//!
//! Jsonnet strings are sequences of code points. They are stored as UTF-8;
//! `std.length` and indexing count code points, with a fast path for ASCII
//! text (the common case in configuration) and a cached count otherwise.
//!
//! Concatenation builds a rope node instead of copying, so a loop that
//! appends to a string (`std.foldl(function(acc, s) acc + s, …)`) is linear,
//! not quadratic. A rope is flattened once, the first time its text is
//! needed, without recursion (ropes can be tens of thousands of nodes deep).

use std::cell::Cell;

use bumpalo::Bump;

/// A string value.
#[derive(Clone, Copy)]
pub struct Str<'a>(pub(crate) &'a StrData<'a>);

/// The representation of a string.
pub struct StrData<'a> {
    kind: StrKind<'a>,
    /// Number of code points, or `usize::MAX` until counted.
    chars: Cell<usize>,
}

enum StrKind<'a> {
    Flat(&'a str),
    Concat {
        left: Str<'a>,
        right: Str<'a>,
        len: usize,
        flat: Cell<Option<&'a str>>,
    },
}

/// Strings shorter than this are copied when concatenated rather than
/// linked into a rope.
const ROPE_THRESHOLD: usize = 64;

impl<'a> Str<'a> {
    /// A string that borrows `text`.
    pub fn new(bump: &'a Bump, text: &'a str) -> Str<'a> {
        Str(bump.alloc(StrData {
            kind: StrKind::Flat(text),
            chars: Cell::new(usize::MAX),
        }))
    }

    /// A string that copies `text` into the arena.
    pub fn copy(bump: &'a Bump, text: &str) -> Str<'a> {
        let text = bump.alloc_str(text);
        Str::new(bump, text)
    }

    /// `left + right`.
    pub fn concat(bump: &'a Bump, left: Str<'a>, right: Str<'a>) -> Str<'a> {
        let (left_len, right_len) = (left.byte_len(), right.byte_len());
        if left_len == 0 {
            return right;
        }
        if right_len == 0 {
            return left;
        }
        let len = left_len + right_len;
        if len < ROPE_THRESHOLD {
            let mut text = bumpalo::collections::String::with_capacity_in(len, bump);
            text.push_str(left.flat(bump));
            text.push_str(right.flat(bump));
            return Str::new(bump, text.into_bump_str());
        }
        Str(bump.alloc(StrData {
            kind: StrKind::Concat {
                left,
                right,
                len,
                flat: Cell::new(None),
            },
            chars: Cell::new(usize::MAX),
        }))
    }

    /// Length in bytes of the UTF-8 text.
    pub fn byte_len(&self) -> usize {
        match &self.0.kind {
            StrKind::Flat(text) => text.len(),
            StrKind::Concat { len, .. } => *len,
        }
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.byte_len() == 0
    }

    /// The text, flattening a rope the first time. Flattening allocates the
    /// whole text at once; [`Str::try_flat`] is the fallible form that the
    /// evaluator uses.
    pub fn flat(&self, bump: &'a Bump) -> &'a str {
        match self.try_flat(bump) {
            Some(text) => text,
            None => {
                let layout = std::alloc::Layout::array::<u8>(self.byte_len());
                std::alloc::handle_alloc_error(layout.unwrap_or(std::alloc::Layout::new::<u8>()))
            }
        }
    }

    /// The text, flattening a rope the first time; `None` if the arena
    /// cannot hold the flattened text (issue 13: a rope of 2^44 bytes,
    /// built by 43 doublings, costs nothing until it is read).
    pub fn try_flat(&self, bump: &'a Bump) -> Option<&'a str> {
        match &self.0.kind {
            StrKind::Flat(text) => Some(text),
            StrKind::Concat { len, flat, .. } => {
                if let Some(text) = flat.get() {
                    return Some(text);
                }
                let text = flatten(*self, *len, bump)?;
                flat.set(Some(text));
                Some(text)
            }
        }
    }

    /// Number of code points.
    pub fn char_len(&self, bump: &'a Bump) -> usize {
        let cached = self.0.chars.get();
        if cached != usize::MAX {
            return cached;
        }
        self.count_chars(self.flat(bump))
    }

    /// Number of code points; `None` if the text of a rope cannot be
    /// flattened (see [`Str::try_flat`]).
    pub fn try_char_len(&self, bump: &'a Bump) -> Option<usize> {
        let cached = self.0.chars.get();
        if cached != usize::MAX {
            return Some(cached);
        }
        Some(self.count_chars(self.try_flat(bump)?))
    }

    /// Counts the code points of this string's `text` and caches the count.
    fn count_chars(&self, text: &str) -> usize {
        let count = if text.is_ascii() {
            text.len()
        } else {
            text.chars().count()
        };
        self.0.chars.set(count);
        count
    }

    /// Whether the string is known to be ASCII-only without scanning it.
    pub fn is_ascii(&self, bump: &'a Bump) -> bool {
        self.char_len(bump) == self.byte_len()
    }

    /// Whether two handles are the same string value.
    pub fn ptr_eq(self, other: Str<'a>) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

/// The text of the rope `root` (`len` bytes) in one arena allocation,
/// without recursion (ropes can be tens of thousands of nodes deep); `None`
/// if the arena cannot hold it.
fn flatten<'a>(root: Str<'a>, len: usize, bump: &'a Bump) -> Option<&'a str> {
    let mut bytes = bumpalo::collections::Vec::new_in(bump);
    bytes.try_reserve_exact(len).ok()?;
    let mut pending: Vec<Str<'a>> = vec![root];
    while let Some(node) = pending.pop() {
        match &node.0.kind {
            StrKind::Flat(text) => bytes.extend_from_slice(text.as_bytes()),
            StrKind::Concat {
                left, right, flat, ..
            } => match flat.get() {
                Some(text) => bytes.extend_from_slice(text.as_bytes()),
                None => {
                    pending.push(*right);
                    pending.push(*left);
                }
            },
        }
    }
    // SAFETY: the bytes are the concatenation of valid UTF-8 texts.
    Some(unsafe { std::str::from_utf8_unchecked(bytes.into_bump_slice()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_ropes_flatten_without_recursion() {
        let bump = Bump::new();
        let piece = Str::new(
            &bump,
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        );
        let mut acc = Str::new(&bump, "");
        for _ in 0..100_000 {
            acc = Str::concat(&bump, acc, piece);
        }
        assert_eq!(acc.byte_len(), 7_000_000);
        assert_eq!(acc.flat(&bump).len(), 7_000_000);
        assert_eq!(acc.char_len(&bump), 7_000_000);
    }

    #[test]
    fn counts_code_points() {
        let bump = Bump::new();
        let s = Str::concat(&bump, Str::new(&bump, "é"), Str::new(&bump, "😀x"));
        assert_eq!(s.flat(&bump), "é😀x");
        assert_eq!(s.char_len(&bump), 3);
        assert!(!s.is_ascii(&bump));
    }
}
