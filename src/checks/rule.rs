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
    /// What `policy` checks at admission for this rule: CEL over a pod spec (see [`Admission`]).
    /// Empty for rules that need more than the manifest (nodes, events, logs) or that CEL
    /// cannot express.
    pub admission: &'static [Admission],
    pub check: fn(&Snapshot, &mut Vec<Finding>),
}

/// One admission check of a rule, for the ValidatingAdmissionPolicy that `policy` prints
/// (`crate::policy`). It mirrors what the rule's `check` reports at *error* level from a
/// manifest alone; the message is built from the rule (`id name: summary`) and `fix`. A rule
/// joins the policy by a non-empty `admission` list; nothing else changes.
pub struct Admission {
    /// CEL, true when the pod spec passes. It may use `variables.spec` (the pod spec of a Pod or
    /// of a workload's pod template), `variables.containers` (init, regular and ephemeral),
    /// `variables.podHostProcess` (the pod-level `hostProcess`, false when unset) and
    /// `variables.hostProcess` (true for a HostProcess spec). Guard optional fields (`has()`,
    /// `?.`/`orValue`): an unset field is an error in CEL.
    pub expression: &'static str,
    /// Checked only for HostProcess specs (`!variables.hostProcess || (expression)`).
    pub host_process_only: bool,
    /// Where the problem is, below the pod spec (for the message).
    pub field: &'static str,
    /// The next step (the message's `fix:`).
    pub fix: &'static str,
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
