//! Threads for evaluations: a large reserved stack, and the worker pool.
//!
//! The evaluator grows its native stack on demand (`stacker`), so any
//! thread will do; a thread that reserves [`EVAL_STACK`] rarely needs to,
//! which makes deeply nested (but legal) programs faster. Only the pages
//! a thread touches use memory. The renderer's workers reserve it, and a
//! program can run the plan's evaluation on such a thread with
//! [`on_big_stack`].

use std::io;

/// Stack reserved for the threads that evaluate plans and targets.
pub const EVAL_STACK: usize = 1 << 30;

/// Runs `f` on a new thread with [`EVAL_STACK`] of stack and returns its
/// result. A panic in `f` resumes in the caller; the error is the system
/// refusing the thread.
pub fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
    let handle = std::thread::Builder::new()
        .name("kcfg-eval".into())
        .stack_size(EVAL_STACK)
        .spawn(f)?;
    match handle.join() {
        Ok(value) => Ok(value),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// A pool of `threads` workers with [`EVAL_STACK`] of stack each.
pub(crate) fn pool(threads: usize) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(EVAL_STACK)
        .thread_name(|index| format!("kcfg-render-{index}"))
        .build()
        .map_err(|err| format!("cannot start the worker threads: {err}"))
}
