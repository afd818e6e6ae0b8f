#!/usr/bin/env bash
# Scenario sc-log-signatures: HostProcess pods that start and crash, whose logs (served by kwok,
# for `kubectl logs` and `kubectl logs --previous` alike) hold real failure lines from public
# reports. Status and events are POSTED as the Windows kubelet would post them: CrashLoopBackOff,
# lastState terminated Error with the exit code, a BackOff event.
#   kube-proxy on win-2022-b (containerd 1.7): its start script reads the ConfigMap under the
#     sandbox mount point, which the bind layout does not have (sig-windows-tools#377) → HP014
#   flannel on win-2025-a: HNS still holds the network (hcsshim#850) → HP020
#   agnhost on win-2019-a: `cmd /c c:\hpc\agnhost` without the .exe (kubernetes#120113) → HP016
# rule: HP014 HP020 HP016
# expect-event: pod/kube-proxy-windows-hpc BackOff Back-off restarting failed container kube-proxy
# expect-event: pod/kube-flannel-windows-hns BackOff Back-off restarting failed container kube-flannel
# expect-event: pod/agnhost-cmd BackOff Back-off restarting failed container agnhost
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/scenarios/helpers.sh
. "$here/helpers.sh"
NS=sc-log-signatures

ns_create "$NS"

# crash_pod POD NODE CONTAINER IMAGE RESTARTS EXIT COMMAND_JSON < log lines
crash_pod() {
  local pod=$1 node=$2 c=$3 image=$4 restarts=$5 code=$6 cmd=$7 uid cid lines
  kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $pod
  namespace: $NS
  annotations:
    testenv.local/kubelet: simulated
spec:
  nodeName: $node
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
  - name: $c
    image: $image
    command: $cmd
YAML
  wait_pod_exists "$NS" "$pod"
  uid=$(kc -n "$NS" get pod "$pod" -o jsonpath='{.metadata.uid}')
  cid=$(fake_id "$NS/$pod/$c/$restarts")
  sim_pod_status "$NS" "$pod" "{\"status\":{\"phase\":\"Running\",\"hostIP\":\"127.0.0.1\",\"podIP\":\"127.0.0.1\",\"containerStatuses\":[$(crash_status "$c" "$image" "$restarts" "$code" "$cid")]}}"
  sim_event "$NS" "$pod" Warning BackOff "Back-off restarting failed container $c in pod ${pod}_$NS($uid)" "spec.containers{$c}" "$restarts"
  # The crashed attempt's log, for `kubectl logs` (what cluster-info dump reads) and --previous.
  lines=$(cat)
  printf '%s\n' "$lines" >"$TESTENV_STATE/.prev-$pod"
  printf '%s\n' "$lines" | bash "$TESTENV_DIR/pod-logs.sh" "$NS" "$pod" --container "$c" --previous "$TESTENV_STATE/.prev-$pod"
  rm -f "$TESTENV_STATE/.prev-$pod"
}

crash_pod kube-proxy-windows-hpc win-2022-b kube-proxy sigwindowstools/kube-proxy:v1.30.4-calico-hostprocess 12 1 \
  '["pwsh", "-File", "$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/start.ps1"]' <<'LOG'
Running kub-proxy service.
Write files so the kubeconfig points to correct locations
Get-Content : Cannot find path 'C:\hpc\var\lib\kube-proxy\kubeconfig.conf' because it does not exist.
At C:\hpc\kube-proxy\start.ps1:56 char:3
LOG

crash_pod kube-flannel-windows-hns win-2025-a kube-flannel sigwindowstools/flannel:v0.21.5-hostprocess 7 1 \
  '["powershell.exe", "-File", "$env:CONTAINER_SANDBOX_MOUNT_POINT/flannel/start.ps1"]' <<'LOG'
I0716 13:54:32.911402    2472 main.go:217] Could not find valid interface matching 10.0.0.4: using default interface
E0716 13:54:33.083784    2472 main.go:291] Error registering network: failed to create HNSNetwork cbr0: hnsCall failed in Win32: A network with this name already exists. (0x803b0010)
LOG

crash_pod agnhost-cmd win-2019-a agnhost registry.k8s.io/e2e-test-images/agnhost:2.45 5 1 \
  '["cmd.exe", "/c", "c:\\hpc\\agnhost", "pause"]' <<'LOG'
'c:\hpc\agnhost' is not recognized as an internal or external command,
operable program or batch file.
LOG
