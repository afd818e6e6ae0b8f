#!/usr/bin/env bash
# One node of the shell alternative to `exec --all` (bench.py runs it as `xargs -P 16 -n 1`):
# a throwaway HostProcess pod bound to NODE with kubectl run, kubectl wait until Ready, kubectl exec
# the command in it, kubectl delete (which waits until the pod is gone, as the plugin does).
#   xargs-node.sh NAMESPACE NODE
set -euo pipefail
ns=$1 node=$2 pod=xa-$2
k=(kubectl -n "$ns")
overrides='{"apiVersion":"v1","spec":{"nodeName":"'$node'","hostNetwork":true,"os":{"name":"windows"},'
overrides+='"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\SYSTEM"}},'
overrides+='"tolerations":[{"operator":"Exists"}]}}'
"${k[@]}" run "$pod" --image="${XARGS_IMAGE:?}" --restart=Never --overrides="$overrides" \
  --command -- powershell.exe -NoLogo -Command "Start-Sleep 3600" >/dev/null
"${k[@]}" wait --for=condition=Ready "pod/$pod" --timeout=300s >/dev/null
out=$("${k[@]}" exec "$pod" -- cmd /c echo hi)
"${k[@]}" delete pod "$pod" >/dev/null
echo "$node $out"
