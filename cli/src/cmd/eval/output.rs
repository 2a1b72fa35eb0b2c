//! Writing `kcfg eval`'s output: one document, a YAML stream (`-y`) or one
//! file per field (`-m`), to standard output or to `-o`.
//!
//! The order of operations and the messages are the reference's
//! (`cmd/jsonnet.cpp` and `cmd/utils.cpp` of jsonnet 0.22), because scripts
//! read them: an output file that cannot be written is
//! `Writing to output file: PATH: REASON` (files are written unbuffered, so
//! a full disk shows at the write, where the reference sees it when it
//! closes the file), a `-m` file that cannot be
//! created is `Opening output file: PATH: REASON`, and `-m` prints each
//! file's name before it writes the file, so after a failure the listing
//! ends with the file that failed. kcfg adds `-c`, which creates missing
//! parent directories of `-o` and of the `-m` files first.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::args::{self, EvalArgs};

/// What a successful evaluation produced.
pub enum Output {
    /// One document, without its final newline.
    Document(String),
    /// `-m`: file names and contents, without final newlines.
    Multi(Vec<(String, String)>),
    /// `-y`: the documents of the stream, without final newlines.
    Stream(Vec<String>),
}

/// An error already worded for standard error.
pub struct Failure(pub String);

/// Where text goes: standard output, or the `-o` file opened at the start
/// (as the reference opens it before writing anything). As with the
/// reference's `std::ofstream`, a failed write to the file is reported
/// when the output is finished, so `-m` still writes its files.
enum Sink {
    Stdout,
    File {
        file: File,
        shown: String,
        failed: Option<std::io::Error>,
    },
}

impl Sink {
    fn open(output_file: Option<&Path>, create_dirs: bool) -> Result<Sink, Failure> {
        let Some(path) = output_file else {
            return Ok(Sink::Stdout);
        };
        let shown = path.display().to_string();
        if create_dirs {
            create_parent(path)?;
        }
        match File::create(path) {
            Ok(file) => Ok(Sink::File {
                file,
                shown,
                failed: None,
            }),
            Err(err) => Err(write_failure(&shown, &err)),
        }
    }

    fn write(&mut self, text: &str) -> Result<(), Failure> {
        match self {
            Sink::Stdout => {
                let mut stdout = std::io::stdout().lock();
                match stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush())
                {
                    Ok(()) => Ok(()),
                    // A closed pipe (`kcfg eval x | head`) is not an error.
                    Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    // The reference does not check standard output; kcfg
                    // does not claim success when the output was lost.
                    Err(err) => Err(Failure(format!(
                        "ERROR: writing output: {}\n",
                        args::io_message(&err)
                    ))),
                }
            }
            Sink::File { file, failed, .. } => {
                if failed.is_none() {
                    *failed = file.write_all(text.as_bytes()).err();
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<(), Failure> {
        match self {
            Sink::File {
                shown,
                failed: Some(err),
                ..
            } => Err(write_failure(&shown, &err)),
            _ => Ok(()),
        }
    }
}

fn write_failure(shown: &str, err: &std::io::Error) -> Failure {
    Failure(format!(
        "Writing to output file: {shown}: {}\n",
        args::io_message(err)
    ))
}

/// `-c`: creates the missing directories above `path`.
fn create_parent(path: &Path) -> Result<(), Failure> {
    match path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|err| {
            Failure(format!(
                "ERROR: creating directory {}: {}\n",
                dir.display(),
                args::io_message(&err)
            ))
        }),
        None => Ok(()),
    }
}

/// Writes `output` where `args` says.
pub fn write(args: &EvalArgs, output: Output) -> Result<(), Failure> {
    let newline = if args.trailing_newline { "\n" } else { "" };
    let mut sink = Sink::open(args.output_file.as_deref(), args.create_dirs)?;
    match output {
        Output::Document(mut text) => {
            // Appending in place: a copy of a large output would touch as
            // many fresh pages again.
            text.push_str(newline);
            sink.write(&text)?;
        }
        Output::Stream(docs) => {
            let mut text = String::new();
            for doc in &docs {
                text.push_str("---\n");
                text.push_str(doc);
                text.push('\n');
            }
            if !docs.is_empty() {
                text.push_str("...\n");
            }
            sink.write(&text)?;
        }
        Output::Multi(mut files) => {
            let dir = args.multi.as_deref().unwrap_or(".");
            files.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, mut content) in files {
                let path = if dir.ends_with('/') {
                    format!("{dir}{name}")
                } else {
                    format!("{dir}/{name}")
                };
                sink.write(&format!("{path}\n"))?;
                content.push_str(newline);
                write_file_if_changed(&path, &content, args.create_dirs)?;
            }
        }
    }
    sink.finish()
}

/// Writes `content` to `path` unless the file already holds exactly that
/// (which keeps its modification time, as the reference does).
fn write_file_if_changed(path: &str, content: &str, create_dirs: bool) -> Result<(), Failure> {
    if let Ok(existing) = std::fs::read(path) {
        if existing == content.as_bytes() {
            return Ok(());
        }
    }
    if create_dirs {
        create_parent(Path::new(path))?;
    }
    let mut file = File::create(path).map_err(|err| {
        Failure(format!(
            "Opening output file: {path}: {}\n",
            args::io_message(&err)
        ))
    })?;
    file.write_all(content.as_bytes())
        .map_err(|err| write_failure(path, &err))
}
