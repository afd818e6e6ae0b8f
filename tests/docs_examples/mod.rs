//! The YAML examples in `docs/` and `README.md` as the docs tests see them: `tests/cli.rs`
//! checks each one offline (template output, lint), `tests/e2e.rs` creates the good ones on the
//! local API server (part of #16).
//!
//! A ```` ```yaml ```` block may be preceded (on the last non-blank line before its fence) by one
//! marker comment, and any HTML comment there must be one of them:
//!
//! - `<!-- template: ARGS -->`: the block is exactly what `kubectl hostprocess template ARGS`
//!   prints (`make docs-examples` rewrites it);
//! - `<!-- bad-example: HPnnn … -->`: a deliberate bad example; lint reports exactly these rules
//!   at warning or error level;
//! - `<!-- fragment: WHY -->`: not a whole object; skipped, and counted.
//!
//! An unmarked block must be whole objects (`apiVersion` and `kind`) that lint without an error
//! or a warning. The generated rule pages (`docs/rules/`) cannot carry markers: their blocks are
//! judged by section (`## Example` shows the page's rule, `## Use instead` does not).
#![allow(dead_code)] // each test crate uses its part

use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    None,
    Template(Vec<String>),
    Bad(Vec<String>),
    Fragment,
}

#[derive(Debug, Clone)]
pub struct Example {
    /// Repository-relative path of the Markdown file.
    pub file: String,
    /// 1-based line of the opening fence.
    pub line: usize,
    pub mark: Mark,
    /// The `## ` heading the block is under (rule pages: `Example`, `Use instead`).
    pub section: String,
    pub yaml: String,
    /// Byte range of the block's content in the file (for rewriting template blocks).
    pub body: Range<usize>,
}

impl Example {
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn markdown_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p != repo().join("docs/rules") {
                markdown_under(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "md") {
            out.push(p);
        }
    }
}

/// `README.md` and every `docs/**/*.md` except the generated rule pages.
pub fn doc_files() -> Vec<PathBuf> {
    let mut out = vec![repo().join("README.md")];
    markdown_under(&repo().join("docs"), &mut out);
    out
}

/// The generated rule pages `docs/rules/HPnnn.md`.
pub fn rule_pages() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo().join("docs/rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("HP"))
        .collect();
    out.sort();
    out
}

pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo()).unwrap_or(path).to_string_lossy().into_owned()
}

/// How many ```` ```yaml ```` (or `yml`) fences a file opens, counted independently of the
/// parser below so that no block is skipped silently.
pub fn yaml_fence_count(text: &str) -> usize {
    text.lines().filter(|l| matches!(l.trim(), "```yaml" | "```yml")).count()
}

fn parse_mark(comment: &str, at: &str) -> Result<Mark, String> {
    let inner = comment.trim().trim_start_matches("<!--").trim_end_matches("-->").trim();
    let (key, rest) = inner.split_once(':').ok_or_else(|| format!("{at}: unknown marker `{comment}`"))?;
    let words: Vec<String> = rest.split([' ', ',']).filter(|w| !w.is_empty()).map(str::to_string).collect();
    match key.trim() {
        "template" if !words.is_empty() => Ok(Mark::Template(words)),
        "bad-example" if !words.is_empty() && words.iter().all(|w| w.starts_with("HP")) => Ok(Mark::Bad(words)),
        "fragment" if !words.is_empty() => Ok(Mark::Fragment),
        _ => Err(format!(
            "{at}: unknown or incomplete marker `{comment}` (template: ARGS | bad-example: HPnnn | fragment: WHY)"
        )),
    }
}

/// Every ```` ```yaml ```` block of a Markdown file, with its marker.
pub fn examples(path: &Path) -> Result<Vec<Example>, String> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = relative(path);
    let mut out = Vec::new();
    let mut offset = 0;
    let mut section = String::new();
    let mut previous: Option<&str> = None; // last non-blank line outside a fence
    let mut fence: Option<(bool, usize, usize, Mark, usize)> = None; // yaml?, line, start, mark, indent
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        let start = offset;
        offset += raw.len();
        if let Some((yaml, at, body_start, mark, indent)) = fence.take() {
            if trimmed == "```" || (trimmed.starts_with("```") && trimmed.chars().all(|c| c == '`')) {
                if yaml {
                    let body = &text[body_start..start];
                    let yaml_text: String = body
                        .split_inclusive('\n')
                        .map(|l| if l.len() > indent && l[..indent].trim().is_empty() { &l[indent..] } else { l })
                        .collect();
                    out.push(Example {
                        file: file.clone(),
                        line: at,
                        mark,
                        section: section.clone(),
                        yaml: yaml_text,
                        body: body_start..start,
                    });
                }
                previous = Some(line);
            } else {
                fence = Some((yaml, at, body_start, mark, indent));
            }
            continue;
        }
        if let Some(info) = trimmed.strip_prefix("```") {
            let yaml = matches!(info.trim(), "yaml" | "yml");
            let at = format!("{file}:{}", i + 1);
            let mark = match previous.map(str::trim) {
                Some(p) if yaml && p.starts_with("<!--") => parse_mark(p, &at)?,
                _ => Mark::None,
            };
            let indent = line.len() - line.trim_start().len();
            fence = Some((yaml, i + 1, offset, mark, indent));
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
        }
        if !trimmed.is_empty() {
            previous = Some(line);
        }
    }
    assert!(fence.is_none(), "{file}: a fence is not closed");
    Ok(out)
}

/// The top-level keys of a YAML document (lines that start at column 0).
pub fn top_level_keys(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter(|l| !l.is_empty() && !l.starts_with([' ', '-', '#']))
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_string()))
        .collect()
}

/// The documents of a block (split on `---` lines), each with `apiVersion` and `kind`?
pub fn documents(yaml: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for l in yaml.split_inclusive('\n') {
        if l.trim_end() == "---" {
            docs.push(String::new());
        } else {
            docs.last_mut().unwrap().push_str(l);
        }
    }
    docs.into_iter().filter(|d| d.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))).collect()
}

pub fn is_whole_objects(yaml: &str) -> bool {
    let docs = documents(yaml);
    !docs.is_empty()
        && docs.iter().all(|d| {
            let keys = top_level_keys(d);
            keys.iter().any(|k| k == "apiVersion") && keys.iter().any(|k| k == "kind")
        })
}

/// The rules the API server's validation enforces, each with a part of its message
/// (kubernetes `pkg/apis/core/validation/validation.go`): a bad example for these is refused on
/// create, not only when its pods start.
pub const REFUSED_BY_VALIDATION: &[(&str, &str)] = &[
    ("HP001", "hostNetwork must be true if pod contains any hostProcess containers"),
    ("HP002", "then all containers must be HostProcess containers"),
    ("HP003", "pod hostProcess value must be identical if both are specified"),
    ("HP004", "cannot be set for a windows pod"),
    ("HP005", "runAsUserName"),
];

/// The validation messages a bad example for `rules` must get, or None when one of its rules is
/// not API validation.
pub fn validation_messages(rules: &[String]) -> Option<Vec<&'static str>> {
    rules.iter().map(|r| REFUSED_BY_VALIDATION.iter().find(|(id, _)| id == r).map(|(_, m)| *m)).collect()
}
