//! kcfg-fuzz: fuzzing the kcfg language, from the parser to the
//! manifesters.
//!
//! The harness runs on stable Rust with nothing to install, so CI can run
//! it on every change (`.ci/run`, about a minute); `README.md` beside this
//! crate documents long runs, minimizing a finding and adding it to the
//! corpus, and the optional coverage-guided target for AFL++.
//!
//! The pieces, in the order an input meets them:
//!
//! - [`rng`]: a seeded generator; input `i` of seed `s` is a pure function
//!   of `(s, i)`, so every finding is reproducible from two numbers.
//! - [`generate`]: structured random Jsonnet (objects with `self`/`super`
//!   and `+:`, comprehensions, every `std` builtin with edge-case
//!   arguments, and deep or huge templates).
//! - [`corpus`] and [`input`]: the seed corpus (the conformance suite and
//!   `corpus/`), its mutations, and how each input is manifested.
//! - [`exec`]: one in-process execution with a time limit and a memory
//!   limit that stop the evaluation through its `Interrupt`.
//! - [`worker`]: a child process executing inputs and reporting each on a
//!   pipe; [`supervisor`]: runs workers, and turns panics, deaths by
//!   signal and hangs into [`finding`] files; [`minimize`]: shrinks them.

pub mod corpus;
pub mod exec;
pub mod finding;
pub mod generate;
pub mod input;
pub mod minimize;
pub mod rng;
pub mod supervisor;
pub mod worker;
