//! The output-directory stage of a render (`Renderer::write`, `check` and
//! `prune_shards`): everything is checked before anything changes (the
//! marker, every path, the mass-delete guard), then, holding the lock, the
//! leftovers and stale targets go, the targets are rendered (or reused from
//! the input record, [`crate::reuse`]) and the marker and record are
//! written. See "What `kcfg render` owns" in ARCHITECTURE.md.

use std::collections::BTreeSet;
use std::time::Instant;

use rayon::slice::ParallelSliceMut as _;
use rustc_hash::FxHashSet;

use crate::error::{Error, MassDelete};
use crate::inputs::{self, Record, RECORD_LIMIT};
use crate::outdir::{self, OutDir, RootFile};
use crate::plan::{Plan, Selection};
use crate::reuse::{self, Incremental, Records};

use super::{Batch, Destination, DirReport, Event, Renderer, Sink, Status};

/// What a render into an output directory does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Render and write.
    Write,
    /// Render and compare.
    Check,
    /// Render nothing; remove stale targets and fold the shards' markers.
    Prune,
}
impl Renderer {
    pub(super) fn render_dir(
        &self,
        plan: &Plan,
        destination: &Destination,
        opened: Option<OutDir>,
        mode: Mode,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<DirReport, Error> {
        let started = Instant::now();
        let check = mode == Mode::Check;
        let shard = destination.shard.filter(|_| mode != Mode::Prune);
        let mut batch = Batch::from_plan(plan, &destination.selection, &destination.overrides)?;
        batch.fail_fast = destination.fail_fast;
        if mode == Mode::Prune {
            batch.targets.clear();
            batch.outputs.clear();
        }
        if let Some(shard) = shard {
            let (targets, outputs) = batch
                .targets
                .iter()
                .zip(&batch.outputs)
                .filter(|(target, _)| shard.contains(&target.name))
                .map(|(target, output)| (*target, output.clone()))
                .unzip();
            batch.targets = targets;
            batch.outputs = outputs;
        }
        let root = &destination.root;
        let mut out_dir = match opened {
            // Opened while the plan loaded: a write reads the marker again
            // once it holds the lock, a check reads it again now (what it
            // checked is kept, and not checked again while the same).
            Some(mut out_dir) => {
                if check {
                    out_dir.reload().map_err(Error::OutDir)?;
                }
                out_dir
            }
            None => OutDir::open(root, destination.follow_root).map_err(Error::OutDir)?,
        };
        let in_plan: FxHashSet<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
        let written_names: Vec<&str> = batch.targets.iter().map(|t| t.name.as_str()).collect();
        let selection = &destination.selection;
        // A shard that writes removes nothing (the targets may be another
        // shard's, or another machine's); one that checks reports the
        // stale targets of its own bucket, so the shards together report
        // them all.
        let stale_of = |listed: &BTreeSet<String>| match shard {
            Some(_) if !check => Vec::new(),
            Some(shard) => stale_targets(selection, listed, &in_plan)
                .into_iter()
                .filter(|name| shard.contains(name))
                .collect(),
            None => stale_targets(selection, listed, &in_plan),
        };
        let mut stale = stale_of(&out_dir.listed);
        // Every path this run may read, write or delete is checked before
        // anything changes: a check's first, a write's once it holds the
        // lock, when no other render can change them any more.
        let check_paths = |out_dir: &OutDir, stale: &[String]| {
            out_dir
                .check_paths(
                    written_names
                        .iter()
                        .copied()
                        .chain(stale.iter().map(String::as_str)),
                )
                .map_err(Error::OutDir)
        };
        let leftovers_of = |out_dir: &OutDir| {
            out_dir
                .leftovers(
                    out_dir
                        .listed
                        .iter()
                        .map(String::as_str)
                        .chain(in_plan.iter().copied()),
                )
                .map_err(Error::OutDir)
        };
        let lock_path = root.join(outdir::LOCK);
        let mut waiting = |holder: Option<u32>| {
            progress(Event::WaitingForLock {
                lock: &lock_path,
                holder,
            })
        };
        // The input records (read holding the lock, or, for a check,
        // once no render holds it, while the paths are checked: neither
        // changes anything): the base a target may be reused from, and
        // what a write carries over for the targets it does not render.
        let cache = destination.cache.as_deref();
        // What a check proves must not rest on a record that came with the
        // output it checks (see `inputs`): it reuses only a cache's, and
        // without one reads none.
        let trusted = !check || cache.is_some();
        let rendering: FxHashSet<&str> = written_names.iter().copied().collect();
        // A write with the default cache keeps the output's record too.
        let beside = !check && cache.is_some() && destination.keep_output_record;
        let records_of = |out_dir: &OutDir| {
            // Without reuse, a record is read only to keep the entries of
            // listed targets this run does not render.
            let carry = out_dir
                .listed
                .iter()
                .any(|name| !rendering.contains(name.as_str()));
            if trusted && (destination.incremental || carry) {
                self.read_records(out_dir, cache, shard, beside)
            } else {
                Records {
                    merged: Record::new(&self.settings.build),
                    ignored: Vec::new(),
                    only_own: false,
                    own: None,
                }
            }
        };
        // The targets' programs (the project search looks at the disk) are
        // made meanwhile too.
        let programs_of = || self.programs_of(&batch.targets);
        let mut leftovers = Vec::new();
        let mut lock = None;
        let records;
        let programs;
        if check {
            check_paths(&out_dir, &stale)?;
            // A check writes nothing, not even the lock: it waits for a
            // render that holds it, and reports one that left it behind.
            leftovers.extend(
                out_dir
                    .wait_for_render(&mut waiting, destination.lock_timeout)
                    .map_err(Error::OutDir)?,
            );
            let (found, (read, made)) = rayon::join(
                || leftovers_of(&out_dir),
                || rayon::join(|| records_of(&out_dir), programs_of),
            );
            leftovers.extend(found?);
            records = read;
            programs = made?;
        } else {
            mass_delete_guard(destination, plan, &out_dir, &stale)?;
            lock = Some(
                out_dir
                    .lock(&mut waiting, destination.lock_timeout)
                    .map_err(Error::OutDir)?,
            );
            // Another render may have changed the marker while this one
            // waited.
            let (checked, (read, made)) = rayon::join(
                || {
                    let stale = stale_of(&out_dir.listed);
                    check_paths(&out_dir, &stale)?;
                    mass_delete_guard(destination, plan, &out_dir, &stale)?;
                    Ok::<_, Error>((stale, leftovers_of(&out_dir)?))
                },
                || rayon::join(|| records_of(&out_dir), programs_of),
            );
            (stale, leftovers) = checked?;
            records = read;
            programs = made?;
            out_dir
                .remove_leftovers(&leftovers)
                .map_err(Error::OutDir)?;
            // The marker lists what this run is about to write before it is
            // written, so a render that is killed leaves no directory kcfg
            // does not know as its own. A shard lists its targets in a
            // marker of its own, which no other shard writes.
            match shard {
                Some(shard) => {
                    let mut intent = out_dir
                        .shard_listed
                        .get(&shard)
                        .cloned()
                        .unwrap_or_default();
                    intent.extend(written_names.iter().map(|name| name.to_string()));
                    out_dir
                        .write_shard_marker(shard, &intent)
                        .map_err(Error::OutDir)?;
                }
                None => {
                    let mut intent = out_dir.listed.clone();
                    intent.extend(written_names.iter().map(|name| name.to_string()));
                    out_dir.write_marker(&intent).map_err(Error::OutDir)?;
                }
            }
            // Stale targets go first: a new target may be written where an
            // old one's directory was (`a` then `a/b`, or the reverse).
            for name in &stale {
                out_dir.remove_target(name).map_err(|err| {
                    Error::OutDir(format!("cannot remove the stale target {name}: {err}"))
                })?;
            }
        }

        let Records {
            merged: base,
            ignored: records_ignored,
            only_own,
            own,
        } = records;
        // What a check proves rests only on what kcfg found itself.
        let mut base = base;
        if check {
            base.drop_vouched();
        }
        let incremental = Incremental::new(
            (destination.incremental && trusted).then_some(&base),
            mode == Mode::Write || (check && cache.is_some()),
            // Only the cache's records are read then (`read_records`).
            cache.is_some(),
            batch.plan_dir,
        );
        let sink = if check {
            Sink::Check(&out_dir)
        } else {
            Sink::Write(&out_dir)
        };
        let mut reports = self.run(&batch, sink, Some(&incremental), Some(programs), progress)?;

        if !check {
            // The marker lists what is on disk: the targets listed before,
            // less the stale ones just removed, plus those written now (a
            // failed target keeps its old directory, and its entry). An
            // unsharded run folds the shards' markers into the main one,
            // then removes them.
            let mut listed = match shard {
                Some(shard) => out_dir
                    .shard_listed
                    .get(&shard)
                    .cloned()
                    .unwrap_or_default(),
                None => out_dir.listed.clone(),
            };
            for name in &stale {
                listed.remove(name);
            }
            for report in &reports {
                if matches!(report.status, Status::Written(_)) && !listed.contains(&report.name) {
                    listed.insert(report.name.clone());
                }
            }
            // The record: the targets rendered now that were written (or
            // reused), and the recorded targets this run did not look at
            // that are still listed.
            let found = incremental.into_found();
            let evaluated: BTreeSet<String> = match beside {
                true => found
                    .evaluated
                    .iter()
                    .map(|(name, ..)| name.clone())
                    .collect(),
                false => BTreeSet::new(),
            };
            let (record, changed) = reuse::next_record(base, found, &listed, &written_names);
            let record_file = match shard {
                Some(shard) => RootFile::ShardInputs(shard),
                None => RootFile::Inputs,
            };
            match shard {
                Some(shard) => out_dir
                    .write_shard_marker(shard, &listed)
                    .map_err(Error::OutDir)?,
                None => out_dir.write_marker(&listed).map_err(Error::OutDir)?,
            }
            // A record that would be written with what its file holds is
            // not serialized again (a render that changed nothing writes
            // nothing; `write_root_file` skips identical content too).
            match (cache, beside) {
                (Some(dir), true) => {
                    // Both records, each only when it would change: the
                    // output's without stamps, then the cache's with the
                    // stamps (the output record's too) and only what kcfg
                    // found itself.
                    let own = own.unwrap_or_default();
                    let cache_file = inputs::cache_file(dir, root, shard);
                    // The cache's record alone holds only entries kcfg
                    // found itself (or vouched ones, still marked).
                    let for_cache = |record: Record| match own.cache_alone {
                        true => record,
                        false => own.for_cache(&record, &evaluated),
                    };
                    if changed {
                        // The output's is serialized first: the cache's
                        // keeps its digest, and its stamp when the file
                        // holds it already (only stamps changed, which the
                        // output's has none of). Then both are written at
                        // once.
                        // The file as it is (its stamp taken before it
                        // is read: see `keep_output_record`), read while
                        // the record is serialized.
                        let (bytes, (settled, old)) = rayon::join(
                            || record.to_bytes_unstamped(),
                            || {
                                let settled = out_dir.settled_stamp_of(&record_file);
                                let old = out_dir.read_root_file(&record_file, RECORD_LIMIT);
                                (settled, old.ok().flatten())
                            },
                        );
                        let settled = settled.map_err(Error::OutDir)?;
                        let holds = old.is_some_and(|old| old == bytes);
                        let mut cached = for_cache(record);
                        cached.output_stamp = settled.filter(|_| holds);
                        cached.output_digest = Some(inputs::file_digest(&bytes));
                        let (output, cache) = rayon::join(
                            // Compared already: written only when it differs.
                            || match holds {
                                true => Ok(()),
                                false => out_dir.replace_root_file(&record_file, &bytes),
                            },
                            || match own.cache.as_ref() == Some(&cached) {
                                true => Ok(()),
                                false => inputs::write_cache(&cache_file, &cached),
                            },
                        );
                        output.map_err(Error::OutDir)?;
                        cache.map_err(Error::OutDir)?;
                    } else {
                        let kept = keep_output_record(&out_dir, &record_file, &record, &own)?;
                        // The record is the cache's, unchanged: nothing to
                        // write there.
                        let same = own.cache_alone
                            && record.output_stamp == kept.stamp
                            && record.output_digest == kept.digest;
                        if !same {
                            let mut cached = for_cache(record);
                            cached.output_stamp = kept.stamp;
                            cached.output_digest = kept.digest;
                            if own.cache.as_ref() != Some(&cached) {
                                inputs::write_cache(&cache_file, &cached).map_err(Error::OutDir)?;
                            }
                        }
                    }
                }
                _ if !changed && only_own => {}
                (Some(dir), false) => {
                    inputs::write_cache(&inputs::cache_file(dir, root, shard), &record)
                        .map_err(Error::OutDir)?
                }
                (None, _) => {
                    out_dir
                        .write_root_file(&record_file, &record.to_bytes())
                        .map_err(Error::OutDir)?;
                }
            }
            if shard.is_none() {
                out_dir.remove_shard_files().map_err(Error::OutDir)?;
            }
        } else if let Some(dir) = cache {
            // A check with a cache records the targets found identical, for
            // the next check (the output directory is not touched).
            let found = incremental.into_found();
            let (record, changed) =
                reuse::next_record(base, found, &out_dir.listed, &written_names);
            if changed || !only_own {
                inputs::write_cache(&inputs::cache_file(dir, root, shard), &record)
                    .map_err(Error::OutDir)?;
            }
        }
        drop(lock);
        // Names are unique; at a thousand clusters a sort on one core is
        // milliseconds.
        reports.par_sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(DirReport {
            root: root.clone(),
            check,
            targets: reports,
            stale,
            leftovers,
            empty_generators: plan.empty_generators.clone(),
            elapsed: started.elapsed(),
            incremental: destination.incremental && trusted,
            records_ignored,
        })
    }
}

/// What the cache's record keeps of the output directory's record file
/// ([`Record::output_stamp`], [`Record::output_digest`]).
#[derive(Debug, Default)]
struct KeptOutput {
    stamp: Option<String>,
    digest: Option<String>,
}

/// Keeps the output directory's record (`file`) current beside the
/// cache's when this run did not change the record: it is `record` without
/// stamps, written again only when its bytes are not that. Returns what to
/// keep of the file in the cache's record: when the cache's record is the
/// one read (the output's not read: [`reuse::OwnRecords::cache_alone`]),
/// the same stamp, or else the same digest of the file's bytes, shows the
/// file current without serializing the record.
fn keep_output_record(
    out_dir: &OutDir,
    file: &RootFile,
    record: &Record,
    own: &reuse::OwnRecords,
) -> Result<KeptOutput, Error> {
    // Taken before the file is read, so that an edit made while it is read
    // shows in the next stamp.
    let settled = out_dir.settled_stamp_of(file).map_err(Error::OutDir)?;
    if own.cache_alone {
        if settled.is_some() && settled == record.output_stamp {
            return Ok(KeptOutput {
                stamp: settled,
                digest: record.output_digest.clone(),
            });
        }
        // Too recent (or changed) for its stamp to stand: its bytes, read
        // and hashed, are the record's as last written. A file that cannot
        // be read is left to the write below, which says why.
        if let Some(digest) = &record.output_digest {
            let bytes = out_dir.read_root_file(file, RECORD_LIMIT).ok().flatten();
            if bytes.is_some_and(|bytes| inputs::file_digest(&bytes) == *digest) {
                return Ok(KeptOutput {
                    stamp: settled,
                    digest: Some(digest.clone()),
                });
            }
        }
    }
    let mut unstamped = record.clone();
    unstamped.forget_stamps();
    if own.output.as_ref() == Some(&unstamped) {
        // Read already, after a stamp of its own.
        return Ok(KeptOutput {
            stamp: own
                .output_stamp
                .clone()
                .filter(|_| settled == own.output_stamp),
            digest: None,
        });
    }
    let bytes = unstamped.to_bytes();
    let wrote = out_dir
        .write_root_file(file, &bytes)
        .map_err(Error::OutDir)?;
    Ok(KeptOutput {
        stamp: settled.filter(|_| !wrote),
        digest: Some(inputs::file_digest(&bytes)),
    })
}

/// The listed targets that left the plan. Targets the selection does not
/// select are not stale: this run does not look at them.
fn stale_targets(
    selection: &Selection,
    listed: &BTreeSet<String>,
    in_plan: &FxHashSet<&str>,
) -> Vec<String> {
    listed
        .iter()
        .filter(|name| !in_plan.contains(name.as_str()) && selection.matches(name))
        .cloned()
        .collect()
}

/// Refuses a render that would remove more than the allowed share of the
/// listed targets (of those the selection selects), or any target while a
/// generator made none, unless mass deletes are allowed (issue 13: a typo
/// in a glob removed 673 of 683 targets).
fn mass_delete_guard(
    destination: &Destination,
    plan: &Plan,
    out_dir: &OutDir,
    stale: &[String],
) -> Result<(), Error> {
    if destination.allow_mass_delete || stale.is_empty() {
        return Ok(());
    }
    let mass = MassDelete {
        stale: stale.to_vec(),
        listed: out_dir
            .listed
            .iter()
            .filter(|name| destination.selection.matches(name))
            .count(),
        marker: out_dir.root.join(outdir::MARKER),
        max_prune_ratio: destination.max_prune_ratio,
        empty_generators: plan.empty_generators.clone(),
    };
    if mass.over_ratio() || !mass.empty_generators.is_empty() {
        return Err(mass.into());
    }
    Ok(())
}
