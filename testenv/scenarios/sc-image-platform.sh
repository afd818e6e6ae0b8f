#!/usr/bin/env bash
# Scenario sc-image-platform: HostProcess pod on win-2022-b (WS2022, build 20348) with image
# mcr.microsoft.com/windows/nanoserver:1809, whose manifest only has a 10.0.17763 Windows entry.
# Status and events are POSTED as the Windows kubelet would post them: waiting ImagePullBackOff and
# Warning Failed `Failed to pull image "...": rpc error: code = NotFound desc = failed to pull and
# unpack image "...": no match for platform in manifest: not found`.
# rule: HP017
# expect-event: pod/hp-probe Failed no match for platform in manifest: not found
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/scenarios/helpers.sh
. "$here/helpers.sh"
NS=sc-image-platform POD=hp-probe
IMAGE=mcr.microsoft.com/windows/nanoserver:1809

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
      runAsUserName: "NT AUTHORITY\\\\SYSTEM"
  nodeSelector:
    kubernetes.io/os: windows
  tolerations:
  - operator: Exists
  containers:
  - name: main
    image: $IMAGE
    command: ["cmd.exe", "/c", "ping -t localhost"]
EOF
wait_pod_exists "$NS" "$POD"
pull="rpc error: code = NotFound desc = failed to pull and unpack image \"$IMAGE\": no match for platform in manifest: not found"
sim_status "$NS" "$POD" True "$(container_status main "$IMAGE" 0 ImagePullBackOff "Back-off pulling image \"$IMAGE\": ErrImagePull: $pull")"
sim_event "$NS" "$POD" Normal Pulling "Pulling image \"$IMAGE\"" "spec.containers{main}" 4
sim_event "$NS" "$POD" Warning Failed "Failed to pull image \"$IMAGE\": $pull" "spec.containers{main}" 4
sim_event "$NS" "$POD" Warning Failed "Error: ErrImagePull" "spec.containers{main}" 4
sim_event "$NS" "$POD" Normal BackOff "Back-off pulling image \"$IMAGE\"" "spec.containers{main}" 9
sim_event "$NS" "$POD" Warning Failed "Error: ImagePullBackOff" "spec.containers{main}" 9
