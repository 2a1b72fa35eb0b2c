//! The input record of incremental renders (issue 18, item 1).
//!
//! A target's files depend on nothing but its parameters (entry, top-level
//! arguments, external variables, library directories, namespace, layout,
//! what the policies see, the policies, the stack limit), the files its
//! evaluation read (the entry, every `import`, `importstr` and `importbin`,
//! the policies) and the kcfg build that evaluated it: the language reads
//! no clock, environment or network. So a render records, per target, a
//! digest of its parameters, the files it read with the SHA-256 of each,
//! every import as resolved (where it was written, the path as written,
//! the file found), a digest of the files it wrote, and the build. Paths
//! under the plan's directory are spelled from it (`<plan>/apps/web/…`,
//! [`Spelling`]), so a record is the same however the directory was named
//! on the command line, and a committed one holds no machine's path. A later
//! render re-evaluates a target only when one of these differs:
//!
//! * the parameters' digest (the plan is evaluated anew every time, so an
//!   inventory or plan change shows here);
//! * an import resolves differently now: the importer's search is run
//!   again, so a file that appeared earlier in the search order (next to
//!   the importing file, or in a `-J` directory searched first) changes the
//!   answer, and so does one that disappeared;
//! * a file's content hashes differently (SHA-256 of the bytes the render
//!   reads, which are the bytes a re-evaluation would use: the program
//!   reads each file once);
//! * the target's directory is not exactly the files recorded (an edited,
//!   added or removed output file, or an entry kcfg never writes).
//!
//! Otherwise the directory is already what a full render would write, and
//! it is left alone (`--check`: identical). Knowing the directory's files
//! takes reading and hashing them, except with a `--cache` record: kcfg
//! records there a stamp of the directory (`stat` of every entry, see
//! [`crate::outdir::TargetStamp`]) once it has read the files and found
//! them to be the recorded ones, and the same stamp later stands for the
//! same files. Stamps are machine-local and never kept in (and dropped
//! when read from) the output directory's record. The digest of the parameters
//! uses their `Debug` form, which the build identifier pins. The memory
//! limit and time budgets are not recorded: they decide whether an
//! evaluation finishes, never what it writes (a target that fails keeps
//! its previous files, and is not recorded).
//!
//! **Where.** `OUT/.kcfg-inputs` beside the marker, so a committed
//! `rendered/` carries it; a shard writes `OUT/.kcfg-inputs-shard-I-of-N`
//! (see [`crate::shard`]), folded into the main record by an unsharded
//! render. Written atomically under the output's lock, after the marker.
//! With `--cache DIR` ([`crate::Destination::cache`]) the record lives in
//! `DIR/kcfg-inputs-<digest of the output's absolute path>.json` instead,
//! and the output directory's is neither read nor written; with `kcfg
//! render`'s default cache ([`crate::Destination::keep_output_record`]) a
//! write keeps both, the cache's stamped.
//!
//! **Whose word.** A record is a claim: "these inputs gave these files".
//! Checking the claim takes an evaluation, so whoever can write the record
//! can make kcfg skip one: a pull request that edits an output file and
//! the record's digest of it, consistently, would pass a check that
//! believed the record. So `--check`, whose job is to prove the committed
//! output current, never reuses a target on the word of the record in the
//! output directory; it reuses only from `--cache DIR`, which kcfg alone
//! writes (a CI cache restored from the main branch, a developer's
//! `~/.cache`), and a check with a cache records there what it found
//! identical. `kcfg render` (a write) reuses from the output directory's
//! record: in a checkout, the record is as trusted as the plan code kcfg
//! runs from it, and a forged one can at worst leave an edited output in
//! place, which the next check (which does not believe it) reports.
//!
//! **Never trusted blindly.** A record is read whole or not at all:
//! another format, version or build, bad JSON, an unknown field, a digest
//! that is not 64 hex digits, a target name kcfg could not have written, a
//! target that names a missing closure, or a closure whose identifier is
//! not its digest, and the record is ignored (every target is evaluated,
//! and the reason is reported). Nothing in it is ever written, deleted or
//! followed: it only decides whether a target is evaluated, and a target
//! is reused only when every file the record names hashes as recorded now,
//! every import resolves to the recorded file now, and the directory holds
//! exactly the recorded files. Files are read only through the renderer's
//! importer and only when the plan names them (entry, policies) or an
//! import resolves to them, so a record cannot make kcfg read anything a
//! plan could not.
//!
//! **For a fleet diff.** `Renderer::render_recorded` renders into memory
//! and returns the record of what it rendered; `Renderer::changed_targets`
//! lists the targets of a batch whose inputs differ from a record (through
//! the renderer's importer, which may read another revision), so a diff
//! between two revisions evaluates at the second only those, the others'
//! files being the first's. [`Record::changed`] compares two records.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use kcfg_lang::eval::{ExtValue, Reads, ResolvedImport};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::disk::{self, Dir};
use crate::output::{target_name_problem, Files, Layout, Output};
use crate::plan::Target;
use crate::policy::Policy;
use crate::shard::Shard;

/// The record's `format` field.
pub const FORMAT: &str = "kcfg-inputs";

/// The record's version: another version is ignored, never read.
pub const VERSION: u32 = 2;

/// The largest record kcfg reads.
pub const RECORD_LIMIT: u64 = 256 << 20;

/// How many targets a worker validates or parses at a time.
const VALIDATE_CHUNK: usize = 256;

/// A record's targets, each entry parsed on its own, on every core: the
/// object is only split first (its keys are read, its values skipped).
fn targets_in_parallel<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, TargetInputs>, D::Error> {
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Vec<(String, &'de serde_json::value::RawValue)>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("the recorded targets, by name")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(entries)
        }
    }
    let entries = deserializer.deserialize_map(Entries)?;
    let parsed: Vec<(String, TargetInputs)> = entries
        .into_par_iter()
        .with_min_len(VALIDATE_CHUNK)
        .map(|(name, raw)| match serde_json::from_str(raw.get()) {
            Ok(entry) => Ok((name, entry)),
            Err(err) => Err(format!("target {name:?}: {err}")),
        })
        .collect::<Result<_, _>>()
        .map_err(serde::de::Error::custom)?;
    let count = parsed.len();
    let targets: BTreeMap<String, TargetInputs> = parsed.into_iter().collect();
    if targets.len() != count {
        return Err(serde::de::Error::custom("a target is recorded twice"));
    }
    Ok(targets)
}

/// An input record: what each recorded target's files depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// The kcfg build that wrote it ([`crate::Settings::build`]).
    pub build: String,
    /// The sets of files and imports targets read, by their digest.
    pub closures: BTreeMap<String, Closure>,
    /// The recorded targets, by name.
    #[serde(deserialize_with = "targets_in_parallel")]
    pub targets: BTreeMap<String, TargetInputs>,
    /// (Only in a cache record kept beside the output directory's,
    /// [`crate::Destination::keep_output_record`].) The stamp of the
    /// output directory's record ([`crate::outdir::OutDir::settled_stamp_of`]) when it was
    /// last read and found to hold this record without its stamps: while
    /// its stamp is the same and this record is unchanged, a render need
    /// not serialize and read it again to know it current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_stamp: Option<String>,
    /// (Only where `output_stamp` may be.) The SHA-256 (hex) of the output
    /// directory's record file when it was last written, or found to hold
    /// this record without its stamps: while this record is unchanged, a
    /// file too recent for its stamp to stand is known current by the
    /// digest of its bytes, without serializing the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_digest: Option<String>,
}

/// The files and imports of one or more targets' evaluations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    /// Every file read: path → SHA-256 (hex) of its content.
    pub files: BTreeMap<String, String>,
    /// Every import resolved: `[directory of the importing file (null for
    /// a snippet), path as written, file found]`, sorted.
    pub imports: Vec<(Option<String>, String, String)>,
}

/// What one target's files depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetInputs {
    /// The digest of its [`Closure`].
    pub closure: String,
    /// The digest of its parameters ([`params_digest`]).
    pub params: String,
    /// The digest of its files ([`files_digest`]).
    pub outputs: String,
    /// How many objects it has.
    pub objects: usize,
    /// (Only in a `--cache` record.) The stamp of its directory
    /// ([`crate::outdir::TargetStamp`]) when its files were last read and
    /// found to be `outputs`: the same stamp now means the same files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<String>,
    /// (Only in a `--cache` record, beside `stamp`.) Its files' names when
    /// the stamp was taken, one per line ([`crate::outdir::TargetStamp::names`]): the next
    /// render takes the stamp again by `stat` alone, without listing the
    /// directory (`OutDir::stamp_target_named`). Names
    /// that are not the directory's give another digest, so they are
    /// never trusted, only tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp_names: Option<String>,
    /// (Only in a cache record.) Taken on the word of the output
    /// directory's record: a render read the target's files and found them
    /// to be that record's, without evaluating it. A render may reuse it,
    /// as it would reuse the output's record; a check never does
    /// ([`Record::drop_vouched`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vouched: bool,
}

impl Record {
    /// An empty record written by `build`.
    pub fn new(build: &str) -> Record {
        Record {
            format: FORMAT.into(),
            version: VERSION,
            build: build.into(),
            closures: BTreeMap::new(),
            targets: BTreeMap::new(),
            output_stamp: None,
            output_digest: None,
        }
    }

    /// Reads a record written by `build`, checking everything that can be
    /// checked without the files (see the module's header); the error says
    /// why the record cannot be used.
    pub fn parse(bytes: &[u8], build: &str) -> Result<Record, String> {
        if let Ok(record) = serde_json::from_slice::<Record>(bytes) {
            if record.format == FORMAT && record.version == VERSION && record.build == build {
                record.validate()?;
                return Ok(record);
            }
        }
        // Say why: the header first (another version's fields may differ).
        #[derive(Deserialize)]
        struct Header {
            format: Option<serde_json::Value>,
            version: Option<serde_json::Value>,
            build: Option<serde_json::Value>,
        }
        let header: Header =
            serde_json::from_slice(bytes).map_err(|err| format!("not a record: {err}"))?;
        if header.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(format!("not a record: its format is not {FORMAT:?}"));
        }
        if header.version.as_ref().and_then(|v| v.as_u64()) != Some(u64::from(VERSION)) {
            return Err(format!(
                "written in another version of the format ({}; this kcfg reads {VERSION})",
                header.version.unwrap_or(serde_json::Value::Null)
            ));
        }
        match header.build.as_ref().and_then(|b| b.as_str()) {
            Some(written) if written == build => {}
            Some(written) => {
                return Err(format!(
                    "written by another kcfg build ({written}; this is {build})"
                ))
            }
            None => return Err("not a record: it names no build".into()),
        }
        let record: Record =
            serde_json::from_slice(bytes).map_err(|err| format!("not a record: {err}"))?;
        record.validate()?;
        Ok(record)
    }

    fn validate(&self) -> Result<(), String> {
        if let Some(stamp) = &self.output_stamp {
            check_digest(stamp).map_err(|err| format!("the output record's stamp: {err}"))?;
        }
        if let Some(digest) = &self.output_digest {
            check_digest(digest).map_err(|err| format!("the output record's digest: {err}"))?;
        }
        for (id, closure) in &self.closures {
            if closure.digest() != *id {
                return Err(format!("closure {id} is not what its digest says"));
            }
            for (path, digest) in &closure.files {
                check_digest(digest).map_err(|err| format!("file {path:?}: {err}"))?;
            }
        }
        // On every core (a thousand clusters record thousands of targets);
        // the first problem in the record's order is the one reported.
        let targets: Vec<(&String, &TargetInputs)> = self.targets.iter().collect();
        let problems: Vec<String> = targets
            .par_chunks(VALIDATE_CHUNK)
            .filter_map(|chunk| {
                chunk
                    .iter()
                    .find_map(|(name, target)| self.target_problem(name, target))
            })
            .collect();
        match problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Why the entry of target `name` cannot be used, if it cannot.
    fn target_problem(&self, name: &str, target: &TargetInputs) -> Option<String> {
        if let Some(why) = target_name_problem(name) {
            return Some(format!("target {name:?}: {why}"));
        }
        for digest in [&target.params, &target.outputs, &target.closure]
            .into_iter()
            .chain(&target.stamp)
        {
            if let Err(err) = check_digest(digest) {
                return Some(format!("target {name:?}: {err}"));
            }
        }
        if !self.closures.contains_key(&target.closure) {
            return Some(format!(
                "target {name:?} names the closure {}, which the record lacks",
                target.closure
            ));
        }
        None
    }

    /// The record as its file holds it: pretty JSON, one field per line,
    /// keys sorted, so a committed record diffs by target.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a record is always JSON");
        bytes.push(b'\n');
        bytes
    }

    /// [`Record::to_bytes`] of the record [`Record::forget_stamps`] would
    /// leave, serialized as it is, without copying it (the output
    /// directory's record, written after every change).
    pub fn to_bytes_unstamped(&self) -> Vec<u8> {
        let mut bytes =
            serde_json::to_vec_pretty(&Unstamped(self)).expect("a record is always JSON");
        bytes.push(b'\n');
        bytes
    }

    /// Records `name` with its inputs, whose `closure` is the identifier
    /// ([`Closure::digest`]) of `closure`: kept once, however many targets
    /// share it.
    pub fn insert_shared(&mut self, name: String, inputs: TargetInputs, closure: &Closure) {
        if !self.closures.contains_key(&inputs.closure) {
            self.closures
                .insert(inputs.closure.clone(), closure.clone());
        }
        self.targets.insert(name, inputs);
    }

    /// Records `name` with its inputs and closure, named by its digest.
    pub fn insert(&mut self, name: String, mut inputs: TargetInputs, closure: Closure) {
        inputs.closure = closure.digest();
        self.insert_shared(name, inputs, &closure);
    }

    /// Drops the directory stamps, the vouched marks and the output
    /// record's stamp and digest: a record that is not a `--cache` one may
    /// hold them only if someone forged them. Whether it held any.
    pub fn forget_stamps(&mut self) -> bool {
        let mut held = self.output_stamp.take().is_some();
        held |= self.output_digest.take().is_some();
        for target in self.targets.values_mut() {
            held |= target.stamp.take().is_some();
            held |= target.stamp_names.take().is_some();
            held |= std::mem::take(&mut target.vouched);
        }
        held
    }

    /// Leaves out the entries taken on the word of an output directory's
    /// record ([`TargetInputs::vouched`]); whether there were any.
    pub fn drop_vouched(&mut self) -> bool {
        let before = self.targets.len();
        self.targets.retain(|_, target| !target.vouched);
        let dropped = self.targets.len() != before;
        if dropped {
            self.retain(|_| true);
        }
        dropped
    }

    /// Keeps the targets `keep` says to keep, and the closures they use.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.targets.retain(|name, _| keep(name));
        let used: BTreeSet<&String> = self.targets.values().map(|t| &t.closure).collect();
        self.closures.retain(|id, _| used.contains(id));
    }

    /// Adds the targets of `other` (written by the same build), replacing
    /// those of the same name. Closures are merged by identifier, which is
    /// their digest in both records (`Record::parse` checks it), so
    /// nothing is copied or compared.
    pub fn absorb(&mut self, other: Record) {
        if self.targets.is_empty() && self.closures.is_empty() {
            *self = Record {
                build: std::mem::take(&mut self.build),
                ..other
            };
            return;
        }
        let replaced = other
            .targets
            .keys()
            .any(|name| self.targets.contains_key(name));
        for (id, closure) in other.closures {
            self.closures.entry(id).or_insert(closure);
        }
        self.targets.extend(other.targets);
        if replaced {
            // Closures only the replaced entries used go.
            self.retain(|_| true);
        }
    }

    /// The targets recorded in only one of the records, or in both with
    /// different inputs (parameters, or a file or import of their
    /// closures): what a fleet diff between two revisions must evaluate.
    pub fn changed(&self, other: &Record) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = BTreeSet::new();
        for name in self.targets.keys().chain(other.targets.keys()) {
            let same = match (self.targets.get(name), other.targets.get(name)) {
                (Some(a), Some(b)) => {
                    a.params == b.params
                        && self.closures.get(&a.closure) == other.closures.get(&b.closure)
                }
                _ => false,
            };
            if !same {
                names.insert(name.clone());
            }
        }
        names
    }
}

/// A record seen without its stamps, its vouched marks and the output
/// record's stamp and digest: what [`Record::forget_stamps`] leaves. The
/// fields are taken apart in full, so that a field added to the record or
/// its entries cannot be left out here unnoticed.
struct Unstamped<'r>(&'r Record);

impl Serialize for Unstamped<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let Record {
            format,
            version,
            build,
            closures,
            targets,
            output_stamp: _,
            output_digest: _,
        } = self.0;
        let mut record = serializer.serialize_struct("Record", 5)?;
        record.serialize_field("format", format)?;
        record.serialize_field("version", version)?;
        record.serialize_field("build", build)?;
        record.serialize_field("closures", closures)?;
        record.serialize_field("targets", &UnstampedTargets(targets))?;
        record.end()
    }
}

struct UnstampedTargets<'r>(&'r BTreeMap<String, TargetInputs>);

impl Serialize for UnstampedTargets<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .map(|(name, target)| (name, UnstampedTarget(target))),
        )
    }
}

struct UnstampedTarget<'r>(&'r TargetInputs);

impl Serialize for UnstampedTarget<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let TargetInputs {
            closure,
            params,
            outputs,
            objects,
            stamp: _,
            stamp_names: _,
            vouched: _,
        } = self.0;
        let mut target = serializer.serialize_struct("TargetInputs", 4)?;
        target.serialize_field("closure", closure)?;
        target.serialize_field("params", params)?;
        target.serialize_field("outputs", outputs)?;
        target.serialize_field("objects", objects)?;
        target.end()
    }
}

impl Closure {
    /// What an evaluation read, with `hash` giving each file's digest
    /// (`None` when a path is not UTF-8 or a file's digest is unknown: the
    /// target is then not recorded).
    pub fn from_reads(
        reads: &Reads,
        spelling: &Spelling,
        mut hash: impl FnMut(&Path) -> Option<String>,
    ) -> Option<Closure> {
        // Every target of an application reads the same files: each is
        // spelled once ([`Spelling::with_record`]).
        let spell = |path: &Path| spelling.with_record(path, |spelled| spelled.map(str::to_owned));
        let mut files = BTreeMap::new();
        for path in &reads.files {
            files.insert(spell(path)?, hash(path)?);
        }
        let mut imports = Vec::with_capacity(reads.imports.len());
        for ResolvedImport {
            from,
            path,
            resolved,
        } in &reads.imports
        {
            let from = match from {
                Some(dir) => Some(spell(dir)?),
                None => None,
            };
            imports.push((from, path.clone(), spell(resolved)?));
        }
        imports.sort();
        Some(Closure { files, imports })
    }

    /// Its digest: the SHA-256 of its JSON form.
    pub fn digest(&self) -> String {
        hex(&Sha256::digest(
            serde_json::to_vec(self).expect("a closure is always JSON"),
        ))
    }

    /// Whether every file is one the target may read without the record's
    /// word: its entry, a policy, or what one of the closure's imports
    /// resolves to.
    pub fn files_are_accounted_for(
        &self,
        target: &Target,
        policies: &[Policy],
        spelling: &Spelling,
    ) -> bool {
        let named: BTreeSet<String> = std::iter::once(&target.entry)
            .chain(policies.iter().map(|policy| &policy.path))
            .filter_map(|path| spelling.record(path))
            .chain(self.imports.iter().map(|(_, _, resolved)| resolved.clone()))
            .collect();
        self.files.keys().all(|path| named.contains(path))
    }
}

/// The file of `--cache DIR` that holds the record of the output directory
/// `root` (made absolute, without touching the disk): one file per output
/// directory and shard, named by the digest of its path.
pub fn cache_file(dir: &Path, root: &Path, shard: Option<Shard>) -> PathBuf {
    let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let key = hex(&Sha256::digest(absolute.as_os_str().as_encoded_bytes()));
    let mut name = format!("kcfg-inputs-{}", &key[..32]);
    if let Some(shard) = shard {
        name.push('-');
        name.push_str(&shard.file_suffix());
    }
    name.push_str(".json");
    dir.join(name)
}

/// Reads a record of `--cache DIR` (`None` when there is none yet). The
/// directory is the user's (a link to it is followed); the record in it is
/// read only if it is a regular file, never through a symbolic link. A
/// record read is marked as used, so that trimming the cache keeps it
/// ([`crate::cache_trim::refresh`]).
pub fn read_cache(path: &Path) -> Result<Option<disk::FileBytes>, String> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(None);
    };
    let dir = match Dir::open(dir, true) {
        Ok(Some(dir)) => dir,
        Ok(None) => return Ok(None),
        Err(err) => return Err(format!("cannot read it: {err}")),
    };
    match dir.map_file(name, RECORD_LIMIT) {
        Ok(bytes) => {
            crate::cache_trim::refresh(&dir, name, std::time::SystemTime::now());
            Ok(Some(bytes))
        }
        Err(disk::Error::Io { err, .. }) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(disk::Error::Symlink(_) | disk::Error::NotFile(_)) => {
            Err("not a regular file (kcfg never reads a record through a symbolic link)".into())
        }
        Err(err) => Err(format!("cannot read it: {err}")),
    }
}

/// Writes a record of `--cache DIR`: into a new temporary file beside it
/// (created, never opened through a link planted there), then renamed
/// over it, so a reader sees the old record or the new one and a link at
/// the record's name is replaced, not written through. Compact JSON: no
/// one reads the cache's records but kcfg (the output directory's, which
/// people review, are indented: [`Record::to_bytes`]).
pub fn write_cache(path: &Path, record: &Record) -> Result<(), String> {
    let mut bytes = serde_json::to_vec(record).expect("a record is always JSON");
    bytes.push(b'\n');
    write_cache_bytes(path, &bytes)
}

/// Writes `bytes` to `path` in a cache directory, as [`write_cache`] does.
pub(crate) fn write_cache_bytes(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let (Some(dir_path), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(format!("cannot write {}: not a file name", path.display()));
    };
    std::fs::create_dir_all(dir_path)
        .map_err(|err| format!("cannot create {}: {err}", dir_path.display()))?;
    let dir = match Dir::open(dir_path, true) {
        Ok(Some(dir)) => dir,
        Ok(None) => return Err(format!("cannot open {}: it is gone", dir_path.display())),
        Err(err) => return Err(err.to_string()),
    };
    let mut temp = name.to_os_string();
    temp.push(format!(".{}.tmp", std::process::id()));
    // A temporary file of a killed run with this process id: only that
    // name is removed (a link is removed as a link).
    let _ = dir.remove_file(&temp);
    dir.write_new_file(&temp, bytes)
        .and_then(|()| dir.rename(&temp, &dir, name))
        .map_err(|err| {
            let _ = dir.remove_file(&temp);
            err.to_string()
        })
}

/// The SHA-256 of `bytes`, in hex.
pub fn file_digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The digest of a target's files: each path and content, length-prefixed,
/// in path order.
pub fn files_digest(files: &Files) -> String {
    let mut hasher = Sha256::new();
    for (path, content) in files {
        hasher.update((path.len() as u64).to_be_bytes());
        hasher.update(path.as_bytes());
        hasher.update((content.len() as u64).to_be_bytes());
        hasher.update(content);
    }
    hex(&hasher.finalize())
}

/// The digest of everything about a target, other than the files it reads,
/// that its files depend on: its name (the hydrator layout writes it), entry,
/// top-level arguments, external variables, own library directories,
/// namespace, resolved output options, what policies see of it (as JSON),
/// the policies, the stack limit and, in the hydrator layout, the
/// reproducing command its `hydrator.metadata` and `README.md` show. Each
/// part is length-prefixed (paths by their bytes, the output options by
/// their `Debug` form, which the build identifier pins), and the policies'
/// view comes last, by its own digest ([`crate::info::Info`]: made once,
/// and kept with a cached plan): it is checked for every target of every
/// render.
pub fn params_digest(
    target: &Target,
    output: &Output,
    policies: &[Policy],
    max_stack: usize,
    hydrator_command: Option<&str>,
    spelling: &Spelling,
) -> String {
    let hydrator_command = hydrator_command.filter(|_| output.layout == Layout::Hydrator);
    // Paths as a record spells them (see `Spelling`), so that the digest
    // does not depend on how the plan's directory was named.
    let path = |hasher: &mut Feed, path: &Path| {
        spelling.with_record(path, |spelled| match spelled {
            Some(text) => hasher.part(text.as_bytes()),
            None => hasher.part(path.as_os_str().as_encoded_bytes()),
        })
    };
    let mut hasher = Feed(Vec::with_capacity(4096));
    let count = |n: usize| (n as u64).to_be_bytes();
    let optional = |hasher: &mut Feed, text: Option<&str>| match text {
        Some(text) => hasher.part_with(|bytes| {
            bytes.push(b'+');
            bytes.extend_from_slice(text.as_bytes());
        }),
        None => hasher.part(b"-"),
    };
    hasher.part(target.name.as_bytes());
    path(&mut hasher, &target.entry);
    hasher.part(&count(target.jpath.len()));
    for dir in &target.jpath {
        path(&mut hasher, dir);
    }
    optional(&mut hasher, target.namespace.as_deref());
    hasher.part_with(|bytes| {
        let _ = write!(bytes, "{output:?}");
    });
    hasher.part(&count(policies.len()));
    for policy in policies {
        path(&mut hasher, &policy.path);
        hasher.part(policy.default_rule.as_bytes());
    }
    hasher.part(&count(max_stack));
    optional(&mut hasher, hydrator_command);
    // Top-level arguments and external variables hold a whole cluster's
    // inventory entry as code: their bytes are hashed as they are.
    for vars in [&target.tlas, &target.ext_vars] {
        hasher.part(&count(vars.len()));
        for (name, value) in vars {
            hasher.part(name.as_bytes());
            match value {
                ExtValue::Str(text) => {
                    hasher.part(b"str");
                    hasher.part(text.as_bytes());
                }
                ExtValue::Code { name, text } => {
                    hasher.part_with(|bytes| {
                        let _ = write!(bytes, "code {name:?}");
                    });
                    hasher.part(text.as_bytes());
                }
            }
        }
    }
    // What policies see, by its own digest: made once per target, kept
    // with a cached plan (`Info`).
    hasher.part(target.info.digest());
    hex(&Sha256::digest(&hasher.0))
}

/// The bytes of a digest, gathered before they are hashed in one call:
/// a target's parameters are a few hundred small pieces, and one call per
/// piece cost more than the hash itself. The digest is the same.
struct Feed(Vec<u8>);

impl Feed {
    fn update(&mut self, bytes: impl AsRef<[u8]>) {
        self.0.extend_from_slice(bytes.as_ref());
    }

    /// `bytes`, after their length.
    fn part(&mut self, bytes: &[u8]) {
        self.update((bytes.len() as u64).to_be_bytes());
        self.update(bytes);
    }

    /// What `write` appends, after its length: the bytes of
    /// [`Feed::part`], without a buffer of their own.
    fn part_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.0.len();
        self.0.extend_from_slice(&[0; 8]);
        write(&mut self.0);
        let len = (self.0.len() - start - 8) as u64;
        self.0[start..start + 8].copy_from_slice(&len.to_be_bytes());
    }
}

/// Appends `value` to `bytes` as a tree: a tag per node, lengths before
/// strings, arrays and objects, object fields in their order, numbers by
/// their exact value. Two values feed the same bytes only if they are
/// equal, as their JSON text would, without writing the text.
pub(crate) fn feed_json(bytes: &mut Vec<u8>, value: &serde_json::Value) {
    use serde_json::Value as Json;
    let len = |n: usize| (n as u64).to_be_bytes();
    match value {
        Json::Null => bytes.extend_from_slice(b"n"),
        Json::Bool(false) => bytes.extend_from_slice(b"f"),
        Json::Bool(true) => bytes.extend_from_slice(b"t"),
        Json::Number(number) => {
            if let Some(n) = number.as_u64() {
                bytes.extend_from_slice(b"u");
                bytes.extend_from_slice(&n.to_be_bytes());
            } else if let Some(n) = number.as_i64() {
                bytes.extend_from_slice(b"i");
                bytes.extend_from_slice(&n.to_be_bytes());
            } else {
                bytes.extend_from_slice(b"d");
                bytes.extend_from_slice(
                    &number.as_f64().unwrap_or(f64::NAN).to_bits().to_be_bytes(),
                );
            }
        }
        Json::String(text) => {
            bytes.extend_from_slice(b"s");
            bytes.extend_from_slice(&len(text.len()));
            bytes.extend_from_slice(text.as_bytes());
        }
        Json::Array(items) => {
            bytes.extend_from_slice(b"a");
            bytes.extend_from_slice(&len(items.len()));
            for item in items {
                feed_json(bytes, item);
            }
        }
        Json::Object(fields) => {
            bytes.extend_from_slice(b"o");
            bytes.extend_from_slice(&len(fields.len()));
            for (name, field) in fields {
                bytes.extend_from_slice(&len(name.len()));
                bytes.extend_from_slice(name.as_bytes());
                feed_json(bytes, field);
            }
        }
    }
}

fn check_digest(digest: &str) -> Result<(), String> {
    if digest.len() == 64
        && digest
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(format!(
            "{digest:?} is not a SHA-256 digest (64 lower-case hex digits)"
        ))
    }
}

/// `bytes` in lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 15)] as char);
    }
    text
}

mod spelling;
#[cfg(test)]
mod tests;

pub use self::spelling::Spelling;
