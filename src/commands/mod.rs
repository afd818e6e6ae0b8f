//! One file per subcommand, each a straight line: collect → check → render.

pub mod cleanup;
pub mod completion;
pub mod doctor;
pub mod exec;
pub mod explain;
pub mod lint;
pub mod nodes;
pub mod template;

use crate::cli::{Cli, Command};
use crate::error::{ExitCode, Result};

/// Run the parsed command line; the binary maps the result to an exit code.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    crate::output::init_color(cli.global.color);
    match cli.command {
        Command::Lint(a) => lint::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Template(a) => template::run(&a),
        Command::Nodes(a) => nodes::run(&cli.global, &a).await,
        Command::Doctor(a) => doctor::run(&cli.global, &a).await,
        Command::Exec(a) => exec::run(&cli.global, &a).await,
        Command::Cleanup(a) => cleanup::run(&cli.global, &a).await,
        Command::Completion(a) => completion::script(&a),
        Command::Complete(a) => completion::complete(&cli.global, &a).await,
    }
}

/// The findings report in the requested format, and the exit code for `--fail-on`.
pub fn render_report(
    report: &crate::finding::Report,
    output: crate::cli::Output,
    sources: &std::collections::HashMap<String, String>,
    fail_on: crate::finding::Severity,
) -> Result<ExitCode> {
    use crate::cli::Output;
    let text = match output {
        Output::Human | Output::Wide => crate::output::human::render(report, sources),
        Output::Json => crate::output::json(report)?,
        Output::Yaml => crate::output::yaml(report)?,
        Output::Sarif => crate::output::json(&crate::output::sarif::render(report))?,
    };
    crate::output::print(&text)?;
    Ok(if report.fails(fail_on) { ExitCode::Findings } else { ExitCode::Ok })
}
