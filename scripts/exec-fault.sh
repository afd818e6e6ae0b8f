#!/usr/bin/env bash
# Fault injection for `exec`: N runs (default 100), each interrupted with SIGINT or SIGTERM at a
# random point (before the pod exists, while it starts, while the command runs, after it ends),
# most of them also through testenv/faultproxy.py with an API fault: the create's answer lost,
# a 2 s outage after the create, watches cut, the exec stream cut, DELETE failing with 500 or
# hanging. Then count the throwaway pods left behind.
#
# A pod whose delete the proxy made fail must be reported on stderr with the command that
# deletes it and its deadline; the script runs that command (without the proxy) and counts it
# as "reported". Prints "leftover pods: N" last (pods nobody reported or removed); exits 1 if
# N > 0 or a run hung (did not end within 40 s of its signal).
# Needs the local control plane (make testenv-up), python3 and a built plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${FAULT_RUNS:-100}
NS=${FAULT_NAMESPACE:-exec-fault}
BIN=${PLUGIN:-target/debug/kubectl-hostprocess}
: "${KUBECONFIG:?set KUBECONFIG (make testenv-up prints it)}"
kubectl create namespace "$NS" >/dev/null 2>&1 || true
kubectl label --overwrite namespace "$NS" pod-security.kubernetes.io/enforce=privileged >/dev/null
until kubectl -n "$NS" get serviceaccount default >/dev/null 2>&1; do sleep 0.3; done

work=$(mktemp -d)
proxies=()
cleanup_proxies() {
  for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup_proxies EXIT
# One proxy per fault, each with its own kubeconfig.
faults=(none create-lost outage-after-create cut-watch cut-exec delete-500 delete-hang)
declare -A kc
for f in "${faults[@]}"; do
  [ "$f" = none ] && continue
  extra=()
  case $f in
    outage-after-create) extra=(--outage 2) ;;
    cut-watch) extra=(--after 0.1) ;;
    cut-exec) extra=(--after 0.3) ;;
  esac
  python3 testenv/faultproxy.py --fault "$f" "${extra[@]}" --namespace "$NS" \
    --admin-kubeconfig "${KUBECONFIG%%:*}" --kubeconfig "$work/$f.kubeconfig" \
    >"$work/$f.out" 2>>"$work/proxy.log" &
  proxies+=($!)
  kc[$f]=$work/$f.kubeconfig
done
for f in "${!kc[@]}"; do
  until grep -q listening "$work/$f.out" 2>/dev/null; do sleep 0.1; done
done

nodes=(win-2019-a win-2022-a win-2022-b win-2025-a)
codes=()
reported=0
hung=0
for i in $(seq 1 "$RUNS"); do
  node=${nodes[RANDOM % ${#nodes[@]}]}
  sig=$([ $((RANDOM % 2)) -eq 0 ] && echo INT || echo TERM)
  fault=${faults[RANDOM % ${#faults[@]}]}
  # Some runs wait on a pod kwok never starts (a slow image pull), the others run a command.
  extra=()
  [ $((RANDOM % 3)) -eq 0 ] && extra=(--annotation testenv.local/kubelet=simulated)
  config=$KUBECONFIG
  [ "$fault" != none ] && config=${kc[$fault]}
  KUBECONFIG=$config "$BIN" -n "$NS" exec "$node" "${extra[@]}" --pod-running-timeout 20s -- sh -c 'sleep 5' \
    >/dev/null 2>"$work/run.err" &
  pid=$!
  # A random point between 0 and 1.5 s.
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", (r % 1500) / 1000 }')"
  kill -s "$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 400); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
    hung=$((hung + 1))
    echo "run $i: hung after SIG$sig ($fault)" >&2
  fi
  rc=0; wait "$pid" || rc=$?
  codes+=("$fault:$rc")
  # An undeletable pod must come with the command that deletes it and its deadline.
  while read -r name; do
    if grep -q "at its deadline 20" "$work/run.err"; then
      "$BIN" -n "$NS" cleanup "$name" >/dev/null 2>&1 && reported=$((reported + 1))
    fi
  done < <(sed -n "s/.*kubectl hostprocess cleanup -n $NS \(hostprocess-[a-z0-9-]*\)\`.*/\1/p" "$work/run.err")
  printf 'run %3d: %-10s SIG%-4s %-20s exit %s\n' "$i" "$node" "$sig" "$fault" "$rc" >&2
done
# Deletion is asynchronous for a moment on the server side.
for _ in $(seq 1 30); do
  left=$(kubectl -n "$NS" get pods -l app.kubernetes.io/managed-by=kubectl-hostprocess -o name | wc -l)
  [ "$left" -eq 0 ] && break
  sleep 0.5
done
echo "exit codes (fault:code): $(printf '%s\n' "${codes[@]}" | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')" >&2
echo "undeletable pods reported with their cleanup command and deadline, then removed with it: $reported" >&2
echo "hung runs: $hung" >&2
echo "leftover pods: $left"
[ "$left" -eq 0 ] && [ "$hung" -eq 0 ]
