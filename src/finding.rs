//! The findings contract (`docs/architecture.md`, README "Findings contract"): what every check produces and every renderer prints.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The Kubernetes object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: &str, namespace: Option<&str>, name: &str) -> Self {
        ObjectRef { kind: kind.to_string(), namespace: namespace.map(str::to_string), name: name.to_string() }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{} (namespace {})", self.kind.to_lowercase(), self.name, ns),
            None => write!(f, "{}/{}", self.kind.to_lowercase(), self.name),
        }
    }
}

/// A position in a manifest file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub name: String,
    pub severity: Severity,
    pub object: Option<ObjectRef>,
    pub container: Option<String>,
    pub node: Option<String>,
    pub message: String,
    pub evidence: Vec<String>,
    pub fix: String,
    pub location: Option<Location>,
    /// Dotted field path inside the object (`spec.template.spec.hostNetwork`), used to find
    /// `location` in a manifest. Not part of the output contract.
    #[serde(skip)]
    pub field: Option<String>,
}

impl Finding {
    pub fn with_container(mut self, name: impl Into<String>) -> Self {
        self.container = Some(name.into());
        self
    }
    pub fn with_node(mut self, name: impl Into<String>) -> Self {
        self.node = Some(name.into());
        self
    }
    pub fn with_field(mut self, path: impl Into<String>) -> Self {
        self.field = Some(path.into());
        self
    }
    pub fn with_evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// The document `-o json` / `-o yaml` print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

impl Report {
    pub fn new(findings: Vec<Finding>) -> Self {
        let mut summary = Summary::default();
        for f in &findings {
            match f.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
        }
        Report { findings, summary }
    }

    /// True when some finding is at or above `fail_on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= fail_on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(sev: Severity) -> Finding {
        Finding {
            rule: "HP001".into(),
            name: "host-network-required".into(),
            severity: sev,
            object: None,
            container: None,
            node: None,
            message: "m".into(),
            evidence: vec![],
            fix: "f".into(),
            location: None,
            field: Some("spec".into()),
        }
    }

    #[test]
    fn summary_counts_and_fail_on() {
        let r = Report::new(vec![finding(Severity::Warning), finding(Severity::Info)]);
        assert_eq!(r.summary, Summary { errors: 0, warnings: 1, infos: 1 });
        assert!(!r.fails(Severity::Error));
        assert!(r.fails(Severity::Warning));
        assert!(r.fails(Severity::Info));
    }

    #[test]
    fn json_has_exactly_the_contract_keys() {
        let v = serde_json::to_value(finding(Severity::Error)).unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["container", "evidence", "fix", "location", "message", "name", "node", "object", "rule", "severity"]
        );
        assert_eq!(v["severity"], "error");
    }
}
