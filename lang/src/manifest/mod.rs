//! Manifesting: turning a value into output text.
//!
//! [`json`] writes JSON with the reference's exact bytes; this module adds
//! the output modes of the `jsonnet` command line on top of it: one JSON
//! document, a plain string (`-S`), one file per field (`-m`) and a stream
//! of documents (`-y`). YAML output for Kubernetes manifests lives in
//! [`yaml`].

pub mod json;
pub mod yaml;

use crate::eval::{Ctx, Origin, Result, Site, Value};

/// How to turn the program's value into output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One JSON document.
    Json,
    /// The value must be a string, written as it is (`-S`).
    String,
}

/// The output of a program in `mode`, without the final newline.
pub fn document<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, mode: Mode) -> Result<String> {
    // Large enough that the allocator maps fresh pages for it, so that a
    // big output grows in place (`mremap`) instead of being copied at each
    // doubling; pages never written cost nothing.
    const INITIAL_CAPACITY: usize = 256 * 1024;
    document_from(ctx, value, Origin::MANIFEST, mode, INITIAL_CAPACITY)
}

/// `-m`: one document per visible field of the top-level object, as
/// `(file name, content)` in field order.
pub fn multi<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, mode: Mode) -> Result<Vec<(String, String)>> {
    let Value::Obj(obj) = value else {
        return Err(ctx.error_at(
            "kcfg::manifest::multi_not_object",
            Site::Manifest,
            format!(
                "multi mode: top-level object was a {}, should be an object whose keys are filenames and values hold the JSON for that file.",
                value.type_name()
            ),
        ));
    };
    if obj.needs_assert_check() {
        ctx.check_asserts(obj, Site::Manifest)?;
    }
    let names: Vec<_> = obj.visible_fields(ctx.bump).collect();
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        // Each file is written inside its field's frame, as the reference
        // does (see `Origin`).
        let text = ctx.enter_field(obj, name, Origin::MANIFEST, |ctx, field, from| {
            document_from(ctx, field, from, mode, 0)
        })?;
        files.push((name.as_str().to_string(), text));
    }
    Ok(files)
}

/// The output, one file of `-m` or one document of `-y`, reached `from`:
/// the value as pretty JSON, or, with [`Mode::String`], the string as it
/// is. JSON is written into a buffer of `capacity` bytes to begin with.
fn document_from<'a>(
    ctx: &mut Ctx<'a>,
    value: Value<'a>,
    from: Origin,
    mode: Mode,
    capacity: usize,
) -> Result<String> {
    match mode {
        Mode::Json => {
            let mut out = String::with_capacity(capacity);
            json::write_from(ctx, value, from, &json::Style::PRETTY, &mut out)?;
            Ok(out)
        }
        Mode::String => match value {
            Value::Str(s) => Ok(ctx.flat_text_at(s, from.site)?.to_string()),
            other => Err(ctx.error_at(
                "kcfg::manifest::not_a_string",
                from.site,
                format!("expected string result, got: {}", other.type_name()),
            )),
        },
    }
}

/// `-y`: one document per element of the top-level array, JSON or, with
/// `-S` ([`Mode::String`]), each element's string as it is.
pub fn stream<'a>(ctx: &mut Ctx<'a>, value: Value<'a>, mode: Mode) -> Result<Vec<String>> {
    let Value::Arr(array) = value else {
        return Err(ctx.error_at(
            "kcfg::manifest::stream_not_array",
            Site::Manifest,
            format!(
                "stream mode: top-level object was a {}, should be an array whose elements hold the JSON for each document in the stream.",
                value.type_name()
            ),
        ));
    };
    // Grown as the documents are written: a view of 10^15 elements must
    // fail at the memory limit or the interrupt, not when it is sized.
    let mut docs = Vec::new();
    for lazy in array.iter() {
        ctx.check_limits_at(Site::Manifest)?;
        // Each document is written inside its element's frame, as the
        // reference does (see `Origin`).
        let doc = ctx.enter_element(lazy, Origin::MANIFEST, |ctx, element, from| {
            document_from(ctx, element, from, mode, 0)
        })?;
        ctx.push_at(&mut docs, doc, Site::Manifest)?;
    }
    Ok(docs)
}
