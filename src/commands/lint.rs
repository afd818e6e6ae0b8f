//! `lint -f FILE|DIR|-`: check manifests offline. Args → the files, loaded one by one
//! ([`crate::load::manifests`]) → checks → output.

use std::collections::HashMap;

use crate::cli::LintArgs;
use crate::error::{ExitCode, Result};
use crate::finding::Report;
use crate::load;
use crate::output::escape::{terminal_safe, terminal_safe_line};
use crate::snapshot::Context;

pub fn run(args: &LintArgs) -> Result<ExitCode> {
    let context = Context {
        psa_level: args.psa_level.map(Into::into),
        containerd_version: args.containerd_version.clone(),
        windows_build: args.windows_build.clone(),
    };
    let mut findings = Vec::new();
    let mut sources = HashMap::new();
    let mut bad_input = 0usize;
    let (files, skipped) = load::lint_files(&args.files, args.recursive, &context)?;
    for link in &skipped {
        eprintln!(
            "note: {}: a symbolic link to a directory, not followed (as kubectl -R); name it after -f to lint it",
            terminal_safe_line(&link.display().to_string())
        );
    }
    for file in files {
        match file {
            Ok(file) => {
                findings.extend(file.findings);
                sources.insert(file.name, file.text);
            }
            Err(e) => {
                bad_input += 1;
                eprintln!("error: {}\nhint: {}", terminal_safe(&e.to_string()), e.hint());
            }
        }
    }
    let report = Report::new(findings);
    let mut code = crate::output::report::render_report(&report, args.output.into(), &sources, args.fail_on.into())?;
    if args.exit_zero {
        code = ExitCode::Ok;
    }
    Ok(if bad_input > 0 { ExitCode::Usage } else { code })
}
