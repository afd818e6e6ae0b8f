#!/usr/bin/env bash
# Scenario sc-executable: HostProcess pod on win-2019-a whose command is an absolute path that only
# exists inside the image (C:\app\agent.exe); HostProcess containers resolve commands against the
# host. Status and events are POSTED as the Windows kubelet would post them: RunContainerError /
# StartError `failed to start containerd task "<id>": failed to get application name from
# commandline "C:\app\agent.exe": failed to find executable "C:\app\agent.exe": unknown`,
# then CrashLoopBackOff (restartCount 4), Warning Failed and BackOff events.
# rule: HP016
# expect-event: pod/hp-probe Failed failed to find executable "C:\app\agent.exe"
# expect-event: pod/hp-probe BackOff Back-off restarting failed container main
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/scenarios/helpers.sh
. "$here/helpers.sh"
NS=sc-executable POD=hp-probe
IMAGE=registry.example.com/tools/agent:1.4.2

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
  nodeName: win-2019-a
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
    command: ['C:\\app\\agent.exe']
    args: ["--config", "agent.yaml"]
EOF
wait_pod_exists "$NS" "$POD"
uid=$(kc -n "$NS" get pod "$POD" -o jsonpath='{.metadata.uid}')
cid=$(fake_id "$NS/$POD/main/4")
err="failed to start containerd task \"$cid\": failed to get application name from commandline \"C:\\app\\agent.exe\": failed to find executable \"C:\\app\\agent.exe\": unknown"
backoff="back-off 1m20s restarting failed container=main pod=${POD}_$NS($uid)"
sim_status "$NS" "$POD" True "$(container_status main "$IMAGE" 4 CrashLoopBackOff "$backoff" "$err" "$cid")"
sim_event "$NS" "$POD" Normal Pulled "Container image \"$IMAGE\" already present on machine" "spec.containers{main}" 5
sim_event "$NS" "$POD" Normal Created "Created container: main" "spec.containers{main}" 5
sim_event "$NS" "$POD" Warning Failed "Error: $err" "spec.containers{main}" 5
sim_event "$NS" "$POD" Warning BackOff "Back-off restarting failed container main in pod ${POD}_$NS($uid)" "spec.containers{main}" 11
bash "$TESTENV_DIR/pod-logs.sh" "$NS" "$POD" </dev/null
