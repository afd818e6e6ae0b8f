//! The binary: parse, run, map the result to an exit code. Everything else is in the library.

use clap::Parser;
use kubectl_hostprocess::{cli::Cli, commands, error::ExitCode};

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn,kube_client=off,kube_runtime=off",
        1 => "info,kube_client=warn,kube_runtime=warn",
        2 => "debug,hyper=info,rustls=info",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("KUBECTL_HOSTPROCESS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

fn main() {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(ExitCode::Usage.code());
        }
    };
    let code = match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("hint: {}", e.hint());
            e.exit_code()
        }
    };
    // Streams of exec sessions may still be open; do not wait for them.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    std::process::exit(code.code());
}
