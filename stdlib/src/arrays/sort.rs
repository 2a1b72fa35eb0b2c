//! Sorting, `std.uniq`, the set functions and `std.minArray` /
//! `std.maxArray`.
//!
//! The reference sorts in Jsonnet: a merge sort that splits arrays longer
//! than 30 in halves, and a quicksort (first element as pivot, two
//! `std.filter` passes with `<` and `>=`) for the short ones. Both are
//! stable, so when every key is a number, or every key is a string, no
//! comparison can fail and any stable sort gives the same order: that is
//! the fast path, on keys computed once. Otherwise (array keys, mixed or
//! incomparable types) [`reference_order`] performs the reference's
//! comparisons in the reference's order, so the first failing comparison,
//! and with it the error message, is the same.
//!
//! The set functions walk sorted inputs as the reference does (they assume
//! sorted input and do not check it), including what they return for
//! strings: the reference appends the rest of the input with `+`, so
//! `std.setUnion("ab", "bc")` is a string.

use std::cmp::Ordering;

use kcfg_lang::ast::BinaryOp;
use kcfg_lang::eval::builtin::Args;
use kcfg_lang::eval::{Array, Ctx, Function, Lazy, Result, Value};
use kcfg_lang::span::Span;

use super::seq::{key_function, key_of, Seq};

/// Arrays up to this long are quicksorted by the reference.
const QUICKSORT_MAX: usize = 30;

/// `a < b` as the reference's `<` operator.
#[inline]
fn less<'a>(ctx: &mut Ctx<'a>, a: Value<'a>, b: Value<'a>, span: Span) -> Result<bool> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => Ok(x < y),
        (Value::Str(x), Value::Str(y)) => Ok(ctx.flat_text(x, span)? < ctx.flat_text(y, span)?),
        _ => operator(ctx, BinaryOp::Lt, a, b, span),
    }
}

/// `a == b`.
#[inline]
fn equal<'a>(ctx: &mut Ctx<'a>, a: Value<'a>, b: Value<'a>, span: Span) -> Result<bool> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => Ok(x == y),
        _ => ctx.equals(a, b, span),
    }
}

/// A comparison operator's boolean result.
fn operator<'a>(
    ctx: &mut Ctx<'a>,
    op: BinaryOp,
    a: Value<'a>,
    b: Value<'a>,
    span: Span,
) -> Result<bool> {
    Ok(matches!(ctx.binary(op, a, b, span)?, Value::Bool(true)))
}

/// An array of the given elements.
fn array_of<'a>(ctx: &Ctx<'a>, elems: &[Lazy<'a>], span: Span) -> Result<Value<'a>> {
    let elems = ctx.alloc_slice_copied(elems, span)?;
    Ok(Value::Arr(Array::new(ctx.bump, elems)))
}

/// Checks that sorting `len` elements fits in memory: the elements, their
/// keys, the order and its numbers or texts, and the sorted copy, for an
/// argument that may be a view of any length (`std.range(1, 1e15)`).
fn reserve_sort<'a>(ctx: &Ctx<'a>, len: usize, span: Span) -> Result<()> {
    ctx.reserve_items::<(Lazy<'a>, Value<'a>, usize, &'a str, Lazy<'a>)>(len, span)
}

// ----- sorting ----------------------------------------------------------------

/// The keys of `elems`, computed in the order the reference first asks for
/// them (so that of two failing keys, the same one is reported): each run
/// it quicksorts starts with its second element, compared with the first.
fn sort_keys<'a>(
    ctx: &mut Ctx<'a>,
    elems: &[Lazy<'a>],
    key_fn: Option<Function<'a>>,
    span: Span,
) -> Result<Vec<Value<'a>>> {
    let mut keys = ctx.vec_with_capacity(elems.len(), span)?;
    keys.resize(elems.len(), Value::Null);
    let mut runs = vec![(0, elems.len())];
    while let Some((start, end)) = runs.pop() {
        if end - start > QUICKSORT_MAX {
            let mid = start + (end - start) / 2;
            runs.push((mid, end));
            runs.push((start, mid));
            continue;
        }
        let order = (start + 1..end.min(start + 2))
            .chain(start..(start + 1).min(end))
            .chain((start + 2).min(end)..end);
        ctx.check_limits(span)?;
        for index in order {
            keys[index] = key_of(ctx, key_fn, elems[index], span)?;
        }
    }
    Ok(keys)
}

/// The stable sorting permutation of `keys`.
fn sorted_order<'a>(ctx: &mut Ctx<'a>, keys: &[Value<'a>], span: Span) -> Result<Vec<usize>> {
    let mut order: Vec<usize> = ctx.vec_with_capacity(keys.len(), span)?;
    order.extend(0..keys.len());
    if keys.iter().all(|k| matches!(k, Value::Num(_))) {
        let mut nums: Vec<f64> = ctx.vec_with_capacity(keys.len(), span)?;
        nums.extend(keys.iter().map(|k| match k {
            Value::Num(n) => *n,
            _ => 0.0,
        }));
        order.sort_by(|&x, &y| nums[x].partial_cmp(&nums[y]).unwrap_or(Ordering::Equal));
        return Ok(order);
    }
    if keys.iter().all(|k| matches!(k, Value::Str(_))) {
        let mut texts: Vec<&str> = ctx.vec_with_capacity(keys.len(), span)?;
        for key in keys {
            texts.push(match key {
                Value::Str(s) => ctx.flat_text(*s, span)?,
                _ => "",
            });
        }
        order.sort_by(|&x, &y| texts[x].cmp(texts[y]));
        return Ok(order);
    }
    reference_order(ctx, &order, keys, span)
}

/// The reference's merge sort over `indexes`, comparing `keys`.
fn reference_order<'a>(
    ctx: &mut Ctx<'a>,
    indexes: &[usize],
    keys: &[Value<'a>],
    span: Span,
) -> Result<Vec<usize>> {
    if indexes.len() <= QUICKSORT_MAX {
        return quicksort(ctx, indexes, keys, span);
    }
    let mid = indexes.len() / 2;
    let left = reference_order(ctx, &indexes[..mid], keys, span)?;
    let right = reference_order(ctx, &indexes[mid..], keys, span)?;
    let mut merged = Vec::with_capacity(indexes.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        ctx.poll_limits(span)?;
        if operator(ctx, BinaryOp::Le, keys[left[i]], keys[right[j]], span)? {
            merged.push(left[i]);
            i += 1;
        } else {
            merged.push(right[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    Ok(merged)
}

/// The reference's quicksort: the elements `< pivot`, sorted, then the
/// pivot, then the elements `>= pivot`, sorted.
fn quicksort<'a>(
    ctx: &mut Ctx<'a>,
    indexes: &[usize],
    keys: &[Value<'a>],
    span: Span,
) -> Result<Vec<usize>> {
    let Some((&pivot, rest)) = indexes.split_first() else {
        return Ok(Vec::new());
    };
    if rest.is_empty() {
        return Ok(vec![pivot]);
    }
    let mut below = Vec::new();
    for &index in rest {
        if operator(ctx, BinaryOp::Lt, keys[index], keys[pivot], span)? {
            below.push(index);
        }
    }
    let mut sorted = quicksort(ctx, &below, keys, span)?;
    sorted.push(pivot);
    let mut above = Vec::new();
    for &index in rest {
        if operator(ctx, BinaryOp::Ge, keys[index], keys[pivot], span)? {
            above.push(index);
        }
    }
    sorted.extend(quicksort(ctx, &above, keys, span)?);
    Ok(sorted)
}

/// `std.sort(arr, keyF=id)`.
pub fn sort<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let span = args.site;
    let value = args.value(0);
    let seq = Seq::of(ctx, value, span)?;
    // The reference returns a short argument as it is, string or object.
    if seq.len() <= 1 {
        return Ok(value);
    }
    let key_fn = key_function(ctx, args.get(1), span)?;
    reserve_sort(ctx, seq.len(), span)?;
    let elems = seq.lazies(ctx, span)?;
    let keys = sort_keys(ctx, &elems, key_fn, span)?;
    let order = sorted_order(ctx, &keys, span)?;
    let sorted = ctx.alloc_slice_with(order.len(), span, |i| elems[order[i]])?;
    Ok(Value::Arr(Array::new(ctx.bump, sorted)))
}

// ----- uniq and set -----------------------------------------------------------

/// Drops every element whose key equals the key of the element kept
/// before it. `keys`, if given, holds every element's key.
fn uniq_elems<'a>(
    ctx: &mut Ctx<'a>,
    elems: &[Lazy<'a>],
    keys: Option<&[Value<'a>]>,
    key_arg: Option<Lazy<'a>>,
    span: Span,
) -> Result<Vec<Lazy<'a>>> {
    let Some((&first, rest)) = elems.split_first() else {
        return Ok(Vec::new());
    };
    let mut kept = vec![first];
    if rest.is_empty() {
        return Ok(kept);
    }
    let key_fn = match keys {
        Some(_) => None,
        None => key_function(ctx, key_arg, span)?,
    };
    let key = |ctx: &mut Ctx<'a>, index: usize| match keys {
        Some(keys) => Ok(keys[index]),
        None => key_of(ctx, key_fn, elems[index], span),
    };
    let mut last_key = key(ctx, 0)?;
    for (index, &elem) in elems.iter().enumerate().skip(1) {
        ctx.poll_limits(span)?;
        let next_key = key(ctx, index)?;
        if !equal(ctx, last_key, next_key, span)? {
            ctx.push(&mut kept, elem, span)?;
            last_key = next_key;
        }
    }
    Ok(kept)
}

/// `std.uniq(arr, keyF=id)`.
pub fn uniq<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let seq = Seq::of(ctx, args.value(0), args.site)?;
    let elems = seq.lazies(ctx, args.site)?;
    let kept = uniq_elems(ctx, &elems, None, args.get(1), args.site)?;
    array_of(ctx, &kept, args.site)
}

/// `std.set(arr, keyF=id)`: `std.uniq(std.sort(arr, keyF), keyF)`.
pub fn set<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let span = args.site;
    let seq = Seq::of(ctx, args.value(0), span)?;
    // The sort's working set, the sorted keys and what is kept.
    ctx.reserve_items::<(
        Lazy<'a>,
        Value<'a>,
        usize,
        &'a str,
        Lazy<'a>,
        Value<'a>,
        Lazy<'a>,
    )>(seq.len(), span)?;
    let elems = seq.lazies(ctx, span)?;
    if elems.len() <= 1 {
        return array_of(ctx, &elems, span);
    }
    let key_fn = key_function(ctx, args.get(1), span)?;
    let keys = sort_keys(ctx, &elems, key_fn, span)?;
    let order = sorted_order(ctx, &keys, span)?;
    let mut sorted: Vec<Lazy<'a>> = ctx.vec_with_capacity(order.len(), span)?;
    sorted.extend(order.iter().map(|&i| elems[i]));
    let mut sorted_keys: Vec<Value<'a>> = ctx.vec_with_capacity(order.len(), span)?;
    sorted_keys.extend(order.iter().map(|&i| keys[i]));
    let kept = uniq_elems(ctx, &sorted, Some(&sorted_keys), None, span)?;
    array_of(ctx, &kept, span)
}

// ----- set operations ---------------------------------------------------------

/// Which set operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

/// The keys of one side of a set operation, computed on first use.
struct Side<'a> {
    elems: Vec<Lazy<'a>>,
    keys: Vec<Option<Value<'a>>>,
}

impl<'a> Side<'a> {
    fn new(ctx: &Ctx<'a>, seq: Seq<'a>, span: Span) -> Result<Side<'a>> {
        let elems = seq.lazies(ctx, span)?;
        let mut keys = ctx.vec_with_capacity(elems.len(), span)?;
        keys.resize(elems.len(), None);
        Ok(Side { elems, keys })
    }

    fn key(
        &mut self,
        ctx: &mut Ctx<'a>,
        key_fn: Option<Function<'a>>,
        index: usize,
        span: Span,
    ) -> Result<Value<'a>> {
        if let Some(key) = self.keys[index] {
            return Ok(key);
        }
        let key = key_of(ctx, key_fn, self.elems[index], span)?;
        self.keys[index] = Some(key);
        Ok(key)
    }
}

/// `acc + source[from:]`, as the reference ends a set operation: an array
/// view for an array, the generic `+` (and `std.slice`'s errors) otherwise.
fn with_rest<'a>(
    ctx: &mut Ctx<'a>,
    acc: &[Lazy<'a>],
    source: Value<'a>,
    from: usize,
    span: Span,
) -> Result<Value<'a>> {
    let acc = match array_of(ctx, acc, span)? {
        Value::Arr(acc) => acc,
        _ => Array::empty(ctx.bump),
    };
    match source {
        Value::Arr(array) => {
            let rest = Array::slice(ctx.bump, array, from, array.len(), 1);
            Ok(Value::Arr(Array::concat(ctx.bump, acc, rest)))
        }
        other => {
            let rest = ctx.slice(other, Some(Value::Num(from as f64)), None, None, span)?;
            ctx.add(Value::Arr(acc), rest, span)
        }
    }
}

/// `std.setUnion`, `std.setInter` and `std.setDiff`: one merge walk over
/// both (sorted) inputs.
fn set_op<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, op: SetOp) -> Result<Value<'a>> {
    let span = args.site;
    let (a_value, b_value) = (args.value(0), args.value(1));
    let a_seq = Seq::of(ctx, a_value, span)?;
    let mut acc: Vec<Lazy<'a>> = Vec::new();
    if a_seq.is_empty() {
        return match op {
            SetOp::Union => with_rest(ctx, &acc, b_value, 0, span),
            SetOp::Inter | SetOp::Diff => array_of(ctx, &acc, span),
        };
    }
    let b_seq = Seq::of(ctx, b_value, span)?;
    let mut a = Side::new(ctx, a_seq, span)?;
    let mut b = Side::new(ctx, b_seq, span)?;
    let (a_len, b_len) = (a.elems.len(), b.elems.len());
    let mut key_fn: Option<Option<Function<'a>>> = None;
    let (mut i, mut j) = (0, 0);
    loop {
        ctx.poll_limits(span)?;
        if i >= a_len || j >= b_len {
            return match op {
                SetOp::Union if i >= a_len => with_rest(ctx, &acc, b_value, j, span),
                SetOp::Union | SetOp::Diff if i < a_len => with_rest(ctx, &acc, a_value, i, span),
                _ => array_of(ctx, &acc, span),
            };
        }
        let key_fn = match key_fn {
            Some(key_fn) => key_fn,
            None => {
                let found = key_function(ctx, args.get(2), span)?;
                key_fn = Some(found);
                found
            }
        };
        let a_key = a.key(ctx, key_fn, i, span)?;
        let b_key = b.key(ctx, key_fn, j, span)?;
        if equal(ctx, a_key, b_key, span)? {
            if op != SetOp::Diff {
                ctx.push(&mut acc, a.elems[i], span)?;
            }
            i += 1;
            j += 1;
        } else if less(ctx, a_key, b_key, span)? {
            if op != SetOp::Inter {
                ctx.push(&mut acc, a.elems[i], span)?;
            }
            i += 1;
        } else {
            if op == SetOp::Union {
                ctx.push(&mut acc, b.elems[j], span)?;
            }
            j += 1;
        }
    }
}

/// `std.setUnion(a, b, keyF=id)`: on equal keys, `a`'s element is kept.
pub fn set_union<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    set_op(ctx, args, SetOp::Union)
}

/// `std.setInter(a, b, keyF=id)`.
pub fn set_inter<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    set_op(ctx, args, SetOp::Inter)
}

/// `std.setDiff(a, b, keyF=id)`.
pub fn set_diff<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    set_op(ctx, args, SetOp::Diff)
}

/// `std.setMember(x, arr, keyF=id)`: `std.setInter([x], arr, keyF)` is not
/// empty. Like the reference, a linear walk that stops at the first key
/// not below `x`'s.
pub fn set_member<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let span = args.site;
    let seq = Seq::of(ctx, args.value(1), span)?;
    if seq.is_empty() {
        return Ok(Value::Bool(false));
    }
    let key_fn = key_function(ctx, args.get(2), span)?;
    let x = args.get(0).unwrap_or(Lazy::Val(Value::Null));
    let x_key = key_of(ctx, key_fn, x, span)?;
    for index in 0..seq.len() {
        ctx.poll_limits(span)?;
        let elem = seq.lazy(ctx, index, span);
        let key = key_of(ctx, key_fn, elem, span)?;
        if equal(ctx, x_key, key, span)? {
            return Ok(Value::Bool(true));
        }
        if less(ctx, x_key, key, span)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(false))
}

// ----- minArray, maxArray -----------------------------------------------------

/// `std.minArray` (`want` = Greater: replace the best when it compares
/// greater) and `std.maxArray` (`want` = Less).
fn extreme<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>, replace_when: Ordering) -> Result<Value<'a>> {
    let span = args.site;
    let seq = Seq::of(ctx, args.value(0), span)?;
    if seq.is_empty() {
        return match args.get(2) {
            Some(on_empty) => ctx.force(on_empty, span),
            None => Err(ctx.error(span, "Expected at least one element in array. Got none")),
        };
    }
    let key_fn = key_function(ctx, args.get(1), span)?;
    let mut best = seq.lazy(ctx, 0, span);
    let mut best_key = key_of(ctx, key_fn, best, span)?;
    for index in 0..seq.len() {
        ctx.poll_limits(span)?;
        let elem = seq.lazy(ctx, index, span);
        let key = if index == 0 {
            best_key
        } else {
            key_of(ctx, key_fn, elem, span)?
        };
        // The reference's three-way `std.__compare`.
        if ctx.compare(best_key, key, span)? == replace_when {
            best = elem;
            best_key = key;
        }
    }
    ctx.force(best, span)
}

/// `std.minArray(arr, keyF=id, onEmpty=error ...)`.
pub fn min_array<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    extreme(ctx, args, Ordering::Greater)
}

/// `std.maxArray(arr, keyF=id, onEmpty=error ...)`.
pub fn max_array<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    extreme(ctx, args, Ordering::Less)
}
