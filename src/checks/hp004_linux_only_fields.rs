//! HP004 linux-only-fields.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP004",
    name: "linux-only-fields",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 40,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
