//! The standard library as the editor shows it: each function's
//! signature, from the builtin table that also runs it (`kcfg_stdlib::std`,
//! so the two cannot disagree), and a one-line description of every one,
//! written for kcfg. The tests below fail when a builtin has no
//! description or a description names no builtin, so the table cannot
//! drift from the library. `std`'s two fields that are not functions,
//! `thisFile` and `pi`, have their own short table.

use std::sync::OnceLock;

use kcfg_lang::eval::builtin::Builtin;

/// One-line descriptions, by name: one for every row of the builtin table
/// (the test `every_builtin_has_a_description` holds that), sorted.
const DOCS: &[(&str, &str)] = &[
    ("abs", "The absolute value of the number `n`."),
    ("acos", "The arc cosine of `x`, in radians."),
    ("all", "Whether every element of the array `arr` is `true` (`true` for an empty array); elements must be booleans."),
    ("any", "Whether some element of the array `arr` is `true` (`false` for an empty array); elements must be booleans."),
    ("asciiLower", "`str` with the ASCII letters `A`–`Z` turned to lower case; other characters unchanged."),
    ("asciiUpper", "`str` with the ASCII letters `a`–`z` turned to upper case; other characters unchanged."),
    ("asin", "The arc sine of `x`, in radians."),
    ("assertEqual", "`true` when `a == b`; otherwise fails with an error showing both values."),
    ("atan", "The arc tangent of `x`, in radians."),
    ("atan2", "The angle in radians of the point (`x`, `y`), from −π to π; note `y` comes first."),
    ("avg", "The mean of the numbers of `arr`; an error for an empty array."),
    ("base64", "`input` (a string, or an array of byte values 0–255) encoded as Base64 text."),
    ("base64Decode", "The string that the Base64 text `str` encodes (bytes read as code points); see `base64DecodeBytes` for binary data."),
    ("base64DecodeBytes", "The bytes that the Base64 text `str` encodes, as an array of numbers 0–255."),
    ("ceil", "The smallest integer not less than `x`."),
    ("char", "The one-character string whose Unicode code point is the number `n`."),
    ("clamp", "`x` limited to the range from `minVal` to `maxVal`: `minVal` when below it, `maxVal` when above."),
    ("codepoint", "The Unicode code point of `str`, which must be exactly one character long."),
    ("contains", "Whether the array `arr` has an element equal (`==`) to `elem`."),
    ("cos", "The cosine of `x` radians."),
    ("count", "How many elements of the array `arr` equal (`==`) `x`."),
    ("decodeUTF8", "The string whose UTF-8 encoding is the array of byte values `arr`."),
    ("deepJoin", "The strings of a nested array `arr`, at any depth, concatenated in order; a lone string is returned as is."),
    ("deg2rad", "The angle `x`, given in degrees, in radians."),
    ("encodeUTF8", "The UTF-8 encoding of `str` as an array of byte values 0–255."),
    ("endsWith", "Whether the string `a` ends with the string `b`."),
    ("equals", "Whether `a == b`: deep, structural equality of any two values (functions cannot be compared)."),
    ("equalsIgnoreCase", "Whether `str1` and `str2` are equal once their ASCII letters are lower-cased."),
    ("escapeStringBash", "`str_` quoted for a POSIX shell: wrapped in single quotes, inner single quotes escaped."),
    ("escapeStringDollars", "`str_` with every `$` doubled to `$$`, as Terraform and Make expect."),
    ("escapeStringJson", "`str_` as a JSON string literal, surrounding double quotes included."),
    ("escapeStringPython", "`str` as a Python string literal, surrounding double quotes included (the JSON escapes)."),
    ("escapeStringXML", "`str_` with `<`, `>`, `&`, `\"` and `'` replaced by their XML entities."),
    ("exp", "e raised to the power `n`."),
    ("exponent", "The binary exponent `e` of `n` such that `n = mantissa(n) * 2^e` with the mantissa in [0.5, 1); 0 for 0."),
    ("extVar", "The external variable `x`, as set by `--ext-str` (a string) or `--ext-code` (a value); an error when it is not set."),
    ("filter", "The elements of `arr` for which `func(element)` is `true`, in order; `func` must return a boolean."),
    ("filterMap", "`map_func(e)` for each element `e` of `arr` for which `filter_func(e)` is `true`."),
    ("find", "The indices of the elements of the array `arr` equal to `value`, ascending (empty when none)."),
    ("findSubstr", "The start indices (in characters) of every occurrence of `pat` in `str`, overlapping ones included; empty for an empty `pat`."),
    ("flatMap", "`func` applied to each element of `arr` (or character of a string), the resulting arrays (or strings) concatenated."),
    ("flattenArrays", "The arrays of `arrs` concatenated, one level only: nested arrays inside them stay as they are."),
    ("flattenDeepArray", "Every non-array element of `value`, at any depth of nesting, in order; a non-array `value` gives `[value]`."),
    ("floor", "The largest integer not greater than `x`."),
    ("foldl", "Folds `arr` from the left: `func(func(func(init, arr[0]), arr[1]), …)`; `init` when `arr` is empty."),
    ("foldr", "Folds `arr` from the right: `func(arr[0], func(arr[1], … func(arr[n-1], init)))`; `init` when `arr` is empty."),
    ("format", "`str` with its `%` directives (`%s`, `%d`, `%05.2f`, `%(name)s`, …) filled from `vals`: an array, an object for named ones, or a single value."),
    ("get", "Field `f` of the object `o`, or `default` (`null` unless given) when it has none; hidden fields count unless `inc_hidden` is `false`."),
    ("hypot", "The length of the hypotenuse, `sqrt(a*a + b*b)`, computed without overflow."),
    ("id", "`x` itself, unchanged."),
    ("isArray", "Whether `v` is an array."),
    ("isBoolean", "Whether `v` is a boolean."),
    ("isDecimal", "Whether the number `x` has a fractional part (is not an integer)."),
    ("isEmpty", "Whether the string `str` has length 0."),
    ("isEven", "Whether the number `x` is an even integer (`false` for any non-integer)."),
    ("isFunction", "Whether `v` is a function."),
    ("isInteger", "Whether the number `x` has no fractional part."),
    ("isNull", "Whether `v` is `null`."),
    ("isNumber", "Whether `v` is a number."),
    ("isObject", "Whether `v` is an object."),
    ("isOdd", "Whether the number `x` is an odd integer (`false` for any non-integer)."),
    ("isString", "Whether `v` is a string."),
    ("join", "The elements of `arr` joined with `sep` between them: strings when `sep` is a string, arrays concatenated when it is an array; `null` elements are skipped."),
    ("length", "The number of elements of an array, characters of a string, visible fields of an object, or parameters of a function."),
    ("lines", "The strings of `arr` each followed by a newline, concatenated (so the result ends with `\\n`); `null` elements are skipped."),
    ("log", "The natural logarithm of `n`; an error for 0 or a negative `n`."),
    ("log10", "The base-10 logarithm of `x`."),
    ("log2", "The base-2 logarithm of `x`."),
    ("lstripChars", "`str` without the characters found in `chars` at its start."),
    ("makeArray", "An array of `sz` elements, element `i` being `func(i)` (computed lazily)."),
    ("manifestIni", "INI text from `ini`: `{ main?: {…}, sections: { name: {…} } }`; an array value writes its key once per element."),
    ("manifestJson", "`value` as JSON text indented by four spaces, with no final newline."),
    ("manifestJsonEx", "`value` as JSON text indented with the string `indent`; `newline` (default `\\n`) and `key_val_sep` (default `: `) can be changed."),
    ("manifestJsonMinified", "`value` as JSON text without any white space."),
    ("manifestPython", "`value` as a Python literal (`True`, `False`, `None`, dicts and lists)."),
    ("manifestPythonVars", "The fields of the object `conf` as Python assignments, one `name = literal` line each."),
    ("manifestToml", "The object `value` as TOML text, tables indented by two spaces."),
    ("manifestTomlEx", "The object `value` as TOML text, tables indented with the string `indent`."),
    ("manifestXmlJsonml", "XML text from a JsonML value: `[tag, {attributes}?, children…]`, children being strings or further JsonML arrays."),
    ("manifestYamlDoc", "`value` as one YAML document with no `---` and no final newline; `indent_array_in_object` (default `false`) indents arrays under their key, `quote_keys` (default `true`) quotes every key, `false` only those that need it."),
    ("manifestYamlStream", "The array `value` as a stream of YAML documents, each after `---`; `c_document_end` (default `true`) ends the stream with `...`; the other options as in `manifestYamlDoc`."),
    ("mantissa", "The mantissa `m` of `n` such that `n = m * 2^exponent(n)` with `m` in [0.5, 1); 0 for 0."),
    ("map", "`func` applied to each element of `arr` (or character of a string), as an array."),
    ("mapWithIndex", "`func(i, arr[i])` for each element of `arr`, as an array."),
    ("mapWithKey", "The object `obj` with each visible field's value replaced by `func(key, value)`; hidden fields are dropped."),
    ("max", "The greater of the numbers `a` and `b`."),
    ("maxArray", "The greatest element of `arr`, compared by `keyF` (identity unless given); `onEmpty` for an empty array, which is otherwise an error."),
    ("md5", "The MD5 digest of the string `str`, as 32 lowercase hex digits."),
    ("member", "Whether `x` is an element of the array `arr`, or a substring of it when `arr` is a string."),
    ("mergePatch", "`patch` applied to `target` as a JSON merge patch (RFC 7386): `null` fields delete, objects merge recursively, anything else replaces."),
    ("min", "The lesser of the numbers `a` and `b`."),
    ("minArray", "The least element of `arr`, compared by `keyF` (identity unless given); `onEmpty` for an empty array, which is otherwise an error."),
    ("mod", "What `a % b` means: for numbers, the remainder with the sign of `a`; for a string `a`, `std.format(a, b)`."),
    ("modulo", "The remainder of dividing the number `a` by `b`, with the sign of `a` (`std.modulo(-7, 3)` is `-1`)."),
    ("native", "The native function registered under `name`, or `null` when there is none (kcfg registers none)."),
    ("objectFields", "The names of the visible fields of the object `o`, sorted."),
    ("objectFieldsAll", "The names of all fields of the object `o`, hidden ones included, sorted."),
    ("objectFieldsEx", "The names of the fields of `obj`, sorted, hidden ones included only when `inc_hidden` is `true`."),
    ("objectHas", "Whether the object `o` has a visible field `f`."),
    ("objectHasAll", "Whether the object `o` has a field `f`, hidden or not."),
    ("objectHasEx", "Whether `obj` has a field `f`, counting hidden fields only when `inc_hidden` is `true`."),
    ("objectKeysValues", "The visible fields of `o` as `{ key, value }` objects, sorted by key."),
    ("objectKeysValuesAll", "All fields of `o`, hidden ones included, as `{ key, value }` objects, sorted by key."),
    ("objectRemoveKey", "A copy of the object `obj` without the field `key` (no error when it is absent)."),
    ("objectValues", "The values of the visible fields of `o`, in the order of their sorted names."),
    ("objectValuesAll", "The values of all fields of `o`, hidden ones included, in the order of their sorted names."),
    ("parseHex", "The non-negative integer that the hexadecimal digits of `str` spell (either case, no `0x` prefix)."),
    ("parseInt", "The integer that the decimal text `str` spells, with an optional leading `-`; an error for anything else, `1.5` included."),
    ("parseJson", "The value that the JSON text `str` holds; an error when it is not valid JSON."),
    ("parseOctal", "The non-negative integer that the octal digits of `str` spell."),
    ("parseYaml", "The value the YAML text `str` holds; several `---` documents give an array of them."),
    ("pow", "`x` raised to the power `n` (any real `n`)."),
    ("primitiveEquals", "Whether `a == b` for strings, numbers, booleans and `null`; an error for arrays, objects and functions."),
    ("prune", "`a` without `null` fields and elements, and without arrays and objects left empty by that, recursively; hidden fields are dropped."),
    ("rad2deg", "The angle `x`, given in radians, in degrees."),
    ("range", "The integers from `from` to `to`, both included; empty when `to < from`."),
    ("remove", "`arr` without its first element equal to `elem` (unchanged when there is none)."),
    ("removeAt", "`arr` without the element at index `at`; unchanged when `at` is not a valid index."),
    ("repeat", "`what` (a string or an array) repeated `count` times; empty for 0."),
    ("resolvePath", "The path `r` placed in the directory of the path `f` (`std.resolvePath('a/b.kcfg', 'c')` is `'a/c'`)."),
    ("reverse", "The elements of the array `arr` in reverse order."),
    ("round", "`x` rounded to the nearest integer, halves upward (`std.round(-2.5)` is `-2`)."),
    ("rstripChars", "`str` without the characters found in `chars` at its end."),
    ("set", "`arr` sorted by `keyF` (identity unless given) with duplicates removed: a set the `set*` functions accept."),
    ("setDiff", "The elements of the set `a` that are not in the set `b`, both sorted by `keyF`."),
    ("setInter", "The elements present in both sets `a` and `b`, both sorted by `keyF`."),
    ("setMember", "Whether `x` is in `arr`, a set sorted by `keyF` (binary search: an unsorted `arr` gives wrong answers)."),
    ("setUnion", "The elements of either set `a` or `b`, both sorted by `keyF`, as a set."),
    ("sha1", "The SHA-1 digest of the string `str`, as 40 lowercase hex digits."),
    ("sha256", "The SHA-256 digest of the string `str`, as 64 lowercase hex digits."),
    ("sha3", "The SHA3-512 digest of the string `str`, as 128 lowercase hex digits."),
    ("sha512", "The SHA-512 digest of the string `str`, as 128 lowercase hex digits."),
    ("sign", "-1, 0 or 1 as the number `n` is negative, zero or positive."),
    ("sin", "The sine of `x` radians."),
    ("slice", "`indexable[index:end:step]`: the part of an array or string from `index` up to but excluding `end`, every `step`-th; `null` bounds mean the ends."),
    ("sort", "The elements of `arr` sorted ascending by `keyF` (identity unless given); stable, and keys must be all numbers, all strings or all arrays."),
    ("split", "`str` split at every occurrence of the non-empty string `c`, empty parts kept; the same as `splitLimit(str, c, -1)`."),
    ("splitLimit", "`str` split at the first `maxsplits` occurrences of `c` from the left, the rest left in the last part; `-1` splits at all."),
    ("splitLimitR", "`str` split at the last `maxsplits` occurrences of `c`, counting from the right; `-1` splits at all."),
    ("sqrt", "The square root of `x`; an error for a negative `x`."),
    ("startsWith", "Whether the string `a` starts with the string `b`."),
    ("strReplace", "`str` with every occurrence of `from` replaced by `to`, left to right; `from` must not be empty."),
    ("stringChars", "The characters of `str`, each as a one-character string."),
    ("stripChars", "`str` without the characters found in `chars` at either end."),
    ("substr", "The `len` characters of `str` starting at index `from`; clipped at the end of `str` (`\"\"` when `from` is past it), an error for a negative `from` or `len`."),
    ("sum", "The sum of the numbers of `arr`; 0 for an empty array."),
    ("tan", "The tangent of `x` radians."),
    ("toString", "`a` as a string: a string unchanged, anything else as its JSON text."),
    ("trace", "`rest`, after writing `str` (and where it was called) to the trace output (stderr for `kcfg eval`)."),
    ("trim", "`str` without white space (spaces, tabs, newlines, …) at either end."),
    ("type", "The type of `x`: `\"array\"`, `\"boolean\"`, `\"function\"`, `\"null\"`, `\"number\"`, `\"object\"` or `\"string\"`."),
    ("uniq", "`arr` with runs of consecutive equal elements (by `keyF`) collapsed to one; sort first to remove all duplicates."),
    ("xnor", "Whether the booleans `x` and `y` are equal."),
    ("xor", "Whether exactly one of the booleans `x` and `y` is `true`."),
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

/// The fields of `std` that are not functions, with their descriptions.
const FIELDS: &[(&str, &str)] = &[
    ("pi", "The number π, to double precision."),
    (
        "thisFile",
        "The path of the file this expression is written in, as it was imported or given on the command line.",
    ),
];

/// The one-line description of the function `std.name`.
pub fn doc(name: &str) -> Option<&'static str> {
    DOCS.binary_search_by_key(&name, |(known, _)| *known)
        .ok()
        .map(|at| DOCS[at].1)
}

/// Hover text for `std.name`: a function's signature and description, or a
/// field's description.
pub fn markdown(name: &str) -> Option<String> {
    let Some(row) = builtin(name) else {
        let (_, doc) = FIELDS.iter().find(|(field, _)| *field == name)?;
        return Some(format!("```jsonnet\nstd.{name}\n```\n\n{doc}"));
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every function of the builtin table has a description, so a new
    /// builtin cannot ship with a bare signature (issue 17).
    #[test]
    fn issue17_every_builtin_has_a_description() {
        let missing: Vec<&str> = builtins()
            .iter()
            .map(|row| row.name)
            .filter(|name| !name.starts_with('$') && doc(name).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "std functions without a description in DOCS: {missing:?}"
        );
    }

    /// Every description names a function that exists, and the table is
    /// sorted without duplicates (`doc` searches it by halves).
    #[test]
    fn issue17_every_description_names_a_builtin() {
        let unknown: Vec<&str> = DOCS
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| builtin(name).is_none())
            .collect();
        assert!(
            unknown.is_empty(),
            "DOCS describes functions std does not have: {unknown:?}"
        );
        for pair in DOCS.windows(2) {
            assert!(
                pair[0].0 < pair[1].0,
                "DOCS out of order at {:?} / {:?}",
                pair[0].0,
                pair[1].0
            );
        }
        for (name, doc) in DOCS {
            assert!(
                doc.ends_with('.'),
                "the description of {name} is not a sentence"
            );
        }
    }

    /// The non-function fields are really fields of `std` and not builtins.
    #[test]
    fn issue17_fields_are_std_fields() {
        let std = kcfg_stdlib::std();
        for (name, _) in FIELDS {
            assert!(
                builtin(name).is_none(),
                "{name} is a function: describe it in DOCS"
            );
            let constant = std.constants.iter().any(|(constant, _)| constant == name);
            assert!(constant || *name == "thisFile", "std has no field {name}");
        }
    }

    #[test]
    fn hover_shows_signature_and_description() {
        insta::assert_snapshot!(markdown("substr").unwrap(), @r#"
        ```jsonnet
        std.substr(str, from, len)
        ```

        The `len` characters of `str` starting at index `from`; clipped at the end of `str` (`""` when `from` is past it), an error for a negative `from` or `len`.
        "#);
        insta::assert_snapshot!(markdown("thisFile").unwrap(), @r"
        ```jsonnet
        std.thisFile
        ```

        The path of the file this expression is written in, as it was imported or given on the command line.
        ");
        assert_eq!(markdown("noSuchFunction"), None);
    }
}
