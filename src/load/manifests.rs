//! The `lint` source: manifest files (YAML or JSON; directories expanded; `-` is stdin), each
//! loaded into a snapshot of its own that remembers the position of every field, and checked.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::input::{Expanded, MAX_INPUT_BYTES, expand, read_input};
use super::objects::Loaded;
use super::yaml::parse_documents;
use crate::checks;
use crate::error::Result;
use crate::finding::Finding;
use crate::snapshot::{Context, Source};

/// One manifest file, linted: its name as reported, its text (to quote in the output) and its
/// findings, located.
pub struct LintedFile {
    pub name: String,
    pub text: String,
    pub findings: Vec<Finding>,
}

/// Every file named (directories expanded, in name order), read, loaded and checked, and the
/// links to directories that `-R` did not follow ([`expand`]). A path that does not exist fails
/// at once; a file that cannot be read or loaded is an `Err` item, and the other files are still
/// linted. The files are shared out over the machine's cores (at most 8); results come back in
/// name order. On one core the 1,000 manifests of `make bench` took 250-330 ms.
pub fn lint_files(
    paths: &[PathBuf],
    recursive: bool,
    context: &Context,
) -> Result<(Vec<Result<LintedFile>>, Vec<PathBuf>)> {
    let Expanded { files, skipped } = expand(paths, recursive)?;
    let lint_one = |path: &PathBuf| -> Result<LintedFile> {
        let (name, text) = read_input(path, MAX_INPUT_BYTES)?;
        let findings = lint_text(&name, &text, context)?;
        Ok(LintedFile { name, text, findings })
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8).min(files.len());
    let next = AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = files.get(i) else { return mine };
            mine.push((i, lint_one(path)));
        }
    };
    // This thread works too; a worker that cannot be started leaves its share to the others.
    let mut done: Vec<(usize, Result<LintedFile>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(scope, work).ok())
            .collect();
        let mut done = work();
        for w in workers {
            done.extend(w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    Ok((done.into_iter().map(|(_, r)| r).collect(), skipped))
}

/// A lint worker's stack: the main thread's on Linux (8 MiB), not a spawned thread's default
/// (2 MiB). Parsing and checking deeply nested YAML recurse (`tests/bounded.rs`).
const WORKER_STACK: usize = 8 << 20;

/// One file's text into a snapshot (with `context` for what offline checks cannot see).
/// A document that looks like a Kubernetes object but does not decode fails the file.
pub fn load_text(name: &str, text: &str, context: &Context) -> Result<Loaded> {
    let docs = parse_documents(name, text)?;
    let mut loaded = Loaded::default();
    loaded.add_file(name, docs);
    if let Some(e) = loaded.problems.drain(..).next() {
        return Err(e);
    }
    loaded.snapshot.source = Source::Manifests;
    loaded.snapshot.context = context.clone();
    Ok(loaded)
}

/// Lint one file's text: parse, check, locate. Pure: used by tests, benches and the fuzz target.
pub fn lint_text(name: &str, text: &str, context: &Context) -> Result<Vec<Finding>> {
    let loaded = load_text(name, text, context)?;
    let mut findings = checks::run(&loaded.snapshot);
    loaded.locate(&mut findings);
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_linted_on_several_threads_come_back_in_name_order_with_errors_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let pod = |i: usize| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  securityContext: {{windowsOptions: {{hostProcess: true}}}}\n  containers: [{{name: c, image: i}}]\n"
            )
        };
        for i in 0..40 {
            let text = if i == 17 { "kind: Pod\nspec: [not, a, map\n".to_string() } else { pod(i) };
            std::fs::write(dir.path().join(format!("m{i:02}.yaml")), text).unwrap();
        }
        let (files, skipped) = lint_files(&[dir.path().to_path_buf()], false, &Context::default()).unwrap();
        assert!(skipped.is_empty());
        assert_eq!(files.len(), 40);
        for (i, f) in files.iter().enumerate() {
            match f {
                Ok(f) => {
                    assert_ne!(i, 17, "the broken file linted");
                    assert!(f.name.ends_with(&format!("m{i:02}.yaml")), "{i}: {}", f.name);
                    assert!(f.text.contains(&format!("name: p{i}")));
                    // hostNetwork is missing (HP001), found at this file's pod.
                    assert!(f.findings.iter().any(|x| x.rule == "HP001"), "{i}: {:?}", f.findings);
                    assert!(f.findings.iter().all(|x| x.object.as_ref().is_some_and(|o| o.name == format!("p{i}"))));
                }
                Err(_) => assert_eq!(i, 17),
            }
        }
    }
}
