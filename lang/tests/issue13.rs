//! Issue 13: no input makes the evaluator panic, hang or use memory
//! without bound. Each case is a reproducer from the issue or one of its
//! kind; expected traces were recorded with C++ jsonnet 0.22.

use std::sync::Arc;

use kcfg_lang::eval::{Arena, Ctx, EvalConfig, MemoryLimit};
use kcfg_lang::program::{NoImports, Program, Std};
use kcfg_lang::span::SourceName;

/// Evaluates `code` (named `<cmdline>`, as `jsonnet -e` names it) with the
/// core builtins and the given configuration; returns the JSON, or the
/// error as the reference prints it.
fn run(code: &str, config: &EvalConfig) -> String {
    let mut std = Std::default();
    std.builtins.extend(kcfg_lang::eval::core::CORE.iter());
    let mut program = Program::new(Arc::new(NoImports), std);
    if let Some(memory) = &config.memory {
        program = program.with_memory_limit(memory.clone());
    }
    let code = match program.snippet(SourceName::Virtual("<cmdline>".into()), code) {
        Ok(code) => code,
        Err(diags) => return diags[0].render_plain(program.sources(), 0),
    };
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, &program, config);
    let result = ctx
        .eval_code(code)
        .and_then(|value| kcfg_lang::manifest::json::to_pretty(&mut ctx, value));
    match result {
        Ok(json) => json,
        Err(err) => err.into_diagnostic().render_plain(program.sources(), 0),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn with_memory(bytes: usize) -> EvalConfig {
    EvalConfig {
        memory: Some(Arc::new(MemoryLimit::new(bytes))),
        ..EvalConfig::default()
    }
}

#[test]
fn issue13_tailstrict_forces_default_arguments() {
    let config = EvalConfig::default();
    let cases = [
        (
            r#"local foo(x, y=error "xxx")=x; foo(42) tailstrict"#,
            "RUNTIME ERROR: xxx\n\t<cmdline>:1:16-27\tthunk <y>\n\t<cmdline>:1:32-39\tfunction <foo>\n\t<cmdline>:1:32-39\t\n",
        ),
        (
            r#"local foo(x, y)=x; foo(42, error "xxx") tailstrict"#,
            "RUNTIME ERROR: xxx\n\t<cmdline>:1:28-39\tthunk <y>\n\t<cmdline>:1:20-40\tfunction <foo>\n\t<cmdline>:1:20-40\t\n",
        ),
        (
            r#"local foo(x, y=error "xxx")=x; local bar(n) = foo(n) tailstrict; bar(1)"#,
            "RUNTIME ERROR: xxx\n\t<cmdline>:1:16-27\tthunk <y>\n\t<cmdline>:1:47-53\tfunction <foo>\n\t<cmdline>:1:47-53\tfunction <bar>\n\t<cmdline>:1:66-72\t\n",
        ),
        (
            r#"local foo(x, y=error "q")=x; local bar(n) = foo(n) tailstrict; bar(1) tailstrict"#,
            "RUNTIME ERROR: q\n\t<cmdline>:1:16-25\tthunk <y>\n\t<cmdline>:1:45-51\tfunction <foo>\n\t<cmdline>:1:45-51\t\n",
        ),
        // Given arguments in the order written, then defaults in order.
        (
            r#"local foo(x, y)=x; foo(y=error "b", x=error "a") tailstrict"#,
            "RUNTIME ERROR: b\n\t<cmdline>:1:26-35\tthunk <y>\n\t<cmdline>:1:20-49\tfunction <foo>\n\t<cmdline>:1:20-49\t\n",
        ),
        (
            r#"local foo(x, y=z, z=error "zz")=x; foo(1) tailstrict"#,
            "RUNTIME ERROR: zz\n\t<cmdline>:1:21-31\tthunk <z>\n\t<cmdline>:1:16\tthunk <y>\n\t<cmdline>:1:36-42\tfunction <foo>\n\t<cmdline>:1:36-42\t\n",
        ),
        (r#"local foo(x, y=x+1)=y; foo(1) tailstrict"#, "2"),
        (r#"local foo(x, y=error "d")=x; foo(y=1, x=2) tailstrict"#, "2"),
        // Names are checked before anything is evaluated.
        (
            r#"local foo(x)=x; foo(error "a", z=1) tailstrict"#,
            "RUNTIME ERROR: function has no parameter z\n\t<cmdline>:1:17-36\t\n",
        ),
    ];
    for (code, expected) in cases {
        assert_eq!(run(code, &config), expected, "{code}");
    }
}

#[test]
fn issue13_tailstrict_loops_run_in_constant_stack() {
    let config = EvalConfig::default();
    let code = "local loop(n, acc) = if n == 0 then acc else loop(n - 1, acc + 1) tailstrict; loop(100000, 0)";
    assert_eq!(run(code, &config), "100000");
}

#[test]
fn issue13_make_array_beyond_the_limit() {
    let config = with_memory(64 << 20);
    let out = run("std.makeArray(1e12, function(i) i)", &config);
    assert_eq!(
        first_line(&out),
        "RUNTIME ERROR: out of memory: the evaluation exceeded its memory limit of 64 MiB"
    );
    assert!(out.contains("<cmdline>:1:1-35"), "{out}");
    // Without a limit, the size is still checked before anything is
    // allocated.
    let out = run("std.makeArray(1e18, function(i) i)", &EvalConfig::default());
    assert!(out.starts_with("RUNTIME ERROR: out of memory"), "{out}");
    assert_eq!(
        run("std.length(std.makeArray(1000, function(i) i))", &config),
        "1000"
    );
}

#[test]
fn issue13_wide_format_fields_fail_like_the_reference() {
    let config = with_memory(64 << 20);
    for code in [
        r#""%99999999999999999999d" % [1]"#,
        r#""%.99999999999999999999d" % [1]"#,
        r#"std.format("%-99999999999999999999s", ["x"])"#,
        r#""%0300f" % [1]"#,
    ] {
        assert_eq!(
            first_line(&run(code, &config)),
            "RUNTIME ERROR: max stack frames exceeded.",
            "{code}"
        );
    }
    // With enough frames, a wide field still needs memory.
    let config = EvalConfig {
        max_stack: usize::MAX,
        ..with_memory(1 << 20)
    };
    assert!(run(r#""%9999999d" % [1]"#, &config).starts_with(
        "RUNTIME ERROR: out of memory: the evaluation exceeded its memory limit of 1 MiB"
    ));
}

#[test]
fn issue13_strings_longer_than_memory() {
    let config = with_memory(64 << 20);
    // A rope doubled 70 times is 2^70 bytes long in 70 nodes.
    let doubled =
        r#"local d(s, n) = if n == 0 then std.length(s) else d(s + s, n - 1); d("x", 70)"#;
    assert!(run(doubled, &config).starts_with("RUNTIME ERROR: out of memory"));
    // A slice with a tiny step would repeat each character for ever.
    let sliced = r#""abc"[0::1e-300]"#;
    assert!(run(sliced, &config).starts_with("RUNTIME ERROR: out of memory"));
    assert_eq!(run(r#""abcdef"[0:6:0.5]"#, &config), r#""aabbccddeeff""#);
}

#[test]
fn issue13_native_stack_within_the_memory_limit() {
    // A deep recursion on a small thread needs segments; when the memory
    // limit has no room for them, it stops with the reference's message.
    let outcome = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let deep = "local f(n) = if n == 0 then 0 else 1 + f(n - 1); f(100000)";
            let roomy = EvalConfig {
                max_stack: 1_000_000,
                ..with_memory(1 << 40)
            };
            let full = EvalConfig {
                max_stack: 1_000_000,
                ..with_memory(1 << 20)
            };
            (run(deep, &roomy), run(deep, &full))
        })
        .unwrap()
        .join()
        .expect("no panic");
    assert_eq!(outcome.0, "100000");
    assert_eq!(
        first_line(&outcome.1),
        "RUNTIME ERROR: max stack frames exceeded."
    );
}

#[test]
fn issue13_deep_trees_within_the_memory_limit() {
    // Analysis of a tree a million levels deep needs stack segments too.
    let deep = format!(
        "local f = function(x) f; f{} == null",
        "(1)".repeat(1_000_000)
    );
    let outcome = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || run(&deep, &with_memory(16 << 20)))
        .unwrap()
        .join()
        .expect("no panic");
    assert!(
        outcome.starts_with("STATIC ERROR: <cmdline>:1:")
            && first_line(&outcome).ends_with("max stack frames exceeded."),
        "{outcome}"
    );
}

#[test]
fn issue13_plus_chains_use_linear_memory() {
    // `{a: 1} + {a+: 1} + …`: the layers of each step are not copied.
    let n = 10_000;
    let code = format!("std.length({{a: 1}}{})", " + {a+: 1}".repeat(n));
    let mut std = Std::default();
    std.builtins.extend(kcfg_lang::eval::core::CORE.iter());
    let program = Program::new(Arc::new(NoImports), std);
    let code = program
        .snippet(SourceName::Virtual("chain".into()), &code)
        .unwrap();
    let arena = Arena::new();
    let config = EvalConfig::default();
    let mut ctx = Ctx::new(&arena, &program, &config);
    let value = ctx
        .eval_code(code)
        .map(|_| ())
        .map_err(|err| err.to_string());
    assert_eq!(value, Ok(()));
    // Copying the layer list at every `+` took 50 million layers.
    let used = arena.allocated_bytes();
    assert!(used < 32 << 20, "{used} bytes");
}
