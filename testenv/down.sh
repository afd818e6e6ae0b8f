#!/usr/bin/env bash
# Stop the local control plane: signal exactly the pids recorded in $TESTENV_STATE/<name>.pid
# (never by process name), wait for them (bounded, then SIGKILL), then remove $TESTENV_STATE.
# --keep-state: stop the processes but keep the state dir (logs), used by up.sh on failure.
# Harmless when nothing is running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/lib.sh
. "$here/lib.sh"

keep=0
[ "${1:-}" = --keep-state ] && keep=1

if [ ! -d "$TESTENV_STATE" ]; then
  log "nothing to stop ($TESTENV_STATE does not exist)"
  exit 0
fi

# Reverse start order: kwok first, etcd last.
pids=()
for c in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  if pid_alive "$c"; then
    pid=$(pid_of "$c")
    log "stopping $c (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  fi
  rm -f "$TESTENV_STATE/$c.pid"
done

# True while any of the pids is running (lib.sh).
alive() { local p; for p in "$@"; do running "$p" && return 0; done; return 1; }
deadline=$((SECONDS + 20))
while [ "${#pids[@]}" -gt 0 ] && alive "${pids[@]}" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
for p in "${pids[@]}"; do
  if running "$p"; then
    log "pid $p did not exit after SIGTERM; sending SIGKILL"
    kill -KILL "$p" 2>/dev/null || true
  fi
done
deadline=$((SECONDS + 5))
while [ "${#pids[@]}" -gt 0 ] && alive "${pids[@]}" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done

if [ "$keep" = 1 ]; then
  log "processes stopped; state kept in $TESTENV_STATE"
else
  rm -rf "$TESTENV_STATE"
  log "stopped; removed $TESTENV_STATE"
fi
