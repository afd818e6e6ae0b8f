//! HP002 all-containers-host-process.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP002",
    name: "all-containers-host-process",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 20,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
