//! The collector script run on each node (embedded; nothing is downloaded at run time).
//! Owner: helper A (stub).

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
pub fn script(_opts: &CollectorOptions) -> String {
    "# kubectl-hostprocess:collector/1\n".to_string()
}
