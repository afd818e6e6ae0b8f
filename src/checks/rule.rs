//! [`Rule`]: one entry of the catalogue, and the findings it builds.

use crate::finding::{Finding, ObjectRef, Severity};
use crate::snapshot::{Snapshot, SpecRef};

/// A rule of the catalogue.
pub struct Rule {
    /// `HP001` … stable forever.
    pub id: &'static str,
    /// kebab-case name.
    pub name: &'static str,
    /// The severity of its main finding (a rule may emit others, e.g. an info variant).
    pub severity: Severity,
    /// One line: what it checks.
    pub summary: &'static str,
    /// Documentation in the ruff style: what it does / why it fails / example / use instead /
    /// references. Markdown.
    pub doc: &'static str,
    /// Rank in doctor's decision tree: the lowest-ranked error finding of an object is its
    /// root cause.
    pub rank: u8,
    /// Known failure lines in container logs that this rule explains (see `checks::logs`).
    pub signatures: &'static [super::signature::Signature],
    pub check: fn(&Snapshot, &mut Vec<Finding>),
}

impl Rule {
    /// A finding of this rule about one pod spec, at `field` below the spec.
    pub fn finding(
        &self,
        spec: &SpecRef<'_>,
        field: &str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: self.id.to_string(),
            name: self.name.to_string(),
            severity: self.severity,
            object: Some(spec.object.clone()),
            container: None,
            node: spec.pod.and_then(|p| p.spec.as_ref()).and_then(|s| s.node_name.clone()),
            message: message.into(),
            evidence: vec![],
            fix: fix.into(),
            location: None,
            field: Some(spec.field(field)),
        }
    }

    /// A finding of this rule not tied to a pod spec (a node, a namespace, the cluster).
    pub fn bare(&self, object: Option<ObjectRef>, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            rule: self.id.to_string(),
            name: self.name.to_string(),
            severity: self.severity,
            object,
            container: None,
            node: None,
            message: message.into(),
            evidence: vec![],
            fix: fix.into(),
            location: None,
            field: None,
        }
    }
}
