//! Fodder: the comments, line breaks and blank lines before a token, read
//! the way the reference lexer reads them (google/jsonnet `core/lexer.cpp`,
//! `jsonnet_lex`, and `core/lexer.h`, `FodderElement`).
//!
//! The parser records every token's span ([`crate::ast::SourceTree::tokens`]),
//! and the text between two tokens is whitespace and comments only, so the
//! fodder of any token can be read from the file's text when a tool asks
//! for it ([`read`]). The evaluator never asks, and pays nothing for it.
//!
//! Fodder is a list of elements, each a line end, an interstitial comment
//! (`/* … */` within a line) or a paragraph (a comment on lines of its own).
//! A line end or a paragraph also says how many blank lines follow it and
//! how far the next line is indented. The formatter moves fodder between
//! tokens with [`push`] and [`concat`], which keep the reference's
//! invariant: a line end never follows a line end or a paragraph.

/// The three kinds of fodder element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FodderKind {
    /// A line break, optionally after a `//` or `#` comment that ends a line
    /// with code on it. Holds at most one comment line.
    LineEnd,
    /// A `/* … */` comment within a line. Holds exactly one comment line,
    /// and no blank lines or indentation.
    Interstitial,
    /// A comment on lines of its own: one line for `//` and `#`, one or more
    /// for `/* … */`. Ends with a line break.
    Paragraph,
}

/// One element of fodder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FodderElement {
    /// Which kind.
    pub kind: FodderKind,
    /// Blank lines after the element's line break.
    pub blanks: u32,
    /// Indentation of the line after the element (a tab counts 8).
    pub indent: u32,
    /// The comment's lines, delimiters included, line breaks and the
    /// paragraph's left margin excluded.
    pub comment: Vec<String>,
}

impl FodderElement {
    /// An element without a comment.
    pub fn line_end(blanks: u32, indent: u32) -> FodderElement {
        FodderElement {
            kind: FodderKind::LineEnd,
            blanks,
            indent,
            comment: Vec::new(),
        }
    }

    /// How many line breaks the element stands for (the reference's
    /// `countNewlines`).
    pub fn newlines(&self) -> usize {
        match self.kind {
            FodderKind::Interstitial => 0,
            FodderKind::LineEnd => 1,
            FodderKind::Paragraph => self.comment.len() + self.blanks as usize,
        }
    }
}

/// The fodder before one token, in source order.
pub type Fodder = Vec<FodderElement>;

fn is_horizontal_ws(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r')
}

/// Skips whitespace from `pos`: returns the line breaks passed and the
/// indentation after the last one (the reference's `lex_ws`).
fn skip_ws(bytes: &[u8], pos: &mut usize, end: usize) -> (u32, u32) {
    let (mut new_lines, mut indent) = (0, 0);
    while *pos < end {
        match bytes[*pos] {
            b'\n' => {
                new_lines += 1;
                indent = 0;
            }
            b' ' => indent += 1,
            b'\t' => indent += 8,
            b'\r' => {}
            _ => break,
        }
        *pos += 1;
    }
    (new_lines, indent)
}

/// Strips horizontal whitespace from both ends of `line`, but at most
/// `margin` characters on the left (the reference's `strip_ws`).
fn strip_margin(line: &str, margin: usize) -> String {
    let bytes = line.as_bytes();
    let mut start = 0;
    while start < bytes.len() && start < margin && is_horizontal_ws(bytes[start]) {
        start += 1;
    }
    let mut end = bytes.len();
    while end > start && is_horizontal_ws(bytes[end - 1]) {
        end -= 1;
    }
    line[start..end].to_string()
}

/// Reads the fodder in `src[start..end]`, which must hold only whitespace
/// and comments. `fresh_line` says whether the text starts a line (only at
/// the start of the file); `at_eof` whether it runs to the end of the file,
/// whose final whitespace the reference drops.
pub fn read(src: &str, start: usize, end: usize, fresh_line: bool, at_eof: bool) -> Fodder {
    let bytes = src.as_bytes();
    let mut fodder = Fodder::new();
    let mut fresh_line = fresh_line;
    let mut pos = start;
    loop {
        let (new_lines, indent) = skip_ws(bytes, &mut pos, end);
        if pos >= end {
            if !at_eof && new_lines > 0 {
                fodder.push(FodderElement::line_end(new_lines - 1, indent));
            }
            return fodder;
        }
        if new_lines > 0 {
            fodder.push(FodderElement::line_end(new_lines - 1, indent));
            fresh_line = true;
        }
        if bytes[pos] == b'#' || bytes[pos..].starts_with(b"//") {
            let line_end = memchr::memchr(b'\n', &bytes[pos..end]).map_or(end, |at| pos + at);
            let mut text_end = line_end;
            while text_end > pos + 1 && is_horizontal_ws(bytes[text_end - 1]) {
                text_end -= 1;
            }
            let comment = src[pos..text_end].to_string();
            pos = line_end;
            let (new_lines, indent) = skip_ws(bytes, &mut pos, end);
            let kind = if fresh_line {
                FodderKind::Paragraph
            } else {
                FodderKind::LineEnd
            };
            fodder.push(FodderElement {
                kind,
                blanks: new_lines.saturating_sub(1),
                indent,
                comment: vec![comment],
            });
            fresh_line = true;
            continue;
        }
        // A `/* … */` comment: the parser has checked that it is closed.
        let margin = pos - src[..pos].rfind('\n').map_or(0, |at| at + 1);
        let close =
            memchr::memmem::find(&bytes[pos + 2..end], b"*/").map_or(end, |at| pos + 2 + at + 2);
        let comment = &src[pos..close];
        pos = close;
        let (new_lines, indent) = skip_ws(bytes, &mut pos, end);
        if !comment.contains('\n') {
            fodder.push(FodderElement {
                kind: FodderKind::Interstitial,
                blanks: 0,
                indent: 0,
                comment: vec![comment.to_string()],
            });
            if new_lines > 0 {
                fodder.push(FodderElement::line_end(new_lines - 1, indent));
                fresh_line = true;
            }
        } else {
            let lines = comment
                .split('\n')
                .map(|line| strip_margin(line, margin))
                .collect();
            let (new_lines, indent) = if new_lines == 0 {
                (1, 0)
            } else {
                (new_lines, indent)
            };
            push(
                &mut fodder,
                FodderElement {
                    kind: FodderKind::Paragraph,
                    blanks: new_lines - 1,
                    indent,
                    comment: lines,
                },
            );
            fresh_line = true;
        }
    }
}

/// Whether the fodder ends with a line break.
pub fn has_clean_endline(fodder: &Fodder) -> bool {
    fodder
        .last()
        .is_some_and(|last| last.kind != FodderKind::Interstitial)
}

/// Appends `elem`, merging a line end into a preceding line break so that
/// the invariant holds (the reference's `fodder_push_back`).
pub fn push(fodder: &mut Fodder, elem: FodderElement) {
    if has_clean_endline(fodder) && elem.kind == FodderKind::LineEnd {
        if !elem.comment.is_empty() {
            fodder.push(FodderElement {
                kind: FodderKind::Paragraph,
                ..elem
            });
        } else if let Some(last) = fodder.last_mut() {
            last.indent = elem.indent;
            last.blanks += elem.blanks;
        }
    } else {
        if !has_clean_endline(fodder) && elem.kind == FodderKind::Paragraph {
            fodder.push(FodderElement::line_end(0, elem.indent));
        }
        fodder.push(elem);
    }
}

/// `a` then `b`, keeping the invariant (the reference's `concat_fodder`).
pub fn concat(a: Fodder, b: Fodder) -> Fodder {
    if a.is_empty() {
        return b;
    }
    let mut res = a;
    let mut rest = b.into_iter();
    if let Some(first) = rest.next() {
        push(&mut res, first);
    }
    res.extend(rest);
    res
}

/// Moves all of `from` to the front of `to` (the reference's
/// `fodder_move_front`).
pub fn move_front(to: &mut Fodder, from: &mut Fodder) {
    let front = std::mem::take(from);
    let back = std::mem::take(to);
    *to = concat(front, back);
}

/// Ends the fodder with a line break if it does not end with one.
pub fn ensure_clean_newline(fodder: &mut Fodder) {
    if !has_clean_endline(fodder) {
        push(fodder, FodderElement::line_end(0, 0));
    }
}

/// How many line breaks the fodder stands for.
pub fn count_newlines(fodder: &Fodder) -> usize {
    fodder.iter().map(FodderElement::newlines).sum()
}

/// Whether any element of the fodder breaks the line.
pub fn has_newline(fodder: &Fodder) -> bool {
    fodder
        .iter()
        .any(|elem| elem.kind != FodderKind::Interstitial)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(src: &str, fresh_line: bool, at_eof: bool) -> String {
        format!("{:?}", read(src, 0, src.len(), fresh_line, at_eof)).replace("FodderElement ", "")
    }

    #[test]
    fn line_comment_after_code_is_a_line_end() {
        insta::assert_snapshot!(check(" // c  \n\n  ", false, false), @r#"[{ kind: LineEnd, blanks: 1, indent: 2, comment: ["// c"] }]"#);
    }

    #[test]
    fn comment_on_its_own_line_is_a_paragraph() {
        insta::assert_snapshot!(check("\n# c\n", false, false), @r##"[{ kind: LineEnd, blanks: 0, indent: 0, comment: [] }, { kind: Paragraph, blanks: 0, indent: 0, comment: ["# c"] }]"##);
    }

    #[test]
    fn block_comments_within_and_across_lines() {
        // The paragraph's lines lose up to its column of indentation.
        insta::assert_snapshot!(check(" /* a */\n  /* b\n     c */\n", false, false), @r#"[{ kind: Interstitial, blanks: 0, indent: 0, comment: ["/* a */"] }, { kind: LineEnd, blanks: 0, indent: 2, comment: [] }, { kind: Paragraph, blanks: 0, indent: 0, comment: ["/* b", "   c */"] }]"#);
    }

    #[test]
    fn final_whitespace_is_dropped_at_end_of_file() {
        insta::assert_snapshot!(check("\n\n", false, true), @"[]");
        insta::assert_snapshot!(check("\n\n", false, false), @"[{ kind: LineEnd, blanks: 1, indent: 0, comment: [] }]");
    }

    #[test]
    fn push_merges_line_ends() {
        let mut fodder = vec![FodderElement::line_end(1, 2)];
        push(&mut fodder, FodderElement::line_end(1, 4));
        assert_eq!(fodder, vec![FodderElement::line_end(2, 4)]);
    }
}
