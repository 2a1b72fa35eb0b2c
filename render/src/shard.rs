//! Shards: one machine's stable share of a fleet (issue 18, item 3).
//!
//! `kcfg render --shard I/N` renders the targets whose name falls into
//! bucket `I` of `N`; the `N` shards together render every target exactly
//! once, so a CI matrix or a Kubernetes Indexed Job can split a fleet too
//! large for one machine. A target's bucket is the first eight bytes of the
//! SHA-256 of its name, read as a big-endian number, modulo `N`: it depends
//! on the name alone, so it does not move when other targets join or leave
//! the plan, and it is the same on every machine and every kcfg version
//! that keeps this rule (a test pins it).
//!
//! Indexes count from 0, as `JOB_COMPLETION_INDEX` does: `--shard
//! ${JOB_COMPLETION_INDEX}/N` is the Indexed Job recipe, and a CI matrix
//! lists `0/N` … `N-1/N`.
//!
//! What a shard does in the output directory (the rules are in
//! [`crate::outdir`] and [`crate::renderer`]): it writes its targets, never
//! removes a stale one (another shard, or a later plan, may own it), and
//! lists what it wrote in a marker of its own (`.kcfg-rendered-shard-I-of-N`,
//! and its input record `.kcfg-inputs-shard-I-of-N`), so shards rendered on
//! different machines can be copied into one directory without one
//! clobbering another's. An unsharded render, or `kcfg render
//! --prune-shards` once every shard finished, folds those files into the
//! main marker and record and removes the stale targets.

use sha2::{Digest, Sha256};

/// Bucket `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shard {
    /// Which bucket, from 0.
    pub index: u32,
    /// How many buckets, at least 1.
    pub count: u32,
}

impl Shard {
    /// Reads `I/N` (`0 <= I < N`); the error says what is wrong in words
    /// that fit after `--shard TEXT: `.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let Some((index, count)) = text.split_once('/') else {
            return Err("expected INDEX/COUNT, like 0/4 (indexes count from 0)".into());
        };
        let number = |part: &str, what: &str| -> Result<u32, String> {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "the {what} {part:?} is not a number (expected INDEX/COUNT, like 0/4)"
                ));
            }
            part.parse()
                .map_err(|_| format!("the {what} {part} is too large"))
        };
        let index = number(index, "index")?;
        let count = number(count, "count")?;
        if count == 0 {
            return Err("the count must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "the index must be below the count: shards of {count} are 0/{count} to {}/{count} \
                 (indexes count from 0, as JOB_COMPLETION_INDEX does)",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether the target named `name` is in this shard.
    pub fn contains(&self, name: &str) -> bool {
        bucket(name, self.count) == self.index
    }

    /// `shard-I-of-N`: the suffix of the shard's own files in the output
    /// directory.
    pub fn file_suffix(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }

    /// The shard a `shard-I-of-N` suffix names, if it is one.
    pub fn from_file_suffix(suffix: &str) -> Option<Shard> {
        let rest = suffix.strip_prefix("shard-")?;
        let (index, count) = rest.split_once("-of-")?;
        let digits = |text: &str| {
            !text.is_empty()
                && text.len() <= 10
                && text.bytes().all(|b| b.is_ascii_digit())
                && (text == "0" || !text.starts_with('0'))
        };
        if !digits(index) || !digits(count) {
            return None;
        }
        let shard = Shard {
            index: index.parse().ok()?,
            count: count.parse().ok()?,
        };
        (shard.count > 0 && shard.index < shard.count).then_some(shard)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The bucket of `name` among `count`.
fn bucket(name: &str, count: u32) -> u32 {
    let digest = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(count)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue18_parse_and_errors() {
        assert_eq!(Shard::parse("0/1"), Ok(Shard { index: 0, count: 1 }));
        assert_eq!(Shard::parse("6/7"), Ok(Shard { index: 6, count: 7 }));
        for (text, wanted) in [
            (
                "3/3",
                "the index must be below the count: shards of 3 are 0/3 to 2/3",
            ),
            ("1/0", "the count must be at least 1"),
            ("1", "expected INDEX/COUNT"),
            ("-1/3", "the index \"-1\" is not a number"),
            ("a/3", "the index \"a\" is not a number"),
            ("1/", "the count \"\" is not a number"),
            ("1/99999999999", "the count 99999999999 is too large"),
        ] {
            let err = Shard::parse(text).unwrap_err();
            assert!(err.contains(wanted), "{text}: {err}");
        }
    }

    #[test]
    fn issue18_buckets_are_stable_and_partition() {
        // Pinned: a bucket may never move between versions, or shards of
        // one fleet rendered by two kcfg builds would overlap.
        let pinned: Vec<u32> = ["edge-eu-1/web", "edge-us-3/cache", "a", ""]
            .iter()
            .map(|name| bucket(name, 7))
            .collect();
        // Computed independently: `printf %s NAME | sha256sum`, first 16 hex
        // digits modulo 7.
        assert_eq!(pinned, [1, 6, 4, 1]);
        for count in [1, 2, 3, 7] {
            for n in 0..200 {
                let name = format!("cluster-{n}/app");
                let owners = (0..count)
                    .filter(|&index| Shard { index, count }.contains(&name))
                    .count();
                assert_eq!(owners, 1, "{name} in {count} shards");
            }
        }
    }

    #[test]
    fn issue18_file_suffixes() {
        let shard = Shard::parse("2/5").unwrap();
        assert_eq!(shard.file_suffix(), "shard-2-of-5");
        assert_eq!(Shard::from_file_suffix("shard-2-of-5"), Some(shard));
        for bad in [
            "shard-5-of-5",
            "shard-02-of-5",
            "shard--of-5",
            "shard-1-of-",
            "shard-1-of-5x",
            "shard-1-of-0",
            "shard-1",
        ] {
            assert_eq!(Shard::from_file_suffix(bad), None, "{bad}");
        }
    }
}
