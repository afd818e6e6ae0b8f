#!/usr/bin/env bash
# Fault injection for `exec`: N runs (default 100), each interrupted with SIGINT or SIGTERM at a
# random point (before the pod exists, while it starts, while the command runs, after it ends),
# then count the throwaway pods left behind. Prints "leftover pods: N" last; exits 1 if N > 0.
# Needs the local control plane (make testenv-up) and a built plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${FAULT_RUNS:-100}
NS=${FAULT_NAMESPACE:-exec-fault}
BIN=${PLUGIN:-target/debug/kubectl-hostprocess}
: "${KUBECONFIG:?set KUBECONFIG (make testenv-up prints it)}"
kubectl create namespace "$NS" >/dev/null 2>&1 || true
kubectl label --overwrite namespace "$NS" pod-security.kubernetes.io/enforce=privileged >/dev/null
until kubectl -n "$NS" get serviceaccount default >/dev/null 2>&1; do sleep 0.3; done
nodes=(win-2019-a win-2022-a win-2022-b win-2025-a)
codes=()
for i in $(seq 1 "$RUNS"); do
  node=${nodes[RANDOM % ${#nodes[@]}]}
  sig=$([ $((RANDOM % 2)) -eq 0 ] && echo INT || echo TERM)
  # Some runs wait on a pod kwok never starts (a slow image pull), the others run a command.
  extra=()
  [ $((RANDOM % 3)) -eq 0 ] && extra=(--annotation testenv.local/kubelet=simulated)
  "$BIN" -n "$NS" exec "$node" "${extra[@]}" -- sh -c 'sleep 5' >/dev/null 2>&1 &
  pid=$!
  # A random point between 0 and 1.5 s.
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", (r % 1500) / 1000 }')"
  kill -s "$sig" "$pid" 2>/dev/null || true
  rc=0; wait "$pid" || rc=$?
  codes+=("$rc")
  printf 'run %3d: %-10s SIG%-4s exit %s\n' "$i" "$node" "$sig" "$rc" >&2
done
# Deletion is asynchronous for a moment on the server side.
for _ in $(seq 1 30); do
  left=$(kubectl -n "$NS" get pods -l app.kubernetes.io/managed-by=kubectl-hostprocess -o name | wc -l)
  [ "$left" -eq 0 ] && break
  sleep 0.5
done
echo "exit codes: $(printf '%s\n' "${codes[@]}" | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')" >&2
echo "leftover pods: $left"
[ "$left" -eq 0 ]
