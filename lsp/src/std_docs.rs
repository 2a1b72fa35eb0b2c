//! The standard library as the editor shows it: each function's
//! signature, from the builtin table that also runs it (`kcfg_stdlib::std`,
//! so the two cannot disagree), and a one-line description of the most
//! used functions, written for kcfg.

use std::sync::OnceLock;

use kcfg_lang::eval::builtin::Builtin;

/// One-line descriptions, by name.
const DOCS: &[(&str, &str)] = &[
    ("abs", "The absolute value of `n`."),
    ("all", "Whether every element of the array `arr` is `true`."),
    ("any", "Whether some element of the array `arr` is `true`."),
    ("asciiLower", "`str` with ASCII letters in lower case."),
    ("asciiUpper", "`str` with ASCII letters in upper case."),
    ("base64", "`input` (a string or an array of bytes) encoded as Base64."),
    ("base64Decode", "The string that the Base64 text `str` encodes."),
    ("ceil", "The smallest integer not less than `x`."),
    ("contains", "Whether the array `arr` has an element equal to `elem`."),
    ("count", "How many elements of `arr` equal `x`."),
    ("endsWith", "Whether the string `a` ends with `b`."),
    ("escapeStringJson", "`str` as a JSON string literal, quotes included."),
    ("extVar", "The external variable `x` (`--ext-str`, `--ext-code`)."),
    ("filter", "The elements of `arr` for which `func` returns `true`."),
    ("filterMap", "`map_func` applied to the elements of `arr` that `filter_func` accepts."),
    ("find", "The indices of the elements of `arr` equal to `value`."),
    ("findSubstr", "The indices where `pat` occurs in `str`."),
    ("flatMap", "`func` applied to each element of `arr`, the resulting arrays (or strings) concatenated."),
    ("flattenArrays", "The arrays of `arrs` concatenated."),
    ("floor", "The largest integer not greater than `x`."),
    ("foldl", "Folds `arr` from the left: `func(func(init, arr[0]), arr[1])`…"),
    ("foldr", "Folds `arr` from the right: `func(arr[0], func(arr[1], init))`…"),
    ("format", "`str` with its `%` directives replaced by `vals`, as Python's `%` does."),
    ("get", "Field `f` of object `o`, or `default` when it has none (hidden fields too unless `inc_hidden` is false)."),
    ("isArray", "Whether `v` is an array."),
    ("isBoolean", "Whether `v` is a boolean."),
    ("isFunction", "Whether `v` is a function."),
    ("isNumber", "Whether `v` is a number."),
    ("isObject", "Whether `v` is an object."),
    ("isString", "Whether `v` is a string."),
    ("join", "The elements of `arr` (strings or arrays) joined with `sep` between them."),
    ("length", "The number of elements of an array, characters of a string, visible fields of an object or parameters of a function."),
    ("lines", "The strings of `arr` each followed by a line break, joined."),
    ("makeArray", "An array of `sz` elements, element `i` being `func(i)`."),
    ("manifestJson", "`value` as indented JSON text."),
    ("manifestJsonEx", "`value` as JSON text indented with `indent`."),
    ("manifestYamlDoc", "`value` as a YAML document."),
    ("manifestYamlStream", "The array `value` as a stream of YAML documents."),
    ("map", "`func` applied to each element of `arr`."),
    ("mapWithIndex", "`func(i, arr[i])` for each element of `arr`."),
    ("mapWithKey", "The object `obj` with each visible field's value replaced by `func(key, value)`."),
    ("max", "The greater of `a` and `b`."),
    ("md5", "The MD5 hash of `s`, in hexadecimal."),
    ("member", "Whether the array or string `arr` contains `x`."),
    ("mergePatch", "`patch` applied to `target` as a JSON merge patch (RFC 7386)."),
    ("min", "The lesser of `a` and `b`."),
    ("objectFields", "The names of the visible fields of `o`, sorted."),
    ("objectFieldsAll", "The names of all fields of `o`, hidden ones too, sorted."),
    ("objectHas", "Whether `o` has a visible field `f`."),
    ("objectHasAll", "Whether `o` has a field `f`, hidden or not."),
    ("objectKeysValues", "The visible fields of `o` as `{ key, value }` objects."),
    ("objectValues", "The values of the visible fields of `o`."),
    ("parseInt", "The integer the decimal text `str` spells."),
    ("parseJson", "The value the JSON text `str` holds."),
    ("parseYaml", "The value the YAML text `str` holds (an array for several documents)."),
    ("prune", "`a` without nulls, empty arrays and empty objects, recursively."),
    ("range", "The integers from `from` to `to`, both included."),
    ("repeat", "`what` (a string or an array) repeated `count` times."),
    ("reverse", "The elements of `arr` in reverse order."),
    ("setDiff", "The elements of the sorted set `a` not in `b`."),
    ("setInter", "The elements of the sorted sets `a` and `b` in both."),
    ("setMember", "Whether `x` is in the sorted set `arr`."),
    ("setUnion", "The elements of the sorted sets `a` and `b` in either."),
    ("sha256", "The SHA-256 hash of `str`, in hexadecimal."),
    ("sort", "The elements of `arr` sorted by `keyF` (stable)."),
    ("split", "`str` split at every `c`."),
    ("splitLimit", "`str` split at the first `maxsplits` occurrences of `c`."),
    ("startsWith", "Whether the string `a` starts with `b`."),
    ("strReplace", "`str` with every `from` replaced by `to`."),
    ("stripChars", "`str` without the characters of `chars` at either end."),
    ("substr", "The `len` characters of `str` from index `from`."),
    ("thisFile", "The path of the current file."),
    ("toString", "`a` as a string (JSON for arrays and objects)."),
    ("trace", "Returns `rest`, writing `str` to the trace output first."),
    ("trim", "`str` without white space at either end."),
    ("type", "The type of `x`: `\"array\"`, `\"boolean\"`, `\"function\"`, `\"null\"`, `\"number\"`, `\"object\"` or `\"string\"`."),
    ("uniq", "`arr` without consecutive duplicates (by `keyF`)."),
];

/// The builtin rows, built once.
pub fn builtins() -> &'static [&'static Builtin] {
    static STD: OnceLock<Vec<&'static Builtin>> = OnceLock::new();
    STD.get_or_init(|| {
        let mut rows = kcfg_stdlib::std().builtins;
        rows.sort_by_key(|row| row.name);
        rows.dedup_by_key(|row| row.name);
        rows
    })
}

/// The row of `std.name`.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    let rows = builtins();
    rows.binary_search_by_key(&name, |row| row.name)
        .ok()
        .map(|at| rows[at])
}

/// The signature of a builtin as written in Jsonnet, optional parameters
/// marked with `=…`.
pub fn signature(row: &Builtin) -> String {
    let params: Vec<String> = row
        .params
        .iter()
        .enumerate()
        .map(|(index, param)| {
            if index < row.required {
                param.to_string()
            } else {
                format!("{param}=…")
            }
        })
        .collect();
    format!("std.{}({})", row.name, params.join(", "))
}

/// The one-line description of `std.name`, if written.
pub fn doc(name: &str) -> Option<&'static str> {
    DOCS.iter()
        .find(|(known, _)| *known == name)
        .map(|(_, doc)| *doc)
}

/// Hover text for `std.name`.
pub fn markdown(name: &str) -> Option<String> {
    let row = builtin(name)?;
    let mut text = format!("```jsonnet\n{}\n```", signature(row));
    if let Some(doc) = doc(name) {
        text.push_str("\n\n");
        text.push_str(doc);
    }
    Some(text)
}

/// A completion snippet for `std.name`: the call with a placeholder per
/// required parameter.
pub fn snippet(row: &Builtin) -> String {
    let params: Vec<String> = row.params[..row.required.min(row.params.len())]
        .iter()
        .enumerate()
        .map(|(index, param)| format!("${{{}:{param}}}", index + 1))
        .collect();
    format!("{}({})$0", row.name, params.join(", "))
}
