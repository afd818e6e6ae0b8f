//! Container logs as evidence: known failure lines ("signatures") and how they are matched.
//!
//! Each rule that a log line can explain keeps its own signatures (its `SIGNATURES` table);
//! this module normalises log text the way Windows processes write it and finds the lines.
//! PowerShell wraps long errors at the console width, cmd.exe and Win32 texts keep their
//! case, and klog doubles backslashes in quoted paths: lines are matched lower-cased, with
//! `\\` read as `\`, each line together with the two that follow it.

/// A known failure line in a HostProcess container's log and what it means.
#[derive(Debug, PartialEq, Eq)]
pub struct Signature {
    /// Stable id, e.g. `hpc-path-not-found`: quoted in findings, listed by `explain`.
    pub id: &'static str,
    /// Every one of these must appear (compared lower-cased, `\\` read as `\`).
    pub all: &'static [&'static str],
    /// At least one of these must appear (none given: no such condition).
    pub any: &'static [&'static str],
    /// What it means: the root cause, specific to this line.
    pub cause: &'static str,
    /// What to do.
    pub fix: &'static str,
    /// Where the line was seen: a public report or the upstream source.
    pub source: &'static str,
    /// The real line, as reported; a unit test checks that the signature matches it.
    pub example: &'static str,
}

/// Lines of a window: the line itself and the ones PowerShell may have wrapped onto.
const WINDOW: usize = 3;

/// The text a signature is compared with: lower-cased, doubled backslashes read as one.
pub fn normalise(s: &str) -> String {
    let mut out = s.to_lowercase();
    while out.contains("\\\\") {
        out = out.replace("\\\\", "\\");
    }
    out
}

impl Signature {
    fn matches(&self, text: &str) -> bool {
        self.all.iter().all(|n| text.contains(&normalise(n)))
            && (self.any.is_empty() || self.any.iter().any(|n| text.contains(&normalise(n))))
    }
}

/// Where a signature matched: the line (as written) and its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'s> {
    pub signature: &'s Signature,
    pub line: String,
    pub index: usize,
}

/// The lines of a log that look like a failure line worth quoting: the newest window that a
/// signature matches, for the first signature (in table order) that matches at all.
pub fn find<'s>(signatures: &'s [Signature], lines: &[String]) -> Option<Hit<'s>> {
    if lines.is_empty() {
        return None;
    }
    let norm: Vec<String> = lines.iter().map(|l| normalise(l.trim())).collect();
    for sig in signatures {
        // Newest first: a window starting later is tried before one that starts earlier.
        for i in (0..norm.len()).rev() {
            for k in 1..=WINDOW.min(norm.len() - i) {
                if sig.matches(&norm[i..i + k].join(" ")) {
                    return Some(Hit { signature: sig, line: quote(&lines[i..i + k]), index: i });
                }
            }
        }
    }
    None
}

/// The log text quoted as evidence: trimmed, wrapped lines joined, at most 400 characters.
fn quote(lines: &[String]) -> String {
    let joined = lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(400) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGS: &[Signature] = &[
        Signature {
            id: "a",
            all: &["cannot find path '", "because it does not exist"],
            any: &["c:\\hpc\\"],
            cause: "",
            fix: "",
            source: "",
            example: "",
        },
        Signature { id: "b", all: &["object already exists"], any: &[], cause: "", fix: "", source: "", example: "" },
    ];

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_line_wrapped_by_powershell_is_matched_and_quoted_whole() {
        let log = lines(
            "start\nGet-Content : Cannot find path \n'C:\\hpc\\08e6\\mounts\\var\\lib\\kube-proxy\\kubeconfig.conf' \nbecause it does not exist.\nAt C:\\hpc\\start.ps1:55 char:3",
        );
        let hit = find(SIGS, &log).expect("hit");
        assert_eq!(hit.signature.id, "a");
        assert_eq!(hit.index, 1);
        assert_eq!(
            hit.line,
            "Get-Content : Cannot find path 'C:\\hpc\\08e6\\mounts\\var\\lib\\kube-proxy\\kubeconfig.conf' because it does not exist."
        );
    }

    #[test]
    fn klog_doubled_backslashes_and_case_do_not_matter() {
        let log = lines(r#"E0718 server.go:495] err="Cannot find path 'C:\\HPC\\var' because it does not exist""#);
        assert_eq!(find(SIGS, &log).map(|h| h.signature.id), Some("a"));
    }

    #[test]
    fn the_newest_line_is_quoted_and_the_table_order_decides() {
        let log = lines(
            "The object already exists. 1\nCannot find path 'c:\\hpc\\x' because it does not exist.\nThe object already exists. 2",
        );
        let hit = find(SIGS, &log).expect("hit");
        assert_eq!((hit.signature.id, hit.index), ("a", 1));
        let hit = find(&SIGS[1..], &log).expect("hit");
        assert_eq!(hit.line, "The object already exists. 2");
        assert_eq!(find(SIGS, &lines("all good")), None);
        assert_eq!(find(SIGS, &[]), None);
    }

    #[test]
    fn long_lines_are_cut_for_evidence() {
        let long = format!("The object already exists. {}", "x".repeat(1000));
        let hit = find(SIGS, &[long]).expect("hit");
        assert!(hit.line.ends_with('…') && hit.line.chars().count() == 401);
    }
}
