//! `policy`: a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) and its binding,
//! built from the rule catalogue's [`Admission`] data. Pure: options in, JSON values out.
//!
//! One validation per [`Admission`] of a rule, written once over `variables.spec`, the pod spec
//! of a Pod or of the pod template of a DaemonSet, Deployment, ReplicaSet, StatefulSet, Job,
//! CronJob (`spec.jobTemplate.spec.template`) or ReplicationController. Its message is
//! `HPnnn name: summary (field); fix: …`. Guardrails (`guardrails.rs`) are validations too, with a
//! `messageExpression` that starts with `guardrail/<kind>` and names the offending value.
//!
//! A rule is in the policy when its `Rule::admission` is not empty; adding one to a rule is that
//! one field. Rules without admission data, and why: HP006 (errors come from the node's logon
//! failure), HP007 (Pod Security: the PodSecurity admission refuses such Pods itself; lint decides
//! from `--psa-level` or a Namespace object), HP008's live variant (a pod on a Linux node),
//! HP009–HP013 (taints and versions: node facts), HP014/HP016/HP017/HP018 (warning or info from a
//! manifest; their errors need events or node facts), HP019–HP027 (status, events, logs, node
//! services). A policy sees one object: no nodes, events or logs.
//!
//! HP001–HP005 repeat the API server's own validation, which runs before admission: a real
//! object with those errors is refused with the server's message; the policy's CEL for them is
//! proven on a schemaless kind in the end-to-end test.

mod guardrails;

use serde_json::{Value, json};

use crate::checks::{self, Rule, rule::Admission};

pub use guardrails::GUARDRAIL_IDS;

/// The default name of the policy and of its binding.
pub const DEFAULT_NAME: &str = "hostprocess-guardrails";

/// What the binding does with a failed validation (`validationActions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Deny,
    Warn,
    Audit,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Deny => "Deny",
            Action::Warn => "Warn",
            Action::Audit => "Audit",
        }
    }
}

/// The options of `policy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub name: String,
    pub action: Action,
    /// HostProcess pods only in these namespaces (empty: anywhere).
    pub allow_namespaces: Vec<String>,
    /// Every image of a HostProcess pod starts with one of these (empty: any image).
    pub allow_image_prefixes: Vec<String>,
    /// Every container's effective runAsUserName is one of these, case-insensitive (empty: any).
    pub allow_users: Vec<String>,
    /// The binding applies only in namespaces with these labels (empty: every namespace).
    pub namespace_selector: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            name: DEFAULT_NAME.into(),
            action: Action::Deny,
            allow_namespaces: vec![],
            allow_image_prefixes: vec![],
            allow_users: vec![],
            namespace_selector: vec![],
        }
    }
}

/// The pod spec of each matched kind; the other variables build on it.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "spec",
        "object.kind == 'Pod' ? object.spec : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)",
    ),
    (
        "containers",
        "variables.spec.?containers.orValue([]) + variables.spec.?initContainers.orValue([]) + variables.spec.?ephemeralContainers.orValue([])",
    ),
    ("podHostProcess", "variables.spec.?securityContext.?windowsOptions.?hostProcess.orValue(false) == true"),
    (
        "hostProcess",
        "size(variables.containers) == 0 ? variables.podHostProcess : variables.containers.exists(c, c.?securityContext.?windowsOptions.?hostProcess.orValue(variables.podHostProcess) == true)",
    ),
];

/// The kinds whose pod specs are checked: (API group, resources).
pub const MATCHED: &[(&str, &[&str])] = &[
    ("", &["pods", "replicationcontrollers"]),
    ("apps", &["daemonsets", "deployments", "replicasets", "statefulsets"]),
    ("batch", &["jobs", "cronjobs"]),
];

/// Every rule with admission checks, in id order.
pub fn rules() -> Vec<&'static Rule> {
    checks::all().iter().copied().filter(|r| !r.admission.is_empty()).collect()
}

/// A CEL string literal (double-quoted, escaped) for any text.
pub fn cel_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A CEL list of string literals.
pub fn cel_list<S: AsRef<str>>(items: &[S]) -> String {
    format!("[{}]", items.iter().map(|s| cel_string(s.as_ref())).collect::<Vec<_>>().join(", "))
}

/// The message of a rule's validation: `HPnnn name: summary (field); fix: …`, on one line.
pub fn message(rule: &Rule, a: &Admission) -> String {
    let text = format!("{} {}: {} (spec.{}); fix: {}", rule.id, rule.name, rule.summary, a.field, a.fix);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn validation(rule: &Rule, a: &Admission) -> Value {
    let expression = if a.host_process_only {
        format!("!variables.hostProcess || ({})", a.expression)
    } else {
        a.expression.to_string()
    };
    json!({"expression": expression, "message": message(rule, a), "reason": "Invalid"})
}

/// The ValidatingAdmissionPolicy.
pub fn policy(o: &Options) -> Value {
    let mut variables: Vec<Value> = VARIABLES.iter().map(|(n, e)| json!({"name": n, "expression": e})).collect();
    variables.extend(guardrails::variables(o));
    let mut validations: Vec<Value> =
        rules().iter().flat_map(|r| r.admission.iter().map(move |a| validation(r, a))).collect();
    validations.extend(guardrails::validations(o));
    let resource_rules: Vec<Value> = MATCHED
        .iter()
        .map(|(group, resources)| {
            json!({
                "apiGroups": [group],
                "apiVersions": ["v1"],
                "operations": ["CREATE", "UPDATE"],
                "resources": resources,
            })
        })
        .collect();
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": metadata(o),
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {"resourceRules": resource_rules},
            // An UPDATE that leaves the spec alone (labels, finalizers, scaling) is not checked,
            // so a policy added later never blocks work on objects that already exist.
            "matchConditions": [{
                "name": "create-or-spec-change",
                "expression": "request.operation != 'UPDATE' || !has(oldObject.spec) || oldObject.spec != object.spec",
            }],
            "variables": variables,
            "validations": validations,
        },
    })
}

fn metadata(o: &Options) -> Value {
    json!({
        "name": o.name,
        "labels": {"app.kubernetes.io/managed-by": "kubectl-hostprocess"},
        "annotations": {
            "kubectl-hostprocess/version": env!("CARGO_PKG_VERSION"),
            "kubectl-hostprocess/rules": rules().iter().map(|r| r.id).collect::<Vec<_>>().join(","),
        },
    })
}

/// The ValidatingAdmissionPolicyBinding (same name as the policy).
pub fn binding(o: &Options) -> Value {
    let mut spec = json!({"policyName": o.name, "validationActions": [o.action.as_str()]});
    if !o.namespace_selector.is_empty() {
        let labels: serde_json::Map<String, Value> =
            o.namespace_selector.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        spec["matchResources"] = json!({"namespaceSelector": {"matchLabels": labels}});
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": metadata(o),
        "spec": spec,
    })
}

/// The policy and its binding, in that order (`kubectl apply` creates them in order).
pub fn objects(o: &Options) -> [Value; 2] {
    [policy(o), binding(o)]
}

#[cfg(test)]
mod tests;
