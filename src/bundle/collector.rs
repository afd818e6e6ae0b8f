//! The collector script run on each node (embedded; nothing is downloaded at run time).
//!
//! `collector.ps1` (Windows PowerShell 5.1) gathers the items of a bundle's node part (the table
//! in `bundle/mod.rs`' layout), each in its own runspace with its own time limit, redacts them
//! with the rules of `redact.rs`, and prints them in the framing of `frame.rs`. The options are
//! substituted into the script text as plain numbers; nothing else from outside the binary is.

use super::redact::RULES;

/// The script as shipped (its defaults are [`CollectorOptions::default`]).
pub const SOURCE: &str = include_str!("collector.ps1");
/// The first line of the script: what the testenv dispatcher (and a reader of a process list)
/// recognises it by.
pub const IDENT: &str = "# kubectl-hostprocess:collector/1";

/// Upper bounds of the options (larger values are lowered to these).
pub const MAX_TAIL_LINES: u32 = 1_000_000;
pub const MAX_EVENT_HOURS: u32 = 24 * 366 * 10;
pub const MAX_ITEM_TIMEOUT_SECS: u32 = 3600;
// The script waits `$ItemTimeoutSecs * 1000` ms through an Int32 parameter.
const _: () = assert!((MAX_ITEM_TIMEOUT_SECS as u64) * 1000 < i32::MAX as u64);

/// Limits the collector applies on the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectorOptions {
    /// Lines kept from the end of each service log.
    pub log_tail_lines: u32,
    /// How far back event-log entries are read.
    pub event_hours: u32,
    /// Time limit for each item, in seconds.
    pub item_timeout_secs: u32,
}

impl Default for CollectorOptions {
    fn default() -> Self {
        CollectorOptions { log_tail_lines: 2000, event_hours: 24, item_timeout_secs: 30 }
    }
}

/// The PowerShell script for these options. Its first line is `# kubectl-hostprocess:collector/1`.
///
/// Each option is a line `$Name = <number> # option:<field>` in the script; only that number is
/// replaced (values are clamped to 1..=the `MAX_*` bounds).
pub fn script(opts: &CollectorOptions) -> String {
    // Bounded so that PowerShell's Int32 parameters (`Get-Content -Tail`, `WaitOne` in ms) hold them.
    let values = [
        ("log_tail_lines", opts.log_tail_lines.clamp(1, MAX_TAIL_LINES)),
        ("event_hours", opts.event_hours.clamp(1, MAX_EVENT_HOURS)),
        ("item_timeout_secs", opts.item_timeout_secs.clamp(1, MAX_ITEM_TIMEOUT_SECS)),
    ];
    let mut out = String::with_capacity(SOURCE.len());
    for line in SOURCE.split_inclusive('\n') {
        let replaced = values.iter().find_map(|(field, value)| {
            let (assign, _) = line.split_once(&format!(" # option:{field}"))?;
            let (name, _) = assign.split_once(" = ")?;
            Some(format!("{name} = {value} # option:{field}\n"))
        });
        out.push_str(replaced.as_deref().unwrap_or(line));
    }
    out
}

/// The `$RedactRules` block of the script, generated from `redact::RULES` (PowerShell
/// single-quoted strings: `'` doubled). A test checks the script carries exactly this.
pub fn ps_rules_block() -> String {
    let mut s = String::from("$RedactRules = @(\n");
    for r in RULES {
        s.push_str(&format!("  @{{ n = '{}'; p = '{}' }}\n", r.name, r.pattern.replace('\'', "''")));
    }
    s.push_str(")\n");
    s
}

#[cfg(test)]
#[path = "collector_tests.rs"]
mod tests;
