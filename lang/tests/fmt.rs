//! The formatter against jsonnetfmt 0.22, and its two properties.
//!
//! - The conformance suite (`conformance/jsonnet/`, google/jsonnet's test
//!   suite): every `*.jsonnet` but `error.parse.*` formats to its
//!   `.fmt.golden` where there is one, and to itself where there is not.
//! - Non-default options: goldens recorded from jsonnetfmt 0.22 by
//!   `tests/fmt/record.sh` (see the script for the command), one directory
//!   per option set of `tests/fmt/options.txt`.
//! - The repository round trip: every `.kcfg`, `.jsonnet` and `.libsonnet`
//!   file that parses formats to what jsonnetfmt 0.22 printed for it
//!   (`tests/fmt/repo_outputs.tsv`, by hash, for files unchanged since).
//! - Everywhere: formatting the output again changes nothing, and the
//!   output parses to the same tree as the input, layout aside.
// Tests read their cases from disk; the crate itself may not (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kcfg_lang::ast::{CompSpec, Expr, ExprKind, FieldName, Member, Param, StrStyle};
use kcfg_lang::fmt::{format, CommentStyle, Options, StringStyle};
use kcfg_lang::span::{SourceMap, SourceName};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Formats `text`; the error's first line on failure.
fn format_text(name: &str, text: &str, options: &Options) -> Result<String, String> {
    let sources = SourceMap::new();
    let file = sources.add(SourceName::Virtual(name.into()), text);
    format(&file, options).map_err(|err| err.first_line(&sources))
}

/// The layout-free form of a file's tree: what it means, with the sugar
/// the formatter may add or remove normalised (parentheses, `a + {}` and
/// `a {}`, quoted and bare field names, `a["f"]` and `a.f`, quote styles,
/// the order and grouping of top-level imports).
fn layout_free(text: &str) -> Result<String, String> {
    let sources = SourceMap::new();
    let file = sources.add(SourceName::Virtual("tree.jsonnet".into()), text);
    let tree = kcfg_lang::syntax::parse(&file).map_err(|err| err.first_line(&sources))?;
    let mut out = String::new();
    let mut expr = &tree.expr;
    // Top-level imports: as a sorted list of `name = path`.
    let mut imports = Vec::new();
    while let ExprKind::Local { binds, body } = &expr.kind {
        let all_imports = binds.iter().all(|bind| {
            bind.params.is_none() && matches!(bind.value.kind, ExprKind::Import { .. })
        });
        if !all_imports {
            break;
        }
        for bind in binds {
            let mut value = String::new();
            print(&bind.value, &mut value);
            imports.push(format!("{}={value}", bind.name.name.as_str()));
        }
        expr = body;
    }
    imports.sort();
    for import in imports {
        let _ = write!(out, "(import-local {import})");
    }
    print(expr, &mut out);
    Ok(out)
}

fn print_params(params: &[Param], out: &mut String) {
    out.push('(');
    for param in params {
        out.push_str(param.name.name.as_str());
        if let Some(default) = &param.default {
            out.push('=');
            print(default, out);
        }
        out.push(',');
    }
    out.push(')');
}

fn print_specs(specs: &[CompSpec], out: &mut String) {
    for spec in specs {
        match spec {
            CompSpec::For { var, iter, .. } => {
                let _ = write!(out, " for {} in ", var.name.as_str());
                print(iter, out);
            }
            CompSpec::If { cond, .. } => {
                out.push_str(" if ");
                print(cond, out);
            }
        }
    }
}

fn print_members(members: &[Member], out: &mut String) {
    for member in members {
        match member {
            Member::Local(bind) => {
                let _ = write!(out, "local {}", bind.name.name.as_str());
                if let Some(params) = &bind.params {
                    print_params(params, out);
                }
                out.push('=');
                print(&bind.value, out);
            }
            Member::Assert(assert) => {
                out.push_str("assert ");
                print(&assert.cond, out);
                if let Some(message) = &assert.message {
                    out.push(':');
                    print(message, out);
                }
            }
            Member::Field(field) => {
                match &field.name {
                    FieldName::Ident(name) => {
                        let _ = write!(out, "{:?}", name.name.as_str());
                    }
                    FieldName::Str { value, .. } => {
                        let _ = write!(out, "{value:?}");
                    }
                    FieldName::Computed(name) => match &name.kind {
                        ExprKind::Str { value, .. } => {
                            let _ = write!(out, "{value:?}");
                        }
                        _ => {
                            out.push('[');
                            print(name, out);
                            out.push(']');
                        }
                    },
                }
                if let Some(params) = &field.params {
                    print_params(params, out);
                }
                let _ = write!(
                    out,
                    "{}{:?}",
                    if field.plus { "+" } else { "" },
                    field.visibility
                );
                print(&field.value, out);
            }
        }
        out.push(',');
    }
}

fn print(expr: &Expr, out: &mut String) {
    match &expr.kind {
        ExprKind::Parens(inner) => print(inner, out),
        ExprKind::Null => out.push_str("null"),
        ExprKind::Missing => out.push_str("<missing>"),
        ExprKind::True => out.push_str("true"),
        ExprKind::False => out.push_str("false"),
        ExprKind::SelfValue => out.push_str("self"),
        ExprKind::Dollar => out.push('$'),
        ExprKind::Num(value) => {
            let _ = write!(out, "{value:?}");
        }
        // The formatter writes text blocks with Unix line ends, as the
        // reference does, which drops the `\r` of a CRLF file's blocks.
        ExprKind::Str {
            value,
            style: StrStyle::Block | StrStyle::BlockChomped,
        } => {
            let _ = write!(out, "{:?}", value.replace('\r', ""));
        }
        ExprKind::Str { value, .. } => {
            let _ = write!(out, "{value:?}");
        }
        ExprKind::Var(name) => out.push_str(name.name.as_str()),
        ExprKind::Array { elems, .. } => {
            out.push('[');
            for elem in elems {
                print(elem, out);
                out.push(',');
            }
            out.push(']');
        }
        ExprKind::ArrayComp { body, specs, .. } => {
            out.push('[');
            print(body, out);
            print_specs(specs, out);
            out.push(']');
        }
        ExprKind::Object { members, .. } => {
            out.push('{');
            print_members(members, out);
            out.push('}');
        }
        ExprKind::ObjectComp { members, specs, .. } => {
            out.push('{');
            print_members(members, out);
            print_specs(specs, out);
            out.push('}');
        }
        ExprKind::Field { target, name } => {
            out.push_str("(index ");
            print(target, out);
            let _ = write!(out, " {:?})", name.name.as_str());
        }
        ExprKind::Index { target, index } => {
            out.push_str("(index ");
            print(target, out);
            out.push(' ');
            print(index, out);
            out.push(')');
        }
        ExprKind::Slice {
            target,
            start,
            end,
            step,
        } => {
            out.push_str("(slice ");
            print(target, out);
            for part in [start, end, step] {
                out.push(' ');
                match part {
                    Some(part) => print(part, out),
                    None => out.push('_'),
                }
            }
            out.push(')');
        }
        ExprKind::SuperField { name } => {
            let _ = write!(out, "(super {:?})", name.name.as_str());
        }
        ExprKind::SuperIndex { index } => {
            out.push_str("(super ");
            print(index, out);
            out.push(')');
        }
        ExprKind::InSuper { key } => {
            out.push_str("(in-super ");
            print(key, out);
            out.push(')');
        }
        ExprKind::Apply {
            target,
            args,
            tailstrict,
            ..
        } => {
            out.push_str("(call ");
            print(target, out);
            for arg in args {
                out.push(' ');
                if let Some(name) = &arg.name {
                    let _ = write!(out, "{}=", name.name.as_str());
                }
                print(&arg.value, out);
            }
            if *tailstrict {
                out.push_str(" tailstrict");
            }
            out.push(')');
        }
        // `a { … }` is `a + { … }`.
        ExprKind::ApplyBrace { target, object } => {
            out.push_str("(Add ");
            print(target, out);
            out.push(' ');
            print(object, out);
            out.push(')');
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let _ = write!(out, "({op:?} ");
            print(lhs, out);
            out.push(' ');
            print(rhs, out);
            out.push(')');
        }
        ExprKind::Unary { op, expr } => {
            let _ = write!(out, "({op:?} ");
            print(expr, out);
            out.push(')');
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            out.push_str("(if ");
            print(cond, out);
            out.push(' ');
            print(then, out);
            if let Some(otherwise) = otherwise {
                out.push(' ');
                print(otherwise, out);
            }
            out.push(')');
        }
        ExprKind::Function { params, body } => {
            out.push_str("(function ");
            print_params(params, out);
            print(body, out);
            out.push(')');
        }
        ExprKind::Local { binds, body } => {
            out.push_str("(local ");
            for bind in binds {
                out.push_str(bind.name.name.as_str());
                if let Some(params) = &bind.params {
                    print_params(params, out);
                }
                out.push('=');
                print(&bind.value, out);
                out.push(',');
            }
            print(body, out);
            out.push(')');
        }
        ExprKind::Assert { assert, rest } => {
            out.push_str("(assert ");
            print(&assert.cond, out);
            if let Some(message) = &assert.message {
                out.push(' ');
                print(message, out);
            }
            out.push(' ');
            print(rest, out);
            out.push(')');
        }
        ExprKind::Error { message } => {
            out.push_str("(error ");
            print(message, out);
            out.push(')');
        }
        ExprKind::Import { kind, path, .. } => {
            let _ = write!(out, "({kind:?} {path:?})");
        }
    }
}

/// Checks the two properties of `output`, the formatting of `input`.
fn check_properties(name: &str, input: &str, output: &str, options: &Options) -> Vec<String> {
    let mut failures = Vec::new();
    match format_text(name, output, options) {
        Ok(again) if again == output => {}
        Ok(_) => failures.push(format!("{name}: formatting the output again changes it")),
        Err(err) => failures.push(format!("{name}: the output does not parse: {err}")),
    }
    match (layout_free(input), layout_free(output)) {
        (Ok(before), Ok(after)) if before == after => {}
        (Ok(_), Ok(_)) => failures.push(format!(
            "{name}: the output's tree differs from the input's"
        )),
        (Err(err), _) | (_, Err(err)) => failures.push(format!("{name}: {err}")),
    }
    failures
}

/// The suite's inputs: every `*.jsonnet` but the parse errors.
fn conformance_inputs() -> Vec<PathBuf> {
    let dir = repo_root().join("conformance/jsonnet");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("conformance/jsonnet is in the repository")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or("");
            name.ends_with(".jsonnet") && !name.starts_with("error.parse.")
        })
        .collect();
    inputs.sort();
    inputs
}

fn read(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    String::from_utf8(bytes).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn conformance_suite_matches_jsonnetfmt_goldens() {
    let options = Options::default();
    let (mut goldens, mut unchanged) = (0, 0);
    let mut failures = Vec::new();
    for path in conformance_inputs() {
        let name = file_name(&path);
        let input = read(&path);
        let golden_path = path.with_file_name(format!("{name}.fmt.golden"));
        let expected = if golden_path.exists() {
            goldens += 1;
            read(&golden_path)
        } else {
            unchanged += 1;
            input.clone()
        };
        match format_text(&name, &input, &options) {
            Ok(output) if output == expected => {
                failures.extend(check_properties(&name, &input, &output, &options));
            }
            Ok(_) => failures.push(format!("{name}: differs from jsonnetfmt 0.22")),
            Err(err) => failures.push(format!("{name}: {err}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(goldens, 32, "the suite has 32 .fmt.golden files");
    assert!(unchanged >= 100, "only {unchanged} unchanged files");
}

/// Parses `-n 4 -s d …` as `record.sh` passes them to jsonnetfmt.
fn parse_options(flags: &str) -> Options {
    let mut options = Options::default();
    let words: Vec<&str> = flags.split_whitespace().collect();
    for pair in words.chunks(2) {
        let (flag, value) = (pair[0], pair.get(1).copied().unwrap_or(""));
        match flag {
            "-n" => options.indent = value.parse().expect("a number"),
            "-m" => options.max_blank_lines = value.parse().expect("a number"),
            "-s" => {
                options.string_style = match value {
                    "d" => StringStyle::Double,
                    "s" => StringStyle::Single,
                    _ => StringStyle::Leave,
                }
            }
            "-c" => {
                options.comment_style = match value {
                    "h" => CommentStyle::Hash,
                    "s" => CommentStyle::Slash,
                    _ => CommentStyle::Leave,
                }
            }
            "-pa" => options.pad_arrays = value == "1",
            "-po" => options.pad_objects = value == "1",
            "-pf" => options.pretty_field_names = value == "1",
            "-si" => options.sort_imports = value == "1",
            other => panic!("unknown flag {other} in options.txt"),
        }
    }
    options
}

#[test]
fn non_default_options_match_jsonnetfmt_goldens() {
    let dir = repo_root().join("lang/tests/fmt");
    let mut inputs = conformance_inputs();
    let mut hand_written: Vec<PathBuf> = std::fs::read_dir(dir.join("inputs"))
        .expect("tests/fmt/inputs")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    hand_written.sort();
    inputs.extend(hand_written.iter().cloned());
    // The default output, which a set's output equals where it has no golden.
    let default_output = |path: &Path| -> String {
        let name = file_name(path);
        let candidates = [
            path.with_file_name(format!("{name}.fmt.golden")),
            dir.join("default").join(format!("{name}.golden")),
        ];
        match candidates.iter().find(|candidate| candidate.exists()) {
            Some(golden) => read(golden),
            None => read(path),
        }
    };
    let sets = read(&dir.join("options.txt"));
    let mut failures = Vec::new();
    let (mut sets_checked, mut goldens_checked) = (0, 0);
    for line in sets.lines().filter(|line| !line.trim().is_empty()) {
        let (set, flags) = line.split_once(' ').unwrap_or((line, ""));
        let options = parse_options(flags);
        sets_checked += 1;
        for path in &inputs {
            let name = file_name(path);
            let golden = dir.join(set).join(format!("{name}.golden"));
            let expected = if golden.exists() {
                goldens_checked += 1;
                read(&golden)
            } else {
                default_output(path)
            };
            let input = read(path);
            match format_text(&name, &input, &options) {
                Ok(output) if output == expected => {
                    let label = format!("{set}/{name}");
                    failures.extend(check_properties(&label, &input, &output, &options));
                }
                Ok(_) => failures.push(format!("{set}/{name}: differs from jsonnetfmt 0.22")),
                Err(err) => failures.push(format!("{set}/{name}: {err}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(sets_checked >= 12 && goldens_checked >= 300);
    // The hand-written inputs' default output is checked here too.
    for path in &hand_written {
        let name = file_name(path);
        let output = format_text(&name, &read(path), &Options::default());
        assert_eq!(
            output.as_deref(),
            Ok(default_output(path).as_str()),
            "{name}"
        );
    }
}

/// FNV-1a, 64 bits: the hash `record.sh` writes into `repo_outputs.tsv`.
fn fnv1a(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Every `.kcfg`, `.jsonnet` and `.libsonnet` file under `dir`, skipping
/// hidden directories and build output.
fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = file_name(&path);
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                source_files(&path, out);
            }
        } else if [".kcfg", ".jsonnet", ".libsonnet"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            out.push(path);
        }
    }
}

#[test]
fn repository_round_trip() {
    let root = repo_root();
    let manifest = read(&root.join("lang/tests/fmt/repo_outputs.tsv"));
    let recorded: HashMap<&str, (&str, &str)> = manifest
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            Some((parts.next()?, (parts.next()?, parts.next()?)))
        })
        .collect();
    let mut files = Vec::new();
    source_files(&root, &mut files);
    files.sort();
    let options = Options::default();
    let (mut formatted, mut compared, mut not_parsing) = (0, 0, 0);
    let mut failures = Vec::new();
    for path in files {
        let relative = path
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let input = String::from_utf8_lossy(&bytes).into_owned();
        let output = match format_text(&relative, &input, &options) {
            Ok(output) => output,
            Err(_) => {
                not_parsing += 1;
                if recorded
                    .get(relative.as_str())
                    .is_some_and(|(hash, _)| *hash == fnv1a(&bytes))
                {
                    failures.push(format!(
                        "{relative}: jsonnetfmt 0.22 formats it, kcfg does not"
                    ));
                }
                continue;
            }
        };
        formatted += 1;
        if let Some((input_hash, output_hash)) = recorded.get(relative.as_str()) {
            if *input_hash == fnv1a(&bytes) {
                compared += 1;
                if *output_hash != fnv1a(output.as_bytes()) {
                    failures.push(format!("{relative}: differs from jsonnetfmt 0.22"));
                }
            }
        }
        failures.extend(check_properties(&relative, &input, &output, &options));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        formatted >= 900,
        "only {formatted} files formatted ({not_parsing} do not parse)"
    );
    assert!(
        compared >= 900,
        "only {compared} files compared with jsonnetfmt 0.22"
    );
}

#[test]
fn issue14_layout_free_tree_sees_through_sugar() {
    let sugar =
        "local b = import 'b';\nlocal a = import \"a\";\n{ 'x': ((1)), y: c + { z: d['w'] } }";
    let plain = "local a = import 'a', b = import 'b';\n{ x: 1, y: c { z: d.w } }";
    assert_eq!(layout_free(sugar), layout_free(plain));
    assert_ne!(layout_free("{ x: 1 }"), layout_free("{ x: 2 }"));
    assert_ne!(layout_free("a + { x: 1 }"), layout_free("a - { x: 1 }"));
}

#[test]
fn issue14_deep_trees_format_on_a_small_stack() {
    // `1 + 1 + …` nests to the left without limit, and 490 nested arrays
    // are as deep as the parser allows: every pass recurses over them.
    let long_sum = format!("1{}\n", " + 1".repeat(30_000));
    let deep_array = format!("{}1{}\n", "[".repeat(490), "]".repeat(490));
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let options = Options::default();
            let sum = format_text("sum.jsonnet", &long_sum, &options);
            let array = format_text("array.jsonnet", &deep_array, &options);
            (
                sum.map(|out| out == long_sum),
                array.map(|out| out == deep_array),
            )
        })
        .expect("a thread");
    let (sum, array) = handle.join().expect("no stack overflow");
    assert_eq!(sum, Ok(true));
    assert_eq!(array, Ok(true));
}
