//! `explain`'s output: the list of rules, one rule's documentation with its log signatures, or
//! one log signature.

use colored::Colorize;

use crate::checks::Rule;
use crate::checks::signature::Signature;

/// The table of every rule.
pub fn rule_table(rules: &[&Rule]) -> String {
    let mut t = super::table(&["RULE", "NAME", "SEVERITY", "SUMMARY"]);
    for r in rules {
        t.add_row(vec![r.id, r.name, r.severity.as_str(), r.summary]);
    }
    super::render_table(&t)
}

/// One rule's documentation, then the log lines it explains with their sources.
pub fn rule_doc(r: &Rule) -> String {
    let mut s = format!(
        "{} ({}) — {}\nDefault severity: {}\n\n{}\n",
        r.id.bold(),
        r.name,
        r.summary,
        r.severity.as_str(),
        r.doc.trim_end()
    );
    if !r.signatures.is_empty() {
        s.push_str(&format!(
            "\n## Log signatures\nLines in the logs (or start errors) of failing HostProcess containers that {} names as the root cause:\n\n",
            r.id
        ));
        for sig in r.signatures {
            s.push_str(&format!("- `{}`: {}\n  Seen: {}\n", sig.id, sig.cause, sig.source));
        }
    }
    s
}

/// One log signature: the line it matches, what it means, the fix, the source.
pub fn signature_doc(rule: &Rule, sig: &Signature) -> String {
    let mut matches: Vec<String> = sig.all.iter().map(|n| format!("{n:?}")).collect();
    if !sig.any.is_empty() {
        matches.push(format!("one of {}", sig.any.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")));
    }
    format!(
        "{} — log signature of {} ({})\n\nMatches (case-insensitive{}): {}\nExample: {}\n\nCause: {}\nFix: {}\nSource: {}\n",
        sig.id.bold(),
        rule.id,
        rule.name,
        if sig.last_line { ", the log's last line only" } else { "" },
        matches.join(" and "),
        sig.example.replace('\n', " "),
        sig.cause,
        sig.fix,
        sig.source
    )
}
