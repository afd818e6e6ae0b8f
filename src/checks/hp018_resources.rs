//! HP018 resource-limits.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP018",
    name: "resource-limits",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 180,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
