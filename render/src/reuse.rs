//! The renderer's side of incremental renders (issue 18): reading the
//! input records of an output directory or a cache, deciding whether a
//! target may be reused, and recording the targets rendered. The record's
//! format and trust rules are [`crate::inputs`]'s.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kcfg_lang::program::Program;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::Error;
use crate::inputs::{self, Closure, Record, Spelling, TargetInputs, RECORD_LIMIT};
use crate::outdir::{KeptStamp, OutDir, RootFile, StampCursor};
use crate::output::Output;
use crate::plan::Target;
use crate::policy::Policy;
use crate::renderer::{Batch, Event, Renderer, Sink, TargetReport};
use crate::shard::Shard;
use crate::target::Rendered;

/// An incremental render's state, shared by the workers.
pub(crate) struct Incremental<'r> {
    /// The record whose targets may be reused (`None`: evaluate all).
    pub(crate) reuse: Option<&'r Record>,
    /// Whether the targets written (or, in a check, found identical) are
    /// recorded.
    pub(crate) record: bool,
    /// Whether `reuse` is a `--cache` record, whose directory stamps are
    /// kcfg's own and may stand for reading the files
    /// ([`crate::outdir::TargetStamp`]).
    pub(crate) stamps: bool,
    /// The targets recorded by this run: evaluated ones with what they
    /// read, and reused ones, whose entry in `reuse` stands.
    pub(crate) found: Mutex<Found>,
    /// How records spell the paths of the batch's plan.
    pub(crate) spelling: Spelling,
    /// The closures made so far, by a hash of the program's address and
    /// the reads they were made from: the targets of an application read
    /// the same files, and share one.
    pub(crate) closures: Mutex<FxHashMap<u64, Vec<MadeClosure>>>,
}

/// A closure and its identifier ([`Closure::digest`]), shared by the
/// targets whose evaluations read the same.
pub(crate) type SharedClosure = Arc<(String, Closure)>;

/// A closure made from what an evaluation through a program read.
pub(crate) struct MadeClosure {
    program: usize,
    reads: kcfg_lang::eval::Reads,
    closure: SharedClosure,
}

impl<'r> Incremental<'r> {
    /// The state of a run that reuses targets from `reuse` (if any) and
    /// records what it renders if `record`, with `stamps` if `reuse` is a
    /// cache's record.
    pub(crate) fn new(
        reuse: Option<&'r Record>,
        record: bool,
        stamps: bool,
        plan_dir: Option<&Path>,
    ) -> Incremental<'r> {
        Incremental {
            reuse,
            record,
            stamps,
            found: Mutex::default(),
            spelling: Spelling::new(plan_dir),
            closures: Mutex::default(),
        }
    }
}

/// A hash of a program's address and what an evaluation through it read.
fn reads_hash(program: usize, reads: &kcfg_lang::eval::Reads) -> u64 {
    use std::hash::Hasher as _;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write_usize(program);
    reads.hash_paths(&mut hasher);
    hasher.finish()
}

/// What a run recorded.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Targets evaluated, with their inputs and closure.
    pub(crate) evaluated: Vec<(String, TargetInputs, SharedClosure)>,
    /// Targets reused: their entry in the record they were reused from is
    /// still right, with a new stamp of their directory to record if any.
    pub(crate) reused: FxHashMap<String, Option<KeptStamp>>,
}

impl Incremental<'_> {
    /// The targets this run recorded.
    pub(crate) fn into_found(self) -> Found {
        self.found
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The record a run leaves: `base`'s targets that are `listed` and were
/// either not in the batch (`rendered`) or reused, and the targets it
/// evaluated and recorded; and whether that differs from `base`.
pub(crate) fn next_record(
    mut base: Record,
    found: Found,
    listed: &BTreeSet<String>,
    rendered: &[&str],
) -> (Record, bool) {
    let in_batch: FxHashSet<&str> = rendered.iter().copied().collect();
    let evaluated: FxHashSet<&str> = found
        .evaluated
        .iter()
        .map(|(name, ..)| name.as_str())
        .collect();
    let before = base.targets.len();
    // A target of the batch that was neither reused nor recorded (it
    // failed, broke a policy, or differs) loses its entry. Both `listed`
    // and the record's targets are sorted, and `retain` visits them in
    // order: whether one is listed is found walking `listed` alongside.
    let mut listed = listed.iter().peekable();
    let mut changed = false;
    base.targets.retain(|name, held| {
        while listed.next_if(|other| *other < name).is_some() {}
        let keep = listed.peek().is_some_and(|other| *other == name)
            && (!in_batch.contains(name.as_str())
                || found.reused.contains_key(name)
                || evaluated.contains(name.as_str()));
        if let Some(Some(stamp)) = found.reused.get(name).filter(|_| keep) {
            held.stamp = Some(stamp.digest.clone());
            held.stamp_names = stamp.names.clone();
            changed = true;
        }
        keep
    });
    changed |= base.targets.len() != before;
    for (name, inputs, closure) in found.evaluated {
        // Closures are named by their digest (`Record::parse` checks it).
        let same = base.targets.get(&name).is_some_and(|held| {
            held.params == inputs.params
                && held.outputs == inputs.outputs
                && held.objects == inputs.objects
                && held.stamp == inputs.stamp
                && held.stamp_names == inputs.stamp_names
                && held.closure == inputs.closure
        });
        if !same {
            changed = true;
            base.insert_shared(name, inputs, &closure.1);
        }
    }
    base.retain(|_| true);
    if changed {
        // It was a stamp of the output's record holding the record as it
        // was (see `Record::output_stamp`), and so was the digest.
        base.output_stamp = None;
        base.output_digest = None;
    }
    (base, changed)
}

/// The input records a run read, merged, and where they came from.
pub(crate) struct Records {
    /// Every usable record, merged.
    pub(crate) merged: Record,
    /// The records found but not used, each `PATH: why`.
    pub(crate) ignored: Vec<String>,
    /// Whether `merged` is exactly the content of the one record file this
    /// run writes (then an unchanged record need not be written again).
    pub(crate) only_own: bool,
    /// When the run writes two records (the output directory's and the
    /// cache's), what each held: a record is written again only when it
    /// would change.
    pub(crate) own: Option<OwnRecords>,
}

/// The records a run writes, as read (`None`: missing or not usable).
#[derive(Default)]
pub(crate) struct OwnRecords {
    /// The output directory's, its stamps dropped.
    pub(crate) output: Option<Record>,
    /// The stamp of the output directory's record taken before it was
    /// read, when settled.
    pub(crate) output_stamp: Option<String>,
    /// The cache's (not kept when it is [`OwnRecords::cache_alone`]: the
    /// merged record is it).
    pub(crate) cache: Option<Record>,
    /// Whether the merged record is the cache's own record alone (the
    /// output's was not read: [`Renderer::read_records`]).
    pub(crate) cache_alone: bool,
    /// The entries of the other cache records read (a shard's run reads
    /// the main one too): with `cache`'s, what kcfg itself found.
    pub(crate) other_cache_targets: BTreeMap<String, TargetInputs>,
}

impl OwnRecords {
    /// `record` as the cache keeps it. A check believes the cache, so an
    /// entry is kept as kcfg's own only for the targets `evaluated` now
    /// and the entries that came from the cache; the others were taken on
    /// the word of the output directory's record (whoever changed the
    /// output could have written it; see [`crate::inputs`]) and are kept
    /// marked as such ([`TargetInputs::vouched`]): the next render reuses
    /// them by their stamps, as it would by reading the files, and a check
    /// ignores them.
    pub(crate) fn for_cache(&self, record: &Record, evaluated: &BTreeSet<String>) -> Record {
        let mut kept = record.clone();
        for (name, now) in kept.targets.iter_mut() {
            let own = evaluated.contains(name)
                || self
                    .cache
                    .as_ref()
                    .and_then(|cache| cache.targets.get(name))
                    .or_else(|| self.other_cache_targets.get(name))
                    .is_some_and(|held| {
                        held.params == now.params
                            && held.closure == now.closure
                            && held.outputs == now.outputs
                            && held.objects == now.objects
                            && held.vouched == now.vouched
                    });
            if !own {
                now.vouched = true;
            }
        }
        kept
    }
}

/// A target that need not be evaluated.
pub(crate) struct Reuse<'r> {
    /// Its entry in the record.
    pub(crate) entry: &'r TargetInputs,
    /// Its files, relative to its directory.
    pub(crate) files: Vec<String>,
    /// Their size.
    pub(crate) bytes: usize,
    /// A stamp of its directory to record, when it has none or another.
    pub(crate) new_stamp: Option<KeptStamp>,
}

impl Renderer {
    /// The input records of `out_dir`, merged: the main one, then each
    /// shard's (this run's shard last). A record that cannot be used is
    /// left out, with why. Which record a target comes from does not
    /// matter for correctness: a target is reused only when its files
    /// and directory are as its entry says. With a `cache`, its records are
    /// read, and the output directory's too (first, so the cache's entries
    /// win) when `with_output` ([`crate::Destination::keep_output_record`]).
    pub(crate) fn read_records(
        &self,
        out_dir: &OutDir,
        cache: Option<&Path>,
        shard: Option<Shard>,
        with_output: bool,
    ) -> Records {
        let build = &self.settings.build;
        let mut records = Records {
            merged: Record::new(build),
            ignored: Vec::new(),
            only_own: false,
            own: None,
        };
        let mut own = OwnRecords::default();
        // Whether each file read was the one this run writes.
        let mut read_own = Vec::new();
        // The cache holds this machine's records: the main one and this
        // run's shard's. Read first, absorbed last (their entries win).
        let mut cached = Vec::new();
        if let Some(dir) = cache {
            let mut files = vec![(
                inputs::cache_file(dir, &out_dir.root, None),
                shard.is_none(),
            )];
            if shard.is_some() {
                files.push((inputs::cache_file(dir, &out_dir.root, shard), true));
            }
            for (file, is_own) in files {
                let read = inputs::read_cache(&file)
                    .and_then(|bytes| bytes.map(|b| Record::parse(&b, build)).transpose());
                match read {
                    Ok(Some(record)) => cached.push((record, is_own)),
                    Ok(None) => {}
                    Err(why) => records.ignored.push(format!("{}: {why}", file.display())),
                }
            }
        }
        // A cache record with an entry for every listed target leaves the
        // output's nothing to add (the cache's entries win, and a record
        // keeps listed targets only): it is not read, and is written again
        // only if its bytes change (`OutDir::write_root_file`).
        let complete = with_output
            && shard.is_none()
            && out_dir.shard_listed.is_empty()
            && matches!(&cached[..], [(record, true)]
                if out_dir.listed.iter().all(|name| record.targets.contains_key(name)));
        if cache.is_none() || (with_output && !complete) {
            let mut files = vec![RootFile::Inputs];
            let mut shards: Vec<Shard> = out_dir.shard_listed.keys().copied().collect();
            if let Some(own) = shard {
                shards.retain(|other| *other != own);
                shards.push(own);
            }
            files.extend(shards.into_iter().map(RootFile::ShardInputs));
            let own_file = match shard {
                Some(shard) => RootFile::ShardInputs(shard),
                None => RootFile::Inputs,
            };
            for file in files {
                let shown = out_dir.root.join(file.name());
                if with_output && file == own_file {
                    // Taken before it is read (see `Record::output_stamp`).
                    own.output_stamp = out_dir.settled_stamp_of(&file).ok().flatten();
                }
                let read = out_dir
                    .read_root_file(&file, RECORD_LIMIT)
                    .and_then(|bytes| bytes.map(|b| Record::parse(&b, build)).transpose());
                match read {
                    Ok(Some(mut record)) => {
                        // A record that held stamps is written again
                        // without them.
                        let forged = record.forget_stamps();
                        let is_own = file == own_file && !forged;
                        if with_output && is_own {
                            own.output = Some(record.clone());
                        }
                        records.merged.absorb(record);
                        read_own.push(is_own);
                    }
                    Ok(None) => {}
                    Err(why) => records.ignored.push(format!("{}: {why}", shown.display())),
                }
            }
        }
        own.cache_alone = complete && records.ignored.is_empty();
        let (output_stamp, output_digest) = cached
            .iter_mut()
            .find(|(_, is_own)| *is_own)
            .map(|(record, _)| (record.output_stamp.take(), record.output_digest.take()))
            .unwrap_or_default();
        for (record, is_own) in cached {
            if with_output {
                if is_own {
                    // Alone, it is the merged record (and needs no copy).
                    if !own.cache_alone {
                        own.cache = Some(record.clone());
                    }
                } else {
                    own.other_cache_targets.extend(
                        record
                            .targets
                            .iter()
                            .map(|(name, entry)| (name.clone(), entry.clone())),
                    );
                }
            }
            records.merged.absorb(record);
            read_own.push(is_own);
        }
        records.only_own = records.ignored.is_empty() && read_own == [true];
        // The stamp of the output's record stands for the merged record only
        // when that is the cache's own alone (`Record::output_stamp`).
        if with_output && own.cache_alone {
            records.merged.output_stamp = output_stamp;
            records.merged.output_digest = output_digest;
        }
        if with_output {
            records.own = Some(own);
        }
        records
    }

    /// The digest of `path` as `program` read it (once per program).
    pub(crate) fn digest(&self, program: &Arc<Program>, path: &Path) -> Option<String> {
        let key = Arc::as_ptr(program) as usize;
        // By the path's bytes: a `Path` hashes component by component.
        let bytes = path.as_os_str().as_encoded_bytes();
        if let Some(found) = lock(&self.digests).get(&key).and_then(|of| of.get(bytes)) {
            return found.clone();
        }
        let digest = program
            .load(path)
            .ok()
            .map(|file| inputs::file_digest(file.bytes()));
        lock(&self.digests)
            .entry(key)
            .or_default()
            .insert(bytes.into(), digest.clone());
        digest
    }

    /// Whether `target` may be reused: its entry in the record matches its
    /// parameters now, every import resolves as recorded, every file hashes
    /// as recorded and its directory holds exactly the recorded files:
    /// either its stamp is the recorded one (`stamps`, a worker's cursor:
    /// only for a `--cache` record) or its files are read and hash as
    /// recorded.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn reusable<'r>(
        &self,
        record: &'r Record,
        target: &Target,
        output: &Output,
        program: &Arc<Program>,
        policies: &[Policy],
        spelling: &Spelling,
        out_dir: &OutDir,
        stamps: Option<&mut StampCursor>,
    ) -> Option<Reuse<'r>> {
        let entry = self.same_inputs(record, target, output, program, policies, spelling)?;
        // The stamp is taken before the files are read, so an edit made
        // while they are read shows in the next one: by `stat` alone when
        // the record has the names of the files, else (or when that stamp
        // is not the recorded one) by listing the directory.
        let mut by_name = None;
        let stamp = stamps.and_then(|cursor| {
            if let (Some(recorded), Some(names)) = (&entry.stamp, &entry.stamp_names) {
                let now = out_dir
                    .stamp_target_named(cursor, &target.name, names)
                    .ok()
                    .flatten();
                by_name = Some(now.as_ref().is_some_and(|now| now.digest == *recorded));
                if by_name == Some(true) {
                    return now;
                }
            }
            out_dir.stamp_target_at(cursor, &target.name).ok().flatten()
        });
        if let (Some(now), Some(recorded)) = (&stamp, &entry.stamp) {
            if now.digest == *recorded {
                return Some(Reuse {
                    entry,
                    bytes: now.files.values().map(|size| *size as usize).sum(),
                    files: now.files.keys().cloned().collect(),
                    // The directory is as stamped, but the recorded names
                    // are not its files': the listing's are recorded.
                    new_stamp: (by_name == Some(false) && now.settled).then(|| now.kept()),
                });
            }
        }
        let tree = out_dir.read_target(&target.name).ok()??;
        if !tree.foreign.is_empty() || inputs::files_digest(&tree.files) != entry.outputs {
            return None;
        }
        let new_stamp = stamp
            .filter(|stamp| stamp.settled && Some(&stamp.digest) != entry.stamp.as_ref())
            .map(|stamp| stamp.kept());
        Some(Reuse {
            entry,
            bytes: tree.files.values().map(Vec::len).sum(),
            files: tree.files.into_keys().collect(),
            new_stamp,
        })
    }

    /// The record's entry for `target`, when its inputs are the same now:
    /// the same parameters, every import resolving to the same file through
    /// `program`, every file the entry, a policy or an import's result, and
    /// hashing the same.
    fn same_inputs<'r>(
        &self,
        record: &'r Record,
        target: &Target,
        output: &Output,
        program: &Arc<Program>,
        policies: &[Policy],
        spelling: &Spelling,
    ) -> Option<&'r TargetInputs> {
        let entry = record.targets.get(&target.name)?;
        let params = inputs::params_digest(
            target,
            output,
            policies,
            self.settings.max_stack,
            self.settings.hydrator_command.as_deref(),
            spelling,
        );
        if entry.params != params {
            return None;
        }
        // Looked up without copying the key: every target of an
        // application on every cluster asks about the same closure.
        let program_key = Arc::as_ptr(program) as usize;
        let same_policies = |paths: &[PathBuf]| {
            paths.len() == policies.len()
                && paths
                    .iter()
                    .zip(policies)
                    .all(|(path, policy)| *path == policy.path)
        };
        let known = lock(&self.closures_checked)
            .get(&program_key)
            .and_then(|closures| closures.get(entry.closure.as_str()))
            .and_then(|answers| {
                answers
                    .iter()
                    .find(|(file, paths, _)| *file == target.entry && same_policies(paths))
                    .map(|(_, _, holds)| *holds)
            });
        if let Some(holds) = known {
            return holds.then_some(entry);
        }
        let holds = self.closure_holds(
            record.closures.get(&entry.closure)?,
            target,
            program,
            policies,
            spelling,
        );
        lock(&self.closures_checked)
            .entry(program_key)
            .or_default()
            .entry(entry.closure.clone())
            .or_default()
            .push((
                target.entry.clone(),
                policies.iter().map(|policy| policy.path.clone()).collect(),
                holds,
            ));
        holds.then_some(entry)
    }

    /// Whether every import of `closure` resolves as recorded through
    /// `program`, every file is `target`'s entry, a policy or an import's
    /// result, and hashes as recorded.
    fn closure_holds(
        &self,
        closure: &Closure,
        target: &Target,
        program: &Arc<Program>,
        policies: &[Policy],
        spelling: &Spelling,
    ) -> bool {
        for (from, path, resolved) in &closure.imports {
            let from = from.as_deref().map(|from| spelling.real(from));
            let found = program.resolve(from.as_deref(), path);
            if found.and_then(|found| spelling.record(&found)).as_ref() != Some(resolved) {
                return false;
            }
        }
        if !closure.files_are_accounted_for(target, policies, spelling) {
            return false;
        }
        closure.files.iter().all(|(path, digest)| {
            self.digest(program, &spelling.real(path)).as_ref() == Some(digest)
        })
    }

    /// The targets of `batch` whose inputs differ from what `record` says
    /// (or that it does not hold), in the batch's order: what must be
    /// evaluated to know their files now, the rest being the record's
    /// (`outputs`). For a fleet diff between revisions, with a record made
    /// at the first ([`Renderer::render_recorded`]) and a renderer whose
    /// importer reads the second. The record's build must be this
    /// renderer's (`Record::parse` checks it when reading one).
    pub fn changed_targets<'b>(
        &self,
        batch: &Batch<'b>,
        record: &Record,
    ) -> Result<Vec<&'b Target>, Error> {
        let mut changed = Vec::new();
        let spelling = Spelling::new(batch.plan_dir);
        let programs = self.programs_of(&batch.targets)?;
        for ((target, output), program) in batch.targets.iter().zip(&batch.outputs).zip(&programs) {
            let same = record.build == self.settings.build
                && self
                    .same_inputs(record, target, output, program, batch.policies, &spelling)
                    .is_some();
            if !same {
                changed.push(*target);
            }
        }
        Ok(changed)
    }

    /// Renders a batch in memory, as [`Renderer::render`], and records the
    /// targets that rendered without a policy violation: their inputs,
    /// and the digest of the files in their report.
    pub fn render_recorded(
        &self,
        batch: &Batch<'_>,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<(Vec<TargetReport>, Record), Error> {
        let incremental = Incremental::new(None, true, false, batch.plan_dir);
        let reports = self.run(batch, Sink::Memory, Some(&incremental), None, progress)?;
        let mut record = Record::new(&self.settings.build);
        for (name, inputs, closure) in incremental.into_found().evaluated {
            record.insert_shared(name, inputs, &closure.1);
        }
        Ok((reports, record))
    }

    /// Records a target just written: its parameters, what it read, its
    /// files and, when they were there already, its directory's `stamp`. A target whose reads cannot all be recorded (a path that
    /// is not UTF-8) is left out, so the next render evaluates it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &self,
        incr: &Incremental<'_>,
        target: &Target,
        output: &Output,
        program: &Arc<Program>,
        policies: &[Policy],
        rendered: &Rendered,
        reads: &kcfg_lang::eval::Reads,
        stamp: Option<KeptStamp>,
    ) {
        let address = Arc::as_ptr(program) as usize;
        let hash = reads_hash(address, reads);
        let made = lock(&incr.closures).get(&hash).and_then(|made| {
            made.iter()
                .find(|made| made.program == address && made.reads.same_as(reads))
                .map(|made| made.closure.clone())
        });
        let closure = match made {
            Some(closure) => closure,
            None => {
                let Some(closure) =
                    Closure::from_reads(reads, &incr.spelling, |path| self.digest(program, path))
                else {
                    return;
                };
                let closure = Arc::new((closure.digest(), closure));
                lock(&incr.closures)
                    .entry(hash)
                    .or_default()
                    .push(MadeClosure {
                        program: address,
                        reads: reads.clone(),
                        closure: closure.clone(),
                    });
                closure
            }
        };
        let inputs = TargetInputs {
            closure: closure.0.clone(),
            params: inputs::params_digest(
                target,
                output,
                policies,
                self.settings.max_stack,
                self.settings.hydrator_command.as_deref(),
                &incr.spelling,
            ),
            outputs: inputs::files_digest(&rendered.files),
            objects: rendered.objects.len(),
            stamp_names: stamp.as_ref().and_then(|stamp| stamp.names.clone()),
            stamp: stamp.map(|stamp| stamp.digest),
            vouched: false,
        };
        lock(&incr.found)
            .evaluated
            .push((target.name.clone(), inputs, closure));
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
