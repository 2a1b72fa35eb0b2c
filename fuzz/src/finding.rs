//! Findings: what went wrong with which input, as a file that reproduces
//! it.
//!
//! A finding file is the input itself behind a header of `//` comments,
//! so it is a valid program that `kcfg eval` runs as it is:
//!
//! ```text
//! // kcfg-fuzz finding: panic
//! // symptom: panicked at lang/src/eval/format.rs:80:9: capacity overflow
//! // signature: panic lang/src/eval/format.rs:80:9: capacity overflow
//! // input: seed 7, index 1234, generated
//! // name: input.jsonnet
//! // mode: json
//! // reproduce: kcfg eval THIS_FILE   (or: kcfg-fuzz replay THIS_FILE)
//! "%99999999999999999999d" % [1]
//! ```
//!
//! The signature groups findings by cause: the panic's location and
//! message, the signal and the last line the process wrote, or the state
//! of a hung thread, with every number replaced by `N` so that sizes and
//! addresses do not split one cause into many.

use std::path::{Path, PathBuf};

use crate::input::{Input, Mode};

/// What kind of failure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A panic, caught by the worker.
    Panic,
    /// The process died of a signal (abort, stack overflow, segfault).
    Signal,
    /// The process exited with a status the worker never uses.
    Exit,
    /// The evaluation neither ended nor stopped after its interrupt.
    Hang,
}

impl Kind {
    /// The kind's name in file names and headers.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Panic => "panic",
            Kind::Signal => "signal",
            Kind::Exit => "exit",
            Kind::Hang => "hang",
        }
    }
}

/// One failure and the input that caused it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What kind of failure.
    pub kind: Kind,
    /// What was seen, for people.
    pub symptom: String,
    /// The cause, for grouping (see the module's documentation).
    pub signature: String,
    /// The input.
    pub input: Input,
    /// Where the input came from: `seed 7, index 1234` or a file.
    pub provenance: String,
}

impl Finding {
    /// The finding as a file: header and input.
    pub fn to_file_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("// kcfg-fuzz finding: {}\n", self.kind.name()));
        for (i, line) in self.symptom.lines().enumerate() {
            let label = if i == 0 { "symptom:" } else { "        " };
            out.push_str(&format!("// {label} {line}\n"));
        }
        out.push_str(&format!("// signature: {}\n", self.signature));
        out.push_str(&format!(
            "// input: {}, {}\n",
            self.provenance,
            self.input.origin.replace('\n', " ")
        ));
        out.push_str(&format!("// name: {}\n", self.input.name));
        out.push_str(&format!("// mode: {}\n", self.input.mode.name()));
        match self.input.mode.eval_flags() {
            Some(flags) => out.push_str(&format!(
                "// reproduce: kcfg eval {flags}THIS_FILE   (or: kcfg-fuzz replay THIS_FILE)\n"
            )),
            None => out.push_str("// reproduce: kcfg-fuzz replay THIS_FILE\n"),
        }
        out.push_str(&self.input.text);
        if !self.input.text.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    /// A file name for the finding: kind, a hash of the signature, index.
    pub fn file_name(&self, serial: usize) -> String {
        format!(
            "{}-{:08x}-{serial}.jsonnet",
            self.kind.name(),
            fnv(&self.signature) as u32
        )
    }
}

/// Reads an input back from a file that may carry a finding's header: the
/// `name:` and `mode:` lines say how it was evaluated; without them it is
/// `input.jsonnet` manifested as JSON. The header stays in the text (it is
/// only comments), so line numbers in messages match the file.
pub fn read_input(path: &Path) -> std::io::Result<Input> {
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut name = "input.jsonnet".to_string();
    let mut mode = Mode::Json;
    for line in text.lines().take_while(|line| line.starts_with("//")) {
        if let Some(value) = line.strip_prefix("// name: ") {
            name = value.trim().to_string();
        } else if let Some(value) = line.strip_prefix("// mode: ") {
            mode = Mode::from_name(value.trim()).unwrap_or(Mode::Json);
        }
    }
    let mut input = Input::from_text(text, &name, mode);
    input.origin = format!("file {}", path.display());
    Ok(input)
}

/// The text of `input` without a finding's header, for minimizing.
pub fn strip_header(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with("// ") {
        match rest.find('\n') {
            Some(end) => rest = &rest[end + 1..],
            None => return "",
        }
    }
    rest
}

/// `text` with every run of digits replaced by `N` and hex addresses by
/// `ADDR`, trimmed to one line of at most 160 characters.
pub fn normalize(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '0' && chars.peek() == Some(&'x') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                chars.next();
            }
            out.push_str("ADDR");
        } else if c.is_ascii_digit() {
            while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
                chars.next();
            }
            out.push('N');
        } else if c == '\n' || c == '\t' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    let out = out.trim();
    match out.char_indices().nth(160) {
        Some((at, _)) => out[..at].to_string(),
        None => out.to_string(),
    }
}

/// A panic's signature: its location (kept as written, it names the code),
/// its normalized message and, when the location is outside kcfg, the
/// innermost frame of kcfg's code (without its line).
pub fn panic_signature(location: &str, message: &str, frame: Option<&str>) -> String {
    let outside = location.contains("/registry/") || location.contains("/rustc/");
    let location = short_location(location);
    let mut signature = format!("panic {location}: {}", normalize(message));
    if let Some(frame) = frame.filter(|_| outside) {
        signature.push_str(&format!(" in {}", normalize(frame)));
    }
    signature
}

/// A source location without the machine's prefix: a dependency's path
/// from its crate directory (`bumpalo-3.20.4/src/lib.rs:1:1`), the standard
/// library's from `library/`.
pub fn short_location(location: &str) -> String {
    if let Some(at) = location.find("/registry/src/") {
        let rest = &location[at + "/registry/src/".len()..];
        return rest
            .split_once('/')
            .map_or(rest, |(_, path)| path)
            .to_string();
    }
    if let Some(at) = location.find("/library/") {
        return location[at + 1..].to_string();
    }
    location.to_string()
}

/// The innermost frame of kcfg's own code in a printed backtrace (as
/// `RUST_BACKTRACE=1` prints it), as `pad lang/src/eval/format.rs:520:9`:
/// an allocation failure or a panic inside a dependency (`bumpalo`,
/// `alloc`) is grouped by the product code that asked for it. Frames are
/// recognized by their source path (`lang/src/`, `stdlib/src/`), because
/// inlined frames print only a short function name.
pub fn product_frame(backtrace: &str) -> Option<String> {
    let lines: Vec<&str> = backtrace.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(location) = line.trim_start().strip_prefix("at ") else {
            continue;
        };
        let Some(at) = ["lang/src/", "stdlib/src/"]
            .iter()
            .filter_map(|dir| location.find(dir))
            .min()
        else {
            continue;
        };
        let symbol = i
            .checked_sub(1)
            .and_then(|before| lines[before].trim_start().split_once(": "))
            .map(|(_, symbol)| symbol.split('<').next().unwrap_or(symbol).trim())
            .unwrap_or("?");
        return Some(format!("{symbol} {}", &location[at..]));
    }
    None
}

/// The 64-bit FNV-1a hash (stable across builds, unlike `DefaultHasher`).
pub fn fnv(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Finding files in `dir`, sorted by name.
pub fn list(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonnet"))
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_addresses_do_not_split_a_cause() {
        assert_eq!(
            normalize("memory allocation of 1600000 bytes failed at 0x7ffd1234"),
            "memory allocation of N bytes failed at ADDR"
        );
        assert_eq!(
            panic_signature(
                "a.rs:1:2",
                "capacity 12\noverflow",
                Some("x lang/src/a.rs:1:2")
            ),
            "panic a.rs:1:2: capacity N overflow"
        );
        assert_eq!(
            panic_signature(
                "/root/.cargo/registry/src/index.crates.io-1/bumpalo/src/lib.rs:9:5",
                "out of memory",
                Some("make lang/src/eval/array.rs:10:5")
            ),
            "panic bumpalo/src/lib.rs:9:5: out of memory in make lang/src/eval/array.rs:N:N"
        );
    }

    #[test]
    fn locations_lose_the_machine_prefix() {
        assert_eq!(
            short_location(
                "/root/.cargo/registry/src/index.crates.io-1949/bumpalo-3.20.4/src/lib.rs:2:5"
            ),
            "bumpalo-3.20.4/src/lib.rs:2:5"
        );
        assert_eq!(
            short_location("/rustc/5980/library/alloc/src/raw_vec.rs:1:1"),
            "library/alloc/src/raw_vec.rs:1:1"
        );
        assert_eq!(
            short_location("lang/src/eval/format.rs:1:1"),
            "lang/src/eval/format.rs:1:1"
        );
    }

    #[test]
    fn the_innermost_product_frame_is_found() {
        let backtrace = "memory allocation of 8 bytes failed
stack backtrace:
   0: std::alloc::rust_oom
             at /rustc/x/library/std/src/alloc.rs:1:1
   1: alloc::raw_vec::finish_grow
   2: with_stack<core::result::Result<kcfg_lang::eval::value::Value, ()>>
   3: repeat<u8>
             at /work/x/stdlib/src/strings.rs:120:9
   4: kcfg_lang::eval::call::builtin
             at ./lang/src/eval/call.rs:5:5
";
        assert_eq!(
            product_frame(backtrace).as_deref(),
            Some("repeat stdlib/src/strings.rs:120:9")
        );
        assert_eq!(product_frame("nothing here"), None);
    }

    #[test]
    fn a_finding_file_reads_back_as_the_same_input() {
        let dir = tempfile::tempdir().unwrap();
        let finding = Finding {
            kind: Kind::Panic,
            symptom: "panicked at x.rs:1:1: boom\nsecond line".into(),
            signature: "panic x.rs:1:1: boom".into(),
            input: Input::from_text("1 + 1".into(), "corpus/a/b.jsonnet", Mode::Yaml),
            provenance: "seed 1, index 2".into(),
        };
        let path = dir.path().join(finding.file_name(0));
        std::fs::write(&path, finding.to_file_text()).unwrap();
        let input = read_input(&path).unwrap();
        assert_eq!(input.name, "corpus/a/b.jsonnet");
        assert_eq!(input.mode, Mode::Yaml);
        assert_eq!(strip_header(&input.text), "1 + 1\n");
        assert!(input.text.contains("//          second line\n"));
        assert_eq!(list(dir.path()), vec![path]);
    }
}
