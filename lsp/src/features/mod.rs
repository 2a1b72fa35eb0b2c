//! One module per feature. Each is a plain function of the world (or a
//! file of it) and the request's parameters, testable without the
//! transport; [`crate::server`] only calls them.

pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod external;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod references;
pub mod selection;
pub mod symbols;
