//! Stopping an evaluation from another thread.
//!
//! An embedding program that must bound an evaluation (the Argo CD plugin
//! mode of the CLI gives each render a time budget) shares an
//! [`Interrupt`] with the evaluation through [`super::EvalConfig`] and
//! raises it from a watchdog thread. (Memory has its own limit,
//! [`super::MemoryLimit`], checked at the same points.) The evaluator looks
//! at the flag each
//! time it enters a frame (`Ctx::guard` and [`super::Ctx::descend`]):
//! every call, thunk, field and level of manifesting, and on each turn of a
//! `tailstrict` loop. Once it is raised the evaluation fails at the next such
//! point with the interrupt's message and a stack trace of where it was,
//! which tells the author which function was running when the budget ran
//! out.
//!
//! The check is cooperative. Loops that enter no frame look at the flag
//! themselves (`Ctx::check_limits` on every iteration of one that grows a
//! result, `Ctx::poll_limits` every 1024 iterations of one that only
//! reads): builtins, comprehensions and manifesters walking an array view
//! of 10^15 elements stop within microseconds too (issue 13; the fuzzer's
//! `corpus/interrupt/` holds one program per such loop). An embedder that
//! needs a hard bound keeps one of its own behind this one (the CLI exits
//! the process if the evaluation has not stopped shortly after the
//! interrupt).
//!
//! The flag is read with a relaxed load, the cost of one predictable branch
//! per frame; the message is written before the flag is set, with release
//! ordering, and read after it is seen.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// A request to stop an evaluation, raised from any thread.
#[derive(Debug, Default)]
pub struct Interrupt {
    raised: AtomicBool,
    message: OnceLock<Cow<'static, str>>,
}

impl Interrupt {
    /// An interrupt that is not raised.
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Asks the evaluation to stop, with `message` as the error's message.
    /// Only the first raise counts; later ones keep the first message.
    /// Raising with a `&'static str` allocates nothing, so a global
    /// allocator may raise it when the heap outgrows a budget.
    pub fn raise(&self, message: impl Into<Cow<'static, str>>) {
        let _ = self.message.set(message.into());
        self.raised.store(true, Ordering::Release);
    }

    /// Whether the interrupt has been raised.
    #[inline]
    pub fn is_raised(&self) -> bool {
        self.raised.load(Ordering::Relaxed)
    }

    /// The message of the first raise, once raised.
    pub fn message(&self) -> Option<&str> {
        if !self.raised.load(Ordering::Acquire) {
            return None;
        }
        self.message.get().map(|message| message.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::eval::{Arena, Ctx, EvalConfig};
    use crate::program::{Program, Std};
    use crate::span::SourceName;

    #[test]
    fn the_first_message_wins() {
        let interrupt = Interrupt::new();
        assert_eq!(interrupt.message(), None);
        interrupt.raise("time is up");
        interrupt.raise("memory is full");
        assert!(interrupt.is_raised());
        assert_eq!(interrupt.message(), Some("time is up"));
    }

    #[test]
    fn a_raised_interrupt_stops_a_runaway_evaluation_with_a_trace() {
        let program = Program::new(Arc::new(crate::program::NoImports), Std::default());
        let interrupt = Arc::new(Interrupt::new());
        let config = EvalConfig {
            interrupt: Some(interrupt.clone()),
            max_stack: 1_000_000,
            ..EvalConfig::default()
        };
        // An endless tail-recursive loop: it never runs out of stack.
        let code = program
            .snippet(
                SourceName::Virtual("loop.jsonnet".into()),
                "local loop(n) = loop(n + 1) tailstrict; loop(0)",
            )
            .unwrap();
        let raiser = {
            let interrupt = interrupt.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                interrupt.raise("the time budget of 50ms is exhausted");
            })
        };
        let arena = Arena::new();
        let mut ctx = Ctx::new(&arena, &program, &config);
        let err = ctx.eval_code(code).err().expect("the loop cannot succeed");
        raiser.join().unwrap();
        let diagnostic = err.into_diagnostic();
        assert_eq!(diagnostic.code, "kcfg::eval::interrupted");
        assert_eq!(diagnostic.message, "the time budget of 50ms is exhausted");
        assert!(!diagnostic.trace.is_empty());
    }
}
