//! Runtime errors and the evaluator's call stack.
//!
//! The evaluator keeps a shadow stack of the frames the reference counts:
//! one per function call, thunk evaluation and object field evaluation.
//! Its depth is what `-s/--max-stack` limits, and when an error is raised
//! it becomes the stack trace, in the reference's shape: the first line is
//! the error's location with the name of the innermost frame, and each
//! frame below contributes the location it was entered from.

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
#[derive(Clone, Copy, Debug)]
pub enum Site {
    /// From code at this span.
    At(Span),
    /// From the manifester (`During manifestation`).
    Manifest,
    /// From the call of a top-level function (`Top-level function`).
    TopLevel,
    /// From outside any code the trace shows.
    None,
}

/// What a frame is evaluating, for its name in traces: a kind and a name.
///
/// A struct of two scalars rather than an enum holding an enum, so that it
/// is passed and stored in registers: built in memory and read back whole
/// at once, as the nested enum was on every call, it stalled the store
/// buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FrameName {
    kind: FrameKind,
    name: Option<Sym>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    Function,
    Object,
    Thunk,
    ArrayElement,
    ObjectAssert,
    Argument,
}

impl FrameName {
    /// `function <name>`
    #[inline]
    pub(crate) fn function(name: Option<Sym>) -> FrameName {
        FrameName {
            kind: FrameKind::Function,
            name,
        }
    }

    /// `object <name>`
    #[inline]
    pub(crate) fn object(name: Option<Sym>) -> FrameName {
        FrameName {
            kind: FrameKind::Object,
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
        FrameName { kind, name }
    }

    fn render(self) -> String {
        let name = self.name.map_or("anonymous", |n| n.as_str());
        match self.kind {
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
#[derive(Clone, Copy, Debug)]
pub(crate) struct StackEntry {
    pub site: Site,
    pub name: FrameName,
}

/// Builds a trace from the stack (outermost first) and the error location.
pub(crate) fn build_trace(stack: &[StackEntry], at: Site) -> Vec<TraceFrame> {
    let mut trace = Vec::with_capacity(stack.len() + 1);
    push_site(&mut trace, at);
    for entry in stack.iter().rev() {
        if let Some(TraceFrame::At { name, .. }) = trace.last_mut() {
            *name = entry.name.render();
        }
        push_site(&mut trace, entry.site);
    }
    trace
}

fn push_site(trace: &mut Vec<TraceFrame>, site: Site) {
    match site {
        Site::At(span) => trace.push(TraceFrame::At {
            span,
            name: String::new(),
        }),
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
