#!/usr/bin/env bash
# Scenario sc-old-runtime: node win-old-runtime (WS2019, build 17763, containerd://1.5.18, label
# testenv.local/scenario-node=old-runtime) and a valid HostProcess pod bound to it with nodeName.
# kwok runs the pod (Running): on containerd < 1.6 the hostProcess flag is silently ignored and the
# pod runs as a normal container, which its logs (per-pod kwok Logs object) show: whoami =
# ContainerAdministrator, no access to the host's Service Control Manager.
# rule: HP010
# expect-pod-phase: hp-probe Running
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/scenarios/helpers.sh
. "$here/helpers.sh"
NS=sc-old-runtime

bash "$TESTENV_DIR/nodes.sh" --node win-old-runtime --build 17763 --runtime containerd://1.5.18 \
  --label testenv.local/scenario-node=old-runtime
ns_create "$NS"
kc apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: hp-probe
  namespace: sc-old-runtime
spec:
  nodeName: win-old-runtime
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\SYSTEM"
  nodeSelector:
    kubernetes.io/os: windows
  tolerations:
  - operator: Exists
  containers:
  - name: main
    image: mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0
    command: ["powershell.exe", "-NoLogo", "-NoProfile", "-Command", "whoami; Get-Service kubelet"]
EOF
bash "$TESTENV_DIR/pod-logs.sh" "$NS" hp-probe <<'EOF'
user manager\containeradministrator
Get-Service : Cannot find any service with service name 'kubelet'.
At line:1 char:9
+ whoami; Get-Service kubelet
+         ~~~~~~~~~~~~~~~~~~~
    + CategoryInfo          : ObjectNotFound: (kubelet:String) [Get-Service], ServiceCommandException
    + FullyQualifiedErrorId : NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand
EOF
