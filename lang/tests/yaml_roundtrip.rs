//! The YAML writer's promise, tested as a property: whatever the strings,
//! the output parses back (with `serde_norway`, a maintained fork of
//! serde_yaml over a Rust translation of libyaml) as exactly the input, and
//! every string it leaves unquoted is one that no YAML 1.1 or 1.2 resolver
//! would read as anything but a string.
//!
//! The second half needs an oracle independent of the writer's own rules:
//! [`yaml11_or_12_resolves`] is the implicit-typing regular expressions of
//! the YAML 1.1 type repository (yaml.org/type: bool, int, float, null,
//! timestamp, merge, value) and of the YAML 1.2 core schema, written out
//! from those specifications, plus the rules of the parsers users read
//! kcfg's output with where they go further: PyYAML's (YAML 1.1) and
//! ruamel.yaml's (YAML 1.2 by default, whose float and int patterns take
//! `._` and `0o_`, which it then fails to convert; issue 16).
//!
//! Mapping keys longer than 1024 characters must be written as explicit
//! keys (`? key`): YAML limits implicit keys to 1024 characters, and
//! PyYAML, ruamel and libyaml (so kubectl) fail on longer ones
//! ([`long_keys_are_explicit`]). When `python3` has PyYAML and ruamel,
//! [`python_parsers_read_it_back`] also parses the output with both.
//!
//! Inputs are a list of known troublemakers plus a few thousand strings
//! built from fragments that mean something to YAML, by a fixed-seed
//! generator (the same strings on every run).

use std::sync::Arc;

use kcfg_lang::eval::{Arena, Ctx, EvalConfig, Lazy, Value};
use kcfg_lang::manifest::yaml;
use kcfg_lang::program::{NoImports, Program, Std};
use kcfg_lang::sym::Sym;
use regex::Regex;
use serde_json::{json, Value as Json};

mod support;
use support::Rng;

/// Known troublemakers.
const TRICKY: &[&str] = &[
    "",
    " ",
    "  ",
    "y",
    "Y",
    "n",
    "N",
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "null",
    "Null",
    "NULL",
    "~",
    "<<",
    "=",
    "1e3",
    "1E3",
    "1e+3",
    "1.0e+3",
    "-1e-3",
    "0x1F",
    "0X1f",
    "0o17",
    "017",
    "0b1010",
    "08",
    "09.5",
    "1_000",
    "+1",
    "-0",
    "0",
    "1.",
    ".5",
    "+.5",
    "1:30",
    "190:20:30",
    "1:30.5",
    ".inf",
    "-.inf",
    "+.INF",
    ".nan",
    ".NaN",
    "2024-01-02",
    "2024-1-2 10:00:00",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    " leading",
    "trailing ",
    " both ",
    "\ttab",
    "tab\t",
    "a: b",
    "a:b",
    "a:",
    ":a",
    "a #b",
    "a#b",
    "#a",
    "- a",
    "-a",
    "-",
    "--",
    "---",
    "...",
    "? a",
    "?a",
    "[a]",
    "{a}",
    "a, b",
    "a,b",
    "*a",
    "&a",
    "!a",
    "!!str",
    "%a",
    "@a",
    "`a",
    "'a",
    "\"a",
    "|",
    ">",
    "|-",
    "a\nb",
    "a\nb\n",
    "a\nb\n\n",
    "\na",
    "\n",
    "\n\n",
    "a\n",
    " a\nb",
    "  a\n b\n",
    "a \nb",
    "a\n \nb",
    "a\t\nb",
    "a\r\nb",
    "a\rb",
    "line one\nline two with: colon\n",
    "é",
    "日本語",
    "😀 emoji",
    "\u{a0}nbsp",
    "zero\u{200b}width",
    "\u{feff}bom",
    "nel\u{85}x",
    "ls\u{2028}x",
    "ps\u{2029}x",
    "del\u{7f}x",
    "c1\u{9f}x",
    "bell\u{7}",
    "nul\u{0}x",
    "nonchar\u{fffe}",
    "nonchar\u{ffff}",
    "private\u{e000}",
    "key: value # comment",
    "http://example.com/a?b=c#d",
    "nginx:1.27.3",
    "10.0.0.1",
    "500m",
    "1Gi",
    "v1.2.3",
    "1.2.3",
    "1.10",
    "0.10",
    "3.",
    "1__0",
    "0x",
    "0o",
    "0b",
    "e3",
    "1e",
    "1e+",
    ".",
    "+",
    "+-1",
    "'single'",
    "\"double\"",
    "back\\slash",
    "a\\nb",
    "._",
    ".__",
    "+._",
    "-.__",
    "._1",
    "._e1",
    "_._",
    "0o_",
    "0x_",
    "0b_",
    "+_",
    "__",
];

/// Fragments the generator combines.
const FRAGMENTS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "null", "~", "1", "0", "7", "e", "E", "3", "0x",
    "1F", "0o", "17", "_", ":", "30", ".", "inf", "nan", "-", "+", " ", "#", ": ", " #", "\n",
    "\t", "'", "\"", "\\", "é", "日本", "😀", "2024", "-01", "-02", "T", "Z", "<<", "=", "!", "&",
    "*", "|", ">", "%", "@", "`", "[", "]", "{", "}", ",", "?", "a", "b", "  ", "\n  ", " \n",
    "\u{85}", "\u{2028}", "\u{fffe}", "\r",
];

fn generated(count: usize) -> Vec<String> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..count)
        .map(|_| {
            let parts = 1 + rng.below(4);
            (0..parts)
                .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())])
                .collect()
        })
        .collect()
}

fn all_inputs() -> Vec<String> {
    let mut inputs: Vec<String> = TRICKY.iter().map(|s| s.to_string()).collect();
    inputs.extend(generated(4000));
    inputs
}

/// Builds `data` as a value and writes it as a YAML document.
fn write(data: &Json) -> String {
    let program = Program::new(Arc::new(NoImports), Std::default());
    let config = EvalConfig::default();
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, &program, &config);
    let value = build(&ctx, data);
    yaml::to_document(&mut ctx, value).expect("the writer accepts plain data")
}

fn build<'a>(ctx: &Ctx<'a>, data: &Json) -> Value<'a> {
    match data {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Num(n.as_f64().unwrap()),
        Json::String(s) => ctx.str(s),
        Json::Array(items) => ctx.array(items.iter().map(|item| build(ctx, item))),
        Json::Object(fields) => ctx.object(
            fields
                .iter()
                .map(|(k, v)| (Sym::intern(k), Lazy::Val(build(ctx, v)))),
        ),
    }
}

/// Writes `data`, parses it back and checks it is the same.
fn round_trip(data: &Json) -> Result<(), String> {
    let text = write(data);
    let parsed: Json = serde_norway::from_str(&text)
        .map_err(|err| format!("does not parse: {err}\n--- yaml\n{text}"))?;
    if normalize(&parsed) != normalize(data) {
        return Err(format!(
            "reads back as {parsed}, not {data}\n--- yaml\n{text}"
        ));
    }
    Ok(())
}

/// `data` with every number as a double: `1e16` and `10000000000000000`
/// are the same number to kcfg, whose numbers are all doubles.
fn normalize(data: &Json) -> Json {
    match data {
        Json::Number(n) => json!(n.as_f64().unwrap()),
        Json::Array(items) => Json::Array(items.iter().map(normalize).collect()),
        Json::Object(fields) => Json::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), normalize(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The places a string can appear: a value at several depths, a key, a
/// sequence item, an item of a nested sequence.
fn placements(text: &str) -> Vec<Json> {
    vec![
        json!({ "k": text }),
        json!({ "a": { "b": { "c": text, "d": 1 } } }),
        json!({ text: "v", "z": text }),
        json!([text, "x"]),
        json!({ "list": [text, { "item": text, "n": [text] }] }),
        json!([[text]]),
    ]
}

#[test]
fn every_string_reads_back_exactly() {
    let mut failures = Vec::new();
    for input in all_inputs() {
        for data in placements(&input) {
            if let Err(err) = round_trip(&data) {
                failures.push(format!("{input:?}: {err}"));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the strings do not round-trip:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n\n")
    );
}

/// Whether a YAML 1.1 (yaml.org/type) or YAML 1.2 (core schema) resolver
/// would give the plain scalar `text` a type other than string.
fn yaml11_or_12_resolves(text: &str) -> bool {
    let patterns = [
        // 1.1 bool
        r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        // 1.1 int: binary, octal, decimal, hexadecimal, sexagesimal
        r"^[-+]?0b[0-1_]+$",
        r"^[-+]?0[0-7_]+$",
        r"^[-+]?(0|[1-9][0-9_]*)$",
        r"^[-+]?0x[0-9a-fA-F_]+$",
        r"^[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+$",
        // 1.1 float. The type repository's pattern,
        // `[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?`, would also take
        // `.`, `1.2.3` and `10.0.0.1`; no 1.1 parser does, so these are the
        // patterns of the two that are used: PyYAML's and SnakeYAML's (the
        // latter also takes `_` and `1_000` for floats).
        r"^[-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)?$",
        r"^\.[0-9][0-9_]*([eE][-+][0-9]+)?$",
        r"^[-+]?(\.[0-9]+|[0-9_]+(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$",
        r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*$",
        r"^[-+]?\.(inf|Inf|INF)$",
        r"^\.(nan|NaN|NAN)$",
        // 1.1 null, merge, value
        r"^(~|null|Null|NULL|)$",
        r"^<<$",
        r"^=$",
        // 1.1 timestamp
        r"^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$",
        r"^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](\.[0-9]*)?(([ \t]*)Z|[-+][0-9][0-9]?(:[0-9][0-9])?)?$",
        // 1.2 core schema
        r"^(true|True|TRUE|false|False|FALSE)$",
        r"^[-+]?[0-9]+$",
        r"^0o[0-7]+$",
        r"^0x[0-9a-fA-F]+$",
        r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$",
        r"^[-+]?\.(inf|Inf|INF)$",
        r"^\.(nan|NaN|NAN)$",
        // ruamel.yaml, YAML 1.2 (its default): floats whose digits after
        // the dot may all be underscores, exponents without a sign, and
        // ints with an optional `o`, underscores anywhere.
        r"^[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+]?[0-9]+)?$",
        r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$",
        r"^[-+]?\.[0-9_]+([eE][-+][0-9]+)?$",
        r"^[-+]?0b[01_]+$",
        r"^[-+]?0o?[0-7_]+$",
        r"^[-+]?[0-9_]+$",
        r"^[-+]?0x[0-9a-fA-F_]+$",
        // PyYAML (YAML 1.1): a float after a bare dot needs a digit first.
        r"^\.[0-9][0-9_]*([eE][-+][0-9]+)?$",
    ];
    patterns
        .iter()
        .any(|pattern| Regex::new(pattern).unwrap().is_match(text))
}

#[test]
fn plain_strings_are_strings_to_every_resolver() {
    let mut wrong = Vec::new();
    for input in all_inputs() {
        if yaml::is_plain_safe(&input) && yaml11_or_12_resolves(&input) {
            wrong.push(input);
        }
    }
    assert!(
        wrong.is_empty(),
        "written plain but typed by a resolver: {wrong:?}"
    );
}

#[test]
fn the_oracle_knows_the_classics() {
    for typed in [
        "y",
        "NO",
        "on",
        "1e+3",
        "0x1F",
        "017",
        "1:30",
        ".inf",
        "2024-01-02",
        "~",
        "",
        "._",
        "0o_",
    ] {
        assert!(yaml11_or_12_resolves(typed), "{typed:?}");
    }
    for plain in ["nginx", "1.2.3", "v1", "a:b"] {
        assert!(!yaml11_or_12_resolves(plain), "{plain:?}");
    }
}

#[test]
fn numbers_and_other_scalars_read_back() {
    for data in [
        json!({ "n": [0, 1, -1, 0.5, 2.5e-7, 123_456.5, 9007199254740993.0_f64, 1e16, -1e16] }),
        json!({ "b": [true, false], "z": null, "e": [[], {}], "nested": { "e": {} } }),
    ] {
        round_trip(&data).unwrap();
    }
    // Integers past u64 do not fit serde_json's numbers; read them as f64.
    let big = [1e20, -1e20, 1e300, 1.5e300, f64::MAX];
    let text = write(&json!(big));
    let parsed: Vec<f64> = serde_norway::from_str(&text).unwrap();
    assert_eq!(parsed, big);
}

#[test]
fn kubernetes_objects_keep_the_kubectl_layout() {
    let text = write(&json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": "cfg", "labels": { "app": "web", "on": "yes" } },
        "data": { "app.yaml": "server:\n  port: 8080\n", "enabled": "true", "ratio": "1e3" },
        "list": [{ "name": "a", "ports": [80, 443] }, "x"],
    }));
    insta::assert_snapshot!(text, @r#"
    apiVersion: v1
    data:
      app.yaml: |
        server:
          port: 8080
      enabled: "true"
      ratio: "1e3"
    kind: ConfigMap
    list:
    - name: a
      ports:
      - 80
      - 443
    - x
    metadata:
      labels:
        app: web
        "on": "yes"
      name: cfg
    "#);
}

/// A mapping whose key is `key`, in the places a mapping can be.
fn keyed(key: &str) -> Vec<Json> {
    vec![
        json!({ key: "v", "z": 1 }),
        json!({ key: { "a": 1, "b": [1, 2] } }),
        json!({ key: ["x", { "y": "z" }] }),
        json!({ key: "multi\nline\n" }),
        json!({ key: {}, "e": [] }),
        json!({ "outer": { key: [] } }),
        json!([{ key: 1, "z": 2 }]),
    ]
}

/// Keys up to 1024 bytes as written are implicit; longer ones are explicit
/// (`? key`), including keys that grow past the limit only when quoted and
/// escaped. (The limit is 1024 characters; serde_norway's parser counts
/// bytes, so the writer does too.)
#[test]
fn long_keys_are_explicit() {
    let bell = "\u{7}".repeat(300); // 300 characters, written as 1,202
    let cases = [
        ("a".repeat(1024), true),
        ("a".repeat(1025), false),
        ("é".repeat(512), true),
        ("é".repeat(513), false),
        ("1".repeat(1022), true), // "111…" quoted: 1,024 characters
        ("1".repeat(1023), false),
        (bell, false),
        ("k".repeat(5000), false),
    ];
    for (key, implicit) in &cases {
        for data in keyed(key) {
            round_trip(&data).unwrap_or_else(|err| panic!("key of {}: {err}", key.len()));
            let text = write(&data);
            assert_eq!(
                !text.contains("? "),
                *implicit,
                "key of {} bytes:\n{text}",
                key.len()
            );
        }
    }
    let text = write(&json!({ "a".repeat(1025): { "b": [1, 2] }, "c": ["d"] }));
    let long = "a".repeat(1025);
    assert_eq!(text, format!("? {long}\n: b:\n  - 1\n  - 2\nc:\n- d\n"));
}

/// Every document of the property tests, parsed by PyYAML and by ruamel.yaml
/// (safe and round-trip loaders) when `python3` has them: the output must
/// read back as the input. Prints why it did not run otherwise.
#[test]
fn python_parsers_read_it_back() {
    let script = r#"
import json, sys
import yaml
from ruamel.yaml import YAML
cases = json.load(sys.stdin)
safe, rt = YAML(typ="safe", pure=True), YAML()
def plain(value):
    return json.loads(json.dumps(value))
bad = []
for case in cases:
    for name, load in (("PyYAML", yaml.safe_load), ("ruamel", safe.load), ("ruamel rt", rt.load)):
        try:
            got = plain(load(case["yaml"]))
        except Exception as err:
            got = "error: %s" % err
        if got != case["data"]:
            bad.append("%s reads %r as %r, not %r" % (name, case["yaml"], got, case["data"]))
print("\n".join(bad[:20]))
sys.exit(1 if bad else 0)
"#;
    let probe = std::process::Command::new("python3")
        .args(["-c", "import yaml, ruamel.yaml"])
        .output();
    if !matches!(&probe, Ok(out) if out.status.success()) {
        eprintln!(
            "python_parsers_read_it_back: not run (python3 with PyYAML and ruamel.yaml needed)"
        );
        return;
    }
    // The known troublemakers and a share of the generated strings keep the
    // run short (the parsers are pure Python).
    let mut cases = Vec::new();
    let inputs = TRICKY.iter().map(|s| s.to_string()).chain(generated(1000));
    for input in inputs {
        for data in placements(&input).into_iter().take(3) {
            cases.push(json!({ "yaml": write(&data), "data": normalize(&data) }));
        }
    }
    for key in ["a".repeat(1025), "\u{7}".repeat(300)] {
        for data in keyed(&key) {
            cases.push(json!({ "yaml": write(&data), "data": normalize(&data) }));
        }
    }
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let input = serde_json::to_vec(&cases).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(&input).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
