//! Interned names: identifiers and object field names.
//!
//! A [`Sym`] is a pointer to a string that lives for the rest of the process,
//! so comparing two names is comparing two pointers and hashing one is reading
//! a precomputed hash. Interning happens when a file is parsed (identifiers and
//! literal field names), when a computed field name is created, and when the
//! standard library builds objects from data (`std.parseJson`, …).
//!
//! The table is process-wide and append-only. It is shared by all threads (the
//! fleet renderer evaluates many targets at once), so each thread keeps a small
//! cache in front of the locked table and the lock is taken only for names the
//! thread has not seen yet. Names are never freed: the set of distinct field
//! names a program uses is bounded by its sources and data, and leaking them is
//! what lets `Sym` be a plain `Copy` pointer that needs no lifetime.

use std::cell::RefCell;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Mutex, OnceLock};

use rustc_hash::{FxBuildHasher, FxHashMap};

/// The data behind a [`Sym`]: the text and its hash.
struct SymData {
    hash: u64,
    text: Box<str>,
}

/// An interned string. Cheap to copy, compare and hash.
#[derive(Clone, Copy)]
pub struct Sym(&'static SymData);

impl Sym {
    /// Interns `text`, returning the one `Sym` that stands for it.
    pub fn intern(text: &str) -> Sym {
        thread_local! {
            static LOCAL: RefCell<FxHashMap<&'static str, Sym>> = RefCell::new(FxHashMap::default());
        }
        if let Some(sym) = LOCAL.with(|local| local.borrow().get(text).copied()) {
            return sym;
        }
        let sym = intern_global(text);
        LOCAL.with(|local| {
            local.borrow_mut().insert(sym.as_str(), sym);
        });
        sym
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

fn intern_global(text: &str) -> Sym {
    static TABLE: OnceLock<Mutex<FxHashMap<&'static str, Sym>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| Mutex::new(FxHashMap::default()));
    // A poisoned lock only means another thread panicked while holding it;
    // the map itself is always left consistent (one insert at a time).
    let mut map = table
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(sym) = map.get(text) {
        return *sym;
    }
    let hash = FxBuildHasher.hash_one(text);
    let data: &'static SymData = Box::leak(Box::new(SymData {
        hash,
        text: text.into(),
    }));
    let sym = Sym(data);
    map.insert(&data.text, sym);
    sym
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
    fn orders_by_text() {
        let mut names = [Sym::intern("b"), Sym::intern("a"), Sym::intern("c")];
        names.sort();
        let texts: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c"]);
    }
}
