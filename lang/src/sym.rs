//! Interned names: identifiers and object field names.
//!
//! A [`Sym`] is a pointer to a string, so comparing two names is comparing
//! two pointers and hashing one is reading a precomputed hash. Interning
//! happens when a file is parsed (identifiers and literal field names), when
//! a computed field name is created, and when the standard library builds
//! objects from data (`std.parseJson`, …).
//!
//! The table is process-wide and shared by all threads (the fleet renderer
//! evaluates many targets at once), so each thread keeps a small cache in
//! front of the locked table and the lock is taken only for names the thread
//! has not seen yet. There is exactly one `Sym` per text at any time, which
//! is what makes pointer comparison correct.
//!
//! **Lifetimes.** Names interned with [`Sym::intern`] live for the rest of
//! the process: the names of a program are bounded by its sources, and
//! leaking them lets `Sym` be a plain `Copy` pointer with no lifetime. Names
//! a *fleet* computes are not bounded that way: the benchmark fleet keys
//! every object by `CLUSTER/APP/KIND-NAME`, so rendering 1,000 clusters made
//! 133,000 names that outlived their targets (issue 5: memory must follow the
//! largest target, not the fleet). So the evaluator interns computed field
//! names with [`Sym::intern_computed`], and an embedding program that runs
//! many evaluations may open a [`NameScope`] around each: a computed name
//! first made inside scopes is counted by the scopes that use it and freed
//! when the last of them ends, unless something interned it with
//! `Sym::intern` meanwhile (the parser, the standard library), which makes
//! it permanent. Outside any scope, `intern_computed` is `intern`.

use std::cell::RefCell;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use rustc_hash::{FxBuildHasher, FxHashMap};

/// The data behind a [`Sym`]: the text and its hash.
struct SymData {
    hash: u64,
    text: Box<str>,
    /// Whether the name lives for the rest of the process.
    permanent: AtomicBool,
    /// How many open scopes use the name, while it is not permanent.
    scopes: AtomicU32,
}

/// An interned string. Cheap to copy, compare and hash.
#[derive(Clone, Copy)]
pub struct Sym(&'static SymData);

type Table = FxHashMap<&'static str, Sym>;

fn table() -> MutexGuard<'static, Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    let table = TABLE.get_or_init(|| Mutex::new(FxHashMap::default()));
    // A poisoned lock only means another thread panicked while holding it;
    // the map itself is always left consistent (one change at a time).
    table
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

thread_local! {
    /// Permanent names this thread has seen.
    static LOCAL: RefCell<FxHashMap<&'static str, Sym>> = RefCell::new(FxHashMap::default());
    /// The names the open scope of this thread counts, if one is open.
    static SCOPE: RefCell<Option<FxHashMap<&'static str, Sym>>> = const { RefCell::new(None) };
}

impl Sym {
    /// Interns `text` for the rest of the process, returning the one `Sym`
    /// that stands for it.
    pub fn intern(text: &str) -> Sym {
        if let Some(sym) = LOCAL.with(|local| local.borrow().get(text).copied()) {
            return sym;
        }
        let sym = {
            let mut table = table();
            match table.get(text) {
                Some(sym) => {
                    sym.0.permanent.store(true, Ordering::Relaxed);
                    *sym
                }
                None => insert(&mut table, text, true),
            }
        };
        LOCAL.with(|local| {
            local.borrow_mut().insert(sym.as_str(), sym);
        });
        sym
    }

    /// Interns a name computed while evaluating (an object field name made
    /// by code). Inside a [`NameScope`], a name that is not permanent lives
    /// as long as the scopes that use it; outside, this is [`Sym::intern`].
    pub fn intern_computed(text: &str) -> Sym {
        if let Some(sym) = LOCAL.with(|local| local.borrow().get(text).copied()) {
            return sym;
        }
        let scoped = SCOPE.with(|scope| {
            let mut scope = scope.borrow_mut();
            let names = scope.as_mut()?;
            if let Some(sym) = names.get(text) {
                return Some(*sym);
            }
            let mut table = table();
            let sym = match table.get(text) {
                Some(sym) if sym.0.permanent.load(Ordering::Relaxed) => *sym,
                Some(sym) => {
                    sym.0.scopes.fetch_add(1, Ordering::Relaxed);
                    names.insert(sym.as_str(), *sym);
                    *sym
                }
                None => {
                    let sym = insert(&mut table, text, false);
                    sym.0.scopes.store(1, Ordering::Relaxed);
                    names.insert(sym.as_str(), sym);
                    sym
                }
            };
            Some(sym)
        });
        scoped.unwrap_or_else(|| Sym::intern(text))
    }

    /// The interned text.
    #[inline]
    pub fn as_str(self) -> &'static str {
        &self.0.text
    }

    /// The precomputed hash of the text.
    #[inline]
    pub fn hash_value(self) -> u64 {
        self.0.hash
    }
}

fn insert(table: &mut Table, text: &str, permanent: bool) -> Sym {
    let hash = FxBuildHasher.hash_one(text);
    let data: &'static SymData = Box::leak(Box::new(SymData {
        hash,
        text: text.into(),
        permanent: AtomicBool::new(permanent),
        scopes: AtomicU32::new(0),
    }));
    let sym = Sym(data);
    table.insert(&data.text, sym);
    sym
}

/// While alive, names that evaluations on this thread compute
/// ([`Sym::intern_computed`]) are counted by this scope, and those no open
/// scope uses any more are freed when it ends (unless they became
/// permanent). Opening a scope inside another does nothing.
///
/// The fleet renderer opens one per target, around the target's whole
/// evaluation.
pub struct NameScope {
    active: bool,
    /// Scopes belong to a thread.
    _not_send: PhantomData<*const ()>,
}

impl NameScope {
    /// Opens a scope on this thread.
    ///
    /// # Safety
    ///
    /// No `Sym` obtained while the scope is open may be used after it is
    /// dropped, unless the same text was also interned with
    /// [`Sym::intern`]: drop every value of the evaluations that ran in the
    /// scope first, and copy names out as strings (`as_str().to_string()`)
    /// to keep them.
    pub unsafe fn enter() -> NameScope {
        let active = SCOPE.with(|scope| {
            let mut scope = scope.borrow_mut();
            if scope.is_some() {
                return false;
            }
            *scope = Some(FxHashMap::default());
            true
        });
        NameScope {
            active,
            _not_send: PhantomData,
        }
    }
}

impl Drop for NameScope {
    fn drop(&mut self) {
        if !self.active {
            return;
        }
        let Some(names) = SCOPE.with(|scope| scope.borrow_mut().take()) else {
            return;
        };
        let mut table = table();
        for (text, sym) in names {
            let left = sym.0.scopes.fetch_sub(1, Ordering::Relaxed) - 1;
            if left == 0 && !sym.0.permanent.load(Ordering::Relaxed) {
                table.remove(text);
                let data: *const SymData = sym.0;
                // SAFETY: the name is not permanent, so it is in no thread's
                // LOCAL cache; no open scope counts it, so it is in no SCOPE
                // map; it was just removed from the table, under the lock
                // every lookup takes. The contract of `NameScope::enter`
                // rules out any other copy. It was made by `Box::leak` in
                // `insert`.
                drop(unsafe { Box::from_raw(data.cast_mut()) });
            }
        }
    }
}

impl PartialEq for Sym {
    #[inline]
    fn eq(&self, other: &Sym) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Sym {}

impl Hash for Sym {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Names order by their text, as Jsonnet orders field names.
impl Ord for Sym {
    fn cmp(&self, other: &Sym) -> std::cmp::Ordering {
        if self == other {
            std::cmp::Ordering::Equal
        } else {
            self.as_str().cmp(other.as_str())
        }
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::ops::Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_sym() {
        let a = Sym::intern("apiVersion");
        let b = Sym::intern(&String::from("apiVersion"));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "apiVersion");
        assert_ne!(a, Sym::intern("kind"));
    }

    #[test]
    fn shared_across_threads() {
        let here = Sym::intern("metadata");
        let there = std::thread::spawn(|| Sym::intern("metadata"))
            .join()
            .unwrap();
        assert_eq!(here, there);
    }

    #[test]
    fn computed_names_live_as_long_as_their_scopes() {
        // Outside a scope, a computed name is permanent.
        let outside = Sym::intern_computed("sym-test-outside");
        assert!(outside.0.permanent.load(Ordering::Relaxed));

        // SAFETY: no name from the scope is used after it ends, except the
        // one interned permanently inside it.
        let scope = unsafe { NameScope::enter() };
        let inner = unsafe { NameScope::enter() };
        let temporary = Sym::intern_computed("sym-test-temporary");
        assert_eq!(temporary, Sym::intern_computed("sym-test-temporary"));
        let kept = Sym::intern_computed("sym-test-kept");
        let permanent = Sym::intern("sym-test-kept");
        assert_eq!(kept, permanent);
        // Another thread's scope sees, and counts, the same name.
        let there = std::thread::spawn(|| {
            // SAFETY: only the address is kept, as a number.
            let _scope = unsafe { NameScope::enter() };
            Sym::intern_computed("sym-test-temporary").as_str().as_ptr() as usize
        })
        .join()
        .unwrap();
        assert_eq!(there, temporary.as_str().as_ptr() as usize);
        drop(inner);
        assert!(
            table().contains_key("sym-test-temporary"),
            "the inner scope does nothing"
        );
        drop(scope);
        assert!(!table().contains_key("sym-test-temporary"));
        assert!(table().contains_key("sym-test-kept"));
        assert_eq!(Sym::intern("sym-test-kept"), permanent);
    }

    #[test]
    fn orders_by_text() {
        let mut names = [Sym::intern("b"), Sym::intern("a"), Sym::intern("c")];
        names.sort();
        let texts: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c"]);
    }
}
