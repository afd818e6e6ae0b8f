//! HP005 run-as-user-name-syntax.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP005",
    name: "run-as-user-name-syntax",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 50,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
