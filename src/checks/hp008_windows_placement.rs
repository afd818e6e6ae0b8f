//! HP008 windows-node-selector.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP008",
    name: "windows-node-selector",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 80,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
