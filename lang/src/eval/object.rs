//! Objects: stacks of layers with late-bound `self`.
//!
//! Let `a = {x: 42}` and `b = a + {y: self.x}`. `b` is not a copy of two
//! field maps: it is the stack of `a`'s layer under the literal's layer.
//! Looking up `b.y` finds the topmost layer that defines `y` and evaluates
//! its body with `self` bound to `b` — the whole object, whichever layer the
//! code came from — and `super` bound to the layers below the one that
//! defined it. So `self.x` in the top layer sees `a`'s `x`, and if something
//! later extends `b` with `{x: 1}`, the new object's `y` is 1.
//!
//! Each object caches the values of its fields, keyed by (layer, field):
//! the value of field `f` from layer `i` with `self` = this object does not
//! depend on how it is reached (`self.f` or `super.f` from above). Without
//! the cache, inheritance chains that read `super` repeatedly are
//! exponential (`bench08`). The per-layer state (the cache and the object
//! frame) is allocated the first time a field of the object is read, so an
//! object that is only extended (the left operand of `a + b + c`) costs no
//! memory per layer.
//!
//! An object's layers are a window of a [`LayerBuffer`] that `+` extends
//! in place when it can: `lhs + rhs` appends `rhs`'s layers after `lhs`'s
//! window if that window ends where the buffer's used part ends (and
//! prepends `lhs`'s layers before `rhs`'s window in the mirror case), and
//! copies both into a new buffer, with room on both sides, otherwise (two
//! one-layer objects make a plain two-layer object: `base { … }` is most
//! `+`s, and few of them are extended again). So a
//! chain `o + {a+: 1} + {a+: 1} + …` of `n` objects uses memory linear in
//! `n`, where copying the layer list at each `+` used `n²/2` layers (issue
//! 13: 10,000 `+` took 1.97 GB). Slots are written once, outside every
//! window made so far, so windows never change.
//!
//! Visibility: a field is hidden if, looking from the top layer down, the
//! first layer that defines it with `::` comes before any with `:::`;
//! layers that use `:` inherit the decision from below, and a field no
//! layer decides is visible.
//!
//! `std.objectRemoveKey(o, k)` does not copy `o`: it puts a restriction
//! layer on top of `o`'s layers, which lets through only the fields it
//! keeps. A lookup that comes from above the restriction and asks for a
//! field it does not keep skips the layers the restriction covers, so
//! `self.k` fails inside the result as well; a lookup from inside (a field
//! of `o` reading `super`) starts below it and is not affected. Everything
//! else about `o` stays: late binding, `super` to objects added on the
//! left later, assertions. This is how the reference models it
//! (`HeapRestrictedObject`), and the conformance suite checks it.

use std::cell::Cell;

use bumpalo::Bump;
use rustc_hash::FxHashMap;

use super::value::{Env, Lazy, Value};
use crate::ast::Visibility;
use crate::ir;
use crate::sym::Sym;

/// An object value.
#[derive(Clone, Copy)]
pub struct Object<'a>(pub(crate) &'a ObjectData<'a>);

/// The representation of an object.
pub struct ObjectData<'a> {
    /// The layers, bottom first: a window of `buffer`, or of a slice of its
    /// own when `buffer` is `None`.
    pub(crate) layers: &'a [Cell<Layer<'a>>],
    buffer: Option<&'a LayerBuffer<'a>>,
    /// One per layer, allocated on first use.
    states: Cell<Option<&'a [LayerState<'a>]>>,
    pub(crate) asserts: Cell<AssertState>,
    has_asserts: bool,
    listing: Cell<Option<&'a [FieldInfo]>>,
    /// `std.objectFieldsEx(self, hidden)` for `hidden` false and true, once
    /// built (objects are immutable, so the arrays can be shared).
    name_arrays: [Cell<Option<super::Array<'a>>>; 2],
}

/// Layers shared by objects made with `+` (see the module documentation):
/// the slots in `start..end` are written, the others free.
pub(crate) struct LayerBuffer<'a> {
    slots: &'a [Cell<Layer<'a>>],
    start: Cell<usize>,
    end: Cell<usize>,
}

/// What a free slot of a [`LayerBuffer`] holds until it is written.
static FREE_SLOT: RestrictLayer<'static> = RestrictLayer {
    covered: 0,
    kept: &[],
};

impl<'a> LayerBuffer<'a> {
    /// A buffer holding `first` then `second`, with free slots on both
    /// sides; returns it and the window of the two.
    fn new(
        bump: &'a Bump,
        first: &[Cell<Layer<'a>>],
        second: &[Cell<Layer<'a>>],
    ) -> (&'a LayerBuffer<'a>, &'a [Cell<Layer<'a>>]) {
        let len = first.len() + second.len();
        let capacity = len.saturating_mul(2).saturating_add(4);
        let offset = (capacity - len) / 2;
        let slots = bump.alloc_slice_fill_with(capacity, |index| {
            let layer = match index.checked_sub(offset) {
                Some(at) if at < first.len() => first[at].get(),
                Some(at) if at < len => second[at - first.len()].get(),
                _ => Layer::Restrict(&FREE_SLOT),
            };
            Cell::new(layer)
        });
        let buffer = bump.alloc(LayerBuffer {
            slots,
            start: Cell::new(offset),
            end: Cell::new(offset + len),
        });
        (buffer, &slots[offset..offset + len])
    }

    /// Where `window` (a window of this buffer) starts.
    fn offset_of(&self, window: &[Cell<Layer<'a>>]) -> usize {
        (window.as_ptr() as usize - self.slots.as_ptr() as usize)
            / std::mem::size_of::<Cell<Layer<'a>>>()
    }

    /// `window` followed by `more`, if `window` ends where the written
    /// slots end and there is room after it.
    fn append(
        &'a self,
        window: &'a [Cell<Layer<'a>>],
        more: &[Cell<Layer<'a>>],
    ) -> Option<&'a [Cell<Layer<'a>>]> {
        let offset = self.offset_of(window);
        let end = self.end.get();
        if offset + window.len() != end || self.slots.len() - end < more.len() {
            return None;
        }
        for (slot, layer) in self.slots[end..].iter().zip(more) {
            slot.set(layer.get());
        }
        self.end.set(end + more.len());
        Some(&self.slots[offset..end + more.len()])
    }

    /// `more` followed by `window`, if `window` starts where the written
    /// slots start and there is room before it.
    fn prepend(
        &'a self,
        more: &[Cell<Layer<'a>>],
        window: &'a [Cell<Layer<'a>>],
    ) -> Option<&'a [Cell<Layer<'a>>]> {
        let offset = self.offset_of(window);
        let start = self.start.get();
        if offset != start || start < more.len() {
            return None;
        }
        let new_start = start - more.len();
        for (slot, layer) in self.slots[new_start..].iter().zip(more) {
            slot.set(layer.get());
        }
        self.start.set(new_start);
        Some(&self.slots[new_start..offset + window.len()])
    }
}

/// Whether an object's assertions have been checked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AssertState {
    Unchecked,
    Checking,
    Checked,
}

/// A field name and whether it is hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// The name.
    pub name: Sym,
    /// Hidden (`::`) after inheritance.
    pub hidden: bool,
}

/// One layer of an object: what one object literal, comprehension or
/// builtin contributed.
#[derive(Clone, Copy)]
pub(crate) enum Layer<'a> {
    Literal(&'a LiteralLayer<'a>),
    Comp(&'a CompLayer<'a>),
    Native(&'a NativeLayer<'a>),
    Restrict(&'a RestrictLayer<'a>),
}

/// An evaluated object literal: its definition, the frame it was created
/// in, and its field names (computed ones evaluated).
pub(crate) struct LiteralLayer<'a> {
    pub def: &'a ir::ObjectDef,
    pub env: &'a Env<'a>,
    pub names: &'a [Option<Sym>],
    pub has_computed: bool,
}

/// An evaluated object comprehension: one field per iteration, each with
/// the iteration frame its value is evaluated in. Sorted by name address.
pub(crate) struct CompLayer<'a> {
    pub def: &'a ir::ObjectCompDef,
    pub fields: &'a [(Sym, &'a Env<'a>)],
}

/// Fields made by the standard library or the embedding program, sorted
/// by name address.
pub(crate) struct NativeLayer<'a> {
    pub fields: &'a [NativeField<'a>],
}

/// A restriction (`std.objectRemoveKey`): of the `covered` layers directly
/// below it, only the `kept` fields are seen from above.
pub(crate) struct RestrictLayer<'a> {
    pub covered: usize,
    /// Kept names with the visibility the covered layers gave them, sorted
    /// by name address.
    pub kept: &'a [(Sym, Visibility)],
}

impl RestrictLayer<'_> {
    #[inline]
    fn kept(&self, name: Sym) -> Option<Visibility> {
        self.kept
            .binary_search_by_key(&addr(name), |(n, _)| addr(*n))
            .ok()
            .map(|index| self.kept[index].1)
    }
}

/// A field of a [`NativeLayer`].
#[derive(Clone, Copy)]
pub struct NativeField<'a> {
    /// The name.
    pub name: Sym,
    /// `:`, `::` or `:::`.
    pub visibility: Visibility,
    /// The value.
    pub value: Lazy<'a>,
}

/// Per-object, per-layer state: the object frame (for literals) and the
/// field cache.
pub(crate) struct LayerState<'a> {
    pub frame: Cell<Option<&'a Env<'a>>>,
    pub cache: Cell<Option<&'a [Cell<Slot<'a>>]>>,
}

/// A cached field value.
#[derive(Clone, Copy)]
pub(crate) enum Slot<'a> {
    Empty,
    Running,
    Done(Value<'a>),
}

#[inline]
fn addr(name: Sym) -> usize {
    name.as_str().as_ptr() as usize
}

impl<'a> Layer<'a> {
    /// The index of `name` among this layer's fields.
    #[inline]
    pub fn find(&self, name: Sym) -> Option<usize> {
        match self {
            Layer::Literal(layer) => {
                if let (Some(index), false) = (&layer.def.index, layer.has_computed) {
                    return index.get(&name).map(|i| *i as usize);
                }
                layer.names.iter().position(|n| *n == Some(name))
            }
            Layer::Comp(layer) => layer
                .fields
                .binary_search_by_key(&addr(name), |(n, _)| addr(*n))
                .ok(),
            Layer::Native(layer) => layer
                .fields
                .binary_search_by_key(&addr(name), |f| addr(f.name))
                .ok(),
            Layer::Restrict(_) => None,
        }
    }

    pub fn field_count(&self) -> usize {
        match self {
            Layer::Literal(layer) => layer.names.len(),
            Layer::Comp(layer) => layer.fields.len(),
            Layer::Native(layer) => layer.fields.len(),
            Layer::Restrict(layer) => layer.kept.len(),
        }
    }

    fn visibility(&self, index: usize) -> Visibility {
        match self {
            Layer::Literal(layer) => layer.def.fields[index].visibility,
            Layer::Comp(layer) => layer.def.visibility,
            Layer::Native(layer) => layer.fields[index].visibility,
            Layer::Restrict(layer) => layer.kept[index].1,
        }
    }

    fn name(&self, index: usize) -> Option<Sym> {
        match self {
            Layer::Literal(layer) => layer.names[index],
            Layer::Comp(layer) => Some(layer.fields[index].0),
            Layer::Native(layer) => Some(layer.fields[index].name),
            Layer::Restrict(layer) => Some(layer.kept[index].0),
        }
    }

    fn has_asserts(&self) -> bool {
        match self {
            Layer::Literal(layer) => !layer.def.asserts.is_empty(),
            _ => false,
        }
    }
}

impl<'a> Object<'a> {
    fn from_layers(
        bump: &'a Bump,
        layers: &'a [Cell<Layer<'a>>],
        buffer: Option<&'a LayerBuffer<'a>>,
        has_asserts: bool,
    ) -> Object<'a> {
        Object(bump.alloc(ObjectData {
            layers,
            buffer,
            states: Cell::new(None),
            asserts: Cell::new(AssertState::Unchecked),
            has_asserts,
            listing: Cell::new(None),
            name_arrays: [Cell::new(None), Cell::new(None)],
        }))
    }

    /// An object of one layer.
    pub(crate) fn single(bump: &'a Bump, layer: Layer<'a>) -> Object<'a> {
        let layers = std::slice::from_ref(bump.alloc(Cell::new(layer)));
        Object::from_layers(bump, layers, None, layer.has_asserts())
    }

    /// Layer `index`, counted from the bottom.
    #[inline]
    pub(crate) fn layer(&self, index: usize) -> Layer<'a> {
        self.0.layers[index].get()
    }

    /// The number of layers.
    #[inline]
    pub(crate) fn layer_count(&self) -> usize {
        self.0.layers.len()
    }

    /// The state of layer `index` (its object frame and field cache),
    /// allocating the states of all layers the first time.
    #[inline]
    pub(crate) fn state(&self, bump: &'a Bump, index: usize) -> &'a LayerState<'a> {
        let states = match self.0.states.get() {
            Some(states) => states,
            None => {
                let states: &'a [LayerState<'a>] =
                    bump.alloc_slice_fill_with(self.0.layers.len(), |_| LayerState {
                        frame: Cell::new(None),
                        cache: Cell::new(None),
                    });
                self.0.states.set(Some(states));
                states
            }
        };
        &states[index]
    }

    /// An object with the given fields. Later duplicates replace earlier
    /// ones.
    pub fn from_fields(
        bump: &'a Bump,
        fields: impl IntoIterator<Item = NativeField<'a>>,
    ) -> Object<'a> {
        let mut fields: Vec<NativeField<'a>> = fields.into_iter().collect();
        // Keep the last of duplicate names: sort stably, then dedup keeping
        // the last entry of each run.
        fields.sort_by_key(|f| addr(f.name));
        let mut deduped: Vec<NativeField<'a>> = Vec::with_capacity(fields.len());
        for field in fields {
            match deduped.last_mut() {
                Some(last) if last.name == field.name => *last = field,
                _ => deduped.push(field),
            }
        }
        let fields = bump.alloc_slice_copy(&deduped);
        let layer = bump.alloc(NativeLayer { fields });
        Object::single(bump, Layer::Native(layer))
    }

    /// The empty object.
    pub fn empty(bump: &'a Bump) -> Object<'a> {
        Object::from_layers(bump, &[], None, false)
    }

    /// `lhs + rhs`: the layers of `rhs` on top of those of `lhs`, in a
    /// shared buffer when possible (see the module documentation).
    pub fn extend(bump: &'a Bump, lhs: Object<'a>, rhs: Object<'a>) -> Object<'a> {
        let has_asserts = lhs.0.has_asserts || rhs.0.has_asserts;
        if lhs.0.layers.is_empty() {
            return Object::from_layers(bump, rhs.0.layers, rhs.0.buffer, has_asserts);
        }
        if rhs.0.layers.is_empty() {
            return Object::from_layers(bump, lhs.0.layers, lhs.0.buffer, has_asserts);
        }
        if let Some(buffer) = lhs.0.buffer {
            if let Some(layers) = buffer.append(lhs.0.layers, rhs.0.layers) {
                return Object::from_layers(bump, layers, Some(buffer), has_asserts);
            }
        }
        if let Some(buffer) = rhs.0.buffer {
            if let Some(layers) = buffer.prepend(lhs.0.layers, rhs.0.layers) {
                return Object::from_layers(bump, layers, Some(buffer), has_asserts);
            }
        }
        if lhs.0.layers.len() + rhs.0.layers.len() == 2 {
            // `base { … }` of two literals, the most common `+`: exactly
            // two layers, as small as before buffers. Extending the result
            // makes a buffer with room.
            let layers = bump.alloc_slice_fill_with(2, |index| {
                Cell::new(if index == 0 {
                    lhs.layer(0)
                } else {
                    rhs.layer(0)
                })
            });
            return Object::from_layers(bump, layers, None, has_asserts);
        }
        let (buffer, layers) = LayerBuffer::new(bump, lhs.0.layers, rhs.0.layers);
        Object::from_layers(bump, layers, Some(buffer), has_asserts)
    }

    /// Finds the topmost layer below `below` that defines `name`.
    #[inline]
    pub(crate) fn find(&self, name: Sym, below: usize) -> Option<(usize, usize)> {
        let layers = self.0.layers;
        let mut layer_index = below.min(layers.len());
        while layer_index > 0 {
            layer_index -= 1;
            let layer = layers[layer_index].get();
            if let Some(field_index) = layer.find(name) {
                return Some((layer_index, field_index));
            }
            if let Layer::Restrict(restrict) = layer {
                if restrict.kept(name).is_none() {
                    layer_index -= restrict.covered;
                }
            }
        }
        None
    }

    /// Whether the object has the field, visible or hidden.
    pub fn has_field(&self, name: Sym) -> bool {
        self.find(name, usize::MAX).is_some()
    }

    /// Whether the field exists and is hidden, or `None` if it does not
    /// exist.
    pub fn is_hidden(&self, name: Sym) -> Option<bool> {
        let layers = self.0.layers;
        let mut found = false;
        let mut layer_index = layers.len();
        while layer_index > 0 {
            layer_index -= 1;
            let visibility = match layers[layer_index].get() {
                Layer::Restrict(restrict) => {
                    // The restriction holds the covered layers' decision.
                    layer_index -= restrict.covered;
                    restrict.kept(name)
                }
                layer => layer.find(name).map(|index| layer.visibility(index)),
            };
            if let Some(visibility) = visibility {
                found = true;
                match visibility {
                    Visibility::Hidden => return Some(true),
                    Visibility::Visible => return Some(false),
                    Visibility::Inherit => {}
                }
            }
        }
        found.then_some(false)
    }

    /// Every field with the visibility its layers decide, looking from the
    /// top down: the first `::` or `:::` wins, and `Inherit` means no layer
    /// decided (the field is visible).
    fn merged_visibility(&self) -> FxHashMap<Sym, Visibility> {
        let layers = self.0.layers;
        let mut merged: FxHashMap<Sym, Visibility> = FxHashMap::default();
        let mut merge = |name: Sym, visibility: Visibility| {
            let entry = merged.entry(name).or_insert(Visibility::Inherit);
            if *entry == Visibility::Inherit {
                *entry = visibility;
            }
        };
        let mut layer_index = layers.len();
        while layer_index > 0 {
            layer_index -= 1;
            let layer = layers[layer_index].get();
            for index in 0..layer.field_count() {
                if let Some(name) = layer.name(index) {
                    merge(name, layer.visibility(index));
                }
            }
            if let Layer::Restrict(restrict) = layer {
                layer_index -= restrict.covered;
            }
        }
        merged
    }

    /// `std.objectRemoveKey(self, name)`: this object behind a restriction
    /// that keeps every field but `name` (see the module docs).
    pub fn remove_key(self, bump: &'a Bump, name: Sym) -> Object<'a> {
        let mut kept: Vec<(Sym, Visibility)> = self
            .merged_visibility()
            .into_iter()
            .filter(|(field, _)| *field != name)
            .collect();
        kept.sort_unstable_by_key(|(field, _)| addr(*field));
        let restrict = bump.alloc(RestrictLayer {
            covered: self.0.layers.len(),
            kept: bump.alloc_slice_copy(&kept),
        });
        let top = Object::single(bump, Layer::Restrict(restrict));
        Object::extend(bump, self, top)
    }

    /// All fields, sorted by name, with their visibility.
    pub fn fields(&self, bump: &'a Bump) -> &'a [FieldInfo] {
        if let Some(listing) = self.0.listing.get() {
            return listing;
        }
        let listing: &'a [FieldInfo] = match self.0.layers {
            [] => &[],
            [single] if !matches!(single.get(), Layer::Restrict(_)) => {
                let single = single.get();
                let mut fields: Vec<FieldInfo> = (0..single.field_count())
                    .filter_map(|i| {
                        single.name(i).map(|name| FieldInfo {
                            name,
                            hidden: single.visibility(i) == Visibility::Hidden,
                        })
                    })
                    .collect();
                fields.sort_unstable_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
                bump.alloc_slice_copy(&fields)
            }
            _ => {
                let mut fields: Vec<FieldInfo> = self
                    .merged_visibility()
                    .into_iter()
                    .map(|(name, visibility)| FieldInfo {
                        name,
                        hidden: visibility == Visibility::Hidden,
                    })
                    .collect();
                fields.sort_unstable_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
                bump.alloc_slice_copy(&fields)
            }
        };
        self.0.listing.set(Some(listing));
        listing
    }

    /// The array of field names (hidden ones too if `hidden`) cached by
    /// [`Object::set_name_array`].
    pub fn name_array(&self, hidden: bool) -> Option<super::Array<'a>> {
        self.0.name_arrays[usize::from(hidden)].get()
    }

    /// Caches the array of field names for [`Object::name_array`].
    pub fn set_name_array(&self, hidden: bool, names: super::Array<'a>) {
        self.0.name_arrays[usize::from(hidden)].set(Some(names));
    }

    /// The visible fields, sorted by name.
    pub fn visible_fields(&self, bump: &'a Bump) -> impl Iterator<Item = Sym> + 'a {
        self.fields(bump)
            .iter()
            .filter(|f| !f.hidden)
            .map(|f| f.name)
    }

    /// Whether the object has assertions not yet checked.
    #[inline]
    pub(crate) fn needs_assert_check(&self) -> bool {
        self.0.has_asserts && self.0.asserts.get() == AssertState::Unchecked
    }

    /// The cache cell of a field.
    pub(crate) fn slot(&self, bump: &'a Bump, layer: usize, field: usize) -> &'a Cell<Slot<'a>> {
        let state = self.state(bump, layer);
        let cache = match state.cache.get() {
            Some(cache) => cache,
            None => {
                let count = self.layer(layer).field_count();
                let cache: &'a [Cell<Slot<'a>>] =
                    bump.alloc_slice_fill_with(count, |_| Cell::new(Slot::Empty));
                state.cache.set(Some(cache));
                cache
            }
        };
        &cache[field]
    }

    /// Whether two handles are the same object value.
    pub fn ptr_eq(self, other: Object<'a>) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(name: &str, visibility: Visibility) -> NativeField<'a> {
        NativeField {
            name: Sym::intern(name),
            visibility,
            value: Lazy::Val(Value::Null),
        }
    }

    #[test]
    fn visibility_through_layers() {
        let bump = Bump::new();
        let base = Object::from_fields(
            &bump,
            [
                field("a", Visibility::Hidden),
                field("b", Visibility::Inherit),
            ],
        );
        let top = Object::from_fields(
            &bump,
            [
                field("a", Visibility::Inherit),
                field("b", Visibility::Hidden),
            ],
        );
        let merged = Object::extend(&bump, base, top);
        assert_eq!(merged.is_hidden(Sym::intern("a")), Some(true));
        assert_eq!(merged.is_hidden(Sym::intern("b")), Some(true));
        let forced = Object::extend(
            &bump,
            merged,
            Object::from_fields(&bump, [field("a", Visibility::Visible)]),
        );
        assert_eq!(forced.is_hidden(Sym::intern("a")), Some(false));
        let names: Vec<&str> = forced.visible_fields(&bump).map(|s| s.as_str()).collect();
        assert_eq!(names, ["a"]);
        assert_eq!(forced.is_hidden(Sym::intern("zzz")), None);
    }

    #[test]
    fn restriction_hides_only_the_removed_field() {
        let bump = Bump::new();
        let base = Object::from_fields(
            &bump,
            [
                field("a", Visibility::Hidden),
                field("b", Visibility::Inherit),
                field("c", Visibility::Inherit),
            ],
        );
        let removed = base.remove_key(&bump, Sym::intern("b"));
        assert!(!removed.has_field(Sym::intern("b")));
        assert_eq!(removed.is_hidden(Sym::intern("a")), Some(true));
        assert_eq!(removed.is_hidden(Sym::intern("b")), None);
        let names: Vec<&str> = removed
            .fields(&bump)
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["a", "c"]);
        // A field added on top is found again, and decides visibility.
        let extended = Object::extend(
            &bump,
            removed,
            Object::from_fields(
                &bump,
                [
                    field("b", Visibility::Inherit),
                    field("a", Visibility::Visible),
                ],
            ),
        );
        assert!(extended.has_field(Sym::intern("b")));
        assert_eq!(extended.is_hidden(Sym::intern("a")), Some(false));
        // A lookup from inside the restricted layers is not restricted.
        assert!(extended.find(Sym::intern("b"), 1).is_some());
        assert!(extended.find(Sym::intern("b"), 2).is_none());
    }

    /// The names of the fields of each layer, bottom first.
    fn layer_names(obj: Object<'_>) -> Vec<&str> {
        (0..obj.layer_count())
            .map(|index| match obj.layer(index) {
                Layer::Native(native) => native.fields[0].name.as_str(),
                _ => "?",
            })
            .collect()
    }

    #[test]
    fn issue13_plus_chains_extend_one_buffer() {
        let bump = Bump::new();
        let one = |name: &str| Object::from_fields(&bump, [field(name, Visibility::Inherit)]);
        // o + x + x + … appends in place; x + (x + (… + o)) prepends.
        let mut left = one("base");
        let mut right = one("base");
        let before = bump.allocated_bytes();
        for _ in 0..10_000 {
            left = Object::extend(&bump, left, one("a"));
            right = Object::extend(&bump, one("a"), right);
        }
        assert_eq!(left.layer_count(), 10_001);
        assert_eq!(right.layer_count(), 10_001);
        assert_eq!(layer_names(left)[..2], ["base", "a"]);
        assert_eq!(layer_names(right)[10_000], "base");
        // Linear: a few hundred bytes per step (objects, layers, the arena
        // rounding its chunks up). Copying the list at each step would take
        // 100 million layers of 16 bytes, 1.6 GB.
        let used = bump.allocated_bytes() - before;
        assert!(used < 32 << 20, "{used} bytes");
    }

    #[test]
    fn extending_one_object_twice_keeps_both_results() {
        let bump = Bump::new();
        let one = |name: &str| Object::from_fields(&bump, [field(name, Visibility::Inherit)]);
        let base = Object::extend(&bump, one("a"), one("b"));
        let with_c = Object::extend(&bump, base, one("c"));
        let with_d = Object::extend(&bump, base, one("d"));
        let d_then_e = Object::extend(&bump, with_d, one("e"));
        let c_then_f = Object::extend(&bump, with_c, one("f"));
        let under = Object::extend(&bump, one("z"), base);
        assert_eq!(layer_names(base), ["a", "b"]);
        assert_eq!(layer_names(with_c), ["a", "b", "c"]);
        assert_eq!(layer_names(with_d), ["a", "b", "d"]);
        assert_eq!(layer_names(d_then_e), ["a", "b", "d", "e"]);
        assert_eq!(layer_names(c_then_f), ["a", "b", "c", "f"]);
        assert_eq!(layer_names(under), ["z", "a", "b"]);
        assert!(!with_c.has_field(Sym::intern("d")));
        assert!(with_d.has_field(Sym::intern("d")));
    }

    #[test]
    fn later_duplicates_win() {
        let bump = Bump::new();
        let obj = Object::from_fields(
            &bump,
            [
                field("a", Visibility::Hidden),
                field("a", Visibility::Inherit),
            ],
        );
        assert_eq!(obj.is_hidden(Sym::intern("a")), Some(false));
        assert_eq!(obj.fields(&bump).len(), 1);
    }
}
