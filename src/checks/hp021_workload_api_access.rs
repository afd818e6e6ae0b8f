//! HP021 workload-api-access: the workload cannot use the API server with the config it built.

use super::signature::Signature;
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP021",
    name: "workload-api-access",
    severity: Severity::Error,
    summary: "A HostProcess workload reaches the API server with a wrong kubeconfig or identity (its log says so)",
    doc: r#"## What it does
Live and from support bundles. Reads the logs of failing HostProcess containers for the errors of a
Kubernetes client whose configuration is wrong: a kubeconfig written with an empty server, a
server address that exists only on Linux nodes, no configuration at all, or an identity the API
server refuses.

## Why is this bad?
A HostProcess container sees the whole host, so a host kubeconfig path "works" and picks up the
kubelet's identity (`system:node:<name>`) instead of the pod's ServiceAccount; installers that
write a kubeconfig from `KUBERNETES_SERVICE_HOST`/`PORT` write `https://` when those are empty;
and kubeconfigs shared with Linux nodes point at `127.0.0.1:6443`, a proxy that only Linux nodes run.

## Example
```text
error creating calico client: host must be a URL or a host:port pair: "https://"
```

## Use instead
Give the Windows workload its own kubeconfig with the real API endpoint (or the in-cluster
config on containerd 1.7+) and the RBAC its ServiceAccount needs.

## References
- the sources listed with each log signature below
"#,
    rank: 55,
    signatures: SIGNATURES,
    admission: &[],
    check,
};

pub const SIGNATURES: &[Signature] = &[
    Signature {
        id: "empty-api-host",
        all: &["host must be a url or a host:port pair"],
        any: &[],
        cause: "the kubeconfig the workload uses has an empty server (https://): it was written from KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT while they were empty, as the Calico Windows installer does when its ConfigMap leaves them blank.",
        fix: "set KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (the API server's address, not the service VIP while kube-proxy is not up) in the installer's ConfigMap, then delete the pods so they write the kubeconfig again",
        source: "https://github.com/kubernetes-sigs/sig-windows-tools/issues/302",
        example: "plugin type=\"calico\" failed (add): error creating calico client: host must be a URL or a host:port pair: \"https://\"",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "localhost-api-server",
        all: &["connectex:"],
        any: &["dial tcp 127.0.0.1:", "dial tcp [::1]:"],
        cause: "the workload's kubeconfig points at 127.0.0.1, an API proxy that only Linux nodes run (kubespray's nginx on 127.0.0.1:6443); nothing listens there on a Windows node.",
        fix: "give the Windows workload its own kubeconfig or ConfigMap with the API server's real address",
        source: "https://github.com/kubernetes-sigs/sig-windows-tools/issues/360",
        example: "dial tcp 127.0.0.1:6443: connectex: No connection could be made because the target machine actively refused it.",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "no-configuration-provided",
        all: &["invalid configuration: no configuration has been provided"],
        any: &[],
        cause: "the program found no kubeconfig and no --master; on a HostProcess container this follows a failed in-cluster config (the service-account token path does not exist in the node's volume layout, see HP014) or a missing --kubeconfig.",
        fix: "pass --kubeconfig (or KUBECONFIG) explicitly, or run the node on containerd 1.7+ so that the in-cluster config finds its token",
        source: "https://github.com/kubernetes-sigs/sig-windows-tools/issues/343",
        example: "E0829 17:10:51.531215 3824 main.go:228] Failed to create SubnetManager: fail to create kubernetes config: invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "rbac-forbidden",
        all: &["is forbidden: user \"", "\" cannot "],
        any: &[],
        cause: "the API server refuses the workload's identity: as system:node:<name> it is using the kubelet's host kubeconfig (a HostProcess container can read it) instead of its ServiceAccount; as system:serviceaccount:… its RBAC binding is missing.",
        fix: "point KUBECONFIG at the ServiceAccount kubeconfig (not the host's C:\\k\\config), and apply the ClusterRole and ClusterRoleBinding the workload ships",
        source: "https://github.com/projectcalico/calico/issues/7445",
        example: "error=unable to query ClusterInformation to determine Calico version: connection is unauthorized: clusterinformations.crd.projectcalico.org \"default\" is forbidden: User \"system:node:appmana-006\" cannot get resource \"clusterinformations\" in API group \"crd.projectcalico.org\" at the cluster scope",
        layout: false,
        last_line: false,
    },
];

/// Everything this rule finds is in container logs (`checks::logs`).
fn check(_: &Snapshot, _: &mut Vec<Finding>) {}
