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
    /// `base` repeated until `len` elements (`std.repeat`); `base` is not
    /// empty.
    Repeat {
        /// The repeated array.
        base: Array<'a>,
        /// Total length, a multiple of `base`'s.
        len: usize,
    },
    /// Bytes as numbers (`importbin`, `std.base64DecodeBytes`).
    Bytes(&'a [u8]),
    /// Numbers stored unboxed: array literals of number constants, which
    /// need no thunk per element.
    Nums(&'a [f64]),
}

/// Concatenation chains deeper than this are flattened.
const MAX_CONCAT_DEPTH: u32 = 24;

/// Concatenations shorter than this are copied.
const SMALL_CONCAT: usize = 16;

/// [`Array::concat_all`] builds views when its parts are this long on
/// average, and copies otherwise.
const CONCAT_VIEW_MIN_AVERAGE: usize = 64;

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

    /// Numbers as an array, without a thunk per element.
    pub fn nums(bump: &'a Bump, nums: &'a [f64]) -> Array<'a> {
        Array(bump.alloc(ArrayData::Nums(nums)))
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
            ArrayData::Repeat { len, .. } => *len,
            ArrayData::Bytes(bytes) => bytes.len(),
            ArrayData::Nums(nums) => nums.len(),
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
                ArrayData::Repeat { base, len } => {
                    if index >= *len {
                        return None;
                    }
                    index %= base.len();
                    array = *base;
                }
                ArrayData::Bytes(bytes) => {
                    return bytes.get(index).map(|b| Lazy::Val(Value::Num(*b as f64)))
                }
                ArrayData::Nums(nums) => return nums.get(index).map(|n| Lazy::Val(Value::Num(*n))),
            }
        }
    }

    /// The elements, in order.
    pub fn iter(&self) -> ArrayIter<'a> {
        ArrayIter {
            array: *self,
            index: 0,
            len: self.len(),
            run: Run::Empty,
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

    /// How many elements [`Array::concat`] of the two copies (0 when it
    /// builds a view), so that the caller can check the allocation first.
    pub fn concat_copies(left: Array<'a>, right: Array<'a>) -> usize {
        if left.is_empty() || right.is_empty() {
            return 0;
        }
        let len = left.len() + right.len();
        let depth = left.concat_depth().max(right.concat_depth()) + 1;
        if len < SMALL_CONCAT || depth > MAX_CONCAT_DEPTH {
            len
        } else {
            0
        }
    }

    /// How many elements [`Array::concat_all`] of `parts` copies (0 when it
    /// builds views), with their total length; `None` when the total does
    /// not fit in a `usize`.
    pub fn concat_all_copies(parts: &[Array<'a>]) -> Option<(usize, usize)> {
        let len = parts
            .iter()
            .try_fold(0usize, |total, part| total.checked_add(part.len()))?;
        let copies = if parts.len() <= 1 || len >= parts.len() * CONCAT_VIEW_MIN_AVERAGE {
            0
        } else {
            len
        };
        Some((copies, len))
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

    /// `base` repeated `count` times, without copying it.
    pub fn repeat(bump: &'a Bump, base: Array<'a>, count: usize) -> Array<'a> {
        match count {
            _ if base.is_empty() || count == 0 => Array::empty(bump),
            1 => base,
            _ => Array(bump.alloc(ArrayData::Repeat {
                base,
                len: base.len().saturating_mul(count),
            })),
        }
    }

    /// The concatenation of `parts`. Long parts are joined as a balanced
    /// tree of views, so that `std.flattenArrays` and `std.join` of big
    /// arrays copy nothing; many short parts are copied into one slice,
    /// which indexes faster.
    pub fn concat_all(bump: &'a Bump, parts: &[Array<'a>]) -> Array<'a> {
        let len: usize = parts.iter().map(Array::len).sum();
        if parts.len() <= 1 || len >= parts.len() * CONCAT_VIEW_MIN_AVERAGE {
            return Self::concat_tree(bump, parts);
        }
        let mut elems = parts.iter().flat_map(Array::iter);
        let elems =
            bump.alloc_slice_fill_with(len, |_| elems.next().unwrap_or(Lazy::Val(Value::Null)));
        Array::new(bump, elems)
    }

    fn concat_tree(bump: &'a Bump, parts: &[Array<'a>]) -> Array<'a> {
        match parts {
            [] => Array::empty(bump),
            [one] => *one,
            _ => {
                let (left, right) = parts.split_at(parts.len() / 2);
                let left = Self::concat_tree(bump, left);
                let right = Self::concat_tree(bump, right);
                Array::concat(bump, left, right)
            }
        }
    }

    /// The elements backwards.
    pub fn reverse(bump: &'a Bump, base: Array<'a>) -> Array<'a> {
        match base.0 {
            ArrayData::Reverse(inner) => *inner,
            _ => Array(bump.alloc(ArrayData::Reverse(base))),
        }
    }

    /// Whether every element is a number known without evaluating anything
    /// (ranges and bytes, and views of them), so that builtins can skip
    /// work that could only matter for other elements.
    pub fn is_numeric_view(&self) -> bool {
        match self.0 {
            ArrayData::Range { .. } | ArrayData::Bytes(_) | ArrayData::Nums(_) => true,
            ArrayData::Slice { base, .. }
            | ArrayData::Reverse(base)
            | ArrayData::Repeat { base, .. } => base.is_numeric_view(),
            ArrayData::Concat { left, right, .. } => {
                left.is_numeric_view() && right.is_numeric_view()
            }
            ArrayData::Elems(_) => false,
        }
    }

    /// Whether two handles are the same array value.
    pub fn ptr_eq(self, other: Array<'a>) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

/// Iterator over an array's elements.
///
/// Views are not walked from the root for every element: the iterator
/// finds the run of consecutive elements the next index starts (a piece of
/// an element slice, of a range or of bytes, through concatenations and
/// step-1 slices) and yields from it until it ends.
pub struct ArrayIter<'a> {
    array: Array<'a>,
    index: usize,
    len: usize,
    run: Run<'a>,
}

/// Consecutive elements an [`ArrayIter`] yields without a lookup.
#[derive(Clone, Copy)]
enum Run<'a> {
    Empty,
    Elems(&'a [Lazy<'a>]),
    /// Yielded from the end (a reversed element slice).
    ElemsRev(&'a [Lazy<'a>]),
    Range {
        next: f64,
        left: usize,
    },
    Bytes(&'a [u8]),
    Nums(&'a [f64]),
    One(Lazy<'a>),
}

impl<'a> Array<'a> {
    /// The run of consecutive elements that starts at `index` (in bounds).
    fn run_at(&self, mut index: usize) -> Run<'a> {
        let mut array = *self;
        let mut limit = usize::MAX;
        loop {
            match array.0 {
                ArrayData::Elems(elems) => {
                    let end = elems.len().min(index.saturating_add(limit));
                    return Run::Elems(&elems[index.min(end)..end]);
                }
                ArrayData::Range { start, len } => {
                    return Run::Range {
                        next: start + index as f64,
                        left: (len - index.min(*len)).min(limit),
                    };
                }
                ArrayData::Bytes(bytes) => {
                    let end = bytes.len().min(index.saturating_add(limit));
                    return Run::Bytes(&bytes[index.min(end)..end]);
                }
                ArrayData::Nums(nums) => {
                    let end = nums.len().min(index.saturating_add(limit));
                    return Run::Nums(&nums[index.min(end)..end]);
                }
                ArrayData::Concat { left, right, .. } => {
                    let left_len = left.len();
                    if index < left_len {
                        limit = limit.min(left_len - index);
                        array = *left;
                    } else {
                        index -= left_len;
                        array = *right;
                    }
                }
                ArrayData::Slice {
                    base,
                    start,
                    step: 1,
                    len,
                } => {
                    limit = limit.min(len - index.min(*len));
                    index += start;
                    array = *base;
                }
                ArrayData::Reverse(base) => {
                    if let ArrayData::Elems(elems) = base.0 {
                        if index >= elems.len() {
                            return Run::Empty;
                        }
                        let last = elems.len() - 1 - index;
                        let count = (last + 1).min(limit);
                        return Run::ElemsRev(&elems[last + 1 - count..=last]);
                    }
                    return array.get(index).map_or(Run::Empty, Run::One);
                }
                ArrayData::Repeat { base, len } => {
                    let base_len = base.len();
                    limit = limit.min(len - index.min(*len));
                    index %= base_len;
                    limit = limit.min(base_len - index);
                    array = *base;
                }
                ArrayData::Slice { .. } => {
                    return array.get(index).map_or(Run::Empty, Run::One);
                }
            }
        }
    }
}

impl<'a> Iterator for ArrayIter<'a> {
    type Item = Lazy<'a>;

    #[inline]
    fn next(&mut self) -> Option<Lazy<'a>> {
        if self.index >= self.len {
            return None;
        }
        self.index += 1;
        let mut looked_up = false;
        loop {
            match &mut self.run {
                Run::Elems(elems) => {
                    if let Some((first, rest)) = elems.split_first() {
                        *elems = rest;
                        return Some(*first);
                    }
                }
                Run::Range { next, left } => {
                    if *left > 0 {
                        let value = *next;
                        *next += 1.0;
                        *left -= 1;
                        return Some(Lazy::Val(Value::Num(value)));
                    }
                }
                Run::ElemsRev(elems) => {
                    if let Some((last, rest)) = elems.split_last() {
                        *elems = rest;
                        return Some(*last);
                    }
                }
                Run::Bytes(bytes) => {
                    if let Some((first, rest)) = bytes.split_first() {
                        *bytes = rest;
                        return Some(Lazy::Val(Value::Num(f64::from(*first))));
                    }
                }
                Run::Nums(nums) => {
                    if let Some((first, rest)) = nums.split_first() {
                        *nums = rest;
                        return Some(Lazy::Val(Value::Num(*first)));
                    }
                }
                Run::One(lazy) => {
                    let lazy = *lazy;
                    self.run = Run::Empty;
                    return Some(lazy);
                }
                Run::Empty => {}
            }
            if looked_up {
                // Only if the array's length and its runs disagree.
                return None;
            }
            self.run = self.array.run_at(self.index - 1);
            looked_up = true;
        }
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
    fn iteration_through_views_matches_indexing() {
        let bump = Bump::new();
        let elems: Vec<Lazy> = (0..50).map(|i| Lazy::Val(Value::Num(i as f64))).collect();
        let elems = Array::new(&bump, bump.alloc_slice_copy(&elems));
        let bytes = Array::bytes(&bump, &[7, 8, 9]);
        let range = Array::range(&bump, 100.0, 30);
        let mut arrays = vec![
            elems,
            bytes,
            range,
            Array::concat(&bump, elems, range),
            Array::concat(&bump, Array::concat(&bump, range, bytes), elems),
            Array::slice(&bump, elems, 3, 40, 1),
            Array::slice(&bump, elems, 3, 40, 3),
            Array::reverse(&bump, elems),
            Array::reverse(&bump, Array::concat(&bump, elems, range)),
        ];
        arrays.push(Array::slice(&bump, arrays[3], 45, 70, 1));
        arrays.push(Array::reverse(&bump, arrays[5]));
        arrays.push(Array::repeat(&bump, arrays[3], 3));
        arrays.push(Array::slice(&bump, arrays[11], 70, 200, 1));
        arrays.push(Array::concat_all(&bump, &[range, bytes, elems, range]));
        arrays.push(Array::concat_all(&bump, &[bytes, elems, bytes]));
        for array in arrays {
            let by_index: Vec<f64> = (0..array.len())
                .map(|i| match array.get(i) {
                    Some(Lazy::Val(Value::Num(n))) => n,
                    _ => f64::NAN,
                })
                .collect();
            assert_eq!(nums(array), by_index);
            assert_eq!(array.iter().len(), array.len());
        }
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
