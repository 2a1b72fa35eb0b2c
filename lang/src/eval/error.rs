//! Runtime errors and the evaluator's call stack.
//!
//! The evaluator keeps a shadow stack of the frames the reference counts:
//! one per function call, thunk evaluation and object field evaluation.
//! Its depth is what `-s/--max-stack` limits, and when an error is raised
//! it becomes the stack trace, in the reference's shape: the first line is
//! the error's location with the name of the innermost frame, and each
//! frame below contributes the location it was entered from.
//!
//! The reference's standard library is Jsonnet code, so its traces show
//! lines inside `std.jsonnet`; kcfg's builtins are Rust. A frame entered
//! from inside a builtin (a function it calls back, a value it computes
//! lazily) has a [`Site::Builtin`], which stands for those lines with one:
//! the builtin's call, named `function <std.NAME>` (issue 16).

use super::builtin::Builtin;
use crate::diag::{Diagnostic, TraceFrame};
use crate::ir::ThunkName;
use crate::span::Span;
use crate::sym::Sym;

/// A runtime error: a diagnostic with its stack trace.
#[derive(Debug)]
pub struct Error(pub(crate) Box<Diagnostic>);

impl Error {
    /// The diagnostic.
    pub fn diagnostic(&self) -> &Diagnostic {
        &self.0
    }

    /// Takes the diagnostic.
    pub fn into_diagnostic(self) -> Diagnostic {
        *self.0
    }
}

impl From<Diagnostic> for Error {
    fn from(diag: Diagnostic) -> Error {
        Error(Box::new(diag))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

/// The result of evaluation steps.
pub type Result<T> = std::result::Result<T, Error>;

/// Where a frame was entered from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// From code at this span.
    At(Span),
    /// From inside the builtin with this index in the program's table
    /// (`Program::std().builtins`), called at this span.
    Builtin {
        /// The builtin's index.
        builtin: u16,
        /// Where it was called.
        span: Span,
    },
    /// From the manifester (`During manifestation`).
    Manifest,
    /// From the call of a top-level function (`Top-level function`).
    TopLevel,
    /// From outside any code the trace shows.
    None,
}

static_assertions::assert_eq_size!(Site, [u8; 16]);

impl Site {
    /// The span of code the site is at, if it is at one.
    pub fn span(self) -> Option<Span> {
        match self {
            Site::At(span) | Site::Builtin { span, .. } => Some(span),
            Site::Manifest | Site::TopLevel | Site::None => None,
        }
    }
}

/// What a frame is evaluating, for its name in traces: a kind and a name.
///
/// A struct of two scalars rather than an enum holding an enum, so that it
/// is passed and stored in registers: built in memory and read back whole
/// at once, as the nested enum was on every call, it stalled the store
/// buffer.
///
/// For [`FrameKind::Callback`], the builtin's index shares the first
/// scalar with the kind (`kind | builtin << 8`), so that the struct stays
/// two scalars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameName {
    code: u32,
    name: Option<Sym>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum FrameKind {
    Function,
    Object,
    Thunk,
    ArrayElement,
    ObjectAssert,
    Argument,
    /// A function a builtin calls: named after the parameter the
    /// reference's `std.jsonnet` calls it through.
    Callback,
}

impl FrameName {
    /// `function <name>`
    #[inline]
    pub(crate) fn function(name: Option<Sym>) -> FrameName {
        FrameName {
            code: FrameKind::Function as u32,
            name,
        }
    }

    /// `object <name>`
    #[inline]
    pub(crate) fn object(name: Option<Sym>) -> FrameName {
        FrameName {
            code: FrameKind::Object as u32,
            name,
        }
    }

    /// `thunk <name>` and the other thunks.
    #[inline]
    pub(crate) fn thunk(name: ThunkName) -> FrameName {
        let (kind, name) = match name {
            ThunkName::Var(name) => (FrameKind::Thunk, Some(name)),
            ThunkName::ArrayElement => (FrameKind::ArrayElement, None),
            ThunkName::ObjectAssert => (FrameKind::ObjectAssert, None),
            ThunkName::Argument => (FrameKind::Argument, None),
        };
        FrameName {
            code: kind as u32,
            name,
        }
    }

    /// `function <func>`: a function the builtin with this index calls.
    #[inline]
    pub(crate) fn callback(builtin: u16) -> FrameName {
        FrameName {
            code: FrameKind::Callback as u32 | u32::from(builtin) << 8,
            name: None,
        }
    }

    fn kind(self) -> FrameKind {
        const KINDS: [FrameKind; 7] = [
            FrameKind::Function,
            FrameKind::Object,
            FrameKind::Thunk,
            FrameKind::ArrayElement,
            FrameKind::ObjectAssert,
            FrameKind::Argument,
            FrameKind::Callback,
        ];
        KINDS
            .into_iter()
            .find(|kind| *kind as u32 == self.code & 0xff)
            .unwrap_or(FrameKind::Argument)
    }

    fn builtin(self) -> u16 {
        (self.code >> 8) as u16
    }

    fn render(self, builtins: &dyn Fn(u16) -> Option<&'static Builtin>) -> String {
        let name = self.name.map_or("anonymous", |n| n.as_str());
        match self.kind() {
            // The reference's `std.jsonnet` calls the key functions of the
            // sorting and set functions `keyF` and the others `func`.
            FrameKind::Callback => {
                let params = builtins(self.builtin()).map_or(&[][..], |b| b.params);
                let param = ["keyF", "func"]
                    .into_iter()
                    .find(|name| params.contains(name))
                    .unwrap_or("anonymous");
                format!("function <{param}>")
            }
            FrameKind::Function => format!("function <{name}>"),
            FrameKind::Object => format!("object <{name}>"),
            FrameKind::Thunk => format!("thunk <{name}>"),
            FrameKind::ArrayElement => "thunk <array_element>".into(),
            FrameKind::ObjectAssert => "thunk <object_assert>".into(),
            FrameKind::Argument => String::new(),
        }
    }
}

/// One frame of the shadow stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StackEntry {
    pub site: Site,
    pub name: FrameName,
}

/// The hint for `max stack frames exceeded.` when a function filled the
/// stack by calling itself: the same call (function and call site) makes
/// up at least a quarter of the stack (the frames between two calls are
/// the thunks and objects the recursion goes through). It says what the hint for a field that
/// needs itself says, and names the function (issue 16).
pub(crate) fn recursion_note(
    stack: &[StackEntry],
    builtins: &dyn Fn(u16) -> Option<&'static Builtin>,
) -> Option<String> {
    let innermost = stack
        .iter()
        .rev()
        .find(|entry| matches!(entry.name.kind(), FrameKind::Function | FrameKind::Callback))?;
    let calls = stack.iter().filter(|entry| *entry == innermost).count();
    (calls >= 2 && calls * 4 >= stack.len()).then(|| {
        format!(
            "infinite recursion: a function calls itself without end ({calls} of the {} \
             frames on the stack are calls of {}; if the recursion is meant to go this deep, \
             raise --max-stack)",
            stack.len(),
            innermost.name.render(builtins),
        )
    })
}

/// Builds a trace from the stack (outermost first) and the error location;
/// `builtins` finds the builtins of [`Site::Builtin`] sites and callback
/// frames by their index.
pub(crate) fn build_trace(
    stack: &[StackEntry],
    at: Site,
    builtins: &dyn Fn(u16) -> Option<&'static Builtin>,
) -> Vec<TraceFrame> {
    let mut trace = Vec::with_capacity(stack.len() + 1);
    push_site(&mut trace, at, builtins);
    for entry in stack.iter().rev() {
        if let Some(TraceFrame::At { name, .. }) = trace.last_mut() {
            *name = entry.name.render(builtins);
        }
        push_site(&mut trace, entry.site, builtins);
    }
    trace
}

fn push_site(
    trace: &mut Vec<TraceFrame>,
    site: Site,
    builtins: &dyn Fn(u16) -> Option<&'static Builtin>,
) {
    match site {
        Site::At(span) => trace.push(TraceFrame::At {
            span,
            name: String::new(),
        }),
        // Two lines: one inside the builtin, standing for the reference's
        // lines in `std.jsonnet`, and its call, named by the frame around it.
        Site::Builtin { builtin, span } => {
            trace.push(TraceFrame::At {
                span,
                name: format!(
                    "function <std.{}>",
                    builtins(builtin).map_or("?", |b| b.name)
                ),
            });
            trace.push(TraceFrame::At {
                span,
                name: String::new(),
            });
        }
        Site::Manifest => {
            if !matches!(trace.last(), Some(TraceFrame::Note(text)) if text == "During manifestation")
            {
                trace.push(TraceFrame::Note("During manifestation".into()));
            }
        }
        Site::TopLevel => trace.push(TraceFrame::Note("Top-level function".into())),
        Site::None => {}
    }
}
