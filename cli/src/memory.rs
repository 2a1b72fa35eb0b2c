//! The process's memory: the counting global allocator, the one memory
//! limit every evaluation of the process shares, and its default.
//!
//! # Counting
//!
//! [`CountingAlloc`] is the binary's global allocator: the system
//! allocator, plus a count of the bytes in use that feeds the process's
//! [`MemoryLimit`] (see `kcfg_lang::memory` for how the evaluator reads it).
//! Every heap allocation is counted: the evaluator's arenas, the heap of
//! builtins and manifesters, and the evaluator's native stack segments,
//! which `kcfg-lang` takes from the global allocator. Each thread adds its
//! allocations to a thread-local balance and passes it on to the shared
//! counter once it reaches [`BATCH`] either way, so an allocation costs a
//! thread-local addition and a comparison; an allocation of [`BATCH`] or
//! more is passed on at once, before the system is asked for it.
//!
//! # Backstops
//!
//! The evaluator stops itself, with a stack trace, within one frame of the
//! count passing the limit, and checks allocations whose size comes from
//! the program before making them. Two backstops remain for what slips
//! through (a builtin allocating in a loop that enters no frame):
//!
//! - the *hard limit*, twice the limit plus 64 MiB: past it the allocator
//!   prints an `out of memory` error and exits the process with status 1.
//!   The margin is that large because the evaluator's arena grows by
//!   doubling, so the step that crosses the limit may reserve as much again
//!   in one chunk, which the stopped evaluation never touches;
//! - an allocation the system refuses: the allocator prints the same error
//!   and exits with status 1, instead of returning null to code that would
//!   abort (Rust's collections) or panic (`bumpalo`). Nothing is allocated
//!   on that path, and no lock is taken: a process out of memory must not
//!   end in a deadlock (issue 13: a panic's backtrace printer held the
//!   standard library's backtrace lock when an allocation failed, and the
//!   allocation-failure hook waited for that lock for ever).
//!
//! # The limit
//!
//! `kcfg eval --max-memory`, `kcfg render --max-memory` and the plugin's
//! `--memory-limit` set it for the whole process; the default
//! ([`default_limit`]) is half of the memory the process may use: the
//! smallest of its address-space and data rlimits, its cgroup's memory
//! limit and the machine's physical memory. Half, because the hard limit
//! above is about twice the limit, because the evaluator's arena may hold
//! reserved but untouched memory, and because the process needs memory the
//! counter does not see (its binary, thread stacks, the kernel's side).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use kcfg_lang::memory::{format_size, MemoryLimit};

/// The balance a thread keeps before passing it on to the shared counter.
pub const BATCH: isize = 256 << 10;

/// The smallest default limit, for machines that report very little.
const MIN_DEFAULT: usize = 64 << 20;

static MEMORY: OnceLock<Arc<MemoryLimit>> = OnceLock::new();
static HARD_LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static HARD_MESSAGE: OnceLock<&'static str> = OnceLock::new();
static REFUSED_PREFIX: OnceLock<&'static str> = OnceLock::new();
static REFUSED_SUFFIX: OnceLock<&'static str> = OnceLock::new();

thread_local! {
    /// Bytes this thread allocated (positive) or freed (negative) and has
    /// not yet passed on.
    static BALANCE: Cell<isize> = const { Cell::new(0) };
}

/// The process's memory limit, shared by every evaluation.
pub fn memory() -> &'static Arc<MemoryLimit> {
    MEMORY.get_or_init(|| Arc::new(MemoryLimit::unlimited()))
}

/// The heap at which the allocator exits the process: twice the limit plus
/// 64 MiB (see the module documentation).
pub fn hard_limit(limit: usize) -> usize {
    limit.saturating_mul(2).saturating_add(64 << 20)
}

/// Sets the process's memory limit. `hint` tells the user where the limit
/// comes from and how to raise it; it ends the evaluator's `out of memory`
/// errors and the backstops' messages.
pub fn set_limit(bytes: usize, hint: String) {
    let memory = memory();
    memory.set_limit(bytes);
    let hard = hard_limit(bytes);
    let hard_message: &'static str = Box::leak(
        format!(
            "RUNTIME ERROR: out of memory: the evaluation exceeded its memory limit of {} and could not be stopped cleanly (its heap reached {})\n{hint}\n",
            format_size(bytes),
            format_size(hard)
        )
        .into_boxed_str(),
    );
    let refused: &'static str = Box::leak(
        format!(
            " bytes, within the memory limit of {}\n{hint}\n",
            format_size(bytes)
        )
        .into_boxed_str(),
    );
    let _ = HARD_MESSAGE.set(hard_message);
    let _ =
        REFUSED_PREFIX.set("RUNTIME ERROR: out of memory: the system refused an allocation of ");
    let _ = REFUSED_SUFFIX.set(refused);
    memory.set_hint(hint);
    HARD_LIMIT.store(hard, Ordering::Relaxed);
}

/// The global allocator of the `kcfg` binary (see the module
/// documentation).
pub struct CountingAlloc;

impl CountingAlloc {
    #[inline]
    fn count(delta: isize) {
        let balance = BALANCE.get() + delta;
        if balance >= BATCH || balance <= -BATCH {
            BALANCE.set(0);
            pass_on(balance);
        } else {
            BALANCE.set(balance);
        }
    }
}

/// Adds a thread's balance to the shared counter, and stops the process
/// past the hard limit.
#[cold]
#[inline(never)]
fn pass_on(delta: isize) {
    let Some(memory) = MEMORY.get() else {
        return;
    };
    memory.add(delta);
    if delta > 0 && memory.in_use() > HARD_LIMIT.load(Ordering::Relaxed) {
        let message = HARD_MESSAGE
            .get()
            .copied()
            .unwrap_or("RUNTIME ERROR: out of memory\n");
        exit_out_of_memory(message.as_bytes());
    }
}

/// The system refused `size` bytes: the process cannot go on.
#[cold]
#[inline(never)]
fn refused(size: usize) -> ! {
    let prefix = REFUSED_PREFIX
        .get()
        .copied()
        .unwrap_or("error: out of memory: the system refused an allocation of ");
    write_stderr_raw(prefix.as_bytes());
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = size;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    write_stderr_raw(&digits[at..]);
    let suffix = REFUSED_SUFFIX.get().copied().unwrap_or(" bytes\n");
    exit_out_of_memory(suffix.as_bytes())
}

fn exit_out_of_memory(message: &[u8]) -> ! {
    write_stderr_raw(message);
    // SAFETY: `_exit` ends the process without running any more of its
    // code, which is what a stop from inside the allocator needs.
    unsafe { libc::_exit(1) }
}

/// Writes to standard error with `write(2)`: no allocation, no lock,
/// async-signal-safe.
pub fn write_stderr_raw(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a live byte slice.
        let written = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        if written <= 0 {
            return;
        }
        bytes = &bytes[written as usize..];
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments;
// the counting on the side touches no memory the caller owns.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CountingAlloc::count(layout.size() as isize);
        // SAFETY: the caller upholds `alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            refused(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        CountingAlloc::count(layout.size() as isize);
        // SAFETY: the caller upholds `alloc_zeroed`'s contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if ptr.is_null() {
            refused(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) };
        CountingAlloc::count(-(layout.size() as isize));
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        CountingAlloc::count(new_size as isize - layout.size() as isize);
        // SAFETY: the caller upholds `realloc`'s contract.
        let ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if ptr.is_null() {
            refused(new_size);
        }
        ptr
    }
}

// ----- the default limit ---------------------------------------------------------

/// The memory the process may use, and what says so: the smallest of
/// `RLIMIT_AS`, `RLIMIT_DATA`, the cgroup's memory limit and the physical
/// memory. `None` when none is known.
pub fn available() -> Option<(usize, &'static str)> {
    let mut best: Option<(usize, &'static str)> = None;
    let mut consider = |bytes: Option<usize>, what: &'static str| {
        if let Some(bytes) = bytes.filter(|bytes| *bytes > 0) {
            if best.is_none_or(|(smallest, _)| bytes < smallest) {
                best = Some((bytes, what));
            }
        }
    };
    consider(
        rlimit(libc::RLIMIT_AS),
        "the address-space limit (ulimit -v)",
    );
    consider(
        rlimit(libc::RLIMIT_DATA),
        "the data-segment limit (ulimit -d)",
    );
    consider(cgroup_limit(), "the cgroup's memory limit");
    consider(physical_memory(), "the physical memory");
    best
}

/// The default memory limit and the sentence that explains it.
pub fn default_limit() -> (usize, String) {
    match available() {
        Some((bytes, what)) => {
            let limit = (bytes / 2).max(MIN_DEFAULT.min(bytes));
            (
                limit,
                format!(
                    "half of the {} available to kcfg, from {what}",
                    format_size(bytes)
                ),
            )
        }
        None => (
            usize::MAX,
            "no limit: the available memory is unknown".into(),
        ),
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type Resource = libc::c_int;

fn rlimit(resource: Resource) -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid out-parameter.
    if unsafe { libc::getrlimit(resource, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    usize::try_from(limit.rlim_cur).ok()
}

fn physical_memory() -> Option<usize> {
    // SAFETY: `sysconf` has no preconditions.
    let (pages, page) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    if pages <= 0 || page <= 0 {
        return None;
    }
    (pages as usize).checked_mul(page as usize)
}

/// The smallest memory limit of the process's cgroup and its ancestors
/// (cgroup v2 `memory.max`, v1 `memory.limit_in_bytes`).
fn cgroup_limit() -> Option<usize> {
    let membership = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mut smallest: Option<usize> = None;
    for line in membership.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (root, file) = if controllers.is_empty() {
            ("/sys/fs/cgroup", "memory.max")
        } else if controllers.split(',').any(|c| c == "memory") {
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes")
        } else {
            continue;
        };
        let mut dir = Path::new(root).join(path.trim_start_matches('/'));
        loop {
            if let Some(bytes) = read_limit(&dir.join(file)) {
                smallest = Some(smallest.map_or(bytes, |s| s.min(bytes)));
            }
            if dir == Path::new(root) || !dir.pop() {
                break;
            }
        }
    }
    smallest
}

/// A cgroup limit file: a number of bytes, or `max` (v2) / a huge number
/// (v1) for none.
fn read_limit(path: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    let bytes: u64 = text.trim().parse().ok()?;
    (bytes < 1 << 60)
        .then(|| usize::try_from(bytes).ok())
        .flatten()
}

// ----- sizes -----------------------------------------------------------------------

/// Parses `512Mi`, `1Gi`, `1G`, `100MB`, `64k` or a number of bytes.
/// Binary (`Ki`, `Mi`, `Gi`, `Ti`) and decimal (`k`, `M`, `G`, `T`) suffixes
/// are Kubernetes' quantity suffixes; a trailing `B` is allowed.
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
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?} (use Ki, Mi, Gi, Ti, k, M, G or T)"
            ))
        }
    };
    let bytes = value * factor;
    if !(1.0..=usize::MAX as f64).contains(&bytes) {
        return Err(format!("{text:?} is not a usable memory limit"));
    }
    Ok(bytes as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_kubernetes_quantities() {
        assert_eq!(parse_size("512Mi"), Ok(512 << 20));
        assert_eq!(parse_size("1Gi"), Ok(1 << 30));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("2Ti"), Ok(2 << 40));
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert_eq!(parse_size("64k"), Ok(64_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("1Pi").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn the_hard_limit_leaves_room_for_one_doubling() {
        assert_eq!(hard_limit(1 << 30), (2 << 30) + (64 << 20));
        assert_eq!(hard_limit(usize::MAX), usize::MAX);
    }

    #[test]
    fn the_default_is_half_of_what_is_available() {
        let (limit, why) = default_limit();
        if let Some((available, _)) = available() {
            assert_eq!(limit, (available / 2).max(MIN_DEFAULT.min(available)));
            assert!(why.starts_with("half of the "), "{why}");
        }
    }

    #[test]
    fn cgroup_limit_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("memory.max");
        std::fs::write(&file, "max\n").unwrap();
        assert_eq!(read_limit(&file), None);
        std::fs::write(&file, "536870912\n").unwrap();
        assert_eq!(read_limit(&file), Some(512 << 20));
        std::fs::write(&file, "9223372036854771712\n").unwrap();
        assert_eq!(read_limit(&file), None);
    }
}
