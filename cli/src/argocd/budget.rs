//! The evaluation budget of plugin mode: time, memory, and SIGTERM.
//!
//! A config-management plugin renders repositories other people wrote, and
//! the repo server runs many of them side by side. A program that loops or
//! allocates without end must not take the sidecar down with it, and Argo CD
//! itself gives up on a command after its deadline (the repo server's
//! timeout, 60 s by default, then `ARGOCD_EXEC_TIMEOUT`, 90 s), sending
//! SIGTERM to the command's process group and SIGKILL after
//! `ARGOCD_EXEC_FATAL_TIMEOUT` (`cmpserver/plugin/plugin.go`, `runCommand`).
//!
//! # Design
//!
//! Everything happens in the `kcfg` process itself, in three layers:
//!
//! 1. **A cooperative stop with a trace.** The memory budget is the
//!    process's memory limit (`crate::memory`), which every command that
//!    evaluates uses: the global allocator counts the heap (the evaluator's
//!    native stack segments included), less a [`reserve`] for what it
//!    cannot count, so that the process's resident memory stays under the
//!    budget; the evaluator checks the count
//!    whenever it enters a frame, and checks allocations whose size comes
//!    from the program before making them. The time budget is an
//!    [`Interrupt`] that a watchdog thread raises when the time is spent;
//!    the evaluator checks it at the same points. Either way the render
//!    fails with an ordinary diagnostic — message, source span, stack trace
//!    — showing where the program was when its budget ran out.
//! 2. **A hard stop.** A builtin working through a huge value enters no
//!    frame until it is done. If the evaluation has not ended [`GRACE`]
//!    after the interrupt was raised or the memory limit crossed, the
//!    watchdog prints the message and exits the process. Memory has its own
//!    backstop in the allocator: the process exits when the heap would pass
//!    twice the budget plus 64 MiB (`crate::memory::hard_limit`).
//! 3. **SIGTERM** exits at once: the handler writes a fixed message with
//!    `write(2)` and calls `_exit(2)`, which are async-signal-safe.
//!
//! Standard output is written only after the whole render has succeeded,
//! and only after [`Watchdog::finish`] has told the watchdog to stand down
//! (a compare-and-swap that a hard stop also races for), so every way of
//! stopping leaves standard output empty and the exit status non-zero. (A
//! SIGTERM that arrives while the finished stream is being written still
//! exits at once, with status 143; Argo CD discards the output of a command
//! that failed.)
//!
//! Why not a child process with `setrlimit`: `RLIMIT_AS` and `RLIMIT_DATA`
//! count address space, and kcfg reserves a 1 GiB stack for its evaluation
//! threads (`kcfg_render::threads::EVAL_STACK`) that is mostly never touched; an allocation
//! failure then ends the process with a generic message instead of naming
//! the budget, and the stack trace of the cooperative stop is lost.
//! Counting the heap in the allocator measures what the program asks for,
//! the same way on every machine, which also makes the limit testable. The
//! evaluator uses at most a few MiB of a thread's own stack and continues
//! on stack segments from the heap, so deep recursion counts against the
//! budget too.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kcfg_lang::eval::{Interrupt, MemoryLimit};

use crate::memory::write_stderr_raw;

/// How long the evaluation may take by default: well under Argo CD's 60 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How much memory the evaluation may use by default.
pub const DEFAULT_MEMORY: usize = 1 << 30;

/// The part of a memory budget kept for what the allocator's count does
/// not see: the binary's pages, the first pages of the threads' stacks,
/// and the system allocator's headers and free lists (several percent
/// when a program builds millions of small values). A sidecar's memory
/// limit bounds the resident memory of the whole process, so the count
/// stops that much short of the budget: an eighth of it plus 24 MiB, at
/// most half. (Measured: the 800,000-deep program of
/// `issue13_budget_covers_the_stack` under a 512 MiB budget peaked at
/// 544 MiB resident without a reserve, 505 MiB with a sixteenth plus
/// 24 MiB; the parser's many small allocations cost the allocator more
/// than their size.)
pub fn reserve(budget: usize) -> usize {
    (budget / 8).saturating_add(24 << 20).min(budget / 2)
}

/// Where the plugin's memory limit comes from, for its `out of memory`
/// errors.
pub const MEMORY_HINT: &str =
    "The budget is set by the plugin's --memory-limit (KCFG_MEMORY_LIMIT).";

/// How long after the interrupt the watchdog waits for the evaluation to
/// stop on its own before it exits the process.
pub const GRACE: Duration = Duration::from_millis(200);

/// How often the watchdog looks.
const TICK: Duration = Duration::from_millis(5);

/// Exit status of every stop: a budget exhausted or a failed render.
pub const EXIT_FAILED: i32 = 1;

/// Exit status after SIGTERM (128 + 15, as a shell reports it).
pub const EXIT_TERMINATED: i32 = 143;

/// The limits of one plugin command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Wall-clock time of the whole command.
    pub time: Duration,
    /// Bytes in use (heap and the evaluator's stack segments).
    pub memory: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            time: DEFAULT_TIMEOUT,
            memory: DEFAULT_MEMORY,
        }
    }
}

// ----- SIGTERM -----------------------------------------------------------------

const SIGTERM_MESSAGE: &str = "error: kcfg was stopped by SIGTERM (Argo CD's deadline for the plugin command has passed, or the sidecar is shutting down); no manifests were produced\n";

extern "C" fn on_sigterm(_signal: libc::c_int) {
    write_stderr_raw(SIGTERM_MESSAGE.as_bytes());
    // SAFETY: `_exit` is async-signal-safe.
    unsafe { libc::_exit(EXIT_TERMINATED) }
}

/// Makes SIGTERM end the process at once with a message on standard error.
pub fn exit_on_sigterm() {
    // SAFETY: a zeroed `sigaction` is a valid value to fill in; the handler
    // only calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigterm as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut());
    }
}

// ----- the watchdog ------------------------------------------------------------

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const STOPPED: u8 = 2;

struct Shared {
    phase: AtomicU8,
    done: Mutex<bool>,
    wake: Condvar,
}

/// The thread that enforces a [`Budget`] on the evaluations sharing one
/// [`Interrupt`].
pub struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Starts watching. Time counts from now. Once the interrupt is raised
    /// for time, or `memory` is over its limit, the evaluation has [`GRACE`]
    /// to stop before the process is ended.
    pub fn start(budget: Budget, interrupt: Arc<Interrupt>, memory: Arc<MemoryLimit>) -> Watchdog {
        let shared = Arc::new(Shared {
            phase: AtomicU8::new(RUNNING),
            done: Mutex::new(false),
            wake: Condvar::new(),
        });
        let watched = shared.clone();
        let started = Instant::now();
        let thread = std::thread::Builder::new()
            .name("kcfg-watchdog".into())
            .spawn(move || watch(budget, started, &interrupt, &memory, &watched))
            .ok();
        Watchdog { shared, thread }
    }

    /// Tells the watchdog the render is over. Returns false when the
    /// watchdog has already decided to stop the process, which is then
    /// about to exit: the caller must not write anything.
    pub fn finish(mut self) -> bool {
        let won = self
            .shared
            .phase
            .compare_exchange(RUNNING, FINISHED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if won {
            *lock(&self.shared.done) = true;
            self.shared.wake.notify_all();
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
        won
    }
}

fn watch(
    budget: Budget,
    started: Instant,
    interrupt: &Interrupt,
    memory: &MemoryLimit,
    shared: &Shared,
) {
    let mut raised_at: Option<Instant> = None;
    let mut done = lock(&shared.done);
    loop {
        if *done {
            return;
        }
        let (guard, _) = shared
            .wake
            .wait_timeout(done, TICK)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        done = guard;
        if *done {
            return;
        }
        let now = Instant::now();
        if raised_at.is_none() {
            if now - started >= budget.time {
                interrupt.raise(format!(
                    "the evaluation exceeded its time budget of {}; stopped. The budget is set by the plugin's --timeout (KCFG_TIMEOUT).",
                    format_duration(budget.time)
                ));
            }
            if interrupt.is_raised() || memory.is_exceeded() {
                raised_at = Some(now);
            }
        } else if raised_at.is_some_and(|at| now - at >= GRACE) {
            // The evaluation did not reach a frame boundary in time.
            if shared
                .phase
                .compare_exchange(RUNNING, STOPPED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                let text = match interrupt.message() {
                    Some(message) => format!("error: {message}\n"),
                    None => format!(
                        "error: out of memory: the evaluation exceeded its memory limit of {} and did not stop within {}; stopped. {MEMORY_HINT}\n",
                        kcfg_lang::memory::format_size(memory.limit()),
                        format_duration(GRACE)
                    ),
                };
                write_stderr_raw(text.as_bytes());
                // SAFETY: ends the process without unwinding the evaluation
                // thread, which is still running; nothing was written to
                // standard output.
                unsafe { libc::_exit(EXIT_FAILED) }
            }
            return;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ----- durations -----------------------------------------------------

/// `30s`, `1.5s`, `250ms`.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else if millis < 1000 {
        format!("{millis}ms")
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_is_an_eighth_plus_24_mib_at_most_half() {
        const MIB: usize = 1 << 20;
        assert_eq!(reserve(512 * MIB), 88 * MIB);
        assert_eq!(reserve(1024 * MIB), 152 * MIB);
        assert_eq!(reserve(32 * MIB), 16 * MIB);
        assert_eq!(reserve(0), 0);
    }

    #[test]
    fn durations_print_for_people() {
        assert_eq!(format_duration(Duration::from_secs(30)), "30s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn the_watchdog_raises_the_interrupt_when_time_runs_out() {
        let interrupt = Arc::new(Interrupt::new());
        let budget = Budget {
            time: Duration::from_millis(20),
            memory: usize::MAX,
        };
        let memory = Arc::new(MemoryLimit::unlimited());
        let watchdog = Watchdog::start(budget, interrupt.clone(), memory);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !interrupt.is_raised() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(interrupt
            .message()
            .is_some_and(|message| message.contains("time budget of 20ms")));
        assert!(watchdog.finish(), "finishing within the grace period wins");
    }

    #[test]
    fn a_finished_render_stops_the_watchdog_before_it_raises() {
        let interrupt = Arc::new(Interrupt::new());
        let memory = Arc::new(MemoryLimit::new(DEFAULT_MEMORY));
        let watchdog = Watchdog::start(Budget::default(), interrupt.clone(), memory);
        assert!(watchdog.finish());
        assert!(!interrupt.is_raised());
    }
}
