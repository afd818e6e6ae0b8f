//! HP003 host-process-mismatch.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP003",
    name: "host-process-mismatch",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 30,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
