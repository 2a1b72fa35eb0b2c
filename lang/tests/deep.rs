//! Deep programs and deep values on a small native stack.
//!
//! `kcfg eval` evaluates on the process's main thread and a language server
//! or a worker pool may give the evaluator little stack: every recursive
//! pass (parsing, analysis, evaluation through a tree, comparisons and
//! manifesting of nested values, dropping the trees) must grow the stack
//! as it goes instead of overflowing it. Each case runs on a 256 KiB thread
//! and checks the value or the error, which also proves it did not abort.

use std::sync::Arc;

use kcfg_lang::eval::{Arena, Ctx, EvalConfig};
use kcfg_lang::program::{NoImports, Program, Std};
use kcfg_lang::span::SourceName;

/// Evaluates `text` with a frame limit of `max_stack`, on a small stack,
/// and returns its JSON or the first line of its error.
fn eval_small(text: String, max_stack: usize) -> String {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut std = Std::default();
            std.builtins.extend(kcfg_lang::eval::core::CORE.iter());
            let program = Program::new(Arc::new(NoImports), std);
            let code = match program.snippet(SourceName::Virtual("t".into()), &text) {
                Ok(code) => code,
                Err(diags) => return diags[0].render_plain(program.sources(), 0),
            };
            let arena = Arena::new();
            let config = EvalConfig {
                max_stack,
                ..EvalConfig::default()
            };
            let mut ctx = Ctx::new(&arena, &program, &config);
            let result = ctx
                .eval_code(code)
                .and_then(|value| kcfg_lang::manifest::json::to_pretty(&mut ctx, value));
            match result {
                Ok(json) => json,
                Err(err) => err
                    .into_diagnostic()
                    .render_plain(program.sources(), 0)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            }
        })
        .expect("thread starts")
        .join()
        .expect("no panic")
}

#[test]
fn long_chains_through_one_tree() {
    let cases = [
        // Binary operators nest to the left, one level per operator.
        (format!("1{}", " + 1".repeat(50_000)), "50001"),
        (format!("true{}", " && true".repeat(50_000)), "true"),
        (
            format!("'a'{}", " + 'b'".repeat(50_000)).replace('\'', "\""),
            "",
        ),
        // Field, index and call chains nest to the left too.
        (
            format!("local o = {{a: self, n: 1}}; o{}.n", ".a".repeat(50_000)),
            "1",
        ),
        (
            format!("local a = [a, 2]; a{}[1]", "[0]".repeat(50_000)),
            "2",
        ),
        (
            format!("local f(x) = f; std.type(f{})", "(1)".repeat(50_000)),
            "\"function\"",
        ),
    ];
    for (text, expected) in cases {
        let preview: String = text.chars().take(40).collect();
        let actual = eval_small(text, 500);
        if expected.is_empty() {
            assert_eq!(actual.len(), 50_003, "{preview}…");
        } else {
            assert_eq!(actual, expected, "{preview}…");
        }
    }
}

#[test]
fn deep_values() {
    // Built by a recursive function: the frame limit must allow it.
    let deep = |depth: usize, wrap: &str| {
        format!("local mk(n) = if n == 0 then [] else {wrap}; local v = mk({depth});")
            .replace("INNER", "mk(n - 1)")
    };
    let cases = [
        (
            format!("{} v == mk(20000)", deep(20_000, "[INNER]")),
            "true",
        ),
        (
            format!("{} v < mk(20000)", deep(20_000, "[INNER]")),
            "false",
        ),
        (
            format!("{} std.length('' + v)", deep(20_000, "[INNER]")),
            "40003",
        ),
        (
            format!("{} v == mk(20000)", deep(20_000, "{a: INNER}")),
            "true",
        ),
    ];
    for (text, expected) in cases {
        let preview: String = text.chars().take(60).collect();
        assert_eq!(eval_small(text, 100_000), expected, "{preview}…");
    }
    // With the default limit, as the reference: an error, not a crash.
    let text = format!("{} v == mk(2000)", deep(2_000, "[INNER]"));
    assert_eq!(
        eval_small(text, 500),
        "RUNTIME ERROR: max stack frames exceeded."
    );
}

/// `google-jsonnet/bench07_lazy_closures`: calls nest 2^15 deep through
/// closures and the thunks of their arguments, the path whose native frames
/// `Ctx::eval_apply` keeps small. On a small stack it must grow, give the
/// value, and with a low frame limit fail with the reference's message.
#[test]
fn bench07_lazy_closures() {
    let program = |n: usize| {
        format!(
            "local f2(f) = function(x) f(f(x));
             local id(x) = x;
             local slowId = std.makeArray(20, function(i) if i == 0 then id else f2(slowId[i - 1]));
             slowId[{n}](42)"
        )
    };
    assert_eq!(eval_small(program(15), 200_000), "42");
    assert_eq!(
        eval_small(program(15), 20_000),
        "RUNTIME ERROR: max stack frames exceeded."
    );
    // Not a function: the message of a call, at the call.
    assert_eq!(
        eval_small("local f = 1; f(2)".to_string(), 500),
        "RUNTIME ERROR: only functions can be called, got number"
    );
}
