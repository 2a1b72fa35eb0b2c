//! The worker stage of a render: the batch's targets on a pool of threads
//! with the evaluator's stack ([`crate::threads`]), each evaluated in its
//! own arena ([`crate::target`]), or reused from the input record
//! ([`crate::reuse`]), then kept in memory, written or compared.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use std::sync::Arc;

use kcfg_lang::program::Program;
use rayon::prelude::*;

use crate::check;
use crate::error::{Error, Failure};
use crate::outdir::{OutDir, StampCursor, TargetStamp, Written};
use crate::output::Output;
use crate::plan::Target;
use crate::policy::Policy;
use crate::reuse::{lock, Incremental};
use crate::target;
use crate::threads;

use super::{Batch, Event, Renderer, Status, TargetReport};

/// How many targets a worker takes at a time, at most.
const PIECE: usize = 4;

/// What a rendered target is done with.
#[derive(Clone, Copy)]
pub(crate) enum Sink<'s> {
    Memory,
    Write(&'s OutDir),
    Check(&'s OutDir),
}
impl Renderer {
    /// Renders the batch's targets, on a pool of worker threads when there
    /// is more than one target and more than one job, else on this thread;
    /// with their `programs` when the caller has them
    /// ([`Renderer::programs_of`]).
    pub(crate) fn run(
        &self,
        batch: &Batch<'_>,
        sink: Sink<'_>,
        incremental: Option<&Incremental<'_>>,
        programs: Option<Vec<Arc<Program>>>,
        progress: &(dyn Fn(Event<'_>) + Sync),
    ) -> Result<Vec<TargetReport>, Error> {
        let programs = match programs {
            Some(programs) => programs,
            None => self.programs_of(&batch.targets)?,
        };
        let count = batch.targets.len();
        progress(Event::Started { targets: count });
        let stop = AtomicBool::new(false);
        let one =
            |cursor: &mut StampCursor,
             ((target, output), program): ((&&Target, &Output), &Arc<Program>)| {
                let report = if stop.load(Ordering::Relaxed) {
                    TargetReport::skipped(&target.name)
                } else {
                    let report = self.render_one(
                        target,
                        output,
                        program,
                        batch.policies,
                        sink,
                        incremental,
                        cursor,
                    );
                    if batch.fail_fast && report.status.is_failure() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    report
                };
                progress(Event::TargetDone(&report));
                report
            };
        let reports = if count > 1 && self.settings.jobs > 1 {
            let jobs = self.settings.jobs.min(count);
            let pool = threads::pool(jobs).map_err(Error::Threads)?;
            // One stamp cursor per worker, kept across the pieces it takes:
            // the pieces are small, so that a worker that is done takes
            // part of another's (a target evaluated costs a hundred reused
            // ones, and they are not spread evenly in the plan).
            let cursors: Vec<Mutex<StampCursor>> = (0..jobs).map(|_| Mutex::default()).collect();
            pool.install(|| {
                batch
                    .targets
                    .par_iter()
                    .zip(batch.outputs.par_iter())
                    .zip(programs.par_iter())
                    .with_max_len(PIECE)
                    .map(|item| {
                        // A worker's own cursor is free unless this worker
                        // is inside a target already (a target that waited
                        // on work of its own): then it takes a fresh one,
                        // never waiting on itself.
                        let worker = rayon::current_thread_index().unwrap_or(0) % jobs;
                        match cursors[worker].try_lock() {
                            Ok(mut cursor) => one(&mut cursor, item),
                            Err(_) => one(&mut StampCursor::default(), item),
                        }
                    })
                    .collect()
            })
        } else {
            let mut cursor = StampCursor::default();
            batch
                .targets
                .iter()
                .zip(&batch.outputs)
                .zip(&programs)
                .map(|item| one(&mut cursor, item))
                .collect()
        };
        Ok(reports)
    }

    #[allow(clippy::too_many_arguments)]
    fn render_one(
        &self,
        target: &Target,
        output: &Output,
        program: &Arc<Program>,
        policies: &[Policy],
        sink: Sink<'_>,
        incremental: Option<&Incremental<'_>>,
        cursor: &mut StampCursor,
    ) -> TargetReport {
        let started = Instant::now();
        let mut report = TargetReport {
            evaluated: true,
            ..TargetReport::skipped(&target.name)
        };
        let out_dir = match sink {
            Sink::Memory => None,
            Sink::Write(out_dir) | Sink::Check(out_dir) => Some(out_dir),
        };
        // An incremental render: the directory already holds what a full
        // render would write.
        let reuse = incremental.and_then(|incr| Some((incr, incr.reuse?, out_dir?)));
        if let Some((incr, record, out_dir)) = reuse {
            if let Some(reuse) = self.reusable(
                record,
                target,
                output,
                program,
                policies,
                &incr.spelling,
                out_dir,
                incr.stamps.then_some(&mut *cursor),
            ) {
                report.evaluated = false;
                report.objects = reuse.entry.objects;
                report.bytes = reuse.bytes;
                report.files = reuse.files;
                report.status = match sink {
                    Sink::Check(_) => Status::Same,
                    _ => Status::Written(Written::Unchanged),
                };
                if incr.record {
                    lock(&incr.found)
                        .reused
                        .insert(target.name.clone(), reuse.new_stamp);
                }
                report.elapsed = started.elapsed();
                return report;
            }
        }
        let record = incremental.is_some_and(|incr| incr.record);
        let (result, reads) =
            target::render(target, output, program, &self.settings, policies, record);
        // With a cache, the directory's stamp before it is compared with
        // (or written over by) the files: recorded when they were already
        // there and it is settled (see `outdir::stamp`).
        let mut stamp = || {
            let out_dir = out_dir.filter(|_| incremental.is_some_and(|i| i.record && i.stamps))?;
            out_dir.stamp_target_at(cursor, &target.name).ok().flatten()
        };
        let settled = |stamp: Option<TargetStamp>| {
            stamp
                .filter(|stamp| stamp.settled)
                .map(|stamp| stamp.kept())
        };
        report.status = match result {
            Err(failure) => Status::Failed(failure),
            Ok(rendered) => {
                report.objects = rendered.objects.len();
                report.files = rendered.files.keys().cloned().collect();
                report.bytes = rendered.bytes();
                match sink {
                    Sink::Memory => {
                        if let (Some(incr), Some(reads)) = (incremental, &reads) {
                            if rendered.violations.is_empty() {
                                self.record(
                                    incr, target, output, program, policies, &rendered, reads, None,
                                );
                            }
                        }
                        Status::Rendered(Box::new(rendered))
                    }
                    _ if !rendered.violations.is_empty() => Status::Violations(rendered.violations),
                    Sink::Check(out_dir) => match (stamp(), out_dir.read_target(&target.name)) {
                        (stamp, Ok(on_disk)) => {
                            let shown = out_dir.target_path(&target.name).display().to_string();
                            match check::compare(&shown, on_disk.as_ref(), &rendered.files) {
                                None => {
                                    if let (Some(incr), Some(reads)) = (incremental, &reads) {
                                        self.record(
                                            incr,
                                            target,
                                            output,
                                            program,
                                            policies,
                                            &rendered,
                                            reads,
                                            settled(stamp),
                                        );
                                    }
                                    Status::Same
                                }
                                Some(difference) => Status::Differs(Box::new(difference)),
                            }
                        }
                        (_, Err(err)) => Status::Failed(Failure::Output(err)),
                    },
                    Sink::Write(out_dir) => {
                        let stamp = stamp();
                        match out_dir.write_target(&target.name, &rendered.files) {
                            Ok(written) => {
                                if let (Some(incr), Some(reads)) = (incremental, &reads) {
                                    let stamp = match written {
                                        Written::Unchanged => settled(stamp),
                                        _ => None,
                                    };
                                    self.record(
                                        incr, target, output, program, policies, &rendered, reads,
                                        stamp,
                                    );
                                }
                                Status::Written(written)
                            }
                            Err(err) => Status::Failed(Failure::Output(err)),
                        }
                    }
                }
            }
        };
        report.elapsed = started.elapsed();
        report
    }
}

impl TargetReport {
    /// A target not rendered (yet): skipped, nothing evaluated or written.
    fn skipped(name: &str) -> TargetReport {
        TargetReport {
            name: name.to_string(),
            status: Status::Skipped,
            objects: 0,
            files: Vec::new(),
            bytes: 0,
            elapsed: Duration::ZERO,
            evaluated: false,
        }
    }
}
