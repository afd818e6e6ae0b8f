//! HP012 windows-build.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP012",
    name: "windows-build",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 120,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
