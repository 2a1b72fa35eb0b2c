//! Positions as editors count them: a line and a character offset in it,
//! in UTF-16 code units (the Language Server Protocol's default) or UTF-8
//! bytes, converted to and from byte offsets.
//!
//! Spans everywhere else in kcfg are byte offsets, and the reference's
//! columns count bytes too ([`crate::span`]); only the language server
//! speaks in UTF-16, so it converts at its edge through a [`LineIndex`] of
//! each document (issue 17). Lines end at `\n`; a `\r` before it belongs to
//! the line's text, as the protocol says.

/// How a position's character offset counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 bytes.
    Utf8,
    /// UTF-16 code units (the protocol's default).
    Utf16,
}

/// A position: zero-based line, and character offset in `Encoding` units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinePos {
    /// The line, from 0.
    pub line: u32,
    /// The offset in the line, from 0.
    pub character: u32,
}

/// The start of every line of a text.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        LineIndex {
            line_starts,
            len: text.len() as u32,
        }
    }

    /// How many lines (one more than the line breaks).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte range of `line`, without its line break; `None` past the end.
    pub fn line_range(&self, line: u32) -> Option<std::ops::Range<usize>> {
        let start = *self.line_starts.get(line as usize)? as usize;
        let end = self
            .line_starts
            .get(line as usize + 1)
            .map_or(self.len as usize, |&next| next as usize - 1);
        Some(start..end)
    }

    /// The position of byte `offset` of `text` (the text indexed). An
    /// offset inside a character counts as that character's start; one
    /// past the end is the end.
    pub fn position(&self, text: &str, offset: u32, encoding: Encoding) -> LinePos {
        let offset = offset.min(self.len);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let prefix = &text[start..end];
        let character = match encoding {
            Encoding::Utf8 => prefix.len() as u32,
            Encoding::Utf16 => prefix.encode_utf16().count() as u32,
        };
        LinePos {
            line: line as u32,
            character,
        }
    }

    /// The byte offset of `pos` in `text`. A line past the end is the end
    /// of the text; a character past the end of its line is the line's end
    /// (clients may send either, the protocol says to clamp); an offset
    /// inside a character (half a surrogate pair) is that character's start.
    pub fn offset(&self, text: &str, pos: LinePos, encoding: Encoding) -> u32 {
        let Some(range) = self.line_range(pos.line) else {
            return self.len;
        };
        let line = &text[range.clone()];
        let mut units = 0u32;
        for (index, ch) in line.char_indices() {
            let width = match encoding {
                Encoding::Utf8 => ch.len_utf8() as u32,
                Encoding::Utf16 => ch.len_utf16() as u32,
            };
            if units + width > pos.character {
                return (range.start + index) as u32;
            }
            units += width;
        }
        range.end as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> LinePos {
        LinePos { line, character }
    }

    #[test]
    fn issue17_utf16_positions_round_trip() {
        // `é` is two bytes and one unit; `𝄞` four bytes and two units.
        let text = "a: 'é𝄞x',\r\n\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 3);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(index.position(text, x, Encoding::Utf16), pos(0, 7));
        assert_eq!(index.position(text, x, Encoding::Utf8), pos(0, 10));
        assert_eq!(index.offset(text, pos(0, 7), Encoding::Utf16), x);
        assert_eq!(index.offset(text, pos(0, 10), Encoding::Utf8), x);
        // Half a surrogate pair is the character's start.
        let clef = text.find('𝄞').unwrap() as u32;
        assert_eq!(index.offset(text, pos(0, 6), Encoding::Utf16), clef);
        // Past the end of a line clamps to it (before `\n`, after `\r`).
        assert_eq!(index.offset(text, pos(0, 99), Encoding::Utf16), 14);
        assert_eq!(index.offset(text, pos(1, 0), Encoding::Utf16), 15);
        assert_eq!(index.offset(text, pos(2, 4), Encoding::Utf16), 20);
        assert_eq!(index.offset(text, pos(9, 0), Encoding::Utf16), 20);
        assert_eq!(index.position(text, 20, Encoding::Utf16), pos(2, 4));
        // Inside a character: its start.
        assert_eq!(index.position(text, clef + 1, Encoding::Utf16), pos(0, 5));
    }

    #[test]
    fn issue17_every_offset_round_trips() {
        let text = "é\n𝄞 b\n\nxyz";
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            for encoding in [Encoding::Utf8, Encoding::Utf16] {
                let at = index.position(text, offset as u32, encoding);
                assert_eq!(index.offset(text, at, encoding), offset as u32);
            }
        }
    }
}
