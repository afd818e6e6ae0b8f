//! The `nodes` table: one row a node, and the API server's verdict below it.

use colored::Colorize;

use super::escape::terminal_safe_line;
use crate::checks::hp011_kubernetes_version::{GA, MIN_KUBERNETES};
use crate::nodes::NodesReport;

/// The human table (`-o wide` adds OS image, kernel and taints).
pub fn render_human(r: &NodesReport, wide: bool) -> String {
    let mut headers = vec!["NAME", "STATUS", "BUILD", "RUNTIME", "KUBELET", "HOSTPROCESS", "REASONS"];
    if wide {
        headers.splice(3..3, ["OS-IMAGE", "KERNEL"]);
        headers.insert(headers.len() - 2, "TAINTS");
    }
    let mut t = super::table(&headers);
    for n in &r.nodes {
        let mut status = if n.ready { "Ready".to_string() } else { "NotReady".to_string() };
        if !n.schedulable {
            status.push_str(",SchedulingDisabled");
        }
        let verdict = if n.host_process_ready { "ready".green().to_string() } else { "no".red().bold().to_string() };
        // Every cell but STATUS and HOSTPROCESS comes from the API server: escaped.
        let reasons = n
            .reasons
            .iter()
            .map(|r| match &r.rule {
                Some(id) => format!("{id}: {}", safe(&r.message)),
                None => safe(&r.message),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let dash = |o: &Option<String>| o.as_deref().filter(|s| !s.is_empty()).map(safe).unwrap_or_else(|| "-".into());
        let mut row = vec![
            safe(&n.name),
            status,
            dash(&n.windows_build),
            dash(&n.container_runtime),
            dash(&n.kubelet_version),
            verdict,
            reasons,
        ];
        if wide {
            row.splice(3..3, [dash(&n.os_image), dash(&n.kernel_version)]);
            let taints = if n.taints.is_empty() { "-".to_string() } else { safe(&n.taints.join(",")) };
            row.insert(row.len() - 2, taints);
        }
        t.add_row(row);
    }
    let mut out = super::render_table(&t);
    let version = r.server_version.as_deref().map(safe).unwrap_or_else(|| "unknown".into());
    let support = if r.server_supports_host_process {
        "supports HostProcess pods".green().to_string()
    } else {
        format!(
            "does NOT support HostProcess pods (HP011: needs {}.{}+, GA in {}.{})",
            MIN_KUBERNETES.major, MIN_KUBERNETES.minor, GA.major, GA.minor
        )
        .red()
        .bold()
        .to_string()
    };
    let ready = r.nodes.iter().filter(|n| n.host_process_ready).count();
    out.push_str(&format!(
        "\nAPI server {version} {support}. {ready} of {} node(s) ready for HostProcess.\n",
        r.nodes.len()
    ));
    out
}

fn safe(s: &str) -> String {
    terminal_safe_line(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::node;
    use crate::nodes::report;

    #[test]
    fn table_rows_and_server_line() {
        colored::control::set_override(false);
        let mut n = node(
            "w1",
            "windows",
            "containerd://1.7.20",
            "v1.30.1",
            "10.0.20348.1",
            r#"[{"key":"os","value":"windows","effect":"NoSchedule"}]"#,
        );
        n.status.as_mut().unwrap().conditions =
            Some(vec![serde_json::from_str(r#"{"type":"Ready","status":"True"}"#).unwrap()]);
        let old = report(std::slice::from_ref(&n), &[], Some("v1.22.0".into())).unwrap();
        let text = render_human(&old, true);
        assert!(text.contains("os=windows:NoSchedule"), "{text}");
        assert!(text.contains("HP011: the API server is v1.22.0"), "{text}");
        assert!(text.contains("does NOT support HostProcess pods (HP011: needs 1.23+, GA in 1.26)"), "{text}");
        let new = report(&[n], &[], Some("v1.30.1".into())).unwrap();
        let text = render_human(&new, false);
        assert!(
            text.contains("API server v1.30.1 supports HostProcess pods. 1 of 1 node(s) ready for HostProcess."),
            "{text}"
        );
        assert!(!text.contains("TAINTS"), "{text}");
    }

    /// Node fields come from the API server: control characters in them are escaped.
    #[test]
    fn node_fields_are_escaped() {
        colored::control::set_override(false);
        let n = node(
            "w\u{1b}]0;x\u{7}",
            "windows",
            "containerd://1.7.20\u{1b}[2J",
            "v1.30.1",
            "10.0.20348.1",
            r#"[{"key":"os\u001b[8m","value":"windows","effect":"NoSchedule"}]"#,
        );
        let r = report(&[n], &[], Some("v1.30.1\r".into())).unwrap();
        let text = render_human(&r, true);
        assert!(!text.contains(['\u{1b}', '\u{7}', '\r']), "{text:?}");
        assert!(text.contains("w\\u{1b}]0;x\\u{7}"), "{text}");
        assert!(text.contains("API server v1.30.1\\u{d}"), "{text}");
    }
}
