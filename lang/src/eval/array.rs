//! Arrays, with lazy views for the cheap cases.
//!
//! Elements are [`Lazy`]: an array literal does not evaluate its elements.
//! Ranges (`std.range`), slices, reversals and concatenations are views over
//! other arrays rather than copies, which keeps `std.range(1, 1000000)` and
//! `arr + [x]` cheap. A chain of concatenations is flattened into one
//! element slice once it gets deep, so indexing stays fast.

use bumpalo::Bump;

use super::value::{Lazy, Value};

/// An array value.
#[derive(Clone, Copy)]
pub struct Array<'a>(pub(crate) &'a ArrayData<'a>);

/// The representation of an array.
pub enum ArrayData<'a> {
    /// Elements in memory.
    Elems(&'a [Lazy<'a>]),
    /// The integers `start, start+1, …, start+len-1`.
    Range {
        /// First element.
        start: f64,
        /// Number of elements.
        len: usize,
    },
    /// `left + right`.
    Concat {
        /// The first part.
        left: Array<'a>,
        /// The second part.
        right: Array<'a>,
        /// Total length.
        len: usize,
        /// Longest chain of `Concat` below, this one included.
        depth: u32,
    },
    /// Every `step`-th element of `base` from `start`, `len` of them.
    Slice {
        /// The sliced array.
        base: Array<'a>,
        /// First index in `base`.
        start: usize,
        /// Distance between elements.
        step: usize,
        /// Number of elements.
        len: usize,
    },
    /// `base` backwards.
    Reverse(Array<'a>),
    /// Bytes as numbers (`importbin`, `std.base64DecodeBytes`).
    Bytes(&'a [u8]),
}

/// Concatenation chains deeper than this are flattened.
const MAX_CONCAT_DEPTH: u32 = 24;

/// Concatenations shorter than this are copied.
const SMALL_CONCAT: usize = 16;

impl<'a> Array<'a> {
    /// An array of the given elements.
    pub fn new(bump: &'a Bump, elems: &'a [Lazy<'a>]) -> Array<'a> {
        Array(bump.alloc(ArrayData::Elems(elems)))
    }

    /// An array holding the values of an iterator.
    pub fn from_values(bump: &'a Bump, values: impl IntoIterator<Item = Value<'a>>) -> Array<'a> {
        let elems: Vec<Lazy<'a>> = values.into_iter().map(Lazy::Val).collect();
        Array::new(bump, bump.alloc_slice_copy(&elems))
    }

    /// The empty array.
    pub fn empty(bump: &'a Bump) -> Array<'a> {
        Array::new(bump, &[])
    }

    /// The integers from `start`, `len` of them.
    pub fn range(bump: &'a Bump, start: f64, len: usize) -> Array<'a> {
        Array(bump.alloc(ArrayData::Range { start, len }))
    }

    /// Bytes as an array of numbers.
    pub fn bytes(bump: &'a Bump, bytes: &'a [u8]) -> Array<'a> {
        Array(bump.alloc(ArrayData::Bytes(bytes)))
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self.0 {
            ArrayData::Elems(elems) => elems.len(),
            ArrayData::Range { len, .. } => *len,
            ArrayData::Concat { len, .. } => *len,
            ArrayData::Slice { len, .. } => *len,
            ArrayData::Reverse(base) => base.len(),
            ArrayData::Bytes(bytes) => bytes.len(),
        }
    }

    /// Whether the array is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element at `index`, if in bounds.
    pub fn get(&self, mut index: usize) -> Option<Lazy<'a>> {
        let mut array = *self;
        loop {
            match array.0 {
                ArrayData::Elems(elems) => return elems.get(index).copied(),
                ArrayData::Range { start, len } => {
                    return (index < *len).then(|| Lazy::Val(Value::Num(start + index as f64)));
                }
                ArrayData::Concat {
                    left, right, len, ..
                } => {
                    if index >= *len {
                        return None;
                    }
                    let left_len = left.len();
                    if index < left_len {
                        array = *left;
                    } else {
                        index -= left_len;
                        array = *right;
                    }
                }
                ArrayData::Slice {
                    base,
                    start,
                    step,
                    len,
                } => {
                    if index >= *len {
                        return None;
                    }
                    index = start + index * step;
                    array = *base;
                }
                ArrayData::Reverse(base) => {
                    let len = base.len();
                    if index >= len {
                        return None;
                    }
                    index = len - 1 - index;
                    array = *base;
                }
                ArrayData::Bytes(bytes) => {
                    return bytes.get(index).map(|b| Lazy::Val(Value::Num(*b as f64)))
                }
            }
        }
    }

    /// The elements, in order.
    pub fn iter(&self) -> ArrayIter<'a> {
        ArrayIter {
            array: *self,
            index: 0,
            len: self.len(),
        }
    }

    /// The elements as a slice, copying them out of a view if needed.
    pub fn to_slice(&self, bump: &'a Bump) -> &'a [Lazy<'a>] {
        match self.0 {
            ArrayData::Elems(elems) => elems,
            _ => {
                let elems: Vec<Lazy<'a>> = self.iter().collect();
                bump.alloc_slice_copy(&elems)
            }
        }
    }

    /// `left + right`.
    pub fn concat(bump: &'a Bump, left: Array<'a>, right: Array<'a>) -> Array<'a> {
        if left.is_empty() {
            return right;
        }
        if right.is_empty() {
            return left;
        }
        let len = left.len() + right.len();
        let depth = left.concat_depth().max(right.concat_depth()) + 1;
        if len < SMALL_CONCAT || depth > MAX_CONCAT_DEPTH {
            let elems: Vec<Lazy<'a>> = left.iter().chain(right.iter()).collect();
            return Array::new(bump, bump.alloc_slice_copy(&elems));
        }
        Array(bump.alloc(ArrayData::Concat {
            left,
            right,
            len,
            depth,
        }))
    }

    fn concat_depth(&self) -> u32 {
        match self.0 {
            ArrayData::Concat { depth, .. } => *depth,
            _ => 0,
        }
    }

    /// Elements `start, start+step, …` before `end`.
    pub fn slice(
        bump: &'a Bump,
        base: Array<'a>,
        start: usize,
        end: usize,
        step: usize,
    ) -> Array<'a> {
        let end = end.min(base.len());
        if start >= end {
            return Array::empty(bump);
        }
        let len = (end - start).div_ceil(step);
        if step == 1 && start == 0 && len == base.len() {
            return base;
        }
        Array(bump.alloc(ArrayData::Slice {
            base,
            start,
            step,
            len,
        }))
    }

    /// The elements backwards.
    pub fn reverse(bump: &'a Bump, base: Array<'a>) -> Array<'a> {
        match base.0 {
            ArrayData::Reverse(inner) => *inner,
            _ => Array(bump.alloc(ArrayData::Reverse(base))),
        }
    }

    /// Whether two handles are the same array value.
    pub fn ptr_eq(self, other: Array<'a>) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

/// Iterator over an array's elements.
pub struct ArrayIter<'a> {
    array: Array<'a>,
    index: usize,
    len: usize,
}

impl<'a> Iterator for ArrayIter<'a> {
    type Item = Lazy<'a>;

    #[inline]
    fn next(&mut self) -> Option<Lazy<'a>> {
        if self.index >= self.len {
            return None;
        }
        let item = match self.array.0 {
            ArrayData::Elems(elems) => elems[self.index],
            _ => self.array.get(self.index)?,
        };
        self.index += 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.len - self.index;
        (left, Some(left))
    }
}

impl ExactSizeIterator for ArrayIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums<'a>(array: Array<'a>) -> Vec<f64> {
        array
            .iter()
            .map(|lazy| match lazy {
                Lazy::Val(Value::Num(n)) => n,
                _ => f64::NAN,
            })
            .collect()
    }

    #[test]
    fn views() {
        let bump = Bump::new();
        let range = Array::range(&bump, 1.0, 40);
        let joined = Array::concat(&bump, range, Array::range(&bump, 100.0, 2));
        assert_eq!(joined.len(), 42);
        assert_eq!(nums(joined)[40..], [100.0, 101.0]);
        let sliced = Array::slice(&bump, joined, 38, 42, 2);
        assert_eq!(nums(sliced), [39.0, 100.0]);
        assert_eq!(nums(Array::reverse(&bump, sliced)), [100.0, 39.0]);
    }

    #[test]
    fn long_append_chains_stay_shallow() {
        let bump = Bump::new();
        let mut acc = Array::empty(&bump);
        for i in 0..10_000 {
            acc = Array::concat(&bump, acc, Array::range(&bump, i as f64, 1));
        }
        assert_eq!(acc.len(), 10_000);
        assert!(acc.concat_depth() <= MAX_CONCAT_DEPTH);
        assert_eq!(nums(acc)[9_999], 9_999.0);
    }
}
