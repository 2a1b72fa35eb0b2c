//! The coverage-guided target for AFL++ (`--features afl`; see README.md).
//!
//! AFL++ feeds bytes; UTF-8 text is evaluated as `input.jsonnet` with the
//! same importer, limits and manifesters as the supervised harness, and a
//! `// mode: yaml` (or `stream`, `multi`, `string`) first line picks the
//! manifester, as in finding files. A panic aborts (afl.rs's default), so
//! AFL++ records it as a crash; AFL++'s own `-t` catches hangs and `-m`
//! sets the memory limit.

use std::time::Duration;

use kcfg_fuzz::corpus::Corpus;
use kcfg_fuzz::exec::{CountingAlloc, Executor, Limits};
use kcfg_fuzz::input::{Input, Mode};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    let corpus = Corpus::load(&Corpus::default_dirs());
    let limits = Limits {
        time: Duration::from_secs(1),
        memory: 512 << 20,
    };
    // afl.rs turns a panic into an abort, so nothing is observed after
    // one; the executor's state cannot be seen half-updated.
    let executor = std::panic::AssertUnwindSafe(Executor::new(corpus.importer(), limits, false));
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let mode = text
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("// mode: "))
            .and_then(|name| Mode::from_name(name.trim()))
            .unwrap_or(Mode::Json);
        let input = Input::from_text(text.to_string(), "input.jsonnet", mode);
        executor.run(&input);
    });
}
