//! The progress bar: targets done of total, objects and the rate, drawn on
//! standard error only when it is a terminal (never in CI logs or pipes) and
//! not `--quiet`. Anything else printed while the bar is shown (`std.trace`
//! lines) goes through [`Progress::println`] so it does not tear the bar.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress of a render.
pub struct Progress {
    bar: Option<ProgressBar>,
    objects: AtomicUsize,
    done: AtomicUsize,
    started: Instant,
}

impl Progress {
    /// A bar for `total` targets, or a silent one.
    pub fn new(total: usize, visible: bool) -> Progress {
        let bar = visible.then(|| {
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
        Progress {
            bar,
            objects: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            started: Instant::now(),
        }
    }

    /// Records a finished target and its objects.
    pub fn target_done(&self, objects: usize) {
        let total = self.objects.fetch_add(objects, Ordering::Relaxed) + objects;
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{total} objects · {:.0} targets/s",
                done as f64 / seconds
            ));
            bar.inc(1);
        }
    }

    /// Prints a line on standard error without disturbing the bar.
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
