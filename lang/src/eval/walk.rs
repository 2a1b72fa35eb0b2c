//! Entering the fields and elements of a value as a writer walks it (the
//! JSON and YAML manifesters), in the reference's frames.
//!
//! The reference manifests each field and each array element inside a
//! frame of its own, entered from where the value around it came from (the
//! span of its body), and keeps that frame while it writes what is inside.
//! So an error deep in the output lists every enclosing field and element:
//!
//! ```text
//! RUNTIME ERROR: deep
//!     f.jsonnet:4:12-24           object <anonymous>       (the error, in field `z`)
//!     f.jsonnet:4:7-26            thunk <array_element>    (element 0, whose body holds `z`)
//!     f.jsonnet:(3:12)-(5:6)      object <anonymous>       (field `inner`, holding the array)
//!     f.jsonnet:(2:10)-(6:4)      object <anonymous>       (field `outer`)
//!     During manifestation
//! ```
//!
//! [`Origin`] is where a value came from: the span of the expression that
//! produced it, and the variable it was read from, which names the frames
//! of its fields as the reference's bindings do (`object <ErrObj>`). Fields
//! know their bodies; an array element knows its body while it has not been
//! evaluated, and otherwise takes its array's origin, as the reference does
//! for elements without a body. The frames replace the ones the field and
//! thunk reads would push, so the depth counted against `--max-stack` is one
//! per level, as in the reference (issue 16).

use super::error::{FrameName, Site};
use super::expr::var_name;
use super::object::{Layer, Object, Slot};
use super::value::{Lazy, Thunk, ThunkState, Value};
use super::{Ctx, Result};
use crate::ir::ThunkName;
use crate::sym::Sym;

/// Where a value being written came from.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    /// The span of the expression that produced it, or where the walk
    /// started.
    pub site: Site,
    /// The variable it was read from, if its expression was one.
    pub name: Option<Sym>,
}

impl Origin {
    /// The program's value, as the manifester starts from it.
    pub const MANIFEST: Origin = Origin {
        site: Site::Manifest,
        name: None,
    };

    /// A value a walk starts from at `site`.
    pub fn at(site: Site) -> Origin {
        Origin { site, name: None }
    }
}

impl<'a> Ctx<'a> {
    /// Runs `f` on field `name` of `obj` (which `from` produced) inside the
    /// field's frame, with the field's value and origin.
    #[inline]
    pub fn enter_field<T>(
        &mut self,
        obj: Object<'a>,
        name: Sym,
        from: Origin,
        f: impl FnOnce(&mut Self, Value<'a>, Origin) -> Result<T>,
    ) -> Result<T> {
        let Some((layer, field)) = obj.find(name, usize::MAX) else {
            // Not a field of `obj`: the read reports it.
            let value = self.get_field(obj, name, from.site, from.name)?;
            return f(self, value, from);
        };
        let body = match obj.layer(layer) {
            Layer::Literal(literal) => Some(&literal.def.fields[field].value),
            Layer::Comp(comp) => Some(&comp.def.value),
            Layer::Native(native) => {
                return self.enter_native_field(native.fields[field].value, from, f)
            }
            Layer::Restrict(_) => None,
        };
        // The field's cache is looked up once: a known number, string,
        // boolean or null is written without a frame (nothing inside it
        // can fail, and a frame per value would cost the writer a tenth of
        // its time on large outputs); anything else is computed, if it has
        // not been, and written in the field's frame.
        let slot = obj.slot(self.bump, layer, field);
        let known = match slot.get() {
            Slot::Done(value) if is_scalar(value) => {
                return f(self, value, Origin::at(from.site));
            }
            Slot::Done(value) => Some(value),
            Slot::Running => {
                // Reported from inside the field's frame, as a read is.
                return self.guard(from.site, FrameName::object(from.name), |ctx| {
                    Err(ctx.field_cycle(from.site))
                });
            }
            Slot::Empty => None,
        };
        let inner = match body {
            Some(body) => Origin {
                site: Site::At(body.span),
                name: var_name(body),
            },
            None => Origin::at(from.site),
        };
        self.guard(from.site, FrameName::object(from.name), |ctx| {
            let value = match known {
                Some(value) => value,
                None => {
                    slot.set(Slot::Running);
                    let result = ctx.compute_field(obj, layer, field);
                    slot.set(match result {
                        Ok(value) => Slot::Done(value),
                        Err(_) => Slot::Empty,
                    });
                    result?
                }
            };
            f(ctx, value, inner)
        })
    }

    /// [`Ctx::enter_field`] for a field of a builtin's object.
    fn enter_native_field<T>(
        &mut self,
        lazy: Lazy<'a>,
        from: Origin,
        f: impl FnOnce(&mut Self, Value<'a>, Origin) -> Result<T>,
    ) -> Result<T> {
        if let Some(value) = known_scalar(lazy) {
            return f(self, value, Origin::at(from.site));
        }
        self.guard(from.site, FrameName::object(from.name), |ctx| {
            let value = match lazy {
                Lazy::Val(value) => value,
                Lazy::Thunk(thunk) => ctx.force_here(thunk, from.site)?,
            };
            f(ctx, value, Origin::at(from.site))
        })
    }

    /// Runs `f` on an element of an array (which `from` produced) inside
    /// the element's frame, with the element's value and origin.
    pub fn enter_element<T>(
        &mut self,
        element: Lazy<'a>,
        from: Origin,
        f: impl FnOnce(&mut Self, Value<'a>, Origin) -> Result<T>,
    ) -> Result<T> {
        // As for fields: known scalars need no frame.
        if let Some(value) = known_scalar(element) {
            return f(self, value, Origin::at(from.site));
        }
        // An element not evaluated yet is evaluated in a frame of its own,
        // the one the reference's element frame would be while it
        // evaluates (`thunk <array_element>` at `from`), so that a number
        // or a string (most elements) is written without another.
        if let Lazy::Thunk(thunk) = element {
            if let ThunkState::Pending(_, lazy) = thunk.state.get() {
                if lazy.name == ThunkName::ArrayElement {
                    let inner = Origin::at(Site::At(lazy.expr.span));
                    let value = self.force_from(element, from.site)?;
                    if is_scalar(value) {
                        return f(self, value, inner);
                    }
                    return self.guard(
                        from.site,
                        FrameName::thunk(ThunkName::ArrayElement),
                        |ctx| f(ctx, value, inner),
                    );
                }
            }
        }
        let inner = match element {
            Lazy::Thunk(thunk) => match thunk.state.get() {
                ThunkState::Pending(_, lazy) => Origin {
                    site: Site::At(lazy.expr.span),
                    name: match lazy.name {
                        ThunkName::Var(name) => Some(name),
                        _ => None,
                    },
                },
                _ => Origin::at(from.site),
            },
            Lazy::Val(_) => Origin::at(from.site),
        };
        self.guard(
            from.site,
            FrameName::thunk(ThunkName::ArrayElement),
            |ctx| {
                let value = match element {
                    Lazy::Val(value) => value,
                    Lazy::Thunk(thunk) => ctx.force_here(thunk, from.site)?,
                };
                f(ctx, value, inner)
            },
        )
    }

    /// An array element's or a builtin's field's value, computed in the
    /// current frame when it is the element's own computation; a variable's
    /// thunk shared by the array gets its frame (`thunk <x>`), as in the
    /// reference.
    fn force_here(&mut self, thunk: &'a Thunk<'a>, site: Site) -> Result<Value<'a>> {
        match thunk.state.get() {
            ThunkState::Done(value) => Ok(value),
            ThunkState::Pending(env, lazy) if lazy.name == ThunkName::ArrayElement => {
                thunk.state.set(ThunkState::Running);
                let result = self.eval(env, &lazy.expr);
                thunk.state.set(match result {
                    Ok(value) => ThunkState::Done(value),
                    Err(_) => ThunkState::Pending(env, lazy),
                });
                result
            }
            ThunkState::Deferred(computation) => {
                thunk.state.set(ThunkState::Running);
                let result = computation.compute(self);
                thunk.state.set(match result {
                    Ok(value) => ThunkState::Done(value),
                    Err(_) => ThunkState::Deferred(computation),
                });
                result
            }
            _ => self.force_from(Lazy::Thunk(thunk), site),
        }
    }
}

/// The value of `lazy` if it is known and writing it cannot fail (a number,
/// string, boolean or null): the writers write those at once, without
/// entering a frame.
#[inline]
fn known_scalar(lazy: Lazy<'_>) -> Option<Value<'_>> {
    let value = match lazy {
        Lazy::Val(value) => value,
        Lazy::Thunk(thunk) => thunk.value()?,
    };
    is_scalar(value).then_some(value)
}

/// Whether writing `value` cannot fail: it is not a collection or function.
#[inline]
fn is_scalar(value: Value<'_>) -> bool {
    matches!(
        value,
        Value::Null | Value::Bool(_) | Value::Num(_) | Value::Str(_)
    )
}
