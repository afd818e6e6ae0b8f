//! The `lint` source: manifest files (YAML or JSON; directories expanded; `-` is stdin), each
//! loaded into a snapshot of its own that remembers the position of every field.

use std::path::PathBuf;

use super::input::{Expanded, MAX_INPUT_BYTES, expand, read_input};
use super::objects::Loaded;
use super::yaml::parse_documents;
use crate::checks;
use crate::error::Result;
use crate::finding::Finding;
use crate::snapshot::{Context, Source};

/// One manifest file, loaded: its name as reported, its text (to quote in the output) and
/// its objects.
pub struct ManifestFile {
    pub name: String,
    pub text: String,
    pub loaded: Loaded,
}

/// Every file named (directories expanded, in name order), read and loaded one at a time, and
/// the links to directories that `-R` did not follow ([`expand`]). A path that does not exist
/// fails at once; a file that cannot be read or loaded is an `Err` item, and the files after it
/// are still loaded.
pub fn load_manifests<'a>(
    paths: &[PathBuf],
    recursive: bool,
    context: &'a Context,
) -> Result<(impl Iterator<Item = Result<ManifestFile>> + 'a, Vec<PathBuf>)> {
    let Expanded { files, skipped } = expand(paths, recursive)?;
    let files = files.into_iter().map(move |path| {
        let (name, text) = read_input(&path, MAX_INPUT_BYTES)?;
        let loaded = load_text(&name, &text, context)?;
        Ok(ManifestFile { name, text, loaded })
    });
    Ok((files, skipped))
}

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
