//! `exec`: planning (`plan`), access checks (`access`), a pure pod-spec builder (`spec`), the
//! lifecycle that owns every create and delete (`lifecycle`), the work on one node (`node`) and
//! on many (`fanout`). No other module creates or deletes a pod (`access` only asks for a
//! server-side dry-run create, which creates nothing).

pub mod access;
pub mod fanout;
pub mod interactive;
pub mod lifecycle;
pub mod node;
pub mod plan;
pub mod run_as;
pub mod session;
pub mod signals;
pub mod sink;
pub mod spec;
pub mod status;
pub mod stream;
pub mod tracker;
pub mod watch;

/// A line on stderr that never panics: `eprintln!` panics when stderr is gone, and a hung-up
/// terminal (SIGHUP, a dropped SSH session) is exactly when exec still has pods to delete.
#[macro_export]
macro_rules! stderr_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
