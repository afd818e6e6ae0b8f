#!/usr/bin/env bash
# Scenario sc-sandbox: valid HostProcess pod on win-2025-a stuck in ContainerCreating because the
# pod sandbox cannot be created. Status and events are POSTED as the Windows kubelet would post them:
# Warning FailedCreatePodSandBox `Failed to create pod sandbox: rpc error: code = Unknown desc =
# failed to setup network for sandbox "<id>": plugin type="flannel" failed (add):
# loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: The system cannot find the path
# specified.` Per the rules' decision tree (step 6) a sandbox error without HostProcess text is the
# CNI/HNS triage rule. (HostProcess sandboxes skip CNI, so a CNI error on a HostProcess pod means the
# sandbox was not created as HostProcess - the HP010/HP002 note in the rules catalogue.)
# rule: HP019
# expect-event: pod/hp-probe FailedCreatePodSandBox failed to setup network for sandbox
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/scenarios/helpers.sh
. "$here/helpers.sh"
NS=sc-sandbox POD=hp-probe
IMAGE=mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0

ns_create "$NS"
kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $POD
  namespace: $NS
  annotations:
    testenv.local/kubelet: simulated
spec:
  nodeName: win-2025-a
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\\\SYSTEM"
  nodeSelector:
    kubernetes.io/os: windows
  tolerations:
  - operator: Exists
  containers:
  - name: main
    image: $IMAGE
    command: ["powershell.exe", "-NoLogo", "-NoProfile", "-Command", "Get-Service kubelet"]
EOF
wait_pod_exists "$NS" "$POD"
sid=$(fake_id "$NS/$POD/sandbox")
sim_status "$NS" "$POD" False "$(container_status main "$IMAGE" 0 ContainerCreating "")"
sim_event "$NS" "$POD" Warning FailedCreatePodSandBox "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"$sid\": plugin type=\"flannel\" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: The system cannot find the path specified." "" 17
