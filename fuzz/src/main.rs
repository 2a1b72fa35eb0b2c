//! `kcfg-fuzz`: the command line of the fuzz harness (see `README.md`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};

use kcfg_fuzz::corpus::Corpus;
use kcfg_fuzz::exec::{CountingAlloc, Limits};
use kcfg_fuzz::finding::{self, Finding, Kind};
use kcfg_fuzz::input::{Mode, Source};
use kcfg_fuzz::supervisor::{self, RunConfig};
use kcfg_fuzz::worker::{self, Inputs, WorkerConfig};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Fuzz the kcfg language: generate and mutate Jsonnet programs, evaluate
/// them in worker processes, and write every panic, crash and hang as a
/// reproducer file.
#[derive(Parser)]
#[command(name = "kcfg-fuzz", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fuzz for a number of executions or a time, from a seed.
    Run(RunArgs),
    /// Run files (or every .jsonnet file under directories) once each and
    /// report how each ended.
    Replay(ReplayArgs),
    /// Shrink a finding to the smallest input that fails the same way.
    Minimize(MinimizeArgs),
    /// Print or write the inputs of a seed (seeds for AFL++, debugging).
    Print(PrintArgs),
    /// Internal: a worker process of the supervisor.
    #[command(hide = true)]
    Worker(WorkerArgs),
}

#[derive(Args, Clone)]
struct LimitArgs {
    /// Time after which an input's evaluation is interrupted.
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    time_limit_ms: u64,
    /// How long after its interrupt an evaluation may take to stop before
    /// it counts as a hang.
    #[arg(long, default_value_t = 3000, value_name = "MS")]
    grace_ms: u64,
    /// Live heap after which an input's evaluation is interrupted.
    #[arg(long, default_value_t = 512, value_name = "MIB")]
    memory_mib: usize,
    /// Address-space limit of each worker, as `ulimit -v` takes it (KiB);
    /// 0 for none.
    #[arg(long, default_value_t = 2_000_000, value_name = "KIB")]
    address_space_kib: u64,
    /// Stack of the evaluation thread (the evaluator grows it on demand).
    #[arg(long, default_value_t = 16 * 1024, value_name = "KIB")]
    stack_kib: usize,
    /// Corpus directory to mutate (repeatable; default: fuzz/corpus and
    /// conformance/ of this checkout).
    #[arg(long, value_name = "DIR")]
    corpus: Vec<PathBuf>,
    /// Worker processes.
    #[arg(long, short = 'j', default_value_t = 1)]
    jobs: usize,
    /// Findings written per distinct cause.
    #[arg(long, default_value_t = 3)]
    per_signature: usize,
    /// Where to write findings (default: target/kcfg-fuzz/ of this checkout).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Offer std.native('panic'|'abort'|'hang'|'oom') to inputs, to test the
    /// harness itself.
    #[arg(long, hide = true)]
    inject: bool,
}

#[derive(Args)]
struct RunArgs {
    /// The seed: a number, or `time` for one derived from the clock (it is
    /// printed, so the run can be repeated).
    #[arg(long, default_value = "time")]
    seed: String,
    /// Stop after this many executions.
    #[arg(long)]
    execs: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    time: Option<u64>,
    /// Print every reproducer's text in the summary (for CI logs).
    #[arg(long)]
    show_inputs: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args)]
struct ReplayArgs {
    /// Files, or directories searched for .jsonnet files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args)]
struct MinimizeArgs {
    /// A finding file (its `// signature:` line says what to keep).
    file: PathBuf,
    /// Where to write the result (default: FILE with `.min.jsonnet`).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args)]
struct PrintArgs {
    #[arg(long)]
    seed: u64,
    /// The first index.
    #[arg(long, default_value_t = 0)]
    index: u64,
    /// How many inputs.
    #[arg(long, default_value_t = 1)]
    count: u64,
    /// Write each input to DIR/INDEX.jsonnet instead of printing it.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Corpus directory (repeatable; default as for `run`).
    #[arg(long, value_name = "DIR")]
    corpus: Vec<PathBuf>,
}

#[derive(Args)]
struct WorkerArgs {
    #[arg(long)]
    seed: Option<u64>,
    #[arg(long)]
    files_from: Option<PathBuf>,
    #[arg(long)]
    start: u64,
    #[arg(long)]
    step: u64,
    #[arg(long)]
    end: u64,
    #[arg(long)]
    time_ms: u64,
    #[arg(long)]
    memory_mib: usize,
    #[arg(long)]
    address_space_kib: u64,
    #[arg(long)]
    stack_kib: usize,
    #[arg(long)]
    corpus: Vec<PathBuf>,
    #[arg(long)]
    inject: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Replay(args) => replay(args),
        Command::Minimize(args) => minimize(args),
        Command::Print(args) => print(args),
        Command::Worker(args) => return ExitCode::from(work(args) as u8),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kcfg-fuzz: error: {err}");
            ExitCode::from(1)
        }
    }
}

fn config(limits: &LimitArgs, inputs: Inputs, count: u64) -> std::io::Result<RunConfig> {
    let corpus = if limits.corpus.is_empty() {
        Corpus::default_dirs()
    } else {
        limits.corpus.clone()
    };
    let out = limits.out.clone().unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/kcfg-fuzz/findings")
    });
    Ok(RunConfig {
        exe: std::env::current_exe()?,
        inputs,
        count,
        duration: None,
        jobs: limits.jobs,
        out,
        corpus,
        limits: Limits {
            time: Duration::from_millis(limits.time_limit_ms),
            memory: limits.memory_mib << 20,
        },
        grace: Duration::from_millis(limits.grace_ms),
        address_space_kib: limits.address_space_kib,
        stack: limits.stack_kib << 10,
        inject: limits.inject,
        per_signature: limits.per_signature,
        progress: true,
    })
}

fn run(args: RunArgs) -> std::io::Result<ExitCode> {
    let seed = match args.seed.as_str() {
        "time" => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
        text => text
            .parse()
            .map_err(|_| std::io::Error::other(format!("--seed: not a number: {text}")))?,
    };
    if args.execs.is_none() && args.time.is_none() {
        return Err(std::io::Error::other(
            "give --execs N, --time SECONDS, or both",
        ));
    }
    let mut config = config(
        &args.limits,
        Inputs::Generated { seed },
        args.execs.unwrap_or(u64::MAX),
    )?;
    config.duration = args.time.map(Duration::from_secs);
    let corpus = Corpus::load(&config.corpus);
    eprintln!(
        "kcfg-fuzz: seed {seed}, {} corpus files, {} worker(s), findings in {}",
        corpus.files.len(),
        config.jobs,
        config.out.display()
    );
    eprintln!("kcfg-fuzz: repeat with: kcfg-fuzz run --seed {seed} …");
    let report = supervisor::run(&config)?;
    supervisor::print_summary(&report, args.show_inputs);
    Ok(if report.distinct.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn replay(args: ReplayArgs) -> std::io::Result<ExitCode> {
    let mut files = Vec::new();
    for path in &args.paths {
        collect(path, &mut files)?;
    }
    let mut config = config(
        &args.limits,
        Inputs::Files(files.clone()),
        files.len() as u64,
    )?;
    config.progress = false;
    let report = supervisor::run(&config)?;
    let mut outcomes = report.per_input.clone();
    outcomes.sort();
    for (index, outcome) in outcomes {
        println!("{outcome:<14} {}", files[index as usize].display());
    }
    supervisor::print_summary(&report, false);
    Ok(if report.distinct.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            if entry.is_dir() || entry.extension().is_some_and(|ext| ext == "jsonnet") {
                collect(&entry, files)?;
            }
        }
    } else {
        files.push(path.to_path_buf());
    }
    Ok(())
}

fn minimize(args: MinimizeArgs) -> std::io::Result<ExitCode> {
    let input = finding::read_input(&args.file)?;
    let mut config = config(&args.limits, Inputs::Files(vec![args.file.clone()]), 1)?;
    config.progress = false;
    let scratch = config.out.join(".minimize");
    let signature = match header_value(&input.text, "signature") {
        Some(signature) => signature,
        None => {
            let mut probe = config.clone();
            probe.out = scratch.join("probe");
            probe.per_signature = 0;
            let report = supervisor::run(&probe)?;
            match report.distinct.keys().next() {
                Some(signature) => signature.clone(),
                None => return Err(std::io::Error::other("the file does not fail")),
            }
        }
    };
    eprintln!("kcfg-fuzz: keeping `{signature}`");
    let (smallest, checks) = kcfg_fuzz::minimize::minimize(&config, &input, &signature, &scratch)?;
    let kind = match signature.split(' ').next() {
        Some("panic") => Kind::Panic,
        Some("signal") => Kind::Signal,
        Some("hang:") => Kind::Hang,
        _ => Kind::Exit,
    };
    let symptom = header_value(&input.text, "symptom").unwrap_or_else(|| signature.clone());
    let finding = Finding {
        kind,
        symptom,
        signature,
        provenance: format!("minimized in {checks} checks"),
        input: smallest,
    };
    let output = args
        .output
        .unwrap_or_else(|| args.file.with_extension("min.jsonnet"));
    std::fs::write(&output, finding.to_file_text())?;
    eprintln!(
        "kcfg-fuzz: {} bytes → {} bytes, written to {}",
        finding::strip_header(&input.text).len(),
        finding.input.text.len(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn header_value(text: &str, key: &str) -> Option<String> {
    let prefix = format!("// {key}: ");
    text.lines()
        .take_while(|line| line.starts_with("//"))
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_string))
}

fn print(args: PrintArgs) -> std::io::Result<ExitCode> {
    let dirs = if args.corpus.is_empty() {
        Corpus::default_dirs()
    } else {
        args.corpus
    };
    let source = Source::new(Corpus::load(&dirs));
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir)?;
    }
    for index in args.index..args.index.saturating_add(args.count) {
        let input = source.input(args.seed, index);
        let header = if input.mode == Mode::Json {
            String::new()
        } else {
            format!("// mode: {}\n", input.mode.name())
        };
        match &args.dir {
            Some(dir) => std::fs::write(
                dir.join(format!("{index}.jsonnet")),
                format!("{header}{}", input.text),
            )?,
            None => println!(
                "// index {index}, {}\n{header}{}\n",
                input.origin, input.text
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn work(args: WorkerArgs) -> i32 {
    let inputs = match (args.seed, &args.files_from) {
        (Some(seed), None) => Inputs::Generated { seed },
        (None, Some(list)) => match std::fs::read_to_string(list) {
            Ok(text) => Inputs::Files(text.lines().map(PathBuf::from).collect()),
            Err(err) => {
                eprintln!("kcfg-fuzz worker: cannot read {}: {err}", list.display());
                return 1;
            }
        },
        _ => {
            eprintln!("kcfg-fuzz worker: give --seed or --files-from");
            return 1;
        }
    };
    worker::run(WorkerConfig {
        inputs,
        start: args.start,
        step: args.step.max(1),
        end: args.end,
        corpus: args.corpus,
        limits: Limits {
            time: Duration::from_millis(args.time_ms),
            memory: args.memory_mib << 20,
        },
        address_space_kib: args.address_space_kib,
        stack: args.stack_kib << 10,
        inject: args.inject,
    })
}
