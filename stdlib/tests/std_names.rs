//! `std` has exactly the public names of go-jsonnet 0.22's standard library
//! (issue 4): each is implemented, and nothing else is exposed.

use std::sync::Arc;

use kcfg_lang::eval::{Arena, Ctx, EvalConfig, Value};
use kcfg_lang::program::{NoImports, Program};
use kcfg_lang::span::SourceName;

/// go-jsonnet 0.22's `std.objectFieldsAll(std)`, less its internal
/// `__compare`-style and `$`-prefixed helpers.
const NAMES: &[&str] = &[
    "abs",
    "acos",
    "all",
    "any",
    "asciiLower",
    "asciiUpper",
    "asin",
    "assertEqual",
    "atan",
    "atan2",
    "avg",
    "base64",
    "base64Decode",
    "base64DecodeBytes",
    "ceil",
    "char",
    "clamp",
    "codepoint",
    "contains",
    "cos",
    "count",
    "decodeUTF8",
    "deepJoin",
    "deg2rad",
    "encodeUTF8",
    "endsWith",
    "equals",
    "equalsIgnoreCase",
    "escapeStringBash",
    "escapeStringDollars",
    "escapeStringJson",
    "escapeStringPython",
    "escapeStringXML",
    "exp",
    "exponent",
    "extVar",
    "filter",
    "filterMap",
    "find",
    "findSubstr",
    "flatMap",
    "flattenArrays",
    "flattenDeepArray",
    "floor",
    "foldl",
    "foldr",
    "format",
    "get",
    "hypot",
    "id",
    "isArray",
    "isBoolean",
    "isDecimal",
    "isEmpty",
    "isEven",
    "isFunction",
    "isInteger",
    "isNull",
    "isNumber",
    "isObject",
    "isOdd",
    "isString",
    "join",
    "length",
    "lines",
    "log",
    "log10",
    "log2",
    "lstripChars",
    "makeArray",
    "manifestIni",
    "manifestJson",
    "manifestJsonEx",
    "manifestJsonMinified",
    "manifestPython",
    "manifestPythonVars",
    "manifestToml",
    "manifestTomlEx",
    "manifestXmlJsonml",
    "manifestYamlDoc",
    "manifestYamlStream",
    "mantissa",
    "map",
    "mapWithIndex",
    "mapWithKey",
    "max",
    "maxArray",
    "md5",
    "member",
    "mergePatch",
    "min",
    "minArray",
    "mod",
    "modulo",
    "native",
    "objectFields",
    "objectFieldsAll",
    "objectFieldsEx",
    "objectHas",
    "objectHasAll",
    "objectHasEx",
    "objectKeysValues",
    "objectKeysValuesAll",
    "objectRemoveKey",
    "objectValues",
    "objectValuesAll",
    "parseHex",
    "parseInt",
    "parseJson",
    "parseOctal",
    "parseYaml",
    "pi",
    "pow",
    "primitiveEquals",
    "prune",
    "rad2deg",
    "range",
    "remove",
    "removeAt",
    "repeat",
    "resolvePath",
    "reverse",
    "round",
    "rstripChars",
    "set",
    "setDiff",
    "setInter",
    "setMember",
    "setUnion",
    "sha1",
    "sha256",
    "sha3",
    "sha512",
    "sign",
    "sin",
    "slice",
    "sort",
    "split",
    "splitLimit",
    "splitLimitR",
    "sqrt",
    "startsWith",
    "strReplace",
    "stringChars",
    "stripChars",
    "substr",
    "sum",
    "tan",
    "thisFile",
    "toString",
    "trace",
    "trim",
    "type",
    "uniq",
    "xnor",
    "xor",
];

#[test]
fn std_has_exactly_the_reference_names() {
    let program = Program::new(Arc::new(NoImports), kcfg_stdlib::std());
    let config = EvalConfig::default();
    let code = program
        .snippet(
            SourceName::Virtual("names".into()),
            "std.objectFieldsAll(std)",
        )
        .expect("snippet compiles");
    let arena = Arena::new();
    let mut ctx = Ctx::new(&arena, &program, &config);
    let Ok(Value::Arr(fields)) = ctx.eval_code(code) else {
        panic!("std.objectFieldsAll(std) is not an array");
    };
    let mut listed = Vec::new();
    for lazy in fields.iter() {
        let Ok(Value::Str(name)) = ctx.value_of(
            lazy,
            kcfg_lang::span::Span::new(kcfg_lang::span::FileId(0), 0, 0),
        ) else {
            panic!("a field name is not a string");
        };
        listed.push(ctx.text(name).to_string());
    }
    let missing: Vec<&str> = NAMES
        .iter()
        .copied()
        .filter(|name| !listed.iter().any(|l| l == name))
        .collect();
    let extra: Vec<&str> = listed
        .iter()
        .map(String::as_str)
        .filter(|name| !NAMES.contains(name))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "std differs from go-jsonnet 0.22's std\n{} missing: {}\n{} extra: {}",
        missing.len(),
        missing.join(" "),
        extra.len(),
        extra.join(" ")
    );
    assert_eq!(NAMES.len(), 156);
}
