//! `std.parseYaml`: YAML through `yaml-rust2`'s event parser, typed the way
//! the reference (C++ jsonnet 0.22, which converts rapidyaml's tree to JSON
//! text and parses that) types it.
//!
//! The rules, checked against the reference:
//!
//! - Only plain (unquoted) scalars can be anything but strings. A plain
//!   scalar is `true`, `false` or `null` when it is exactly that word
//!   (`True`, `yes`, `~` and `Null` are strings), `null` when empty, and a
//!   number when it is a JSON number that does not start with `0` unless it
//!   has a `.` (`012` and `0e5` are strings, `0.5` is a number). Anything
//!   else — `0x1F`, `.inf`, `1_000`, `+1` — is a string. (For `+1`, `.5` or
//!   `1.` the reference passes the scalar on as a JSON number and then
//!   fails to parse its own output; kcfg keeps them strings.)
//! - Quoted and block scalars are strings; tags are ignored (`!!str 1` is
//!   the number 1, as in the reference).
//! - Keys are the text of their scalar; a sequence or mapping as a key is
//!   an error. Merge keys (`<<`) are ordinary keys. A repeated key keeps
//!   its last value.
//! - A stream is an array of its documents when it has more than one or
//!   any starts with an explicit `---`; otherwise it is its one document,
//!   or `null` when empty.
//! - Aliases are resolved to the anchored value. The reference does not
//!   resolve them (it yields the string `"*name"`), which loses data; kcfg
//!   follows YAML here and shares the anchored value instead of copying it.
//!
//! Errors keep the reference's shape, `YAML error: LINE:COL: ERROR: …`, and
//! its wording and column for the common cases (a second `:` on a line, an
//! unterminated flow collection or quoted scalar).

use kcfg_lang::eval::{Array, Ctx, Lazy, Value};
use kcfg_lang::sym::Sym;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// Deepest nesting converted; deeper input is reported, not overflowed.
const MAX_DEPTH: usize = 10_000;

/// A node of the document tree, referring to other nodes by index.
enum Node {
    Scalar { text: String, plain: bool },
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>, Marker),
}

/// An open collection: its node and, for a mapping, a key waiting for its
/// value.
struct Open {
    node: usize,
    key: Option<usize>,
}

/// Builds the node tree from parser events.
#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    /// Anchor id → node.
    anchors: Vec<Option<usize>>,
    open: Vec<Open>,
    /// Each document's root and whether it began with `---`.
    docs: Vec<(Option<usize>, bool)>,
    error: Option<String>,
}

impl Builder {
    fn add(&mut self, node: Node, anchor: usize) -> usize {
        let index = self.nodes.len();
        self.nodes.push(node);
        self.anchor(anchor, index);
        index
    }

    fn anchor(&mut self, anchor: usize, index: usize) {
        if anchor > 0 {
            if self.anchors.len() <= anchor {
                self.anchors.resize(anchor + 1, None);
            }
            self.anchors[anchor] = Some(index);
        }
    }

    fn attach(&mut self, index: usize) {
        let Some(open) = self.open.last_mut() else {
            if let Some(doc) = self.docs.last_mut() {
                doc.0 = Some(index);
            }
            return;
        };
        match &mut self.nodes[open.node] {
            Node::Seq(items) => items.push(index),
            Node::Map(entries, _) => match open.key.take() {
                None => open.key = Some(index),
                Some(key) => entries.push((key, index)),
            },
            Node::Scalar { .. } => {}
        }
    }
}

/// Receives events, remembering whether each document starts with `---`.
struct Receiver<'s> {
    builder: Builder,
    source: &'s str,
    /// Char index → byte offset, for non-ASCII sources.
    ascii: bool,
}

impl Receiver<'_> {
    fn starts_with_at(&self, mark: &Marker, prefix: &str) -> bool {
        let offset = if self.ascii {
            Some(mark.index())
        } else {
            self.source.char_indices().nth(mark.index()).map(|(i, _)| i)
        };
        offset.is_some_and(|at| self.source[at..].starts_with(prefix))
    }
}

impl MarkedEventReceiver for Receiver<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if let Event::DocumentStart = event {
            let explicit = self.starts_with_at(&mark, "---");
            self.builder.docs.push((None, explicit));
            return;
        }
        let builder = &mut self.builder;
        match event {
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = style == TScalarStyle::Plain;
                let index = builder.add(Node::Scalar { text, plain }, anchor);
                builder.attach(index);
            }
            Event::Alias(anchor) => match builder.anchors.get(anchor).copied().flatten() {
                Some(index) => builder.attach(index),
                None => {
                    builder.error.get_or_insert_with(|| {
                        format!(
                            "YAML error: {}:{}: ERROR: unknown anchor",
                            mark.line(),
                            mark.col() + 1
                        )
                    });
                }
            },
            Event::SequenceStart(anchor, _tag) => {
                let index = builder.add(Node::Seq(Vec::new()), anchor);
                builder.attach(index);
                builder.open.push(Open {
                    node: index,
                    key: None,
                });
            }
            Event::MappingStart(anchor, _tag) => {
                let index = builder.add(Node::Map(Vec::new(), mark), anchor);
                builder.attach(index);
                builder.open.push(Open {
                    node: index,
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                builder.open.pop();
            }
        }
    }
}

/// Whether a plain scalar is a number by the reference's rules: JSON
/// number syntax, and no leading `0` on an integer part of more than one
/// character unless there is a `.`.
fn is_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() > 1 && bytes[0] == b'0' && !text.contains('.') {
        return false;
    }
    let mut i = 0;
    if bytes.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// The value of a plain scalar.
fn plain_value<'a>(ctx: &Ctx<'a>, text: &str) -> Value<'a> {
    match text {
        "" | "null" => Value::Null,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ if is_number(text) => {
            // An integer is read as a 64-bit integer first, so `-0` is 0.
            let is_integer = !text.contains(['.', 'e', 'E']);
            match text.parse::<f64>() {
                Ok(n) if n.is_finite() => Value::Num(if is_integer && n == 0.0 { 0.0 } else { n }),
                _ => ctx.str(text),
            }
        }
        _ => ctx.str(text),
    }
}

/// Converts the node tree to values, sharing the value of a node reached
/// through several aliases.
struct Converter<'a, 'c> {
    ctx: &'c Ctx<'a>,
    nodes: &'c [Node],
    values: Vec<Option<Value<'a>>>,
}

impl<'a> Converter<'a, '_> {
    fn value(&mut self, index: usize, depth: usize) -> Result<Value<'a>, String> {
        if let Some(value) = self.values[index] {
            return Ok(value);
        }
        if depth > MAX_DEPTH {
            return Err("YAML error: nesting too deep".to_string());
        }
        let value = match &self.nodes[index] {
            Node::Scalar { text, plain: true } => plain_value(self.ctx, text),
            Node::Scalar { text, plain: false } => self.ctx.str(text),
            Node::Seq(items) => {
                let mut elems = Vec::with_capacity(items.len());
                for item in items {
                    elems.push(Lazy::Val(self.value(*item, depth + 1)?));
                }
                let elems = self.ctx.bump.alloc_slice_copy(&elems);
                Value::Arr(Array::new(self.ctx.bump, elems))
            }
            Node::Map(entries, mark) => {
                let mut fields = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let Node::Scalar { text, .. } = &self.nodes[*key] else {
                        return Err(format!(
                            "YAML error: {}:{}: ryml trees cannot handle containers as keys",
                            mark.line(),
                            mark.col() + 1
                        ));
                    };
                    let name = Sym::intern(text);
                    fields.push((name, Lazy::Val(self.value(*value, depth + 1)?)));
                }
                self.ctx.object(fields)
            }
        };
        self.values[index] = Some(value);
        Ok(value)
    }
}

/// A YAML error: the first line in the reference's words, and the YAML
/// parser's own explanation when it says more.
pub struct YamlError {
    /// `YAML error: LINE:COL: ERROR: …`.
    pub message: String,
    /// What `yaml-rust2` said, if the message does not.
    pub detail: Option<String>,
}

/// The line and column (both from 1) just past the end of `text`, ignoring
/// final line breaks, where the reference reports unterminated collections.
fn end_position(text: &str) -> (usize, usize) {
    let text = text.trim_end_matches(['\n', '\r']);
    let line = text.matches('\n').count() + 1;
    let last = text.rsplit('\n').next().unwrap_or("");
    (line, last.chars().count() + 1)
}

/// The reference's wording and position for a scanner error.
fn scan_error(err: &ScanError, source: &str) -> YamlError {
    let mark = err.marker();
    // The marker's column counts from 0.
    let (line, col) = (mark.line(), mark.col() + 1);
    let info = err.info();
    let line_text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let colon_before = line_text.chars().take(col - 1).any(|c| c == ':');
    let (message, line, col) = if info.contains("mapping values are not allowed") && colon_before {
        ("two colons on same line", line, col + 1)
    } else if info.contains("expected ',' or ']'") {
        let (line, col) = end_position(source);
        ("missing terminating ]", line, col)
    } else if info.contains("expected ',' or '}'") {
        let (line, col) = end_position(source);
        ("missing terminating }", line, col)
    } else if info.contains("quoted scalar, found unexpected end of stream") {
        let quote = source.chars().nth(mark.index());
        let message = if quote == Some('"') {
            "reached end of file looking for closing quote"
        } else {
            "reached end of file while looking for closing quote"
        };
        (message, source.lines().count() + 1, 1)
    } else {
        ("parse error", line, col)
    };
    let detail = (message == "parse error").then(|| format!("{info} at line {line} column {col}"));
    YamlError {
        message: format!("YAML error: {line}:{col}: ERROR: {message}"),
        detail,
    }
}

/// Parses YAML text into a value, or returns an error message.
pub fn parse<'a>(ctx: &Ctx<'a>, text: &str) -> std::result::Result<Value<'a>, YamlError> {
    let mut receiver = Receiver {
        builder: Builder::default(),
        source: text,
        ascii: text.is_ascii(),
    };
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut receiver, true)
        .map_err(|err| scan_error(&err, text))?;
    let builder = receiver.builder;
    let plain = |message: String| YamlError {
        message,
        detail: None,
    };
    if let Some(error) = builder.error {
        return Err(plain(error));
    }
    let mut converter = Converter {
        ctx,
        nodes: &builder.nodes,
        values: vec![None; builder.nodes.len()],
    };
    let mut docs = Vec::with_capacity(builder.docs.len());
    for (root, _) in &builder.docs {
        docs.push(match root {
            Some(root) => converter.value(*root, 0).map_err(plain)?,
            None => Value::Null,
        });
    }
    let stream = builder.docs.len() > 1 || builder.docs.iter().any(|(_, explicit)| *explicit);
    Ok(match (stream, docs.first()) {
        (true, _) => ctx.array(docs),
        (false, Some(doc)) => *doc,
        (false, None) => Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use super::is_number;

    #[test]
    fn numbers_by_the_reference_rules() {
        for yes in ["0", "1", "-1", "0.5", "1e3", "1E+3", "-0", "12.50"] {
            assert!(is_number(yes), "{yes}");
        }
        for no in [
            "012", "0e5", "+1", ".5", "1.", "0x1F", "1_000", "", "-", "1e", "00.5",
        ] {
            assert!(!is_number(no), "{no}");
        }
    }
}
