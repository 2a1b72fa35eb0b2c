//! Native functions: Rust functions the embedding program registers with
//! [`Std::add_native`](crate::program::Std::add_native) and Jsonnet code
//! reaches through `std.native(name)`.
//!
//! Values cross the boundary as JSON ([`serde_json::Value`]), so a native
//! function never sees the arena or a thunk: its arguments are forced and
//! manifested before the call, and its result is converted into values
//! after it. The reference accepts only primitives as arguments
//! ("native extensions can only take primitives."); kcfg also passes arrays
//! and objects, as go-jsonnet does, and refuses only functions.

use super::error::{FrameName, Site};
use super::object::NativeField;
use super::value::{Function, FunctionData, Lazy, Value};
use super::{Array, Ctx, Object, Result, Str};
use crate::ast::Visibility;
use crate::ir::ThunkName;
use crate::program::NativeFunction;
use crate::sym::Sym;

impl<'a> Ctx<'a> {
    /// `std.native(name)`: the native function registered under `name`, or
    /// `None` if there is none (the reference then returns `null`).
    pub fn native(&self, name: &str) -> Option<Value<'a>> {
        let natives = &self.program().std().natives;
        let (name, native) = natives.iter().find(|(registered, _)| registered == name)?;
        let data = self.bump.alloc(FunctionData::Native {
            name: name.as_str(),
            native,
        });
        Some(Value::Func(Function(data)))
    }

    /// Calls a native function with its arguments, in parameter order.
    pub(crate) fn call_native(
        &mut self,
        native: &'a NativeFunction,
        args: &[Value<'a>],
        site: Site,
    ) -> Result<Value<'a>> {
        let mut json_args = Vec::with_capacity(args.len());
        for arg in args {
            json_args.push(self.to_json(*arg, site)?);
        }
        match (native.func)(&json_args) {
            Ok(result) => Ok(self.from_json(&result)),
            Err(message) => Err(self.error_at("kcfg::eval::native", site, message)),
        }
    }

    /// A value as JSON: objects with their visible fields (assertions
    /// checked), everything forced. Functions cannot be converted.
    pub fn to_json(&mut self, value: Value<'a>, site: Site) -> Result<serde_json::Value> {
        Ok(match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Num(n) => serde_json::Number::from_f64(n)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(self.flat_text_at(s, site)?.to_string()),
            Value::Arr(array) => {
                self.guard(site, FrameName::thunk(ThunkName::ArrayElement), |ctx| {
                    let mut out = ctx.vec_with_capacity_at(array.len(), site)?;
                    for lazy in array.iter() {
                        ctx.check_limits_at(site)?;
                        let element = ctx.force_from(lazy, site)?;
                        out.push(ctx.to_json(element, site)?);
                    }
                    Ok(serde_json::Value::Array(out))
                })?
            }
            Value::Obj(obj) => self.guard(site, FrameName::object(None), |ctx| {
                let mut out = serde_json::Map::new();
                let names: Vec<Sym> = obj.visible_fields(ctx.bump).collect();
                for name in names {
                    let field = ctx.get_field(obj, name, site, None)?;
                    out.insert(name.as_str().to_string(), ctx.to_json(field, site)?);
                }
                Ok(serde_json::Value::Object(out))
            })?,
            Value::Func(_) => {
                return Err(self.error_at(
                    "kcfg::eval::native",
                    site,
                    "native extensions can only take primitives.",
                ))
            }
        })
    }

    /// A JSON value as a value of this evaluation (objects get visible
    /// fields).
    pub fn from_json(&self, json: &serde_json::Value) -> Value<'a> {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::Str(Str::copy(self.bump, s)),
            serde_json::Value::Array(items) => Value::Arr(Array::from_values(
                self.bump,
                items.iter().map(|item| self.from_json(item)),
            )),
            serde_json::Value::Object(map) => Value::Obj(Object::from_fields(
                self.bump,
                map.iter().map(|(name, item)| NativeField {
                    name: Sym::intern(name),
                    visibility: Visibility::Inherit,
                    value: Lazy::Val(self.from_json(item)),
                }),
            )),
        }
    }
}
