//! [`Info`]: a target as policies see it (`Target::info`). A JSON value,
//! hashed once into the target's parameter digest, and parsed only when a
//! policy reads it: a plan kept in the cache (issue 18) holds it as text,
//! and a render that reuses every target never parses it.

use std::sync::OnceLock;

use serde_json::value::RawValue;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// A target as policies see it.
#[derive(Clone)]
pub struct Info {
    /// The SHA-256 of the value as a tree ([`crate::inputs::feed_json`]).
    digest: [u8; 32],
    value: OnceLock<Json>,
    /// The value as JSON text, when it came from the cache.
    text: Option<Box<RawValue>>,
}

impl Info {
    /// The target `value` describes.
    pub fn new(value: Json) -> Info {
        let mut bytes = Vec::with_capacity(1024);
        crate::inputs::feed_json(&mut bytes, &value);
        Info {
            digest: Sha256::digest(&bytes).into(),
            value: OnceLock::from(value),
            text: None,
        }
    }

    /// A kept value: its JSON text and the digest [`Info::new`] made of it.
    pub(crate) fn kept(text: Box<RawValue>, digest: [u8; 32]) -> Info {
        Info {
            digest,
            value: OnceLock::new(),
            text: Some(text),
        }
    }

    /// The value. A kept text that does not parse (kcfg writes it from a
    /// value, so only a damaged cache entry could hold one) reads as
    /// `null`.
    pub fn value(&self) -> &Json {
        self.value.get_or_init(|| {
            self.text
                .as_ref()
                .and_then(|text| serde_json::from_str(text.get()).ok())
                .unwrap_or(Json::Null)
        })
    }

    /// The SHA-256 of the value as a tree, which the target's parameter
    /// digest includes.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

/// The value, however it is held.
impl std::fmt::Debug for Info {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Info").field(self.value()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue18_a_kept_info_is_the_info_it_was_made_from() {
        let value = serde_json::json!({"name": "edge-1/web", "tlas": {"cluster": {"wave": 3, "ratio": 0.5}}, "tags": ["a", null]});
        let made = Info::new(value.clone());
        let text = serde_json::value::to_raw_value(&value).unwrap();
        let kept = Info::kept(text, *made.digest());
        assert_eq!(kept.value(), &value);
        assert_eq!(kept.digest(), made.digest());
        assert_eq!(Info::new(kept.value().clone()).digest(), made.digest());
        // Another value, another digest.
        let other = Info::new(serde_json::json!({"name": "edge-1/web"}));
        assert_ne!(other.digest(), made.digest());
        let broken = Info::kept(RawValue::from_string("1e999".into()).unwrap(), [0; 32]);
        assert_eq!(broken.value(), &Json::Null);
    }
}
