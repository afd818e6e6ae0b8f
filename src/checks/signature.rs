//! [`Signature`]: a known failure line in a container log, as the rules that explain one list it
//! (`checks/signatures/`); `checks::logs` matches them.

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
    /// Only the last line counts: a message that a process prints while it waits (and that a
    /// later line answers when the wait ends).
    pub last_line: bool,
    /// The cause depends on the node's volume layout (containerd 1.6 or 1.7+): the finding
    /// says which one the pod's node has.
    pub layout: bool,
}
