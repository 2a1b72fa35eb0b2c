//! The shape of a YAML stream, checked before it is deserialized: how
//! deep its collections nest and how far its aliases expand it (issue 13).
//!
//! Both are read from libyaml's events, one at a time, and the pass stops
//! at the first document that breaks a limit, so it costs time linear in
//! the input (each token at most [`MAX_DEPTH`] steps inside libyaml; see
//! the [parent module](super) for why that matters). serde_norway then
//! parses and expands only documents whose size is bounded by the input's.

use std::collections::HashMap;
use std::fmt;

use super::MAX_DEPTH;

/// How many times its written size aliases may expand a document.
pub const MAX_EXPANSION_RATIO: u64 = 10;

/// The size (in YAML nodes: scalars, mappings, sequences) to which aliases
/// may expand any document, however small it is written.
pub const MIN_EXPANSION_LIMIT: u64 = 100_000;

/// A document refused for its shape, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// The document, 0-based.
    pub document: usize,
    /// The line of the event that shows it, 1-based.
    pub line: u64,
    /// Its column, 1-based.
    pub column: u64,
    /// What is wrong.
    pub kind: ShapeErrorKind,
}

/// What is wrong with a document's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeErrorKind {
    /// A collection nested deeper than [`MAX_DEPTH`] (at it).
    TooDeep,
    /// Aliases expand the document past its limit (at its first alias).
    Expands {
        /// Nodes once every alias is expanded.
        expanded: u64,
        /// Nodes as written (an alias counts one).
        written: u64,
    },
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "document {} at line {} column {}: ",
            self.document + 1,
            self.line,
            self.column
        )?;
        match self.kind {
            ShapeErrorKind::TooDeep => write!(
                f,
                "nested deeper than {MAX_DEPTH} levels (mappings and sequences), the most a manifest may have"
            ),
            ShapeErrorKind::Expands { expanded, written } => write!(
                f,
                "its aliases expand it to {expanded} nodes from the {written} it is written with; a manifest may grow {MAX_EXPANSION_RATIO} times (or to {MIN_EXPANSION_LIMIT}) through aliases"
            ),
        }
    }
}

/// The first document of `text` that nests deeper than [`MAX_DEPTH`] or
/// that aliases expand past its limit. `None` when there is none, and also
/// when the stream has a syntax error first: the deserializer then reports
/// the error itself, having parsed no further than this pass did.
pub fn check(text: &str) -> Option<ShapeError> {
    let mut events = events::Events::new(text);
    let mut document = Document::default();
    let mut index = 0usize;
    loop {
        let (event, mark) = events.next()?;
        let at = |kind| ShapeError {
            document: index,
            line: mark.line + 1,
            column: mark.column + 1,
            kind,
        };
        match event {
            events::Event::Open(anchor) => {
                document.count(1);
                document
                    .open
                    .push(anchor.map(|name| (name, document.expanded - 1)));
                if document.open.len() > MAX_DEPTH {
                    return Some(at(ShapeErrorKind::TooDeep));
                }
            }
            events::Event::Close => {
                if let Some(Some((name, start))) = document.open.pop() {
                    let size = document.expanded - start;
                    document.anchors.insert(name, size);
                }
            }
            events::Event::Scalar(anchor) => {
                document.count(1);
                if let Some(name) = anchor {
                    document.anchors.insert(name, 1);
                }
            }
            events::Event::Alias(name) => {
                // An unknown anchor is the deserializer's error to report.
                let size = document.anchors.get(&name).copied().unwrap_or(1);
                document.written += 1;
                document.expanded = document.expanded.saturating_add(size);
                document
                    .first_alias
                    .get_or_insert((mark.line + 1, mark.column + 1));
            }
            events::Event::DocumentEnd => {
                let limit = document
                    .written
                    .saturating_mul(MAX_EXPANSION_RATIO)
                    .max(MIN_EXPANSION_LIMIT);
                if document.expanded > limit {
                    let (line, column) = document.first_alias.unwrap_or((0, 0));
                    return Some(ShapeError {
                        document: index,
                        line,
                        column,
                        kind: ShapeErrorKind::Expands {
                            expanded: document.expanded,
                            written: document.written,
                        },
                    });
                }
                document = Document::default();
                index += 1;
            }
            events::Event::StreamEnd => return None,
            events::Event::Other => {}
        }
    }
}

/// What the check keeps of the document being read.
#[derive(Default)]
struct Document {
    /// Nodes as written (an alias counts one).
    written: u64,
    /// Nodes once aliases are expanded.
    expanded: u64,
    /// The open collections, with their anchor and where they started
    /// (in expanded nodes).
    open: Vec<Option<(Vec<u8>, u64)>>,
    /// Each anchor's expanded size (the last definition wins, as in YAML).
    anchors: HashMap<Vec<u8>, u64>,
    /// Where the first alias is, for the message.
    first_alias: Option<(u64, u64)>,
}

impl Document {
    fn count(&mut self, nodes: u64) {
        self.written += nodes;
        self.expanded = self.expanded.saturating_add(nodes);
    }
}

/// libyaml's event parser, through unsafe-libyaml-norway (the crate under
/// serde_norway), reduced to what the checks need. serde_norway keeps its
/// own wrapper private, and it parses whole documents at once.
mod events {
    use std::ffi::CStr;
    use std::marker::PhantomData;
    use std::mem::MaybeUninit;

    use unsafe_libyaml_norway as unsafe_libyaml;

    /// What the checks tell apart.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Event {
        /// A mapping or a sequence starts, with its anchor.
        Open(Option<Vec<u8>>),
        /// A mapping or a sequence ends.
        Close,
        /// A scalar, with its anchor.
        Scalar(Option<Vec<u8>>),
        /// An alias of this anchor.
        Alias(Vec<u8>),
        /// A document ends.
        DocumentEnd,
        /// The stream ends.
        StreamEnd,
        /// The stream's and a document's start.
        Other,
    }

    /// Where an event starts, 0-based.
    #[derive(Debug, Clone, Copy)]
    pub struct Mark {
        pub line: u64,
        pub column: u64,
    }

    /// A parser over a borrowed string.
    pub struct Events<'t> {
        // Boxed: libyaml keeps a pointer to the parser inside the parser
        // (its read handler's data), so it must not move.
        parser: Box<MaybeUninit<unsafe_libyaml::yaml_parser_t>>,
        // The parser reads `text` through a raw pointer until it is dropped.
        _text: PhantomData<&'t str>,
    }

    impl<'t> Events<'t> {
        pub fn new(text: &'t str) -> Events<'t> {
            let mut parser = Box::new(MaybeUninit::<unsafe_libyaml::yaml_parser_t>::uninit());
            let raw = parser.as_mut_ptr();
            // SAFETY: `raw` points to writable memory for a parser, which
            // `yaml_parser_initialize` fills in (it zeroes the struct and
            // allocates its buffers, aborting if allocation fails, so it
            // always succeeds). The input pointer stays valid for `'t`, as
            // long as the parser: `_text` ties the two lifetimes, and the
            // parser is deleted in `drop`.
            unsafe {
                let _ = unsafe_libyaml::yaml_parser_initialize(raw);
                unsafe_libyaml::yaml_parser_set_encoding(raw, unsafe_libyaml::YAML_UTF8_ENCODING);
                unsafe_libyaml::yaml_parser_set_input_string(raw, text.as_ptr(), text.len() as u64);
            }
            Events {
                parser,
                _text: PhantomData,
            }
        }

        /// The next event; `None` at a syntax error, and after the end.
        pub fn next(&mut self) -> Option<(Event, Mark)> {
            let raw = self.parser.as_mut_ptr();
            let mut event = MaybeUninit::<unsafe_libyaml::yaml_event_t>::uninit();
            // SAFETY: the parser was initialized in `new` and not deleted.
            // `yaml_parser_parse` initializes `event` when it succeeds, and
            // only then is the event read and deleted. The union field read
            // for each type is the one libyaml fills in for it; an anchor
            // is null or a NUL-terminated string owned by the event, copied
            // before the event is deleted. After an error or the stream's
            // end libyaml only produces empty events, which end the
            // iteration too.
            unsafe {
                if unsafe_libyaml::yaml_parser_parse(raw, event.as_mut_ptr()).fail {
                    return None;
                }
                let event = event.as_mut_ptr();
                let data = &(*event).data;
                let kind = match (*event).type_ {
                    unsafe_libyaml::YAML_NO_EVENT => None,
                    unsafe_libyaml::YAML_MAPPING_START_EVENT => {
                        Some(Event::Open(anchor(data.mapping_start.anchor)))
                    }
                    unsafe_libyaml::YAML_SEQUENCE_START_EVENT => {
                        Some(Event::Open(anchor(data.sequence_start.anchor)))
                    }
                    unsafe_libyaml::YAML_MAPPING_END_EVENT
                    | unsafe_libyaml::YAML_SEQUENCE_END_EVENT => Some(Event::Close),
                    unsafe_libyaml::YAML_SCALAR_EVENT => {
                        Some(Event::Scalar(anchor(data.scalar.anchor)))
                    }
                    unsafe_libyaml::YAML_ALIAS_EVENT => {
                        Some(Event::Alias(anchor(data.alias.anchor).unwrap_or_default()))
                    }
                    unsafe_libyaml::YAML_DOCUMENT_END_EVENT => Some(Event::DocumentEnd),
                    unsafe_libyaml::YAML_STREAM_END_EVENT => Some(Event::StreamEnd),
                    _ => Some(Event::Other),
                };
                let mark = Mark {
                    line: (*event).start_mark.line,
                    column: (*event).start_mark.column,
                };
                unsafe_libyaml::yaml_event_delete(event);
                kind.map(|kind| (kind, mark))
            }
        }
    }

    /// Copies an anchor's name out of an event.
    ///
    /// # Safety
    ///
    /// `name` is null or points to a NUL-terminated string that lives at
    /// least for this call.
    unsafe fn anchor(name: *const u8) -> Option<Vec<u8>> {
        if name.is_null() {
            return None;
        }
        // SAFETY: as the caller promises.
        Some(unsafe { CStr::from_ptr(name.cast()) }.to_bytes().to_vec())
    }

    impl Drop for Events<'_> {
        fn drop(&mut self) {
            // SAFETY: initialized in `new`, deleted once, here.
            unsafe { unsafe_libyaml::yaml_parser_delete(self.parser.as_mut_ptr()) }
        }
    }
}
