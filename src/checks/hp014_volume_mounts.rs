//! HP014 volume-mount-semantics.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP014",
    name: "volume-mount-semantics",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 140,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
