//! The worker: a child process that executes inputs one after another and
//! tells the supervisor about each on its standard output.
//!
//! The protocol is one line per event:
//!
//! - `run INDEX` before an input is executed;
//! - `done INDEX OUTCOME` after it ended (`ok`, `runtime-error`,
//!   `time-limit`, …);
//! - `panic INDEX LOCATION<tab>FRAME<tab>MESSAGE` when it panicked (FRAME
//!   is the innermost frame of kcfg's code, `-` if none; frame and message
//!   have `\n` and `\\` escaped); the worker then exits, since a panic may
//!   have left the process in a state later inputs should not inherit.
//!
//! Anything else (an abort, a stack overflow, a deadlock) the supervisor
//! sees from outside: the process dies or stops talking after a `run`.
//!
//! The worker limits its own address space (`RLIMIT_AS`, what `ulimit -v`
//! sets) so that allocation failures happen as they would under a
//! production limit, and turns core dumps off.

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::corpus::Corpus;
use crate::exec::{Executor, Limits};
use crate::input::Source;

/// Exit status of a worker after it reported a panic.
pub const EXIT_AFTER_PANIC: i32 = 3;

/// Where a worker's inputs come from.
#[derive(Debug, Clone)]
pub enum Inputs {
    /// Generated from a seed: indices `start`, `start + step`, … below `end`.
    Generated {
        /// The run's seed.
        seed: u64,
    },
    /// Files, by index.
    Files(Vec<PathBuf>),
}

/// Everything a worker needs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The inputs.
    pub inputs: Inputs,
    /// The first index.
    pub start: u64,
    /// The distance between indices (the number of workers).
    pub step: u64,
    /// The index to stop before.
    pub end: u64,
    /// Corpus directories.
    pub corpus: Vec<PathBuf>,
    /// Per-input limits.
    pub limits: Limits,
    /// The address-space limit in KiB (`ulimit -v`); 0 for none.
    pub address_space_kib: u64,
    /// Stack of the evaluation thread, in bytes.
    pub stack: usize,
    /// Offer the injected failures (see [`Executor::new`]).
    pub inject: bool,
}

static LAST_PANIC: Mutex<Option<(String, String, String)>> = Mutex::new(None);

/// Runs the worker; returns the process's exit status.
pub fn run(config: WorkerConfig) -> i32 {
    limit_resources(config.address_space_kib);
    // SAFETY: installs a handler for a signal only the supervisor sends.
    unsafe {
        libc::signal(
            libc::SIGUSR1,
            print_backtrace as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "<unknown>".to_string());
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "<non-string panic payload>".to_string()
        };
        // Also on standard error: if the panic turns into an abort (a panic
        // while panicking, a panic in a destructor), the supervisor reads
        // the reason from there.
        let backtrace = std::backtrace::Backtrace::force_capture().to_string();
        let frame = crate::finding::product_frame(&backtrace).unwrap_or_else(|| "-".into());
        let _ = writeln!(
            std::io::stderr(),
            "panicked at {location}: {message}\n{backtrace}"
        );
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some((location, frame, message));
        }
    }));
    let stack = config.stack;
    let thread = std::thread::Builder::new()
        .name("kcfg-fuzz-eval".into())
        .stack_size(stack)
        .spawn(move || work(&config));
    match thread.map(|handle| handle.join()) {
        Ok(Ok(status)) => status,
        Ok(Err(_)) => 1,
        Err(err) => {
            eprintln!("kcfg-fuzz worker: cannot start the evaluation thread: {err}");
            1
        }
    }
}

fn work(config: &WorkerConfig) -> i32 {
    let corpus = Corpus::load(&config.corpus);
    let executor = Executor::new(corpus.importer(), config.limits, config.inject);
    let source = Source::new(corpus);
    let stdout = std::io::stdout();
    let mut index = config.start;
    while index < config.end {
        let input = match &config.inputs {
            Inputs::Generated { seed } => source.input(*seed, index),
            Inputs::Files(files) => match files.get(index as usize) {
                Some(path) => match crate::finding::read_input(path) {
                    Ok(input) => input,
                    Err(err) => {
                        eprintln!("kcfg-fuzz worker: cannot read {}: {err}", path.display());
                        return 1;
                    }
                },
                None => break,
            },
        };
        if say(&stdout, &format!("run {index}")).is_err() {
            return 0; // The supervisor is gone.
        }
        match std::panic::catch_unwind(AssertUnwindSafe(|| executor.run(&input))) {
            Ok(outcome) => {
                if say(&stdout, &format!("done {index} {}", outcome.name())).is_err() {
                    return 0;
                }
            }
            Err(_) => {
                let (location, frame, message) = LAST_PANIC
                    .lock()
                    .ok()
                    .and_then(|mut last| last.take())
                    .unwrap_or_else(|| ("<unknown>".into(), "-".into(), String::new()));
                let _ = say(
                    &stdout,
                    &format!(
                        "panic {index} {location}\t{}\t{}",
                        escape(&frame),
                        escape(&message)
                    ),
                );
                return EXIT_AFTER_PANIC;
            }
        }
        index += config.step;
    }
    0
}

/// The start and end of the backtrace a hung worker prints.
pub const BACKTRACE_START: &str = "kcfg-fuzz: backtrace of the hung evaluation:";
/// See [`BACKTRACE_START`].
pub const BACKTRACE_END: &str = "kcfg-fuzz: end of the backtrace";

/// The supervisor sends SIGUSR1 to the evaluation thread of a hung worker
/// before it kills it: the backtrace printed here says where the evaluation
/// was stuck, which tells one hang's cause from another's. Capturing a
/// backtrace is not async-signal-safe (it allocates); the process is killed
/// right after, and if the hang holds the allocator's lock the supervisor
/// gives up waiting and kills it anyway.
extern "C" fn print_backtrace(_signal: libc::c_int) {
    let backtrace = std::backtrace::Backtrace::force_capture();
    let _ = writeln!(
        std::io::stderr(),
        "{BACKTRACE_START}\n{backtrace}\n{BACKTRACE_END}"
    );
}

fn say(stdout: &std::io::Stdout, line: &str) -> std::io::Result<()> {
    let mut out = stdout.lock();
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Escapes a message for one protocol line.
pub fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Undoes [`escape`].
pub fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn limit_resources(address_space_kib: u64) {
    let set = |resource, value: u64| {
        let limit = libc::rlimit {
            rlim_cur: value as libc::rlim_t,
            rlim_max: value as libc::rlim_t,
        };
        // SAFETY: `setrlimit` reads the struct we pass and changes only this
        // process's limits.
        unsafe { libc::setrlimit(resource, &limit) }
    };
    if address_space_kib > 0 && set(libc::RLIMIT_AS, address_space_kib * 1024) != 0 {
        eprintln!(
            "kcfg-fuzz worker: cannot limit the address space: {}",
            std::io::Error::last_os_error()
        );
    }
    set(libc::RLIMIT_CORE, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_survive_the_protocol() {
        for text in ["a", "a\nb", "back\\slash\\n", "", "\\"] {
            let escaped = escape(text);
            assert!(!escaped.contains('\n'));
            assert_eq!(unescape(&escaped), text);
        }
    }
}
