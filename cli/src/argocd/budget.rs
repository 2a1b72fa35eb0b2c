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
//! 1. **A cooperative stop with a trace.** The evaluation shares an
//!    [`Interrupt`] with two watchers. The global allocator
//!    ([`CountingAlloc`]) counts the heap in use and raises the interrupt
//!    the moment an allocation takes it past the memory budget; a watchdog
//!    thread wakes every few milliseconds and raises it when the time
//!    budget is spent. The evaluator checks the interrupt whenever it
//!    enters a frame, so the render fails with an ordinary diagnostic —
//!    message, source span, stack trace — showing where the program was
//!    when its budget ran out.
//! 2. **A hard stop.** A builtin working through a huge value enters no
//!    frame until it is done. If the evaluation has not ended [`GRACE`]
//!    after the interrupt, the watchdog prints the message and exits the
//!    process. Memory has its own backstop: the allocator exits the process
//!    when the heap would pass twice the budget plus 64 MiB
//!    ([`hard_limit`]). The margin is that large because the evaluator's
//!    arena grows by doubling: the step that crosses the budget may reserve
//!    as much again in one chunk, which the stopped evaluation never
//!    touches (so it costs address space, not resident memory).
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
//! thread (`kcfg_render::threads::EVAL_STACK`) that is mostly never touched; an allocation
//! failure then aborts with Rust's generic message instead of naming the
//! budget, and the stack trace of the cooperative stop is lost. Counting
//! the heap in the allocator measures what the program asks for, the same
//! way on every machine, which also makes the limit testable.
//!
//! The counter is off unless plugin mode turns it on, so other commands
//! pay one relaxed load per allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kcfg_lang::eval::Interrupt;

/// How long the evaluation may take by default: well under Argo CD's 60 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How much heap the evaluation may use by default.
pub const DEFAULT_MEMORY: usize = 1 << 30;

/// How long after the interrupt the watchdog waits for the evaluation to
/// stop on its own before it exits the process.
pub const GRACE: Duration = Duration::from_millis(200);

/// The heap at which the allocator exits the process: twice the budget
/// plus 64 MiB (see the module's documentation).
pub fn hard_limit(memory: usize) -> usize {
    memory.saturating_mul(2).saturating_add(64 << 20)
}

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
    /// Heap bytes in use.
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

// ----- the counting allocator ------------------------------------------------

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static SOFT_LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static HARD_LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static SOFT_CROSSED: AtomicBool = AtomicBool::new(false);
static SOFT_MESSAGE: OnceLock<&'static str> = OnceLock::new();
static HARD_MESSAGE: OnceLock<&'static str> = OnceLock::new();
static INTERRUPT: OnceLock<Arc<Interrupt>> = OnceLock::new();

/// The global allocator of the `kcfg` binary: the system allocator, plus a
/// count of the bytes in use once [`count_memory`] has turned it on.
pub struct CountingAlloc;

impl CountingAlloc {
    #[inline]
    fn grew(size: usize) {
        if !COUNTING.load(Ordering::Relaxed) {
            return;
        }
        let live = LIVE.fetch_add(size as isize, Ordering::Relaxed) + size as isize;
        PEAK.fetch_max(live, Ordering::Relaxed);
        let live = live.max(0) as usize;
        if live > SOFT_LIMIT.load(Ordering::Relaxed) && !SOFT_CROSSED.swap(true, Ordering::Relaxed)
        {
            // Raising with a `&'static str` allocates nothing.
            if let (Some(interrupt), Some(message)) = (INTERRUPT.get(), SOFT_MESSAGE.get()) {
                interrupt.raise(*message);
            }
        }
        if live > HARD_LIMIT.load(Ordering::Relaxed) {
            memory_exhausted();
        }
    }

    #[inline]
    fn shrank(size: usize) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(size as isize, Ordering::Relaxed);
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments,
// and only adds counting on the side.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CountingAlloc::grew(layout.size());
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        CountingAlloc::grew(layout.size());
        // SAFETY: the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) };
        CountingAlloc::shrank(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            CountingAlloc::grew(new_size - layout.size());
        } else {
            CountingAlloc::shrank(layout.size() - new_size);
        }
        // SAFETY: the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Starts counting heap bytes: past `budget`, the allocator raises
/// `interrupt`; past [`hard_limit`], it exits the process with a message
/// naming the budget.
pub fn count_memory(budget: usize, interrupt: Arc<Interrupt>) {
    let hard = hard_limit(budget);
    let soft: &'static str = Box::leak(
        format!(
            "the evaluation exceeded its memory budget of {}; stopped. The budget is set by the plugin's --memory-limit (KCFG_MEMORY_LIMIT).",
            format_size(budget)
        )
        .into_boxed_str(),
    );
    let hard_message: &'static str = Box::leak(
        format!(
            "error: the evaluation exceeded its memory budget of {} and could not be stopped cleanly (its heap reached {}); stopped. The budget is set by the plugin's --memory-limit (KCFG_MEMORY_LIMIT).\n",
            format_size(budget),
            format_size(hard)
        )
        .into_boxed_str(),
    );
    let _ = SOFT_MESSAGE.set(soft);
    let _ = HARD_MESSAGE.set(hard_message);
    let _ = INTERRUPT.set(interrupt);
    SOFT_LIMIT.store(budget, Ordering::Relaxed);
    HARD_LIMIT.store(hard, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
}

/// The most heap in use at any time since counting started.
pub fn peak_heap() -> usize {
    PEAK.load(Ordering::Relaxed).max(0) as usize
}

#[cold]
fn memory_exhausted() -> ! {
    // No allocation from here on: this runs inside the allocator.
    let message = HARD_MESSAGE
        .get()
        .copied()
        .unwrap_or("error: the evaluation exceeded its memory budget; stopped\n");
    write_stderr_raw(message.as_bytes());
    // SAFETY: `_exit` ends the process without running any code of this
    // one, which is what a stop from inside the allocator needs.
    unsafe { libc::_exit(EXIT_FAILED) }
}

/// Writes to standard error with `write(2)`: no allocation, no lock,
/// async-signal-safe.
fn write_stderr_raw(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a live byte slice.
        let written = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        if written <= 0 {
            return;
        }
        bytes = &bytes[written as usize..];
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
    /// Starts watching. Time counts from now. Once the interrupt is raised,
    /// for time or (by the allocator) for memory, the evaluation has
    /// [`GRACE`] to stop before the process is ended.
    pub fn start(budget: Budget, interrupt: Arc<Interrupt>) -> Watchdog {
        let shared = Arc::new(Shared {
            phase: AtomicU8::new(RUNNING),
            done: Mutex::new(false),
            wake: Condvar::new(),
        });
        let watched = shared.clone();
        let started = Instant::now();
        let thread = std::thread::Builder::new()
            .name("kcfg-watchdog".into())
            .spawn(move || watch(budget, started, &interrupt, &watched))
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

fn watch(budget: Budget, started: Instant, interrupt: &Interrupt, shared: &Shared) {
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
            // The allocator raises the interrupt for memory.
            if interrupt.is_raised() {
                raised_at = Some(now);
            }
        } else if raised_at.is_some_and(|at| now - at >= GRACE) {
            // The evaluation did not reach a frame boundary in time.
            if shared
                .phase
                .compare_exchange(RUNNING, STOPPED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                let message = interrupt.message().unwrap_or("the evaluation was stopped");
                let text = format!("error: {message}\n");
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

// ----- sizes and durations -----------------------------------------------------

/// Parses `512Mi`, `1Gi`, `1G`, `100MB`, `64k` or a number of bytes (clap
/// value parser). Binary (`Ki`, `Mi`, `Gi`) and decimal (`k`, `M`, `G`)
/// suffixes are Kubernetes' quantity suffixes; a trailing `B` is allowed.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let without_b = trimmed
        .strip_suffix('B')
        .filter(|rest| !rest.is_empty())
        .unwrap_or(trimmed);
    let split = without_b
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(without_b.len());
    let (number, unit) = without_b.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 512Mi, 1Gi or 100MB"))?;
    let factor: f64 = match unit {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?} (use Ki, Mi, Gi, k, M or G)"
            ))
        }
    };
    let bytes = value * factor;
    if !(1.0..=usize::MAX as f64).contains(&bytes) {
        return Err(format!("{text:?} is not a usable memory limit"));
    }
    Ok(bytes as usize)
}

/// `512 MiB`, `1.5 GiB`, `900 KiB`.
pub fn format_size(bytes: usize) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value.fract() == 0.0 {
        format!("{value:.0} {}", units[unit])
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

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
    fn sizes_parse_as_kubernetes_quantities() {
        assert_eq!(parse_size("512Mi"), Ok(512 << 20));
        assert_eq!(parse_size("1Gi"), Ok(1 << 30));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert_eq!(parse_size("64k"), Ok(64_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("1Ti").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn sizes_and_durations_print_for_people() {
        assert_eq!(format_size(512 << 20), "512 MiB");
        assert_eq!(format_size(1536 << 20), "1.5 GiB");
        assert_eq!(format_size(100), "100 B");
        assert_eq!(format_duration(Duration::from_secs(30)), "30s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn the_hard_limit_leaves_room_for_one_doubling() {
        assert_eq!(hard_limit(1 << 30), (2 << 30) + (64 << 20));
        assert_eq!(hard_limit(usize::MAX), usize::MAX);
    }

    #[test]
    fn the_watchdog_raises_the_interrupt_when_time_runs_out() {
        let interrupt = Arc::new(Interrupt::new());
        let budget = Budget {
            time: Duration::from_millis(20),
            memory: usize::MAX,
        };
        let watchdog = Watchdog::start(budget, interrupt.clone());
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
        let watchdog = Watchdog::start(Budget::default(), interrupt.clone());
        assert!(watchdog.finish());
        assert!(!interrupt.is_raised());
    }
}
