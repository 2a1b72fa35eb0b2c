//! `std` functions: parse.

use kcfg_lang::eval::builtin::Builtin;

/// The rows of this area.
pub static ROWS: &[Builtin] = &[];
