//! The kinds `doctor` diagnoses, with the names kubectl accepts for each (`ds/NAME` …).

/// A target kind: its Kubernetes kind and the spellings accepted before `/`, the first being
/// the one shown in help, completion and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetKind {
    pub kind: &'static str,
    pub names: &'static [&'static str],
}

/// Every kind `doctor` takes as `KIND/NAME`.
pub const TARGET_KINDS: &[TargetKind] = &[
    TargetKind { kind: "Pod", names: &["pod", "pods", "po"] },
    TargetKind { kind: "Node", names: &["node", "nodes", "no"] },
    TargetKind { kind: "DaemonSet", names: &["daemonset", "daemonsets", "ds"] },
    TargetKind { kind: "Deployment", names: &["deployment", "deployments", "deploy"] },
    TargetKind { kind: "ReplicaSet", names: &["replicaset", "replicasets", "rs"] },
    TargetKind { kind: "StatefulSet", names: &["statefulset", "statefulsets", "sts"] },
    TargetKind { kind: "Job", names: &["job", "jobs"] },
];

/// The kind a lower-case spelling (`ds`, `deployments` …) names.
pub fn kind_of(name: &str) -> Option<&'static str> {
    TARGET_KINDS.iter().find(|k| k.names.contains(&name)).map(|k| k.kind)
}

/// `pod/`, `node/` … for each kind, in order.
pub fn prefixes() -> Vec<String> {
    TARGET_KINDS.iter().map(|k| format!("{}/", k.names[0])).collect()
}

/// "pod/, node/, … or job/", for error messages.
pub fn prefixes_text() -> String {
    let p = prefixes();
    match p.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => p.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_their_spellings() {
        assert_eq!(kind_of("ds"), Some("DaemonSet"));
        assert_eq!(kind_of("deploy"), Some("Deployment"));
        assert_eq!(kind_of("po"), Some("Pod"));
        assert_eq!(kind_of("secret"), None);
        assert_eq!(prefixes()[..2], ["pod/", "node/"]);
        assert_eq!(prefixes_text(), "pod/, node/, daemonset/, deployment/, replicaset/, statefulset/ or job/");
    }
}
