//! The formatter: a parsed file to its canonical layout, byte for byte the
//! output of `jsonnetfmt` 0.22 (google/jsonnet `core/formatter.cpp`).
//!
//! It sits beside the flow (`syntax` → `fmt`), and `kcfg fmt` and the
//! language server both call [`format`]. The syntax tree is lossless (every
//! token is recorded, and the comments and line breaks between tokens are
//! read as the reference's "fodder"), so [`tree::build`] makes the
//! reference formatter's tree with fodder before every token, and then the
//! reference's passes run over it, one module each, in the reference's
//! order:
//!
//! 1. [`sort_imports`]: sort each group of top-level `local x = import …`.
//! 2. [`max_blank_lines`]: at most `max_blank_lines` blank lines anywhere.
//! 3. [`fix_newlines`]: a bracketed construct with a line break in one of
//!    its designated places gets one in all of them.
//! 4. [`fix_trailing_commas`]: a trailing comma exactly when the closing
//!    bracket is on its own line.
//! 5. [`fix_parens`]: `((e))` is `(e)`.
//! 6. [`fix_plus_object`]: `a + { … }` is `a { … }` (implicit plus).
//! 7. [`no_redundant_slice_colon`]: `a[x:y:]` is `a[x:y]`.
//! 8. [`pretty_field_names`]: `["f"]:` and `"f":` are `f:` where possible,
//!    and `a["f"]` is `a.f`.
//! 9. [`string_style`]: quotes as asked for, where no escaping is added.
//! 10. [`comment_style`]: `#` or `//` comments as asked for.
//! 11. [`fix_indentation`]: every line break's indentation, lining up
//!     continuation lines with their opening bracket.
//!
//! Then [`unparse`] prints the tree.
//!
//! ```
//! use kcfg_lang::span::{SourceMap, SourceName};
//!
//! let sources = SourceMap::new();
//! let file = sources.add(SourceName::Virtual("f.jsonnet".into()), "{a:1,\n\"b\":[1,2]}");
//! let out = kcfg_lang::fmt::format(&file, &kcfg_lang::fmt::Options::default()).unwrap();
//! assert_eq!(out, "{\n  a: 1,\n  b: [1, 2],\n}\n");
//! ```

mod comment_style;
mod fix_indentation;
mod fix_newlines;
mod fix_parens;
mod fix_plus_object;
mod fix_trailing_commas;
mod max_blank_lines;
mod no_redundant_slice_colon;
mod pretty_field_names;
mod sort_imports;
mod string_style;
mod tree;
mod unparse;
mod visit;

use crate::diag::Diagnostic;
use crate::span::SourceFile;
use crate::syntax::fodder::Fodder;

/// How string literals are quoted (`jsonnetfmt --string-style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringStyle {
    /// `d`: double quotes, unless that needs more escapes.
    Double,
    /// `s`: single quotes, unless that needs more escapes.
    Single,
    /// `l`: leave strings as written.
    Leave,
}

/// How line comments are written (`jsonnetfmt --comment-style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentStyle {
    /// `h`: `# …`.
    Hash,
    /// `s`: `// …` (a `#!` first line stays).
    Slash,
    /// `l`: leave comments as written.
    Leave,
}

/// The formatter's options, named and defaulted as `jsonnetfmt` 0.22's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Spaces per indentation level (`-n`, `--indent`); 0 leaves the
    /// indentation as written.
    pub indent: usize,
    /// Most blank lines kept in a row (`--max-blank-lines`); 0 keeps all.
    pub max_blank_lines: usize,
    /// `--string-style`.
    pub string_style: StringStyle,
    /// `--comment-style`.
    pub comment_style: CommentStyle,
    /// A space inside `[` and `]` (`--pad-arrays`).
    pub pad_arrays: bool,
    /// A space inside `{` and `}` (`--pad-objects`).
    pub pad_objects: bool,
    /// `"f":` as `f:` and `a["f"]` as `a.f` where possible
    /// (`--pretty-field-names`).
    pub pretty_field_names: bool,
    /// Sort top-level imports (`--sort-imports`).
    pub sort_imports: bool,
    /// `a + { … }` as `a { … }` (`--use-implicit-plus`). libjsonnet 0.22
    /// always does this; turning it off is go-jsonnet's option.
    pub use_implicit_plus: bool,
}

impl Default for Options {
    /// `jsonnetfmt` 0.22's defaults (`FmtOpts` in `core/formatter.h`).
    fn default() -> Options {
        Options {
            indent: 2,
            max_blank_lines: 2,
            string_style: StringStyle::Single,
            comment_style: CommentStyle::Slash,
            pad_arrays: false,
            pad_objects: true,
            pretty_field_names: true,
            sort_imports: true,
            use_implicit_plus: true,
        }
    }
}

/// Formats a whole file. The error is the parser's first syntax error,
/// exactly as `kcfg eval` reports it (render it with the file's
/// [`crate::span::SourceMap`]).
#[allow(clippy::result_large_err)] // One error per file, as `syntax::parse`.
pub fn format(file: &SourceFile, options: &Options) -> Result<String, Diagnostic> {
    let tree = crate::syntax::parse(file)?;
    let span = tree.expr.span;
    let src = lexed_text(&file.text);
    EXHAUSTED.set(false);
    let (mut node, mut final_fodder) = tree::build(src, &tree);
    drop(tree);
    let text = run(&mut node, &mut final_fodder, options);
    if EXHAUSTED.replace(false) {
        return Err(crate::syntax::native_stack_error(span));
    }
    Ok(text)
}

thread_local! {
    /// Whether a pass of the current [`format`] skipped a level for want of
    /// native stack; the output is then incomplete and not returned.
    static EXHAUSTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs one level of a pass with native stack to spare. When the stack
/// cannot grow (the memory limit), the level is skipped (`skipped` gives
/// its stand-in) and [`format`] fails with the parser's stack error.
pub(crate) fn deeper<R>(f: impl FnOnce() -> R, skipped: impl FnOnce() -> R) -> R {
    crate::stack::with_stack(f).unwrap_or_else(|_| {
        EXHAUSTED.set(true);
        skipped()
    })
}

/// The text the lexer reads: the file up to its first NUL byte.
fn lexed_text(text: &str) -> &str {
    match memchr::memchr(0, text.as_bytes()) {
        Some(nul) => &text[..nul],
        None => text,
    }
}

/// The reference's pipeline (`jsonnet_fmt`).
fn run(node: &mut tree::Node, final_fodder: &mut Fodder, options: &Options) -> String {
    if options.sort_imports {
        sort_imports::run(node);
    }
    remove_initial_newlines(node);
    if options.max_blank_lines > 0 {
        max_blank_lines::run(node, final_fodder, options.max_blank_lines);
    }
    fix_newlines::run(node);
    fix_trailing_commas::run(node);
    fix_parens::run(node);
    if options.use_implicit_plus {
        fix_plus_object::run(node);
    }
    no_redundant_slice_colon::run(node);
    if options.pretty_field_names {
        pretty_field_names::run(node);
    }
    if options.string_style != StringStyle::Leave {
        string_style::run(node, options.string_style);
    }
    if options.comment_style != CommentStyle::Leave {
        comment_style::run(node, final_fodder, options.comment_style);
    }
    if options.indent > 0 {
        fix_indentation::run(node, final_fodder, options);
    }
    // No blank lines at the end of the file.
    if let Some(last) = final_fodder.last_mut() {
        last.blanks = 0;
    }
    unparse::file(node, final_fodder, options)
}

/// No line breaks before the first token.
fn remove_initial_newlines(node: &mut tree::Node) {
    let fodder = tree::open_fodder_mut(node);
    let leading = fodder
        .iter()
        .take_while(|elem| elem.kind == crate::syntax::FodderKind::LineEnd)
        .count();
    fodder.drain(..leading);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{format, Options};
    use crate::span::{SourceMap, SourceName};

    /// Formats `src` with options changed by `change`; the output without
    /// its final line break, for inline snapshots.
    pub(crate) fn check_with(src: &str, change: impl FnOnce(&mut Options)) -> String {
        let mut options = Options::default();
        change(&mut options);
        let sources = SourceMap::new();
        let file = sources.add(SourceName::Virtual("test.jsonnet".into()), src);
        match format(&file, &options) {
            Ok(out) => out.trim_end_matches('\n').to_string(),
            Err(err) => err.first_line(&sources),
        }
    }

    /// Formats `src` with the default options.
    pub(crate) fn check(src: &str) -> String {
        check_with(src, |_| {})
    }

    #[test]
    fn syntax_errors_are_the_parsers() {
        insta::assert_snapshot!(check("{a: 1 b: 2}"), @"STATIC ERROR: test.jsonnet:1:7: expected a comma before next field.");
    }

    #[test]
    fn indent_zero_leaves_indentation() {
        let out = check_with("{\n      a: 1,\n}\n", |o| o.indent = 0);
        insta::assert_snapshot!(out, @r"
        {
              a: 1,
        }
        ");
    }

    #[test]
    fn padding_options() {
        let out = check_with("[{a: [1]}]\n", |o| {
            o.pad_arrays = true;
            o.pad_objects = false;
        });
        insta::assert_snapshot!(out, @"[ {a: [ 1 ]} ]");
    }
}
