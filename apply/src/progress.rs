//! Progress: what a run is doing while it runs, as events, and the plain
//! line log that CI sees (issue 16).
//!
//! The engine and the fleet report [`Event`]s through a [`Progress`]
//! callback, per cluster. The CLI draws them as spinners on a terminal; when
//! standard error is not a terminal it hands them to a [`LineLog`], which
//! turns them into plain lines:
//!
//! * one line when a wave starts and one when it is finished (applied and,
//!   when waiting, healthy), and one when a target or a cluster is done;
//! * while a cluster is busy and has said nothing for the log's interval
//!   (10 s in the CLI), a line saying what it is doing, and when it waits
//!   for health, which objects are not ready yet and why.
//!
//! So a CI log never shows minutes of silence before a time-out: the last
//! lines name what the run was waiting for. The interval is a parameter so
//! that tests can use milliseconds.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Something a run on one cluster did or is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A step without a line of its own ("reading ApplySet parent",
    /// "planning", "pruning …"): the status a heartbeat shows.
    Step(String),
    /// A target (one ApplySet) starts.
    TargetStarted {
        /// `cluster/app`, or `.`.
        target: String,
    },
    /// A wave starts being applied.
    WaveStarted {
        /// The target.
        target: String,
        /// The sync wave.
        wave: i64,
        /// Objects in the wave.
        objects: usize,
    },
    /// A wave was applied and, when the run waits, is healthy.
    WaveFinished {
        /// The target.
        target: String,
        /// The sync wave.
        wave: i64,
        /// Objects in the wave.
        objects: usize,
        /// From the wave's start.
        elapsed: Duration,
    },
    /// Objects are not ready yet (sent after every health poll).
    Waiting {
        /// The target.
        target: String,
        /// What the run waits for: `wave 0`, `CRDs to be established`.
        what: String,
        /// The objects not ready, each with its health: `Deployment.apps
        /// web/api (Progressing: …)`.
        objects: Vec<String>,
    },
    /// A target is done: its counts, or why it failed.
    TargetFinished {
        /// The target.
        target: String,
        /// `2 create, 1 update, 0 prune, 5 unchanged in 3.1s`, or `failed: …`.
        summary: String,
    },
    /// The cluster is done: `ok`, `changed`, `failed` or `unreachable`.
    ClusterDone {
        /// [`crate::report::ClusterReport::status`].
        status: &'static str,
    },
}

/// How many objects a waiting line names before "and N more".
const NAMED_OBJECTS: usize = 5;

fn objects_text(objects: &[String]) -> String {
    let mut text = objects
        .iter()
        .take(NAMED_OBJECTS)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if objects.len() > NAMED_OBJECTS {
        text.push_str(&format!(" and {} more", objects.len() - NAMED_OBJECTS));
    }
    text
}

impl fmt::Display for Event {
    /// The event as a status: what a spinner shows after the cluster's name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Step(step) => f.write_str(step),
            Event::TargetStarted { target } => write!(f, "{target}: starting"),
            Event::WaveStarted { wave, objects, .. } => {
                write!(f, "applying wave {wave} ({})", plural(*objects, "object"))
            }
            Event::WaveFinished {
                wave,
                objects,
                elapsed,
                ..
            } => write!(
                f,
                "wave {wave} done ({} in {:.1}s)",
                plural(*objects, "object"),
                elapsed.as_secs_f64()
            ),
            Event::Waiting { what, objects, .. } => {
                write!(f, "waiting for {what}: {}", objects_text(objects))
            }
            Event::TargetFinished { target, summary } => write!(f, "{target}: {summary}"),
            Event::ClusterDone { status } => write!(f, "done: {status}"),
        }
    }
}

/// `1 object`, `2 objects`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Receives progress events per cluster (the cluster's name, the event); the
/// CLI shows them, tests collect or ignore them.
pub type Progress = Arc<dyn Fn(&str, &Event) + Send + Sync>;

/// A progress sink that drops everything.
pub fn no_progress() -> Progress {
    Arc::new(|_, _| {})
}

/// `target: ` before a line about a target; nothing for the single
/// directory's `.`, whose cluster is named after its context.
fn prefix(target: &str) -> String {
    if target == "." {
        String::new()
    } else {
        format!("{target}: ")
    }
}

/// What a busy cluster is doing, for the heartbeat.
struct Busy {
    /// The target in flight, once one started.
    target: Option<String>,
    /// What it is doing, as in "still planning".
    status: String,
    /// What it waits for and the objects not ready, while it waits.
    waiting: Option<(String, String)>,
    /// When the status's phase began (a target, a wave, a step).
    phase_since: Instant,
    /// When a line about this cluster was last written.
    last_line: Instant,
}

impl Busy {
    /// The heartbeat: what the cluster has been doing, and for how long.
    fn heartbeat(&self, cluster: &str, now: Instant) -> String {
        let target = self.target.as_deref().map(prefix).unwrap_or_default();
        let secs = now.duration_since(self.phase_since).as_secs();
        match &self.waiting {
            Some((what, objects)) => {
                format!("{cluster}: {target}still waiting after {secs}s for {what}: {objects}")
            }
            None => {
                let status = if self.status.is_empty() {
                    "connecting"
                } else {
                    &self.status
                };
                format!("{cluster}: {target}still {status} ({secs}s)")
            }
        }
    }
}

struct LogState {
    sink: Box<dyn FnMut(&str) + Send>,
    busy: BTreeMap<String, Busy>,
}

/// Turns progress events into plain lines for logs (see the module's
/// documentation). Lines go to the sink without a trailing newline.
pub struct LineLog {
    interval: Duration,
    state: Mutex<LogState>,
}

impl LineLog {
    /// A log that writes a heartbeat for a cluster silent for `interval`.
    pub fn new(interval: Duration, sink: impl FnMut(&str) + Send + 'static) -> Arc<LineLog> {
        Arc::new(LineLog {
            interval,
            state: Mutex::new(LogState {
                sink: Box::new(sink),
                busy: BTreeMap::new(),
            }),
        })
    }

    /// The callback to hand to the engine or the fleet.
    pub fn progress(self: &Arc<Self>) -> Progress {
        let log = self.clone();
        Arc::new(move |cluster, event| log.event(cluster, event))
    }

    /// Records an event, writing its line if it has one.
    pub fn event(&self, cluster: &str, event: &Event) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let LogState { sink, busy } = &mut *state;
        if let Event::ClusterDone { status } = event {
            busy.remove(cluster);
            sink(&format!("{cluster}: done: {status}"));
            return;
        }
        let entry = busy.entry(cluster.to_string()).or_insert_with(|| Busy {
            target: None,
            status: String::new(),
            waiting: None,
            phase_since: now,
            last_line: now,
        });
        if !matches!(event, Event::Waiting { .. }) {
            entry.waiting = None;
        }
        let line = match event {
            Event::Step(step) => {
                entry.status = step.clone();
                entry.phase_since = now;
                None
            }
            Event::TargetStarted { target } => {
                entry.target = Some(target.clone());
                entry.status = "starting".into();
                entry.phase_since = now;
                None
            }
            Event::WaveStarted { target, .. } => {
                entry.status = event.to_string();
                entry.phase_since = now;
                Some(format!("{cluster}: {}{event}", prefix(target)))
            }
            Event::WaveFinished { target, wave, .. } => {
                entry.status = format!("working after wave {wave}");
                entry.phase_since = now;
                Some(format!("{cluster}: {}{event}", prefix(target)))
            }
            Event::TargetFinished { target, summary } => {
                entry.target = None;
                entry.status = "finishing".into();
                entry.phase_since = now;
                Some(format!("{cluster}: {}{summary}", prefix(target)))
            }
            Event::Waiting { what, objects, .. } => {
                entry.waiting = Some((what.clone(), objects_text(objects)));
                (now.duration_since(entry.last_line) >= self.interval)
                    .then(|| entry.heartbeat(cluster, now))
            }
            Event::ClusterDone { .. } => None,
        };
        if let Some(line) = line {
            entry.last_line = now;
            sink(&line);
        }
    }

    /// Writes a heartbeat for every busy cluster that has been silent for
    /// the interval: what it is doing and for how long. The CLI calls this
    /// every second from a thread, so a step that sends no events (a slow
    /// request, its retries) is visible too.
    pub fn tick(&self) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let LogState { sink, busy } = &mut *state;
        for (cluster, entry) in busy.iter_mut() {
            if now.duration_since(entry.last_line) < self.interval {
                continue;
            }
            entry.last_line = now;
            sink(&entry.heartbeat(cluster, now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collecting(interval: Duration) -> (Arc<LineLog>, Arc<Mutex<Vec<String>>>) {
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = lines.clone();
        let log = LineLog::new(interval, move |line| {
            sink.lock().unwrap().push(line.to_string())
        });
        (log, lines)
    }

    #[test]
    fn lines_for_waves_and_heartbeats_after_silence() {
        let (log, lines) = collecting(Duration::from_millis(40));
        let target = "edge-1/web".to_string();
        log.event(
            "edge-1",
            &Event::TargetStarted {
                target: target.clone(),
            },
        );
        log.event("edge-1", &Event::Step("planning".into()));
        // Silent for less than the interval: nothing.
        log.tick();
        assert!(lines.lock().unwrap().is_empty());
        std::thread::sleep(Duration::from_millis(50));
        log.tick();
        log.tick();
        log.event(
            "edge-1",
            &Event::WaveStarted {
                target: target.clone(),
                wave: 0,
                objects: 1,
            },
        );
        let waiting = Event::Waiting {
            target: target.clone(),
            what: "wave 0".into(),
            objects: (1..=7)
                .map(|n| format!("Deployment.apps web/d{n} (Progressing: rolling out)"))
                .collect(),
        };
        log.event("edge-1", &waiting);
        std::thread::sleep(Duration::from_millis(50));
        log.event("edge-1", &waiting);
        log.event("edge-1", &waiting);
        // Silent again for the interval: the heartbeat says the same.
        std::thread::sleep(Duration::from_millis(50));
        log.tick();
        log.event(
            "edge-1",
            &Event::WaveFinished {
                target: target.clone(),
                wave: 0,
                objects: 1,
                elapsed: Duration::from_millis(1500),
            },
        );
        log.event("edge-1", &Event::ClusterDone { status: "changed" });
        // Done: no heartbeat any more.
        std::thread::sleep(Duration::from_millis(50));
        log.tick();
        let lines = lines.lock().unwrap().clone();
        let lines: Vec<String> = lines
            .iter()
            .map(|l| {
                // Whole seconds are 0 here; keep the shape checkable.
                l.replace("after 0s", "after Ns").replace("(0s)", "(Ns)")
            })
            .collect();
        assert_eq!(
            lines,
            [
                "edge-1: edge-1/web: still planning (Ns)",
                "edge-1: edge-1/web: applying wave 0 (1 object)",
                "edge-1: edge-1/web: still waiting after Ns for wave 0: Deployment.apps web/d1 (Progressing: rolling out), Deployment.apps web/d2 (Progressing: rolling out), Deployment.apps web/d3 (Progressing: rolling out), Deployment.apps web/d4 (Progressing: rolling out), Deployment.apps web/d5 (Progressing: rolling out) and 2 more",
                "edge-1: edge-1/web: still waiting after Ns for wave 0: Deployment.apps web/d1 (Progressing: rolling out), Deployment.apps web/d2 (Progressing: rolling out), Deployment.apps web/d3 (Progressing: rolling out), Deployment.apps web/d4 (Progressing: rolling out), Deployment.apps web/d5 (Progressing: rolling out) and 2 more",
                "edge-1: edge-1/web: wave 0 done (1 object in 1.5s)",
                "edge-1: done: changed",
            ]
        );
    }
}
