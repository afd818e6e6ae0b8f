#!/usr/bin/env bash
# Give one pod its own `kubectl logs` output: reads lines from stdin, writes them in CRI log format
# (`<RFC3339Nano> stdout F <line>`) under $TESTENV_STATE/podlogs/, and applies a kwok `Logs` object
# named after the pod (a per-pod Logs object takes precedence over the cluster-wide ClusterLogs).
#
#   printf 'line 1\nline 2\n' | bash testenv/pod-logs.sh NAMESPACE POD [--container C] [--previous FILE]
#
# --previous FILE: plain-text lines served for `kubectl logs --previous` (default: an empty log).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/lib.sh
. "$here/lib.sh"

[ $# -ge 2 ] || die "usage: pod-logs.sh NAMESPACE POD [--container C] [--previous FILE] < lines"
ns=$1 pod=$2 container="" prev=""
shift 2
while [ $# -gt 0 ]; do
  case "$1" in
    --container) container=$2; shift 2 ;;
    --previous) prev=$2; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
KUBECTL=$(testenv_kubectl) || die "kubectl not found"
export KUBECONFIG=${KUBECONFIG:-$TESTENV_STATE/admin.kubeconfig}

dir=$TESTENV_STATE/podlogs/$ns
mkdir -p "$dir"
base=$dir/$pod${container:+.$container}
cri() { local line; while IFS= read -r line || [ -n "$line" ]; do printf '%s stdout F %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" "$line"; done; }
cri >"$base.log"
if [ -n "$prev" ]; then cri <"$prev" >"$base.previous.log"; else : >"$base.previous.log"; fi

containers_line=""
[ -n "$container" ] && containers_line="    containers: [\"$container\"]"
"$KUBECTL" apply --server-side --force-conflicts --field-manager=testenv -f - >/dev/null <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Logs
metadata:
  name: $pod
  namespace: $ns
spec:
  logs:
  - logsFile: $base.log
    previousLogsFile: $base.previous.log
    follow: true
$containers_line
EOF
log "logs for pod $ns/$pod${container:+ container $container} set ($base.log)"
