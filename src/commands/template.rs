//! `template pod|daemonset`: a correct HostProcess manifest.

use crate::cli::{TemplateArgs, TemplateKind};
use crate::error::{ExitCode, Result};
use crate::version::Version;

/// The manifest text. Pure, so it can be linted in tests.
pub fn render(args: &TemplateArgs) -> String {
    let command = if args.command.is_empty() {
        // The plugin's PowerShell argv, as the template has always written it: without
        // -NonInteractive.
        let mut c = crate::exec::spec::powershell("Start-Sleep -Seconds 2147483");
        c.retain(|a| a != "-NonInteractive");
        c
    } else {
        args.command.clone()
    };
    let cmd_yaml: String = command.iter().map(|c| format!("{}- {}\n", " ".repeat(INDENT), quote(c))).collect();
    let user = quote(&args.run_as.user_name());
    // Volume paths: containerd 1.6 only exposes volumes under the container's sandbox mount
    // point; 1.7+ binds them at their mountPath. The relative form works on both.
    let (volume_note, volume_path) = match args.containerd_version.as_deref().and_then(Version::parse) {
        Some(v) if v < Version::new(1, 7, 0) => (
            "containerd 1.6: read it as $env:CONTAINER_SANDBOX_MOUNT_POINT\\etc\\agent (or .\\etc\\agent)",
            "/etc/agent",
        ),
        Some(_) => ("containerd 1.7+: bound at C:\\etc\\agent", "/etc/agent"),
        None => ("works on containerd 1.6 and 1.7 when read with the relative path .\\etc\\agent", "/etc/agent"),
    };
    let pod_spec = format!(
        r#"hostNetwork: true          # required for HostProcess (HP001)
securityContext:
  windowsOptions:
    hostProcess: true        # set once, at pod level (HP002, HP003)
    runAsUserName: {user}
nodeSelector:
  kubernetes.io/os: windows  # spec.os does not schedule (HP008)
tolerations:
- operator: Exists           # Windows nodes are often tainted os=windows:NoSchedule (HP009)
containers:
- name: {name}
  image: {image}
  command:
{cmd_yaml}  volumeMounts:
  - name: config             # {volume_note}
    mountPath: {volume_path}
volumes:
- name: config
  configMap:
    name: {name}-config
    optional: true
"#,
        name = args.name,
        image = quote(&args.image),
    );
    let header = format!(
        "# HostProcess {kind} written by kubectl-hostprocess {version}.\n\
         # The namespace must allow privileged pods (Pod Security enforce=privileged, HP007):\n\
         #   kubectl label namespace {ns} pod-security.kubernetes.io/enforce=privileged\n",
        kind = match args.kind {
            TemplateKind::Pod => "pod",
            TemplateKind::Daemonset => "DaemonSet",
        },
        version = env!("CARGO_PKG_VERSION"),
        ns = args.target_namespace,
    );
    match args.kind {
        TemplateKind::Pod => format!(
            "{header}apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  os:\n    name: windows\n{spec}",
            name = args.name,
            ns = args.target_namespace,
            spec = indent(&pod_spec, 2)
        ),
        TemplateKind::Daemonset => format!(
            "{header}apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      os:\n        name: windows\n{spec}",
            name = args.name,
            ns = args.target_namespace,
            spec = indent(&pod_spec, 6)
        ),
    }
}

const INDENT: usize = 2;

fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("{pad}{l}\n") }).collect()
}

/// A YAML scalar in single quotes (backslashes stay single, as Windows paths need).
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn run(args: &TemplateArgs) -> Result<ExitCode> {
    crate::output::print(&render(args))?;
    Ok(ExitCode::Ok)
}
