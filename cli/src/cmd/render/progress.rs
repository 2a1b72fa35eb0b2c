//! The progress bar: targets done of total, objects and the rate, drawn on
//! standard error only when it is a terminal (never in CI logs or pipes) and
//! not `--quiet`. The renderer's events drive it: the bar appears when the
//! targets start ([`Progress::start`]) and moves as each one is done.
//! Anything else printed meanwhile (`std.trace` lines) goes through
//! [`Progress::println`] so it does not tear the bar.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress of a render.
pub struct Progress {
    visible: bool,
    bar: OnceLock<ProgressBar>,
    objects: AtomicUsize,
    done: AtomicUsize,
    started: OnceLock<Instant>,
}

impl Progress {
    /// A bar that will be drawn when `visible`, or a silent one.
    pub fn new(visible: bool) -> Progress {
        Progress {
            visible,
            bar: OnceLock::new(),
            objects: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            started: OnceLock::new(),
        }
    }

    /// Starts the bar for `total` targets.
    pub fn start(&self, total: usize) {
        let _ = self.started.set(Instant::now());
        if !self.visible {
            return;
        }
        self.bar.get_or_init(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                ProgressDrawTarget::stderr_with_hz(10),
            );
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed}] {bar:30.cyan/blue} {pos}/{len} targets · {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message("0 objects");
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
    }

    /// Records a finished target and its objects.
    pub fn target_done(&self, objects: usize) {
        let total = self.objects.fetch_add(objects, Ordering::Relaxed) + objects;
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = self.bar.get() {
            let seconds = self
                .started
                .get()
                .map_or(0.0, |started| started.elapsed().as_secs_f64())
                .max(1e-3);
            bar.set_message(format!(
                "{total} object{} · {:.0} targets/s",
                if total == 1 { "" } else { "s" },
                done as f64 / seconds
            ));
            bar.inc(1);
        }
    }

    /// Prints a line on standard error without disturbing the bar.
    pub fn println(&self, line: &str) {
        match self.bar.get() {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
