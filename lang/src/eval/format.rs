//! `std.format` and the `%` operator on strings: Python-style `%`
//! formatting with the reference's rendering rules (conversions
//! `d i o x X e E f F g G c s r %`, flags `#0- +`, field width, precision,
//! `*`, and `%(key)s` mapping keys).
//!
//! The reference (C++ jsonnet 0.22) writes `std.format` in Jsonnet, with
//! its own arithmetic rather than C's `printf`, and its results differ from
//! C's in ways programs can see: `"%e" % 1000` is `10.000000e+02` (the
//! exponent is `floor(log(x) / log(10))`, which is 2 for 1000), `"%.0f" %
//! 0.5` is `1` (round half up), `"%d" % -0.5` is `0`, `"%x" % -0.5` is
//! `-1` (hex floors first), `"%f" % 1e21` shows the binary noise of
//! `1e27 % 1e6`, a width of 2.5 pads to 3. So this module follows that
//! definition step by step in `f64`, with the same library functions
//! (`floor`, `fmod`, `pow`, `log`), and reports `overflow` where its
//! arithmetic would.
//!
//! Evaluation is as lazy as the reference's: a value is only forced when
//! its directive renders it, so `"%s" % [1, error "x"]` reports the extra
//! value, not the error.
//!
//! Padding, too, fails where the reference's does. Its `padding(w, s)`
//! helper recurses once per character, without `tailstrict`, so a field of
//! `n` characters needs about `2n` stack frames on top of the frames
//! between the `%` and the helper, and a wide field (`"%300d"`, or the
//! `"%99999999999999999999d"` of issue 13) fails with `max stack frames
//! exceeded.`. [`Room`] holds what the reference has left when formatting
//! starts, and each padding checks its count against it (and against the
//! memory limit) before anything is allocated.

use super::value::{Lazy, Value};
use super::{Ctx, Error, Result, Site};
use crate::span::Span;
use crate::sym::Sym;

/// A field width or precision as written: digits, or `*`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Spec {
    Fixed(f64),
    Star,
}

/// One `%` directive.
#[derive(Debug, Clone, PartialEq)]
struct Code<'f> {
    key: Option<&'f str>,
    alt: bool,
    zero: bool,
    left: bool,
    blank: bool,
    plus: bool,
    width: Spec,
    precision: Option<Spec>,
    kind: char,
    caps: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece<'f> {
    Text(&'f str),
    Code(Code<'f>),
}

const TRUNCATED: &str = "Truncated format code.";

/// Parses a format string. The reference parses the whole string before
/// formatting anything, so its parse errors come first.
fn parse(format: &str) -> std::result::Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut text_start = 0;
    let next = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        chars
            .next()
            .map(|(_, c)| c)
            .ok_or_else(|| TRUNCATED.to_string())
    };
    // Text between codes is skipped a word at a time, not decoded.
    while let Some(found) = memchr::memchr(b'%', &format.as_bytes()[text_start..]) {
        let at = text_start + found;
        if text_start < at {
            pieces.push(Piece::Text(&format[text_start..at]));
        }
        // The code after `%`; indices are relative to `rest`.
        let rest = &format[at + 1..];
        let mut chars = rest.char_indices().peekable();
        let mut c = next(&mut chars)?;
        let mut key = None;
        if c == '(' {
            let start = chars.peek().map_or(rest.len(), |(i, _)| *i);
            loop {
                match chars.next() {
                    Some((end, ')')) => {
                        key = Some(&rest[start..end]);
                        break;
                    }
                    Some(_) => {}
                    None => return Err(TRUNCATED.into()),
                }
            }
            c = next(&mut chars)?;
        }
        let (mut alt, mut zero, mut left, mut blank, mut plus) =
            (false, false, false, false, false);
        loop {
            match c {
                '#' => alt = true,
                '0' => zero = true,
                '-' => left = true,
                ' ' => blank = true,
                '+' => plus = true,
                _ => break,
            }
            c = next(&mut chars)?;
        }
        let spec = |c: &mut char, chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
            if *c == '*' {
                *c = next(chars)?;
                return Ok::<Spec, String>(Spec::Star);
            }
            let mut n = 0.0;
            while let Some(digit) = c.to_digit(10) {
                n = n * 10.0 + digit as f64;
                *c = next(chars)?;
            }
            Ok(Spec::Fixed(n))
        };
        let width = spec(&mut c, &mut chars)?;
        let precision = if c == '.' {
            c = next(&mut chars)?;
            Some(spec(&mut c, &mut chars)?)
        } else {
            None
        };
        if matches!(c, 'h' | 'l' | 'L') {
            c = next(&mut chars)?;
        }
        let (kind, caps) = match c {
            'd' | 'i' | 'u' => ('d', false),
            'o' => ('o', false),
            'x' => ('x', false),
            'X' => ('x', true),
            'e' => ('e', false),
            'E' => ('e', true),
            'f' => ('f', false),
            'F' => ('f', true),
            'g' => ('g', false),
            'G' => ('g', true),
            'c' => ('c', false),
            's' => ('s', false),
            '%' => ('%', false),
            other => return Err(format!("Unrecognised conversion type: {other}")),
        };
        pieces.push(Piece::Code(Code {
            key,
            alt,
            zero,
            left,
            blank,
            plus,
            width,
            precision,
            kind,
            caps,
        }));
        text_start = at + 1 + chars.peek().map_or(rest.len(), |(i, _)| *i);
    }
    if text_start < format.len() {
        pieces.push(Piece::Text(&format[text_start..]));
    }
    Ok(pieces)
}

/// Where a width or precision comes from, read only when it is used.
#[derive(Clone, Copy)]
enum Arg<'a> {
    /// Written in the format string (or absent: `None` precision).
    Fixed(Option<f64>),
    /// A `*` argument.
    Value(Lazy<'a>),
    /// A `*` argument beyond the values: the reference's message.
    Missing(usize, usize),
    /// A `*` with an object of values.
    ObjectStar(&'static str),
}

/// What goes wrong while rendering, before it becomes an [`super::Error`].
enum Failure {
    Message(String),
    Eval(super::Error),
    /// A padding of this many characters needs more frames than the
    /// reference has left.
    Frames(usize),
    /// A padding of this many bytes does not fit within the memory limit.
    Memory(usize),
}

/// Where a `%` was evaluated from: the operator, or `std.format` (which the
/// reference reaches with one frame fewer, as `%` goes through `std.mod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatEntry {
    /// `format % values`.
    Operator,
    /// `std.format(format, values)`.
    Function,
}

/// Frames between the reference's `std.format` (entered through `%`) and
/// its `padding` helper when it pads a field to its width.
const WIDTH_FRAMES: f64 = 11.0;
/// Frames to the `padding` of its `render_int` (zero padding and precision
/// of `%d`, `%o`, `%x`), called from the same place.
const INT_FRAMES: f64 = 22.0;
/// Frames `render_float_dec` (`%f`, `%g`) adds before its `render_int`.
const FLOAT_FRAMES: f64 = 2.0;
/// Frames `render_float_sci` (`%e`, `%g`) adds before its
/// `render_float_dec`.
const SCI_FRAMES: f64 = 1.0;

/// What a padding may use: the frames the reference has left at a padding
/// call (it fails when `2 * count` reaches them), and the bytes the memory
/// limit leaves. The frame counts above were measured against C++ jsonnet
/// 0.22 with several `--max-stack` values, for a `%` evaluated at the top
/// level, in a `local`, in a function's body and in its arguments (the
/// shadow stack counts those frames as the reference does). Inside the
/// arguments of a builtin and while manifesting, the reference holds one
/// or two frames more or fewer than the shadow stack, so there the widest
/// field may differ from the reference's by a character.
#[derive(Debug, Clone, Copy)]
struct Room {
    frames: f64,
    bytes: usize,
}

impl Room {
    /// The room at a call made `frames` deeper.
    fn deeper(self, frames: f64) -> Room {
        Room {
            frames: self.frames - frames,
            bytes: self.bytes,
        }
    }

    /// Whether `count` characters of padding fit.
    fn check(self, count: usize) -> Rendered<()> {
        if 2.0 * count as f64 >= self.frames {
            return Err(Failure::Frames(count));
        }
        if count > self.bytes {
            return Err(Failure::Memory(count));
        }
        Ok(())
    }
}

impl From<super::Error> for Failure {
    fn from(err: super::Error) -> Failure {
        Failure::Eval(err)
    }
}

type Rendered<T> = std::result::Result<T, Failure>;

fn fail<T>(message: impl Into<String>) -> Rendered<T> {
    Err(Failure::Message(message.into()))
}

/// A result of the reference's arithmetic, which fails on infinities.
fn checked(n: f64) -> Rendered<f64> {
    if n.is_finite() {
        Ok(n)
    } else if n.is_nan() {
        fail("not a number")
    } else {
        fail("overflow")
    }
}

impl<'a> Ctx<'a> {
    /// `format % values` (or `std.format(format, values)`, as `entry`
    /// says).
    pub fn format(
        &mut self,
        format: &str,
        values: Value<'a>,
        span: Span,
        entry: FormatEntry,
    ) -> Result<String> {
        let pieces = parse(format).map_err(|message| self.error(span, message))?;
        let mut out = String::with_capacity(format.len() + 16);
        let entry_frames = match entry {
            FormatEntry::Operator => 0.0,
            FormatEntry::Function => 1.0,
        };
        let room = Room {
            frames: self.max_stack as f64 - self.depth() as f64 + entry_frames,
            bytes: self
                .memory
                .map_or(super::MAX_ALLOCATION, |memory| memory.remaining())
                .min(super::MAX_ALLOCATION),
        };
        match self.format_pieces(&pieces, values, span, room, &mut out) {
            Ok(()) => Ok(out),
            Err(Failure::Message(message)) => Err(self.error(span, message)),
            Err(Failure::Eval(err)) => Err(err),
            Err(Failure::Frames(count)) => Err(self.padding_too_deep(span, count)),
            Err(Failure::Memory(count)) => Err(self.out_of_memory(Site::At(span), Some(count))),
        }
    }

    /// The reference's error for a field too wide for its recursion.
    #[cold]
    fn padding_too_deep(&self, span: Span, count: usize) -> Error {
        self.error_code("kcfg::eval::max_stack", span, "max stack frames exceeded.")
            .with_note(format!(
                "padding a field with {count} characters: the Jsonnet reference pads one character per stack frame, so kcfg fails where it does (see --max-stack)"
            ))
    }

    fn format_pieces(
        &mut self,
        pieces: &[Piece<'_>],
        values: Value<'a>,
        span: Span,
        room: Room,
        out: &mut String,
    ) -> Rendered<()> {
        if let Value::Obj(obj) = values {
            for piece in pieces {
                let code = match piece {
                    Piece::Text(text) => {
                        out.push_str(text);
                        continue;
                    }
                    Piece::Code(code) => code,
                };
                let width = match code.width {
                    Spec::Fixed(n) => Arg::Fixed(Some(n)),
                    Spec::Star => Arg::ObjectStar("Cannot use * field width with object."),
                };
                let precision = match code.precision {
                    Some(Spec::Fixed(n)) => Arg::Fixed(Some(n)),
                    Some(Spec::Star) => Arg::ObjectStar("Cannot use * precision with object."),
                    None => Arg::Fixed(None),
                };
                let value = if code.kind == '%' {
                    None
                } else {
                    let Some(key) = code.key else {
                        return fail("Mapping keys required.");
                    };
                    let name = Sym::intern(key);
                    if !obj.has_field(name) {
                        return fail(format!("No such field: {key}"));
                    }
                    Some((
                        self.get_field(obj, name, Site::At(span), None)?,
                        key.to_string(),
                    ))
                };
                self.format_one(code, value, width, precision, span, room, out)?;
            }
            return Ok(());
        }
        let single = [Lazy::Val(values)];
        let array = match values {
            Value::Arr(arr) => Some(arr),
            _ => None,
        };
        let len = array.map_or(1, |arr| arr.len());
        let get = |index: usize| match array {
            Some(arr) => arr.get(index).unwrap_or(Lazy::Val(Value::Null)),
            None => single[index],
        };
        let mut next = 0usize;
        for piece in pieces {
            let code = match piece {
                Piece::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Piece::Code(code) => code,
            };
            let star = |next: &mut usize| {
                let index = *next;
                *next += 1;
                if index < len {
                    Arg::Value(get(index))
                } else {
                    Arg::Missing(len, index)
                }
            };
            let width = match code.width {
                Spec::Fixed(n) => Arg::Fixed(Some(n)),
                Spec::Star => star(&mut next),
            };
            let precision = match code.precision {
                Some(Spec::Fixed(n)) => Arg::Fixed(Some(n)),
                Some(Spec::Star) => star(&mut next),
                None => Arg::Fixed(None),
            };
            let value = if code.kind == '%' {
                None
            } else {
                if next >= len {
                    return fail(format!(
                        "Not enough values to format: {len}, expected more than {next}"
                    ));
                }
                let value = self.force(get(next), span)?;
                let at = next.to_string();
                next += 1;
                Some((value, at))
            };
            self.format_one(code, value, width, precision, span, room, out)?;
        }
        if next < len {
            return fail(format!("Too many values to format: {len}, expected {next}"));
        }
        Ok(())
    }

    /// Reads a width or precision argument. `None`: no precision given (or
    /// a `*` precision of `null`, which the reference treats the same).
    fn format_arg(
        &mut self,
        arg: Arg<'a>,
        span: Span,
        width: bool,
        int: bool,
    ) -> Rendered<Option<f64>> {
        match arg {
            Arg::Fixed(n) => Ok(n),
            Arg::Missing(len, index) => fail(format!(
                "Not enough values to format: {len}, expected at least {index}"
            )),
            Arg::ObjectStar(message) => fail(message),
            Arg::Value(lazy) => match self.force(lazy, span)? {
                Value::Num(n) => Ok(Some(n)),
                Value::Null if !width => Ok(None),
                other if width => fail(format!(
                    "binary operator - requires matching types, got {} and number.",
                    other.type_name()
                )),
                other if int => fail(format!(
                    "std.max second param expected number, got {}",
                    other.type_name()
                )),
                other => fail(format!(
                    "binary operator - requires matching types, got number and {}.",
                    other.type_name()
                )),
            },
        }
    }

    /// Renders one directive and pads it to its width.
    #[allow(clippy::too_many_arguments)]
    fn format_one(
        &mut self,
        code: &Code<'_>,
        value: Option<(Value<'a>, String)>,
        width: Arg<'a>,
        precision: Arg<'a>,
        span: Span,
        room: Room,
        out: &mut String,
    ) -> Rendered<()> {
        let Some((value, at)) = value else {
            let width = self.format_arg(width, span, true, false)?.unwrap_or(0.0);
            return pad(out, "%", width, code.left, room);
        };
        let number = |value: Value<'a>| match value {
            Value::Num(n) => Ok(n),
            other => fail(format!(
                "Format required number at {at}, got {}",
                other.type_name()
            )),
        };
        let text = match code.kind {
            's' => {
                let s = self.to_string_value(value, span)?;
                self.flat_text(s, span)?.to_string()
            }
            'c' => match value {
                Value::Num(n) => char_of(n)?,
                Value::Str(s) => {
                    let len = self.char_len(s, span)?;
                    if len != 1 {
                        return fail(format!("%c expected 1-sized string got: {len}"));
                    }
                    self.flat_text(s, span)?.to_string()
                }
                other => {
                    return fail(format!(
                        "%c expected number / string, got: {}",
                        other.type_name()
                    ))
                }
            },
            kind => {
                let n = number(value)?;
                let width = self.format_arg(width, span, true, false)?.unwrap_or(0.0);
                let int = matches!(kind, 'd' | 'o' | 'x');
                let precision = self.format_arg(precision, span, false, int)?;
                let zp = if code.zero && !code.left { width } else { 0.0 };
                let fpprec = precision.unwrap_or(6.0);
                let iprec = precision.unwrap_or(0.0);
                let int_room = room.deeper(INT_FRAMES);
                let float_room = int_room.deeper(FLOAT_FRAMES);
                let sci_room = float_room.deeper(SCI_FRAMES);
                let text = match kind {
                    'd' => render_int(
                        n <= -1.0,
                        n.abs().floor(),
                        zp,
                        iprec,
                        code.blank,
                        code.plus,
                        10.0,
                        "",
                        int_room,
                    )?,
                    'o' => {
                        let prefix = if code.alt { "0" } else { "" };
                        render_int(
                            n <= -1.0,
                            n.abs().floor(),
                            zp,
                            iprec,
                            code.blank,
                            code.plus,
                            8.0,
                            prefix,
                            int_room,
                        )?
                    }
                    'x' => render_hex(
                        n.floor(),
                        zp,
                        iprec,
                        code.blank,
                        code.plus,
                        code.alt,
                        code.caps,
                        int_room,
                    )?,
                    'f' => render_float_dec(
                        n, zp, code.blank, code.plus, code.alt, true, fpprec, float_room,
                    )?,
                    'e' => render_float_sci(
                        n, zp, code.blank, code.plus, code.alt, true, code.caps, fpprec, sci_room,
                    )?,
                    _ => {
                        let exponent = if n != 0.0 { decimal_exponent(n)? } else { 0.0 };
                        if exponent < -4.0 || exponent >= fpprec {
                            render_float_sci(
                                n,
                                zp,
                                code.blank,
                                code.plus,
                                code.alt,
                                code.alt,
                                code.caps,
                                fpprec - 1.0,
                                sci_room,
                            )?
                        } else {
                            let digits_before_point = (exponent + 1.0).max(1.0);
                            render_float_dec(
                                n,
                                zp,
                                code.blank,
                                code.plus,
                                code.alt,
                                code.alt,
                                fpprec - digits_before_point,
                                float_room,
                            )?
                        }
                    }
                };
                return pad(out, &text, width, code.left, room);
            }
        };
        let width = self.format_arg(width, span, true, false)?.unwrap_or(0.0);
        pad(out, &text, width, code.left, room)
    }
}

/// `std.char(n)` for `%c`, with its messages.
fn char_of(n: f64) -> Rendered<String> {
    // C's `long(n)`: truncation, and LONG_MIN when out of range on x86-64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let code = if (-LIMIT..LIMIT).contains(&n) {
        n as i64
    } else {
        i64::MIN
    };
    if code < 0 {
        return fail(format!("codepoints must be >= 0, got {code}"));
    }
    if code >= 0x110000 {
        return fail(format!("invalid unicode codepoint, got {code}"));
    }
    Ok(char::from_u32(code as u32)
        .unwrap_or(char::REPLACEMENT_CHARACTER)
        .to_string())
}

/// How many times the reference's `padding(w, s)` appends: while `w > 0`,
/// decrementing by one, so a fractional width rounds up (and a width that
/// is not a number never stops).
fn pad_count(width: f64) -> usize {
    if width > 0.0 {
        // Saturates for widths beyond `usize`.
        width.ceil() as usize
    } else if width.is_nan() {
        usize::MAX
    } else {
        0
    }
}

/// Pads `text` with spaces to `width` code points, on the right when
/// `left`.
fn pad(out: &mut String, text: &str, width: f64, left: bool, room: Room) -> Rendered<()> {
    let len = if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    };
    let count = pad_count(width - len as f64);
    room.deeper(WIDTH_FRAMES).check(count)?;
    if left {
        out.push_str(text);
    }
    out.extend(std::iter::repeat_n(' ', count));
    if !left {
        out.push_str(text);
    }
    Ok(())
}

/// Left-pads `text` with `0`s to `width` code points.
fn pad_zeros(text: String, width: f64, room: Room) -> Rendered<String> {
    let count = pad_count(width - text.chars().count() as f64);
    if count == 0 {
        return Ok(text);
    }
    room.check(count)?;
    let mut out = String::with_capacity(count + text.len());
    out.extend(std::iter::repeat_n('0', count));
    out.push_str(&text);
    Ok(out)
}

fn sign_prefix(neg: bool, plus: bool, blank: bool) -> &'static str {
    if neg {
        "-"
    } else if plus {
        "+"
    } else if blank {
        " "
    } else {
        ""
    }
}

/// Appends digit `d` as the reference's string concatenation would: a
/// number's shortest form, which for whole digits is the digit.
fn push_digit(out: &mut String, d: f64, numerals: &[u8; 16], capitals: bool) {
    if d.fract() == 0.0 && (0.0..16.0).contains(&d) {
        let c = numerals[d as usize] as char;
        out.push(if capitals { c.to_ascii_uppercase() } else { c });
    } else {
        crate::text::write_number(d, out);
    }
}

const NUMERALS: &[u8; 16] = b"0123456789abcdef";

/// The digits of `mag` in `radix`, computed as the reference does:
/// remainders (`%`, C's `fmod`) of successive `floor(n / radix)`.
fn digits(mag: f64, radix: f64, capitals: bool) -> Rendered<String> {
    let mut remainders = Vec::new();
    let mut n = checked(mag)?;
    while n != 0.0 {
        remainders.push(n % radix);
        n = (n / radix).floor();
    }
    let mut out = String::with_capacity(remainders.len());
    for d in remainders.iter().rev() {
        push_digit(&mut out, *d, NUMERALS, capitals);
    }
    Ok(out)
}

/// The reference's `render_int`: sign and magnitude, zero-padded to
/// `min_chars` in all and `min_digits` digits.
#[allow(clippy::too_many_arguments)]
fn render_int(
    neg: bool,
    mag: f64,
    min_chars: f64,
    min_digits: f64,
    blank: bool,
    plus: bool,
    radix: f64,
    zero_prefix: &str,
    room: Room,
) -> Rendered<String> {
    let dec = if mag == 0.0 {
        "0".to_string()
    } else {
        format!("{zero_prefix}{}", digits(mag, radix, false)?)
    };
    let zp = min_chars - if neg || blank || plus { 1.0 } else { 0.0 };
    let zp2 = zp.max(min_digits);
    Ok(format!(
        "{}{}",
        sign_prefix(neg, plus, blank),
        pad_zeros(dec, zp2, room)?
    ))
}

/// The reference's `render_hex` of an already floored number.
#[allow(clippy::too_many_arguments)]
fn render_hex(
    n: f64,
    min_chars: f64,
    min_digits: f64,
    blank: bool,
    plus: bool,
    add_zerox: bool,
    capitals: bool,
    room: Room,
) -> Rendered<String> {
    let magnitude = n.abs().floor();
    let hex = if magnitude == 0.0 {
        "0".to_string()
    } else {
        digits(magnitude, 16.0, capitals)?
    };
    let neg = n < 0.0;
    let zp = min_chars
        - if neg || blank || plus { 1.0 } else { 0.0 }
        - if add_zerox { 2.0 } else { 0.0 };
    let zp2 = zp.max(min_digits);
    let prefix = match (add_zerox, capitals) {
        (false, _) => "",
        (true, false) => "0x",
        (true, true) => "0X",
    };
    Ok(format!(
        "{}{prefix}{}",
        sign_prefix(neg, plus, blank),
        pad_zeros(hex, zp2, room)?
    ))
}

/// The reference's `render_float_dec`: the number rounded half up to
/// `prec` decimals as an integer count of `10^-prec`, carrying into the
/// whole part.
#[allow(clippy::too_many_arguments)]
fn render_float_dec(
    n: f64,
    zero_pad: f64,
    blank: bool,
    plus: bool,
    ensure_point: bool,
    trailing: bool,
    prec: f64,
    room: Room,
) -> Rendered<String> {
    let abs = n.abs();
    let denominator = checked(10f64.powf(prec))?;
    let numerator = checked(checked(abs * denominator)? + 0.5)?;
    if denominator == 0.0 {
        return fail("division by zero.");
    }
    let sign = if abs > 0.0 { 1.0 } else { 0.0 };
    let whole = sign * (numerator / denominator).floor();
    let frac = numerator.floor() % denominator;
    let dot_size = if prec == 0.0 && !ensure_point {
        0.0
    } else {
        1.0
    };
    let zp = zero_pad - prec - dot_size;
    let mut text = render_int(n < 0.0, whole, zp, 0.0, blank, plus, 10.0, "", room)?;
    if prec == 0.0 {
        if ensure_point {
            text.push('.');
        }
        return Ok(text);
    }
    if trailing || frac > 0.0 {
        let frac_text = render_int(false, frac, prec, 0.0, false, false, 10.0, "", room)?;
        text.push('.');
        if trailing {
            text.push_str(&frac_text);
        } else {
            text.push_str(frac_text.trim_end_matches('0'));
        }
    }
    Ok(text)
}

/// `floor(log(|n|) / log(10))`, the reference's decimal exponent (which
/// is one less than it should be for some powers of ten).
fn decimal_exponent(n: f64) -> Rendered<f64> {
    Ok((checked(n.abs().ln())? / 10f64.ln()).floor())
}

/// The reference's `render_float_sci`.
#[allow(clippy::too_many_arguments)]
fn render_float_sci(
    n: f64,
    zero_pad: f64,
    blank: bool,
    plus: bool,
    ensure_point: bool,
    trailing: bool,
    caps: bool,
    prec: f64,
    room: Room,
) -> Rendered<String> {
    let exponent = if n == 0.0 { 0.0 } else { decimal_exponent(n)? };
    let mut suffix = String::from(if caps { "E" } else { "e" });
    suffix.push_str(&render_int(
        exponent < 0.0,
        exponent.abs(),
        3.0,
        0.0,
        false,
        true,
        10.0,
        "",
        room,
    )?);
    let mantissa = if exponent == -324.0 {
        // 10^-324 is 0 in doubles.
        checked(n * 10.0)? / checked(10f64.powf(exponent + 1.0))?
    } else {
        let scale = checked(10f64.powf(exponent))?;
        if scale == 0.0 {
            return fail("division by zero.");
        }
        checked(n / scale)?
    };
    let zp2 = zero_pad - suffix.len() as f64;
    let mut text = render_float_dec(
        mantissa,
        zp2,
        blank,
        plus,
        ensure_point,
        trailing,
        prec,
        room,
    )?;
    text.push_str(&suffix);
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes() {
        let pieces = parse("a%(x)-5.2fb%%").unwrap();
        assert_eq!(pieces.len(), 4);
        assert!(
            matches!(&pieces[1], Piece::Code(code) if code.key == Some("x") && code.left && code.kind == 'f')
        );
        assert_eq!(parse("%").unwrap_err(), TRUNCATED);
        assert_eq!(parse("%(ab").unwrap_err(), TRUNCATED);
        assert_eq!(parse("%5").unwrap_err(), TRUNCATED);
        assert_eq!(parse("%y").unwrap_err(), "Unrecognised conversion type: y");
    }

    fn ok(rendered: Rendered<String>) -> String {
        match rendered {
            Ok(text) => text,
            Err(Failure::Message(message)) => message,
            Err(Failure::Eval(_)) => "eval error".into(),
            Err(Failure::Frames(count)) => format!("{count} frames"),
            Err(Failure::Memory(count)) => format!("{count} bytes"),
        }
    }

    /// Room enough for any padding of these tests.
    const ROOM: Room = Room {
        frames: 1e9,
        bytes: 1 << 30,
    };

    #[test]
    fn renders_numbers_like_the_reference() {
        assert_eq!(
            ok(render_int(
                false, 42.0, 5.0, 0.0, false, false, 10.0, "", ROOM
            )),
            "00042"
        );
        assert_eq!(
            ok(render_int(
                true, 42.0, 5.0, 0.0, false, false, 10.0, "", ROOM
            )),
            "-0042"
        );
        assert_eq!(
            ok(render_hex(255.0, 0.0, 0.0, false, false, true, true, ROOM)),
            "0XFF"
        );
        assert_eq!(
            ok(render_float_dec(
                1.23456, 0.0, false, false, false, true, 2.0, ROOM
            )),
            "1.23"
        );
        assert_eq!(
            ok(render_float_dec(
                0.5, 0.0, false, false, false, true, 0.0, ROOM
            )),
            "1"
        );
        // The reference's exponent of 1000 is 2.
        assert_eq!(
            ok(render_float_sci(
                1000.0, 0.0, false, false, false, true, false, 6.0, ROOM
            )),
            "10.000000e+02"
        );
        assert_eq!(
            ok(render_float_dec(
                1e305, 0.0, false, false, false, true, 6.0, ROOM
            )),
            "overflow"
        );
    }

    #[test]
    fn padding_stops_where_the_reference_runs_out_of_frames() {
        // 500 frames at the `%`: a zero padding of 238 digits is the most
        // the reference's `render_int` has room for.
        let room = Room {
            frames: 500.0,
            bytes: 1 << 30,
        }
        .deeper(INT_FRAMES);
        assert_eq!(
            ok(render_int(
                false, 1.0, 239.0, 0.0, false, false, 10.0, "", room
            ))
            .len(),
            239
        );
        assert_eq!(
            ok(render_int(
                false, 1.0, 240.0, 0.0, false, false, 10.0, "", room
            )),
            "239 frames"
        );
        let mut out = String::new();
        let wide = pad(&mut out, "1", 1e20, false, ROOM);
        assert!(matches!(wide, Err(Failure::Frames(_))));
        assert!(out.is_empty());
        let tight = Room {
            frames: 1e9,
            bytes: 10,
        };
        assert!(matches!(
            pad(&mut out, "1", 100.0, false, tight),
            Err(Failure::Memory(99))
        ));
        assert!(matches!(
            pad(&mut out, "1", f64::NAN, false, ROOM),
            Err(Failure::Frames(usize::MAX))
        ));
    }
}
