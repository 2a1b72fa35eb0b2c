//! `std.native` with functions registered by the embedding program, and
//! `std.trace` through the evaluation's trace callback.

use std::sync::{Arc, Mutex};

use kcfg_lang::eval::{Arena, Ctx, EvalConfig};
use kcfg_lang::program::{NoImports, Program};
use kcfg_lang::span::SourceName;

/// Evaluates `code` and returns its JSON output, or the first line of its
/// error.
fn check(program: &Program, config: &EvalConfig, code: &str) -> String {
    let code = match program.snippet(SourceName::Virtual("test.jsonnet".into()), code) {
        Ok(code) => code,
        Err(diags) => return diags[0].first_line(program.sources()),
    };
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, program, config);
    let result = ctx.eval_code(code).and_then(|value| {
        kcfg_lang::manifest::json::to_single_line(
            &mut ctx,
            value,
            kcfg_lang::span::Span::new(kcfg_lang::span::FileId(0), 0, 0),
        )
    });
    match result {
        Ok(json) => json,
        Err(err) => err.diagnostic().first_line(program.sources()),
    }
}

fn program() -> Program {
    let mut std = kcfg_stdlib::std();
    std.add_native("add", &["a", "b"], |args| {
        match (args[0].as_f64(), args[1].as_f64()) {
            (Some(a), Some(b)) => Ok(serde_json::json!(a + b)),
            _ => Err("add takes numbers".to_string()),
        }
    });
    std.add_native("describe", &["value"], |args| {
        Ok(serde_json::json!({ "got": args[0], "kind": match &args[0] {
            serde_json::Value::Array(_) => "array",
            serde_json::Value::Object(_) => "object",
            _ => "other",
        }}))
    });
    std.add_native("nothing", &[], |_| Ok(serde_json::Value::Null));
    Program::new(Arc::new(NoImports), std)
}

#[test]
fn natives() {
    let program = program();
    let config = EvalConfig::default();
    let cases = [
        ("std.native('add')(1, 2)", "3"),
        ("std.native('add')(b=1, a=2.5)", "3.5"),
        ("local f = std.native('add'); f(1, 2) + f(3, 4)", "10"),
        (
            "std.native('add')(1, 'x')",
            "RUNTIME ERROR: add takes numbers",
        ),
        (
            "std.native('add')(1)",
            "RUNTIME ERROR: function parameter b not bound in call.",
        ),
        (
            "std.native('add')(1, 2, 3)",
            "RUNTIME ERROR: too many args, function has 2 parameter(s)",
        ),
        (
            "std.native('add')(1, c=2)",
            "RUNTIME ERROR: function has no parameter c",
        ),
        (
            "std.native('add')(1, error 'forced')",
            "RUNTIME ERROR: forced",
        ),
        (
            "std.native('describe')({b: [1, 'x', null], a:: 'hidden', c: {d: true}})",
            r#"{"got": {"b": [1, "x", null], "c": {"d": true}}, "kind": "object"}"#,
        ),
        (
            "std.native('describe')([])",
            r#"{"got": [ ], "kind": "array"}"#,
        ),
        (
            "std.native('describe')(function(x) x)",
            "RUNTIME ERROR: native extensions can only take primitives.",
        ),
        ("std.native('nothing')()", "null"),
        (
            "[std.length(std.native('add')), std.type(std.native('add'))]",
            r#"[2, "function"]"#,
        ),
        ("std.native('missing')", "null"),
        ("std.native('describe')({x: 1}).got.x + 1", "2"),
    ];
    for (code, expected) in cases {
        assert_eq!(check(&program, &config, code), expected, "{code}");
    }
}

#[test]
fn trace_writes_through_the_callback() {
    let program = program();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let config = EvalConfig {
        trace: Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_string())),
        ..EvalConfig::default()
    };
    let code = "local x = 1;\n[std.trace('first', x),\n  std.trace('é ' + x, 2)]";
    assert_eq!(check(&program, &config, code), "[1, 2]");
    assert_eq!(
        *lines.lock().unwrap(),
        ["TRACE: test.jsonnet:2 first", "TRACE: test.jsonnet:3 é 1"]
    );
}
