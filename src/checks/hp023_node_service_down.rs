//! HP023 node-service-down.

use super::nodes::host_process_pods_on;
use super::rule::Rule;
use crate::finding::{Finding, ObjectRef, Severity};
use crate::node_facts::{NodeEvent, NodeFacts, ServiceFacts, ServiceStatus, StartType};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP023",
    name: "node-service-down",
    severity: Severity::Error,
    summary: "A Kubernetes service on a Windows node is stopped, disabled or crashing (from a collect bundle)",
    doc: r#"## What it does
Reads what a Windows node reported in a `collect` bundle (`doctor --from-file BUNDLE.tar.gz`):
the states of its services (`services.json`: `Get-Service kubelet,containerd,kube-proxy,csi-proxy`)
and the Service Control Manager's recent events (`events/scm.json`). It reports, on `Node/<name>`:

- **kubelet** or **containerd** not `Running` (error), whatever their start type; `Disabled`
  is said explicitly, since nothing will start them again;
- **kube-proxy**, **csi-proxy** installed as services with start type `Automatic` but not
  `Running` (warning; a stopped *manual* or *disabled* one is taken as intended, e.g. kube-proxy
  moved to a HostProcess DaemonSet);
- a service that is running now but whose recent SCM events say it terminated unexpectedly
  (event 7031 or 7034) or failed to start (7000, 7009, 7023, 7024): warning, it is crash-looping.

HostProcess pods on the node get the error too: their failure starts on the node.

## Why is this bad?
Without containerd the kubelet cannot create sandboxes (pods stay `ContainerCreating`, the node
goes `NotReady` when the runtime stops answering); without the kubelet nothing on the node moves.
On Windows these are SCM services: unless recovery actions are set (`sc.exe failure`), a crash
leaves them stopped. The Node object can still look fine for up to the node-monitor grace period,
and the cluster never says *why*: only the node's service states and event log do.

## Example
```text
services.json:  {"Name": "containerd", "Status": 1, "StartType": 2}     (1 = Stopped, 2 = Automatic)
events/scm.json: 7031 "The containerd service terminated unexpectedly.  It has done this 3 time(s)."
```

## Use instead
Start the service (`Start-Service containerd`), read its log (`kubectl hostprocess logs NODE
--query containerd`) for why it stopped, and give it recovery actions
(`sc.exe failure containerd reset= 0 actions= restart/10000`).

## References
- Azure/acs-engine#933 "windows cluster Docker/Kubelet/Kubeproxy service missing recovery policy"
  (a crashed service stays stopped, nodes go NotReady)
- Azure/acs-engine#3888 "Make kubelet & docker service restart automatically when it crashes on Windows"
- kubernetes/kubernetes#72900 (kubelet as a Windows service and SCM failure actions)
- Microsoft Learn, `MSFT_ServerServiceDetail` (Status 1 Stopped, 4 Running; StartupType 2 Auto,
  3 Demand, 4 Disabled) and the Service Control Manager events 7000, 7009, 7023, 7024, 7031, 7034
"#,
    rank: 19,
    signatures: &[],
    admission: &[],
    check,
};

/// Services without which nothing runs on the node.
const REQUIRED: [&str; 2] = ["kubelet", "containerd"];
/// Services that, when installed to start automatically, should run.
const EXPECTED_IF_AUTOMATIC: [&str; 2] = ["kube-proxy", "csi-proxy"];
/// SCM events of a service that stopped unexpectedly or failed to start.
const CRASH_EVENTS: [u32; 6] = [7000, 7009, 7023, 7024, 7031, 7034];

fn status_text(s: &ServiceFacts) -> String {
    let status = match &s.status {
        ServiceStatus::Running => "Running".to_string(),
        ServiceStatus::Stopped => "Stopped".to_string(),
        ServiceStatus::Other(o) => o.clone(),
    };
    let start = match &s.start_type {
        Some(StartType::Automatic) => "Automatic".to_string(),
        Some(StartType::Manual) => "Manual".to_string(),
        Some(StartType::Disabled) => "Disabled".to_string(),
        Some(StartType::Other(o)) => o.clone(),
        None => "unknown".to_string(),
    };
    format!("{} {status}, start type {start}", s.name)
}

/// The SCM events about the service named `name` (by name or display name in the message).
fn crash_events<'a>(facts: &'a NodeFacts, s: &ServiceFacts) -> Vec<&'a NodeEvent> {
    let names: Vec<String> =
        [Some(&s.name), s.display_name.as_ref()].into_iter().flatten().map(|n| format!(" {} ", n.to_lowercase())).collect();
    facts
        .events
        .iter()
        .filter(|e| CRASH_EVENTS.contains(&e.id))
        .filter(|e| {
            let m = format!(" {} ", e.message.to_lowercase().replace(['.', ','], " "));
            names.iter().any(|n| m.contains(n.as_str()))
        })
        .collect()
}

fn event_line(facts: &NodeFacts, e: &NodeEvent) -> String {
    let msg: String = e.message.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{} event {} at {}: {msg}", facts.item(&e.item), e.id, e.time.as_deref().unwrap_or("unknown time"))
}

/// The HP023 findings for one node's facts.
pub fn node_findings(node: &str, facts: &NodeFacts) -> Vec<Finding> {
    let Some(services) = &facts.services else { return Vec::new() };
    let mut out = Vec::new();
    for s in services {
        let lower = s.name.to_ascii_lowercase();
        let required = REQUIRED.contains(&lower.as_str());
        let automatic = s.start_type == Some(StartType::Automatic);
        let running = s.status == ServiceStatus::Running;
        let crashes = crash_events(facts, s);
        let (severity, what) = if !running && required {
            let disabled = if s.start_type == Some(StartType::Disabled) {
                " and disabled, so nothing will start it again"
            } else {
                ""
            };
            (Severity::Error, format!("the {} service is not running{disabled}", s.name))
        } else if !running && automatic && EXPECTED_IF_AUTOMATIC.contains(&lower.as_str()) {
            (Severity::Warning, format!("the {} service is set to start automatically but is not running", s.name))
        } else if running && !crashes.is_empty() && (required || EXPECTED_IF_AUTOMATIC.contains(&lower.as_str())) {
            (Severity::Warning, format!("the {} service is running but stopped unexpectedly or failed to start {} time(s) recently", s.name, crashes.len()))
        } else {
            continue;
        };
        let mut f = RULE
            .bare(
                Some(ObjectRef::new("Node", None, node)),
                format!("on node {node}, {what}"),
                format!(
                    "on the node: `Start-Service {0}`; read why it stopped (`kubectl hostprocess logs {node} --query {0}`) and set recovery actions (`sc.exe failure {0} reset= 0 actions= restart/10000`)",
                    s.name
                ),
            )
            .with_node(node)
            .with_severity(severity)
            .with_evidence(format!("{}: {}", facts.item("services.json"), status_text(s)));
        for e in crashes.iter().rev().take(3) {
            f = f.with_evidence(event_line(facts, e));
        }
        out.push(f);
    }
    out
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for (node, facts) in &snapshot.node_facts {
        let found = node_findings(node, facts);
        if let Some(root) = found.iter().find(|f| f.severity == Severity::Error) {
            for spec in host_process_pods_on(snapshot, node) {
                out.push(
                    RULE.finding(
                        &spec,
                        "",
                        format!("HostProcess pod is on node {node}, where {}", root.message.trim_start_matches(&format!("on node {node}, "))),
                        format!("fix the node first (see Node/{node}), then delete the pod so it is recreated"),
                    )
                    .with_evidence(root.evidence[0].clone()),
                );
            }
        }
        out.extend(found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, findings};
    use crate::load::node_items::{parse_events, parse_services};

    fn facts(services: &str, events: &str) -> NodeFacts {
        NodeFacts {
            dir: "_hostprocess/nodes/w1".into(),
            services: Some(parse_services(services).unwrap()),
            events: parse_events("events/scm.json", events).unwrap(),
            ..Default::default()
        }
    }

    const HP: &str = r#"{"hostNetwork":true,"nodeName":"w1","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;

    #[test]
    fn stopped_containerd_fires_on_the_node_and_its_hostprocess_pods() {
        let mut s = cluster_pod(HP, "{}");
        let f = facts(
            r#"[{"Name":"containerd","Status":1,"StartType":2},{"Name":"kubelet","Status":4,"StartType":2}]"#,
            r#"{"TimeCreated":"\/Date(1700000000000)\/","Id":7031,"ProviderName":"Service Control Manager","Message":"The containerd service terminated unexpectedly.  It has done this 3 time(s)."}"#,
        );
        s.node_facts.insert("w1".into(), f);
        let out = findings(&s, &RULE);
        assert_eq!(out.len(), 2, "{out:#?}");
        let node = out.iter().find(|f| f.object.as_ref().unwrap().kind == "Node").unwrap();
        assert_eq!(node.severity, Severity::Error);
        assert!(node.message.contains("containerd service is not running"), "{}", node.message);
        assert_eq!(node.evidence[0], "_hostprocess/nodes/w1/services.json: containerd Stopped, start type Automatic");
        assert!(node.evidence[1].contains("event 7031 at 2023-11-14T22:13:20Z"), "{:?}", node.evidence);
        let pod = out.iter().find(|f| f.object.as_ref().unwrap().kind == "Pod").unwrap();
        assert!(pod.message.contains("node w1, where the containerd service is not running"), "{}", pod.message);
    }

    #[test]
    fn disabled_kubelet_optional_services_and_crash_loops() {
        let f = facts(
            r#"[{"Name":"kubelet","Status":1,"StartType":4},{"Name":"kube-proxy","Status":1,"StartType":3},{"Name":"csi-proxy","Status":1,"StartType":2},{"Name":"containerd","Status":4,"StartType":2}]"#,
            r#"[{"Id":7034,"Message":"The containerd service terminated unexpectedly.  It has done this 1 time(s)."},{"Id":7036,"Message":"The containerd service entered the running state."},{"Id":7031,"Message":"The containerd-shim service terminated unexpectedly."}]"#,
        );
        let out = node_findings("w1", &f);
        let got: Vec<(Severity, &str)> = out.iter().map(|f| (f.severity, f.message.as_str())).collect();
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[0].0 == Severity::Error && got[0].1.contains("kubelet service is not running and disabled"));
        assert!(got[1].0 == Severity::Warning && got[1].1.contains("csi-proxy service is set to start automatically"));
        assert!(got[2].0 == Severity::Warning && got[2].1.contains("containerd service is running but stopped unexpectedly or failed to start 1 time(s)"));
    }

    #[test]
    fn quiet_when_running_or_unknown() {
        let f = facts(r#"[{"Name":"kubelet","Status":4,"StartType":2},{"Name":"containerd","Status":"Running","StartType":"Automatic"}]"#, "");
        assert!(node_findings("w1", &f).is_empty());
        assert!(node_findings("w1", &NodeFacts::default()).is_empty());
    }
}
