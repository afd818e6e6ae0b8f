//! Progress of a copy on stderr: a line per large file at most every second, and a summary.

use std::time::{Duration, Instant};

/// Files smaller than this get no progress lines.
pub const LARGE: u64 = 4 * 1024 * 1024;
const EVERY: Duration = Duration::from_secs(1);

pub struct Progress {
    start: Instant,
    last: Instant,
    name: String,
    size: u64,
    done: u64,
    pub files: u64,
    pub bytes: u64,
    quiet: bool,
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        let now = Instant::now();
        Progress { start: now, last: now, name: String::new(), size: 0, done: 0, files: 0, bytes: 0, quiet }
    }

    /// A file of about `size` bytes begins (`name` is shown escaped).
    pub fn file(&mut self, name: &str, size: u64) {
        self.name = crate::output::escape::terminal_safe_line(name).into_owned();
        self.size = size;
        self.done = 0;
        self.last = Instant::now();
    }

    pub fn add(&mut self, n: u64) {
        self.done += n;
        self.bytes += n;
        if self.quiet || self.size < LARGE || self.last.elapsed() < EVERY {
            return;
        }
        self.last = Instant::now();
        let pct = (self.done * 100).checked_div(self.size).unwrap_or(100).min(100);
        crate::stderr_line!(
            "{}: {:.1}/{:.1} MiB ({pct}%) {:.1} MiB/s",
            self.name,
            mib(self.done),
            mib(self.size),
            mib(self.bytes) / self.start.elapsed().as_secs_f64().max(0.001)
        );
    }

    pub fn file_done(&mut self) {
        self.files += 1;
    }

    /// `copied 3 files, 5.0 MiB in 1.2s (4.1 MiB/s), SHA-256 verified on both ends`.
    pub fn summary(&self) -> String {
        let secs = self.start.elapsed().as_secs_f64();
        format!(
            "copied {} file{}, {:.1} MiB in {secs:.1}s ({:.1} MiB/s), SHA-256 verified on both ends",
            self.files,
            if self.files == 1 { "" } else { "s" },
            mib(self.bytes),
            mib(self.bytes) / secs.max(0.001)
        )
    }
}
