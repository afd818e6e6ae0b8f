//! HP017 image-platform-placeholder.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP017",
    name: "image-platform-placeholder",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 170,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
