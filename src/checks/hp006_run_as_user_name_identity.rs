//! HP006 run-as-user-name-identity.

use super::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP006",
    name: "run-as-user-name-identity",
    severity: Severity::Error,
    summary: "TODO",
    doc: "TODO",
    rank: 60,
    check,
};

fn check(_snapshot: &Snapshot, _out: &mut Vec<Finding>) {}
