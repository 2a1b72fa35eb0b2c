//! A structured random Jsonnet generator.
//!
//! Random bytes mostly exercise the lexer; to reach the evaluator, the
//! standard library and the manifesters an input must parse and mostly
//! analyze. [`Generator`] writes programs from the grammar: literals with
//! edge values (`1e308`, `-1`, `2^63`, lone surrogates, `%` formats with
//! huge widths), arrays, objects with `self`, `super`, `$`, `+:`, `::`,
//! locals, methods and assertions, comprehensions, functions with default
//! arguments, `tailstrict` calls, imports of the harness's virtual files,
//! and calls of every `std` builtin (taken from the table, so new builtins
//! are fuzzed without touching this file) with arguments chosen by the
//! parameter's name (`str` gets strings, `func` a function, `n` a number)
//! most of the time and by chance otherwise.
//!
//! Variables are tracked in a scope so that most references resolve; a few
//! deliberately do not, and `self`/`super` sometimes appear outside an
//! object, which keeps the static checks fuzzed too. A small share of
//! inputs are [`big`] templates: very deep nesting, long chains, huge
//! sizes and runaway recursion, the shapes that find stack, memory and
//! time bugs.

use crate::rng::Rng;

/// A builtin's signature, as the generator needs it.
#[derive(Debug, Clone)]
pub struct Signature {
    /// The name in `std`.
    pub name: &'static str,
    /// Parameter names.
    pub params: &'static [&'static str],
    /// How many leading parameters are required.
    pub required: usize,
}

/// The signatures of every builtin of `kcfg_stdlib::std()`.
pub fn std_signatures() -> Vec<Signature> {
    kcfg_stdlib::std()
        .builtins
        .iter()
        .map(|row| Signature {
            name: row.name,
            params: row.params,
            required: row.required,
        })
        .collect()
}

/// Numbers at the edges: zero signs, powers of two around the integer
/// limits of `f64`, `i32`, `i64` and `u64`, code point limits, surrogates,
/// the extremes of `f64`, and sizes an allocation cannot have.
pub const EDGE_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "3",
    "0.5",
    "-0.5",
    "1.5",
    "10",
    "63",
    "64",
    "65",
    "127",
    "128",
    "255",
    "256",
    "1000",
    "65535",
    "65536",
    "55296",
    "57343",
    "1114111",
    "1114112",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "1e9",
    "1e12",
    "1e15",
    "9007199254740991",
    "9007199254740992",
    "9007199254740993",
    "-9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "1e20",
    "1e100",
    "-1e100",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e-308",
    "5e-324",
    "4.9e-324",
    "0.1",
    "3.14159",
    "1e-7",
    "123456789.123",
];

/// Number-valued expressions that are not literals: overflow, NaN and
/// infinities, which Jsonnet reports as errors, and values the lexer
/// cannot write.
pub const EDGE_NUMBER_EXPRS: &[&str] = &[
    "(1e308 * 10)",
    "(-1e308 * 10)",
    "(0 / 0)",
    "(1 / 0)",
    "std.pow(-1, 0.5)",
    "std.log(0)",
    "std.sqrt(-1)",
    "std.pow(2, 1024)",
    "std.pow(2, 53)",
    "std.pow(2, 63)",
    "std.pow(2, 64)",
    "(-std.pow(2, 63))",
    "std.exp(710)",
    "std.exp(-1000)",
    "(1 << 62)",
    "(1 << 63)",
    "(~0)",
    "std.mod(-7, 3)",
    "(5 % -0)",
];

/// String literals at the edges, written as Jsonnet source.
pub const EDGE_STRINGS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"abc\"",
    "\"x\"",
    "\"é\"",
    "\"日本語\"",
    "\"😀\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\udc00\"",
    "\"\\ud83d\\ude00\"",
    "\"\\uffff\"",
    "\"\\u00ff\"",
    "\"\\\\\"",
    "\"\\\"\"",
    "\"a\\nb\"",
    "\"\\t\"",
    "\"\\r\\n\"",
    "\" \"",
    "\"  a  \"",
    "\"%\"",
    "\"%d\"",
    "\"%s\"",
    "\"%5.2f\"",
    "\"%(a)s\"",
    "\"%*d\"",
    "\"%%\"",
    "\"a,b,,c\"",
    "\",\"",
    "\"---\"",
    "\"- a\"",
    "\"a: b\"",
    "\"#\"",
    "\"true\"",
    "\"yes\"",
    "\"null\"",
    "\"~\"",
    "\"1e3\"",
    "\"0x1F\"",
    "\"0o17\"",
    "\"017\"",
    "\"1:30\"",
    "\".inf\"",
    "\"-\"",
    "\"12\"",
    "\"-12\"",
    "\"0\"",
    "\"ff\"",
    "\"777\"",
    "\"[1, 2]\"",
    "\"{\\\"a\\\": 1}\"",
    "\"a: [1, {b: c}]\"",
    "\"<x/>\"",
    "\"&<>'\\\"\"",
    "\"$x ${y}\"",
    "\"/a/b/../c\"",
    "\"QUJD\"",
    "\"QUJ\"",
    "\"====\"",
    "@'verbatim ''quote'' \\n'",
    "@\"at \"\" \\\"",
    "'single \"q\"'",
    "|||\n  text block\n    indented\n|||",
    "|||-\n  chomped\n|||",
];

/// Field names, written as they appear before `:`.
const FIELD_NAMES: &[&str] = &[
    "a",
    "b",
    "c",
    "x",
    "y",
    "f",
    "kind",
    "apiVersion",
    "metadata",
    "name",
    "\"\"",
    "\"a b\"",
    "\"é\"",
    "\"1\"",
    "\"-\"",
    "\"true\"",
    "\"a.b\"",
    "\"[x]\"",
    "'quoted'",
];

/// Local variable names the generator binds.
const VAR_NAMES: &[&str] = &["a", "b", "c", "x", "y", "z", "v", "w", "f", "g", "h", "k"];

/// The virtual files an input may import (see `exec::importer`).
pub const IMPORTS: &[&str] = &[
    "lib.libsonnet",
    "data.json",
    "text.txt",
    "bytes.bin",
    "deep.libsonnet",
    "missing.libsonnet",
];

/// Binary operators.
const BINARY: &[&str] = &[
    "+", "-", "*", "/", "%", "<<", ">>", "<", "<=", ">", ">=", "==", "!=", "in", "&", "^", "|",
    "&&", "||",
];

/// A variable in scope.
#[derive(Debug, Clone)]
struct Binding {
    name: &'static str,
    /// Parameters, when the variable is known to hold a function.
    arity: Option<usize>,
}

/// Writes one random program.
pub struct Generator<'g> {
    rng: &'g mut Rng,
    signatures: &'g [Signature],
    scope: Vec<Binding>,
    /// Nesting depth of object bodies (where `self` and `super` are valid).
    objects: usize,
    /// Nodes left to write; when it runs out, only atoms are written.
    budget: usize,
}

impl<'g> Generator<'g> {
    /// A generator drawing from `rng`, calling builtins from `signatures`.
    pub fn new(rng: &'g mut Rng, signatures: &'g [Signature]) -> Generator<'g> {
        Generator {
            rng,
            signatures,
            scope: Vec::new(),
            objects: 0,
            budget: 0,
        }
    }

    /// A whole program: usually an expression of modest size, sometimes a
    /// [`big`] template.
    pub fn program(&mut self) -> String {
        if self.rng.chance(1, 25) {
            return big(self.rng);
        }
        self.budget = self.rng.log_size(120);
        let depth = self.rng.between(2, 7);
        self.expr(depth)
    }

    /// An expression nested at most `depth` levels.
    pub fn expr(&mut self, depth: usize) -> String {
        if depth == 0 || self.budget == 0 {
            return self.atom();
        }
        self.budget -= 1;
        let d = depth - 1;
        match self.rng.below(30) {
            0..=2 => self.atom(),
            3..=6 => self.std_call(d),
            7 => self.array(d),
            8..=9 => self.object(d),
            10..=11 => self.local(d),
            12 => self.function(d),
            13 => self.call(d),
            14 => format!(
                "if {} then {} else {}",
                self.expr(d),
                self.expr(d),
                self.expr(d)
            ),
            15..=16 => {
                let op = self.rng.pick(BINARY);
                format!("{} {op} {}", self.operand(d), self.operand(d))
            }
            17 => {
                let op = self.rng.pick(&["-", "+", "!", "~"]);
                format!("{op}{}", self.operand(d))
            }
            18 => self.index(d),
            19 => format!("{} {}", self.operand(d), self.object(d)),
            20 => self.array_comprehension(d),
            21 => self.object_comprehension(d),
            22 => {
                let message = if self.rng.chance(1, 2) {
                    self.string()
                } else {
                    self.expr(d)
                };
                if self.rng.chance(1, 2) {
                    format!("error {message}")
                } else {
                    format!("assert {} : {message}; {}", self.expr(d), self.expr(d))
                }
            }
            23 => self.import(),
            24 => self.format(d),
            25 => self.slice(d),
            26 => format!("({})", self.expr(d)),
            27 => self.super_expr(d),
            28 => format!("{} + {}", self.operand(d), self.object(d)),
            _ => self.std_call(d),
        }
    }

    /// An expression that can stand as an operand without parentheses
    /// changing its meaning much (parenthesized when compound).
    fn operand(&mut self, depth: usize) -> String {
        if self.rng.chance(1, 3) {
            self.atom()
        } else {
            format!("({})", self.expr(depth))
        }
    }

    fn atom(&mut self) -> String {
        match self.rng.below(14) {
            0..=3 => self.number(),
            4..=6 => self.string(),
            7 => self.rng.pick(&["true", "false", "null"]).to_string(),
            8..=10 => match self.variable() {
                Some(name) => name,
                None => self.number(),
            },
            11 => {
                if self.objects > 0 || self.rng.chance(1, 10) {
                    self.rng.pick(&["self", "$", "self.a", "$.a"]).to_string()
                } else {
                    "[]".to_string()
                }
            }
            12 => self
                .rng
                .pick(&[
                    "std.pi",
                    "std.thisFile",
                    "{}",
                    "[]",
                    "std",
                    "std.extVar('x')",
                ])
                .to_string(),
            _ => self.rng.pick(EDGE_NUMBER_EXPRS).to_string(),
        }
    }

    /// A number literal, mostly an edge value.
    pub fn number(&mut self) -> String {
        if self.rng.chance(3, 4) {
            self.rng.pick(EDGE_NUMBERS).to_string()
        } else {
            self.rng.below(20).to_string()
        }
    }

    /// A string literal, mostly an edge value.
    pub fn string(&mut self) -> String {
        if self.rng.chance(3, 4) {
            self.rng.pick(EDGE_STRINGS).to_string()
        } else {
            format!(
                "\"{}\"",
                self.rng.pick(FIELD_NAMES).trim_matches(['"', '\''])
            )
        }
    }

    fn variable(&mut self) -> Option<String> {
        if self.scope.is_empty() || self.rng.chance(1, 30) {
            // An unbound name now and then keeps the analyzer's errors fuzzed.
            return self.rng.chance(1, 4).then(|| "undefined_name".to_string());
        }
        let binding = self.rng.pick_ref(&self.scope).clone();
        Some(binding.name.to_string())
    }

    fn bind(&mut self, arity: Option<usize>) -> &'static str {
        let name = self.rng.pick(VAR_NAMES);
        self.scope.push(Binding { name, arity });
        name
    }

    fn array(&mut self, depth: usize) -> String {
        let n = self.rng.below(5);
        let items: Vec<String> = (0..n).map(|_| self.expr(depth)).collect();
        let trailing = if n > 0 && self.rng.chance(1, 5) {
            ","
        } else {
            ""
        };
        format!("[{}{trailing}]", items.join(", "))
    }

    fn object(&mut self, depth: usize) -> String {
        self.objects += 1;
        let mark = self.scope.len();
        let n = self.rng.below(5);
        let mut members = Vec::new();
        for _ in 0..n {
            let member = match self.rng.below(10) {
                0 => {
                    let name = self.bind(None);
                    format!("local {name} = {}", self.expr(depth))
                }
                1 => format!("assert {} : {}", self.expr(depth), self.string()),
                2 => {
                    let field = self.field_name(depth);
                    let params_mark = self.scope.len();
                    let params = self.params(depth);
                    let body = self.expr(depth);
                    self.scope.truncate(params_mark);
                    let sep = self.rng.pick(&[":", "::", ":::"]);
                    format!("{field}({params}){sep} {body}")
                }
                _ => {
                    let field = self.field_name(depth);
                    let plus = if self.rng.chance(1, 3) { "+" } else { "" };
                    let sep = self.rng.pick(&[":", ":", "::", ":::"]);
                    format!("{field}{plus}{sep} {}", self.expr(depth))
                }
            };
            members.push(member);
        }
        self.scope.truncate(mark);
        self.objects -= 1;
        format!("{{{}}}", members.join(", "))
    }

    fn field_name(&mut self, depth: usize) -> String {
        if self.rng.chance(1, 6) {
            format!("[{}]", self.expr(depth.min(1)))
        } else {
            self.rng.pick(FIELD_NAMES).to_string()
        }
    }

    fn params(&mut self, depth: usize) -> String {
        let n = self.rng.below(4);
        let mut params = Vec::new();
        for i in 0..n {
            let name = self.bind(None);
            if i > 0 && self.rng.chance(1, 2) {
                let default = if self.rng.chance(1, 4) {
                    "error \"default\"".to_string()
                } else {
                    self.expr(depth.min(2))
                };
                params.push(format!("{name}={default}"));
            } else {
                params.push(name.to_string());
            }
        }
        params.join(", ")
    }

    fn local(&mut self, depth: usize) -> String {
        let mark = self.scope.len();
        let n = self.rng.between(1, 3);
        let mut binds = Vec::new();
        for _ in 0..n {
            if self.rng.chance(1, 3) {
                let name = self.bind(Some(0));
                let params_mark = self.scope.len();
                let params = self.params(depth);
                let arity = self.scope.len() - params_mark;
                self.scope[params_mark - 1].arity = Some(arity);
                let body = self.expr(depth);
                self.scope.truncate(params_mark);
                binds.push(format!("{name}({params}) = {body}"));
            } else {
                // Bound before its value is written: recursive references
                // (`local x = x + 1`) are part of the language.
                let name = self.bind(None);
                binds.push(format!("{name} = {}", self.expr(depth)));
            }
        }
        let body = self.expr(depth);
        self.scope.truncate(mark);
        format!("local {}; {body}", binds.join(", "))
    }

    fn function(&mut self, depth: usize) -> String {
        let mark = self.scope.len();
        let params = self.params(depth);
        let body = self.expr(depth);
        self.scope.truncate(mark);
        format!("function({params}) {body}")
    }

    /// A function any builtin can call: it takes up to three arguments.
    fn callback(&mut self, depth: usize) -> String {
        let mark = self.scope.len();
        let a = self.bind(None);
        let b = self.bind(None);
        let c = self.bind(None);
        let body = self.expr(depth.min(2));
        self.scope.truncate(mark);
        if a == b || b == c || a == c {
            // Duplicate parameters are a static error; keep most callbacks valid.
            return format!("function(p, q=null, r=null) {body}");
        }
        format!("function({a}, {b}=null, {c}=null) {body}")
    }

    fn call(&mut self, depth: usize) -> String {
        let functions: Vec<Binding> = self
            .scope
            .iter()
            .filter(|b| b.arity.is_some())
            .cloned()
            .collect();
        let (callee, arity) = if !functions.is_empty() && self.rng.chance(3, 4) {
            let f = self.rng.pick_ref(&functions).clone();
            (f.name.to_string(), f.arity.unwrap_or(0))
        } else {
            let f = self.function(depth);
            (format!("({f})"), self.rng.below(3))
        };
        let n = if self.rng.chance(4, 5) {
            arity
        } else {
            self.rng.below(4)
        };
        let mut args: Vec<String> = (0..n).map(|_| self.expr(depth)).collect();
        if self.rng.chance(1, 6) {
            let name = self.rng.pick(VAR_NAMES);
            args.push(format!("{name}={}", self.expr(depth)));
        }
        let tailstrict = if self.rng.chance(1, 5) {
            " tailstrict"
        } else {
            ""
        };
        format!("{callee}({}){tailstrict}", args.join(", "))
    }

    /// A call of a random builtin with arguments suited to its parameters.
    pub fn std_call(&mut self, depth: usize) -> String {
        if self.signatures.is_empty() {
            return self.atom();
        }
        let signature = self.rng.pick_ref(self.signatures).clone();
        let n = if self.rng.chance(9, 10) {
            self.rng.between(signature.required, signature.params.len())
        } else {
            self.rng.below(signature.params.len() + 2)
        };
        let mut args = Vec::new();
        for i in 0..n {
            let value = match signature.params.get(i) {
                Some(param) if self.rng.chance(4, 5) => self.argument(param, depth),
                _ => self.expr(depth),
            };
            match signature.params.get(i) {
                Some(param) if i >= signature.required && self.rng.chance(1, 3) => {
                    args.push(format!("{param}={value}"));
                }
                _ => args.push(value),
            }
        }
        format!("std.{}({})", signature.name, args.join(", "))
    }

    /// A value for a parameter, chosen by the parameter's name.
    fn argument(&mut self, param: &str, depth: usize) -> String {
        match param {
            "str" | "string" | "str_" | "str1" | "str2" | "s" | "pat" | "sep" | "c" | "chars"
            | "what" | "key" | "name" | "newline" | "key_val_sep" | "input" | "target" => {
                if self.rng.chance(1, 4) {
                    self.string_expr(depth)
                } else {
                    self.string()
                }
            }
            "x" | "y" | "n" | "number" | "from" | "to" | "sz" | "step" | "len" | "at" | "index"
            | "count" | "maxsplits" | "minVal" | "maxVal" | "i" | "end" => {
                if self.rng.chance(1, 6) {
                    self.rng.pick(EDGE_NUMBER_EXPRS).to_string()
                } else {
                    self.number()
                }
            }
            "func" | "f" | "keyF" | "function" | "map_func" | "filter_func" => {
                if self.rng.chance(1, 8) {
                    format!(
                        "std.{}",
                        self.rng.pick(&["length", "type", "id", "toString"])
                    )
                } else {
                    self.callback(depth)
                }
            }
            "arr" | "a" | "b" | "array" | "arrs" | "vals" | "elem" | "indexable" | "value"
            | "v" | "init" | "onEmpty" | "default" | "rest" | "r" => self.collection(depth),
            "o" | "obj" | "object" | "conf" | "ini" | "patch" => {
                if self.rng.chance(1, 3) {
                    self.collection(depth)
                } else {
                    self.object(depth)
                }
            }
            "boolean" | "inc_hidden" | "quote_keys" | "indent_array_in_object" => {
                self.rng.pick(&["true", "false"]).to_string()
            }
            "indent" => self
                .rng
                .pick(&["\"\"", "\"  \"", "\"\\t\"", "2"])
                .to_string(),
            _ => self.expr(depth),
        }
    }

    /// An array, string or object value of interesting shape or size.
    fn collection(&mut self, depth: usize) -> String {
        let size = self
            .rng
            .pick(&["3", "10", "1000", "1e5", "1e9", "1e12", "-1", "0"]);
        match self.rng.below(14) {
            0 => "[]".to_string(),
            1 => "[1, 2, 3]".to_string(),
            2 => "[3, 1, 2, 1]".to_string(),
            3 => "[\"b\", \"a\", \"c\"]".to_string(),
            4 => format!("std.range({}, {})", self.number(), self.number()),
            5 => format!("std.makeArray({size}, function(i) i)"),
            6 => "[[1, [2]], [], [[[3]]]]".to_string(),
            7 => "[{a: 1}, {a: 2, b: null}]".to_string(),
            8 => "[255, 0, 256, -1, 1114112]".to_string(),
            9 => format!("std.repeat({}, {size})", self.string()),
            10 => self.string(),
            11 => "{a: 1, b: [2], c:: 3, d: {e: null}}".to_string(),
            12 => self.array(depth),
            _ => self.expr(depth),
        }
    }

    fn string_expr(&mut self, depth: usize) -> String {
        match self.rng.below(5) {
            0 => format!(
                "std.repeat({}, {})",
                self.string(),
                self.rng.pick(&["1000", "1e6", "1e9"])
            ),
            1 => format!("std.join(\"\", std.makeArray({}, function(i) \"x\"))", {
                self.rng.pick(&["10", "1e5"])
            }),
            2 => format!("std.char({})", self.number()),
            3 => format!("std.toString({})", self.expr(depth)),
            _ => format!("{} + {}", self.string(), self.string()),
        }
    }

    fn index(&mut self, depth: usize) -> String {
        let target = self.operand(depth);
        match self.rng.below(4) {
            0 => format!("{target}[{}]", self.expr(depth)),
            1 => format!("{target}[{}]", self.number()),
            _ => format!(
                "{target}.{}",
                self.rng.pick(&["a", "b", "x", "f", "length"])
            ),
        }
    }

    fn slice(&mut self, depth: usize) -> String {
        let target = if self.rng.chance(1, 2) {
            self.collection(depth)
        } else {
            self.string()
        };
        let part = |g: &mut Self| {
            if g.rng.chance(1, 3) {
                String::new()
            } else {
                g.number()
            }
        };
        let (a, b, c) = (part(self), part(self), part(self));
        if self.rng.chance(1, 2) {
            format!("({target})[{a}:{b}:{c}]")
        } else {
            format!("({target})[{a}:{b}]")
        }
    }

    fn super_expr(&mut self, depth: usize) -> String {
        if self.objects == 0 && self.rng.chance(3, 4) {
            // Build an object chain in which `super` is valid.
            self.objects += 1;
            let body = self.super_expr(depth);
            self.objects -= 1;
            let base = self.object(depth);
            let plus = if self.rng.chance(1, 2) { "+" } else { "" };
            return format!("{base} + {{a{plus}: {body}, b: super.a}}");
        }
        match self.rng.below(5) {
            0 => "super.a".to_string(),
            1 => format!("super[{}]", self.string()),
            2 => "'a' in super".to_string(),
            3 => format!("{} in super", self.string()),
            _ => "super.f(1)".to_string(),
        }
    }

    fn array_comprehension(&mut self, depth: usize) -> String {
        let source = self.collection(depth);
        let mark = self.scope.len();
        let var = self.bind(None);
        let mut clauses = format!("for {var} in {source}");
        if self.rng.chance(1, 3) {
            clauses.push_str(&format!(" if {}", self.expr(depth)));
        }
        if self.rng.chance(1, 4) {
            let source = self.collection(depth);
            let second = self.bind(None);
            clauses.push_str(&format!(" for {second} in {source}"));
        }
        let body = self.expr(depth);
        self.scope.truncate(mark);
        format!("[{body} {clauses}]")
    }

    fn object_comprehension(&mut self, depth: usize) -> String {
        let source = self.collection(depth);
        let mark = self.scope.len();
        let var = self.bind(None);
        let key = if self.rng.chance(2, 3) {
            format!("std.toString({var})")
        } else {
            self.expr(depth)
        };
        let plus = if self.rng.chance(1, 4) { "+" } else { "" };
        self.objects += 1;
        let value = self.expr(depth);
        self.objects -= 1;
        let filter = if self.rng.chance(1, 3) {
            format!(" if {}", self.expr(depth))
        } else {
            String::new()
        };
        self.scope.truncate(mark);
        format!("{{[{key}]{plus}: {value} for {var} in {source}{filter}}}")
    }

    fn import(&mut self) -> String {
        let kind = self.rng.pick(&["import", "importstr", "importbin"]);
        let file = self.rng.pick(IMPORTS);
        format!("({kind} \"{file}\")")
    }

    /// `fmt % args` or `std.format(fmt, args)` with a random format.
    fn format(&mut self, depth: usize) -> String {
        let mut fmt = String::new();
        for _ in 0..self.rng.between(1, 3) {
            if self.rng.chance(1, 3) {
                fmt.push_str(self.rng.pick(&["a", " ", "é", "\\n", ""]));
            }
            fmt.push('%');
            if self.rng.chance(1, 4) {
                fmt.push_str(self.rng.pick(&["(a)", "(b)", "()", "(é)"]));
            }
            for _ in 0..self.rng.below(3) {
                fmt.push(self.rng.pick(&['#', '0', '-', ' ', '+']));
            }
            if self.rng.chance(1, 2) {
                fmt.push_str(self.rng.pick(&[
                    "1",
                    "5",
                    "20",
                    "*",
                    "1000000",
                    "2147483648",
                    "99999999999999999999",
                ]));
            }
            if self.rng.chance(1, 3) {
                fmt.push('.');
                fmt.push_str(
                    self.rng
                        .pick(&["", "0", "3", "*", "100", "99999999999999999999"]),
                );
            }
            fmt.push(self.rng.pick(&[
                'd', 'i', 'u', 'o', 'x', 'X', 'e', 'E', 'f', 'F', 'g', 'G', 'c', 's', '%', 'z',
            ]));
        }
        let args = match self.rng.below(5) {
            0 => self.expr(depth),
            1 => "{a: 1, b: \"x\"}".to_string(),
            2 => format!("[{}, {}]", self.number(), self.number()),
            _ => {
                let n = self.rng.below(4);
                let items: Vec<String> = (0..n)
                    .map(|_| {
                        if self.rng.chance(1, 2) {
                            self.number()
                        } else {
                            self.expr(depth)
                        }
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            }
        };
        if self.rng.chance(1, 2) {
            format!("\"{fmt}\" % {args}")
        } else {
            format!("std.format(\"{fmt}\", {args})")
        }
    }
}

/// A template for the shapes that find stack, memory and time bugs: very
/// deep nesting, long chains, huge sizes and runaway recursion. Sizes are
/// log-uniform up to a million, so every order of magnitude is tried.
pub fn big(rng: &mut Rng) -> String {
    let n = rng.log_size(1_000_000);
    let small = rng.log_size(2_000);
    match rng.below(22) {
        0 => format!("{}1{}", "[".repeat(n), "]".repeat(n)),
        1 => format!("{}1{}", "(".repeat(n), ")".repeat(n)),
        2 => format!("{}1", "1 + ".repeat(n)),
        3 => format!(
            "local f = function(x) f; f{} == null",
            "(1)".repeat(n.min(300_000))
        ),
        4 => format!("{{a: 1}}{}", " + {a+: 1}".repeat(small * 5)),
        5 => format!("local o = {{a: o}}; o{}.a == null", ".a".repeat(n.min(300_000))),
        6 => format!("local f(n) = if n == 0 then 0 else 1 + f(n - 1); f({n})"),
        7 => format!(
            "local f(n, acc) = if n == 0 then acc else f(n - 1, acc + 1) tailstrict; f({n}, 0)"
        ),
        8 => format!(
            "local d(s, n) = if n == 0 then s else d(s + s, n - 1); std.length(d(\"ab\", {}))",
            rng.below(64)
        ),
        9 => format!("std.foldl(function(acc, i) {{a: acc}}, std.range(1, {n}), {{}})"),
        10 => format!("std.foldl(function(acc, i) [acc], std.range(1, {n}), [])"),
        11 => format!("{{[\"f\" + i]: i for i in std.range(1, {n})}}"),
        12 => format!(
            "std.parseJson({:?})",
            format!("{}{}", "[".repeat(n), "]".repeat(n))
        ),
        13 => format!(
            "std.parseYaml({:?})",
            format!("{}1{}", "[".repeat(small), "]".repeat(small))
        ),
        14 => format!(
            "std.sort(std.makeArray({n}, function(i) ({n} - i) % 7))"
        ),
        15 => format!(
            "local x = {{a: x.a + 1}}; x.a + {}",
            rng.pick(EDGE_NUMBERS)
        ),
        16 => format!("{}{}", "{a: ".repeat(n.min(200_000)), "}".repeat(n.min(200_000))),
        17 => format!(
            "std.manifestYamlDoc(std.foldl(function(acc, i) {{a: [acc]}}, std.range(1, {small}), {{}}))"
        ),
        18 => format!(
            "std.length(std.join(\",\", std.makeArray({n}, function(i) std.toString(i))))"
        ),
        19 => format!("local a = [a[0]]; a{}", "[0]".repeat(small)),
        20 => format!(
            "std.{}({}, {})",
            rng.pick(&["range", "makeArray", "repeat"]),
            rng.pick(EDGE_NUMBERS),
            rng.pick(&["1", "0", "-1", "1e308", "function(i) i", "\"ab\"", "[1]"])
        ),
        _ => format!(
            "std.{}({}, {})",
            rng.pick(&["substr", "splitLimit", "strReplace", "lstripChars"]),
            rng.pick(EDGE_STRINGS),
            rng.pick(EDGE_NUMBERS)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_reproducible() {
        let signatures = std_signatures();
        let write = |seed| {
            let mut rng = Rng::for_input(seed, 5);
            Generator::new(&mut rng, &signatures).program()
        };
        assert_eq!(write(1), write(1));
        assert_ne!(write(1), write(2));
    }

    #[test]
    fn the_signature_table_comes_from_the_standard_library() {
        let signatures = std_signatures();
        for name in [
            "format",
            "range",
            "makeArray",
            "manifestYamlDoc",
            "decodeUTF8",
        ] {
            assert!(
                signatures.iter().any(|s| s.name == name),
                "{name} is missing"
            );
        }
    }
}
