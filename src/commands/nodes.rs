//! `nodes`: which Windows nodes can run HostProcess pods, and if not, why not.

use std::io::Write;

use k8s_openapi::api::core::v1::Node;

use crate::cli::{GlobalArgs, NodesArgs, NodesFormat};
use crate::error::{ExitCode, Result};
use crate::kube::{self, collect};
use crate::nodes::report;
use crate::output::nodes::render_human;

pub async fn run(global: &GlobalArgs, args: &NodesArgs) -> Result<ExitCode> {
    let kube = kube::connect(global).await?;
    let version = kube.server_version().await?;
    let nodes: Vec<Node> = collect::list_cluster(&kube, args.selector.as_deref(), "nodes").await?;
    let r = report(&nodes, &args.names, Some(version))?;
    if r.nodes.is_empty() {
        // A closed stderr is not worth a panic.
        let _ = writeln!(
            std::io::stderr(),
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
