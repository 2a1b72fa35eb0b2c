//! One execution: parse, analyze, evaluate and manifest an input in
//! process, within a time and a memory limit.
//!
//! The limits use the product's own ways of stopping an evaluation. Time:
//! an [`Interrupt`] (see `lang/src/eval/interrupt.rs`) that a [`Watchdog`]
//! thread raises when the input's time is up, as the Argo CD plugin's
//! budget does. Memory: a [`MemoryLimit`] that the [`CountingAlloc`] feeds
//! with every allocation, as the `kcfg` binary's allocator does for
//! `--max-memory` and the plugin's budget (`cli/src/memory.rs`), so that
//! sizes computed from the input are checked against the limit before they
//! are allocated, exactly as in production; as a second line, the
//! allocator also raises the interrupt once the heap passes the limit. An
//! evaluation stopped by either with its error is an ordinary outcome
//! ([`Outcome::Stopped`]): inputs are allowed to be slow or big. What slips
//! past the limit (an allocation made without a check, or a result many
//! times larger than what was checked) still meets the worker's
//! address-space limit, where it is a finding. One that
//! does *not* stop is a hang, and one that dies is a crash; the supervisor
//! (`crate::supervisor`) sees those from outside, because the process may
//! not survive them.
//!
//! Nothing here catches panics: the worker does, only to report which
//! input caused one (the product must never rely on unwinding).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use kcfg_lang::eval::{Arena, Ctx, EvalConfig, ExtValue, Interrupt, MemoryLimit};
use kcfg_lang::manifest;
use kcfg_lang::program::{Importer, Program, Std};
use kcfg_lang::span::SourceName;

use crate::input::{Input, Mode};

/// The limits of one execution.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time after which the evaluation is interrupted.
    pub time: Duration,
    /// Live heap bytes after which the evaluation is interrupted.
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            time: Duration::from_secs(2),
            memory: 512 << 20,
        }
    }
}

/// How an execution ended, when the process survived it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The program ran and was manifested.
    Ok,
    /// A syntax or static error.
    StaticError,
    /// A runtime error.
    RuntimeError,
    /// The time or memory limit interrupted it and it stopped cleanly.
    Stopped(&'static str),
}

impl Outcome {
    /// A short name for statistics.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::StaticError => "static-error",
            Outcome::RuntimeError => "runtime-error",
            Outcome::Stopped(why) => why,
        }
    }
}

/// The message of an interrupt for the time limit.
pub const TIME_MESSAGE: &str = "kcfg-fuzz: the input's time limit is exhausted";
/// The message of an interrupt for the memory limit.
pub const MEMORY_MESSAGE: &str = "kcfg-fuzz: the input's memory limit is exhausted";

/// What every execution shares: the importer, `std`, the limits and the
/// watchdog.
pub struct Executor {
    importer: Arc<dyn Importer>,
    std: Std,
    limits: Limits,
    watchdog: Watchdog,
}

impl Executor {
    /// An executor whose inputs import through `importer`. With `inject`,
    /// `std.native` offers `panic`, `abort`, `hang` and `oom`, which fail
    /// in those ways: the harness's own tests use them to prove that each
    /// kind of failure is caught and reported.
    pub fn new(importer: Arc<dyn Importer>, limits: Limits, inject: bool) -> Executor {
        let mut std = kcfg_stdlib::std();
        if inject {
            add_injected_failures(&mut std);
        }
        process_memory();
        Executor {
            importer,
            std,
            limits,
            watchdog: Watchdog::start(),
        }
    }

    /// Runs `input` to its end.
    pub fn run(&self, input: &Input) -> Outcome {
        let interrupt = Arc::new(Interrupt::new());
        // The memory limit covers parsing and analysis too, whose native
        // stack for deep trees is charged to it, as in production.
        let guard = MemoryGuard::arm(&interrupt, self.limits.memory);
        // A fresh program per input: the source map and the caches of a
        // program only grow.
        let program = Program::new(self.importer.clone(), self.std.clone())
            .with_memory_limit(process_memory().clone());
        let config = EvalConfig {
            ext_vars: vec![
                ("x".to_string(), ExtValue::Str("external".to_string())),
                (
                    "code".to_string(),
                    ExtValue::Code {
                        name: SourceName::Virtual("<extvar:code>".into()),
                        text: "{ a: [1, 'two'], b:: self.a }".to_string(),
                    },
                ),
            ],
            interrupt: Some(interrupt.clone()),
            memory: Some(process_memory().clone()),
            ..EvalConfig::default()
        };
        let code = match program.snippet(SourceName::Path(input.path().into()), &input.text) {
            Ok(code) => code,
            Err(diagnostics) => {
                for diagnostic in &diagnostics {
                    std::hint::black_box(diagnostic.render_plain(program.sources(), 20));
                }
                return Outcome::StaticError;
            }
        };
        self.watchdog
            .arm(Instant::now() + self.limits.time, interrupt.clone());
        let arena = Arena::new();
        let mut ctx = Ctx::new(&arena, &program, &config);
        let result = ctx
            .eval_code(code)
            .and_then(|value| manifest_value(&mut ctx, value, input.mode));
        let outcome = match result {
            Ok(()) => Outcome::Ok,
            Err(error) => {
                let diagnostic = error.into_diagnostic();
                std::hint::black_box(diagnostic.render_plain(program.sources(), 20));
                match interrupt.message() {
                    Some(TIME_MESSAGE) => Outcome::Stopped("time-limit"),
                    Some(MEMORY_MESSAGE) => Outcome::Stopped("memory-limit"),
                    _ if diagnostic.code == "kcfg::eval::out_of_memory" => {
                        Outcome::Stopped("memory-limit")
                    }
                    _ => Outcome::RuntimeError,
                }
            }
        };
        // Dropping the values is part of what is tested (deep values are
        // freed by `drop_deep`), so it stays under the limits.
        drop(ctx);
        drop(arena);
        drop(guard);
        self.watchdog.disarm();
        outcome
    }
}

fn manifest_value<'a>(
    ctx: &mut Ctx<'a>,
    value: kcfg_lang::eval::Value<'a>,
    mode: Mode,
) -> kcfg_lang::eval::Result<()> {
    match mode {
        Mode::Json => {
            std::hint::black_box(manifest::document(ctx, value, manifest::Mode::Json)?);
        }
        Mode::String => {
            std::hint::black_box(manifest::document(ctx, value, manifest::Mode::String)?);
        }
        Mode::Stream => {
            std::hint::black_box(manifest::stream(ctx, value, manifest::Mode::Json)?);
        }
        Mode::Multi => {
            std::hint::black_box(manifest::multi(ctx, value, manifest::Mode::Json)?);
        }
        Mode::Yaml => {
            std::hint::black_box(manifest::yaml::to_document(ctx, value)?);
        }
    }
    Ok(())
}

fn add_injected_failures(std: &mut Std) {
    std.add_native("panic", &["x"], |_| panic!("kcfg-fuzz: injected panic"));
    std.add_native("abort", &["x"], |_| std::process::abort());
    std.add_native("hang", &["x"], |_| loop {
        std::thread::sleep(Duration::from_secs(1));
    });
    std.add_native("oom", &["x"], |_| {
        // An allocation no address-space limit lets through: the product's
        // way of failing when it sizes an allocation from input.
        // `black_box`: an optimized build may otherwise elide an
        // allocation nothing writes to.
        let huge: Vec<u8> = std::hint::black_box(Vec::with_capacity(1 << 46));
        Ok(serde_json::Value::from(huge.capacity()))
    });
}

// ----- the time limit --------------------------------------------------------

/// A thread that raises the current execution's interrupt when its time is
/// up.
pub struct Watchdog {
    shared: Arc<(Mutex<WatchState>, Condvar)>,
}

#[derive(Default)]
struct WatchState {
    armed: Option<(Instant, Arc<Interrupt>)>,
}

impl Watchdog {
    fn start() -> Watchdog {
        let shared: Arc<(Mutex<WatchState>, Condvar)> = Arc::default();
        let watched = shared.clone();
        std::thread::Builder::new()
            .name("kcfg-fuzz-watchdog".into())
            .spawn(move || watch(&watched))
            .expect("the watchdog thread starts");
        Watchdog { shared }
    }

    fn arm(&self, deadline: Instant, interrupt: Arc<Interrupt>) {
        let (state, wake) = &*self.shared;
        lock(state).armed = Some((deadline, interrupt));
        wake.notify_one();
    }

    fn disarm(&self) {
        let (state, wake) = &*self.shared;
        lock(state).armed = None;
        wake.notify_one();
    }
}

fn watch(shared: &(Mutex<WatchState>, Condvar)) {
    let (state, wake) = shared;
    let mut guard = lock(state);
    loop {
        let deadline = guard.armed.as_ref().map(|(deadline, _)| *deadline);
        guard = match deadline {
            None => wake.wait(guard).unwrap_or_else(|p| p.into_inner()),
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    if let Some((_, interrupt)) = guard.armed.take() {
                        interrupt.raise(TIME_MESSAGE);
                    }
                    continue;
                }
                wake.wait_timeout(guard, deadline - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ----- the memory limit ------------------------------------------------------

static LIVE: AtomicUsize = AtomicUsize::new(0);
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static MEMORY: OnceLock<Arc<MemoryLimit>> = OnceLock::new();

/// The process's [`MemoryLimit`], which every execution's evaluation reads
/// and the allocator feeds. Unlimited between executions.
pub fn process_memory() -> &'static Arc<MemoryLimit> {
    MEMORY.get_or_init(|| {
        let memory = Arc::new(MemoryLimit::unlimited());
        // What was allocated before the limit existed, so that its frees
        // do not take the count below the truth.
        memory.charge(CountingAlloc::live());
        memory
    })
}

thread_local! {
    /// The interrupt of the execution running on this thread, if any. The
    /// allocator raises only the interrupt of the thread that allocates,
    /// which is the one that owns it.
    static CURRENT: Cell<*const Interrupt> = const { Cell::new(std::ptr::null()) };
}

/// The global allocator of the harness's binaries: the system allocator,
/// plus a count of live bytes that raises the running execution's interrupt
/// past its memory limit.
///
/// It does not refuse allocations: the worker process runs under an
/// address-space limit (`ulimit -v`), so that an allocation sized from input
/// fails as it would in production, and the product must handle that.
pub struct CountingAlloc;

impl CountingAlloc {
    #[inline]
    fn grew(size: usize) {
        if let Some(memory) = MEMORY.get() {
            memory.charge(size);
        }
        let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        if live > LIMIT.load(Ordering::Relaxed) {
            // `try_with`: the slot may already be gone while a thread exits.
            let _ = CURRENT.try_with(|current| {
                let interrupt = current.get();
                if !interrupt.is_null() {
                    // SAFETY: `MemoryGuard` sets the pointer from an `Arc`
                    // it keeps alive and clears it before dropping that
                    // `Arc`, on this same thread.
                    unsafe { &*interrupt }.raise(MEMORY_MESSAGE);
                }
            });
        }
    }

    #[inline]
    fn shrank(size: usize) {
        if let Some(memory) = MEMORY.get() {
            memory.release(size);
        }
        LIVE.fetch_sub(size, Ordering::Relaxed);
    }

    /// Live heap bytes of the process.
    pub fn live() -> usize {
        LIVE.load(Ordering::Relaxed)
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments and
// only counts on the side; raising an interrupt with a `&'static str`
// allocates nothing, so the allocator is not re-entered.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            CountingAlloc::grew(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc_zeroed`'s contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            CountingAlloc::grew(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) };
        CountingAlloc::shrank(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `realloc`'s contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            CountingAlloc::shrank(layout.size());
            CountingAlloc::grew(new_size);
        }
        new
    }
}

/// While alive, the allocator raises `interrupt` when the heap passes the
/// limit (on this thread).
struct MemoryGuard {
    _interrupt: Arc<Interrupt>,
}

impl MemoryGuard {
    fn arm(interrupt: &Arc<Interrupt>, memory: usize) -> MemoryGuard {
        LIMIT.store(
            CountingAlloc::live().saturating_add(memory),
            Ordering::Relaxed,
        );
        let process = process_memory();
        process.set_limit(process.in_use().saturating_add(memory));
        CURRENT.with(|current| current.set(Arc::as_ptr(interrupt)));
        MemoryGuard {
            _interrupt: interrupt.clone(),
        }
    }
}

impl Drop for MemoryGuard {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(std::ptr::null()));
        LIMIT.store(usize::MAX, Ordering::Relaxed);
        process_memory().set_limit(usize::MAX);
    }
}
