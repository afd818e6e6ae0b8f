//! `lint -f FILE|DIR|-`: check manifests offline.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::checks;
use crate::cli::LintArgs;
use crate::error::{Error, ExitCode, Result};
use crate::finding::{Finding, Report};
use crate::manifest::{Loaded, parse_documents};
use crate::snapshot::{Context, Source};

/// Files named on the command line, expanded: directories give their `.yaml`, `.yml` and
/// `.json` files (recursively with `-R`), in name order.
pub fn expand(paths: &[PathBuf], recursive: bool) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| Error::ReadInput { path: p.clone(), reason: e.to_string() })?;
        if meta.is_dir() {
            walk(p, recursive, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::ReadInput { path: dir.into(), reason: e.to_string() })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if recursive {
                walk(&p, recursive, out)?;
            }
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Read one input as text; `-` is stdin. At most `limit` bytes.
pub fn read_input(path: &Path, limit: usize) -> Result<(String, String)> {
    let mut bytes = Vec::new();
    let name = if path.as_os_str() == "-" {
        std::io::stdin()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::ReadInput { path: path.into(), reason: e.to_string() })?;
        "<stdin>".to_string()
    } else {
        let f = std::fs::File::open(path).map_err(|e| Error::ReadInput { path: path.into(), reason: e.to_string() })?;
        f.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::ReadInput { path: path.into(), reason: e.to_string() })?;
        path.display().to_string()
    };
    if bytes.len() > limit {
        return Err(Error::ReadInput {
            path: path.into(),
            reason: format!("larger than the {} MiB limit", limit >> 20),
        });
    }
    let text = String::from_utf8(bytes).map_err(|_| Error::ReadInput {
        path: path.into(),
        reason: "binary file (not UTF-8 text), not YAML or JSON".into(),
    })?;
    Ok((name, text))
}

/// Lint one file's text: parse, check, locate. Pure apart from nothing: used by tests and benches.
pub fn lint_text(name: &str, text: &str, context: &Context) -> Result<Vec<Finding>> {
    let docs = parse_documents(name, text)?;
    let mut loaded = Loaded::default();
    loaded.add_file(name, docs);
    loaded.snapshot.source = Source::Manifests;
    loaded.snapshot.context = context.clone();
    let mut findings = checks::run(&loaded.snapshot);
    loaded.locate(&mut findings);
    if let Some(e) = loaded.problems.into_iter().next() {
        return Err(e);
    }
    Ok(findings)
}

pub fn run(args: &LintArgs) -> Result<ExitCode> {
    let context = Context {
        psa_level: args.psa_level,
        containerd_version: args.containerd_version.clone(),
        windows_build: args.windows_build.clone(),
    };
    let files = expand(&args.files, args.recursive)?;
    let mut findings = Vec::new();
    let mut sources = HashMap::new();
    let mut bad_input = 0usize;
    for path in &files {
        let result = read_input(path, crate::manifest::MAX_INPUT_BYTES).and_then(|(name, text)| {
            let f = lint_text(&name, &text, &context)?;
            sources.insert(name, text);
            Ok(f)
        });
        match result {
            Ok(f) => findings.extend(f),
            Err(e) => {
                bad_input += 1;
                eprintln!("error: {e}\nhint: {}", e.hint());
            }
        }
    }
    let report = Report::new(findings);
    let mut code = crate::output::report::render_report(&report, args.output.into(), &sources, args.fail_on)?;
    if args.exit_zero {
        code = ExitCode::Ok;
    }
    Ok(if bad_input > 0 { ExitCode::Usage } else { code })
}
