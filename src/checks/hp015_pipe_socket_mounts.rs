//! HP015 pipe-socket-mounts.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP015",
    name: "pipe-socket-mounts",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 150,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
