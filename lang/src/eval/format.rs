//! `std.format` and the `%` operator on strings: Python-style `%`
//! formatting with the reference's rendering rules (conversions
//! `d i o x X e E f F g G c s r %`, flags `#0- +`, field width, precision,
//! `*`, and `%(key)s` mapping keys).

use super::value::Value;
use super::{Ctx, Result};
use crate::span::Span;
use crate::sym::Sym;

/// One `%` directive.
#[derive(Debug, Clone, PartialEq)]
struct Code {
    key: Option<String>,
    alt: bool,
    zero: bool,
    left: bool,
    blank: bool,
    sign: bool,
    width: Width,
    precision: Option<Width>,
    kind: char,
    caps: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Width {
    Fixed(usize),
    Star,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Code(Code),
}

fn parse(format: &str) -> std::result::Result<Vec<Piece>, String> {
    let chars: Vec<char> = format.chars().collect();
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            text.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        if i >= chars.len() {
            return Err("Truncated format code.".into());
        }
        let mut key = None;
        if chars[i] == '(' {
            let start = i + 1;
            let mut j = start;
            while j < chars.len() && chars[j] != ')' {
                j += 1;
            }
            if j >= chars.len() {
                return Err("Truncated format code.".into());
            }
            key = Some(chars[start..j].iter().collect());
            i = j + 1;
        }
        let (mut alt, mut zero, mut left, mut blank, mut sign) =
            (false, false, false, false, false);
        while i < chars.len() {
            match chars[i] {
                '#' => alt = true,
                '0' => zero = true,
                '-' => left = true,
                ' ' => blank = true,
                '+' => sign = true,
                _ => break,
            }
            i += 1;
        }
        let parse_number = |i: &mut usize| -> Width {
            if *i < chars.len() && chars[*i] == '*' {
                *i += 1;
                return Width::Star;
            }
            let mut n = 0usize;
            while *i < chars.len() && chars[*i].is_ascii_digit() {
                n = n
                    .saturating_mul(10)
                    .saturating_add(chars[*i] as usize - '0' as usize);
                *i += 1;
            }
            Width::Fixed(n)
        };
        let width = parse_number(&mut i);
        let precision = if i < chars.len() && chars[i] == '.' {
            i += 1;
            Some(parse_number(&mut i))
        } else {
            None
        };
        while i < chars.len() && matches!(chars[i], 'h' | 'l' | 'L') {
            i += 1;
        }
        if i >= chars.len() {
            return Err("Truncated format code.".into());
        }
        let c = chars[i];
        i += 1;
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
            's' | 'r' => ('s', false),
            '%' => ('%', false),
            other => return Err(format!("Unrecognised conversion type: {other}")),
        };
        pieces.push(Piece::Text(std::mem::take(&mut text)));
        pieces.push(Piece::Code(Code {
            key,
            alt,
            zero,
            left,
            blank,
            sign,
            width,
            precision,
            kind,
            caps,
        }));
    }
    pieces.push(Piece::Text(text));
    Ok(pieces)
}

impl<'a> Ctx<'a> {
    /// `format % values`.
    pub fn format(&mut self, format: &str, values: Value<'a>, span: Span) -> Result<String> {
        let pieces = parse(format).map_err(|message| self.error(span, message))?;
        let mut out = String::with_capacity(format.len() + 16);
        match values {
            Value::Obj(obj) => {
                for piece in &pieces {
                    let code = match piece {
                        Piece::Text(text) => {
                            out.push_str(text);
                            continue;
                        }
                        Piece::Code(code) => code,
                    };
                    let Some(key) = &code.key else {
                        return Err(self.error(span, "Mapping keys required."));
                    };
                    let width = match code.width {
                        Width::Fixed(n) => n,
                        Width::Star => {
                            return Err(self.error(span, "Cannot use * field width with object."))
                        }
                    };
                    let precision = match code.precision {
                        Some(Width::Fixed(n)) => Some(n),
                        Some(Width::Star) => {
                            return Err(self.error(span, "Cannot use * precision with object."))
                        }
                        None => None,
                    };
                    let text = if code.kind == '%' {
                        "%".to_string()
                    } else {
                        let name = Sym::intern(key);
                        if !obj.has_field(name) {
                            return Err(self.error(span, format!("No such field: {key}")));
                        }
                        let value = self.get_field(obj, name, super::Site::At(span), None)?;
                        self.format_code(value, code, width, precision, key, span)?
                    };
                    pad(&mut out, &text, width, code.left);
                }
            }
            other => {
                let values: Vec<Value<'a>> = match other {
                    Value::Arr(arr) => self.force_all(arr, span)?,
                    single => vec![single],
                };
                let mut next = 0usize;
                for piece in &pieces {
                    let code = match piece {
                        Piece::Text(text) => {
                            out.push_str(text);
                            continue;
                        }
                        Piece::Code(code) => code,
                    };
                    let take = |ctx: &mut Self, next: &mut usize| -> Result<Value<'a>> {
                        match values.get(*next) {
                            Some(value) => {
                                *next += 1;
                                Ok(*value)
                            }
                            None => Err(ctx.error(
                                span,
                                format!(
                                    "Not enough values to format: {}, expected more than {}",
                                    values.len(),
                                    *next
                                ),
                            )),
                        }
                    };
                    let width = match code.width {
                        Width::Fixed(n) => n,
                        Width::Star => match take(self, &mut next)? {
                            Value::Num(n) => n.max(0.0) as usize,
                            other => {
                                return Err(self.error(
                                    span,
                                    format!(
                                        "Field width must be a number, got {}",
                                        other.type_name()
                                    ),
                                ));
                            }
                        },
                    };
                    let precision = match code.precision {
                        Some(Width::Fixed(n)) => Some(n),
                        Some(Width::Star) => match take(self, &mut next)? {
                            Value::Num(n) => Some(n.max(0.0) as usize),
                            other => {
                                return Err(self.error(
                                    span,
                                    format!(
                                        "Precision must be a number, got {}",
                                        other.type_name()
                                    ),
                                ));
                            }
                        },
                        None => None,
                    };
                    let text = if code.kind == '%' {
                        "%".to_string()
                    } else {
                        let index = next;
                        let value = take(self, &mut next)?;
                        self.format_code(value, code, width, precision, &index.to_string(), span)?
                    };
                    pad(&mut out, &text, width, code.left);
                }
                if next < values.len() {
                    return Err(self.error(
                        span,
                        format!(
                            "Too many values to format: {}, expected {}",
                            values.len(),
                            next
                        ),
                    ));
                }
            }
        }
        Ok(out)
    }

    fn format_code(
        &mut self,
        value: Value<'a>,
        code: &Code,
        width: usize,
        precision: Option<usize>,
        at: &str,
        span: Span,
    ) -> Result<String> {
        let zero_pad = if code.zero && !code.left { width } else { 0 };
        let number = |ctx: &Self| -> Result<f64> {
            match value {
                Value::Num(n) => Ok(n),
                other => Err(ctx.error(
                    span,
                    format!("Format required number at {at}, got {}", other.type_name()),
                )),
            }
        };
        let fp_precision = precision.unwrap_or(6);
        let int_precision = precision.unwrap_or(0);
        Ok(match code.kind {
            's' => {
                let s = self.to_string_value(value, span)?;
                self.text(s).to_string()
            }
            'd' => render_int(
                number(self)?,
                zero_pad,
                int_precision,
                code.blank,
                code.sign,
                10,
                "",
            ),
            'o' => render_int(
                number(self)?,
                zero_pad,
                int_precision,
                code.blank,
                code.sign,
                8,
                if code.alt { "0" } else { "" },
            ),
            'x' => render_hex(
                number(self)?,
                zero_pad,
                int_precision,
                code.blank,
                code.sign,
                code.alt,
                code.caps,
            ),
            'f' => render_float_dec(
                number(self)?,
                zero_pad,
                code.blank,
                code.sign,
                code.alt,
                true,
                fp_precision,
            ),
            'e' => render_float_sci(
                number(self)?,
                zero_pad,
                code.blank,
                code.sign,
                code.alt,
                true,
                code.caps,
                fp_precision,
            ),
            'g' => {
                let n = number(self)?;
                let exponent = if n == 0.0 {
                    0.0
                } else {
                    n.abs().log10().floor()
                };
                if exponent < -4.0 || exponent >= fp_precision as f64 {
                    render_float_sci(
                        n,
                        zero_pad,
                        code.blank,
                        code.sign,
                        code.alt,
                        code.alt,
                        code.caps,
                        fp_precision.saturating_sub(1),
                    )
                } else {
                    let digits_before_point = (exponent + 1.0).max(1.0) as usize;
                    render_float_dec(
                        n,
                        zero_pad,
                        code.blank,
                        code.sign,
                        code.alt,
                        code.alt,
                        fp_precision.saturating_sub(digits_before_point),
                    )
                }
            }
            'c' => match value {
                Value::Num(n) => match char::from_u32(n as u32) {
                    Some(c) => c.to_string(),
                    None => {
                        return Err(self.error(
                            span,
                            format!(
                                "Invalid unicode codepoint, got {}",
                                super::expr::format_g(n)
                            ),
                        ))
                    }
                },
                Value::Str(s) => {
                    let len = s.char_len(self.bump);
                    if len == 1 {
                        self.text(s).to_string()
                    } else {
                        return Err(
                            self.error(span, format!("%c expected 1-sized string got: {len}"))
                        );
                    }
                }
                other => {
                    return Err(self.error(
                        span,
                        format!("%c expected number / string, got: {}", other.type_name()),
                    ))
                }
            },
            other => return Err(self.error(span, format!("Unknown code: {other}"))),
        })
    }
}

fn pad(out: &mut String, text: &str, width: usize, left: bool) {
    let len = text.chars().count();
    if left {
        out.push_str(text);
    }
    for _ in len..width {
        out.push(' ');
    }
    if !left {
        out.push_str(text);
    }
}

fn pad_left(text: &str, width: usize, fill: char) -> String {
    let len = text.chars().count();
    let mut out = String::with_capacity(width.max(len));
    for _ in len..width {
        out.push(fill);
    }
    out.push_str(text);
    out
}

fn digits(mut n: f64, radix: u32, capitals: bool) -> String {
    if n < 1.0 {
        return "0".into();
    }
    let mut out = Vec::new();
    let radix_f = radix as f64;
    while n >= 1.0 {
        let digit = (n % radix_f) as u32;
        let c = std::char::from_digit(digit, radix).unwrap_or('0');
        out.push(if capitals { c.to_ascii_uppercase() } else { c });
        n = (n / radix_f).floor();
    }
    out.iter().rev().collect()
}

fn sign_prefix(neg: bool, sign: bool, blank: bool) -> &'static str {
    if neg {
        "-"
    } else if sign {
        "+"
    } else if blank {
        " "
    } else {
        ""
    }
}

fn render_int(
    n: f64,
    min_chars: usize,
    min_digits: usize,
    blank: bool,
    sign: bool,
    radix: u32,
    zero_prefix: &str,
) -> String {
    let abs = n.abs().floor();
    let body = if abs == 0.0 {
        "0".to_string()
    } else {
        format!("{zero_prefix}{}", digits(abs, radix, false))
    };
    let neg = n < 0.0;
    let zp = min_chars.saturating_sub(usize::from(neg || blank || sign));
    let zp2 = zp.max(min_digits);
    format!(
        "{}{}",
        sign_prefix(neg, sign, blank),
        pad_left(&body, zp2, '0')
    )
}

fn render_hex(
    n: f64,
    min_chars: usize,
    min_digits: usize,
    blank: bool,
    sign: bool,
    alt: bool,
    caps: bool,
) -> String {
    let abs = n.abs().floor();
    let hex = digits(abs, 16, caps);
    let neg = n < 0.0;
    let zp = min_chars
        .saturating_sub(usize::from(neg || blank || sign))
        .saturating_sub(if alt { 2 } else { 0 });
    let zp2 = zp.max(min_digits);
    let prefix = if alt {
        if caps {
            "0X"
        } else {
            "0x"
        }
    } else {
        ""
    };
    format!(
        "{}{prefix}{}",
        sign_prefix(neg, sign, blank),
        pad_left(&hex, zp2, '0')
    )
}

fn strip_trailing_zero(text: &str) -> &str {
    text.trim_end_matches('0')
}

fn render_float_dec(
    n: f64,
    zero_pad: usize,
    blank: bool,
    sign: bool,
    ensure_point: bool,
    trailing: bool,
    precision: usize,
) -> String {
    let abs = n.abs();
    let whole = abs.floor();
    let dot_size = usize::from(precision != 0 || ensure_point);
    let zp = zero_pad.saturating_sub(precision).saturating_sub(dot_size);
    let signed_whole = if n < 0.0 { -whole } else { whole };
    let mut text = render_int_signed(signed_whole, n < 0.0, zp, blank, sign);
    if precision == 0 {
        if ensure_point {
            text.push('.');
        }
        return text;
    }
    let frac = ((abs - whole) * 10f64.powi(precision as i32) + 0.5).floor();
    if trailing || frac > 0.0 {
        let frac_text = render_int(frac, precision, 0, false, false, 10, "");
        text.push('.');
        if trailing {
            text.push_str(&frac_text);
        } else {
            text.push_str(strip_trailing_zero(&frac_text));
        }
    }
    text
}

/// `render_int` for the whole part of a float, where `-0.3` must keep its
/// sign although its whole part is zero.
fn render_int_signed(whole: f64, neg: bool, min_chars: usize, blank: bool, sign: bool) -> String {
    let body = digits(whole.abs(), 10, false);
    let zp = min_chars.saturating_sub(usize::from(neg || blank || sign));
    format!(
        "{}{}",
        sign_prefix(neg, sign, blank),
        pad_left(&body, zp, '0')
    )
}

#[allow(clippy::too_many_arguments)]
fn render_float_sci(
    n: f64,
    zero_pad: usize,
    blank: bool,
    sign: bool,
    ensure_point: bool,
    trailing: bool,
    caps: bool,
    precision: usize,
) -> String {
    let exponent = if n == 0.0 {
        0.0
    } else {
        n.abs().log10().floor()
    };
    let suffix = format!(
        "{}{}",
        if caps { 'E' } else { 'e' },
        render_int(exponent, 3, 0, false, true, 10, "")
    );
    let mantissa = if n == 0.0 {
        0.0
    } else {
        n / 10f64.powf(exponent)
    };
    let zp = zero_pad.saturating_sub(suffix.len());
    render_float_dec(mantissa, zp, blank, sign, ensure_point, trailing, precision) + &suffix
}

/// C's `%.{precision}g` (or `%#.{precision}g` when `alt`), used for numbers
/// in some of the reference's messages.
pub fn format_g(n: f64, precision: usize, alt: bool) -> String {
    if n.is_nan() {
        return "nan".into();
    }
    if n.is_infinite() {
        return if n < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let precision = precision.max(1);
    if n == 0.0 {
        return if n.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{:.*e}", precision - 1, n);
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= precision as i32 {
        let mantissa = if alt {
            mantissa.to_string()
        } else {
            trim_fraction(mantissa)
        };
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
        let fixed = format!("{n:.decimals$}");
        if alt {
            fixed
        } else {
            trim_fraction(&fixed)
        }
    }
}

fn trim_fraction(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_formatting_matches_c() {
        assert_eq!(format_g(1.5, 6, false), "1.5");
        assert_eq!(format_g(1e30, 6, false), "1e+30");
        assert_eq!(format_g(18446744073709551616.0, 6, false), "1.84467e+19");
        assert_eq!(format_g(-1.0, 6, false), "-1");
        assert_eq!(format_g(0.0001, 6, false), "0.0001");
        assert_eq!(format_g(0.00001, 6, false), "1e-05");
        assert_eq!(format_g(0.1, 17, false), "0.10000000000000001");
        assert_eq!(format_g(2.5e-7, 17, false), "2.4999999999999999e-07");
    }

    #[test]
    fn parses_codes() {
        let pieces = parse("a%(x)-5.2fb%%").unwrap();
        assert_eq!(pieces.len(), 5);
        assert!(
            matches!(&pieces[1], Piece::Code(code) if code.key.as_deref() == Some("x") && code.left && code.kind == 'f')
        );
        assert_eq!(parse("%").unwrap_err(), "Truncated format code.");
        assert_eq!(parse("%y").unwrap_err(), "Unrecognised conversion type: y");
    }

    #[test]
    fn renders_numbers() {
        assert_eq!(render_int(42.0, 5, 0, false, false, 10, ""), "00042");
        assert_eq!(render_int(-42.0, 5, 0, false, false, 10, ""), "-0042");
        assert_eq!(render_hex(255.0, 0, 0, false, false, true, true), "0XFF");
        assert_eq!(
            render_float_dec(3.14159, 0, false, false, false, true, 2),
            "3.14"
        );
        assert_eq!(
            render_float_sci(12345.678, 0, false, false, false, true, false, 3),
            "1.235e+04"
        );
    }
}
