//! The supervisor: runs workers, watches them, and turns every way an
//! input can go wrong into a finding file.
//!
//! Each worker is a child process (the same binary, `kcfg-fuzz worker …`)
//! that takes every `jobs`-th index of the run. The supervisor reads the
//! worker's protocol lines (see [`crate::worker`]) and its exit status:
//!
//! - a `panic` line is a [`Kind::Panic`] finding;
//! - a worker that dies after `run INDEX` without `done INDEX` crashed on
//!   that input: a signal (abort, stack overflow, segfault) or an
//!   unexpected exit status, with the last lines it wrote to standard error
//!   (Rust's allocation-failure and stack-overflow messages land there);
//! - a worker that says nothing for the input's time limit plus a grace
//!   period hangs: the evaluation ignored its interrupt (a builtin looping
//!   without checking it, or a deadlock). The supervisor reads the state of
//!   the evaluation thread from `/proc` for the signature, then kills it.
//!
//! After a finding the worker is started again at the next index, so a run
//! covers every index however often it crashes. Findings with the same
//! signature are counted, and only the first few are written.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crate::corpus::Corpus;
use crate::exec::Limits;
use crate::finding::{self, Finding, Kind};
use crate::input::{Input, Source};
use crate::worker::{self, Inputs, EXIT_AFTER_PANIC};

/// A whole run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The worker binary (this program).
    pub exe: PathBuf,
    /// Where inputs come from.
    pub inputs: Inputs,
    /// How many inputs (indices `0..count`).
    pub count: u64,
    /// Stop after this long, whatever `count` says.
    pub duration: Option<Duration>,
    /// Worker processes.
    pub jobs: usize,
    /// Where findings are written.
    pub out: PathBuf,
    /// Corpus directories.
    pub corpus: Vec<PathBuf>,
    /// Per-input limits.
    pub limits: Limits,
    /// How long after the time limit a silent worker counts as hung.
    pub grace: Duration,
    /// The workers' address-space limit in KiB (`ulimit -v`); 0: none.
    pub address_space_kib: u64,
    /// Stack of the evaluation thread, in bytes.
    pub stack: usize,
    /// Offer the injected failures (for the harness's own tests).
    pub inject: bool,
    /// Findings written per signature.
    pub per_signature: usize,
    /// Print a progress line every few seconds on standard error.
    pub progress: bool,
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct Report {
    /// Inputs executed.
    pub execs: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Executions by outcome (`ok`, `runtime-error`, …, and finding kinds).
    pub outcomes: BTreeMap<String, u64>,
    /// The outcome of each index, in order of completion.
    pub per_input: Vec<(u64, String)>,
    /// Distinct causes: signature → (count, first finding, its file).
    pub distinct: BTreeMap<String, (usize, Finding, Option<PathBuf>)>,
    /// The slowest inputs that ended: (time, index, outcome), slowest first.
    pub slowest: Vec<(Duration, u64, String)>,
    /// Workers started (one per job, plus one after each crash or hang).
    pub workers_started: u64,
}

impl Report {
    /// Every finding, counted.
    pub fn findings(&self) -> usize {
        self.distinct.values().map(|(count, _, _)| count).sum()
    }

    /// Executions per second.
    pub fn rate(&self) -> f64 {
        self.execs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

enum Event {
    Line(String),
    Closed,
}

struct Worker {
    id: usize,
    generation: u64,
    child: Child,
    stderr: PathBuf,
    /// The index started and not yet finished, and since when.
    current: Option<(u64, Instant)>,
    /// The index after the last one finished.
    next: u64,
    /// The worker reported a panic and was killed; its end is expected.
    reported: bool,
}

/// Runs the inputs and reports what happened.
pub fn run(config: &RunConfig) -> std::io::Result<Report> {
    std::fs::create_dir_all(&config.out)?;
    crate::corpus::write_virtual_files(&config.out)?;
    let scratch = config.out.join(".workers");
    std::fs::create_dir_all(&scratch)?;
    if let Inputs::Files(files) = &config.inputs {
        let list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        std::fs::write(scratch.join("files.txt"), list.join("\n"))?;
    }
    // The supervisor regenerates a failing input from its index.
    let source = match &config.inputs {
        Inputs::Generated { .. } => Some(Source::new(Corpus::load(&config.corpus))),
        Inputs::Files(_) => None,
    };
    let started = Instant::now();
    let deadline = config.duration.map(|d| started + d);
    let (sender, events) = mpsc::channel();
    let jobs = config.jobs.clamp(1, 64) as u64;
    let mut workers: Vec<Option<Worker>> = Vec::new();
    let mut generations = 0u64;
    for id in 0..jobs {
        let worker = (id < config.count)
            .then(|| spawn(config, &scratch, id as usize, id, &mut generations, &sender))
            .transpose()?;
        workers.push(worker);
    }
    let mut report = Report {
        workers_started: generations,
        ..Report::default()
    };
    let mut last_progress = Instant::now();
    let mut serial = 0usize;
    let mut record = |report: &mut Report, finding: Finding| -> std::io::Result<()> {
        serial += 1;
        let count = report
            .distinct
            .get(&finding.signature)
            .map_or(0, |(count, _, _)| *count);
        *report
            .outcomes
            .entry(finding.kind.name().to_string())
            .or_default() += 1;
        let path = if count < config.per_signature {
            let path = config.out.join(finding.file_name(serial));
            std::fs::write(&path, finding.to_file_text())?;
            Some(path)
        } else {
            None
        };
        report
            .distinct
            .entry(finding.signature.clone())
            .and_modify(|(count, _, _)| *count += 1)
            .or_insert((1, finding, path));
        Ok(())
    };
    while workers.iter().any(Option::is_some) {
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            for mut worker in workers.iter_mut().filter_map(Option::take) {
                kill_and_wait(&mut worker.child);
            }
            break;
        }
        match events.recv_timeout(Duration::from_millis(50)) {
            Ok((id, generation, event)) => {
                let Some(worker) = workers[id].as_mut().filter(|w| w.generation == generation)
                else {
                    continue; // From a worker already replaced.
                };
                match event {
                    Event::Line(line) => {
                        if let Some(finding) = on_line(worker, &line, config, &source, &mut report)
                        {
                            record(&mut report, finding)?;
                            let _ = worker.child.kill();
                        }
                    }
                    Event::Closed => {
                        let mut worker = workers[id].take().expect("the worker is there");
                        let status = worker.child.wait()?;
                        if let Some((index, _)) = worker.current.take() {
                            report.execs += 1;
                            let input = input_for(config, &source, index)?;
                            let finding = crashed(config, &worker.stderr, status, input, index);
                            report
                                .per_input
                                .push((index, finding.kind.name().to_string()));
                            record(&mut report, finding)?;
                            worker.next = index + jobs;
                        } else if !worker.reported && !status.success() {
                            return Err(std::io::Error::other(format!(
                                "a worker failed before running an input ({status}): {}",
                                tail(&worker.stderr)
                            )));
                        }
                        if worker.next < config.count && (!status.success() || worker.reported) {
                            workers[id] = Some(spawn(
                                config,
                                &scratch,
                                id,
                                worker.next,
                                &mut generations,
                                &sender,
                            )?);
                        }
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        for slot in workers.iter_mut() {
            let Some(worker) = slot.as_mut() else {
                continue;
            };
            let Some((index, since)) = worker.current else {
                continue;
            };
            if since.elapsed() < config.limits.time + config.grace {
                continue;
            }
            let (state, stuck_in) = inspect_hang(worker.child.id(), &worker.stderr);
            let mut worker = slot.take().expect("the worker is there");
            kill_and_wait(&mut worker.child);
            report.execs += 1;
            let input = input_for(config, &source, index)?;
            let place = stuck_in
                .as_deref()
                .map(|frame| format!(" in {frame}"))
                .unwrap_or_default();
            let finding = Finding {
                kind: Kind::Hang,
                symptom: format!(
                    "no result {:?} after the time limit of {:?} interrupted the evaluation; evaluation thread: {state}{place}",
                    config.grace, config.limits.time
                ),
                signature: format!(
                    "hang: evaluation thread {}{}",
                    state.split(' ').next().unwrap_or("?"),
                    stuck_in
                        .as_deref()
                        .map(|frame| format!(" in {}", finding::normalize(frame)))
                        .unwrap_or_default()
                ),
                provenance: provenance(config, index),
                input,
            };
            report.per_input.push((index, "hang".to_string()));
            record(&mut report, finding)?;
            let next = index + jobs;
            if next < config.count {
                *slot = Some(spawn(
                    config,
                    &scratch,
                    worker.id,
                    next,
                    &mut generations,
                    &sender,
                )?);
            }
        }
        if config.progress && last_progress.elapsed() >= Duration::from_secs(10) {
            last_progress = Instant::now();
            let elapsed = started.elapsed();
            eprintln!(
                "kcfg-fuzz: {:.0}s, {} execs ({:.0}/s), {} findings ({} distinct)",
                elapsed.as_secs_f64(),
                report.execs,
                report.execs as f64 / elapsed.as_secs_f64().max(1e-9),
                report.findings(),
                report.distinct.len()
            );
        }
    }
    report.elapsed = started.elapsed();
    report.workers_started = generations;
    Ok(report)
}

fn kill_and_wait(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn on_line(
    worker: &mut Worker,
    line: &str,
    config: &RunConfig,
    source: &Option<Source>,
    report: &mut Report,
) -> Option<Finding> {
    let mut words = line.splitn(3, ' ');
    let verb = words.next()?;
    let index: u64 = words.next()?.parse().ok()?;
    let rest = words.next().unwrap_or("");
    match verb {
        "run" => worker.current = Some((index, Instant::now())),
        "done" => {
            if let Some((_, since)) = worker.current {
                let took = since.elapsed();
                if report.slowest.len() < 10 || took > report.slowest[9].0 {
                    report.slowest.push((took, index, rest.to_string()));
                    report
                        .slowest
                        .sort_by_key(|entry| std::cmp::Reverse(entry.0));
                    report.slowest.truncate(10);
                }
            }
            worker.current = None;
            worker.next = index + config.jobs.clamp(1, 64) as u64;
            report.execs += 1;
            *report.outcomes.entry(rest.to_string()).or_default() += 1;
            report.per_input.push((index, rest.to_string()));
        }
        "panic" => {
            worker.current = None;
            worker.reported = true;
            worker.next = index + config.jobs.clamp(1, 64) as u64;
            report.execs += 1;
            report.per_input.push((index, "panic".to_string()));
            let mut parts = rest.splitn(3, '\t');
            let location = parts.next().unwrap_or("");
            let frame = worker::unescape(parts.next().unwrap_or("-"));
            let message = worker::unescape(parts.next().unwrap_or(""));
            let frame = (frame != "-").then_some(frame);
            let input = input_for(config, source, index).ok()?;
            let within = frame
                .as_deref()
                .map(|frame| format!("\nin {frame}"))
                .unwrap_or_default();
            return Some(Finding {
                kind: Kind::Panic,
                symptom: format!(
                    "panicked at {}: {message}{within}",
                    finding::short_location(location)
                ),
                signature: finding::panic_signature(location, &message, frame.as_deref()),
                provenance: provenance(config, index),
                input,
            });
        }
        _ => {}
    }
    None
}

/// The finding for a worker that died while running `input`.
fn crashed(
    config: &RunConfig,
    stderr: &Path,
    status: ExitStatus,
    input: Input,
    index: u64,
) -> Finding {
    use std::os::unix::process::ExitStatusExt;
    let written = read_end(stderr, 64 * 1024);
    // The line that says why: Rust's messages for an allocation failure, a
    // stack overflow, or a panic that became an abort; else the last line
    // that is not part of a backtrace.
    let lines: Vec<&str> = written
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with("note: "))
        .collect();
    let reason = lines
        .iter()
        .rev()
        .find(|line| {
            line.starts_with("memory allocation of")
                || line.contains("has overflowed its stack")
                || line.starts_with("panicked at")
                || line.starts_with("thread '")
                || line.starts_with("fatal runtime error")
        })
        .or_else(|| lines.iter().rev().find(|line| !line.starts_with(' ')))
        .copied()
        .unwrap_or("(nothing on standard error)");
    let frame = finding::product_frame(&written);
    let tail = match &frame {
        Some(frame) => format!("{reason}\n(in {frame})"),
        None => tail(stderr),
    };
    let reason = match &frame {
        Some(frame) => format!("{reason} in {frame}"),
        None => reason.to_string(),
    };
    let (kind, what) = match (status.signal(), status.code()) {
        (Some(signal), _) => (Kind::Signal, signal_name(signal)),
        (None, Some(code)) if code == EXIT_AFTER_PANIC => (Kind::Exit, format!("status {code}")),
        (None, code) => (Kind::Exit, format!("status {}", code.unwrap_or(-1))),
    };
    Finding {
        kind,
        symptom: format!("the process died: {what}; standard error ended with:\n{tail}"),
        signature: format!("{} {what}: {}", kind.name(), finding::normalize(&reason)),
        provenance: provenance(config, index),
        input,
    }
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTRAP => "SIGTRAP",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

/// The last lines a worker wrote to standard error.
fn tail(path: &Path) -> String {
    let text = read_end(path, 2048);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

/// The last `max` bytes of a file.
fn read_end(path: &Path, max: u64) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(max)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What a hung worker's evaluation thread is doing: its state from `/proc`
/// (the scheduler's letter and the kernel function it waits in), and the
/// innermost frame of kcfg's code in the backtrace it prints on SIGUSR1
/// (see `worker::print_backtrace`).
fn inspect_hang(pid: u32, stderr: &Path) -> (String, Option<String>) {
    let Some((tid, state)) = eval_thread(pid) else {
        return ("gone".to_string(), None);
    };
    // SAFETY: sends a signal to one thread of our own child process.
    let sent = unsafe {
        libc::syscall(
            libc::SYS_tgkill,
            pid as libc::pid_t,
            tid as libc::pid_t,
            libc::SIGUSR1,
        )
    };
    let mut frame = None;
    if sent == 0 {
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(3) {
            let written = read_end(stderr, 256 * 1024);
            if let Some(at) = written.rfind(worker::BACKTRACE_START) {
                if written[at..].contains(worker::BACKTRACE_END) {
                    frame = finding::product_frame(&written[at..]);
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    (state, frame)
}

/// The evaluation thread of a worker: its id and its state.
fn eval_thread(pid: u32) -> Option<(u32, String)> {
    let tasks = Path::new("/proc").join(pid.to_string()).join("task");
    for entry in std::fs::read_dir(&tasks).ok()?.flatten() {
        let dir = entry.path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() != "kcfg-fuzz-eval" {
            continue;
        }
        let tid: u32 = entry.file_name().to_string_lossy().parse().ok()?;
        let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
        // The state follows the command name in parentheses.
        let state = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split(' ').next())
            .unwrap_or("?")
            .to_string();
        let meaning = match state.as_str() {
            "R" => "running (a loop that does not check the interrupt)",
            "S" => "sleeping (blocked: a deadlock or a wait)",
            "D" => "in uninterruptible sleep",
            _ => "in another state",
        };
        let wchan = std::fs::read_to_string(dir.join("wchan")).unwrap_or_default();
        let wchan = match wchan.trim() {
            "" | "0" => String::new(),
            name => format!(" in {name}"),
        };
        return Some((tid, format!("{state} {meaning}{wchan}")));
    }
    None
}

fn provenance(config: &RunConfig, index: u64) -> String {
    match &config.inputs {
        Inputs::Generated { seed } => format!("seed {seed}, index {index}"),
        Inputs::Files(_) => format!("replay index {index}"),
    }
}

fn input_for(config: &RunConfig, source: &Option<Source>, index: u64) -> std::io::Result<Input> {
    match (&config.inputs, source) {
        (Inputs::Generated { seed }, Some(source)) => Ok(source.input(*seed, index)),
        (Inputs::Files(files), _) => {
            let path = files
                .get(index as usize)
                .ok_or_else(|| std::io::Error::other(format!("no input file {index}")))?;
            finding::read_input(path)
        }
        (Inputs::Generated { .. }, None) => Err(std::io::Error::other("no input source")),
    }
}

fn spawn(
    config: &RunConfig,
    scratch: &Path,
    id: usize,
    start: u64,
    generations: &mut u64,
    sender: &Sender<(usize, u64, Event)>,
) -> std::io::Result<Worker> {
    *generations += 1;
    let generation = *generations;
    let stderr_path = scratch.join(format!("worker-{id}.stderr"));
    let stderr = std::fs::File::create(&stderr_path)?;
    let mut command = Command::new(&config.exe);
    command.arg("worker");
    match &config.inputs {
        Inputs::Generated { seed } => command.args(["--seed", &seed.to_string()]),
        Inputs::Files(_) => command.arg("--files-from").arg(scratch.join("files.txt")),
    };
    command
        .args(["--start", &start.to_string()])
        .args(["--step", &config.jobs.clamp(1, 64).to_string()])
        .args(["--end", &config.count.to_string()])
        .args(["--time-ms", &config.limits.time.as_millis().to_string()])
        .args(["--memory-mib", &(config.limits.memory >> 20).to_string()])
        .args(["--address-space-kib", &config.address_space_kib.to_string()])
        .args(["--stack-kib", &(config.stack >> 10).to_string()]);
    for dir in &config.corpus {
        command.arg("--corpus").arg(dir);
    }
    if config.inject {
        command.arg("--inject");
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .spawn()?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let sender = sender.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send((id, generation, Event::Line(line))).is_err() {
                return;
            }
        }
        let _ = sender.send((id, generation, Event::Closed));
    });
    Ok(Worker {
        id,
        generation,
        child,
        stderr: stderr_path,
        current: None,
        next: start,
        reported: false,
    })
}

/// Prints what a run saw: totals, outcomes, and each distinct cause with
/// its first reproducer (the text too, with `show_inputs`, so that a CI log
/// alone is enough to reproduce).
pub fn print_summary(report: &Report, show_inputs: bool) {
    eprintln!(
        "kcfg-fuzz: {} executions in {:.1}s ({:.0}/s)",
        report.execs,
        report.elapsed.as_secs_f64(),
        report.rate()
    );
    let outcomes: Vec<String> = report
        .outcomes
        .iter()
        .map(|(name, count)| format!("{name} {count}"))
        .collect();
    eprintln!(
        "kcfg-fuzz: outcomes: {}; {} worker processes",
        outcomes.join(", "),
        report.workers_started
    );
    let slowest: Vec<String> = report
        .slowest
        .iter()
        .take(5)
        .map(|(took, index, outcome)| {
            format!("#{index} {:.0}ms {outcome}", took.as_secs_f64() * 1e3)
        })
        .collect();
    if !slowest.is_empty() {
        eprintln!("kcfg-fuzz: slowest: {}", slowest.join(", "));
    }
    if report.distinct.is_empty() {
        eprintln!("kcfg-fuzz: no findings");
        return;
    }
    eprintln!(
        "kcfg-fuzz: {} findings, {} distinct causes:",
        report.findings(),
        report.distinct.len()
    );
    for (signature, (count, finding, path)) in &report.distinct {
        eprintln!("\n  {count}x {signature}");
        if let Some(path) = path {
            eprintln!("     first: {}", path.display());
        }
        if show_inputs {
            let text = finding.to_file_text();
            let shown: String = text.chars().take(1500).collect();
            for line in shown.lines() {
                eprintln!("     | {line}");
            }
            if shown.len() < text.len() {
                eprintln!("     | … ({} bytes in all)", text.len());
            }
        }
    }
}
