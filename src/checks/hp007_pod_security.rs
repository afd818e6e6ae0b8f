//! HP007 pod-security-forbids-hostprocess.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP007",
    name: "pod-security-forbids-hostprocess",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 70,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
