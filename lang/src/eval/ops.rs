//! Operators: arithmetic, comparison, equality, `in`, bitwise, slicing and
//! string conversion, with the reference's semantics and messages.

use std::cmp::Ordering;

use super::value::{Lazy, Value};
use super::{Array, Ctx, Object, Result, Str};
use crate::ast::{BinaryOp, UnaryOp};
use crate::span::Span;
use crate::sym::Sym;

/// Largest integer a double holds exactly; bitwise operators refuse larger.
const SAFE_INT: f64 = 9_007_199_254_740_992.0;

impl<'a> Ctx<'a> {
    /// Applies a (non-short-circuit) binary operator.
    pub fn binary(
        &mut self,
        op: BinaryOp,
        left: Value<'a>,
        right: Value<'a>,
        span: Span,
    ) -> Result<Value<'a>> {
        use BinaryOp as B;
        match op {
            B::Add => self.add(left, right, span),
            B::Sub | B::Mul | B::Div => match (left, right) {
                (Value::Num(a), Value::Num(b)) => {
                    let result = match op {
                        B::Sub => a - b,
                        B::Mul => a * b,
                        _ => {
                            if b == 0.0 {
                                return Err(self.error(span, "division by zero."));
                            }
                            a / b
                        }
                    };
                    self.number(result, span)
                }
                (Value::Str(_), Value::Str(_)) => Err(self.error(
                    span,
                    format!(
                        "binary operator {} does not operate on strings.",
                        op.as_str()
                    ),
                )),
                _ => Err(self.mismatch(op, left, right, span)),
            },
            B::Mod => match (left, right) {
                (Value::Num(a), Value::Num(b)) => {
                    if b == 0.0 {
                        return Err(self.error(span, "division by zero."));
                    }
                    self.number(fmod(a, b), span)
                }
                (Value::Str(format), values) => {
                    let format = self.flat_text(format, span)?;
                    let text =
                        self.format(format, values, span, super::format::FormatEntry::Operator)?;
                    self.copy_str(&text, span)
                }
                _ => Err(self.error(
                    span,
                    format!(
                        "Operator % cannot be used on types {} and {}.",
                        left.type_name(),
                        right.type_name()
                    ),
                )),
            },
            B::Lt | B::Le | B::Gt | B::Ge => {
                let ordering = self.compare_top(op, left, right, span)?;
                Ok(Value::Bool(match op {
                    B::Lt => ordering == Ordering::Less,
                    B::Le => ordering != Ordering::Greater,
                    B::Gt => ordering == Ordering::Greater,
                    _ => ordering != Ordering::Less,
                }))
            }
            B::Eq => Ok(Value::Bool(self.equals(left, right, span)?)),
            B::Ne => Ok(Value::Bool(!self.equals(left, right, span)?)),
            B::In => match (left, right) {
                (Value::Str(name), Value::Obj(obj)) => {
                    let name = Sym::intern(self.flat_text(name, span)?);
                    Ok(Value::Bool(obj.has_field(name)))
                }
                (Value::Str(_), other) => Err(self.error(
                    span,
                    format!(
                        "the right hand side of the 'in' operator should be an object, got {}",
                        other.type_name()
                    ),
                )),
                (other, _) => Err(self.error(
                    span,
                    format!(
                        "the left hand side of the 'in' operator should be a string,  got {}",
                        other.type_name()
                    ),
                )),
            },
            B::Shl | B::Shr | B::BitAnd | B::BitOr | B::BitXor => match (left, right) {
                (Value::Num(a), Value::Num(b)) => {
                    let a = self.safe_int(a, span)?;
                    let b = self.safe_int(b, span)?;
                    let result = match op {
                        B::Shl | B::Shr if b < 0 => {
                            return Err(self.error(span, "shift by negative exponent."))
                        }
                        B::Shl => {
                            let shift = (b % 64) as u32;
                            let shifted = a.wrapping_shl(shift);
                            if shifted.wrapping_shr(shift) != a {
                                return Err(self.error(
                                    span,
                                    "numeric value outside safe integer range for bitwise operation.",
                                ));
                            }
                            shifted
                        }
                        B::Shr => a.wrapping_shr((b % 64) as u32),
                        B::BitAnd => a & b,
                        B::BitOr => a | b,
                        _ => a ^ b,
                    };
                    Ok(Value::Num(result as f64))
                }
                _ => Err(self.mismatch(op, left, right, span)),
            },
            B::And | B::Or => match (left, right) {
                (Value::Bool(a), Value::Bool(b)) => {
                    Ok(Value::Bool(if op == B::And { a && b } else { a || b }))
                }
                _ => Err(self.mismatch(op, left, right, span)),
            },
        }
    }

    fn safe_int(&self, n: f64, span: Span) -> Result<i64> {
        if n.is_nan() || n <= -SAFE_INT || n >= SAFE_INT {
            return Err(self.error(
                span,
                "numeric value outside safe integer range for bitwise operation.",
            ));
        }
        Ok(n as i64)
    }

    /// A number result, or the reference's `overflow` error if it is not
    /// finite.
    pub fn number(&self, n: f64, span: Span) -> Result<Value<'a>> {
        if n.is_finite() {
            Ok(Value::Num(n))
        } else {
            Err(self.error(span, "overflow"))
        }
    }

    fn mismatch(
        &self,
        op: BinaryOp,
        left: Value<'a>,
        right: Value<'a>,
        span: Span,
    ) -> super::Error {
        self.error(
            span,
            format!(
                "binary operator {} requires matching types, got {} and {}.",
                op.as_str(),
                left.type_name(),
                right.type_name()
            ),
        )
    }

    /// `left + right`.
    pub fn add(&mut self, left: Value<'a>, right: Value<'a>, span: Span) -> Result<Value<'a>> {
        match (left, right) {
            (Value::Num(a), Value::Num(b)) => self.number(a + b, span),
            (Value::Str(a), Value::Str(b)) => self.concat_strings(a, b, span),
            (Value::Str(a), other) => {
                let b = self.to_string_value(other, span)?;
                self.concat_strings(a, b, span)
            }
            (other, Value::Str(b)) => {
                let a = self.to_string_value(other, span)?;
                self.concat_strings(a, b, span)
            }
            (Value::Arr(a), Value::Arr(b)) => Ok(Value::Arr(self.concat_two(a, b, span)?)),
            (Value::Obj(a), Value::Obj(b)) => Ok(Value::Obj(Object::extend(self.bump, a, b))),
            _ => Err(self.mismatch(BinaryOp::Add, left, right, span)),
        }
    }

    /// `a + b` of strings: a rope node, once the length is known to fit
    /// (a rope can be exponentially longer than the memory it uses, and
    /// flattening it needs all of it).
    #[inline]
    fn concat_strings(&self, a: Str<'a>, b: Str<'a>, span: Span) -> Result<Value<'a>> {
        self.check_string_len(a.byte_len() + b.byte_len(), span)?;
        Ok(Value::Str(Str::concat(self.bump, a, b)))
    }

    /// Applies a unary operator.
    pub fn unary(&mut self, op: UnaryOp, value: Value<'a>, span: Span) -> Result<Value<'a>> {
        match (op, value) {
            (UnaryOp::Neg, Value::Num(n)) => Ok(Value::Num(-n)),
            (UnaryOp::Plus, Value::Num(n)) => Ok(Value::Num(n)),
            (UnaryOp::BitNot, Value::Num(n)) => Ok(Value::Num(!(n as i64) as f64)),
            (UnaryOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
            (UnaryOp::Not, other) => Err(self.error(
                span,
                format!(
                    "unary operator ! does not operate on {}.",
                    plural_type(other.type_name())
                ),
            )),
            (op, other) => Err(self.error(
                span,
                format!(
                    "unary operator {} does not operate on type {}",
                    op.as_str(),
                    other.type_name()
                ),
            )),
        }
    }

    /// The value as a string, as `+` and `std.toString` convert it:
    /// strings unchanged, anything else as single-line JSON.
    pub fn to_string_value(&mut self, value: Value<'a>, span: Span) -> Result<Str<'a>> {
        match value {
            Value::Str(s) => Ok(s),
            other => {
                let text = crate::manifest::json::to_single_line(self, other, span)?;
                self.copy_text(&text, span)
            }
        }
    }

    // ----- equality and ordering -------------------------------------------

    /// Deep equality, as `==` and `std.equals`: values of different types
    /// are unequal, objects compare their visible fields, functions cannot
    /// be compared.
    pub fn equals(&mut self, a: Value<'a>, b: Value<'a>, span: Span) -> Result<bool> {
        match (a, b) {
            (Value::Null, Value::Null) => Ok(true),
            (Value::Bool(x), Value::Bool(y)) => Ok(x == y),
            (Value::Num(x), Value::Num(y)) => Ok(x == y),
            (Value::Str(x), Value::Str(y)) => {
                if x.ptr_eq(y) {
                    return Ok(true);
                }
                if x.byte_len() != y.byte_len() {
                    return Ok(false);
                }
                Ok(self.flat_text(x, span)? == self.flat_text(y, span)?)
            }
            (Value::Arr(x), Value::Arr(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                if x.ptr_eq(y) {
                    return Ok(true);
                }
                for (left, right) in x.iter().zip(y.iter()) {
                    self.poll_limits(span)?;
                    let left = self.force(left, span)?;
                    let right = self.force(right, span)?;
                    if !self.equals_nested(left, right, span)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            (Value::Obj(x), Value::Obj(y)) => {
                let left: Vec<Sym> = x.visible_fields(self.bump).collect();
                let right: Vec<Sym> = y.visible_fields(self.bump).collect();
                if left != right {
                    return Ok(false);
                }
                for name in left {
                    let lv = self.get_field(x, name, super::Site::At(span), None)?;
                    let rv = self.get_field(y, name, super::Site::At(span), None)?;
                    if !self.equals_nested(lv, rv, span)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            (Value::Func(_), Value::Func(_)) => {
                Err(self.error(span, "cannot test equality of functions"))
            }
            _ => Ok(false),
        }
    }

    /// [`Ctx::equals`] of two elements or fields: one level deeper, as the
    /// reference's recursive `std.equals` is, when both are containers.
    fn equals_nested(&mut self, a: Value<'a>, b: Value<'a>, span: Span) -> Result<bool> {
        match (a, b) {
            (Value::Arr(_), Value::Arr(_)) | (Value::Obj(_), Value::Obj(_)) => {
                self.descend(span, |ctx| ctx.equals(a, b, span))
            }
            _ => self.equals(a, b, span),
        }
    }

    fn compare_top(
        &mut self,
        op: BinaryOp,
        a: Value<'a>,
        b: Value<'a>,
        span: Span,
    ) -> Result<Ordering> {
        match (a, b) {
            (Value::Num(_), Value::Num(_))
            | (Value::Str(_), Value::Str(_))
            | (Value::Arr(_), Value::Arr(_)) => self.compare(a, b, span),
            _ if a.type_name() != b.type_name() => Err(self.mismatch(op, a, b, span)),
            _ => Err(self.error(
                span,
                format!(
                    "binary operator {} does not operate on {}.",
                    op.as_str(),
                    plural_type(a.type_name())
                ),
            )),
        }
    }

    /// Orders two values as `<` does (numbers, strings, arrays
    /// lexicographically), with the errors of the reference's three-way
    /// `std.__compare` (which `<` uses inside arrays, and `std.minArray`
    /// and `std.maxArray` use directly).
    pub fn compare(&mut self, a: Value<'a>, b: Value<'a>, span: Span) -> Result<Ordering> {
        match (a, b) {
            (Value::Num(x), Value::Num(y)) => Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal)),
            (Value::Str(x), Value::Str(y)) => {
                Ok(self.flat_text(x, span)?.cmp(self.flat_text(y, span)?))
            }
            (Value::Arr(x), Value::Arr(y)) => {
                for (left, right) in x.iter().zip(y.iter()) {
                    self.poll_limits(span)?;
                    // Numbers, the common element, without recursing.
                    if let (Lazy::Val(Value::Num(a)), Lazy::Val(Value::Num(b))) = (left, right) {
                        match a.partial_cmp(&b) {
                            Some(Ordering::Equal) | None => continue,
                            Some(ordering) => return Ok(ordering),
                        }
                    }
                    let left = self.force(left, span)?;
                    let right = self.force(right, span)?;
                    let ordering = if let (Value::Arr(_), Value::Arr(_)) = (left, right) {
                        self.descend(span, |ctx| ctx.compare(left, right, span))?
                    } else {
                        self.compare(left, right, span)?
                    };
                    if ordering != Ordering::Equal {
                        return Ok(ordering);
                    }
                }
                Ok(x.len().cmp(&y.len()))
            }
            // The reference compares array elements with its `std.__compare`,
            // which applies `<` to two nulls.
            (Value::Null, Value::Null) => {
                Err(self.error(span, "binary operator < does not operate on null."))
            }
            _ if a.type_name() != b.type_name() => Err(self.error(
                span,
                format!(
                    "Comparison requires matching types. Got {} and {}",
                    a.type_name(),
                    b.type_name()
                ),
            )),
            _ => Err(self.error(
                span,
                format!("Values of type {} are not comparable.", a.type_name()),
            )),
        }
    }

    // ----- slices ----------------------------------------------------------

    /// `target[start:end:step]`, as `std.slice`.
    pub fn slice(
        &mut self,
        target: Value<'a>,
        start: Option<Value<'a>>,
        end: Option<Value<'a>>,
        step: Option<Value<'a>>,
        span: Span,
    ) -> Result<Value<'a>> {
        // The reference (`std.slice` in its `std.jsonnet`) checks the step
        // first, then the type of the target, and only then reads the
        // length, the start and the end; each check's message names the
        // operator that failed, so the order decides the message.
        let length = match target {
            Value::Str(s) => Some(self.char_len(s, span)? as f64),
            Value::Arr(a) => Some(a.len() as f64),
            Value::Obj(o) => Some(o.visible_fields(self.bump).count() as f64),
            _ => None,
        };
        let step = match step {
            None | Some(Value::Null) => 1.0,
            Some(Value::Num(n)) => n,
            Some(other) => {
                return Err(self.error(
                    span,
                    format!(
                        "binary operator >= requires matching types, got {} and number.",
                        other.type_name()
                    ),
                ));
            }
        };
        if step < 0.0 {
            let start = self.slice_bound(start, length, target, span, true)?;
            let end = self.slice_bound(end, length, target, span, false)?;
            return Err(self.error(
                span,
                format!(
                    "got [{}:{}:{}] but negative steps are not supported",
                    crate::text::format_number(start),
                    crate::text::format_number(end),
                    crate::text::format_number(step)
                ),
            ));
        }
        if step == 0.0 {
            return Err(self.error(
                span,
                format!(
                    "got {} but step must be greater than 0",
                    crate::text::format_number(step)
                ),
            ));
        }
        let length = match (target, length) {
            (Value::Str(_) | Value::Arr(_), Some(length)) => length,
            _ => {
                return Err(self.error(
                    span,
                    format!(
                        "std.slice accepts a string or an array, but got: {}",
                        target.type_name()
                    ),
                ));
            }
        };
        let start = self.slice_bound(start, Some(length), target, span, true)?;
        let end = self.slice_bound(end, Some(length), target, span, false)?;
        match target {
            Value::Str(s) => {
                let text = self.flat_text(s, span)?;
                let ascii = self.is_ascii(s, span)?;
                // A tiny step repeats characters: at most this many steps
                // are taken (each appends a character of up to 4 bytes, and
                // rounding may add one), and a step of 1e-300 must fail
                // rather than loop for ever.
                let stop = end.min(length);
                let capacity = if start < stop {
                    let steps = ((stop - start) / step).ceil() + 1.0;
                    let bytes = steps * if ascii { 1.0 } else { 4.0 };
                    if bytes.is_nan() || bytes > super::MAX_LENGTH as f64 {
                        return Err(self.too_long("a string", steps.min(1e300) as usize, span));
                    }
                    bytes as usize
                } else {
                    0
                };
                let mut out = self.string_with_capacity(capacity, span)?;
                let mut chars = text.chars();
                let (mut at, mut current) = (0, chars.next());
                let mut cur = start;
                while cur < stop {
                    self.poll_limits(span)?;
                    let index = cur.floor() as usize;
                    if ascii {
                        out.push_str(&text[index..index + 1]);
                    } else {
                        while at < index {
                            current = chars.next();
                            at += 1;
                        }
                        if let Some(c) = current {
                            out.push(c);
                        }
                    }
                    let next = cur + step;
                    if next <= cur {
                        // The reference adds the step for ever.
                        return Err(self.error(
                            span,
                            format!(
                                "slice step {} is too small to advance past index {}",
                                crate::text::format_g(step, 6, false),
                                crate::text::format_g(cur, 6, false)
                            ),
                        ));
                    }
                    cur = next;
                }
                Ok(self.str_ref(out.into_bump_str()))
            }
            Value::Arr(a) => {
                if start < end && start < length {
                    if start.fract() != 0.0 {
                        return Err(self.error(
                            span,
                            format!(
                                "array index was not integer: {}",
                                crate::text::format_g(start, 6, false)
                            ),
                        ));
                    }
                    if step.fract() != 0.0 {
                        let next = start + step;
                        if next < end && next < length {
                            return Err(self.error(
                                span,
                                format!(
                                    "array index was not integer: {}",
                                    crate::text::format_g(next, 6, false)
                                ),
                            ));
                        }
                    }
                }
                let step = step.floor().max(1.0) as usize;
                let end = end.min(length).max(0.0).ceil() as usize;
                Ok(Value::Arr(Array::slice(
                    self.bump,
                    a,
                    start as usize,
                    end,
                    step,
                )))
            }
            other => Err(self.error(
                span,
                format!(
                    "std.slice accepts a string or an array, but got: {}",
                    other.type_name()
                ),
            )),
        }
    }

    /// A slice's start (`is_start`) or end with the reference's defaults:
    /// a missing start is 0, a missing end the length, and a negative one
    /// counts from the end. `length` is `None` for a target that has none,
    /// which is an error only if the bound needs it.
    fn slice_bound(
        &mut self,
        bound: Option<Value<'a>>,
        length: Option<f64>,
        target: Value<'a>,
        span: Span,
        is_start: bool,
    ) -> Result<f64> {
        let length = |ctx: &Self| {
            length.ok_or_else(|| {
                ctx.error(
                    span,
                    format!(
                        "length operates on strings, objects, and arrays, got {}",
                        target.type_name()
                    ),
                )
            })
        };
        match bound {
            None | Some(Value::Null) if is_start => Ok(0.0),
            None | Some(Value::Null) => length(self),
            Some(Value::Num(n)) if n < 0.0 && is_start => Ok((length(self)? + n).max(0.0)),
            Some(Value::Num(n)) if n < 0.0 => Ok(length(self)? + n),
            Some(Value::Num(n)) => Ok(n),
            Some(other) => Err(self.error(
                span,
                format!(
                    "binary operator < requires matching types, got {} and number.",
                    other.type_name()
                ),
            )),
        }
    }

    /// Forces every element of an array (for builtins that need values).
    pub fn force_all(&mut self, array: Array<'a>, span: Span) -> Result<Vec<Value<'a>>> {
        let mut out = self.vec_with_capacity(array.len(), span)?;
        for lazy in array.iter() {
            self.poll_limits(span)?;
            out.push(self.force(lazy, span)?);
        }
        Ok(out)
    }

    /// Forces a lazy value.
    pub fn value_of(&mut self, lazy: Lazy<'a>, span: Span) -> Result<Value<'a>> {
        self.force(lazy, span)
    }
}

/// `number` → `numbers`, as the reference's messages pluralize type names.
fn plural_type(name: &str) -> &'static str {
    match name {
        "number" => "numbers",
        "string" => "strings",
        "boolean" => "booleans",
        "object" => "objects",
        "array" => "arrays",
        "function" => "functions",
        _ => "null",
    }
}

/// C's `fmod(a, b)`, which `%` on numbers is: the remainder of `a / b`
/// truncated, with the sign of `a`.
///
/// Rust's `%` on `f64` calls a software `fmod`, which is slow; operands that
/// are integers of at most 2^53 (the usual `i % n`) take the integer
/// remainder instead, which is exact there. A zero remainder keeps `a`'s
/// sign, as `fmod`'s does (`-4 % 2` is `-0`).
#[inline]
pub fn fmod(a: f64, b: f64) -> f64 {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if a.fract() == 0.0 && b.fract() == 0.0 && a.abs() <= EXACT && b.abs() <= EXACT && b != 0.0 {
        let rem = (a as i64 % b as i64) as f64;
        return if rem == 0.0 { 0.0f64.copysign(a) } else { rem };
    }
    a % b
}

#[cfg(test)]
mod tests {
    use super::fmod;

    /// The integer path agrees with `fmod` bit for bit, sign of zero
    /// included; other operands take `fmod` itself.
    #[test]
    fn fmod_matches_the_float_remainder() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.0,
            -4.0,
            7.0,
            -7.0,
            255.0,
            256.0,
            1e15,
            -1e15,
            9_007_199_254_740_992.0,
            -9_007_199_254_740_992.0,
            9_007_199_254_740_994.0,
            1e300,
            0.5,
            -2.75,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for a in values {
            for b in values {
                let (fast, slow) = (fmod(a, b), a % b);
                assert!(
                    fast.to_bits() == slow.to_bits() || (fast.is_nan() && slow.is_nan()),
                    "fmod({a}, {b}) = {fast}, expected {slow}"
                );
            }
        }
    }
}
