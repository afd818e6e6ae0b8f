//! HP019 crash-loop.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP019",
    name: "crash-loop",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 190,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
