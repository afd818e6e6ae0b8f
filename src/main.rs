//! The binary: parse, run, map the result to an exit code. Everything else is in the library.

use std::io::Write;

use clap::Parser;
use kubectl_hostprocess::cli::{Cli, Command};
use kubectl_hostprocess::output::escape::terminal_safe;
use kubectl_hostprocess::{commands, error::ExitCode, logging};

/// Write to stderr; a closed stderr (`2>&1 | head -1`) is not worth a panic.
fn say(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|_| err.flush());
}

/// Drop empty entries from `NO_PROXY`/`no_proxy` (see `kube::proxy::tidy`).
fn tidy_no_proxy() {
    for name in ["NO_PROXY", "no_proxy"] {
        if let Some(tidy) = std::env::var(name).ok().and_then(|v| kubectl_hostprocess::kube::proxy::tidy(&v)) {
            // SAFETY: called first in main, before the runtime or any other thread exists.
            unsafe { std::env::set_var(name, tidy) };
        }
    }
}

/// doctor's peak memory on glibc. One malloc arena: its page bodies are read on the I/O thread
/// and decoded and freed on a blocking thread, and each thread's own arena kept what the other
/// had freed. Blocks of 1 MiB and more (page bodies) always from `mmap`: freed at once, grown in
/// place. At 20,000 pods its peak RSS fell from 82-86 MB to 64-67 MB (README, Performance).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc_for_doctor() {
    // SAFETY: called in main before the runtime or any other thread exists; mallopt only sets
    // the allocator's parameters.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() {
    tidy_no_proxy();
    let cli = Cli::parse();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if matches!(cli.command, Command::Doctor(_)) {
        tune_malloc_for_doctor();
    }
    logging::init(cli.global.verbose);
    // doctor: one thread for I/O. It decodes and checks on blocking threads (`kube::pages`), and
    // a body read on another thread than its connection's costs a wake-up per chunk (its CPU
    // fell from 3.3 s to 2.5 s at 20,000 pods). A fan-out (exec, cp, collect) does its work on
    // the runtime: hundreds of TLS sessions, slower on one thread (`make bench`, README).
    let mut builder = match cli.command {
        Command::Doctor(_) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            say(&format!("error: cannot start the async runtime: {e}\n"));
            std::process::exit(ExitCode::Usage.code());
        }
    };
    let code = match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // Messages carry text from the API server and from workloads: escape control characters.
            say(&format!("error: {}\nhint: {}\n", terminal_safe(&e.to_string()), terminal_safe(&e.hint())));
            e.exit_code()
        }
    };
    // Streams of exec sessions may still be open; do not wait for them.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    std::process::exit(code.code());
}
