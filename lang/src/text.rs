//! How the reference writes numbers and strings as text.
//!
//! One leaf module, used by the evaluator (string conversion, `%`, error
//! messages that quote a number or a field name) and by the manifesters
//! (JSON, and `std.manifest*` in `kcfg-stdlib`), so both write a number
//! or a string the same way and neither imports the other.
//!
//! * Numbers ([`write_number`]): integral values print in full (`%.0f`:
//!   `1e20` is `100000000000000000000`, `-0` is `-0`), others as `%.17g`
//!   (`0.1` is `0.10000000000000001`); [`format_g`] is C's `%g`, which the
//!   reference uses in some messages.
//! * Strings ([`write_string`]): `"` `\` and the control characters
//!   `\b \f \n \r \t` get their short escapes; other characters below
//!   U+0020 and U+007F–U+009F become `\u00XX`; everything else is written as
//!   UTF-8.

use std::fmt::Write as _;

/// Writes a number as the reference does.
pub fn write_number(n: f64, out: &mut String) {
    if n == n.trunc() {
        if n.abs() < 1e15 {
            if n == 0.0 && n.is_sign_negative() {
                out.push_str("-0");
            } else {
                let _ = write!(out, "{}", n as i64);
            }
        } else {
            let _ = write!(out, "{n:.0}");
        }
    } else {
        out.push_str(&format_g(n, 17, false));
    }
}

/// A number as the reference prints it.
pub fn format_number(n: f64) -> String {
    let mut out = String::new();
    write_number(n, &mut out);
    out
}

#[inline]
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\' || byte == 0x7f || byte == 0xc2
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `word` is zero (exact: never a false negative).
#[inline]
fn has_zero_byte(word: u64) -> bool {
    word.wrapping_sub(ONES) & !word & HIGHS != 0
}

/// Whether none of the 8 bytes of `word` can need escaping. A `false` may
/// be a false alarm (the byte loop then looks closer), never a miss.
#[inline]
fn plain_word(word: u64) -> bool {
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    !(below_space
        || has_zero_byte(word ^ (ONES * u64::from(b'"')))
        || has_zero_byte(word ^ (ONES * u64::from(b'\\')))
        || has_zero_byte(word ^ (ONES * 0x7f))
        || has_zero_byte(word ^ (ONES * 0xc2)))
}

/// Writes `text` as a JSON string literal.
pub fn write_string(text: &str, out: &mut String) {
    out.reserve(text.len() + 2);
    out.push('"');
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut index = 0;
    while index < bytes.len() {
        // Long runs of plain text are skipped a word at a time.
        while let Some(chunk) = bytes.get(index..index + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            if !plain_word(word) {
                break;
            }
            index += 8;
        }
        let Some(&byte) = bytes.get(index) else {
            break;
        };
        if !needs_escape(byte) {
            index += 1;
            continue;
        }
        if byte == 0xc2 {
            // U+0080..U+009F are C2 80..C2 9F in UTF-8.
            match bytes.get(index + 1) {
                Some(next) if (0x80..=0x9f).contains(next) => {
                    out.push_str(&text[start..index]);
                    let _ = write!(out, "\\u{:04x}", *next as u32);
                    index += 2;
                    start = index;
                }
                _ => index += 1,
            }
            continue;
        }
        out.push_str(&text[start..index]);
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            other => {
                let _ = write!(out, "\\u{:04x}", other as u32);
            }
        }
        index += 1;
        start = index;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// `text` as a JSON string literal.
pub fn escape_string(text: &str) -> String {
    let mut out = String::new();
    write_string(text, &mut out);
    out
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
    fn word_skipping_never_misses_an_escape() {
        // Every escapable byte at every position of a word, among plain text.
        for special in [
            "\"", "\\", "\n", "\u{1}", "\u{1f}", "\u{7f}", "\u{85}", "\u{9f}",
        ] {
            for pos in 0..20 {
                let text = format!("{}{special}{}", "a".repeat(pos), "b".repeat(20 - pos));
                let slow: String = {
                    let mut out = String::from("\"");
                    for c in text.chars() {
                        let mut buf = [0u8; 4];
                        let mut one = String::new();
                        write_string(c.encode_utf8(&mut buf), &mut one);
                        out.push_str(&one[1..one.len() - 1]);
                    }
                    out.push('"');
                    out
                };
                assert_eq!(escape_string(&text), slow, "{text:?}");
            }
        }
        // Bytes that merely look special in a word: é is C3 A9, ¡ is C2 A1.
        assert_eq!(
            escape_string("aaaaaaaé¡ aaaaaaaa"),
            "\"aaaaaaaé¡ aaaaaaaa\""
        );
    }

    #[test]
    fn numbers() {
        let cases = [
            (0.1, "0.10000000000000001"),
            (1.0 / 3.0, "0.33333333333333331"),
            (1e20, "100000000000000000000"),
            (-0.0, "-0"),
            (2.5e-7, "2.4999999999999999e-07"),
            (-1.5, "-1.5"),
            (42.0, "42"),
            (
                123456789012345678901234567890.0,
                "123456789012345677877719597056",
            ),
        ];
        for (n, text) in cases {
            assert_eq!(format_number(n), text, "{n}");
        }
    }

    #[test]
    fn strings() {
        assert_eq!(
            escape_string("\u{7f}\u{80}\u{9f}\u{a0}é"),
            "\"\\u007f\\u0080\\u009f\u{a0}é\""
        );
        assert_eq!(
            escape_string("\u{1}\u{8}\u{c}\n\r\t\"\\/"),
            "\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\/\""
        );
        assert_eq!(escape_string("😀"), "\"😀\"");
    }
}
