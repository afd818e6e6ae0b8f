#!/usr/bin/env bash
# Show the state of the local control plane: each component's pid / liveness / RSS, apiserver
# readiness, nodes, and the KUBECONFIG line. Exit 0 if every component runs and /readyz answers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/lib.sh
. "$here/lib.sh"

if [ ! -d "$TESTENV_STATE" ]; then
  echo "testenv: not running (no $TESTENV_STATE)"
  exit 1
fi
ok=0
printf '%-24s %-8s %-8s %s\n' COMPONENT PID STATE RSS
for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  pid=$(pid_of "$c" || true)
  if pid_alive "$c"; then
    rss=$(ps -o rss= -p "$pid" | awk '{printf "%d MiB", $1/1024}')
    printf '%-24s %-8s %-8s %s\n' "$c" "$pid" running "$rss"
  else
    printf '%-24s %-8s %-8s %s\n' "$c" "${pid:--}" stopped "-"
    ok=1
  fi
done
if curl -fsk --max-time 3 "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1; then
  echo "apiserver: https://127.0.0.1:$APISERVER_PORT ready"
  KUBECTL=$(testenv_kubectl)
  "$KUBECTL" --kubeconfig "$TESTENV_STATE/admin.kubeconfig" get nodes -L node.kubernetes.io/windows-build 2>&1 | head -n 20
  echo "export KUBECONFIG=$TESTENV_STATE/admin.kubeconfig"
else
  echo "apiserver: https://127.0.0.1:$APISERVER_PORT not ready"
  ok=1
fi
exit "$ok"
