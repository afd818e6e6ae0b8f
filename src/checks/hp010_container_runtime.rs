//! HP010 container-runtime-unsupported.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP010",
    name: "container-runtime-unsupported",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 100,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
