//! The parser's semantic checks: rules the grammar alone does not state.
//!
//! The Jsonnet reference parser (google/jsonnet `core/parser.cpp`) rejects a
//! few well-formed constructs while it parses, before any static analysis:
//!
//! | rule | message |
//! |---|---|
//! | a name bound twice in one `local` (or twice among an object's locals) | `duplicate local var: x` |
//! | a field name written twice as an identifier or string | `duplicate field: x` |
//! | `+:` on a method (`f(x)+: …`) | `cannot use +: syntax sugar in a method: f` |
//! | a field operator other than `:`, `::`, `:::`, `+:`, `+::`, `+:::` | `expected one of :, ::, …, got: =` |
//! | a parameter that is not an identifier (`function(1)`) | `could not parse parameter here.` |
//! | a positional argument after a named one | `Positional argument after a named argument is not allowed` |
//! | an import path that is not a string literal, or is a text block | `computed imports are not allowed.` / `Cannot use text blocks in import statements.` |
//! | an object comprehension with asserts, with other than exactly one field, with a hidden field or a field name that is not `[e]` | `object comprehension …` |
//!
//! [`super::parser`] calls these where the reference makes the same check,
//! so that when a file breaks several rules, the one reported is the one the
//! reference reports. Duplicate function parameters and unknown variables
//! are found later, by the static analysis.

use std::borrow::Cow;
use std::collections::HashSet;

use super::lexer::Token;
use super::SyntaxError;
use crate::ast::Visibility;

/// Diagnostic codes of the rules.
pub(crate) mod codes {
    pub(crate) const DUPLICATE_LOCAL: &str = "kcfg::syntax::duplicate_local";
    pub(crate) const DUPLICATE_FIELD: &str = "kcfg::syntax::duplicate_field";
    pub(crate) const SUPER_SUGAR_IN_METHOD: &str = "kcfg::syntax::super_sugar_in_method";
    pub(crate) const FIELD_OPERATOR: &str = "kcfg::syntax::field_operator";
    pub(crate) const PARAMETER: &str = "kcfg::syntax::invalid_parameter";
    pub(crate) const POSITIONAL_AFTER_NAMED: &str = "kcfg::syntax::positional_after_named";
    pub(crate) const COMPUTED_IMPORT: &str = "kcfg::syntax::computed_import";
    pub(crate) const TEXT_BLOCK_IMPORT: &str = "kcfg::syntax::text_block_import";
    pub(crate) const OBJECT_COMPREHENSION: &str = "kcfg::syntax::object_comprehension";
}

/// What the rules need to know about a parsed expression: its kind, as far
/// as a rule cares, and the span the reference gives it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    pub(crate) shape: Shape,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// The kinds of expression a rule distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A variable.
    Var,
    /// A string literal; `block` if it is a text block.
    Str { block: bool },
    /// Anything else.
    Other,
}

impl Node {
    fn error(self, code: &'static str, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            start: self.start,
            end: self.end,
            code,
            message: message.into(),
            hint: None,
        }
    }
}

fn at(token: Token, code: &'static str, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        start: token.start,
        end: token.end,
        code,
        message: message.into(),
        hint: None,
    }
}

/// Each name may be bound once per `local` (binds of one `local` are
/// mutually recursive) and once among an object's locals.
pub(crate) fn local_not_bound(
    bound: &HashSet<Cow<'_, str>>,
    name: &str,
    token: Token,
) -> Result<(), SyntaxError> {
    if bound.contains(name) {
        return Err(at(
            token,
            codes::DUPLICATE_LOCAL,
            format!("duplicate local var: {name}"),
        ));
    }
    Ok(())
}

/// A field operator: optional `+` (super sugar), then one to three colons.
/// Errors point at the field's name, as the reference's do.
pub(crate) fn field_operator(op: &str, name: Token) -> Result<(bool, Visibility), SyntaxError> {
    let (plus, colons) = match op.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, op),
    };
    let visibility = match colons {
        ":" => Visibility::Inherit,
        "::" => Visibility::Hidden,
        ":::" => Visibility::Visible,
        _ => {
            return Err(at(
                name,
                codes::FIELD_OPERATOR,
                format!("expected one of :, ::, :::, +:, +::, +:::, got: {op}"),
            ))
        }
    };
    Ok((plus, visibility))
}

/// `f(x)+: …` would add a function to the inherited field's value.
pub(crate) fn no_super_sugar_in_method(
    is_method: bool,
    plus: bool,
    name: Token,
    data: &str,
) -> Result<(), SyntaxError> {
    if is_method && plus {
        return Err(at(
            name,
            codes::SUPER_SUGAR_IN_METHOD,
            format!("cannot use +: syntax sugar in a method: {data}"),
        ));
    }
    Ok(())
}

/// Field names written literally must differ. The reference compares the
/// names as written (a string's raw text, escapes unresolved), so
/// `{a: 1, "a": 2}` is caught here but `{a: 1, "\u0061": 2}` only when the
/// object is evaluated.
pub(crate) fn field_not_duplicate<'s>(
    seen: &mut HashSet<Cow<'s, str>>,
    data: Cow<'s, str>,
    name: Token,
) -> Result<(), SyntaxError> {
    if seen.contains(&data) {
        return Err(at(
            name,
            codes::DUPLICATE_FIELD,
            format!("duplicate field: {data}"),
        ));
    }
    seen.insert(data);
    Ok(())
}

/// Parameters are parsed like arguments, then each must be a plain
/// identifier (`x`) unless it has a default (`x=1`).
pub(crate) fn parameter(named: bool, value: Node) -> Result<(), SyntaxError> {
    if !named && value.shape != Shape::Var {
        return Err(value.error(codes::PARAMETER, "could not parse parameter here."));
    }
    Ok(())
}

/// Named arguments come last.
pub(crate) fn arguments_in_order(
    args: impl IntoIterator<Item = (bool, Node)>,
) -> Result<(), SyntaxError> {
    let mut got_named = false;
    for (named, value) in args {
        if named {
            got_named = true;
        } else if got_named {
            return Err(value.error(
                codes::POSITIONAL_AFTER_NAMED,
                "Positional argument after a named argument is not allowed",
            ));
        }
    }
    Ok(())
}

/// An import's path is a string literal, known before evaluation, and not a
/// text block.
pub(crate) fn import_path(path: Node) -> Result<(), SyntaxError> {
    match path.shape {
        Shape::Str { block: false } => Ok(()),
        Shape::Str { block: true } => Err(path.error(
            codes::TEXT_BLOCK_IMPORT,
            "Cannot use text blocks in import statements.",
        )),
        _ => Err(path.error(codes::COMPUTED_IMPORT, "computed imports are not allowed.")),
    }
}

/// What the object-comprehension rule needs to know about a member.
#[derive(Clone, Copy, Debug)]
pub(crate) enum MemberShape {
    Local,
    Assert,
    Field {
        visibility: Visibility,
        computed: bool,
    },
}

/// `{ [k]: v for … }`: besides locals, exactly one field, visible (`:`),
/// with a computed name, and no asserts. Errors point at the `for`.
pub(crate) fn object_comprehension(
    members: &[MemberShape],
    for_token: Token,
) -> Result<(), SyntaxError> {
    let error = |message: &str| Err(at(for_token, codes::OBJECT_COMPREHENSION, message));
    if members
        .iter()
        .any(|member| matches!(member, MemberShape::Assert))
    {
        return error("object comprehension cannot have asserts.");
    }
    let fields: Vec<(Visibility, bool)> = members
        .iter()
        .filter_map(|member| match *member {
            MemberShape::Field {
                visibility,
                computed,
            } => Some((visibility, computed)),
            _ => None,
        })
        .collect();
    let [(visibility, computed)] = fields[..] else {
        return error("object comprehension can only have one field.");
    };
    if visibility != Visibility::Inherit {
        return error("object comprehensions cannot have hidden fields.");
    }
    if !computed {
        return error("object comprehensions can only have [e] fields.");
    }
    Ok(())
}
