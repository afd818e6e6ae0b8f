//! HP013 runtime-environment.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP013",
    name: "runtime-environment",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 130,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
