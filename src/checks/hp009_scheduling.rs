//! HP009 scheduling-constraints.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP009",
    name: "scheduling-constraints",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 90,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
