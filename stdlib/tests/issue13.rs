//! Issue 13: sizes computed from the input are checked before anything is
//! allocated. Every case asks `std` for far more than a 64 MiB limit (or
//! than any machine has) and must fail with `out of memory` and a trace at
//! the call, never panic or abort; the reference has no message of its own
//! for these (it aborts with `FATAL ERROR: a memory allocation error
//! occurred.`). The cases the reference does answer are goldens in
//! `cases/` (`issue13_*`).

use std::sync::Arc;

use kcfg_lang::eval::{Arena, Ctx, EvalConfig, MemoryLimit};
use kcfg_lang::program::{MapImporter, Program};
use kcfg_lang::span::SourceName;

/// The first line of `code`'s error, or its JSON, under a 64 MiB limit.
fn eval(code: &str) -> String {
    let program = Program::new(Arc::new(MapImporter::new()), kcfg_stdlib::std());
    let config = EvalConfig {
        memory: Some(Arc::new(MemoryLimit::new(64 << 20))),
        ..EvalConfig::default()
    };
    let code = program
        .snippet(SourceName::Virtual("case".into()), code)
        .expect("the case parses");
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, &program, &config);
    let result = ctx
        .eval_code(code)
        .and_then(|value| kcfg_lang::manifest::json::to_pretty(&mut ctx, value));
    match result {
        Ok(json) => json,
        Err(err) => {
            let diagnostic = err.into_diagnostic();
            assert!(
                !diagnostic.trace.is_empty(),
                "{}: no trace",
                diagnostic.message
            );
            diagnostic.first_line(program.sources())
        }
    }
}

const OUT_OF_MEMORY: &str =
    "RUNTIME ERROR: out of memory: the evaluation exceeded its memory limit of 64 MiB";

#[test]
fn issue13_sizes_from_the_input_are_checked() {
    let cases = [
        "std.repeat('x', 1e15)",
        "std.repeat('abc', 1e18)",
        "std.length(std.repeat([1], 1e18) + std.repeat([1], 1e18))",
        "std.length(std.repeat(std.range(1, 1000), 1e15))",
        "std.join('', std.repeat([''], 1e15))",
        "std.join(std.repeat('-', 1000), std.makeArray(1e6, function(i) 'x'))",
        "std.strReplace(std.repeat('a', 1000), 'a', std.repeat('b', 1e6))",
        "std.length(std.map(function(x) x, std.range(1, 1e12)))",
        "std.length(std.mapWithIndex(function(i, x) x, std.range(1, 1e12)))",
        "std.decodeUTF8(std.repeat([65], 1e15))",
        "std.base64(std.repeat([65], 1e15))",
        "std.sort(std.range(1, 1e15))",
        "std.set(std.repeat([1], 1e15))",
        "std.length(std.stringChars(std.repeat('ab', 1e7)))",
        "std.length(std.flattenArrays([std.range(1, 5e15), std.range(1, 5e15)]))",
        "std.length(std.join([0], [std.range(1, 5e15), std.range(1, 5e15)]))",
        "std.length(std.range(-1e15, 1e16))",
        "std.length(std.range(1, 1e9) + std.repeat([1], 1e16))",
    ];
    for code in cases {
        assert_eq!(eval(code), OUT_OF_MEMORY, "{code}");
    }
}

#[test]
fn issue13_range_follows_the_reference_beyond_2_63() {
    // C++ jsonnet 0.22 truncates to `long` and wraps: these are empty, not
    // 2^63 elements long (the first never finished).
    assert_eq!(eval("std.range(1e308, 1)"), "[ ]");
    assert_eq!(eval("std.length(std.range(1e100, -1))"), "0");
    assert_eq!(eval("std.decodeUTF8(std.range(1e308, 0))"), "\"\"");
    // A bad element is reported as the reference reports it, before the
    // length of the view matters.
    assert_eq!(
        eval("std.decodeUTF8(std.range(0, 1e15))"),
        "RUNTIME ERROR: Element 256 of the provided array was not an integer in range [0,255]"
    );
    assert_eq!(
        eval("std.join('', std.range(1, 1e15))"),
        "RUNTIME ERROR: expected string but arr[0] was number"
    );
    // Lazy views may be long without memory to match.
    assert_eq!(eval("std.length(std.range(1, 1e15))"), "1000000000000000");
    assert_eq!(
        eval("std.range(1, 1e15)[999999999999999]"),
        "1000000000000000"
    );
}
