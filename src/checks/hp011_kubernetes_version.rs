//! HP011 kubernetes-version.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP011",
    name: "kubernetes-version",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 110,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
