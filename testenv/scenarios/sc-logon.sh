#!/usr/bin/env bash
# Scenario sc-logon: HostProcess pod on win-2022-b with runAsUserName "nt authority\system"
# (lower-case domain: passes API validation, but hcsshim only uses a service logon for the exact
# domain "NT AUTHORITY", so the logon fails). Status and events are POSTED as the Windows kubelet
# would post them (kwok leaves pods annotated testenv.local/kubelet=simulated alone):
# container waiting RunContainerError `failed to start containerd task "<id>": failed to create
# user process token: failed to logon user: The user name or password is incorrect.: unknown`,
# lastState StartError/128, and a Warning Failed event `Error: failed to start containerd task ...`.
# rule: HP006
# expect-event: pod/hp-probe Failed failed to create user process token: failed to logon user
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/scenarios/helpers.sh
. "$here/helpers.sh"
NS=sc-logon POD=hp-probe
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
  nodeName: win-2022-b
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: 'nt authority\\system'
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
cid=$(fake_id "$NS/$POD/main")
err="failed to start containerd task \"$cid\": failed to create user process token: failed to logon user: The user name or password is incorrect.: unknown"
sim_status "$NS" "$POD" True "$(container_status main "$IMAGE" 1 RunContainerError "$err" "$err" "$cid")"
sim_event "$NS" "$POD" Normal Pulled "Container image \"$IMAGE\" already present on machine" "spec.containers{main}" 2
sim_event "$NS" "$POD" Normal Created "Created container: main" "spec.containers{main}" 2
sim_event "$NS" "$POD" Warning Failed "Error: $err" "spec.containers{main}" 2
