//! `nodes`: which Windows nodes can run HostProcess pods, and if not, why not.

use k8s_openapi::api::core::v1::Node;
use serde::Serialize;

use crate::checks;
use crate::cli::{GlobalArgs, NodesArgs, NodesFormat};
use crate::error::{Error, ExitCode, Result};
use crate::kube::{self, collect};
use crate::snapshot::{node_name, node_os};
use crate::version::Version;

/// HostProcess is on by default from 1.23 (beta) and GA since 1.26.
pub const MIN_HOSTPROCESS: Version = Version::new(1, 23, 0);

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reason {
    pub rule: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeReport {
    pub name: String,
    pub os: String,
    pub ready: bool,
    pub schedulable: bool,
    pub windows_build: Option<String>,
    pub os_image: Option<String>,
    pub kernel_version: Option<String>,
    pub container_runtime: Option<String>,
    pub kubelet_version: Option<String>,
    pub taints: Vec<String>,
    pub host_process_ready: bool,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodesReport {
    pub server_version: Option<String>,
    pub server_supports_host_process: bool,
    pub nodes: Vec<NodeReport>,
}

pub fn is_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True")
}

pub fn is_cordoned(node: &Node) -> bool {
    node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false)
}

pub fn taints(node: &Node) -> Vec<String> {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .map(|ts| {
            ts.iter()
                .map(|t| match &t.value {
                    Some(v) if !v.is_empty() => format!("{}={}:{}", t.key, v, t.effect),
                    _ => format!("{}:{}", t.key, t.effect),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The verdict for one node: pure, so `exec` preflight and tests share it.
pub fn node_report(node: &Node, server_version: Option<&str>) -> NodeReport {
    let info = node.status.as_ref().and_then(|s| s.node_info.as_ref());
    let os = node_os(node);
    let mut reasons = Vec::new();
    if os != "windows" {
        reasons.push(Reason {
            rule: Some("HP008".into()),
            message: format!("not a Windows node (kubernetes.io/os={})", if os.is_empty() { "unknown" } else { &os }),
        });
    } else {
        for f in checks::node_problems(node, server_version) {
            if f.severity == crate::finding::Severity::Error {
                reasons.push(Reason { rule: Some(f.rule), message: f.message });
            }
        }
    }
    let ready = is_ready(node);
    if !ready {
        reasons.push(Reason { rule: None, message: "node is NotReady".into() });
    }
    let schedulable = !is_cordoned(node);
    if !schedulable {
        reasons.push(Reason { rule: None, message: "node is cordoned (SchedulingDisabled)".into() });
    }
    let labels = node.metadata.labels.as_ref();
    NodeReport {
        name: node_name(node).to_string(),
        os,
        ready,
        schedulable,
        windows_build: labels.and_then(|l| l.get("node.kubernetes.io/windows-build")).cloned(),
        os_image: info.map(|i| i.os_image.clone()),
        kernel_version: info.map(|i| i.kernel_version.clone()),
        container_runtime: info.map(|i| i.container_runtime_version.clone()),
        kubelet_version: info.map(|i| i.kubelet_version.clone()),
        taints: taints(node),
        host_process_ready: reasons.is_empty(),
        reasons,
    }
}

pub fn server_supports(version: Option<&str>) -> bool {
    version.and_then(Version::parse).is_none_or(|v| v >= MIN_HOSTPROCESS)
}

/// Build the report from already-collected nodes.
pub fn report(nodes: &[Node], names: &[String], server_version: Option<String>) -> Result<NodesReport> {
    let mut selected: Vec<&Node> = Vec::new();
    if names.is_empty() {
        selected.extend(nodes.iter().filter(|n| node_os(n) == "windows"));
    } else {
        for name in names {
            let n = nodes.iter().find(|n| node_name(n) == name).ok_or_else(|| Error::NodeNotFound(name.clone()))?;
            selected.push(n);
        }
    }
    selected.sort_by(|a, b| node_name(a).cmp(node_name(b)));
    Ok(NodesReport {
        server_supports_host_process: server_supports(server_version.as_deref()),
        nodes: selected.into_iter().map(|n| node_report(n, server_version.as_deref())).collect(),
        server_version,
    })
}

pub fn render_human(r: &NodesReport, wide: bool) -> String {
    use colored::Colorize;
    let mut headers = vec!["NAME", "STATUS", "BUILD", "RUNTIME", "KUBELET", "HOSTPROCESS", "REASONS"];
    if wide {
        headers.splice(3..3, ["OS-IMAGE", "KERNEL"]);
        headers.insert(headers.len() - 2, "TAINTS");
    }
    let mut t = crate::output::table(&headers);
    for n in &r.nodes {
        let mut status = if n.ready { "Ready".to_string() } else { "NotReady".to_string() };
        if !n.schedulable {
            status.push_str(",SchedulingDisabled");
        }
        let verdict = if n.host_process_ready { "ready".green().to_string() } else { "no".red().bold().to_string() };
        let reasons = n
            .reasons
            .iter()
            .map(|r| match &r.rule {
                Some(id) => format!("{id}: {}", r.message),
                None => r.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let dash = |o: &Option<String>| o.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into());
        let mut row = vec![
            n.name.clone(),
            status,
            dash(&n.windows_build),
            dash(&n.container_runtime),
            dash(&n.kubelet_version),
            verdict,
            reasons,
        ];
        if wide {
            row.splice(3..3, [dash(&n.os_image), dash(&n.kernel_version)]);
            let taints = if n.taints.is_empty() { "-".to_string() } else { n.taints.join(",") };
            row.insert(row.len() - 2, taints);
        }
        t.add_row(row);
    }
    let mut out = crate::output::render_table(&t);
    let version = r.server_version.clone().unwrap_or_else(|| "unknown".into());
    let support = if r.server_supports_host_process {
        "supports HostProcess pods".green().to_string()
    } else {
        "does NOT support HostProcess pods (HP011: needs 1.23+, GA in 1.26)".red().bold().to_string()
    };
    let ready = r.nodes.iter().filter(|n| n.host_process_ready).count();
    out.push_str(&format!(
        "\nAPI server {version} {support}. {ready} of {} node(s) ready for HostProcess.\n",
        r.nodes.len()
    ));
    out
}

pub async fn run(global: &GlobalArgs, args: &NodesArgs) -> Result<ExitCode> {
    let kube = kube::connect(global).await?;
    let version = kube.server_version().await?;
    let nodes: Vec<Node> = collect::list_cluster(&kube, args.selector.as_deref(), "nodes").await?;
    let r = report(&nodes, &args.names, Some(version))?;
    if r.nodes.is_empty() {
        eprintln!(
            "No Windows nodes found{} ({} node(s) in total).\nhint: HostProcess pods need Windows nodes labelled kubernetes.io/os=windows",
            args.selector.as_deref().map(|s| format!(" matching {s}")).unwrap_or_default(),
            nodes.len()
        );
    }
    let text = match args.output {
        NodesFormat::Json => crate::output::json(&r)?,
        NodesFormat::Yaml => crate::output::yaml(&r)?,
        NodesFormat::Wide => render_human(&r, true),
        NodesFormat::Human => render_human(&r, false),
    };
    if !r.nodes.is_empty() || matches!(args.output, NodesFormat::Json | NodesFormat::Yaml) {
        crate::output::print(&text)?;
    }
    let usable = r.server_supports_host_process && r.nodes.iter().any(|n| n.host_process_ready);
    Ok(if usable { ExitCode::Ok } else { ExitCode::Findings })
}
