//! Scheduler logic: the OS a spec pins, node selectors and affinity, taints and tolerations.

use k8s_openapi::api::core::v1::{Node, PodSpec, Taint, Toleration};

use crate::snapshot::node_name;

/// The label value `kubernetes.io/os` that the spec requires of its node, from `nodeSelector`
/// or a required node affinity whose every term pins it (`None` when nothing pins the OS).
pub fn required_os(spec: &PodSpec) -> Option<String> {
    if let Some(os) = spec.node_selector.as_ref().and_then(|s| s.get("kubernetes.io/os")) {
        return Some(os.clone());
    }
    let terms = &spec
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    let mut found: Option<String> = None;
    for term in terms {
        let os = term.match_expressions.iter().flatten().find_map(|e| {
            let values = e.values.as_deref().unwrap_or(&[]);
            (e.key == "kubernetes.io/os" && e.operator == "In" && values.len() == 1).then(|| values[0].clone())
        })?;
        match &found {
            Some(f) if f != &os => return None,
            _ => found = Some(os),
        }
    }
    found
}

/// Whether a node satisfies the spec's nodeSelector and required node affinity.
pub fn node_matches(spec: &PodSpec, node: &Node) -> bool {
    let empty = std::collections::BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    if let Some(sel) = &spec.node_selector
        && sel.iter().any(|(k, v)| labels.get(k) != Some(v))
    {
        return false;
    }
    let Some(req) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref())
    else {
        return true;
    };
    req.node_selector_terms.iter().any(|term| {
        let exprs_ok = term.match_expressions.iter().flatten().all(|e| {
            let values = e.values.as_deref().unwrap_or(&[]);
            let v = labels.get(&e.key);
            match e.operator.as_str() {
                "In" => v.is_some_and(|v| values.contains(v)),
                "NotIn" => v.is_none_or(|v| !values.contains(v)),
                "Exists" => v.is_some(),
                "DoesNotExist" => v.is_none(),
                "Gt" | "Lt" => {
                    let (Some(v), Some(bound)) =
                        (v.and_then(|v| v.parse::<i64>().ok()), values.first().and_then(|b| b.parse::<i64>().ok()))
                    else {
                        return false;
                    };
                    if e.operator == "Gt" { v > bound } else { v < bound }
                }
                _ => false,
            }
        });
        let fields_ok = term.match_fields.iter().flatten().all(|e| {
            let values = e.values.as_deref().unwrap_or(&[]);
            let name = node_name(node).to_string();
            match (e.key.as_str(), e.operator.as_str()) {
                ("metadata.name", "In") => values.contains(&name),
                ("metadata.name", "NotIn") => !values.contains(&name),
                _ => true,
            }
        });
        let empty_term = term.match_expressions.as_ref().is_none_or(|v| v.is_empty())
            && term.match_fields.as_ref().is_none_or(|v| v.is_empty());
        !empty_term && exprs_ok && fields_ok
    })
}

/// Taints that keep pods away (NoSchedule/NoExecute) and that the spec does not tolerate.
/// `daemonset`: also tolerate what the DaemonSet controller adds to its pods.
pub fn untolerated_taints<'a>(spec: &PodSpec, node: &'a Node, daemonset: bool) -> Vec<&'a Taint> {
    const DS_AUTO: &[&str] = &[
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/disk-pressure",
        "node.kubernetes.io/memory-pressure",
        "node.kubernetes.io/pid-pressure",
        "node.kubernetes.io/unschedulable",
        "node.kubernetes.io/network-unavailable",
    ];
    let tolerations = spec.tolerations.as_deref().unwrap_or(&[]);
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .filter(|t| !(daemonset && DS_AUTO.contains(&t.key.as_str())))
        .filter(|t| !tolerations.iter().any(|tol| tolerates(tol, t)))
        .collect()
}

/// Whether a toleration tolerates a taint (the scheduler's `ToleratesTaint`).
pub fn tolerates(tol: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = tol.effect.as_deref()
        && !effect.is_empty()
        && effect != taint.effect
    {
        return false;
    }
    let key = tol.key.as_deref().unwrap_or("");
    let exists = tol.operator.as_deref() == Some("Exists");
    if key.is_empty() {
        return exists;
    }
    if key != taint.key {
        return false;
    }
    exists || tol.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
}

/// Render a taint as `key=value:Effect`.
pub fn taint_text(t: &Taint) -> String {
    match t.value.as_deref() {
        Some(v) if !v.is_empty() => format!("{}={}:{}", t.key, v, t.effect),
        _ => format!("{}:{}", t.key, t.effect),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::node;

    #[test]
    fn selectors_and_tolerations() {
        let spec: PodSpec = serde_json::from_str(
            r#"{"containers":[],"nodeSelector":{"kubernetes.io/os":"windows"},
                "tolerations":[{"key":"os","operator":"Equal","value":"windows","effect":"NoSchedule"}]}"#,
        )
        .unwrap();
        let tainted = node(
            "w1",
            "windows",
            "",
            "",
            "",
            r#"[{"key":"os","value":"windows","effect":"NoSchedule"},{"key":"x","effect":"PreferNoSchedule"}]"#,
        );
        assert!(node_matches(&spec, &tainted));
        assert!(untolerated_taints(&spec, &tainted, false).is_empty());
        let other = node(
            "w2",
            "windows",
            "",
            "",
            "",
            r#"[{"key":"node.kubernetes.io/os","value":"windows","effect":"NoSchedule"}]"#,
        );
        assert_eq!(untolerated_taints(&spec, &other, false).len(), 1);
        let linux = node("l1", "linux", "", "", "", "[]");
        assert!(!node_matches(&spec, &linux));
        assert_eq!(required_os(&spec).as_deref(), Some("windows"));
    }
}
