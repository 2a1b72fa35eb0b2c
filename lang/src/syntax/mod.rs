//! Parsing: source text to [`crate::ast::SourceTree`].
