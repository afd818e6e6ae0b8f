//! HP016 command-resolves-on-host.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP016",
    name: "command-resolves-on-host",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 160,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
